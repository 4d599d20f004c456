//! The matcher process end to end at 10,000, 100,000 and 1,000,000 synthetic candidates: match
//! round trip over NATS from a client (median, p99), requests/s with 8 concurrent clients, and
//! the matcher's resident memory. Needs release binaries (`scripts/bench.sh` builds them).

use comatching_tests::process::{matcher_args, Proc};
use comatching_tests::NatsServer;
use futures::future::join_all;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::time::{Duration, Instant};
use storage::broker::MATCH_SUBJECT;
use storage::codec;
use storage::columnar;

const SEQUENTIAL: usize = 2_000;
const CLIENTS: usize = 8;
const PER_CLIENT: usize = 1_000;

async fn round_trip(client: &async_nats::Client, payload: &[u8]) -> Duration {
    let start = Instant::now();
    let reply = client
        .request(MATCH_SUBJECT, payload.to_vec().into())
        .await
        .expect("the matcher answers");
    assert!(!reply.payload.is_empty());
    start.elapsed()
}

fn payloads(count: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            codec::encode(&comatching_matcher::synthetic::request(&mut rng, 10)).expect("encode")
        })
        .collect()
}

async fn measure(rows: usize) {
    let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).expect("temp dir");
    let data = dir.path().join("matcher");
    let table = comatching_matcher::synthetic::table(rows, 42);
    columnar::save(&comatching_matcher::config::table_path(&data), &table).expect("save");
    drop(table);
    let nats = NatsServer::start();
    let args = matcher_args(&nats.url(), &data, "bench", &[]);
    let matcher = Proc::spawn("comatching-matcher", &args, &dir.path().join("matcher.log"));
    let client = async_nats::connect(nats.url()).await.expect("connect");
    let probe = payloads(1, 1).remove(0);
    let start = Instant::now();
    while tokio::time::timeout(
        Duration::from_millis(500),
        client.request(MATCH_SUBJECT, probe.clone().into()),
    )
    .await
    .map_or(true, |r| r.is_err())
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the matcher did not start"
        );
    }

    let sequential = payloads(SEQUENTIAL, 2);
    let mut times = Vec::with_capacity(SEQUENTIAL);
    for payload in &sequential {
        times.push(round_trip(&client, payload).await);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;

    let started = Instant::now();
    let clients = (0..CLIENTS).map(|i| {
        let client = client.clone();
        let work = payloads(PER_CLIENT, 10 + i as u64);
        async move {
            for payload in &work {
                round_trip(&client, payload).await;
            }
        }
    });
    join_all(clients).await;
    let rate = (CLIENTS * PER_CLIENT) as f64 / started.elapsed().as_secs_f64();
    let rss_mib = matcher.resident_kib().unwrap_or(0) as f64 / 1024.0;
    println!(
        "| {rows} | {:.2} | {:.2} | {rate:.0} | {rss_mib:.1} |",
        ms(times[SEQUENTIAL / 2]),
        ms(times[SEQUENTIAL * 99 / 100])
    );
    matcher.terminate();
}

#[tokio::main]
async fn main() {
    println!("| candidates | round trip p50 ms | round trip p99 ms | matches/s (8 clients) | matcher RSS MiB |");
    println!("|---:|---:|---:|---:|---:|");
    for rows in [10_000, 100_000, 1_000_000] {
        measure(rows).await;
    }
}
