//! Accounts people can get back into, whole: password reset and change through a real SMTP
//! server (aiosmtpd), mail that survives an SMTP outage, school e-mail verification, operator
//! onboarding, remembered sessions and signing out other devices; mail over STARTTLS and
//! implicit TLS to a server whose certificate a private CA signed, to a Korean local part.

use comatching_tests::pki::TestCa;
use comatching_tests::smtp::{Mail, Security, SmtpServer};
use comatching_tests::{spawn_app_with, ApiClient, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

const MAIL_DEADLINE: Duration = Duration::from_secs(20);

async fn app_with_mail(smtp: &SmtpServer) -> TestApp {
    app_trusting(smtp, None).await
}

/// [`app_with_mail`], trusting `ca_file` for the mail server's certificate.
async fn app_trusting(smtp: &SmtpServer, ca_file: Option<std::path::PathBuf>) -> TestApp {
    let url = smtp.url();
    spawn_app_with(
        move |config| {
            config.mail.smtp_url = Some(url);
            config.mail.smtp_ca_file = ca_file;
            config.mail.public_url = Some("https://comatching.test.ac.kr".into());
            config.accounts.school_email_domains = vec!["test.ac.kr".into()];
            config.accounts.require_school_email = true;
        },
        true,
    )
    .await
}

/// The 6-digit code in a school e-mail verification mail.
fn code_in(mail: &Mail) -> String {
    let after = mail.body.split("인증 코드: ").nth(1);
    after
        .unwrap_or_else(|| panic!("no code in {mail:?}"))
        .chars()
        .take(6)
        .collect()
}

/// The reset token in a reset mail's link.
fn token_in(mail: &Mail) -> String {
    let link = mail
        .body
        .split_whitespace()
        .find(|w| w.starts_with("https://comatching.test.ac.kr/reset#token="))
        .unwrap_or_else(|| panic!("no reset link in {mail:?}"));
    link.split_once("#token=").unwrap().1.to_owned()
}

async fn login(app: &TestApp, email: &str, password: &str) -> (ApiClient, u16) {
    let client = app.client();
    let body = json!({"email": email, "password": password});
    let status = client.post("/api/auth/login", &body).await.status.as_u16();
    (client, status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_comes_back_by_mail_once_and_ends_every_session() {
    let mut smtp = SmtpServer::start();
    let app = app_with_mail(&smtp).await;
    let minsu = app.client();
    let email = "minsu@test.ac.kr";
    minsu.signup(email, "민수").await.expect(201);
    let (laptop, _) = login(&app, email, "password123").await;

    let reset = json!({"email": email});
    let stranger = json!({"email": "nobody@test.ac.kr"});
    let (known, unknown) = (
        app.client().post("/api/auth/password-reset", &reset).await,
        app.client()
            .post("/api/auth/password-reset", &stranger)
            .await,
    );
    assert_eq!(
        (known.status.as_u16(), &known.body),
        (unknown.status.as_u16(), &unknown.body),
        "no hint whether the account exists"
    );
    assert_eq!(known.status, 202);
    let mails = smtp.wait_for(1, MAIL_DEADLINE).await;
    assert_eq!(mails[0].subject, "[COMAtching] 비밀번호 재설정");
    assert_eq!(mails[0].to, email);
    let token = token_in(&mails[0]);

    // An SMTP outage delays the next mail, and loses none.
    smtp.stop();
    app.client()
        .post("/api/auth/password-reset", &reset)
        .await
        .expect(202);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    smtp.restart();
    smtp.wait_for(2, MAIL_DEADLINE).await;
    // Three an hour: the fourth request sends nothing.
    app.client()
        .post("/api/auth/password-reset", &reset)
        .await
        .expect(202);
    app.client()
        .post("/api/auth/password-reset", &reset)
        .await
        .expect(202);
    smtp.wait_for(3, MAIL_DEADLINE).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(smtp.mails().len(), 3, "at most three reset mails an hour");

    let confirm = |token: &str, password: &str| json!({"token": token, "password": password});
    let anyone = app.client();
    anyone
        .post(
            "/api/auth/password-reset/confirm",
            &confirm(&token, "short"),
        )
        .await
        .expect_error(422, "INVALID_PASSWORD");
    anyone
        .post(
            "/api/auth/password-reset/confirm",
            &confirm(&token, "new-password-1"),
        )
        .await
        .expect(204);
    anyone
        .post(
            "/api/auth/password-reset/confirm",
            &confirm(&token, "new-password-2"),
        )
        .await
        .expect_error(422, "INVALID_TOKEN");
    anyone
        .post(
            "/api/auth/password-reset/confirm",
            &confirm("forged", "new-password-2"),
        )
        .await
        .expect_error(422, "INVALID_TOKEN");
    for client in [&minsu, &laptop] {
        client
            .get("/api/me")
            .await
            .expect_error(401, "UNAUTHENTICATED");
    }
    assert_eq!(login(&app, email, "password123").await.1, 401);
    assert_eq!(login(&app, email, "new-password-1").await.1, 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_keeps_this_device_and_ends_the_others() {
    let smtp = SmtpServer::start();
    let app = app_with_mail(&smtp).await;
    let phone = app.client();
    let email = "jiwoo@test.ac.kr";
    phone.signup(email, "지우").await.expect(201);
    let remember = json!({"email": email, "password": "password123", "remember": true});
    let tablet = app.client();
    let reply = tablet
        .call_with_headers(
            reqwest::Method::POST,
            "/api/auth/login",
            Some(&remember),
            &[],
        )
        .await;
    assert_eq!(reply.status, 200);
    let sessions = phone.get("/api/me/sessions").await.expect(200);
    assert_eq!(sessions.as_array().unwrap().len(), 2);
    assert_eq!(
        sessions
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["current"] == true)
            .count(),
        1
    );
    assert!(sessions
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["remember"] == true));

    let wrong = json!({"current_password": "not-it-at-all", "new_password": "brand-new-pass"});
    phone
        .put("/api/me/password", &wrong)
        .await
        .expect_error(401, "BAD_CREDENTIALS");
    let change = json!({"current_password": "password123", "new_password": "brand-new-pass"});
    phone.put("/api/me/password", &change).await.expect(204);
    phone.get("/api/me").await.expect(200);
    tablet
        .get("/api/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    assert_eq!(login(&app, email, "brand-new-pass").await.1, 200);

    let (other, _) = login(&app, email, "brand-new-pass").await;
    phone
        .post("/api/me/sessions/logout-others", &json!({}))
        .await
        .expect(204);
    other
        .get("/api/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    assert_eq!(
        phone
            .get("/api/me/sessions")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_address_is_verified_by_a_mailed_code_before_matching() {
    let smtp = SmtpServer::start();
    let app = app_with_mail(&smtp).await;
    let (minsu, jiwoo) = (app.client(), app.client());
    minsu.join("민수", "MALE", "수학과").await;
    jiwoo.join("지우", "FEMALE", "경영학과").await;
    app.fund(&minsu, 5_000).await;
    app.ready_for_matches().await;
    minsu
        .request_match()
        .await
        .expect_error(403, "SCHOOL_EMAIL_REQUIRED");

    let school = |email: &str| json!({"email": email});
    minsu
        .post("/api/me/school-email", &school("minsu@gmail.com"))
        .await
        .expect_error(422, "INVALID_SCHOOL_EMAIL");
    minsu
        .post("/api/me/school-email", &school("Minsu@Test.ac.kr"))
        .await
        .expect(202);
    minsu
        .post("/api/me/school-email", &school("minsu@test.ac.kr"))
        .await
        .expect_error(429, "RATE_LIMITED");
    let mails = smtp.wait_for(1, MAIL_DEADLINE).await;
    assert_eq!(mails[0].to, "minsu@test.ac.kr");
    let code = code_in(&mails[0]);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    minsu
        .post("/api/me/school-email/verify", &json!({"code": wrong}))
        .await
        .expect_error(422, "INVALID_CODE");
    let verified = minsu
        .post("/api/me/school-email/verify", &json!({"code": code}))
        .await
        .expect(200);
    assert_eq!(
        verified,
        json!({"school_email": "minsu@test.ac.kr", "school_email_verified": true})
    );
    let me: Value = minsu.get("/api/me").await.expect(200);
    assert_eq!(
        (
            me["school_email"].as_str(),
            me["school_email_verified"].as_bool()
        ),
        (Some("minsu@test.ac.kr"), Some(true))
    );
    minsu.request_match().await.expect(201);

    // One account per school address; five wrong codes end a code.
    jiwoo
        .post("/api/me/school-email", &school("minsu@test.ac.kr"))
        .await
        .expect_error(409, "CONFLICT");
    jiwoo
        .post("/api/me/school-email", &school("jiwoo@test.ac.kr"))
        .await
        .expect(202);
    let mails = smtp.wait_for(2, MAIL_DEADLINE).await;
    let to_jiwoo = mails.iter().find(|m| m.to == "jiwoo@test.ac.kr").unwrap();
    let code = code_in(to_jiwoo);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        jiwoo
            .post("/api/me/school-email/verify", &json!({"code": wrong}))
            .await
            .expect_error(422, "INVALID_CODE");
    }
    jiwoo
        .post("/api/me/school-email/verify", &json!({"code": code}))
        .await
        .expect_error(422, "CODE_EXPIRED");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_sign_up_and_wait_for_an_admin() {
    let smtp = SmtpServer::start();
    let app = app_with_mail(&smtp).await;
    let admin = app.admin().await;
    let (hana, dami) = (app.client(), app.client());
    let signup = |email: &str, nickname: &str| json!({"email": email, "password": "operator-pass", "nickname": nickname});
    let hana_user = hana
        .post(
            "/api/auth/operator-signup",
            &signup("hana@test.ac.kr", "하나"),
        )
        .await
        .expect(201)["user"]
        .clone();
    assert_eq!(
        (
            hana_user["role"].as_str(),
            hana_user["operator_request"].as_str()
        ),
        (Some("USER"), Some("PENDING"))
    );
    dami.post(
        "/api/auth/operator-signup",
        &signup("dami@test.ac.kr", "다미"),
    )
    .await
    .expect(201);
    hana.get("/api/ops/charges")
        .await
        .expect_error(403, "FORBIDDEN");
    hana.get("/api/admin/operator-requests")
        .await
        .expect_error(403, "FORBIDDEN");

    let pending = admin.get("/api/admin/operator-requests").await.expect(200);
    let nicknames: Vec<_> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["nickname"].as_str().unwrap())
        .collect();
    assert_eq!(nicknames, ["하나", "다미"], "oldest first");
    let hana_id = hana_user["id"].as_str().unwrap();
    let dami_id = pending[1]["user_id"].as_str().unwrap();
    admin
        .post(
            &format!("/api/admin/operator-requests/{hana_id}/approve"),
            &json!({}),
        )
        .await
        .expect(200);
    admin
        .post(
            &format!("/api/admin/operator-requests/{dami_id}/reject"),
            &json!({}),
        )
        .await
        .expect(200);
    admin
        .post(
            &format!("/api/admin/operator-requests/{hana_id}/approve"),
            &json!({}),
        )
        .await
        .expect_error(404, "NOT_FOUND");
    hana.get("/api/ops/charges").await.expect(200);
    let dami_me = dami.get("/api/me").await.expect(200);
    assert_eq!(
        (
            dami_me["role"].as_str(),
            dami_me["operator_request"].as_str()
        ),
        (Some("USER"), Some("REJECTED"))
    );
    let trail = admin.get("/api/ops/audit").await.expect(200);
    let actions: Vec<_> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"APPROVE_OPERATOR") && actions.contains(&"REJECT_OPERATOR"),
        "{actions:?}"
    );
    assert_eq!(
        admin.get("/api/admin/operator-requests").await.expect(200),
        json!([])
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_happens_before_consent_to_the_documents_in_force() {
    let smtp = SmtpServer::start();
    let app = app_with_mail(&smtp).await;
    let student = app.client();
    student
        .signup_without_consent("yuna@test.ac.kr", "유나")
        .await
        .expect(201);
    assert_eq!(
        student.get("/api/me").await.expect(200)["consent"],
        Value::Null
    );
    let profile = comatching_tests::profile("FEMALE", "경영학과", "yuna_kakao");
    student
        .put_profile(&profile)
        .await
        .expect_error(403, "CONSENT_REQUIRED");
    let charge = json!({"amount": 1_000, "depositor_name": "유나"});
    student
        .post("/api/charges", &charge)
        .await
        .expect_error(403, "CONSENT_REQUIRED");
    student
        .request_match()
        .await
        .expect_error(403, "CONSENT_REQUIRED");

    let documents = app.client().get("/api/consent").await.expect(200);
    assert_eq!(
        (documents["version"].as_u64(), documents["min_age"].as_u64()),
        (Some(1), Some(14))
    );
    let ids: Vec<_> = documents["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["terms", "privacy", "contact_sharing"]);
    assert!(documents["documents"][2]["body"]
        .as_str()
        .unwrap()
        .contains("14세"));

    let all = ["terms", "privacy", "contact_sharing"];
    for body in [
        json!({"version": 1, "accepted": ["terms", "privacy"], "age_confirmed": true}),
        json!({"version": 1, "accepted": all, "age_confirmed": false}),
        json!({"version": 2, "accepted": all, "age_confirmed": true}),
    ] {
        student
            .post("/api/me/consent", &body)
            .await
            .expect_error(422, "INVALID_CONSENT");
    }
    let given = json!({"version": 1, "accepted": all, "age_confirmed": true});
    assert_eq!(
        student.post("/api/me/consent", &given).await.expect(200)["consent"]["version"],
        1
    );
    assert_eq!(
        student.get("/api/me").await.expect(200)["consent"]["version"],
        1
    );
    student
        .post("/api/charges", &charge)
        .await
        .expect_error(422, "PROFILE_REQUIRED");
    student.put_profile(&profile).await.expect(200);
    student.post("/api/charges", &charge).await.expect(201);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_goes_over_starttls_and_implicit_tls_to_a_korean_address() {
    let dir = tempfile::tempdir().expect("a folder for certificates");
    let ca = TestCa::new(dir.path());
    let leaf = ca.leaf("smtp");
    let modes = [
        Security::StartTls {
            cert: leaf.cert.clone(),
            key: leaf.key.clone(),
        },
        Security::Implicit {
            cert: leaf.cert.clone(),
            key: leaf.key.clone(),
        },
    ];
    for security in modes {
        let smtp = SmtpServer::start_with(security.clone());
        let app = app_trusting(&smtp, Some(ca.ca_file())).await;
        let email = "지우@test.ac.kr";
        app.client().signup(email, "지우").await.expect(201);
        app.client()
            .post("/api/auth/password-reset", &json!({"email": email}))
            .await
            .expect(202);
        let mails = smtp.wait_for(1, MAIL_DEADLINE).await;
        assert_eq!(mails[0].to, email, "{security:?}");
        assert_eq!(mails[0].subject, "[COMAtching] 비밀번호 재설정");
        app.stop().await;
    }

    // Without the CA the certificate is not trusted: nothing goes out, the mail waits.
    let smtp = SmtpServer::start_with(Security::StartTls {
        cert: leaf.cert,
        key: leaf.key,
    });
    let app = app_trusting(&smtp, None).await;
    app.client()
        .signup("minsu@test.ac.kr", "민수")
        .await
        .expect(201);
    app.client()
        .post(
            "/api/auth/password-reset",
            &json!({"email": "minsu@test.ac.kr"}),
        )
        .await
        .expect(202);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(smtp.mails().is_empty(), "an untrusted server got mail");
    app.stop().await;
}
