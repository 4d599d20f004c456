//! What simulated clients share in the whole-system tests: a cookie-keeping HTTP client, and
//! retrying until an answer is definite (as a real client does through crashes).

use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// How long one request may take before the client gives up on it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between tries of [`definite`].
const RETRY_PAUSE: Duration = Duration::from_millis(150);

/// A client that keeps its session cookie.
pub fn http() -> Client {
    Client::builder()
        .cookie_store(true)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("an HTTP client")
}

/// Sends until the answer is definite (2xx or 4xx) or `deadline` passes; connection errors
/// and 5xx are retried.
pub async fn definite(
    deadline: Duration,
    make: impl Fn() -> RequestBuilder,
) -> (StatusCode, Value) {
    let start = Instant::now();
    loop {
        if let Ok(response) = make().send().await {
            let status = response.status();
            if !status.is_server_error() {
                return (status, response.json().await.unwrap_or(Value::Null));
            }
        }
        assert!(
            start.elapsed() < deadline,
            "no definite answer within {deadline:?}"
        );
        tokio::time::sleep(RETRY_PAUSE).await;
    }
}

/// Signs `client` up as `email` / `nickname` with password `password123` (or in, when an
/// earlier try went through before a crash), then accepts the documents in force.
pub async fn join(client: &Client, base: &str, email: &str, nickname: &str, deadline: Duration) {
    let signup = json!({"email": email, "password": "password123", "nickname": nickname});
    let (status, _) = definite(deadline, || {
        client.post(format!("{base}/api/auth/signup")).json(&signup)
    })
    .await;
    assert!(status == 201 || status == 409, "signup {status}");
    if status == 409 {
        let login = json!({"email": email, "password": "password123"});
        let (status, _) = definite(deadline, || {
            client.post(format!("{base}/api/auth/login")).json(&login)
        })
        .await;
        assert_eq!(status, 200, "login");
    }
    let consent = json!({"version": 1, "accepted": ["terms", "privacy", "contact_sharing"], "age_confirmed": true});
    let (status, _) = definite(deadline, || {
        client.post(format!("{base}/api/me/consent")).json(&consent)
    })
    .await;
    assert_eq!(status, 200, "consent");
}

/// Logs `client` in as `email`; panics unless it is 200. Returns the reply (its
/// `set-cookie` is the session).
pub async fn log_in(client: &Client, base: &str, email: &str, password: &str) -> reqwest::Response {
    let reply = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("the login request");
    assert_eq!(reply.status(), 200, "login {email}");
    reply
}
