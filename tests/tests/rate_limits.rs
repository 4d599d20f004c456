//! Rate limits: tight per account, loose per address (a booth behind one campus NAT passes).

use comatching_tests::{spawn_app, spawn_app_with};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_attempts_are_limited_per_account_not_per_address() {
    let app = spawn_app().await;
    app.client()
        .signup("target@test.ac.kr", "target")
        .await
        .expect(201);
    app.client()
        .signup("bystander@test.ac.kr", "bystander")
        .await
        .expect(201);
    let guess = |password: &str| json!({"email": "Target@test.ac.kr", "password": password});
    let attacker = app.client();
    for i in 0..10 {
        attacker
            .post("/api/auth/login", &guess(&format!("guess-{i:04}")))
            .await
            .expect_error(401, "BAD_CREDENTIALS");
    }
    let limited = attacker
        .post("/api/auth/login", &guess("password123"))
        .await;
    limited.expect_error(429, "RATE_LIMITED");
    // Another account from the same address is unaffected.
    let other = json!({"email": "bystander@test.ac.kr", "password": "password123"});
    app.client()
        .post("/api/auth/login", &other)
        .await
        .expect(200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_requests_are_limited_per_user_with_retry_after() {
    let app = spawn_app().await;
    let me = app.client();
    me.join("eager", "MALE", "수학과").await;
    for _ in 0..30 {
        me.request_match()
            .await
            .expect_error(402, "INSUFFICIENT_POINTS");
    }
    let response = reqwest::Client::new()
        .post(format!("{}/api/matches", app.base))
        .header("cookie", me.session_cookie().await)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let seconds: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&seconds), "Retry-After {seconds}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_booth_behind_one_address_passes_but_a_flood_does_not() {
    let app = spawn_app_with(|config| config.rates.rate_address_per_minute = 400, true).await;
    // A booth's rush: 150 students sign up from one address (the accounts only: consent is
    // each student's next requests), then the catalog is reloaded.
    for i in 0..150 {
        app.client()
            .signup_without_consent(&format!("booth{i}@test.ac.kr"), &format!("booth{i}"))
            .await
            .expect(201);
    }
    let flood = app.client();
    // Well past what is left of the minute's 400, however long the sign-ups took (the limit
    // refills meanwhile, one request every 150 ms).
    let mut limited = 0;
    for _ in 0..600 {
        if flood.get("/api/catalog").await.status == 429 {
            limited += 1;
        }
    }
    assert!(limited > 0, "a flood from one address was never limited");
    app.stop().await;
}
