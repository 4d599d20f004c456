//! Access hardening, through the whole system: state-changing requests only from the server's
//! own origin and only as JSON, operators acting only on students and only within their cap,
//! log-in limits per (address, account) so an attacker cannot lock the owner out, a request
//! with two session cookies refused, and sessions that end at their lifetime however busy.

use comatching_tests::app::spawn_app_without_matcher;
use comatching_tests::{spawn_app_with, wait_until, ApiClient, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

/// A page on a sibling host of the same site (SameSite=Lax lets its requests carry cookies).
const SIBLING_ORIGIN: &str = "http://evil.test.ac.kr";

/// Signs up `nickname` (email `<nickname>@test.ac.kr`, with a profile, so they can also
/// charge as a student) and has the admin make them an operator; returns (client, id). The
/// session they have keeps working with the new role.
async fn make_operator(app: &TestApp, nickname: &str) -> (ApiClient, String) {
    let client = app.client();
    let id = client.join(nickname, "MALE", "경영학과").await;
    app.admin()
        .await
        .put(
            &format!("/api/admin/users/{id}/role"),
            &json!({"role": "OPERATOR"}),
        )
        .await
        .expect(200);
    (client, id)
}

/// A student with a profile; returns (client, id).
async fn make_student(app: &TestApp, nickname: &str) -> (ApiClient, String) {
    let client = app.client();
    let id = client.join(nickname, "FEMALE", "수학과").await;
    (client, id)
}

/// Asks for a charge of `amount` as `client`; returns its id.
async fn charge(client: &ApiClient, amount: u64) -> String {
    let reply = client
        .post(
            "/api/charges",
            &json!({"amount": amount, "depositor_name": "입금자"}),
        )
        .await
        .expect(201);
    reply["charge"]["id"]
        .as_str()
        .expect("charge id")
        .to_owned()
}

/// The status of `client`'s newest charge.
async fn newest_charge_status(client: &ApiClient) -> String {
    let charges = client.get("/api/me/charges").await.expect(200);
    charges[0]["status"].as_str().expect("a charge").to_owned()
}

/// `client`'s balance.
async fn balance(client: &ApiClient) -> u64 {
    client.get("/api/me").await.expect(200)["points"]
        .as_u64()
        .expect("points")
}

/// The operator audit trail, newest first (read by the admin).
async fn audit_trail(app: &TestApp) -> Vec<Value> {
    let trail = app.admin().await.get("/api/ops/audit").await.expect(200);
    trail.as_array().expect("a list").clone()
}

/// A page on a sibling origin (by `Origin`, or by `Sec-Fetch-Site`) cannot make a signed-in
/// operator approve a charge, ban a student or sign anyone in, and nothing changes; the same
/// requests from the server's own origin succeed. A body that is not JSON (what a plain HTML
/// form can send across sites without a preflight) is refused before any handler, even when
/// it parses as JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_from_a_sibling_origin_are_refused() {
    let app = spawn_app_without_matcher().await;
    let (operator, _) = make_operator(&app, "operator").await;
    let (student, student_id) = make_student(&app, "student").await;
    let charge_id = charge(&student, 1_000).await;
    let approve = format!("/api/ops/charges/{charge_id}/approve");
    let ban = format!("/api/ops/users/{student_id}/ban");
    let reason = json!({"reason": "표 검사"});
    let trail_before = audit_trail(&app).await;

    let foreign: [&[(&str, &str)]; 5] = [
        &[("origin", SIBLING_ORIGIN)],
        &[("origin", "null")],
        &[("sec-fetch-site", "same-site")],
        &[("sec-fetch-site", "cross-site")],
        // Sec-Fetch-Site is what the browser says; a matching Origin does not overrule it.
        &[
            ("sec-fetch-site", "same-site"),
            ("origin", app.base.as_str()),
        ],
    ];
    for headers in foreign {
        operator
            .call_with_headers(Method::POST, &approve, Some(&json!({})), headers)
            .await
            .expect_error(403, "CROSS_ORIGIN");
        operator
            .call_with_headers(Method::POST, &ban, Some(&reason), headers)
            .await
            .expect_error(403, "CROSS_ORIGIN");
        let login = json!({"email": "student@test.ac.kr", "password": "password123"});
        app.client()
            .call_with_headers(Method::POST, "/api/auth/login", Some(&login), headers)
            .await
            .expect_error(403, "CROSS_ORIGIN");
    }
    // A cross-site form with enctype="text/plain" can post a body that happens to be JSON.
    operator
        .raw(
            Method::POST,
            &ban,
            "text/plain",
            br#"{"reason": "form"}"#.to_vec(),
        )
        .await
        .expect_error(400, "BAD_REQUEST");
    app.client()
        .raw(
            Method::POST,
            "/api/auth/login",
            "application/x-www-form-urlencoded",
            b"email=student%40test.ac.kr&password=password123".to_vec(),
        )
        .await
        .expect_error(400, "BAD_REQUEST");

    assert_eq!(newest_charge_status(&student).await, "PENDING");
    assert_eq!(balance(&student).await, 0, "nothing credited");
    let detail = app
        .admin()
        .await
        .get(&format!("/api/ops/users/{student_id}"))
        .await
        .expect(200);
    assert_eq!(detail["user"]["banned"], false, "{detail}");
    assert_eq!(audit_trail(&app).await, trail_before, "nothing was audited");

    // From the server's own origin (`http://` + the Host header reqwest sends) it works.
    let own = app.base.as_str();
    operator
        .call_with_headers(Method::POST, &approve, Some(&json!({})), &[("origin", own)])
        .await
        .expect(200);
    assert_eq!(newest_charge_status(&student).await, "APPROVED");
    assert_eq!(balance(&student).await, 1_000);
    operator
        .call_with_headers(
            Method::POST,
            &ban,
            Some(&reason),
            &[("sec-fetch-site", "same-origin"), ("origin", own)],
        )
        .await
        .expect(200);
    student
        .get("/api/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    app.stop().await;
}

/// An operator acts only on students and never on themselves: banning an admin or another
/// operator is 403 `TARGET_NOT_STUDENT`, acting on oneself (ban, unban, correction, approving
/// or rejecting one's own charge) 422 `INVALID_TARGET`, a correction above the cap either way
/// 403 `ADMIN_REQUIRED`, and `i64::MIN` 422 `INVALID_DELTA` (no panic). None of the refusals
/// changes anything or reaches the audit trail; the cap itself, and an admin above it, pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_act_only_on_students() {
    let app = spawn_app_without_matcher().await;
    let admin = app.admin().await;
    let admin_id = admin.get("/api/me").await.expect(200)["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (operator, operator_id) = make_operator(&app, "operator").await;
    let (colleague, colleague_id) = make_operator(&app, "colleague").await;
    let (student, student_id) = make_student(&app, "student").await;
    // An operator asks for points the way a student does (a charge needs no profile).
    let own_charge = charge(&operator, 5_000).await;
    let trail_before = audit_trail(&app).await;

    let correction = |delta: i64| json!({"delta": delta, "reason": "정정"});
    let refusals: Vec<(&ApiClient, String, Value, u16, &str)> = vec![
        (
            &operator,
            format!("/api/ops/users/{admin_id}/ban"),
            json!({}),
            403,
            "TARGET_NOT_STUDENT",
        ),
        (
            &operator,
            format!("/api/ops/users/{colleague_id}/ban"),
            json!({}),
            403,
            "TARGET_NOT_STUDENT",
        ),
        (
            &operator,
            format!("/api/ops/users/{colleague_id}/unban"),
            json!({}),
            403,
            "TARGET_NOT_STUDENT",
        ),
        (
            &operator,
            format!("/api/ops/users/{admin_id}/points"),
            correction(10),
            403,
            "TARGET_NOT_STUDENT",
        ),
        (
            &colleague,
            format!("/api/ops/charges/{own_charge}/approve"),
            json!({}),
            403,
            "TARGET_NOT_STUDENT",
        ),
        (
            &operator,
            format!("/api/ops/users/{operator_id}/ban"),
            json!({}),
            422,
            "INVALID_TARGET",
        ),
        (
            &operator,
            format!("/api/ops/users/{operator_id}/unban"),
            json!({}),
            422,
            "INVALID_TARGET",
        ),
        (
            &operator,
            format!("/api/ops/users/{operator_id}/points"),
            correction(10),
            422,
            "INVALID_TARGET",
        ),
        (
            &operator,
            format!("/api/ops/charges/{own_charge}/approve"),
            json!({}),
            422,
            "INVALID_TARGET",
        ),
        (
            &operator,
            format!("/api/ops/charges/{own_charge}/reject"),
            json!({}),
            422,
            "INVALID_TARGET",
        ),
        (
            &operator,
            format!("/api/ops/users/{student_id}/points"),
            correction(50_001),
            403,
            "ADMIN_REQUIRED",
        ),
        (
            &operator,
            format!("/api/ops/users/{student_id}/points"),
            correction(-50_001),
            403,
            "ADMIN_REQUIRED",
        ),
        (
            &operator,
            format!("/api/ops/users/{student_id}/points"),
            correction(i64::MIN),
            422,
            "INVALID_DELTA",
        ),
        (
            &admin,
            format!("/api/ops/users/{student_id}/points"),
            correction(i64::MIN),
            422,
            "INVALID_DELTA",
        ),
    ];
    for (client, path, body, status, code) in &refusals {
        let reply = client.post(path, body).await;
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (*status, *code),
            "POST {path} {body}: {}",
            reply.body
        );
    }

    // Nothing changed: nobody banned, the operator's charge pending and uncredited.
    for client in [&admin, &operator, &colleague, &student] {
        client.get("/api/me").await.expect(200);
    }
    assert_eq!(newest_charge_status(&operator).await, "PENDING");
    assert_eq!(balance(&operator).await, 0);
    assert_eq!(balance(&student).await, 0);
    assert_eq!(
        audit_trail(&app).await,
        trail_before,
        "a refused action is not audited"
    );

    // The cap itself passes; an admin may go above it, and may act on an operator.
    let student_points = format!("/api/ops/users/{student_id}/points");
    let reply = operator
        .post(&student_points, &correction(50_000))
        .await
        .expect(200);
    assert_eq!(reply["balance"], 50_000);
    let reply = admin
        .post(&student_points, &correction(60_000))
        .await
        .expect(200);
    assert_eq!(reply["balance"], 110_000);
    admin
        .post(
            &format!("/api/ops/charges/{own_charge}/approve"),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(balance(&operator).await, 5_000);

    let trail = audit_trail(&app).await;
    assert_eq!(trail.len(), trail_before.len() + 3, "{trail:#?}");
    let newest: Vec<(&str, &str)> = trail[..3]
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["actor"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        newest,
        [
            ("APPROVE_CHARGE", admin_id.as_str()),
            ("ADJUST_POINTS", admin_id.as_str()),
            ("ADJUST_POINTS", operator_id.as_str()),
        ],
        "{trail:#?}"
    );
    app.assert_audit_passes();
    app.stop().await;
}

/// One log-in attempt for `email` from `http`: status, error code and `Retry-After` seconds.
async fn log_in(
    http: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> (u16, String, Option<u64>) {
    let response = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body: Value = response.json().await.expect("a JSON body");
    let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
    (status, code, retry_after)
}

/// Log-in attempts are limited per (address, account): wrong guesses from one address end in
/// 429 `RATE_LIMITED` with `Retry-After` (even for the right password, and however the email
/// is spelled), while the owner signing in from another address is let in. A 60,000-character
/// "email" is a quick 401 `BAD_CREDENTIALS`, and the server stays healthy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_logins_from_one_address_do_not_lock_the_owner_out_elsewhere() {
    let app = spawn_app_without_matcher().await;
    app.client()
        .signup("victim@test.ac.kr", "victim")
        .await
        .expect(201);

    // The attacker connects from 127.0.0.1 (as every test client does by default).
    let attacker = reqwest::Client::new();
    for attempt in 0..15 {
        let guess = format!("guess-{attempt:04}");
        let (status, code, retry_after) =
            log_in(&attacker, &app.base, "victim@test.ac.kr", &guess).await;
        if attempt < 10 {
            assert_eq!(
                (status, code.as_str()),
                (401, "BAD_CREDENTIALS"),
                "#{attempt}"
            );
        } else {
            assert_eq!((status, code.as_str()), (429, "RATE_LIMITED"), "#{attempt}");
            let seconds = retry_after.expect("Retry-After on a 429");
            assert!((1..=60).contains(&seconds), "Retry-After {seconds}");
        }
    }
    for email in ["victim@test.ac.kr", "  VICTIM@Test.ac.kr "] {
        let (status, code, _) = log_in(&attacker, &app.base, email, "password123").await;
        assert_eq!(
            (status, code.as_str()),
            (429, "RATE_LIMITED"),
            "{email:?} from the attacker's address"
        );
    }

    // The owner, from another address (Linux routes all of 127.0.0.0/8 to loopback).
    let elsewhere = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let victim = ApiClient::from_address(&app.base, Some(elsewhere));
    let login = json!({"email": "victim@test.ac.kr", "password": "password123"});
    victim.post("/api/auth/login", &login).await.expect(200);
    victim.get("/api/me").await.expect(200);

    let huge = format!("{}@test.ac.kr", "a".repeat(60_000 - "@test.ac.kr".len()));
    assert_eq!(huge.chars().count(), 60_000);
    let started = Instant::now();
    let (status, code, _) = log_in(&attacker, &app.base, &huge, "password123").await;
    assert_eq!((status, code.as_str()), (401, "BAD_CREDENTIALS"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a 60,000-character email took {:?}",
        started.elapsed()
    );
    app.client().get("/healthz").await.expect(200);
    app.stop().await;
}

/// A request carrying two `session` cookies (one planted by someone else, say) is refused
/// rather than one of them picked, whichever comes first and whether in one header or two;
/// the real cookie alone works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_session_cookies_are_refused() {
    let app = spawn_app_without_matcher().await;
    let me = app.client();
    me.signup("twocookies@test.ac.kr", "twocookies")
        .await
        .expect(201);
    let real = me.session_cookie().await;
    assert!(real.starts_with("session="), "{real}");
    let planted = "session=planted-by-a-sibling-host";

    let one_header_real_first = format!("{real}; {planted}");
    let one_header_planted_first = format!("{planted}; {real}");
    let twice: [&[(&str, &str)]; 4] = [
        &[("cookie", one_header_real_first.as_str())],
        &[("cookie", one_header_planted_first.as_str())],
        &[("cookie", real.as_str()), ("cookie", planted)],
        &[("cookie", real.as_str()), ("cookie", real.as_str())],
    ];
    for headers in twice {
        me.call_with_headers(Method::GET, "/api/me", None, headers)
            .await
            .expect_error(401, "UNAUTHENTICATED");
    }
    let alone = me
        .call_with_headers(Method::GET, "/api/me", None, &[("cookie", real.as_str())])
        .await
        .expect(200);
    assert_eq!(alone["email"], "twocookies@test.ac.kr");
    app.stop().await;
}

/// A session ends `session_lifetime_secs` after sign-in even while it is in constant use
/// (never idle); signing in again gives a new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_at_their_lifetime() {
    let lifetime = Duration::from_secs(2);
    let app = spawn_app_with(
        |config| config.session_lifetime_secs = lifetime.as_secs(),
        false,
    )
    .await;
    let me = app.client();
    let signed_up = Instant::now();
    me.signup("shortlived@test.ac.kr", "shortlived")
        .await
        .expect(201);
    me.get("/api/me").await.expect(200);

    // wait_until asks every 25 ms, so the session is never idle.
    let ended = wait_until(
        "the session to end at its lifetime",
        Duration::from_secs(10),
        || async {
            let reply = me.get("/api/me").await;
            (reply.status != 200).then_some(reply)
        },
    )
    .await;
    ended.expect_error(401, "UNAUTHENTICATED");
    let alive = signed_up.elapsed();
    assert!(
        alive >= lifetime - Duration::from_millis(100),
        "the session ended after {alive:?}, before its lifetime"
    );

    let login = json!({"email": "shortlived@test.ac.kr", "password": "password123"});
    me.post("/api/auth/login", &login).await.expect(200);
    me.get("/api/me").await.expect(200);
    app.stop().await;
}
