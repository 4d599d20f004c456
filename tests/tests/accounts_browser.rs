//! Accounts in a real headless Chromium at phone size against a real server and nats-server,
//! with mail written as `.eml` files under the server's data directory (no SMTP in tests):
//! (a) a festival helper signs up as an operator, accepts the consent documents and waits; the
//! admin turns one applicant down in two taps and approves the helper, whose reload opens the
//! 운영 menu; (b) a student signs out her other devices in two taps, changes her password in
//! settings (a wrong current one is refused) and signs in with the new one in a fresh browser
//! with 로그인 유지; (c) "비밀번호를 잊었어요": the reset mail's link opens the app's `/reset` page,
//! the new password works and the link works once; (d) a school e-mail, which this server
//! requires before matching: the match screen says so and leads to settings, where the code from
//! the mail (a wrong one first) ends in "✓ 인증됨". Screenshots go to
//! target/screenshots/accounts/.

use comatching_tests::app::{ADMIN_EMAIL, ADMIN_PASSWORD};
use comatching_tests::browser::{js, submit_login, wait_js};
use comatching_tests::browser::{Browser, ChromeDriver};
use comatching_tests::{profile, spawn_app_with, wait_until, TestApp};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a mail may take to be written (queued, then handed to the file transport).
const MAIL_DEADLINE: Duration = Duration::from_secs(20);
/// The screenshot folder.
const SHOTS: &str = "accounts";
/// The password `ApiClient::signup` gives everyone.
const PASSWORD: &str = "password123";
/// The school domain this server accepts.
const SCHOOL_DOMAIN: &str = "test.ac.kr";

const OP_PENDING: &str = "운영진 신청이 접수됐어요. 관리자가 승인하면 운영 메뉴가 열려요.";
const FORGOT_SENT: &str =
    "입력한 주소로 계정이 있다면 재설정 메일을 보냈어요. 30분 안에 링크를 열어 주세요.";
const RESET_DONE: &str = "비밀번호를 바꿨어요. 새 비밀번호로 로그인해 주세요.";
const TOKEN_USED: &str = "링크가 만료됐거나 이미 사용됐어요. 다시 요청해 주세요.";
const PASSWORD_CHANGED: &str = "비밀번호를 바꿨어요. 다른 기기에서는 로그아웃됐어요.";

// ---------------------------------------------------------------------------------------------
// Reading the server's mail.

/// The mail the server wrote as `<data dir>/mail/*.eml`; each is read once.
struct Mailbox {
    dir: PathBuf,
    seen: HashSet<PathBuf>,
}

/// One mail: its headers (unfolded) and its body, decoded to text.
#[derive(Debug)]
struct Mail {
    headers: String,
    body: String,
}

impl Mail {
    fn parse(raw: &str) -> Self {
        let (head, body) = raw
            .split_once("\r\n\r\n")
            .or_else(|| raw.split_once("\n\n"))
            .unwrap_or((raw, ""));
        // A header line that starts with white space continues the one before (RFC 5322 folding).
        let headers = head
            .replace("\r\n", "\n")
            .replace("\n ", " ")
            .replace("\n\t", " ");
        let mut mail = Self {
            headers,
            body: String::new(),
        };
        let encoding = mail
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "base64" => base64_decode(body),
            "quoted-printable" => quoted_printable_decode(body),
            // 7bit, 8bit, binary, or none said.
            _ => body.as_bytes().to_vec(),
        };
        mail.body = String::from_utf8(bytes).expect("a UTF-8 mail body");
        mail
    }

    /// The value of header `name` (case-insensitive), trimmed.
    fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.headers.lines().find_map(|line| {
            line.to_ascii_lowercase()
                .starts_with(&prefix)
                .then(|| line[prefix.len()..].trim().to_owned())
        })
    }
}

/// Base64 (RFC 2045): line breaks ignored, padding ends it.
fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            other => panic!("not base64: {:?}", other as char),
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// Quoted-printable (RFC 2045): soft line breaks (`=` at a line's end) removed, `=XX` as bytes.
fn quoted_printable_decode(text: &str) -> Vec<u8> {
    let text = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = if bytes[i] == b'=' && i + 2 < bytes.len() {
            std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        } else {
            None
        };
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

/// The path and fragment of the reset link in a mail: `/reset#token=…` (the link's origin is
/// the server's public URL, not the test's address).
fn reset_path(body: &str) -> String {
    const MARK: &str = "/reset#token=";
    let start = body
        .find(MARK)
        .unwrap_or_else(|| panic!("a reset link in {body:?}"))
        + MARK.len();
    let token: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(token.len() >= 20, "a long random token: {body:?}");
    format!("{MARK}{token}")
}

/// The six digits after "인증 코드: " in the school e-mail mail.
fn school_code(body: &str) -> String {
    const MARK: &str = "인증 코드: ";
    let start = body
        .find(MARK)
        .unwrap_or_else(|| panic!("a code in {body:?}"))
        + MARK.len();
    let code: String = body[start..].chars().take(6).collect();
    assert!(
        code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()),
        "six digits: {body:?}"
    );
    code
}

impl Mailbox {
    fn new(app: &TestApp) -> Self {
        Self {
            dir: app.server_data_dir().join("mail"),
            seen: HashSet::new(),
        }
    }

    /// The mails not read yet, oldest first (the names are the queue's ids, zero-padded).
    fn unread(dir: &Path, seen: &HashSet<PathBuf>) -> Vec<(PathBuf, Mail)> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .filter(|path| !seen.contains(path))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .filter_map(|path| {
                let raw = std::fs::read(&path).ok()?;
                let mail = Mail::parse(&String::from_utf8_lossy(&raw));
                Some((path, mail))
            })
            .collect()
    }

    /// Waits for a new mail to `to`; returns its body as text.
    async fn next_to(&mut self, to: &str) -> String {
        let (dir, seen) = (&self.dir, &self.seen);
        let (path, mail) = wait_until(&format!("a mail to {to}"), MAIL_DEADLINE, || async move {
            Self::unread(dir, seen)
                .into_iter()
                .find(|(_, mail)| mail.header("To").is_some_and(|h| h.contains(to)))
        })
        .await;
        self.seen.insert(path);
        mail.body
    }

    /// Whether any mail (read or not) went to `to`.
    fn any_to(&self, to: &str) -> bool {
        Self::unread(&self.dir, &HashSet::new())
            .iter()
            .any(|(_, mail)| mail.header("To").is_some_and(|h| h.contains(to)))
    }
}

// ---------------------------------------------------------------------------------------------
// The browser.

/// Waits until exactly `n` elements match `css`.
async fn wait_count(browser: &Browser, css: &str, n: usize) {
    wait_js(
        browser,
        &format!("{n} × {css}"),
        "return document.querySelectorAll(arguments[0]).length === arguments[1];",
        vec![json!(css), json!(n)],
    )
    .await;
}

/// Waits until nothing matches `css`.
async fn wait_gone(browser: &Browser, css: &str) {
    wait_js(
        browser,
        &format!("{css} to go"),
        "return document.querySelector(arguments[0]) === null;",
        vec![json!(css)],
    )
    .await;
}

/// Waits until the element matching `css` is shown (not `hidden`).
async fn wait_shown(browser: &Browser, css: &str) {
    wait_js(
        browser,
        &format!("{css} to be shown"),
        "const el = document.querySelector(arguments[0]); return el !== null && !el.hidden;",
        vec![json!(css)],
    )
    .await;
}

/// Scrolls what a screenshot is about into the middle of the screen.
async fn show(browser: &Browser, css: &str) {
    js(
        browser,
        "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' }); return true;",
        vec![json!(css)],
    )
    .await;
}

/// Whether the `session` cookie has an expiry: a remembered session's has, one that ends with
/// the browser has none.
async fn session_cookie_expires(browser: &Browser) -> bool {
    let cookies = browser.client.get_all_cookies().await.expect("cookies");
    let session = cookies
        .iter()
        .find(|c| c.name() == "session")
        .expect("a session cookie");
    session.expires().is_some_and(|e| e.is_datetime())
}

/// An id as the API writes it (a string of digits), for selectors and paths.
fn id_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// The journeys.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_onboard_operators_recover_passwords_and_verify_school_email() {
    let app = spawn_app_with(
        |config| {
            config.accounts.school_email_domains = vec![SCHOOL_DOMAIN.into()];
            config.accounts.require_school_email = true;
        },
        false,
    )
    .await;
    let driver = ChromeDriver::start();
    let mut mail = Mailbox::new(&app);

    operator_onboarding(&app, &driver).await;
    password_change(&app, &driver).await;
    password_reset(&app, &driver, &mut mail).await;
    school_email(&app, &driver, &mut mail).await;

    app.stop().await;
}

/// (a) Operator sign-up, pending, one applicant turned down and one approved.
async fn operator_onboarding(app: &TestApp, driver: &ChromeDriver) {
    let o = driver.browser(&app.base, SHOTS).await;
    o.open("login").await;
    o.wait_text("#login-operator-signup", "운영진으로 가입하기")
        .await;
    o.click("#login-operator-signup").await;
    o.wait_text("h1", "운영진으로 가입하기").await;
    o.fill("#op-email", "helper@test.ac.kr").await;
    o.fill("#op-password", "helper-password").await;
    o.fill("#op-nickname", "부스도우미").await;
    o.screenshot("01-operator-signup").await;
    o.click("#op-signup").await;
    // A new account accepts the documents first ("모두 동의"), then sees its application.
    o.wait_text("#consent-submit", "동의하고 계속하기").await;
    o.click("#consent-all").await;
    o.click("#consent-submit").await;
    o.wait_text("#op-pending", OP_PENDING).await;
    let url = o.client.current_url().await.expect("the address");
    assert_eq!(url.fragment(), Some("/operator-signup"), "{url}");
    o.wait_text("#nav", "설정").await;
    o.screenshot("02-operator-pending").await;

    // Home says so too, and there is no 운영 menu yet.
    o.open("home").await;
    o.wait_text("#operator-pending", OP_PENDING).await;
    assert_eq!(
        js(
            &o,
            "return document.getElementById('nav-ops') === null;",
            vec![]
        )
        .await,
        json!(true)
    );
    o.screenshot("03-operator-pending-home").await;

    // A second applicant, by the API: the admin turns that one down.
    let other = app.client();
    let reply = other
        .post(
            "/api/auth/operator-signup",
            &json!({"email": "stranger@test.ac.kr", "password": PASSWORD, "nickname": "낯선사람"}),
        )
        .await
        .expect(201);
    assert_eq!(reply["user"]["operator_request"], "PENDING", "{reply}");

    let admin = app.admin().await;
    let requests = admin.get("/api/admin/operator-requests").await.expect(200);
    let emails: Vec<&str> = requests
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|r| r["email"].as_str())
        .collect();
    assert_eq!(
        emails,
        ["helper@test.ac.kr", "stranger@test.ac.kr"],
        "oldest first: {requests}"
    );
    let helper_id = id_text(&requests[0]["user_id"]);
    let stranger_id = id_text(&requests[1]["user_id"]);
    let helper_row = format!("#operator-requests .operator-request[data-user='{helper_id}']");
    let stranger_row = format!("#operator-requests .operator-request[data-user='{stranger_id}']");

    let a = driver.browser(&app.base, SHOTS).await;
    submit_login(&a, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    a.wait_text("#nav", "운영").await;
    a.open("ops").await;
    a.click("#ops-link-ops-operators").await;
    a.wait_text("h1", "운영진 신청").await;
    let row = a.wait_text(&helper_row, "helper@test.ac.kr").await;
    assert!(row.contains("부스도우미"), "{row}");
    a.wait_text(&stranger_row, "stranger@test.ac.kr").await;
    wait_count(&a, "#operator-requests .operator-request", 2).await;
    a.screenshot("04-admin-operator-requests").await;

    // Turned down in two taps: the first only asks.
    a.click(&format!("{stranger_row} .op-reject")).await;
    a.wait_text(&format!("{stranger_row} .op-reject-confirm"), "거절할게요")
        .await;
    a.screenshot("05-admin-reject-confirm").await;
    assert_eq!(
        other.get("/api/me").await.expect(200)["operator_request"],
        "PENDING"
    );
    a.click(&format!("{stranger_row} .op-reject-confirm")).await;
    a.wait_text("#operator-status", "운영진 신청을 거절했어요")
        .await;
    wait_gone(&a, &stranger_row).await;
    let me = other.get("/api/me").await.expect(200);
    assert_eq!(
        (me["operator_request"].clone(), me["role"].clone()),
        (json!("REJECTED"), json!("USER")),
        "{me}"
    );

    // Approved in one.
    a.click(&format!("{helper_row} .op-approve")).await;
    a.wait_text(
        "#operator-status",
        "부스도우미(helper@test.ac.kr)님을 운영진으로 승인했어요",
    )
    .await;
    a.wait_text("#operator-empty", "기다리는 운영진 신청이 없어요")
        .await;
    a.screenshot("06-admin-operator-approved").await;
    let requests = admin.get("/api/admin/operator-requests").await.expect(200);
    assert_eq!(requests, json!([]));

    // The helper reloads: the 운영 menu is there.
    o.client.refresh().await.expect("reload");
    o.wait_text("#nav", "운영").await;
    o.click("#nav-ops").await;
    o.wait_text("h1", "충전 요청 확인").await;
    o.screenshot("07-operator-menu-open").await;
    let helper = app.client();
    helper
        .post(
            "/api/auth/login",
            &json!({"email": "helper@test.ac.kr", "password": "helper-password"}),
        )
        .await
        .expect(200);
    assert_eq!(helper.get("/api/me").await.expect(200)["role"], "OPERATOR");

    a.close().await;
    o.close().await;
}

/// (b) Other devices signed out, the password changed, a fresh sign-in with 로그인 유지.
async fn password_change(app: &TestApp, driver: &ChromeDriver) {
    const EMAIL: &str = "minji@test.ac.kr";
    const NEW_PASSWORD: &str = "new-password-456";
    let phone = app.client();
    phone.signup(EMAIL, "민지").await.expect(201);
    phone
        .put_profile(&profile("FEMALE", "경영학과", "minji_kakao"))
        .await
        .expect(200);

    let s = driver.browser(&app.base, SHOTS).await;
    submit_login(&s, EMAIL, PASSWORD).await;
    s.wait_text("h1", "민지님, 반가워요").await;
    assert!(
        !session_cookie_expires(&s).await,
        "without 로그인 유지 the cookie ends with the browser"
    );
    s.open("settings").await;
    let current = s
        .wait_text("#sessions .session-row.current", "이 기기")
        .await;
    assert!(!current.contains("로그인 유지"), "{current}");
    wait_count(&s, "#sessions .session-row", 2).await;
    s.wait_text("#logout-others", "다른 기기 모두 로그아웃")
        .await;
    show(&s, "#sessions-card").await;
    s.screenshot("08-settings-sessions").await;

    // Signing out the other devices takes two taps.
    s.click("#logout-others").await;
    s.wait_text("#logout-others-note", "다른 기기에서는 모두 로그아웃돼요")
        .await;
    wait_shown(&s, "#logout-others-confirm").await;
    show(&s, "#sessions-card").await;
    s.screenshot("09-settings-logout-others-confirm").await;
    assert_eq!(phone.get("/api/me").await.status.as_u16(), 200);
    s.click("#logout-others-confirm").await;
    s.wait_text("#sessions-status", "다른 기기에서 모두 로그아웃했어요.")
        .await;
    wait_count(&s, "#sessions .session-row", 1).await;
    assert_eq!(phone.get("/api/me").await.status.as_u16(), 401);

    // The phone signs in again; a wrong current password changes nothing.
    phone
        .post(
            "/api/auth/login",
            &json!({"email": EMAIL, "password": PASSWORD}),
        )
        .await
        .expect(200);
    // Settings reads the list when it opens.
    s.client.refresh().await.expect("reload");
    wait_count(&s, "#sessions .session-row", 2).await;
    s.fill("#pw-current", "not-my-password").await;
    s.fill("#pw-new", NEW_PASSWORD).await;
    s.click("#pw-save").await;
    s.wait_text("#err-current_password", "현재 비밀번호가 맞지 않아요.")
        .await;
    show(&s, "#password-card").await;
    s.screenshot("10-settings-password-wrong").await;
    assert_eq!(phone.get("/api/me").await.status.as_u16(), 200);

    s.fill("#pw-current", PASSWORD).await;
    s.fill("#pw-new", NEW_PASSWORD).await;
    s.click("#pw-save").await;
    s.wait_text("#pw-done", PASSWORD_CHANGED).await;
    wait_count(&s, "#sessions .session-row", 1).await;
    show(&s, "#password-card").await;
    s.screenshot("11-settings-password-changed").await;
    assert_eq!(
        phone.get("/api/me").await.status.as_u16(),
        401,
        "the other session ended"
    );
    app.client()
        .post(
            "/api/auth/login",
            &json!({"email": EMAIL, "password": PASSWORD}),
        )
        .await
        .expect_error(401, "BAD_CREDENTIALS");

    // A fresh browser: the new password, remembered.
    let s2 = driver.browser(&app.base, SHOTS).await;
    s2.open("login").await;
    s2.fill("input[name=email]", EMAIL).await;
    s2.fill("input[name=password]", NEW_PASSWORD).await;
    s2.click("#login-remember").await;
    assert_eq!(
        js(
            &s2,
            "return document.getElementById('login-remember').checked;",
            vec![]
        )
        .await,
        json!(true)
    );
    s2.screenshot("12-login-remember").await;
    s2.click("button[type=submit]").await;
    s2.wait_text("h1", "민지님, 반가워요").await;
    assert!(
        session_cookie_expires(&s2).await,
        "with 로그인 유지 the cookie outlives the browser"
    );
    s2.open("settings").await;
    let current = s2
        .wait_text("#sessions .session-row.current", "로그인 유지")
        .await;
    assert!(current.contains("이 기기"), "{current}");
    wait_count(&s2, "#sessions .session-row", 2).await;
    show(&s2, "#sessions-card").await;
    s2.screenshot("13-settings-remembered-session").await;

    s2.close().await;
    s.close().await;
}

/// (c) "비밀번호를 잊었어요": the mail's link, a new password, the link once only.
async fn password_reset(app: &TestApp, driver: &ChromeDriver, mail: &mut Mailbox) {
    const EMAIL: &str = "dahye@test.ac.kr";
    const NEW_PASSWORD: &str = "reset-password-789";
    let phone = app.client();
    phone.signup(EMAIL, "다혜").await.expect(201);
    phone
        .put_profile(&profile("FEMALE", "국어국문학과", "dahye_kakao"))
        .await
        .expect(200);

    let r = driver.browser(&app.base, SHOTS).await;
    r.open("login").await;
    r.wait_text("#login-forgot", "비밀번호를 잊었어요").await;
    r.click("#login-forgot").await;
    r.wait_text("h1", "비밀번호 찾기").await;

    // An address without an account gets the same answer.
    r.fill("#forgot-email", "nobody@test.ac.kr").await;
    r.click("#forgot-send").await;
    r.wait_text("#forgot-done", FORGOT_SENT).await;
    r.fill("#forgot-email", EMAIL).await;
    r.click("#forgot-send").await;
    let body = mail.next_to(EMAIL).await;
    r.wait_text("#forgot-done", FORGOT_SENT).await;
    r.screenshot("14-forgot-sent").await;
    assert!(body.contains("30분"), "{body}");
    let path = reset_path(&body);
    assert!(
        !mail.any_to("nobody@test.ac.kr"),
        "no mail for an address without an account"
    );

    // The link: the app's /reset page (on this test server's address).
    let link = format!("{}{path}", app.base);
    r.client.goto(&link).await.expect("open the reset link");
    r.wait_text("h1", "새 비밀번호 정하기").await;
    r.fill("#reset-password", NEW_PASSWORD).await;
    r.fill("#reset-password2", "something-else-1").await;
    r.click("#reset-save").await;
    r.wait_text("#err-password2", "두 비밀번호가 서로 달라요.")
        .await;
    r.screenshot("15-reset-mismatch").await;
    assert_eq!(
        phone.get("/api/me").await.status.as_u16(),
        200,
        "nothing was sent"
    );

    r.fill("#reset-password2", NEW_PASSWORD).await;
    r.click("#reset-save").await;
    r.wait_text("#login-notice", RESET_DONE).await;
    let url = r.client.current_url().await.expect("the address");
    assert_eq!((url.path(), url.fragment()), ("/", Some("/login")), "{url}");
    r.screenshot("16-reset-done-login").await;
    assert_eq!(
        phone.get("/api/me").await.status.as_u16(),
        401,
        "every session of the account ended"
    );

    r.fill("input[name=email]", EMAIL).await;
    r.fill("input[name=password]", NEW_PASSWORD).await;
    r.click("button[type=submit]").await;
    r.wait_text("h1", "다혜님, 반가워요").await;

    // The link works once.
    r.client.goto(&link).await.expect("open the link again");
    r.wait_text("h1", "새 비밀번호 정하기").await;
    r.fill("#reset-password", "another-password-1").await;
    r.fill("#reset-password2", "another-password-1").await;
    r.click("#reset-save").await;
    r.wait_text("#reset-alert", TOKEN_USED).await;
    wait_shown(&r, "#reset-again").await;
    r.screenshot("17-reset-link-used").await;
    app.client()
        .post(
            "/api/auth/login",
            &json!({"email": EMAIL, "password": NEW_PASSWORD}),
        )
        .await
        .expect(200);

    r.close().await;
}

/// (d) A school e-mail: required to match, the domain checked, the code from the mail, a wrong
/// code, the right one.
async fn school_email(app: &TestApp, driver: &ChromeDriver, mail: &mut Mailbox) {
    const EMAIL: &str = "jisu@gmail.com";
    let school = format!("jisu@{SCHOOL_DOMAIN}");
    let phone = app.client();
    phone.signup(EMAIL, "지수").await.expect(201);
    phone
        .put_profile(&profile("MALE", "물리학과", "jisu_kakao"))
        .await
        .expect(200);
    let me = phone.get("/api/me").await.expect(200);
    assert_eq!(
        (
            me["school_email"].clone(),
            me["school_email_verified"].clone()
        ),
        (Value::Null, json!(false)),
        "{me}"
    );

    let k = driver.browser(&app.base, SHOTS).await;
    submit_login(&k, EMAIL, PASSWORD).await;
    k.wait_text("h1", "지수님, 반가워요").await;

    // Matching asks for it first, and shows the way to settings.
    k.open("match").await;
    k.click("form button[type=submit]").await;
    k.wait_text(
        "#school-required",
        "학교 이메일을 인증해야 매칭할 수 있어요.",
    )
    .await;
    k.screenshot("18-match-school-required").await;
    k.click("#school-required-link").await;
    k.wait_text("#school-status", "아직 인증하지 않았어요")
        .await;
    wait_js(
        &k,
        "the school e-mail field to take the focus",
        "return document.activeElement?.id === 'school-email';",
        vec![],
    )
    .await;

    // Another domain is refused.
    k.fill("#school-email", EMAIL).await;
    k.click("#school-send").await;
    k.wait_text("#err-school_email", "학교 이메일만 인증할 수 있어요.")
        .await;

    k.fill("#school-email", &school).await;
    k.click("#school-send").await;
    k.wait_text("#school-sent", "6자리 코드를 보냈어요").await;
    k.wait_text("#school-send", "초 뒤에 다시 받을 수 있어요")
        .await;
    let code_input = js(
        &k,
        "const input = document.getElementById('school-code');
         return [input.inputMode, input.autocomplete, input.maxLength];",
        vec![],
    )
    .await;
    assert_eq!(code_input, json!(["numeric", "one-time-code", 6]));
    show(&k, "#school-card").await;
    k.screenshot("19-school-code-sent").await;

    let body = mail.next_to(&school).await;
    let code = school_code(&body);
    let first = code
        .chars()
        .next()
        .and_then(|c| c.to_digit(10))
        .expect("a digit");
    let wrong = format!("{}{}", (first + 1) % 10, &code[1..]);
    k.fill("#school-code", &wrong).await;
    k.click("#school-verify").await;
    k.wait_text("#err-code", "코드가 맞지 않아요.").await;
    show(&k, "#school-card").await;
    k.screenshot("20-school-code-wrong").await;

    k.fill("#school-code", &code).await;
    k.click("#school-verify").await;
    k.wait_text("#school-status", &format!("✓ 인증됨 · {school}"))
        .await;
    show(&k, "#school-card").await;
    k.screenshot("21-school-verified").await;
    let me = phone.get("/api/me").await.expect(200);
    assert_eq!(
        (
            me["school_email"].clone(),
            me["school_email_verified"].clone()
        ),
        (json!(school), json!(true)),
        "{me}"
    );

    // Still so after a reload.
    k.client.refresh().await.expect("reload");
    k.wait_text("#school-status", "✓ 인증됨").await;

    k.close().await;
}

// ---------------------------------------------------------------------------------------------
// The mail decoding, checked on its own.

#[test]
fn base64_bodies_are_decoded() {
    assert_eq!(
        String::from_utf8(base64_decode("7J247KadIOy9\r\nlOuTnDogMTIzNDU2")).unwrap(),
        "인증 코드: 123456"
    );
    assert_eq!(base64_decode("YQ=="), b"a");
    assert_eq!(base64_decode("YWI="), b"ab");
    assert_eq!(base64_decode("YWJj"), b"abc");
}

#[test]
fn quoted_printable_bodies_are_decoded() {
    assert_eq!(
        String::from_utf8(quoted_printable_decode(
            "=EC=9D=B8=EC=A6=9D =EC=BD=94=EB=93=9C: 123456"
        ))
        .unwrap(),
        "인증 코드: 123456"
    );
    // A soft line break inside the link, and its `=` written as =3D.
    let body = String::from_utf8(quoted_printable_decode(
        "http://127.0.0.1:8080/reset#token=3DAbC-_dEf0123456789xy=\r\nZ\r\n=\n",
    ))
    .unwrap();
    assert_eq!(
        body,
        "http://127.0.0.1:8080/reset#token=AbC-_dEf0123456789xyZ\r\n"
    );
    assert_eq!(reset_path(&body), "/reset#token=AbC-_dEf0123456789xyZ");
    // A lone `=` that starts no escape stays.
    assert_eq!(quoted_printable_decode("a=zz="), b"a=zz=");
}

#[test]
fn a_mail_file_gives_its_recipient_and_text() {
    let raw = "From: COMAtching <no-reply@comatching.local>\r\n\
               To: jisu@test.ac.kr\r\n\
               Subject: =?utf-8?b?W0NPTUF0Y2hpbmdd?=\r\n\
               Content-Type: text/plain; charset=utf-8\r\n\
               Content-Transfer-Encoding: base64\r\n\
               MIME-Version: 1.0\r\n\
               \r\n\
               7J247KadIOy9lOuTnDogMTIzNDU2\r\n";
    let mail = Mail::parse(raw);
    assert_eq!(mail.header("to").as_deref(), Some("jisu@test.ac.kr"));
    assert_eq!(school_code(&mail.body), "123456");

    let folded = "To:\r\n dahye@test.ac.kr\r\nContent-Transfer-Encoding: 7bit\r\n\r\nplain /reset#token=abcdefghijklmnopqrstuvwxyz end";
    let mail = Mail::parse(folded);
    assert_eq!(mail.header("To").as_deref(), Some("dahye@test.ac.kr"));
    assert_eq!(
        reset_path(&mail.body),
        "/reset#token=abcdefghijklmnopqrstuvwxyz"
    );
}
