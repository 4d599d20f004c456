//! Students' journeys through the web app in a real headless Chromium, at phone size, against
//! a real server, matcher and nats-server. Screenshots go to target/screenshots/.

use comatching_tests::app::{ADMIN_EMAIL, ADMIN_PASSWORD};
use comatching_tests::browser::{Browser, ChromeDriver};
use comatching_tests::{profile, spawn_app, TestApp};
use serde_json::json;

async fn sign_up(browser: &Browser, email: &str, nickname: &str) {
    browser.open("signup").await;
    browser.fill("input[name=email]", email).await;
    browser.fill("input[name=password]", "password123").await;
    browser.fill("input[name=nickname]", nickname).await;
    browser.click("button[type=submit]").await;
}

/// Runs `script` in the page and returns its value.
async fn js(browser: &Browser, script: &str) -> serde_json::Value {
    browser
        .client
        .execute(script, vec![])
        .await
        .expect("run a script in the page")
}

/// The consent screen a new account sees before its profile: the button waits for every box,
/// "모두 동의" ticks them all. `shot` names a screenshot of it, ticked.
async fn consent(browser: &Browser, shot: Option<&str>) {
    const SUBMIT_DISABLED: &str = "return document.getElementById('consent-submit').disabled;";
    browser
        .wait_text("#consent-submit", "동의하고 계속하기")
        .await;
    browser.wait_text("h1", "약관 동의").await;
    assert_eq!(
        js(browser, SUBMIT_DISABLED).await,
        json!(true),
        "nothing ticked yet"
    );
    browser.click("#consent-all").await;
    let ticked = js(
        browser,
        "return ['terms', 'privacy', 'contact_sharing', 'age']
           .map((id) => document.getElementById(`consent-${id}`).checked);",
    )
    .await;
    assert_eq!(
        ticked,
        json!([true, true, true, true]),
        "모두 동의 ticks all four"
    );
    assert_eq!(js(browser, SUBMIT_DISABLED).await, json!(false));
    if let Some(name) = shot {
        browser.screenshot(name).await;
    }
    browser.click("#consent-submit").await;
}

/// How many steps the profile builder has.
const PROFILE_STEPS: u32 = 8;

/// Waits until the profile builder shows step `step` ("3 / 8").
async fn at_step(browser: &Browser, step: u32) {
    browser
        .wait_text("#profile-step-count", &format!("{step} / {PROFILE_STEPS}"))
        .await;
}

/// Presses 다음 and waits for step `step`.
async fn next_step(browser: &Browser, step: u32) {
    browser.click("#profile-next").await;
    at_step(browser, step).await;
}

/// A screenshot of the builder's step, when the journey keeps them.
async fn step_shot(browser: &Browser, shots: bool, name: &str) {
    if shots {
        browser.screenshot(name).await;
    }
}

/// The builder's first two steps (성별, 출생연도), ending on the MBTI step.
async fn profile_start(browser: &Browser, shots: bool) {
    browser.wait_text("h1", "프로필").await;
    browser.wait_text("#profile-welcome", "반가워요").await;
    at_step(browser, 1).await;
    browser.click("#gender-MALE").await;
    step_shot(browser, shots, "profile-step-1-gender").await;
    next_step(browser, 2).await;
    browser.fill("input[name=birth_year]", "2002").await;
    step_shot(browser, shots, "profile-step-2-birth-year").await;
    next_step(browser, 3).await;
}

/// The MBTI step: one letter of each pair of `mbti` ("ENFP"), each a radio `#mbti-<letter>`.
async fn choose_mbti(browser: &Browser, mbti: &str) {
    for letter in mbti.chars() {
        browser
            .click(&format!("#mbti-{}", letter.to_ascii_uppercase()))
            .await;
    }
}

/// The builder from the 학과 step to the last one (노래와 한마디), not saved yet. The major is
/// found by typing part of it and tapping it in the list the school's majors give.
async fn profile_rest(browser: &Browser, shots: bool) {
    at_step(browser, 4).await;
    browser.fill("input[name=major]", "컴퓨터").await;
    browser.wait_text("#major-options", "컴퓨터공학과").await;
    step_shot(browser, shots, "profile-step-4-major").await;
    browser
        .click("#major-options .major-option[data-value='컴퓨터공학과']")
        .await;
    assert_eq!(
        js(
            browser,
            "return document.querySelector('input[name=major]').value;"
        )
        .await,
        json!("컴퓨터공학과"),
        "a tap on a found major fills the field"
    );
    next_step(browser, 5).await;
    browser.click("input[value='축구']").await;
    browser.click("input[value='영화']").await;
    step_shot(browser, shots, "profile-step-5-hobbies").await;
    next_step(browser, 6).await;
    browser.click("#contact_frequency-NORMAL").await;
    step_shot(browser, shots, "profile-step-6-contact-frequency").await;
    next_step(browser, 7).await;
    browser.click("#contact_type-KAKAO").await;
    browser.fill("input[name=contact_id]", "minsu_kakao").await;
    step_shot(browser, shots, "profile-step-7-contact").await;
    next_step(browser, PROFILE_STEPS).await;
    browser.fill("input[name=song]", "밤양갱").await;
    browser.wait_text("#profile-next", "저장하기").await;
    step_shot(browser, shots, "profile-step-8-extra").await;
}

/// Every step of the profile builder with `mbti` ("ENFP"), up to 저장하기 (not pressed).
async fn fill_profile(browser: &Browser, mbti: &str, shots: bool) {
    profile_start(browser, shots).await;
    choose_mbti(browser, mbti).await;
    step_shot(browser, shots, "profile-step-3-mbti").await;
    next_step(browser, 4).await;
    profile_rest(browser, shots).await;
}

/// After 저장하기: straight to the match screen, which says the profile is done (and, with no
/// points yet, how to charge).
async fn profile_saved(browser: &Browser) {
    browser
        .wait_text("#match-notice", "프로필을 다 만들었어요")
        .await;
    browser.wait_text("#match-notice", "충전").await;
    assert_eq!(js(browser, "return location.hash;").await, json!("#/match"));
}

async fn log_in(browser: &Browser, email: &str, password: &str) {
    browser.open("login").await;
    browser.fill("input[name=email]", email).await;
    browser.fill("input[name=password]", password).await;
    browser.click("button[type=submit]").await;
}

async fn candidate(app: &TestApp) {
    let other = app.client();
    other.signup("jiwoo@test.ac.kr", "지우").await.expect(201);
    let mut body = profile("FEMALE", "경영학과", "jiwoo_insta");
    body["contact"] = json!({"type": "INSTAGRAM", "id": "jiwoo_insta"});
    other.put_profile(&body).await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_charges_points_and_gets_a_match_with_contact() {
    let app = spawn_app().await;
    candidate(&app).await;
    let driver = ChromeDriver::start();
    let student = driver.browser(&app.base, "journey").await;

    student.open("").await;
    student.wait_text("#participants", "2").await;
    student.screenshot("01-landing").await;
    sign_up(&student, "minsu@test.ac.kr", "민수").await;
    consent(&student, Some("01b-consent")).await;
    fill_profile(&student, "enfp", true).await;
    student.screenshot("02-profile").await;
    student.click("button[type=submit]").await;
    profile_saved(&student).await;
    student.screenshot("02b-profile-done-match").await;

    student.open("charge").await;
    student.choose("select[name=amount]", "3000").await;
    student.fill("input[name=depositor_name]", "김민수").await;
    student.click("form button[type=submit]").await;
    student.wait_text("#charges", "확인 대기").await;
    student.screenshot("03-charge-pending").await;

    let operator = driver.browser(&app.base, "journey").await;
    log_in(&operator, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    operator.wait_text("#nav", "운영").await;
    operator.open("ops").await;
    operator.wait_text("#pending", "김민수").await;
    operator.screenshot("04-operator-pending").await;
    operator.click("#pending button.approve").await;
    operator.wait_text("#pending", "없어요").await;
    operator.close().await;

    student.open("home").await;
    student.wait_text("#balance", "3,000P").await;
    student.wait_text("#entries", "충전").await;
    student.screenshot("05-home-balance").await;

    app.ready_for_matches().await;
    student.open("match").await;
    student.choose("select[name=hobby]", "SPORTS").await;
    student.choose("select[name=important]", "hobby").await;
    student.wait_text("#price", "1,300P").await;
    // A double click in the same instant: one match, one spend.
    student
        .client
        .execute(
            "const b = document.querySelector('form button[type=submit]'); b.click(); b.click();",
            vec![],
        )
        .await
        .expect("double click");
    student.wait_text("#result", "지우").await;
    let contact = student.wait_text(".contact", "jiwoo_insta").await;
    assert!(contact.contains("인스타그램"), "{contact}");
    student.wait_text("#after-balance", "1,700P").await;
    student.screenshot("06-match-result").await;

    // The verdict on the result card is kept, and can be changed from the history.
    student
        .click("#result .feedback button[data-good=true]")
        .await;
    student
        .wait_text("#result .feedback-note", "고마워요")
        .await;
    student.screenshot("06b-match-feedback").await;

    student.open("history").await;
    let history = student.wait_text("#history", "jiwoo_insta").await;
    assert_eq!(
        history.matches("jiwoo_insta").count(),
        1,
        "the double click matched twice"
    );
    student
        .wait_attribute(
            "#history .feedback button[data-good=true]",
            "aria-pressed",
            "true",
        )
        .await;
    student
        .click("#history .feedback button[data-good=false]")
        .await;
    student
        .wait_text("#history .feedback-note", "고마워요")
        .await;
    let (status, csv) = app
        .admin()
        .await
        .text("/api/admin/export/matches.csv")
        .await;
    assert_eq!(status, 200);
    let row = csv.lines().nth(1).expect("the match's row");
    assert!(
        row.ends_with(",false,false"),
        "the last verdict counts (feedback, then replied: the partner has not written): {row}"
    );
    student.open("home").await;
    student.wait_text("#balance", "1,700P").await;
    student.screenshot("07-history").await;
    student.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_shows_a_korean_message_where_it_belongs() {
    let app = spawn_app().await;
    app.client()
        .signup("taken@test.ac.kr", "이미있음")
        .await
        .expect(201);
    let driver = ChromeDriver::start();
    let browser = driver.browser(&app.base, "errors").await;

    log_in(&browser, "taken@test.ac.kr", "wrong-password").await;
    browser.wait_text("#err-password", "올바르지 않아요").await;
    browser.screenshot("01-wrong-password").await;

    sign_up(&browser, "new@test.ac.kr", "이미있음").await;
    browser
        .wait_text("#err-nickname", "이미 사용 중인 닉네임")
        .await;
    browser.screenshot("02-taken-nickname").await;

    browser.fill("input[name=nickname]", "새내기").await;
    browser.click("button[type=submit]").await;
    consent(&browser, None).await;
    // MBTI is four pairs of choices, so a wrong one cannot be typed: 다음 stays on the step and
    // names the pairs still open until each has a letter.
    profile_start(&browser, false).await;
    choose_mbti(&browser, "IT").await;
    browser.click("#profile-next").await;
    let error = browser.wait_text("#err-mbti", "S·N").await;
    assert!(
        error.contains("J·P") && !error.contains("E·I") && !error.contains("T·F"),
        "{error}"
    );
    assert_eq!(
        js(
            &browser,
            "return [document.getElementById('profile-step-count').textContent,
               document.querySelector('input[name=mbti]').value,
               document.getElementById('mbti-S').getAttribute('aria-invalid'),
               document.getElementById('mbti-I').getAttribute('aria-invalid'),
               document.activeElement?.id ?? null];"
        )
        .await,
        json!(["3 / 8", "", "true", null, "mbti-S"]),
        "still on the MBTI step, the open pairs marked, the first one focused"
    );
    browser.screenshot("03-invalid-mbti").await;
    browser.click("#mbti-N").await;
    browser.click("#profile-next").await;
    let error = browser.wait_text("#err-mbti", "J·P").await;
    assert!(!error.contains("S·N"), "{error}");
    at_step(&browser, 3).await;
    browser.click("#mbti-J").await;
    assert_eq!(
        js(
            &browser,
            "return [document.getElementById('err-mbti').textContent,
               document.querySelector('input[name=mbti]').value];"
        )
        .await,
        json!(["", "INTJ"]),
        "the mark goes once every pair has a letter"
    );
    next_step(&browser, 4).await;
    profile_rest(&browser, false).await;
    browser.click("button[type=submit]").await;
    profile_saved(&browser).await;

    app.ready_for_matches_without_candidates().await;
    browser.open("match").await;
    browser.click("form button[type=submit]").await;
    browser.wait_text("form .alert", "포인트가 부족해요").await;
    browser
        .wait_text("form .alert #points-short-link", "충전")
        .await;
    assert_eq!(
        js(
            &browser,
            "return document.getElementById('points-short-link').getAttribute('href');"
        )
        .await,
        json!("#/charge"),
        "the way to the charge screen"
    );
    browser.screenshot("04-not-enough-points").await;

    let me = browser.client.get_all_cookies().await.unwrap();
    assert!(me
        .iter()
        .any(|c| c.name() == "session" && c.http_only() == Some(true)));
    let user = app
        .db()
        .user_by_email(&comatching_server::model::account::Email::parse("new@test.ac.kr").unwrap())
        .unwrap()
        .unwrap();
    let admin = app.admin().await;
    admin
        .post(
            &format!("/api/ops/users/{}/points", user.id),
            &json!({"delta": 1000, "reason": "테스트"}),
        )
        .await
        .expect(200);
    browser.open("match").await;
    browser.click("form button[type=submit]").await;
    browser.wait_text("form .alert", "상대가 없어요").await;
    browser.screenshot("05-no-candidate").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_finds_a_student_by_part_of_a_korean_nickname_and_corrects_points() {
    let app = spawn_app().await;
    let student = app.client();
    student.signup("kms@test.ac.kr", "김민수").await.expect(201);
    student
        .put_profile(&profile("MALE", "컴퓨터정보공학부", "minsu_kakao"))
        .await
        .expect(200);
    app.client()
        .signup("other@test.ac.kr", "박지우")
        .await
        .expect(201);
    let driver = ChromeDriver::start();
    let operator = driver.browser(&app.base, "operator").await;
    log_in(&operator, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    operator.wait_text("#nav", "운영").await;

    operator.open("ops-users").await;
    operator.fill("#search", "민수").await;
    let results = operator.wait_text("#search-results", "김민수").await;
    assert!(!results.contains("박지우"), "{results}");
    operator.screenshot("01-search").await;
    operator.click("#search-results a").await;
    operator.wait_text("#user-balance", "0P").await;
    operator.fill("#correction input[name=delta]", "2500").await;
    operator
        .fill("#correction input[name=reason]", "현장 결제 확인")
        .await;
    operator.click("#correction button[type=submit]").await;
    operator.wait_text("#user-balance", "2,500P").await;
    operator.screenshot("02-corrected").await;
    assert_eq!(
        student.get("/api/me/points").await.expect(200)["balance"],
        2_500
    );

    // Students never see the operator pages.
    let user_browser = driver.browser(&app.base, "operator").await;
    log_in(&user_browser, "kms@test.ac.kr", "password123").await;
    user_browser.wait_text("#balance", "2,500P").await;
    let nav = user_browser.wait_text("#nav", "홈").await;
    assert!(!nav.contains("운영"), "{nav}");
    user_browser.open("ops-users").await;
    user_browser.wait_text("h1", "반가워요").await;
    user_browser.close().await;
    operator.close().await;
    app.stop().await;
}
