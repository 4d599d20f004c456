//! The app around the screens, in a real headless Chromium: the balance in the top bar, the
//! first-visit guide (once), the help page, and installability (a linked manifest, a service
//! worker). Screenshots go to target/screenshots/app/.

use comatching_tests::browser::{js, submit_login, wait_js, ChromeDriver};
use comatching_tests::spawn_app;
use serde_json::json;

const SHOTS: &str = "app";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_sees_the_balance_the_guide_once_and_the_help_page() {
    let mut app = spawn_app().await;
    let student = app.client();
    student.join("다온", "FEMALE", "경영학과").await;
    app.fund(&student, 3000).await;

    let driver = ChromeDriver::start();
    let b = driver.browser(&app.base, SHOTS).await;
    submit_login(&b, "다온@test.ac.kr", "password123").await;
    b.wait_text("h1", "반가워요").await;

    // 1. The balance in the top bar, to the charge screen.
    b.wait_text("#header-balance", "3,000P").await;
    let href = js(
        &b,
        "return document.getElementById('header-balance').getAttribute('href');",
        vec![],
    )
    .await;
    assert_eq!(href, json!("#/charge"));

    // 2. The guide on the first visit: three cards, then closed for good.
    b.wait_text("#guide", "포인트").await;
    b.wait_text("#guide-step", "1 / 3").await;
    b.screenshot("01-home-guide").await;
    b.click("#guide-next").await;
    b.wait_text("#guide-step", "2 / 3").await;
    b.wait_text("#guide", "매칭").await;
    b.click("#guide-close").await;
    wait_js(
        &b,
        "the guide to go",
        "return document.getElementById('guide') === null;",
        vec![],
    )
    .await;
    let seen = js(
        &b,
        "return localStorage.getItem('comatching-guide-seen') !== null;",
        vec![],
    )
    .await;
    assert_eq!(seen, json!(true));
    b.client.refresh().await.expect("reload");
    b.wait_text("h1", "반가워요").await;
    b.wait_text("#header-balance", "3,000P").await;
    assert_eq!(
        js(
            &b,
            "return document.getElementById('guide') === null;",
            vec![]
        )
        .await,
        json!(true),
        "the guide is shown once"
    );
    b.screenshot("02-home-after-guide").await;

    // 3. Installable: the manifest is linked and served, the service worker registers.
    let manifest = js(
        &b,
        "return document.querySelector('link[rel=manifest]').href;",
        vec![],
    )
    .await;
    let manifest = manifest.as_str().expect("a manifest link").to_owned();
    assert!(manifest.ends_with("/manifest.webmanifest"), "{manifest}");
    let body: serde_json::Value = reqwest::get(&manifest)
        .await
        .expect("the manifest")
        .json()
        .await
        .expect("the manifest is JSON");
    assert_eq!(body["short_name"], json!("코매칭"));
    assert_eq!(body["display"], json!("standalone"));
    assert_eq!(body["start_url"], json!("/"));
    wait_js(
        &b,
        "the service worker to register",
        "return window.__swReady === true;",
        vec![],
    )
    .await;
    let theme = js(
        &b,
        "return document.querySelector('meta[name=theme-color]')?.content ?? null;",
        vec![],
    )
    .await;
    assert!(theme.is_string(), "a theme colour: {theme}");
    let banner_hidden = js(
        &b,
        "return document.getElementById('offline-banner').hidden;",
        vec![],
    )
    .await;
    assert_eq!(banner_hidden, json!(true), "online: no offline banner");

    // 4. The help page, from the footer link.
    b.click("#help-link").await;
    b.wait_text("h1", "도움말").await;
    b.wait_text("#help", "자주 묻는 질문").await;
    b.wait_text("#help", "개인정보").await;
    b.screenshot("03-help").await;

    // 5. The balance follows a match: 같은 조건으로 다시 뽑기 is there after a result.
    let other = app.client();
    other.join("준호", "MALE", "수학과").await;
    b.open("match").await;
    b.wait_text("h1", "매칭 신청").await;
    b.click("form button[type=submit]").await;
    b.wait_text("#result", "매칭 결과").await;
    b.wait_text("#match-again", "같은 조건으로 다시 뽑기").await;
    let after = b.wait_text("#after-balance", "P").await;
    let left = after.trim_start_matches("남은 포인트 ").to_owned();
    b.wait_text("#header-balance", &left).await;
    b.screenshot("04-match-again").await;

    // 6. Offline: with the server gone, a reload still opens the app from the service
    // worker's cache, and it says clearly that the connection is gone (not a sign-in screen
    // that could not work); back online, it carries on.
    wait_js(
        &b,
        "the service worker to control the page",
        "return navigator.serviceWorker.controller !== null;",
        vec![],
    )
    .await;
    app.stop_server().await;
    b.client.refresh().await.expect("reload without a server");
    wait_js(
        &b,
        "the offline banner",
        "return document.getElementById('offline-banner')?.hidden === false;",
        vec![],
    )
    .await;
    b.wait_text("#offline-banner", "인터넷 연결이 끊겼어요")
        .await;
    b.wait_text("#unreachable h1", "연결할 수 없어요").await;
    b.screenshot("05-offline").await;
    // Back online, it starts again by itself (no reload) where the student was.
    app.restart_server().await;
    b.wait_text("#header-balance", &left).await;
    assert_eq!(
        js(
            &b,
            "return document.getElementById('offline-banner').hidden;",
            vec![]
        )
        .await,
        json!(true),
        "back online: no banner"
    );

    b.close().await;
    app.stop().await;
}
