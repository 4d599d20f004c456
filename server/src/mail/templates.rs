//! The mails' texts (Korean, plain text).

use crate::db::mail_queue::NewMail;

/// The reset link mail.
pub fn reset_mail(to: &str, link: &str) -> NewMail {
    NewMail {
        to: to.to_owned(),
        subject: "[COMAtching] 비밀번호 재설정".to_owned(),
        body: format!(
            "비밀번호를 다시 정하려면 30분 안에 아래 링크를 여세요.\n\n{link}\n\n\
             요청한 적이 없다면 이 메일은 무시해도 괜찮아요. 링크는 한 번만 쓸 수 있어요.\n"
        ),
    }
}

/// The school e-mail verification code mail.
pub fn school_code_mail(to: &str, code: &str) -> NewMail {
    NewMail {
        to: to.to_owned(),
        subject: "[COMAtching] 학교 이메일 인증 코드".to_owned(),
        body: format!(
            "인증 코드: {code}\n\n5분 안에 COMAtching 화면에 입력해 주세요.\n\
             요청한 적이 없다면 이 메일은 무시해도 괜찮아요.\n"
        ),
    }
}
