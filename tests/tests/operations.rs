//! Operating the service: a consistent backup of a running server, restored into a new
//! directory, even with a match in flight whose client left; and resync after the USERS stream
//! itself was lost.

use comatching_tests::app::{spawn_app_with, TestApp};
use comatching_tests::process::Proc;
use comatching_tests::{spawn_app, wait_until, ApiClient};
use serde_json::json;
use std::path::Path;
use std::time::Duration;
use storage::broker::USERS_STREAM;
use tokio::sync::oneshot;

const DEADLINE: Duration = Duration::from_secs(30);

fn server_cli(args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (ok, output) = Proc::run("comatching-server", &args, "");
    assert!(ok, "comatching-server {args:?}: {output}");
    output
}

/// Whether the server has begun a match: it timed a match's `lock` stage.
async fn a_match_began(app: &TestApp) -> Option<()> {
    let page = reqwest::get(app.metrics_url())
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    page.lines()
        .any(|line| line.starts_with("match_stage_seconds_count{stage=\"lock\"}"))
        .then_some(())
}

/// Restores `backup` into `restored` (new) and checks that the audit passes there.
fn restore_audited(backup: &Path, restored: &Path) {
    server_cli(&[
        "restore",
        "--from",
        &backup.display().to_string(),
        "--data-dir",
        &restored.display().to_string(),
    ]);
    let audit = server_cli(&["audit", "--data-dir", &restored.display().to_string()]);
    assert!(audit.contains("0 violations"), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_a_running_server_restores_every_account_point_and_match() {
    let mut app = spawn_app().await;
    let (me, her) = (app.client(), app.client());
    me.join("백업", "MALE", "수학과").await;
    her.join("복원", "FEMALE", "국문과").await;
    app.fund(&me, 3_000).await;
    app.ready_for_matches().await;
    me.request_match().await.expect(201);

    let data = app.dir.path().join("server");
    let backup = app.dir.path().join("comatching.backup");
    let said = server_cli(&[
        "backup",
        "--out",
        &backup.display().to_string(),
        "--data-dir",
        &data.display().to_string(),
    ]);
    assert!(said.contains("backup of"), "{said}");
    // The running server kept serving.
    me.get("/api/me").await.expect(200);
    app.stop_server().await;

    let restored = app.dir.path().join("restored");
    restore_audited(&backup, &restored);
    let refused = Proc::run(
        "comatching-server",
        &[
            "restore",
            "--from",
            &backup.display().to_string(),
            "--data-dir",
            &restored.display().to_string(),
        ]
        .map(str::to_owned),
        "",
    );
    assert!(
        !refused.0 && refused.1.contains("not empty"),
        "{}",
        refused.1
    );

    let config = comatching_server::Config::new(&restored, &app.nats.url());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(comatching_server::run(config, listener, async {
        let _ = stopped.await;
    }));
    let client = ApiClient::new(&base);
    let login = json!({"email": "백업@test.ac.kr", "password": "password123"});
    client.post("/api/auth/login", &login).await.expect(200);
    assert_eq!(
        client.get("/api/me/points").await.expect(200)["balance"],
        2_000
    );
    assert_eq!(
        client.get("/api/matches").await.expect(200)[0]["partner"]["nickname"],
        "복원"
    );
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    app.stop().await;
}

/// A match whose client left keeps the write barrier to its end: a backup asked for meanwhile
/// (the matcher frozen with SIGSTOP, so the match waits) waits for it, then holds the match
/// and its charge together, and the restored database passes the audit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_waits_for_a_match_whose_client_left() {
    const FUNDS: u64 = 3_000;
    let mut app = spawn_app_with(|config| config.match_timeout_ms = 20_000, false).await;
    let matcher = app.spawn_matcher_process("matcher.log");
    let (me, her) = (app.client(), app.client());
    me.join("떠난이", "MALE", "수학과").await;
    her.join("남은이", "FEMALE", "국문과").await;
    app.fund(&me, FUNDS).await;
    app.ready_for_matches().await;

    let frozen = matcher.freeze();
    let asking = reqwest::Client::new()
        .post(format!("{}/api/matches", app.base))
        .header("cookie", me.session_cookie().await)
        .json(&json!({"options": {}}))
        .send();
    let leaving = tokio::spawn(asking);
    wait_until("the match to begin", DEADLINE, || a_match_began(&app)).await;
    leaving.abort();
    assert!(
        leaving.await.is_err_and(|e| e.is_cancelled()),
        "the match was answered while the matcher was stopped"
    );

    let data = app.server_data_dir().display().to_string();
    let backup = app.dir.path().join("in-flight.backup");
    let out = backup.display().to_string();
    let backing_up = tokio::task::spawn_blocking(move || {
        server_cli(&["backup", "--out", &out, "--data-dir", &data])
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !backing_up.is_finished(),
        "the backup ran while a match was in flight"
    );
    drop(frozen); // SIGCONT: the match ends, then the backup runs.
    let said = tokio::time::timeout(DEADLINE, backing_up)
        .await
        .expect("the backup ended in time")
        .expect("the backup command ran");
    assert!(said.contains("backup of"), "{said}");
    app.stop_server().await;

    let restored = app.dir.path().join("restored");
    restore_audited(&backup, &restored);
    let db = comatching_server::db::Db::open(&restored).expect("open the restored database");
    let matches: Vec<_> = db.all_matches().map(Result::unwrap).collect();
    assert_eq!(matches.len(), 1, "the match in flight is in the backup");
    let charged = matches[0].price - matches[0].refunded;
    assert_eq!(
        db.account(matches[0].requester).unwrap().balance,
        FUNDS - charged,
        "and so is its charge"
    );
    drop(db);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_rebuilds_a_lost_stream_on_a_running_system() {
    let mut app = spawn_app().await;
    for (i, gender) in ["MALE", "FEMALE", "MALE", "FEMALE"].iter().enumerate() {
        app.client()
            .join(&format!("sync{i}"), gender, "수학과")
            .await;
    }
    app.wait_outbox_empty().await;
    app.wait_matcher_synced().await;
    app.stop_matcher().await;
    app.jetstream()
        .await
        .delete_stream(USERS_STREAM)
        .await
        .expect("delete the stream");
    std::fs::remove_file(comatching_matcher::config::table_path(&app.matcher_dir())).unwrap();

    let data = app.dir.path().join("server");
    let said = server_cli(&["resync", "--data-dir", &data.display().to_string()]);
    assert!(said.contains("4 users republished"), "{said}");
    app.start_matcher().await;
    app.wait_outbox_empty().await;
    let table = app.wait_matcher_synced().await;
    assert_eq!(table.len(), 4, "every user is back in the matcher");
    let (_, messages) = app.stream_state().await.unwrap();
    assert_eq!(messages, 4);
    // Repeating it is harmless.
    server_cli(&["resync", "--data-dir", &data.display().to_string()]);
    app.wait_outbox_empty().await;
    assert_eq!(app.wait_matcher_synced().await.len(), 4);
    app.stop().await;
}
