//! The architecture issue's checks, through HTTP, the `comatching-server` command and raw sled
//! only (never the server's internals): signals owned by the database (a user written while
//! the server is stopped is still searchable after it starts), errors that keep their cause
//! (a corrupt record is named, not reported as "internal error"), and a match that finishes
//! when the client leaves (charged once, or not at all).

use comatching_tests::app::spawn_app_without_matcher;
use comatching_tests::{spawn_app, wait_until, ApiClient};
use futures::future::join_all;
use serde_json::{json, Value};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(30);

/// The emails `GET /api/ops/users?q=…` finds for `q`.
async fn found_emails(admin: &ApiClient, q: &str) -> Vec<String> {
    let reply = admin
        .get(&format!("/api/ops/users?q={}", urlencode(q)))
        .await
        .expect(200);
    reply
        .as_array()
        .expect("a list of users")
        .iter()
        .map(|u| u["email"].as_str().expect("an email").to_owned())
        .collect()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Waits until searching `q` finds `email`.
async fn searchable(admin: &ApiClient, q: &str, email: &str) {
    wait_until(&format!("{q:?} to find {email}"), DEADLINE, || async {
        found_emails(admin, q)
            .await
            .iter()
            .any(|e| e == email)
            .then_some(())
    })
    .await;
}

/// Whether `output` names `record` (e.g. `users/12`) as a whole, not as the start of a longer
/// id (`users/123`).
fn names(output: &str, record: &str) -> bool {
    output
        .match_indices(record)
        .any(|(at, _)| !output[at + record.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// A user written by `comatching-server admin create` while the server is stopped reaches the
/// search index once the server starts: the database, not the HTTP handler that usually
/// writes users, owns the signal that keeps the index in step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_made_by_the_cli_while_the_server_is_stopped_is_found_by_search() {
    const EMAIL: &str = "cli-admin@test.ac.kr";
    const PASSWORD: &str = "cli-password-1";
    let mut app = spawn_app().await;
    app.stop_server().await;
    let (created, output) = app
        .server_cli(
            &[
                "admin",
                "create",
                "--email",
                EMAIL,
                "--password-stdin",
                "--nickname",
                "명령줄관리자",
            ],
            &format!("{PASSWORD}\n"),
        )
        .await;
    assert!(created, "admin create failed:\n{output}");

    app.restart_server().await;
    let admin = app.admin().await;
    searchable(&admin, EMAIL, EMAIL).await;
    searchable(&admin, "명령줄", EMAIL).await;
    // And it is a real account: the CLI's admin can sign in.
    let login = json!({"email": EMAIL, "password": PASSWORD});
    let me = app
        .client()
        .post("/api/auth/login", &login)
        .await
        .expect(200);
    assert_eq!(me["user"]["nickname"], "명령줄관리자");
    assert_eq!(me["user"]["role"], "ADMIN");
    app.stop().await;
}

/// A user record that no longer decodes makes the offline audit fail with an error that names
/// the record (`users/<id>`) and keeps its cause, instead of a bare "internal error".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_user_record_is_named_by_the_audit() {
    let mut app = spawn_app().await;
    let student = app.client();
    let signed_up = student
        .signup("corrupt@test.ac.kr", "corrupt")
        .await
        .expect(201);
    let id: u64 = signed_up["user"]["id"]
        .as_str()
        .expect("a decimal id")
        .parse()
        .expect("a decimal id");
    app.stop_server().await;

    // Overwrite the record behind the server's back, in sled itself.
    let dir = app.server_data_dir().to_owned();
    let db = wait_until("the database to be free", DEADLINE, || async {
        sled::open(&dir).ok()
    })
    .await;
    let users = db.open_tree("users").expect("the users tree");
    let before = users
        .insert(id.to_be_bytes(), &b"{not json"[..])
        .expect("overwrite the record");
    assert!(before.is_some(), "no record under users/{id}");
    db.flush().expect("flush");
    drop(users);
    drop(db);

    let (passed, output) = app.server_cli(&["audit"], "").await;
    assert!(!passed, "the audit passed a corrupt record:\n{output}");
    assert!(
        names(&output, &format!("users/{id}")),
        "the audit does not name users/{id}:\n{output}"
    );
    assert!(
        output.contains("does not decode"),
        "the audit does not say the record does not decode:\n{output}"
    );
    assert!(
        !output.trim_end().ends_with("internal error"),
        "the error lost its cause:\n{output}"
    );
    app.stop().await;
}

/// How many of `entries` are of `kind`.
fn count_of(entries: &[Value], kind: &str) -> i64 {
    entries.iter().filter(|e| e["kind"] == kind).count() as i64
}

/// The sum of the amounts of `entries` of `kind`.
fn sum_of(entries: &[Value], kind: &str) -> i64 {
    entries
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["amount"].as_i64().expect("an amount"))
        .sum()
}

/// Three match requests whose clients give up after a second (the matcher is frozen with
/// SIGSTOP meanwhile) still finish once the matcher resumes: the retried key answers 201, the
/// points add up (every MATCH entry is a match, nothing charged twice), and the stopped
/// server's audit finds every match charged exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_give_up_mid_match_are_charged_once_or_not_at_all() {
    const FUNDS: i64 = 10_000;
    const PRICE: i64 = 1_000;
    let mut app = spawn_app_without_matcher().await;
    let matcher = app.spawn_matcher_process("matcher.log");
    let me = app.client();
    me.join("leaver", "MALE", "수학과").await;
    for i in 0..4 {
        app.client()
            .join(&format!("stayer{i}"), "FEMALE", "국문과")
            .await;
    }
    app.fund(&me, FUNDS as u64).await;
    app.ready_for_matches().await;

    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .expect("http client");
    let cookie = me.session_cookie().await;
    let url = format!("{}/api/matches", app.base);
    let body = json!({"options": {}});
    let keys = ["k1", "k2", "k3"];

    let frozen = matcher.freeze();
    let attempts = keys.map(|key| {
        impatient
            .post(&url)
            .header("cookie", cookie.as_str())
            .header("idempotency-key", key)
            .json(&body)
            .send()
    });
    for (key, outcome) in keys.iter().zip(join_all(attempts).await) {
        match outcome {
            Err(e) => assert!(e.is_timeout(), "{key} failed other than by timing out: {e}"),
            Ok(reply) => panic!(
                "{key} was answered ({}) while the matcher was stopped",
                reply.status()
            ),
        }
    }
    drop(frozen); // SIGCONT

    // The retry waits its turn behind the abandoned attempts, then answers k1's reply (or, if
    // that attempt ended in a 503, which is not kept, makes the match now).
    let retry = tokio::time::timeout(DEADLINE, me.keyed_post("/api/matches", "k1", &body))
        .await
        .expect("the retry of k1 was answered in time");
    assert_ne!(
        retry.status, 402,
        "abandoned attempts took too many points: {}",
        retry.body
    );
    let first = retry.expect(201);
    let again = me.keyed_post("/api/matches", "k1", &body).await.expect(201);
    assert_eq!(again, first, "a repeat of k1 must answer the same reply");

    // The requester's points settle: the balance is the funds less the matches plus refunds,
    // and every MATCH entry is a match in the history.
    let (matches, history) = wait_until("the requester's points to settle", DEADLINE, || async {
        let points_now = me.get("/api/me").await.expect(200)["points"].as_i64();
        let points = me.get("/api/me/points").await.expect(200);
        let history = me.get("/api/matches").await.expect(200);
        let history = history.as_array()?.clone();
        let balance = points["balance"].as_i64()?;
        let entries = points["entries"].as_array()?;
        let matches = count_of(entries, "MATCH");
        let refunds = sum_of(entries, "REFUND");
        let newest = entries.first()?["balance_after"].as_i64()?;
        let settled = points_now == Some(balance)
            && newest == balance
            && history.len() as i64 == matches
            && balance == FUNDS - matches * PRICE + refunds;
        settled.then_some((matches, history))
    })
    .await;
    assert!(
        (1..=3).contains(&matches),
        "three keys made {matches} matches"
    );
    assert!(
        history.iter().any(|m| m["id"] == first["match"]["id"]),
        "k1's match is not in the history: {first}"
    );

    // A stopped server's audit: each match has exactly one MATCH entry at its price.
    app.stop_server().await;
    let (passed, report) = app.server_cli(&["audit"], "").await;
    assert!(passed, "the audit failed:\n{report}");
    assert!(report.contains("0 violations"), "{report}");
    app.stop().await;
}
