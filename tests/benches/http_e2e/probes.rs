//! What the bench reads besides HTTP replies: the services' Prometheus metrics, the floors a
//! match cannot go below on this machine (a NATS round trip, an fsync), and the processes'
//! CPU time and peak memory.

use futures::StreamExt;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Round trips timed for the NATS floor.
const NATS_ROUND_TRIPS: usize = 2_000;
/// Messages published for the JetStream floor.
const JETSTREAM_PUBLISHES: usize = 10_000;
/// Writes timed for the fsync floor.
const FSYNC_WRITES: usize = 500;
/// The size of one fsync-floor write: a small commit.
const FSYNC_WRITE_BYTES: usize = 4096;

/// The Prometheus text served at `http://{addr}/metrics`.
pub async fn metrics_text(addr: &str) -> String {
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    response.text().await.unwrap()
}

/// [`metrics_text`], or nothing while the service is not listening yet.
pub async fn metrics_text_or_empty(addr: &str) -> String {
    match reqwest::get(format!("http://{addr}/metrics")).await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// The value of sample `name` (labels included, as rendered) in `text`; 0 when absent.
pub fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// A histogram's `(sum, count)` in `text`; `labels` as rendered (`{stage="ask"}`) or empty.
pub fn histogram(text: &str, metric: &str, labels: &str) -> (f64, f64) {
    let sum = sample(text, &format!("{metric}_sum{labels}"));
    let count = sample(text, &format!("{metric}_count{labels}"));
    (sum, count)
}

/// The mean in ms of a histogram between two snapshots of it.
pub fn mean_ms(before: (f64, f64), after: (f64, f64)) -> f64 {
    let count = (after.1 - before.1).max(1.0);
    (after.0 - before.0) / count * 1_000.0
}

/// The matcher's last applied stream sequence.
pub async fn last_sequence(matcher_metrics: &str) -> f64 {
    sample(
        &metrics_text(matcher_metrics).await,
        "matcher_last_sequence",
    )
}

/// The p50 in ms of `times`, sorted here.
pub fn p50_ms(times: &mut [Duration]) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1_000.0
}

/// The NATS floor: a request answered at once by a responder on the same broker, as the
/// server asks the matcher (two connections, one hop each way). p50 in ms.
pub async fn nats_round_trip_ms(urls: &str) -> f64 {
    let servers: Vec<String> = urls.split(',').map(str::to_owned).collect();
    let responder = async_nats::connect(servers.clone()).await.unwrap();
    let mut asked = responder.subscribe("bench.floor").await.unwrap();
    let answering = tokio::spawn(async move {
        while let Some(message) = asked.next().await {
            if let Some(reply) = message.reply {
                responder.publish(reply, "".into()).await.unwrap();
            }
        }
    });
    let requester = async_nats::connect(servers).await.unwrap();
    requester.flush().await.unwrap();
    let mut times = Vec::with_capacity(NATS_ROUND_TRIPS);
    for _ in 0..NATS_ROUND_TRIPS {
        let started = Instant::now();
        requester.request("bench.floor", "".into()).await.unwrap();
        times.push(started.elapsed());
    }
    answering.abort();
    p50_ms(&mut times)
}

/// The JetStream floor for profile changes: publishes a second into a stream shaped like
/// `USERS` (one message per subject kept, file storage, `replicas` copies) on the same
/// broker, with the relay's window of unacknowledged publishes, every subject a new user.
pub async fn jetstream_publishes_per_s(urls: &str, replicas: usize) -> f64 {
    use async_nats::jetstream;
    use futures::stream::FuturesUnordered;
    let servers: Vec<String> = urls.split(',').map(str::to_owned).collect();
    let js = jetstream::new(async_nats::connect(servers).await.unwrap());
    let mut config = storage::broker::users_stream_config(replicas);
    config.name = "FLOOR".into();
    config.subjects = vec!["floor.>".into()];
    js.get_or_create_stream(config).await.unwrap();
    let started = Instant::now();
    let mut in_flight = FuturesUnordered::new();
    for i in 0..JETSTREAM_PUBLISHES {
        if in_flight.len() == comatching_server::broker::relay::WINDOW {
            in_flight.next().await.unwrap();
        }
        let ack = js.publish(format!("floor.{i}"), "x".into()).await.unwrap();
        in_flight.push(async move { ack.await.unwrap() });
    }
    while in_flight.next().await.is_some() {}
    let rate = JETSTREAM_PUBLISHES as f64 / started.elapsed().as_secs_f64();
    js.delete_stream("FLOOR").await.unwrap();
    rate
}

/// The fsync floor on the disk under `dir`: a small write made durable, as one commit of the
/// server's writer must be at least. p50 in ms.
pub fn fsync_ms(dir: &Path) -> f64 {
    let path = dir.join("fsync-floor");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(&[0; FSYNC_WRITE_BYTES]).unwrap();
    file.sync_all().unwrap();
    let mut times = Vec::with_capacity(FSYNC_WRITES);
    for round in 0..FSYNC_WRITES {
        let block = [round as u8; FSYNC_WRITE_BYTES];
        let started = Instant::now();
        file.write_all_at(&block, 0).unwrap();
        file.sync_data().unwrap();
        times.push(started.elapsed());
    }
    std::fs::remove_file(path).unwrap();
    p50_ms(&mut times)
}

/// Clock ticks a second for `/proc/<pid>/stat` times.
pub fn ticks_per_second() -> f64 {
    let output = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("getconf");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("CLK_TCK is a number")
}
