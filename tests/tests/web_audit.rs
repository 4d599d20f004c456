//! Accessibility and speed as the tools measure them, against a real server, matcher and
//! nats-server: axe-core finds no serious or critical violation on any screen of the web app, as
//! each role sees it, in a real headless Chromium at phone size (a visitor's public screens and
//! the reset page; a new student's consent and profile builder; a student with points, a match
//! and a chat on every student screen and the states they open: the match result, the report
//! form, the withdraw confirmation, a refused password change; an operator's queue, user search
//! and detail, stats, reports, bans and booth with a student's code looked up; an admin's
//! notices, account, events and operator applications), and Lighthouse (its mobile default,
//! simulated throttling) scores the landing page and two signed-in student screens at least
//! 0.95 in performance, accessibility and best practices. axe-core and Lighthouse are the npm
//! packages pinned in tests/audit/package.json, which scripts/test.sh installs. Screenshots go
//! to target/screenshots/audit/.

use comatching_tests::app::{ADMIN_EMAIL, ADMIN_PASSWORD};
use comatching_tests::audit::{axe, lighthouse_best};
use comatching_tests::browser::{submit_login, wait_js, Browser, ChromeDriver};
use comatching_tests::{profile, spawn_app, ApiClient, TestApp};
use serde_json::json;

const SHOTS: &str = "audit";
/// The lowest score Lighthouse may give any of the three categories.
const FLOOR: f64 = 0.95;
/// Lighthouse runs per address at most; each category's best counts (see `lighthouse_best`).
const LIGHTHOUSE_TRIES: usize = 3;
/// Every test account's password (`ApiClient::signup`'s).
const PASSWORD: &str = "password123";

/// The serious and critical axe-core violations found so far, each named after its screen.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    /// Checks the screen `b` shows now, once its data has come, as `name` (also the screenshot's).
    async fn check(&mut self, b: &Browser, name: &str) {
        settled(b).await;
        b.screenshot(name).await;
        for violation in axe(b).await {
            self.0.push(format!("{name}: {violation}"));
        }
    }

    /// Opens `route`, waits until its heading shows `heading`, and checks the screen as `name`.
    async fn screen(&mut self, b: &Browser, name: &str, route: &str, heading: &str) {
        go(b, route, heading).await;
        self.check(b, name).await;
    }
}

/// Opens `route` and waits until its heading shows `heading`.
async fn go(b: &Browser, route: &str, heading: &str) {
    b.open(route).await;
    b.wait_text("h1", heading).await;
}

/// Waits until no loading spinner shows on the screen.
async fn settled(b: &Browser) {
    wait_js(
        b,
        "the screen's data to come",
        "return [...document.querySelectorAll('#app .loading')]
           .every((el) => el.getClientRects().length === 0);",
        vec![],
    )
    .await;
}

/// Waits until some error or alert on the screen says something.
async fn error_shown(b: &Browser, what: &str) {
    wait_js(
        b,
        what,
        "return [...document.querySelectorAll('#app .alert, #app .error')]
           .some((el) => el.textContent.trim() !== '');",
        vec![],
    )
    .await;
}

/// Signs up with a profile (and consent), through the API; returns the user's id.
async fn student(
    client: &ApiClient,
    email: &str,
    nickname: &str,
    gender: &str,
    contact: &str,
) -> String {
    let user = client.signup(email, nickname).await.expect(201);
    client
        .put_profile(&profile(gender, "컴퓨터공학과", contact))
        .await
        .expect(200);
    user["user"]["id"].as_str().expect("user id").to_owned()
}

/// An instant `offset_s` seconds from now, in Seoul time (RFC 3339).
fn at(offset_s: i64) -> String {
    let seoul = chrono::FixedOffset::east_opt(9 * 3600).expect("UTC+9");
    (chrono::Utc::now() + chrono::Duration::seconds(offset_s))
        .with_timezone(&seoul)
        .to_rfc3339()
}

/// What every role's screens show: a student with points, a waiting charge and (later) a match;
/// a partner; a notice, the bank account and a running discount; an operator; an operator
/// application; a banned student; and a new student who has not consented yet.
async fn festival(app: &TestApp) -> ApiClient {
    let admin = app.admin().await;
    let minsu = app.client();
    student(&minsu, "minsu@test.ac.kr", "민수", "MALE", "minsu_kakao").await;
    student(
        &app.client(),
        "jiwoo@test.ac.kr",
        "지우",
        "FEMALE",
        "jiwoo_kakao",
    )
    .await;
    app.fund(&minsu, 5_000).await;
    minsu
        .post(
            "/api/charges",
            &json!({"amount": 2_000, "depositor_name": "민수"}),
        )
        .await
        .expect(201);

    admin
        .put(
            "/api/admin/payment-info",
            &json!({"bank": "카카오뱅크", "account_number": "3333-01-2345678", "holder": "코매칭",
                    "note": "입금자명은 닉네임으로 적어 주세요."}),
        )
        .await
        .expect(200);
    admin
        .post(
            "/api/admin/notices",
            &json!({"title": "오늘 밤 8시 불꽃놀이", "content": "운동장에서 불꽃놀이가 있어요."}),
        )
        .await
        .expect(201);
    admin
        .post(
            "/api/admin/events",
            &json!({"kind": "DISCOUNT", "percent": 20, "starts_at": at(-60), "ends_at": at(3_600)}),
        )
        .await
        .expect(201);

    let helper = app.client();
    let helper_id = helper
        .signup("booth@test.ac.kr", "부스도우미")
        .await
        .expect(201)["user"]["id"]
        .as_str()
        .expect("user id")
        .to_owned();
    admin
        .put(
            &format!("/api/admin/users/{helper_id}/role"),
            &json!({"role": "OPERATOR"}),
        )
        .await
        .expect(200);
    app.client()
        .post(
            "/api/auth/operator-signup",
            &json!({"email": "applicant@test.ac.kr", "password": PASSWORD, "nickname": "지원자"}),
        )
        .await
        .expect(201);
    // Banned without a profile: never a candidate, so the student's match is with 지우.
    let spammer_id = app
        .client()
        .signup("spam@test.ac.kr", "광고계정")
        .await
        .expect(201)["user"]["id"]
        .as_str()
        .expect("user id")
        .to_owned();
    admin
        .post(
            &format!("/api/ops/users/{spammer_id}/ban"),
            &json!({"reason": "광고 메시지를 보냈어요"}),
        )
        .await
        .expect(200);
    app.client()
        .signup_without_consent("newbie@test.ac.kr", "새내기")
        .await
        .expect(201);
    app.ready_for_matches().await;
    minsu
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_passes_axe_and_lighthouse_scores_at_least_95() {
    let app = spawn_app().await;
    let minsu = festival(&app).await;
    let driver = ChromeDriver::start();
    let mut found = Findings::default();

    // A visitor: the public screens, a refused login, and the reset page of a broken link.
    let b = driver.browser(&app.base, SHOTS).await;
    found.screen(&b, "visitor-01-landing", "", "코매칭").await;
    found
        .screen(&b, "visitor-02-login", "login", "로그인")
        .await;
    b.fill("input[name=email]", "nobody@test.ac.kr").await;
    b.fill("input[name=password]", "wrong-password").await;
    b.click("button[type=submit]").await;
    error_shown(&b, "the refused login").await;
    found.check(&b, "visitor-03-login-refused").await;
    found
        .screen(&b, "visitor-04-signup", "signup", "가입하기")
        .await;
    found
        .screen(&b, "visitor-05-forgot", "forgot", "비밀번호 찾기")
        .await;
    found
        .screen(
            &b,
            "visitor-06-operator-signup",
            "operator-signup",
            "운영진으로 가입하기",
        )
        .await;
    found.screen(&b, "visitor-07-help", "help", "도움말").await;
    b.client
        .goto(&format!("{}/reset#token=not-a-real-token", app.base))
        .await
        .expect("open the reset page");
    b.wait_text("h1", "새 비밀번호 정하기").await;
    found.check(&b, "visitor-08-reset").await;

    // A new student: the consent screen (a document opened), then the profile builder.
    submit_login(&b, "newbie@test.ac.kr", PASSWORD).await;
    b.wait_text("h1", "약관 동의").await;
    found.check(&b, "newbie-01-consent").await;
    b.click(".consent-doc summary").await;
    found.check(&b, "newbie-02-consent-document").await;
    b.click("#consent-all").await;
    b.click("#consent-submit").await;
    b.wait_text("h1", "프로필 만들기").await;
    found.check(&b, "newbie-03-profile-builder").await;
    b.click("#profile-next").await;
    error_shown(&b, "the builder to name the missing answer").await;
    found.check(&b, "newbie-04-profile-builder-missing").await;
    b.close().await;

    // A student with points: every screen, a match, its chat and the states screens open.
    let s = driver.browser(&app.base, SHOTS).await;
    submit_login(&s, "minsu@test.ac.kr", PASSWORD).await;
    s.wait_text("h1", "반가워요").await;
    s.wait_text("#notices", "불꽃놀이").await;
    found.check(&s, "student-01-home").await;
    go(&s, "match", "매칭 신청").await;
    s.wait_text("#discount", "할인").await;
    found.check(&s, "student-02-match").await;
    s.click("form button[type=submit]").await;
    s.wait_text("#result", "매칭 결과").await;
    found.check(&s, "student-03-match-result").await;
    s.click("#result .chat-link").await;
    s.wait_text("#chat-title", "지우").await;
    s.fill("#chat-input", "안녕하세요! 반가워요").await;
    s.click("#chat-send").await;
    s.wait_text("#chat-messages .msg.mine:not(.pending)", "안녕하세요")
        .await;
    found.check(&s, "student-04-chat").await;
    s.click("#chat-report").await;
    wait_js(
        &s,
        "the report form",
        "return document.getElementById('report-form')?.hidden === false;",
        vec![],
    )
    .await;
    found.check(&s, "student-05-chat-report").await;
    s.open("chats").await;
    s.wait_text("#chat-list", "지우").await;
    found.check(&s, "student-06-chats").await;
    found
        .screen(&s, "student-07-history", "history", "매칭 기록")
        .await;
    go(&s, "charge", "포인트 충전").await;
    s.wait_text("#payment-info", "카카오뱅크").await;
    s.wait_text("#charges", "확인 대기").await;
    found.check(&s, "student-08-charge").await;
    go(&s, "booth", "부스에서 현금 충전").await;
    let code = wait_js(
        &s,
        "the booth code",
        "const code = document.getElementById('booth-code-text')?.textContent.trim();
         return code ? code : null;",
        vec![],
    )
    .await;
    let code = code.as_str().expect("a booth code").to_owned();
    found.check(&s, "student-09-booth").await;
    found
        .screen(&s, "student-10-profile", "profile", "프로필 수정")
        .await;
    found
        .screen(&s, "student-11-settings", "settings", "설정")
        .await;
    s.click("#withdraw").await;
    wait_js(
        &s,
        "the withdraw confirmation",
        "return document.getElementById('withdraw-confirm')?.hidden === false;",
        vec![],
    )
    .await;
    found.check(&s, "student-12-settings-withdraw").await;
    s.click("#pw-save").await;
    wait_js(
        &s,
        "the refused password change",
        "return [...document.querySelectorAll('#password-card .error, #password-card .alert')]
           .some((el) => el.textContent.trim() !== '');",
        vec![],
    )
    .await;
    found
        .check(&s, "student-13-settings-password-refused")
        .await;
    found
        .screen(&s, "student-14-consent", "consent", "약관 동의")
        .await;
    found.screen(&s, "student-15-help", "help", "도움말").await;
    s.close().await;

    // The student reports the partner, for the operators' queue.
    let matches = minsu.get("/api/matches").await.expect(200);
    let match_id = matches[0]["id"]
        .as_str()
        .expect("the match's id")
        .to_owned();
    minsu
        .post(
            "/api/reports",
            &json!({"match_id": match_id, "category": "SPAM", "content": "광고 링크를 보내요"}),
        )
        .await
        .expect(201);

    // An operator: the charge queue, a user found and opened, stats, reports, bans, the booth.
    let o = driver.browser(&app.base, SHOTS).await;
    submit_login(&o, "booth@test.ac.kr", PASSWORD).await;
    o.wait_text("h1", "충전 요청 확인").await;
    o.wait_text("#app", "민수").await;
    found.check(&o, "operator-01-charges").await;
    found
        .screen(&o, "operator-02-users", "ops-users", "사용자 찾기")
        .await;
    o.fill("#search", "민수").await;
    o.wait_text("#search-results", "민수").await;
    found.check(&o, "operator-03-users-found").await;
    o.click("#search-results a").await;
    o.wait_text("#user-balance", "P").await;
    found.check(&o, "operator-04-user").await;
    found
        .screen(&o, "operator-05-stats", "ops-stats", "통계")
        .await;
    go(&o, "ops-reports", "신고 처리").await;
    o.wait_text("#app", "광고 링크").await;
    found.check(&o, "operator-06-reports").await;
    go(&o, "ops-bans", "이용 정지 목록").await;
    o.wait_text("#app", "광고계정").await;
    found.check(&o, "operator-07-bans").await;
    found
        .screen(&o, "operator-08-booth", "ops-booth", "부스 현금 충전")
        .await;
    o.fill("#booth-code", &code).await;
    o.click("#booth-lookup").await;
    o.wait_text("#booth-nickname", "민수").await;
    found.check(&o, "operator-09-booth-student").await;
    o.close().await;

    // The admin's own screens.
    let a = driver.browser(&app.base, SHOTS).await;
    submit_login(&a, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    a.wait_text("h1", "충전 요청 확인").await;
    go(&a, "ops-notices", "공지").await;
    a.wait_text("#app", "불꽃놀이").await;
    found.check(&a, "admin-01-notices").await;
    found
        .screen(&a, "admin-02-payment", "ops-payment", "입금 계좌")
        .await;
    found
        .screen(&a, "admin-03-events", "ops-events", "할인·이벤트")
        .await;
    go(&a, "ops-operators", "운영진 신청").await;
    a.wait_text("#app", "지원자").await;
    found.check(&a, "admin-04-operators").await;
    a.close().await;
    drop(driver);

    // Lighthouse, one run at a time (each starts its own Chromium): the landing page, and the
    // student's home and match screens signed in (the session cookie on every request).
    let cookie = minsu.session_cookie().await;
    let pages = [
        ("landing", "", None),
        ("home", "home", Some(cookie.clone())),
        ("match", "match", Some(cookie)),
    ];
    let mut scored = Vec::new();
    let mut low = Vec::new();
    for (name, route, cookie) in pages {
        let url = format!("{}/#/{route}", app.base);
        let scores = tokio::task::spawn_blocking(move || {
            lighthouse_best(&url, cookie.as_deref(), FLOOR, LIGHTHOUSE_TRIES)
        })
        .await
        .expect("Lighthouse ran");
        let line = format!("{name}: {scores}");
        if scores.lowest() < FLOOR || !scores.final_url.ends_with(&format!("#/{route}")) {
            low.push(line.clone());
        }
        scored.push(line);
    }
    println!("Lighthouse:\n{}", scored.join("\n"));

    assert!(
        found.0.is_empty(),
        "axe-core found serious or critical violations:\n{}",
        found.0.join("\n")
    );
    assert!(
        low.is_empty(),
        "Lighthouse scored below {FLOOR} (or did not stay on the screen asked for):\n{}",
        low.join("\n\n")
    );
    app.stop().await;
}
