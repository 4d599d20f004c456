//! Nothing lost, nothing twice: NATS outages, a matcher that is killed or loses its file, and
//! one of two matchers frozen.

use comatching_tests::process::{matcher_args, Proc};
use comatching_tests::{profile, spawn_app, spawn_app_with, wait_until, ApiClient, TestApp};
use std::collections::BTreeMap;
use std::time::Duration;
use storage::broker::USERS_STREAM;
use storage::columnar::FeatureTable;

const DEADLINE: Duration = Duration::from_secs(30);

/// Every row as comparable values, keyed by user id (row order may differ after a rebuild).
fn rows(table: &FeatureTable) -> BTreeMap<u64, String> {
    (0..table.len())
        .map(|i| {
            let row = table.row(i);
            (row.id.0, format!("{row:?}"))
        })
        .collect()
}

async fn join_many(app: &TestApp, prefix: &str, count: usize) -> Vec<ApiClient> {
    let mut clients = Vec::with_capacity(count);
    for i in 0..count {
        let client = app.client();
        let gender = if i % 2 == 0 { "MALE" } else { "FEMALE" };
        client.join(&format!("{prefix}{i}"), gender, "수학과").await;
        clients.push(client);
    }
    clients
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_outage_loses_no_profile_change_and_repeats_none() {
    let mut app = spawn_app().await;
    let users = join_many(&app, "u", 6).await;
    app.wait_outbox_empty().await;
    app.wait_matcher_synced().await;

    app.nats.stop();
    wait_until("readyz to notice NATS is gone", DEADLINE, || async {
        (app.client().get("/readyz").await.status == 503).then_some(())
    })
    .await;

    // The server keeps serving while NATS is down; every change is queued.
    for (i, user) in users.iter().enumerate() {
        let major = format!("outage{i}");
        user.put_profile(&profile(
            if i % 2 == 0 { "MALE" } else { "FEMALE" },
            &major,
            "k",
        ))
        .await
        .expect(200);
    }
    users[0].set_dont_pick_me(true).await.expect(200);

    app.nats.restart();
    app.wait_outbox_empty().await;
    let table = app.wait_matcher_synced().await;
    for i in 0..users.len() {
        let row = (0..table.len())
            .map(|r| table.row(r))
            .find(|r| r.major == format!("outage{i}"));
        let row = row.unwrap_or_else(|| panic!("change {i} never reached the matcher"));
        assert_eq!(row.version, if i == 0 { 3 } else { 2 });
    }
    // 6 profiles + 6 changes + 1 toggle were published exactly once each.
    let (last_sequence, messages) = app.stream_state().await.unwrap();
    assert_eq!(last_sequence, 13, "an event was published twice or lost");
    assert_eq!(messages, 6, "the stream keeps one message per user");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_matcher_resumes_from_its_file_without_rereading_the_stream() {
    let mut app = spawn_app().await;
    app.stop_matcher().await;
    let matcher = app.spawn_matcher_process("matcher-1.log");
    let users = join_many(&app, "r", 8).await;
    app.wait_outbox_empty().await;
    let before = app.wait_matcher_synced().await;
    matcher.kill();

    // Four more changes, to four distinct users, while the matcher is dead.
    for (i, user) in users.iter().take(4).enumerate() {
        let gender = if i % 2 == 0 { "MALE" } else { "FEMALE" };
        user.put_profile(&profile(gender, "재시작학과", "k"))
            .await
            .expect(200);
    }
    app.wait_outbox_empty().await;
    let _matcher = app.spawn_matcher_process("matcher-2.log");
    let after = app.wait_matcher_synced().await;
    assert!(after.last_sequence() > before.last_sequence());
    assert_eq!(
        (0..after.len())
            .filter(|&r| after.row(r).major == "재시작학과")
            .count(),
        4
    );

    // The restarted consumer was handed only the four new messages.
    let js = app.jetstream().await;
    let stream = js.get_stream(USERS_STREAM).await.unwrap();
    let info = stream.consumer_info("matcher-test").await.unwrap();
    assert_eq!(
        info.delivered.consumer_sequence, 4,
        "the matcher re-read old messages"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_or_corrupted_file_is_rebuilt_to_the_same_table() {
    let mut app = spawn_app().await;
    let users = join_many(&app, "f", 6).await;
    users[1].set_dont_pick_me(true).await.expect(200);
    users[2]
        .call(reqwest::Method::DELETE, "/api/me", None)
        .await
        .expect(204);
    app.wait_outbox_empty().await;
    let original = rows(&app.wait_matcher_synced().await);
    app.stop_matcher().await;
    let path = comatching_matcher::config::table_path(&app.matcher_dir());

    std::fs::remove_file(&path).unwrap();
    app.start_matcher().await;
    assert_eq!(rows(&app.wait_matcher_synced().await), original);
    app.stop_matcher().await;

    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    assert!(
        app.matcher_table().is_none(),
        "the corruption went unnoticed"
    );
    app.start_matcher().await;
    assert_eq!(rows(&app.wait_matcher_synced().await), original);
    app.stop().await;
}

/// Two matchers, one frozen with SIGSTOP (it keeps its place in the queue group and never
/// answers): every match still succeeds. One that went to the frozen matcher costs a timeout,
/// then the server asks every matcher and the live one answers. (Asking the queue group again
/// would pick the frozen one half the time: about one request in four would fail.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_matcher_costs_a_timeout_never_a_failed_match() {
    const MATCHES: usize = 10;
    let app = spawn_app_with(|config| config.match_timeout_ms = 500, false).await;
    let me = app.client();
    me.join("frozen", "MALE", "수학과").await;
    for i in 0..MATCHES {
        let partner = app.client();
        partner
            .join(&format!("partner{i}"), "FEMALE", "국문과")
            .await;
    }
    app.fund(&me, 1_000 * MATCHES as u64).await;
    app.wait_outbox_empty().await;
    // Started after every profile is on the stream: each has them all once it serves.
    let matchers: Vec<(Proc, std::path::PathBuf)> = ["m1", "m2"]
        .iter()
        .map(|name| {
            let log = app.dir.path().join(format!("{name}.log"));
            let args = matcher_args(&app.nats.url(), &app.dir.path().join(name), name, &[]);
            (Proc::spawn("comatching-matcher", &args, &log), log)
        })
        .collect();
    for (_, log) in &matchers {
        wait_until("both matchers serving", DEADLINE, || async {
            let text = std::fs::read_to_string(log).ok()?;
            text.contains("serving match requests").then_some(())
        })
        .await;
    }
    matchers[0].0.signal("STOP");
    for round in 0..MATCHES {
        let reply = me.request_match().await;
        assert_eq!(reply.status, 201, "match {round}: {}", reply.body);
    }
    matchers[0].0.signal("CONT");
    app.assert_audit_passes();
    app.stop().await;
}
