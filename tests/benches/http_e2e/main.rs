//! The whole system over HTTP at 100,000 users (release binaries, real nats-server with
//! production's `sync_interval: always`): how soon the matcher holds every seeded user,
//! `GET /api/me` requests/s, `POST /api/matches` as fast as 8 clients can ask and paced at
//! 1,000/s (latency from the scheduled send), each process's CPU per match, 10,000 profile
//! changes end to end and the matcher's CPU per change, how soon one change is visible, each
//! process's peak memory (VmHWM), and where a match's time goes beside the NATS and fsync
//! floors measured in the same run. Each layout runs [`DEFAULT_RUNS`] times from scratch and the report gives min,
//! median and max: on every core with one nats-server (R1), with nats-server, server and
//! matcher pinned to one core (`taskset`) as on a 1-vCPU VM, and on a three-node NATS cluster
//! with the `USERS` stream at three replicas (R3), where the server also backs up into the
//! cluster and restoring that backup is timed. Run by `scripts/bench.sh`;
//! `HTTP_E2E_LAYOUTS=all-cores,cluster` runs only those, `HTTP_E2E_RUNS=1` once each.

mod load;
mod probes;
mod report;

use comatching_tests::cluster::NatsCluster;
use comatching_tests::nats::free_port;
use comatching_tests::process::{
    cpu_ticks, create_admin, matcher_args, server_args, status_kib, Proc,
};
use comatching_tests::NatsServer;
use load::Student;
use report::{labels, Run};
use std::path::Path;
use std::time::{Duration, Instant};

const USERS: usize = 100_000;
/// Runs of each layout, each from an empty data dir.
const DEFAULT_RUNS: usize = 3;
/// Students in the closed loop, and (the next as many) in the paced run.
const STUDENTS: usize = 200;
/// One-at-a-time profile changes timed until visible in the matcher.
const VISIBLE_ROUNDS: usize = 200;
/// Seconds between the server's backups into the cluster (the recovery point).
const BACKUP_EVERY_SECS: &str = "20";

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

/// The broker a run uses: one server or a cluster.
enum Broker {
    One(NatsServer),
    Three(NatsCluster),
}

impl Broker {
    fn start(layout: Layout, dir: &Path) -> Self {
        match layout {
            Layout::Cluster => Self::Three(NatsCluster::start(&dir.join("nats"))),
            _ => Self::One(NatsServer::start()),
        }
    }

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
    let runs = std::env::var("HTTP_E2E_RUNS")
        .ok()
        .map_or(DEFAULT_RUNS, |n| {
            n.parse().expect("HTTP_E2E_RUNS is a count")
        });
    for (layout, name, title) in Layout::ALL {
        if wanted.is_empty() || wanted.split(',').any(|w| w == name) {
            println!("### {title}\n");
            let mut results = Vec::with_capacity(runs);
            for _ in 0..runs {
                results.push(run(layout).await);
            }
            report::print(&results);
            println!();
        }
    }
}

/// The system as one run starts it: seeded data, broker, server and matcher.
struct System {
    dir: tempfile::TempDir,
    nats: Broker,
    server: Proc,
    matcher: Proc,
    base: String,
    server_metrics: String,
    matcher_metrics: String,
}

/// Seeds [`USERS`] demo users into a new data dir (timed into `run`) and starts everything.
fn start(layout: Layout, run: &mut Run) -> System {
    let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).unwrap();
    let data = dir.path().join("server");
    let data_arg = data.display().to_string();
    let seeded = Instant::now();
    let demo = [
        "demo",
        "--users",
        &USERS.to_string(),
        "--data-dir",
        &data_arg,
    ];
    let (ok, out) = Proc::run("comatching-server", &demo.map(str::to_owned), "");
    assert!(ok, "{out}");
    run.add("users seeded (demo), s", seeded.elapsed().as_secs_f64(), 1);
    create_admin(&data, "bench@bench.kr", "bench-password");
    let nats = Broker::start(layout, dir.path());
    let (port, server_port, matcher_port) = (free_port(), free_port(), free_port());
    let server_metrics = format!("127.0.0.1:{server_port}");
    let matcher_metrics = format!("127.0.0.1:{matcher_port}");
    let mut flags = vec![
        "--rate-address-per-minute",
        "100000000",
        "--rate-login-per-minute",
        "100000",
        "--rate-match-per-minute",
        "100000",
        "--match-limit",
        "1000000",
        "--metrics-addr",
        &server_metrics,
    ];
    if layout == Layout::Cluster {
        flags.extend([
            "--stream-replicas",
            "3",
            "--backup-every",
            BACKUP_EVERY_SECS,
        ]);
        flags.extend(["--backup-keep", "1"]);
    }
    let server = Proc::spawn(
        "comatching-server",
        &server_args(&nats.urls(), &data, port, &flags),
        &dir.path().join("server.log"),
    );
    let matcher_flags = ["--metrics-addr", matcher_metrics.as_str()];
    let matcher = Proc::spawn(
        "comatching-matcher",
        &matcher_args(
            &nats.urls(),
            &dir.path().join("matcher"),
            "bench",
            &matcher_flags,
        ),
        &dir.path().join("matcher.log"),
    );
    if layout == Layout::OneCore {
        for pid in nats.pids().into_iter().chain([server.id(), matcher.id()]) {
            pin(pid);
        }
    }
    System {
        dir,
        nats,
        server,
        matcher,
        base: format!("http://127.0.0.1:{port}"),
        server_metrics,
        matcher_metrics,
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

/// Waits until the matcher holds every seeded user; the time since the start, in s.
async fn synced_s(system: &System) -> f64 {
    let started = Instant::now();
    let rows = format!("matcher_table_rows {USERS}");
    while !probes::metrics_text_or_empty(&system.matcher_metrics)
        .await
        .contains(&rows)
    {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the sync took too long"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    started.elapsed().as_secs_f64()
}

/// One run of `layout` from an empty data dir: every figure, in report order.
async fn run(layout: Layout) -> Run {
    let mut run = Run::default();
    let system = start(layout, &mut run);
    let sync_s = synced_s(&system).await;
    run.add("matcher in sync with every seeded user, s", sync_s, 1);
    run.add(
        "profile changes end to end in the initial sync (accepted → applied in the matcher's durable file), /s",
        USERS as f64 / sync_s,
        0,
    );
    let base = system.base.as_str();
    let me = load::login(base, "demo00000@demo.comatching.kr", "demo-password").await;
    run.add(
        format!("GET /api/me, {} connections, requests/s", load::ME_CLIENTS),
        load::me_rate(base, me).await,
        0,
    );
    let admin = load::login(base, "bench@bench.kr", "bench-password").await;
    let closed = load::funded_students(base, &admin, 1..1 + STUDENTS).await;
    let steady = load::funded_students(base, &admin, 1 + STUDENTS..1 + 2 * STUDENTS).await;
    matches(&system, &mut run, &closed, &steady).await;
    changes(&system, &mut run, &closed).await;
    memory(&system, &mut run);
    if layout == Layout::Cluster {
        let restore_s = restore_from_cluster(&system.nats.urls(), system.dir.path()).await;
        run.add(
            format!("restore of the newest backup in the cluster (`restore --from-nats`, {USERS} users; a backup every {BACKUP_EVERY_SECS} s), s"),
            restore_s,
            1,
        );
    }
    let replicas = if layout == Layout::Cluster { 3 } else { 1 };
    floors(&system, &mut run, replicas).await;
    system.server.terminate();
    system.matcher.terminate();
    run
}

/// The closed loop and the paced run, with the server's stage timings of the paced one.
async fn matches(system: &System, run: &mut Run, closed: &[Student], steady: &[Student]) {
    let base = system.base.as_str();
    let clients = load::MATCH_CLIENTS;
    let processes = closed_loop_processes(system);
    let ticks_before = processes.each_ref().map(|(_, pids)| total_ticks(pids));
    let fastest = load::closed_loop(base, closed).await;
    let ticks_after = processes.each_ref().map(|(_, pids)| total_ticks(pids));
    let rate = fastest.latencies.len() as f64 / load::PHASE.as_secs_f64();
    let phase = format!("POST /api/matches, {clients} clients closed loop");
    run.add(format!("{phase}, matches/s"), rate, 0);
    add_latencies(run, &phase, &fastest);
    let matched = fastest.latencies.len().max(1) as f64;
    for (((name, _), before), after) in processes.iter().zip(ticks_before).zip(ticks_after) {
        let cpu_ms = (after - before) as f64 / probes::ticks_per_second() * 1_000.0 / matched;
        run.add(format!("{phase}, CPU per match: {name}, ms"), cpu_ms, 3);
    }
    let before = probes::metrics_text(&system.server_metrics).await;
    let scoring_before = probes::metrics_text(&system.matcher_metrics).await;
    let paced = load::paced(base, steady).await;
    let after = probes::metrics_text(&system.server_metrics).await;
    let scoring_after = probes::metrics_text(&system.matcher_metrics).await;
    let phase = format!(
        "POST /api/matches paced at {}/s (latency from the scheduled send)",
        load::PACED_RATE
    );
    add_latencies(run, &phase, &paced);
    let stage = |text: &str, name: &str| {
        probes::histogram(
            text,
            "match_stage_seconds",
            &format!("{{stage=\"{name}\"}}"),
        )
    };
    for (label, name) in [
        (labels::LOCK, "lock"),
        (labels::ASK, "ask"),
        (labels::RECORD, "record"),
    ] {
        run.add(
            label,
            probes::mean_ms(stage(&before, name), stage(&after, name)),
            2,
        );
    }
    let whole = |text: &str| {
        let route = "{route=\"/api/matches\"}";
        probes::histogram(text, "http_request_duration_seconds", route)
    };
    run.add(
        labels::IN_SERVER,
        probes::mean_ms(whole(&before), whole(&after)),
        2,
    );
    for (label, metric) in [
        (
            "writer: one batch's transaction, mean ms",
            "db_batch_seconds",
        ),
        ("flusher: one flush, mean ms", "db_flush_seconds"),
    ] {
        let (b, a) = (
            probes::histogram(&before, metric, ""),
            probes::histogram(&after, metric, ""),
        );
        run.add(label, probes::mean_ms(b, a), 2);
    }
    let scoring = |text: &str| probes::histogram(text, "matcher_scoring_seconds", "");
    run.add(
        labels::FLOOR_SCORING,
        probes::mean_ms(scoring(&scoring_before), scoring(&scoring_after)),
        2,
    );
}

/// The processes whose CPU a closed-loop match is shared out over, by name.
fn closed_loop_processes(system: &System) -> [(&'static str, Vec<u32>); 4] {
    [
        ("server", vec![system.server.id()]),
        ("matcher", vec![system.matcher.id()]),
        ("nats-server", system.nats.pids()),
        ("load generator (this bench)", vec![std::process::id()]),
    ]
}

/// The CPU time the processes `pids` have used so far, in clock ticks.
fn total_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .map(|&pid| cpu_ticks(pid).expect("a running process's CPU time"))
        .sum()
}

/// A phase's p50 and p99 and how many of its requests were answered 503 instead.
fn add_latencies(run: &mut Run, phase: &str, outcomes: &load::Outcomes) {
    run.add(format!("{phase}, p50 ms"), outcomes.percentile_ms(50), 2);
    run.add(format!("{phase}, p99 ms"), outcomes.percentile_ms(99), 2);
    let unavailable = outcomes.unavailable as f64;
    run.add(
        format!("{phase}, answered 503 (nothing charged)"),
        unavailable,
        0,
    );
}

/// The burst of profile changes (rate and the matcher's CPU per change), then single
/// changes until visible.
async fn changes(system: &System, run: &mut Run, students: &[Student]) {
    let matcher = system.matcher.id();
    let ticks_before = cpu_ticks(matcher).expect("the matcher's CPU time");
    let burst = load::profile_changes(&system.base, &system.matcher_metrics, students).await;
    let ticks = cpu_ticks(matcher).expect("the matcher's CPU time") - ticks_before;
    let changes = load::CHANGES as f64;
    let (count, clients) = (load::CHANGES, load::CHANGE_CLIENTS);
    run.add(
        format!("{count} profile changes from {clients} clients, accepted by the server (200), /s"),
        changes / burst.accepted.as_secs_f64(),
        0,
    );
    run.add(
        "the same, end to end (accepted → in the matcher's durable file), /s",
        changes / burst.applied.as_secs_f64(),
        0,
    );
    let cpu_ms = ticks as f64 / probes::ticks_per_second() * 1_000.0 / changes;
    run.add(
        "matcher CPU per profile change in that burst, ms",
        cpu_ms,
        3,
    );
    let mut visible = load::change_visible(
        &system.base,
        &system.matcher_metrics,
        &students[0],
        VISIBLE_ROUNDS,
    )
    .await;
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    let p99 = visible[visible.len() * 99 / 100];
    run.add(
        "one profile change visible in the matcher, p50 ms",
        probes::p50_ms(&mut visible),
        2,
    );
    run.add(
        "one profile change visible in the matcher, p99 ms",
        ms(p99),
        2,
    );
}

/// Each process's peak resident memory through the whole run (VmHWM), in MiB.
fn memory(system: &System, run: &mut Run) {
    let peak = |pid: u32| status_kib(pid, "VmHWM:").unwrap_or(0) as f64 / 1024.0;
    let server = peak(system.server.id());
    let matcher = peak(system.matcher.id());
    let nats: f64 = system.nats.pids().into_iter().map(peak).sum();
    run.add("server peak resident memory (VmHWM), MiB", server, 1);
    run.add("matcher peak resident memory (VmHWM), MiB", matcher, 1);
    run.add(
        "nats-server peak resident memory (VmHWM, all nodes), MiB",
        nats,
        1,
    );
    run.add("all three, peaks added, MiB", server + matcher + nats, 1);
}

/// The floors measured in this run, on this run's broker and disk.
async fn floors(system: &System, run: &mut Run, replicas: usize) {
    let urls = system.nats.urls();
    run.add(
        format!(
            "floor: JetStream publishes into a stream like USERS (R{replicas}, window of {}), /s",
            comatching_server::broker::relay::WINDOW
        ),
        probes::jetstream_publishes_per_s(&urls, replicas).await,
        0,
    );
    run.add(
        labels::FLOOR_NATS,
        probes::nats_round_trip_ms(&system.nats.urls()).await,
        3,
    );
    run.add(labels::FLOOR_FSYNC, probes::fsync_ms(system.dir.path()), 3);
}

/// Waits for the server's backup in the cluster, then times `restore --from-nats` of it into
/// an empty directory (as on a replacement machine); seconds.
async fn restore_from_cluster(urls: &str, dir: &Path) -> f64 {
    let target = dir.join("restored");
    let args = ["restore", "--from-nats", "--nats-url", urls, "--data-dir"];
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.push(target.display().to_string());
    let waited = Instant::now();
    loop {
        let started = Instant::now();
        let (ok, report) = Proc::run("comatching-server", &args, "");
        if ok {
            return started.elapsed().as_secs_f64();
        }
        assert!(waited.elapsed() < Duration::from_secs(120), "{report}");
        let _ = std::fs::remove_dir_all(&target);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}
