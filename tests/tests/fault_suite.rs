//! Nothing lost, nothing twice, under crashes: simulated students and an operator work while
//! the server is SIGKILLed three times, the matcher once, and NATS is stopped for a while.
//! Every operation is retried until it has a definite answer (a real client's behaviour; a
//! match reuses its Idempotency-Key), so every one is acknowledged in the end. Then: each
//! student's final state is the last one acknowledged, points add up with nothing counted
//! twice, `audit` passes, and `check-matcher` finds the matcher equal to the server.

use comatching_tests::load::{definite, http, join};
use comatching_tests::nats::free_port;
use comatching_tests::process::{create_admin, matcher_args, server_args, Proc};
use comatching_tests::{profile, wait_until, NatsServer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Client;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

const STUDENTS: usize = 10;
/// A student's rounds at most; they stop earlier when the chaos is over.
const MAX_ROUNDS: usize = 400;
const DEADLINE: Duration = Duration::from_secs(90);

/// What a student was told, which the final state must show.
#[derive(Default, Debug)]
struct Expected {
    major: String,
    dont_pick_me: bool,
    spent: i64,
    matches: HashSet<String>,
}

async fn student(
    base: String,
    index: usize,
    pending: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
) -> (Client, Expected) {
    let client = http();
    let mut rng = StdRng::seed_from_u64(index as u64);
    let gender = if index.is_multiple_of(2) {
        "MALE"
    } else {
        "FEMALE"
    };
    let url = |path: &str| format!("{base}{path}");
    let email = format!("s{index}@load.ac.kr");
    join(&client, &base, &email, &format!("학생{index}"), DEADLINE).await;
    let mut expected = Expected::default();
    for round in 0..MAX_ROUNDS {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(10..40))).await;
        match rng.random_range(0..4) {
            0 | 1 => {
                expected.major = format!("학과{index}-{round}");
                let body = profile(gender, &expected.major, &format!("c{index}"));
                assert_eq!(
                    definite(DEADLINE, || client.put(url("/api/me/profile")).json(&body))
                        .await
                        .0,
                    200
                );
            }
            2 => {
                let amount = 1_000 * rng.random_range(1..=3);
                let body = json!({"amount": amount, "depositor_name": format!("입금{index}")});
                let (status, reply) =
                    definite(DEADLINE, || client.post(url("/api/charges")).json(&body)).await;
                if status == 201 {
                    pending
                        .lock()
                        .await
                        .push(reply["charge"]["id"].as_str().unwrap().to_owned());
                }
            }
            _ => {
                if !expected.major.is_empty() {
                    expected.dont_pick_me = rng.random_bool(0.3);
                    let body = json!({"dont_pick_me": expected.dont_pick_me});
                    assert_eq!(
                        definite(DEADLINE, || client.put(url("/api/me/pickable")).json(&body))
                            .await
                            .0,
                        200
                    );
                    let key = format!("s{index}-r{round}");
                    let (status, reply) = definite(DEADLINE, || {
                        client
                            .post(url("/api/matches"))
                            .header("idempotency-key", &key)
                            .json(&json!({}))
                    })
                    .await;
                    if status == 201 {
                        let m = &reply["match"];
                        expected.spent +=
                            m["price"].as_i64().unwrap() - m["refunded"].as_i64().unwrap();
                        assert!(
                            expected
                                .matches
                                .insert(m["id"].as_str().unwrap().to_owned()),
                            "a match was answered twice"
                        );
                    }
                }
            }
        }
    }
    (client, expected)
}

/// Approves every pending charge it is told of, until told to stop; returns what it approved.
async fn operator(
    base: String,
    pending: Arc<Mutex<Vec<String>>>,
    done: Arc<tokio::sync::Notify>,
) -> HashSet<String> {
    let client = http();
    let login = json!({"email": "boss@load.ac.kr", "password": "boss-password"});
    assert_eq!(
        definite(DEADLINE, || client
            .post(format!("{base}/api/auth/login"))
            .json(&login))
        .await
        .0,
        200
    );
    let mut approved = HashSet::new();
    loop {
        let next = pending.lock().await.pop();
        match next {
            Some(id) => {
                let (status, _) = definite(DEADLINE, || {
                    client.post(format!("{base}/api/ops/charges/{id}/approve"))
                })
                .await;
                assert_eq!(status, 200, "approve {id}");
                approved.insert(id);
            }
            None => tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
                () = done.notified() => {
                    if pending.lock().await.is_empty() {
                        return approved;
                    }
                }
            },
        }
    }
}

fn server(nats: &NatsServer, data: &Path, port: u16, log: PathBuf) -> Proc {
    let extra = [
        "--match-timeout-ms",
        "1500",
        "--rate-match-per-minute",
        "1000",
    ];
    Proc::spawn(
        "comatching-server",
        &server_args(&nats.url(), data, port, &extra),
        &log,
    )
}

fn matcher(nats: &NatsServer, data: &Path, log: PathBuf) -> Proc {
    Proc::spawn(
        "comatching-matcher",
        &matcher_args(&nats.url(), data, "fault", &[]),
        &log,
    )
}

fn cli(args: &[String]) -> (bool, String) {
    Proc::run("comatching-server", args, "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_and_outages_lose_nothing_and_count_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (data, matcher_data) = (dir.path().join("server"), dir.path().join("matcher"));
    let data_arg = data.display().to_string();
    create_admin(&data, "boss@load.ac.kr", "boss-password");
    let mut nats = NatsServer::start();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server_proc = Some(server(&nats, &data, port, dir.path().join("server-0.log")));
    let mut matcher_proc = Some(matcher(
        &nats,
        &matcher_data,
        dir.path().join("matcher-0.log"),
    ));
    wait_until("the server", DEADLINE, || async {
        reqwest::get(format!("{base}/healthz")).await.ok().map(drop)
    })
    .await;

    let pending = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(tokio::sync::Notify::new());
    let operator_task = tokio::spawn(operator(base.clone(), pending.clone(), done.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let students: Vec<_> = (0..STUDENTS)
        .map(|i| tokio::spawn(student(base.clone(), i, pending.clone(), stop.clone())))
        .collect();

    // Chaos while they work.
    let mut rng = StdRng::seed_from_u64(99);
    for crash in 1..=3 {
        tokio::time::sleep(Duration::from_millis(rng.random_range(300..900))).await;
        assert!(
            students.iter().any(|s| !s.is_finished()),
            "crash {crash} came after the load ended"
        );
        server_proc.take().unwrap().kill();
        server_proc = Some(server(
            &nats,
            &data,
            port,
            dir.path().join(format!("server-{crash}.log")),
        ));
        if crash == 2 {
            matcher_proc.take().unwrap().kill();
            matcher_proc = Some(matcher(
                &nats,
                &matcher_data,
                dir.path().join("matcher-1.log"),
            ));
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    nats.stop();
    tokio::time::sleep(Duration::from_millis(800)).await;
    nats.restart();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        students.iter().any(|s| !s.is_finished()),
        "the NATS outage came after the load ended"
    );
    stop.store(true, Ordering::Relaxed);

    let mut results = Vec::new();
    for task in students {
        results.push(task.await.expect("student"));
    }
    done.notify_one();
    let approved = loop {
        done.notify_one();
        if operator_task.is_finished() {
            break operator_task.await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // Every acknowledged operation is there, and none counts twice.
    let operator_client = http();
    let login = json!({"email": "boss@load.ac.kr", "password": "boss-password"});
    definite(DEADLINE, || {
        operator_client
            .post(format!("{base}/api/auth/login"))
            .json(&login)
    })
    .await;
    for (client, expected) in &results {
        let (_, me) = definite(DEADLINE, || client.get(format!("{base}/api/me"))).await;
        if !expected.major.is_empty() {
            assert_eq!(me["profile"]["major"], expected.major.as_str(), "{me}");
            assert_eq!(me["dont_pick_me"], expected.dont_pick_me, "{me}");
        }
        let (_, charges) =
            definite(DEADLINE, || client.get(format!("{base}/api/me/charges"))).await;
        let credited: i64 = charges
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| approved.contains(c["id"].as_str().unwrap()))
            .map(|c| c["amount"].as_i64().unwrap())
            .sum();
        let (_, matches) = definite(DEADLINE, || client.get(format!("{base}/api/matches"))).await;
        let ids: HashSet<String> = matches
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            ids, expected.matches,
            "the matches a student was told of, exactly once each"
        );
        let (_, points) = definite(DEADLINE, || {
            client.get(format!("{base}/api/me/points?limit=100"))
        })
        .await;
        assert_eq!(
            points["balance"].as_i64().unwrap(),
            credited - expected.spent,
            "{points}"
        );
    }
    let total_matches: usize = results.iter().map(|(_, e)| e.matches.len()).sum();
    assert!(
        total_matches > 0 && !approved.is_empty(),
        "the load did too little to prove anything"
    );

    // The matcher ends equal to the server, and the ledger checks out.
    wait_until("the outbox to drain", DEADLINE, || async {
        let ready = reqwest::get(format!("{base}/readyz"))
            .await
            .ok()?
            .json::<Value>()
            .await
            .ok()?;
        (ready["outbox"] == 0).then_some(())
    })
    .await;
    let table_file = matcher_data.join("features.bin").display().to_string();
    let check = [
        "check-matcher",
        "--matcher-file",
        &table_file,
        "--data-dir",
        &data_arg,
    ]
    .map(str::to_owned);
    let report = wait_until("the matcher to equal the server", DEADLINE, || async {
        let (ok, report) = cli(&check);
        ok.then_some(report)
    })
    .await;
    assert!(report.contains("0 differences"), "{report}");
    server_proc.take().unwrap().terminate();
    matcher_proc.take().unwrap().terminate();
    let (ok, audit) = cli(&["audit", "--data-dir", &data_arg].map(str::to_owned));
    assert!(ok && audit.contains("0 violations"), "{audit}");
}
