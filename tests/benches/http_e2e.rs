//! The whole system over HTTP at 100,000 users (release binaries, real nats-server):
//! `GET /api/me` requests/s, `POST /api/matches` latency and rate, how soon a profile change is
//! visible in the matcher, and resident memory; once on every core, once with nats-server,
//! server and matcher all pinned to one core (`taskset`), as on a 1-vCPU VM, and once on a
//! three-node NATS cluster with the `USERS` stream at three replicas (R3), where the server
//! also backs up into the cluster and the time to restore that backup is measured. Run by
//! `scripts/bench.sh`; `HTTP_E2E_LAYOUTS=all-cores,cluster` runs only those.

use comatching_tests::cluster::NatsCluster;
use comatching_tests::nats::free_port;
use comatching_tests::process::{create_admin, matcher_args, resident_kib, server_args, Proc};
use comatching_tests::NatsServer;
use futures::future::join_all;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USERS: usize = 100_000;
const ME_CLIENTS: usize = 32;
const ME_SECONDS: u64 = 5;
const MATCH_CLIENTS: usize = 8;
/// Students who ask for matches (each up to the per-user match limit).
const MATCHERS: usize = 160;
const MATCHES_EACH: usize = 25;
/// The rate the latency is measured at (the target's throughput), and who asks then.
const PACED_RATE: u32 = 1_000;
const PACED_MATCHERS: usize = 120;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "{what} took too long"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn login(base: &str, email: &str, password: &str) -> reqwest::Client {
    let http = client();
    let reply = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200, "login {email}");
    http
}

/// Logs in the demo students `range` and gives each enough points for the match limit.
async fn funded_students(
    base: &str,
    admin: &reqwest::Client,
    range: std::ops::Range<usize>,
) -> Vec<reqwest::Client> {
    let mut students = Vec::with_capacity(range.len());
    for i in range {
        let http = login(
            base,
            &format!("demo{i:05}@demo.comatching.kr"),
            "demo-password",
        )
        .await;
        let me: serde_json::Value = http
            .get(format!("{base}/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = me["id"].as_str().unwrap();
        let fund = admin
            .post(format!("{base}/api/ops/users/{id}/points"))
            .json(&json!({"delta": 100_000, "reason": "bench"}))
            .send()
            .await
            .unwrap();
        assert_eq!(fund.status(), 200);
        students.push(http);
    }
    students
}

/// One match request; panics unless it is a match.
async fn request_match(base: &str, student: &reqwest::Client) {
    let response = student
        .post(format!("{base}/api/matches"))
        .json(&json!({"options": {"mbti": "EN", "age": "OLDER"}}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, 201, "{body}");
}

/// MATCH_CLIENTS clients asking back to back, each taking the next student: the most the
/// system does. Returns every latency, sorted.
async fn closed_loop(base: &str, students: Vec<reqwest::Client>) -> Vec<Duration> {
    let queue = Arc::new(std::sync::Mutex::new(students));
    let latencies = join_all((0..MATCH_CLIENTS).map(|_| {
        let queue = queue.clone();
        async move {
            let mut times = Vec::new();
            while let Some(student) = {
                let next = queue.lock().unwrap().pop();
                next
            } {
                for _ in 0..MATCHES_EACH {
                    let start = Instant::now();
                    request_match(base, &student).await;
                    times.push(start.elapsed());
                }
            }
            times
        }
    }))
    .await;
    let mut all: Vec<Duration> = latencies.into_iter().flatten().collect();
    all.sort();
    all
}

/// Requests sent on a fixed schedule of PACED_RATE a second, whatever the replies do (open
/// loop), round-robin over the students so no student has two in flight. Each latency counts
/// from the scheduled send time, so a stall is not hidden by sending later. Sorted.
///
/// A thread keeps the schedule: tokio's timer has millisecond resolution, so a request due
/// 0.1 ms from now would leave up to a millisecond late, and the lateness would count as the
/// system's latency. The thread sleeps with the OS's resolution (tens of microseconds).
async fn paced(base: &str, students: Vec<reqwest::Client>) -> Vec<Duration> {
    let total = students.len() * MATCHES_EACH;
    let interval = Duration::from_secs(1) / PACED_RATE;
    let runtime = tokio::runtime::Handle::current();
    let base = base.to_owned();
    let pacer = std::thread::spawn(move || {
        let start = Instant::now();
        let send = |i: usize| {
            let due = start + interval * u32::try_from(i).expect("a bounded run");
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let (student, base) = (students[i % students.len()].clone(), base.clone());
            runtime.spawn(async move {
                request_match(&base, &student).await;
                due.elapsed()
            })
        };
        (0..total).map(send).collect::<Vec<_>>()
    });
    let requests = tokio::task::spawn_blocking(move || pacer.join().expect("the pacer"))
        .await
        .expect("the pacer's join");
    let mut all: Vec<Duration> = join_all(requests)
        .await
        .into_iter()
        .map(|latency| latency.expect("a request task"))
        .collect();
    all.sort();
    all
}

/// The Prometheus text served at `url`.
async fn metrics_text(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// The value of sample `name` (labels included, as rendered) in `text`; 0 when absent.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// `(name, sum, count)` of each timing the server keeps of a match request: its stages
/// (`match_stage_seconds`), the writer's transactions and flushes, and the whole request.
async fn match_timings(server_metrics: &str) -> Vec<(String, f64, f64)> {
    let text = metrics_text(&format!("http://{server_metrics}/metrics")).await;
    let stages = ["lock", "reserve", "ask", "record"].map(|stage| {
        (
            stage,
            "match_stage_seconds",
            format!("{{stage=\"{stage}\"}}"),
        )
    });
    let others = [
        ("db_batch_seconds", "db_batch_seconds", String::new()),
        ("db_flush_seconds", "db_flush_seconds", String::new()),
        (
            "whole request in the server",
            "http_request_duration_seconds",
            "{route=\"/api/matches\"}".to_owned(),
        ),
    ];
    stages
        .into_iter()
        .chain(others)
        .map(|(label, metric, labels)| {
            let sum = sample(&text, &format!("{metric}_sum{labels}"));
            let count = sample(&text, &format!("{metric}_count{labels}"));
            (label.to_owned(), sum, count)
        })
        .collect()
}

/// Prints the mean of each timing between two [`match_timings`] snapshots.
fn print_timings(before: &[(String, f64, f64)], after: &[(String, f64, f64)]) {
    println!("| stage of POST /api/matches (paced run) | mean ms |");
    println!("|---|---:|");
    for ((stage, sum0, count0), (_, sum1, count1)) in before.iter().zip(after) {
        let count = (count1 - count0).max(1.0);
        println!("| {stage} | {:.2} |", (sum1 - sum0) / count * 1_000.0);
    }
}

/// Pins `pid` and all its threads to core 0.
fn pin(pid: u32) {
    let status = std::process::Command::new("taskset")
        .args(["-a", "-cp", "0", &pid.to_string()])
        .output()
        .expect("taskset");
    assert!(status.status.success(), "taskset {pid}");
}

async fn last_sequence(metrics_addr: &str) -> f64 {
    let text = metrics_text(&format!("http://{metrics_addr}/metrics")).await;
    sample(&text, "matcher_last_sequence")
}

/// Time from a profile change's 200 until the matcher's table contains it, `rounds` times.
async fn change_visible(base: &str, metrics_addr: &str, rounds: usize) -> Vec<Duration> {
    let student = login(base, "demo00001@demo.comatching.kr", "demo-password").await;
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let before = last_sequence(metrics_addr).await;
        let body = json!({"gender": "FEMALE", "birth_year": 2003, "mbti": "INFP", "major": format!("학과{round}"),
            "hobbies": ["독서"], "contact_frequency": "RARE", "contact": {"type": "KAKAO", "id": "demo_00001"}});
        let start = Instant::now();
        let reply = student
            .put(format!("{base}/api/me/profile"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        while last_sequence(metrics_addr).await <= before {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the change never reached the matcher"
            );
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        times.push(start.elapsed());
    }
    times.sort();
    times
}

/// Where the processes run and how NATS is laid out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    AllCores,
    OneCore,
    /// Three nats-server nodes, the stream at R3, backups into the cluster.
    Cluster,
}

impl Layout {
    const ALL: [(Layout, &'static str, &'static str); 3] = [
        (
            Layout::AllCores,
            "all-cores",
            "On every core (one nats-server, R1)",
        ),
        (
            Layout::OneCore,
            "one-core",
            "nats-server, server and matcher pinned to one core (taskset), as on a 1-vCPU VM",
        ),
        (
            Layout::Cluster,
            "cluster",
            "Three nats-server nodes, the USERS stream at R3, backups into the cluster, every core",
        ),
    ];
}

/// The broker a scenario runs on: one server or a cluster.
enum Broker {
    One(NatsServer),
    Three(NatsCluster),
}

impl Broker {
    fn urls(&self) -> String {
        match self {
            Self::One(nats) => nats.url(),
            Self::Three(cluster) => cluster.urls(),
        }
    }

    fn pids(&self) -> Vec<u32> {
        match self {
            Self::One(nats) => nats.pid().into_iter().collect(),
            Self::Three(cluster) => cluster.pids(),
        }
    }
}

#[tokio::main]
async fn main() {
    let wanted = std::env::var("HTTP_E2E_LAYOUTS").unwrap_or_default();
    for (layout, name, title) in Layout::ALL {
        if wanted.is_empty() || wanted.split(',').any(|w| w == name) {
            println!("### {title}\n");
            scenario(layout).await;
            println!();
        }
    }
}

async fn scenario(layout: Layout) {
    let one_core = layout == Layout::OneCore;
    let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).unwrap();
    let data = dir.path().join("server");
    let data_arg = data.display().to_string();
    let seeded = Instant::now();
    let (ok, out) = Proc::run(
        "comatching-server",
        &[
            "demo",
            "--users",
            &USERS.to_string(),
            "--data-dir",
            &data_arg,
        ]
        .map(str::to_owned),
        "",
    );
    assert!(ok, "{out}");
    let seed_s = seeded.elapsed().as_secs_f64();
    create_admin(&data, "bench@bench.kr", "bench-password");

    let nats = match layout {
        Layout::Cluster => Broker::Three(NatsCluster::start(&dir.path().join("nats"))),
        _ => Broker::One(NatsServer::start()),
    };
    let cluster_flags: &[&str] = if layout == Layout::Cluster {
        &[
            "--stream-replicas",
            "3",
            "--backup-every",
            "20",
            "--backup-keep",
            "1",
        ]
    } else {
        &[]
    };
    let (port, metrics_port, server_metrics_port) = (free_port(), free_port(), free_port());
    let server_metrics = format!("127.0.0.1:{server_metrics_port}");
    let base = format!("http://127.0.0.1:{port}");
    let mut loose = vec![
        "--rate-address-per-minute",
        "100000000",
        "--rate-login-per-minute",
        "1000",
        "--rate-match-per-minute",
        "100000",
        "--metrics-addr",
        &server_metrics,
    ];
    loose.extend(cluster_flags);
    let server = Proc::spawn(
        "comatching-server",
        &server_args(&nats.urls(), &data, port, &loose),
        &dir.path().join("server.log"),
    );
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let matcher_flags = matcher_args(
        &nats.urls(),
        &dir.path().join("matcher"),
        "bench",
        &["--metrics-addr", &metrics_addr],
    );
    let matcher = Proc::spawn(
        "comatching-matcher",
        &matcher_flags,
        &dir.path().join("matcher.log"),
    );
    if one_core {
        for pid in nats.pids().into_iter().chain([server.id(), matcher.id()]) {
            pin(pid);
        }
    }
    let synced = Instant::now();
    wait_for("the matcher to hold every user", async || {
        let Ok(response) = reqwest::get(format!("http://{metrics_addr}/metrics")).await else {
            return false;
        };
        response
            .text()
            .await
            .unwrap_or_default()
            .contains(&format!("matcher_table_rows {USERS}"))
    })
    .await;
    let sync_s = synced.elapsed().as_secs_f64();

    // GET /api/me from many connections at once.
    let me = Arc::new(login(&base, "demo00000@demo.comatching.kr", "demo-password").await);
    let served = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_secs(ME_SECONDS);
    join_all((0..ME_CLIENTS).map(|_| {
        let (me, served, base) = (me.clone(), served.clone(), base.clone());
        async move {
            while Instant::now() < until {
                let response = me.get(format!("{base}/api/me")).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.bytes().await.unwrap();
                served.fetch_add(1, Ordering::Relaxed);
            }
        }
    }))
    .await;
    let me_rate = served.load(Ordering::Relaxed) as f64 / ME_SECONDS as f64;

    // Matches: students with points, each asking until the limit. First as fast as
    // MATCH_CLIENTS clients can (the rate), then paced at the target rate (the latency).
    let admin = login(&base, "bench@bench.kr", "bench-password").await;
    let students = funded_students(&base, &admin, 0..MATCHERS).await;
    let started = Instant::now();
    let fastest = closed_loop(&base, students).await;
    let elapsed = started.elapsed().as_secs_f64();
    let students = funded_students(&base, &admin, MATCHERS..MATCHERS + PACED_MATCHERS).await;
    let timings_before = match_timings(&server_metrics).await;
    let paced = paced(&base, students).await;
    let timings_after = match_timings(&server_metrics).await;
    let visible = change_visible(&base, &metrics_addr, 200).await;
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    let mib = |pid: u32| resident_kib(pid).unwrap_or(0) as f64 / 1024.0;
    println!("| figure | value |");
    println!("|---|---:|");
    println!("| users (synthetic, demo seed) | {USERS} (seeded in {seed_s:.1} s; matcher in sync after {sync_s:.1} s) |");
    println!(
        "| profile changes end to end (server accepted → applied in the matcher's durable file), the initial sync | {:.0}/s |",
        USERS as f64 / sync_s
    );
    println!("| GET /api/me, {ME_CLIENTS} connections | {me_rate:.0} requests/s |");
    println!("| POST /api/matches, {MATCH_CLIENTS} clients as fast as they can, {} matches | {:.0} matches/s (p50 {:.2} ms, p99 {:.2} ms) |",
        fastest.len(), fastest.len() as f64 / elapsed, ms(fastest[fastest.len() / 2]), ms(fastest[fastest.len() * 99 / 100]));
    println!("| POST /api/matches paced at {PACED_RATE} matches/s, {} matches | p50 {:.2} ms, p99 {:.2} ms |",
        paced.len(), ms(paced[paced.len() / 2]), ms(paced[paced.len() * 99 / 100]));
    println!(
        "| profile change visible in the matcher | p50 {:.2} ms, p99 {:.2} ms |",
        ms(visible[visible.len() / 2]),
        ms(visible[visible.len() * 99 / 100])
    );
    let (server_mib, matcher_mib) = (mib(server.id()), mib(matcher.id()));
    let nats_mib: f64 = nats.pids().into_iter().map(mib).sum();
    println!("| server resident memory | {server_mib:.1} MiB |");
    println!("| matcher resident memory | {matcher_mib:.1} MiB |");
    println!("| nats-server resident memory (all nodes) | {nats_mib:.1} MiB |");
    let together = server_mib + matcher_mib + nats_mib;
    println!("| all three together | {together:.1} MiB |");
    println!();
    if layout == Layout::Cluster {
        restore_from_cluster(&nats.urls(), dir.path()).await;
    }
    print_timings(&timings_before, &timings_after);
    server.terminate();
    matcher.terminate();
}

/// Waits for the server's backup in the cluster, then times `restore --from-nats` of it into
/// an empty directory (as on a replacement machine).
async fn restore_from_cluster(urls: &str, dir: &std::path::Path) {
    let target = dir.join("restored");
    let args = ["restore", "--from-nats", "--nats-url", urls, "--data-dir"];
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.push(target.display().to_string());
    let started = Instant::now();
    let (ok, report) = loop {
        let (ok, report) = Proc::run("comatching-server", &args, "");
        if ok || started.elapsed() > Duration::from_secs(120) {
            break (ok, report);
        }
        let _ = std::fs::remove_dir_all(&target);
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    assert!(ok, "{report}");
    let line = report
        .lines()
        .find(|l| l.starts_with("restored"))
        .unwrap_or_default();
    println!("| restore from the cluster's newest backup at {USERS} users (`restore --from-nats`; a backup every 20 s, so at most 20 s of changes lost) | {line} |");
}
