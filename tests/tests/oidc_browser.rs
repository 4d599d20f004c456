//! "카카오로 시작하기" in a real headless Chromium at phone size, against a real server, a real
//! nats-server and a real OpenID provider (panva's oidc-provider under Node.js, with its own
//! development login and consent pages; see `comatching_tests::oidc`): (a) a new student taps
//! the button, signs in at the provider and consents, and lands signed in on the app's own
//! consent screen (terms, personal data, contact sharing), then the profile screen with the
//! provider's nickname; signed out, one tap brings the same account back without the
//! provider asking again; (b) a student with a password links the provider in settings and then
//! signs in with it; another account cannot link the same provider account; (c) a forged return
//! (`state` and `code` made up) and (d) a provider that cannot be reached end on the login screen
//! with a Korean alert and no session; (e) the provider (restarted to misbehave on purpose, see
//! `Tamper`) answers with an ID token for another nonce, for another client, or expired, or
//! sends back a code already redeemed: each ends on the login screen with the Korean alert, no
//! session and no account made. Screenshots go to target/screenshots/oidc/.

use comatching_tests::browser::{Browser, ChromeDriver};
use comatching_tests::oidc::{OidcProvider, Tamper};
use comatching_tests::{profile, spawn_app_on, TestApp};
use serde_json::{json, Value};

/// The screenshot folder.
const SHOTS: &str = "oidc";
/// The provider's id in the server's configuration, and its name on the buttons.
const PROVIDER: &str = "kakao";
const PROVIDER_NAME: &str = "카카오";
/// What the provider's login page is typed: its `sub`, and (a valid nickname here) the nickname.
const LOGIN_NEW: &str = "kakao_user_1";
const LOGIN_LINKED: &str = "kakao_user_2";

const STATE_ERROR: &str = "로그인 요청이 만료됐거나 올바르지 않아요. 다시 시도해 주세요.";
const PROVIDER_ERROR: &str = "로그인 서비스에 연결하지 못했어요. 잠시 후 다시 시도해 주세요.";
const TOKEN_ERROR: &str = "로그인 정보를 확인하지 못했어요. 다시 시도해 주세요.";
const LINKED_ELSEWHERE: &str = "이 계정은 이미 다른 COMAtching 계정에 연결돼 있어요.";

/// Runs `script` in the page (a returned promise is awaited) and returns its value.
async fn js(browser: &Browser, script: &str) -> Value {
    browser
        .client
        .execute(script, vec![])
        .await
        .expect("run a script in the page")
}

/// `GET /api/me` from the page, with the browser's own cookie: (status, body or null).
async fn me(browser: &Browser) -> (u16, Value) {
    let reply = js(
        browser,
        "return fetch('/api/me', { credentials: 'same-origin' })
           .then(async (r) => [r.status, r.ok ? await r.json() : null]);",
    )
    .await;
    let status = reply[0].as_u64().expect("a status") as u16;
    (status, reply[1].clone())
}

/// The signed-in account's id, as the page's `GET /api/me` says.
async fn my_id(browser: &Browser) -> Value {
    let (status, body) = me(browser).await;
    assert_eq!(status, 200, "signed in: {body}");
    body["id"].clone()
}

/// Taps "카카오로 시작하기" on the screen shown (landing or login).
async fn tap_kakao(browser: &Browser) {
    browser
        .wait_text(&format!("#oidc-{PROVIDER}"), "카카오로 시작하기")
        .await;
    browser.click(&format!("#oidc-{PROVIDER}")).await;
}

/// The provider's own pages: its login form (any password), then its consent page.
async fn sign_in_at_provider(browser: &Browser, login: &str, shots: Option<(&str, &str)>) {
    browser.wait_text("h1", "Sign-in").await;
    browser.fill("input[name=login]", login).await;
    browser.fill("input[name=password]", "any-password").await;
    if let Some((login_shot, _)) = shots {
        browser.screenshot(login_shot).await;
    }
    browser.click("button[type=submit]").await;
    browser.wait_text("h1", "Authorize").await;
    if let Some((_, consent_shot)) = shots {
        browser.screenshot(consent_shot).await;
    }
    browser.click("button[type=submit]").await;
}

/// The consent screen a new account sees first: "모두 동의", then on.
async fn consent(browser: &Browser) {
    browser
        .wait_text("#consent-submit", "동의하고 계속하기")
        .await;
    browser.click("#consent-all").await;
    browser.click("#consent-submit").await;
}

/// Signs out from settings; the login screen follows.
async fn sign_out(browser: &Browser) {
    browser.open("settings").await;
    browser.click("#logout").await;
    browser.wait_text("h1", "로그인").await;
    assert_eq!(me(browser).await.0, 401, "signed out");
}

/// Signs in with the email form.
async fn password_sign_in(browser: &Browser, email: &str, nickname: &str) {
    browser.open("login").await;
    browser.fill("input[name=email]", email).await;
    browser.fill("input[name=password]", "password123").await;
    browser.click("button[type=submit]").await;
    browser
        .wait_text("h1", &format!("{nickname}님, 반가워요"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kakao_sign_in_links_and_failures_through_a_real_openid_provider() {
    // The provider's one redirect URI is the server's callback, so the server's address comes
    // first: bind it, start the provider for it, then the server on it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let mut provider = OidcProvider::start(&format!("{base}/api/auth/oidc/{PROVIDER}/callback"));
    let spec = provider.spec(PROVIDER, PROVIDER_NAME);
    let public_url = base.clone();
    let mut app = spawn_app_on(
        listener,
        move |config| {
            config.oidc.providers = vec![spec];
            config.mail.public_url = Some(public_url);
        },
        false,
    )
    .await;
    assert_eq!(app.base, base);
    let providers = app.client().get("/api/auth/providers").await.expect(200);
    assert_eq!(providers, json!([{"id": PROVIDER, "name": PROVIDER_NAME}]));

    let driver = ChromeDriver::start();
    first_sign_in_and_back_again(&app, &driver).await;
    linking_in_settings(&app, &driver).await;
    failures(&mut app, &mut provider, &driver).await;
    tampered_answers(&app, &mut provider, &driver).await;

    app.stop().await;
    drop(provider);
}

/// (a) A new account from the provider; signed out, one tap brings the same account back.
async fn first_sign_in_and_back_again(app: &TestApp, driver: &ChromeDriver) {
    let b = driver.browser(&app.base, SHOTS).await;
    b.open("").await;
    b.wait_text("#oidc-kakao", "카카오로 시작하기").await;
    b.screenshot("01-landing-kakao").await;
    b.open("login").await;
    b.wait_text("#oidc-kakao", "카카오로 시작하기").await;
    b.screenshot("02-login-kakao").await;
    let href = js(
        &b,
        "return document.getElementById('oidc-kakao').getAttribute('href');",
    )
    .await;
    assert_eq!(
        href,
        json!("/api/auth/oidc/kakao/start?next=%2F%23%2Fhome"),
        "a plain link to the server's start, back to home"
    );

    tap_kakao(&b).await;
    sign_in_at_provider(
        &b,
        LOGIN_NEW,
        Some(("03-provider-login", "04-provider-consent")),
    )
    .await;
    // A new account has accepted nothing: the router sends it to the consent screen first, and
    // then (no profile either) to the profile screen.
    b.wait_text("h1", "약관 동의").await;
    let url = b.client.current_url().await.expect("the address");
    assert_eq!(url.fragment(), Some("/consent?next=home"), "{url}");
    let (status, fresh) = me(&b).await;
    assert_eq!(status, 200);
    assert_eq!(fresh["consent"], Value::Null, "{fresh}");
    consent(&b).await;
    b.wait_text("#profile-welcome", &format!("{LOGIN_NEW}님"))
        .await;
    b.wait_text("#nav", "설정").await;
    let url = b.client.current_url().await.expect("the address");
    assert_eq!(
        (url.path(), url.query(), url.fragment()),
        ("/", None, Some("/profile")),
        "{url}"
    );
    b.screenshot("05-signed-in-profile").await;
    let (status, first) = me(&b).await;
    assert_eq!(status, 200);
    assert_eq!(first["nickname"], LOGIN_NEW, "{first}");
    assert_eq!(first["providers"], json!([PROVIDER]), "{first}");
    assert_eq!(first["profile"], Value::Null, "{first}");
    assert!(first["consent"]["version"].is_u64(), "{first}");

    // Signed out, one tap: the provider remembers the sign-in and the consent.
    sign_out(&b).await;
    tap_kakao(&b).await;
    b.wait_text("#profile-welcome", &format!("{LOGIN_NEW}님"))
        .await;
    assert_eq!(
        my_id(&b).await,
        first["id"],
        "the same account, not a second one"
    );
    b.screenshot("06-signed-in-again").await;

    // Settings says it is linked, and offers nothing to link.
    b.open("settings").await;
    b.wait_text("#linked-kakao", "✓ 카카오 계정 연결됨").await;
    assert_eq!(
        js(&b, "return document.getElementById('link-kakao') === null;").await,
        json!(true)
    );
    b.close().await;
}

/// (b) A password account links the provider in settings and then signs in with it; another
/// account cannot link the same provider account.
async fn linking_in_settings(app: &TestApp, driver: &ChromeDriver) {
    let (minsu, jieun) = (app.client(), app.client());
    let minsu_id = minsu.signup("minsu@test.ac.kr", "민수").await.expect(201)["user"]["id"].clone();
    minsu
        .put_profile(&profile("MALE", "컴퓨터공학과", "minsu_kakao"))
        .await
        .expect(200);
    jieun.signup("jieun@test.ac.kr", "지은").await.expect(201);
    jieun
        .put_profile(&profile("FEMALE", "경영학과", "jieun_kakao"))
        .await
        .expect(200);

    let b = driver.browser(&app.base, SHOTS).await;
    password_sign_in(&b, "minsu@test.ac.kr", "민수").await;
    assert_eq!(my_id(&b).await, minsu_id);
    b.open("settings").await;
    b.wait_text("#link-kakao", "카카오 계정 연결").await;
    js(
        &b,
        "document.getElementById('providers-card').scrollIntoView({ block: 'center' }); return true;",
    )
    .await;
    b.screenshot("07-settings-link").await;
    b.click("#link-kakao").await;
    sign_in_at_provider(&b, LOGIN_LINKED, None).await;
    b.wait_text("#linked-kakao", "✓ 카카오 계정 연결됨").await;
    let url = b.client.current_url().await.expect("the address");
    assert_eq!(
        (url.path(), url.fragment()),
        ("/", Some("/settings")),
        "{url}"
    );
    js(
        &b,
        "document.getElementById('providers-card').scrollIntoView({ block: 'center' }); return true;",
    )
    .await;
    b.screenshot("08-settings-linked").await;
    let (_, linked) = me(&b).await;
    assert_eq!(linked["id"], minsu_id, "{linked}");
    assert_eq!(linked["providers"], json!([PROVIDER]), "{linked}");

    // Signed out, the provider's button signs in to the password account.
    sign_out(&b).await;
    tap_kakao(&b).await;
    b.wait_text("h1", "민수님, 반가워요").await;
    assert_eq!(my_id(&b).await, minsu_id);

    // Another account, same browser: the provider answers with the account already linked.
    sign_out(&b).await;
    password_sign_in(&b, "jieun@test.ac.kr", "지은").await;
    b.open("settings").await;
    b.click("#link-kakao").await;
    b.wait_text("#login-error", LINKED_ELSEWHERE).await;
    let url = b.client.current_url().await.expect("the address");
    assert_eq!(
        (url.path(), url.query(), url.fragment()),
        ("/", None, Some("/settings")),
        "the code left the address: {url}"
    );
    b.wait_text("#link-kakao", "카카오 계정 연결").await;
    b.screenshot("09-linked-elsewhere").await;
    let (_, jieun_me) = me(&b).await;
    assert_eq!(jieun_me["nickname"], "지은", "still signed in as herself");
    assert_eq!(jieun_me["providers"], json!([]), "{jieun_me}");
    b.close().await;
}

/// (c) A forged return and (d) an unreachable provider: the login screen, an alert, no session.
async fn failures(app: &mut TestApp, provider: &mut OidcProvider, driver: &ChromeDriver) {
    let b = driver.browser(&app.base, SHOTS).await;
    b.client
        .goto(&format!(
            "{}/api/auth/oidc/{PROVIDER}/callback?state=forged&code=forged",
            app.base
        ))
        .await
        .expect("open a forged callback");
    b.wait_text("#login-error", STATE_ERROR).await;
    let landed = js(
        &b,
        "return performance.getEntriesByType('navigation')[0].name;",
    )
    .await;
    assert_eq!(
        landed,
        json!(format!("{}/?login_error=OIDC_STATE", app.base)),
        "the server's answer"
    );
    let url = b.client.current_url().await.expect("the address");
    assert_eq!(
        (url.path(), url.query(), url.fragment()),
        ("/", None, Some("/login")),
        "the code left the address: {url}"
    );
    assert_eq!(me(&b).await.0, 401, "no session");
    b.screenshot("10-forged-state").await;

    // The provider is down, and the server has not asked it anything since it started (as
    // after a deploy): the start cannot reach it.
    provider.stop();
    app.restart_server().await;
    b.client.refresh().await.expect("reload the login screen");
    tap_kakao(&b).await;
    b.wait_text("#login-error", PROVIDER_ERROR).await;
    assert_eq!(me(&b).await.0, 401, "no session");
    b.screenshot("11-provider-down").await;
    b.close().await;
}

/// How many accounts the server has (its public counter).
async fn accounts(app: &TestApp) -> Value {
    app.client().get("/api/stats/public").await.expect(200)["users"].clone()
}

/// Signs in at the provider and expects the server to refuse what comes back: the login
/// screen with the token alert, the code gone from the address, no session, no new account.
async fn refused(app: &TestApp, b: &Browser, login: &str, shot: &str) {
    let before = accounts(app).await;
    b.open("login").await;
    tap_kakao(b).await;
    sign_in_at_provider(b, login, None).await;
    b.wait_text("#login-error", TOKEN_ERROR).await;
    let url = b.client.current_url().await.expect("the address");
    assert_eq!(
        (url.path(), url.query(), url.fragment()),
        ("/", None, Some("/login")),
        "{shot}: {url}"
    );
    assert_eq!(me(b).await.0, 401, "{shot}: no session");
    assert_eq!(accounts(app).await, before, "{shot}: no account made");
    b.screenshot(shot).await;
}

/// (e) The provider misbehaves: each wrong answer is refused.
async fn tampered_answers(app: &TestApp, provider: &mut OidcProvider, driver: &ChromeDriver) {
    let cases = [
        (Tamper::Nonce, "kakao_nonce", "12-wrong-nonce"),
        (Tamper::Audience, "kakao_audience", "13-wrong-audience"),
        (Tamper::Expired, "kakao_expired", "14-expired-id-token"),
    ];
    for (tamper, login, shot) in cases {
        provider.stop();
        provider.restart_tampering(tamper);
        let b = driver.browser(&app.base, SHOTS).await;
        refused(app, &b, login, shot).await;
        b.close().await;
    }

    // The first sign-in redeems its code honestly; the next comes back with that same code.
    provider.stop();
    provider.restart_tampering(Tamper::ReplayCode);
    let b = driver.browser(&app.base, SHOTS).await;
    b.open("login").await;
    tap_kakao(&b).await;
    sign_in_at_provider(&b, LOGIN_NEW, None).await;
    b.wait_text("#profile-welcome", &format!("{LOGIN_NEW}님"))
        .await;
    sign_out(&b).await;
    let before = accounts(app).await;
    tap_kakao(&b).await;
    b.wait_text("#login-error", TOKEN_ERROR).await;
    assert_eq!(me(&b).await.0, 401, "a replayed code signs nobody in");
    assert_eq!(accounts(app).await, before);
    b.screenshot("15-replayed-code").await;
    b.close().await;
    assert!(
        provider
            .log()
            .contains("replay-code: sent the first code back"),
        "the provider replayed the code:\n{}",
        provider.log()
    );
}
