//! Prometheus metrics on the server and the matcher.

use comatching_tests::app::spawn_app_without_matcher;
use comatching_tests::nats::free_port;
use comatching_tests::wait_until;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_and_matcher_expose_their_metrics() {
    let app = spawn_app_without_matcher().await;
    let port = free_port();
    let _matcher = app.spawn_matcher_process_with(
        "matcher.log",
        &["--metrics-addr".into(), format!("127.0.0.1:{port}")],
    );
    let (me, her) = (app.client(), app.client());
    me.join("지표", "MALE", "수학과").await;
    her.join("측정", "FEMALE", "국문과").await;
    app.fund(&me, 2_000).await;
    app.ready_for_matches().await;
    me.request_match().await.expect(201);
    me.request_match().await.expect_error(404, "NO_CANDIDATE");

    let server = reqwest::get(app.metrics_url()).await.unwrap();
    assert_eq!(server.status(), 200);
    let server = server.text().await.unwrap();
    let (status, _) = app.client().text("/metrics").await;
    assert_eq!(status, 404, "metrics are not on the public port");
    for needle in [
        r#"http_requests_total{route="/api/matches",method="POST",status="201"}"#,
        r#"match_outcomes_total{outcome="MATCHED"} 1"#,
        r#"match_outcomes_total{outcome="NO_CANDIDATE"} 1"#,
        "http_request_duration_seconds_bucket",
        "outbox_depth 0",
        "outbox_oldest_age_seconds 0",
    ] {
        assert!(server.contains(needle), "{needle} missing from:\n{server}");
    }

    let matcher = wait_until("the matcher's metrics", Duration::from_secs(10), || async {
        let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        text.contains("matcher_requests_total").then_some(text)
    })
    .await;
    for needle in [
        "matcher_table_rows 2",
        "matcher_stream_pending 0",
        "matcher_scoring_seconds_bucket",
        r#"matcher_requests_total{outcome="matched"}"#,
    ] {
        assert!(
            matcher.contains(needle),
            "{needle} missing from:\n{matcher}"
        );
    }
    app.stop().await;
}
