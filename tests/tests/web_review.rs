//! The real-browser review's findings, as journeys in a headless Chromium at phone size against a
//! real server: an ended session goes to the login screen and back, the charge page refreshes
//! itself after an approval, the profile builder names each missing field on its step, and
//! rejecting a charge takes two taps. Screenshots go to target/screenshots/review/.

use comatching_tests::app::{ADMIN_EMAIL, ADMIN_PASSWORD};
use comatching_tests::browser::{Browser, ChromeDriver};
use comatching_tests::{spawn_app, wait_until, ApiClient, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

/// What the login screen says when the session ended elsewhere.
const SESSION_ENDED: &str = "로그인이 필요해요. 다시 로그인해 주세요.";
/// How long a page may take to show what a step waits for.
const DEADLINE: Duration = Duration::from_secs(15);

/// Runs `script` in the page and returns its value.
async fn js(browser: &Browser, script: &str) -> Value {
    browser
        .client
        .execute(script, vec![])
        .await
        .expect("run a script in the page")
}

/// Waits until `script` (a page expression's `return`) gives `true`.
async fn wait_js(browser: &Browser, what: &str, script: &str) {
    wait_until(what, DEADLINE, || async {
        (js(browser, script).await == json!(true)).then_some(())
    })
    .await;
}

/// The part of the address after `#`.
async fn fragment(browser: &Browser) -> String {
    let url = browser.client.current_url().await.expect("the address");
    url.fragment().unwrap_or_default().to_owned()
}

/// Waits until the profile builder shows step `step` of eight ("3 / 8").
async fn at_step(browser: &Browser, step: u32) {
    browser
        .wait_text("#profile-step-count", &format!("{step} / 8"))
        .await;
}

/// Presses 다음 on the profile builder and waits for step `step`.
async fn next_step(browser: &Browser, step: u32) {
    browser.click("#profile-next").await;
    at_step(browser, step).await;
}

async fn log_in(browser: &Browser, email: &str, password: &str) {
    browser.open("login").await;
    browser.fill("input[name=email]", email).await;
    browser.fill("input[name=password]", password).await;
    browser.click("button[type=submit]").await;
}

/// A student with a profile, through the API (password "password123"): their client and id.
async fn student(app: &TestApp, nickname: &str) -> (ApiClient, String) {
    let client = app.client();
    let id = client.join(nickname, "MALE", "컴퓨터공학과").await;
    (client, id)
}

/// The id of the one pending charge, as operators see it.
async fn pending_charge(admin: &ApiClient) -> String {
    let pending = admin
        .get("/api/ops/charges?status=PENDING")
        .await
        .expect(200);
    pending[0]["id"]
        .as_str()
        .expect("a pending charge")
        .to_owned()
}

async fn charge_status(client: &ApiClient) -> String {
    let charges = client.get("/api/me/charges").await.expect(200);
    charges[0]["status"].as_str().expect("a charge").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_session_goes_to_the_login_screen_and_back() {
    let app = spawn_app().await;
    let (_, id) = student(&app, "session_min").await;
    let driver = ChromeDriver::start();
    let b = driver.browser(&app.base, "review").await;

    log_in(&b, "session_min@test.ac.kr", "password123").await;
    b.wait_text("#balance", "0P").await;

    // A ban and an unban end every session of the account; this tab does not know yet.
    let admin = app.admin().await;
    admin
        .post(
            &format!("/api/ops/users/{id}/ban"),
            &json!({"reason": "확인"}),
        )
        .await
        .expect(200);
    admin
        .post(
            &format!("/api/ops/users/{id}/unban"),
            &json!({"reason": "해제"}),
        )
        .await
        .expect(200);

    b.click("#nav-charge").await;
    b.wait_text("#login-notice", SESSION_ENDED).await;
    b.wait_text("#nav", "로그인").await;
    assert_eq!(fragment(&b).await, "/login?next=charge");
    assert_eq!(
        js(
            &b,
            "return document.getElementById('nav-settings') === null;"
        )
        .await,
        json!(true),
        "the menu is the signed-out one"
    );
    b.screenshot("01-session-ended-login").await;

    b.fill("input[name=email]", "session_min@test.ac.kr").await;
    b.fill("input[name=password]", "password123").await;
    b.click("form button[type=submit]").await;
    b.wait_text("h1", "포인트 충전").await;
    assert_eq!(
        fragment(&b).await,
        "/charge",
        "back where the student was going"
    );
    b.screenshot("02-session-back-on-charge").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_charge_page_refreshes_after_an_approval() {
    let app = spawn_app().await;
    student(&app, "charge_min").await;
    let driver = ChromeDriver::start();
    let b = driver.browser(&app.base, "review").await;

    log_in(&b, "charge_min@test.ac.kr", "password123").await;
    b.wait_text("#balance", "0P").await;
    b.open("charge").await;
    b.wait_text("#charge-balance", "0P").await;
    b.choose("select[name=amount]", "3000").await;
    b.fill("input[name=depositor_name]", "김민수").await;
    b.click("form button[type=submit]").await;
    b.wait_text("#charges", "확인 대기").await;
    b.screenshot("03-charge-pending").await;

    let admin = app.admin().await;
    let charge = pending_charge(&admin).await;
    admin
        .post(&format!("/api/ops/charges/{charge}/approve"), &json!({}))
        .await
        .expect(200);

    // No reload, no tap: the page asks every 5 s while a request waits (15 s allowed here).
    b.wait_text("#charges", "충전 완료").await;
    b.wait_text("#charge-balance", "3,000P").await;
    assert_eq!(
        js(
            &b,
            "return document.querySelector('#charges button') === null;"
        )
        .await,
        json!(true),
        "no cancel button once approved"
    );
    assert_eq!(fragment(&b).await, "/charge");
    b.screenshot("04-charge-approved").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_profile_names_each_missing_field() {
    let app = spawn_app().await;
    let driver = ChromeDriver::start();
    let b = driver.browser(&app.base, "review").await;

    b.open("signup").await;
    b.fill("input[name=email]", "empty_profile@test.ac.kr")
        .await;
    b.fill("input[name=password]", "password123").await;
    b.fill("input[name=nickname]", "빈칸").await;
    b.click("button[type=submit]").await;
    b.wait_text("#consent-submit", "동의하고 계속하기").await;
    b.click("#consent-all").await;
    b.click("#consent-submit").await;
    b.wait_text("#profile-welcome", "빈칸님").await;

    // 다음 on an unanswered step names what is missing there, next to it, and stays.
    at_step(&b, 1).await;
    b.click("#profile-next").await;
    b.wait_text("#err-gender", "성별을 골라 주세요.").await;
    assert_eq!(
        js(&b, "return document.activeElement?.name ?? null;").await,
        json!("gender"),
        "the missing field has the focus"
    );
    assert_eq!(
        js(
            &b,
            "return document.getElementById('gender-MALE').getAttribute('aria-invalid');"
        )
        .await,
        json!("true")
    );
    at_step(&b, 1).await;
    b.screenshot("05-profile-empty-errors").await;
    // The mark goes as soon as the answer is there.
    b.click("#gender-FEMALE").await;
    wait_js(
        &b,
        "the gender error to clear",
        "return document.getElementById('err-gender').textContent === ''
           && !document.getElementById('gender-MALE').hasAttribute('aria-invalid');",
    )
    .await;
    next_step(&b, 2).await;

    b.click("#profile-next").await;
    b.wait_text("#err-birth_year", "출생연도를 입력해 주세요.")
        .await;
    // A mark follows the typing: a year out of range is named, a good one clears it.
    b.fill("input[name=birth_year]", "1900").await;
    b.wait_text("#err-birth_year", "네 자리 숫자").await;
    b.fill("input[name=birth_year]", "2003").await;
    wait_js(
        &b,
        "the birth year error to clear",
        "return document.getElementById('err-birth_year').textContent === '';",
    )
    .await;
    next_step(&b, 3).await;

    b.click("#profile-next").await;
    b.wait_text("#err-mbti", "E·I, S·N, T·F, J·P에서 하나씩")
        .await;
    for letter in ["I", "N", "F", "P"] {
        b.click(&format!("#mbti-{letter}")).await;
    }
    next_step(&b, 4).await;

    b.click("#profile-next").await;
    b.wait_text("#err-major", "학과를 입력해 주세요.").await;
    // A major that is not on the school's list is taken as typed.
    b.fill("input[name=major]", "우주항공탐험학과").await;
    // 이전 and 다음 keep the answers.
    b.click("#profile-back").await;
    at_step(&b, 3).await;
    assert_eq!(
        js(
            &b,
            "return document.querySelector('input[name=mbti]').value;"
        )
        .await,
        json!("INFP")
    );
    next_step(&b, 4).await;
    assert_eq!(
        js(
            &b,
            "return document.querySelector('input[name=major]').value;"
        )
        .await,
        json!("우주항공탐험학과")
    );
    next_step(&b, 5).await;

    b.click("#profile-next").await;
    b.wait_text("#err-hobbies", "취미를 하나 이상 골라 주세요.")
        .await;
    b.click("input[value='영화']").await;
    next_step(&b, 6).await;

    b.click("#profile-next").await;
    b.wait_text("#err-contact_frequency", "연락 빈도를 골라 주세요.")
        .await;
    b.click("#contact_frequency-RARE").await;
    next_step(&b, 7).await;

    b.click("#profile-next").await;
    b.wait_text("#err-contact_type", "연락 방법을 골라 주세요.")
        .await;
    b.wait_text("#err-contact_id", "연락처를 입력해 주세요.")
        .await;
    b.screenshot("05b-profile-contact-errors").await;
    b.click("#contact_type-KAKAO").await;
    b.fill("input[name=contact_id]", "binkan_kakao").await;
    next_step(&b, 8).await;

    // The last step is optional: 저장하기 saves, and the match screen says it is done.
    b.wait_text("#profile-next", "저장하기").await;
    b.click("button[type=submit]").await;
    b.wait_text("#match-notice", "프로필을 다 만들었어요").await;
    assert_eq!(fragment(&b).await, "/match");
    // Saved as answered: the editor shows it.
    b.open("profile").await;
    b.wait_text("h1", "프로필 수정").await;
    assert_eq!(
        js(
            &b,
            "return [document.querySelector('input[name=major]').value,
               document.querySelector('input[name=mbti]').value,
               document.querySelector('select[name=gender]').value];"
        )
        .await,
        json!(["우주항공탐험학과", "INFP", "FEMALE"])
    );
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejecting_a_charge_takes_two_taps() {
    let app = spawn_app().await;
    let (client, _) = student(&app, "reject_min").await;
    client
        .post(
            "/api/charges",
            &json!({"amount": 5000, "depositor_name": "거절입금"}),
        )
        .await
        .expect(201);
    client
        .get("/api/ops/charges/events")
        .await
        .expect_error(403, "FORBIDDEN");
    let driver = ChromeDriver::start();
    let o = driver.browser(&app.base, "review").await;

    // Operators and admins land on their charge queue after signing in.
    log_in(&o, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    wait_js(
        &o,
        "the admin to land on #/ops",
        "return location.hash === '#/ops';",
    )
    .await;
    o.wait_text("#pending", "거절입금").await;

    o.click("#pending button.reject").await;
    o.wait_text("#pending .reject-confirm", "정말 거절할게요")
        .await;
    o.wait_text("#pending .reject-note", "거절해요").await;
    assert_eq!(
        charge_status(&client).await,
        "PENDING",
        "one tap rejects nothing"
    );
    // A new request arrives live (server-sent events; the screen does not poll) and the list
    // is redrawn: the question stays open.
    o.wait_text("#live-status", "실시간 연결됨").await;
    let (newcomer, _) = student(&app, "live_min").await;
    newcomer
        .post(
            "/api/charges",
            &json!({"amount": 3000, "depositor_name": "실시간입금"}),
        )
        .await
        .expect(201);
    o.wait_text("#pending", "실시간입금").await;
    assert_eq!(
        js(&o, "const b = document.querySelector('#pending .reject-confirm'); return b !== null && !b.hidden;").await,
        json!(true),
        "the confirm step survives the redraw"
    );
    o.screenshot("06-reject-confirm").await;

    // 취소 goes back; approve stays one tap away.
    o.click("#pending .reject-cancel").await;
    wait_js(
        &o,
        "the confirm step to close",
        "return document.querySelector('#pending .reject-confirm').hidden
           && !document.querySelector('#pending button.approve').hidden;",
    )
    .await;
    assert_eq!(charge_status(&client).await, "PENDING");

    o.click("#pending li:first-child button.reject").await;
    o.click("#pending li:first-child .reject-confirm").await;
    wait_until("the charge to be rejected", DEADLINE, || async {
        (charge_status(&client).await == "REJECTED").then_some(())
    })
    .await;
    o.screenshot("07-rejected").await;

    // The newcomer's request is approved on another screen: this one hears of it too.
    let admin = app.admin().await;
    let id = pending_charge(&admin).await;
    admin
        .post(&format!("/api/ops/charges/{id}/approve"), &json!({}))
        .await
        .expect(200);
    o.wait_text("#pending", "없어요").await;

    // An operator's search stays while they open a user and come back.
    o.open("ops-users").await;
    o.fill("#search", "live_min").await;
    o.wait_text("#search-results", "live_min").await;
    o.click("#search-results a").await;
    o.wait_text("#user-balance", "3,000").await;
    o.open("ops-users").await;
    o.wait_text("#search-results", "live_min").await;
    assert_eq!(
        js(&o, "return document.getElementById('search').value;").await,
        json!("live_min")
    );
    o.close().await;
}
