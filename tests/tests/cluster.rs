//! Past one machine: a three-node JetStream cluster (R3), one server and two matchers, all
//! real processes on loopback. Under a steady stream of profile changes and matches, the
//! `USERS` stream's leader is SIGKILLed, then a matcher; both come back. Then: every
//! acknowledged profile change reached both matchers (`check-matcher` finds each equal to the
//! server), no match was charged twice or lost (each student's matches are exactly the ones
//! answered 201, the balance is the bonus less what they cost, `audit` is clean), and each
//! match that failed during the failover charged nothing. The figures are printed: how long
//! no publish was acknowledged (a probe publishing every 10 ms to its own R3 stream, led by
//! the same node), and how
//! many matches failed. Last, a node's store is deleted while it is down: it rejoins and
//! catches up (the cluster reports its replica current, nothing behind).

use async_nats::jetstream;
use comatching_tests::cluster::NatsCluster;
use comatching_tests::load::{definite, http, join};
use comatching_tests::nats::free_port;
use comatching_tests::process::{create_admin, matcher_args, server_args, Proc};
use comatching_tests::{profile, wait_until};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const STUDENTS: usize = 8;
/// Synthetic students seeded before the start, for the students to be matched with.
const CANDIDATES: &str = "2000";
const DEADLINE: Duration = Duration::from_secs(120);
/// Every student starts with this many points (the sign-up bonus, at its most): no charges
/// needed, and at [`PRICE`] enough for every match however long the run.
const BONUS: i64 = 100_000;
/// What a match costs here.
const PRICE: &str = "1";
/// Matches a student may make: more than any run makes, so matching goes on to the end.
const MATCH_LIMIT: &str = "1000000";
/// The probe publishes this often.
const PROBE_EVERY: Duration = Duration::from_millis(10);
/// Acknowledged probe publishes after the restarts that show the cluster writes again.
const RECOVERED_ACKS: usize = 50;
/// Matches made after the restarts that show matching works again.
const RECOVERED_MATCHES: usize = 8;
/// Times the probe stream's leader is asked to step down to land on the `USERS` leader's node.
const STEPDOWN_TRIES: usize = 30;

/// What a student was told, which the final state must show.
#[derive(Default, Debug)]
struct Outcome {
    major: String,
    spent: i64,
    matches: HashSet<String>,
    failed_matches: usize,
}

/// How far the students are: the chaos starts once all have joined and matches are made.
#[derive(Default)]
struct Progress {
    joined: AtomicUsize,
    matches: AtomicUsize,
}

/// The two tests each start a cluster and load it: one at a time on a small machine.
static ONE_CLUSTER_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn student(
    base: String,
    index: usize,
    stop: Arc<AtomicBool>,
    progress: Arc<Progress>,
) -> (reqwest::Client, Outcome) {
    let client = http();
    let mut rng = StdRng::seed_from_u64(20 + index as u64);
    let gender = if index.is_multiple_of(2) {
        "MALE"
    } else {
        "FEMALE"
    };
    let url = |path: &str| format!("{base}{path}");
    let email = format!("c{index}@cluster.ac.kr");
    join(
        &client,
        &base,
        &email,
        &format!("클러스터{index}"),
        DEADLINE,
    )
    .await;
    progress.joined.fetch_add(1, Ordering::Relaxed);
    let mut outcome = Outcome::default();
    let mut round = 0;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        tokio::time::sleep(Duration::from_millis(rng.random_range(20..60))).await;
        if outcome.major.is_empty() || rng.random_bool(0.6) {
            outcome.major = format!("학과{index}-{round}");
            let body = profile(gender, &outcome.major, &format!("c{index}"));
            let (status, _) =
                definite(DEADLINE, || client.put(url("/api/me/profile")).json(&body)).await;
            assert_eq!(status, 200, "profile");
            continue;
        }
        // A match is asked once: a failure must have charged nothing.
        let sent = client
            .post(url("/api/matches"))
            .header("idempotency-key", format!("c{index}-r{round}"))
            .json(&json!({}))
            .send()
            .await;
        let Ok(response) = sent else {
            outcome.failed_matches += 1;
            continue;
        };
        let status = response.status();
        let reply: Value = response.json().await.unwrap_or(Value::Null);
        if status == 201 {
            let m = &reply["match"];
            outcome.spent += m["price"].as_i64().unwrap() - m["refunded"].as_i64().unwrap();
            progress.matches.fetch_add(1, Ordering::Relaxed);
            assert!(
                outcome.matches.insert(m["id"].as_str().unwrap().to_owned()),
                "answered twice"
            );
        } else if status.is_server_error() {
            outcome.failed_matches += 1;
        }
    }
    (client, outcome)
}

/// The probe's own R3 stream, led by the same node as `USERS` (asked to step down until it
/// is), so losing that node is the failover the probe measures.
async fn probe_stream(urls: &str) {
    let client = async_nats::connect(servers(urls)).await.expect("connect");
    let js = jetstream::new(client.clone());
    let config = jetstream::stream::Config {
        name: "PROBE".into(),
        subjects: vec!["probe".into()],
        num_replicas: 3,
        max_messages: 1_000,
        ..Default::default()
    };
    wait_until("the probe stream", DEADLINE, || async {
        js.get_or_create_stream(config.clone()).await.ok().map(drop)
    })
    .await;
    let leader = |name: &'static str| {
        let js = js.clone();
        async move {
            js.get_stream(name)
                .await
                .ok()?
                .info()
                .await
                .ok()?
                .cluster
                .clone()?
                .leader
        }
    };
    for _ in 0..STEPDOWN_TRIES {
        let (users, probe) = (leader("USERS").await, leader("PROBE").await);
        if users.is_some() && users == probe {
            return;
        }
        let _ = client
            .request("$JS.API.STREAM.LEADER.STEPDOWN.PROBE", "".into())
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the probe stream never came to the USERS stream's leader");
}

/// When each probe publish was acknowledged, in order; read while the probe runs.
type Acked = Arc<std::sync::Mutex<Vec<Instant>>>;

/// Publishes to the probe stream every [`PROBE_EVERY`] until `stop`, noting in `acked` when
/// each publish was acknowledged.
async fn probe(urls: String, stop: Arc<AtomicBool>, acked: Acked) {
    let client = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .connect(servers(&urls))
        .await
        .expect("the probe connects");
    let js = jetstream::new(client);
    while !stop.load(Ordering::Relaxed) {
        let publish = async { js.publish("probe", "x".into()).await.ok()?.await.ok() };
        if tokio::time::timeout(Duration::from_secs(1), publish)
            .await
            .ok()
            .flatten()
            .is_some()
        {
            acked.lock().unwrap().push(Instant::now());
        }
        tokio::time::sleep(PROBE_EVERY).await;
    }
}

/// The nodes' URLs, one each (as the services split `--nats-url`).
fn servers(urls: &str) -> Vec<String> {
    urls.split(',').map(str::to_owned).collect()
}

/// The longest time without an acknowledged publish after `from`.
fn longest_gap(acked: &[Instant], from: Instant) -> Duration {
    let mut last = from;
    let mut longest = Duration::ZERO;
    for &at in acked.iter().filter(|&&at| at > from) {
        longest = longest.max(at - last);
        last = at;
    }
    longest
}

/// The `USERS` stream as the cluster reports it (its leader, replicas, state); `None` while
/// the cluster cannot answer (a node just killed or back, a leader being elected).
async fn users_stream(urls: &str) -> Option<jetstream::stream::Info> {
    let client = async_nats::connect(servers(urls)).await.ok()?;
    let mut stream = jetstream::new(client).get_stream("USERS").await.ok()?;
    stream.info().await.ok().cloned()
}

/// [`users_stream`], waiting until the cluster answers.
async fn users_stream_now(urls: &str) -> jetstream::stream::Info {
    wait_until("the USERS stream's info", DEADLINE, || users_stream(urls)).await
}

fn server(urls: &str, data: &Path, port: u16, log: &Path) -> Proc {
    let bonus = BONUS.to_string();
    let extra = [
        "--stream-replicas",
        "3",
        "--signup-bonus",
        &bonus,
        "--match-limit",
        MATCH_LIMIT,
        "--price-base",
        PRICE,
        "--match-timeout-ms",
        "1000",
        "--rate-match-per-minute",
        "1000",
        // Every student of the test comes from 127.0.0.1, for as long as the cluster needs.
        "--rate-address-per-minute",
        "1000000",
    ];
    Proc::spawn(
        "comatching-server",
        &server_args(urls, data, port, &extra),
        log,
    )
}

fn matcher(urls: &str, data: &Path, instance: &str, log: &Path) -> Proc {
    Proc::spawn(
        "comatching-matcher",
        &matcher_args(urls, data, instance, &[]),
        log,
    )
}

fn cli(args: &[&str]) -> (bool, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    Proc::run("comatching-server", &args, "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_stream_leader_and_a_matcher_loses_nothing() {
    let _alone = ONE_CLUSTER_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = NatsCluster::start(&dir.path().join("nats"));
    let urls = cluster.urls();
    let data = dir.path().join("server");
    let data_arg = data.display().to_string();
    // Candidates besides the students, so matching goes on for as long as the test runs (the
    // students alone run out of partners not matched before within seconds).
    let demo = ["demo", "--users", CANDIDATES, "--data-dir", &data_arg].map(str::to_owned);
    let (seeded, out) = Proc::run("comatching-server", &demo, "");
    assert!(seeded, "{out}");
    create_admin(&data, "boss@cluster.ac.kr", "boss-password");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log = |name: &str| dir.path().join(format!("{name}.log"));
    let server_proc = server(&urls, &data, port, &log("server"));
    let matcher_dirs = [dir.path().join("matcher-1"), dir.path().join("matcher-2")];
    let mut matchers: Vec<Option<Proc>> = matcher_dirs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            Some(matcher(
                &urls,
                d,
                &format!("m{}", i + 1),
                &log(&format!("matcher-{}", i + 1)),
            ))
        })
        .collect();
    wait_until("the server", DEADLINE, || async {
        reqwest::get(format!("{base}/healthz")).await.ok().map(drop)
    })
    .await;
    wait_until("the USERS stream with three replicas", DEADLINE, || async {
        (users_stream(&urls).await?.config.num_replicas == 3).then_some(())
    })
    .await;

    probe_stream(&urls).await;
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Acked::default();
    let probe_task = tokio::spawn(probe(urls.clone(), stop.clone(), acked.clone()));
    let progress = Arc::new(Progress::default());
    let students: Vec<_> = (0..STUDENTS)
        .map(|i| tokio::spawn(student(base.clone(), i, stop.clone(), progress.clone())))
        .collect();

    // The chaos, on a fixed schedule once the students are at work.
    wait_until("every student at work", DEADLINE, || async {
        let working = progress.joined.load(Ordering::Relaxed) == STUDENTS
            && progress.matches.load(Ordering::Relaxed) > 0;
        working.then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let leader = wait_until("a stream leader", DEADLINE, || async {
        users_stream(&urls).await?.cluster?.leader
    })
    .await;
    let leader = cluster.index_of(&leader);
    let killed_at = Instant::now();
    cluster.kill(leader);
    tokio::time::sleep(Duration::from_secs(3)).await;
    matchers[0].take().unwrap().kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.restart(leader);
    matchers[0] = Some(matcher(&urls, &matcher_dirs[0], "m1", &log("matcher-1b")));
    // The load goes on until the cluster has shown it recovered, however slow the machine:
    // publishes acknowledged and matches made again after both came back.
    let (restarted_at, matches_before) = (Instant::now(), progress.matches.load(Ordering::Relaxed));
    wait_until(
        "publishes acknowledged again after the restarts",
        DEADLINE,
        || async {
            let acked_since = acked
                .lock()
                .unwrap()
                .iter()
                .filter(|&&at| at > restarted_at)
                .count();
            (acked_since >= RECOVERED_ACKS).then_some(())
        },
    )
    .await;
    wait_until(
        "matches made again after the restarts",
        DEADLINE,
        || async {
            let matched_since = progress.matches.load(Ordering::Relaxed) - matches_before;
            (matched_since >= RECOVERED_MATCHES).then_some(())
        },
    )
    .await;
    assert!(
        students.iter().all(|s| !s.is_finished()),
        "the load ended early"
    );
    stop.store(true, Ordering::Relaxed);
    probe_task.await.unwrap();
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    let mut results = Vec::new();
    for task in students {
        results.push(task.await.expect("a student"));
    }

    let failover = longest_gap(&acked, killed_at);
    let failed: usize = results.iter().map(|(_, o)| o.failed_matches).sum();
    let made: usize = results.iter().map(|(_, o)| o.matches.len()).sum();
    println!(
        "cluster failover: no acknowledged publish for {} ms after SIGKILL of the stream leader ({}); \
         matches: {made} made, {failed} failed (each charged nothing)",
        failover.as_millis(),
        cluster.name(leader)
    );
    assert!(
        failover < Duration::from_secs(30),
        "failover took {failover:?}"
    );

    // Nothing lost, nothing twice.
    for (client, outcome) in &results {
        let (_, me) = definite(DEADLINE, || client.get(format!("{base}/api/me"))).await;
        assert_eq!(me["profile"]["major"], outcome.major.as_str(), "{me}");
        let (_, matches) = definite(DEADLINE, || client.get(format!("{base}/api/matches"))).await;
        let ids: HashSet<String> = matches
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, outcome.matches, "exactly the matches answered 201");
        let (_, points) = definite(DEADLINE, || {
            client.get(format!("{base}/api/me/points?limit=100"))
        })
        .await;
        assert_eq!(
            points["balance"].as_i64().unwrap(),
            BONUS - outcome.spent,
            "{points}"
        );
    }
    wait_until("the outbox to drain", DEADLINE, || async {
        let ready: Value = reqwest::get(format!("{base}/readyz"))
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (ready["outbox"] == 0).then_some(())
    })
    .await;
    for dir in &matcher_dirs {
        let file = dir.join("features.bin").display().to_string();
        let report = wait_until("a matcher to equal the server", DEADLINE, || async {
            let (ok, report) = cli(&[
                "check-matcher",
                "--matcher-file",
                &file,
                "--data-dir",
                &data_arg,
            ]);
            ok.then_some(report)
        })
        .await;
        assert!(report.contains("0 differences"), "{report}");
    }

    // A node whose store is gone rejoins and catches up.
    let lost = (leader + 1) % 3;
    cluster.kill(lost);
    cluster.wipe_store(lost);
    cluster.restart(lost);
    let name = cluster.name(lost).to_owned();
    let messages = users_stream_now(&urls).await.state.messages;
    wait_until("the wiped node to catch up", DEADLINE, || async {
        let info = users_stream(&urls).await?;
        let cluster_info = info.cluster?;
        let on_leader = cluster_info.leader.as_deref() == Some(name.as_str());
        let replica = cluster_info.replicas.iter().find(|r| r.name == name);
        let current = replica.is_some_and(|r| r.current && !r.offline && r.lag.unwrap_or(0) == 0);
        ((on_leader || current) && info.state.messages == messages).then_some(())
    })
    .await;

    for m in matchers.into_iter().flatten() {
        m.terminate();
    }
    server_proc.terminate();
    let (ok, audit) = cli(&["audit", "--data-dir", &data_arg]);
    assert!(ok && audit.contains("0 violations"), "{audit}");
}

/// The backups in the cluster's bucket, oldest first, as `(name, taken at ms)`.
async fn cluster_backups(urls: &str) -> Option<Vec<(String, i64)>> {
    use futures::StreamExt;
    let client = async_nats::connect(servers(urls)).await.ok()?;
    let bucket = jetstream::new(client)
        .get_object_store("comatching-backups")
        .await
        .ok()?;
    let mut list = bucket.list().await.ok()?;
    let mut found = Vec::new();
    while let Some(Ok(info)) = list.next().await {
        let at = info.name.strip_prefix("backup-")?.parse().ok()?;
        found.push((info.name, at));
    }
    found.sort();
    Some(found)
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.expect("a clock after 1970").as_millis() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_in_the_cluster_comes_back_on_an_empty_data_dir() {
    let _alone = ONE_CLUSTER_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats"));
    let urls = cluster.urls();
    let data = dir.path().join("server");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let log = |name: &str| dir.path().join(format!("{name}.log"));
    let backups = ["--backup-every", "5", "--backup-keep", "2"];
    let start_server = |data: &Path, name: &str| {
        let mut extra = vec!["--stream-replicas", "3", "--signup-bonus", "100000"];
        extra.extend(backups);
        Proc::spawn(
            "comatching-server",
            &server_args(&urls, data, port, &extra),
            &log(name),
        )
    };
    let server_proc = start_server(&data, "server");
    let matcher_dir = dir.path().join("matcher");
    let matcher_proc = matcher(&urls, &matcher_dir, "m1", &log("matcher"));
    let ready = || async {
        let ready: Value = reqwest::get(format!("{base}/readyz"))
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (ready["outbox"] == 0).then_some(())
    };
    wait_until("the server", DEADLINE, ready).await;

    let students: Vec<reqwest::Client> = (0..4).map(|_| http()).collect();
    for (i, client) in students.iter().enumerate() {
        let email = format!("b{i}@backup.ac.kr");
        join(client, &base, &email, &format!("백업{i}"), DEADLINE).await;
        let body = profile(
            if i % 2 == 0 { "MALE" } else { "FEMALE" },
            &format!("백업전{i}"),
            &format!("b{i}"),
        );
        let (status, _) = definite(DEADLINE, || {
            client.put(format!("{base}/api/me/profile")).json(&body)
        })
        .await;
        assert_eq!(status, 200);
    }
    let acknowledged_at = now_ms();
    wait_until("a backup after those changes", DEADLINE, || async {
        let list = cluster_backups(&urls).await?;
        list.iter()
            .any(|&(_, at)| at > acknowledged_at)
            .then_some(())
    })
    .await;
    // A change after that backup: on the stream, perhaps in no backup.
    let late = profile("MALE", "백업후", "b0");
    let (status, _) = definite(DEADLINE, || {
        students[0]
            .put(format!("{base}/api/me/profile"))
            .json(&late)
    })
    .await;
    assert_eq!(status, 200);
    wait_until("the late change on the stream", DEADLINE, ready).await;
    let killed_at = now_ms();
    server_proc.kill();
    let kept = cluster_backups(&urls).await.expect("the bucket");
    println!("cluster restore: killed at {killed_at}, backups {kept:?}");
    assert!(
        !kept.is_empty() && kept.len() <= 2,
        "the newest two are kept: {kept:?}"
    );
    let newest_at = kept.last().unwrap().1;

    // Another machine: an empty data directory, restored from the cluster.
    let restored = dir.path().join("server-restored");
    let (ok, report) = cli(&[
        "restore",
        "--from-nats",
        "--nats-url",
        &urls,
        "--data-dir",
        &restored.display().to_string(),
    ]);
    assert!(ok, "{report}");
    println!("cluster restore: {}", report.trim());
    let server_proc = start_server(&restored, "server-restored");
    wait_until("the restored server", DEADLINE, ready).await;
    let mut late_kept = false;
    for (i, client) in students.iter().enumerate() {
        let (status, me) = definite(DEADLINE, || client.get(format!("{base}/api/me"))).await;
        assert_eq!(status, 200, "the session came back too: {me}");
        let major = me["profile"]["major"].as_str().unwrap().to_owned();
        if i == 0 && major == "백업후" {
            late_kept = true;
        } else {
            assert_eq!(
                major,
                format!("백업전{i}"),
                "acknowledged before the backup"
            );
        }
    }
    println!(
        "cluster restore: the change made after the backup of {newest_at} was {}",
        if late_kept {
            "in it"
        } else {
            "lost (at most one interval)"
        }
    );
    let data_arg = restored.display().to_string();
    let file = matcher_dir.join("features.bin").display().to_string();
    let report = wait_until(
        "the matcher to equal the restored server",
        DEADLINE,
        || async {
            let (ok, report) = cli(&[
                "check-matcher",
                "--matcher-file",
                &file,
                "--data-dir",
                &data_arg,
            ]);
            (ok && report.contains("0 differences")).then_some(report)
        },
    )
    .await;
    assert!(report.contains("0 differences"), "{report}");
    matcher_proc.terminate();
    server_proc.terminate();
    let (ok, audit) = cli(&["audit", "--data-dir", &data_arg]);
    assert!(ok && audit.contains("0 violations"), "{audit}");
}
