//! The server SIGKILLed while a match is in flight (the matcher asked, no reply yet): nothing
//! was written for it, so the data of the killed server audits clean as it is, and after a
//! restart nothing was charged.

use comatching_tests::nats::free_port;
use comatching_tests::process::{create_admin, server_args, Proc};
use comatching_tests::{profile, wait_until, ApiClient, NatsServer};
use futures::StreamExt;
use serde_json::json;
use std::path::Path;
use std::time::Duration;
use storage::broker::{MATCH_QUEUE_GROUP, MATCH_SUBJECT};

const DEADLINE: Duration = Duration::from_secs(20);

fn crash_server_args(nats: &NatsServer, data: &Path, port: u16) -> Vec<String> {
    server_args(&nats.url(), data, port, &["--match-timeout-ms", "60000"])
}

fn audit(data: &Path) -> (bool, String) {
    let args = [
        "audit".to_owned(),
        "--data-dir".to_owned(),
        data.display().to_string(),
    ];
    Proc::run("comatching-server", &args, "")
}

async fn wait_healthy(client: &ApiClient) {
    wait_until("the server to answer", DEADLINE, || async {
        let response = reqwest::get(format!("{}/healthz", client.base()))
            .await
            .ok()?;
        response.status().is_success().then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_match_charges_nothing() {
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    create_admin(&data, "boss@test.ac.kr", "boss-password");

    let port = free_port();
    let server = Proc::spawn(
        "comatching-server",
        &crash_server_args(&nats, &data, port),
        &dir.path().join("server-1.log"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let (me, admin) = (ApiClient::new(&base), ApiClient::new(&base));
    wait_healthy(&me).await;
    me.join("inflight", "MALE", "수학과").await;
    let other = ApiClient::new(&base);
    other
        .signup("partner@test.ac.kr", "partner")
        .await
        .expect(201);
    other
        .put_profile(&profile("FEMALE", "국문과", "p"))
        .await
        .expect(200);
    let charge = me
        .post(
            "/api/charges",
            &json!({"amount": 5_000, "depositor_name": "입금"}),
        )
        .await
        .expect(201);
    admin
        .post(
            "/api/auth/login",
            &json!({"email": "boss@test.ac.kr", "password": "boss-password"}),
        )
        .await
        .expect(200);
    let id = charge["charge"]["id"].as_str().unwrap();
    admin
        .post(&format!("/api/ops/charges/{id}/approve"), &json!({}))
        .await
        .expect(200);

    // A matcher that takes the request and never answers keeps the match in flight.
    let nats_client = async_nats::connect(nats.url()).await.unwrap();
    let mut requests = nats_client
        .queue_subscribe(MATCH_SUBJECT, MATCH_QUEUE_GROUP.to_owned())
        .await
        .unwrap();
    nats_client.flush().await.unwrap();
    // The reply never comes: the server dies with the request open.
    let in_flight = tokio::spawn({
        let me = me.clone();
        async move { me.try_post("/api/matches", &json!({})).await }
    });
    tokio::time::timeout(DEADLINE, requests.next())
        .await
        .expect("the request reached the matcher subject")
        .unwrap();
    // Anything written for the request would be on disk within a second (sled also flushes
    // on its own every 500 ms): the audit below would see it.
    tokio::time::sleep(Duration::from_secs(1)).await;

    server.kill();
    let (passed, report) = audit(&data);
    assert!(passed, "the killed server left something behind:\n{report}");
    assert!(
        in_flight.await.unwrap().is_err(),
        "the killed server answered"
    );

    let server = Proc::spawn(
        "comatching-server",
        &crash_server_args(&nats, &data, port),
        &dir.path().join("server-2.log"),
    );
    wait_healthy(&me).await;
    let points = me.get("/api/me/points").await.expect(200);
    assert_eq!(points["balance"], 5_000);
    assert_eq!(points["entries"].as_array().unwrap().len(), 1, "{points}");
    server.terminate();
    let (passed, report) = audit(&data);
    assert!(passed, "{report}");
    assert!(report.contains("0 violations"), "{report}");
}
