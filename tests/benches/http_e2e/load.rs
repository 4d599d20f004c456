//! The load: demo students logged in and funded, and the phases that drive them — `GET
//! /api/me` from many connections, matches as fast as a few clients can ask, matches paced at
//! a fixed rate, and bursts of profile changes. Every phase runs for a set time, not a set
//! count, so a faster system is measured as long as a slower one.

use crate::probes;
use futures::future::join_all;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long each timed phase runs.
pub const PHASE: Duration = Duration::from_secs(20);
/// Connections asking `GET /api/me` at once.
pub const ME_CLIENTS: usize = 32;
/// Clients asking for matches back to back in the closed loop.
pub const MATCH_CLIENTS: usize = 8;
/// The rate the latency is measured at (the target's throughput).
pub const PACED_RATE: u32 = 1_000;
/// Clients sending profile changes at once.
pub const CHANGE_CLIENTS: usize = 32;
/// Profile changes in the burst whose end-to-end rate is measured.
pub const CHANGES: usize = 10_000;
/// Points each student gets: more than a phase's matches cost.
const FUNDS: i64 = 1_000_000;

/// A logged-in demo student and the profile they have.
#[derive(Clone)]
pub struct Student {
    pub http: reqwest::Client,
    pub profile: Value,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

/// A client with a fresh session. Every run logs in anew, and no phase lasts near the one
/// hour of idleness after which a session expires.
pub async fn login(base: &str, email: &str, password: &str) -> reqwest::Client {
    let http = client();
    comatching_tests::load::log_in(&http, base, email, password).await;
    http
}

/// Logs in the demo students `range`, gives each [`FUNDS`] points, and notes their profile.
pub async fn funded_students(
    base: &str,
    admin: &reqwest::Client,
    range: std::ops::Range<usize>,
) -> Vec<Student> {
    let mut students = Vec::with_capacity(range.len());
    for i in range {
        let email = format!("demo{i:05}@demo.comatching.kr");
        let http = login(base, &email, "demo-password").await;
        let me: Value = http
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
            .json(&json!({"delta": FUNDS, "reason": "bench"}))
            .send()
            .await
            .unwrap();
        assert_eq!(fund.status(), 200);
        students.push(Student {
            http,
            profile: me["profile"].clone(),
        });
    }
    students
}

/// `GET /api/me` from [`ME_CLIENTS`] connections for [`PHASE`]; requests a second.
pub async fn me_rate(base: &str, me: reqwest::Client) -> f64 {
    let served = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + PHASE;
    join_all((0..ME_CLIENTS).map(|_| {
        let (me, served) = (me.clone(), served.clone());
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
    served.load(Ordering::Relaxed) as f64 / PHASE.as_secs_f64()
}

/// One match request: true for a match, false for a 503 (the server shed it as `OVERLOADED`,
/// or no matcher answered in time: nothing charged either way); panics on anything else.
async fn request_match(base: &str, student: &reqwest::Client) -> bool {
    let response = student
        .post(format!("{base}/api/matches"))
        .json(&json!({"options": {"mbti": "EN", "age": "OLDER"}}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert!(status == 201 || status == 503, "{status}: {body}");
    status == 201
}

/// The latencies of the matches of a phase, sorted, and how many requests were answered 503.
pub struct Outcomes {
    pub latencies: Vec<Duration>,
    pub unavailable: usize,
}

impl Outcomes {
    fn of(results: impl IntoIterator<Item = (bool, Duration)>) -> Self {
        let (mut latencies, mut unavailable) = (Vec::new(), 0);
        for (matched, latency) in results {
            if matched {
                latencies.push(latency);
            } else {
                unavailable += 1;
            }
        }
        assert!(!latencies.is_empty(), "not one match in the phase");
        latencies.sort();
        Self {
            latencies,
            unavailable,
        }
    }

    /// The latency at `percent` of the matches, in ms.
    pub fn percentile_ms(&self, percent: usize) -> f64 {
        let at = self.latencies.len() * percent / 100;
        self.latencies[at.min(self.latencies.len() - 1)].as_secs_f64() * 1_000.0
    }
}

/// [`MATCH_CLIENTS`] clients asking back to back for [`PHASE`], each through its own share
/// of the students in turn (so no student has two requests at once): the most the system
/// does.
pub async fn closed_loop(base: &str, students: &[Student]) -> Outcomes {
    assert!(students.len() >= MATCH_CLIENTS, "a student per client");
    let until = Instant::now() + PHASE;
    let latencies = join_all((0..MATCH_CLIENTS).map(|client| async move {
        let mine: Vec<&Student> = students
            .iter()
            .skip(client)
            .step_by(MATCH_CLIENTS)
            .collect();
        let mut times = Vec::new();
        for student in mine.iter().cycle() {
            if Instant::now() >= until {
                break;
            }
            let start = Instant::now();
            let matched = request_match(base, &student.http).await;
            times.push((matched, start.elapsed()));
        }
        times
    }))
    .await;
    Outcomes::of(latencies.into_iter().flatten())
}

/// Requests sent on a fixed schedule of [`PACED_RATE`] a second for [`PHASE`], whatever the
/// replies do (open loop), round-robin over the students. Each latency counts from the
/// scheduled send time, so a stall is not hidden by sending later.
///
/// A thread keeps the schedule: tokio's timer has millisecond resolution, so a request due
/// 0.1 ms from now would leave up to a millisecond late, and the lateness would count as the
/// system's latency. The thread sleeps with the OS's resolution (tens of microseconds).
pub async fn paced(base: &str, students: &[Student]) -> Outcomes {
    let total = (PHASE.as_secs_f64() * f64::from(PACED_RATE)) as usize;
    let interval = Duration::from_secs(1) / PACED_RATE;
    let runtime = tokio::runtime::Handle::current();
    let (base, clients) = (
        base.to_owned(),
        students.iter().map(|s| s.http.clone()).collect::<Vec<_>>(),
    );
    let pacer = std::thread::spawn(move || {
        let start = Instant::now();
        let send = |i: usize| {
            let due = start + interval * u32::try_from(i).expect("a bounded run");
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let (student, base) = (clients[i % clients.len()].clone(), base.clone());
            runtime.spawn(async move {
                let matched = request_match(&base, &student).await;
                (matched, due.elapsed())
            })
        };
        (0..total).map(send).collect::<Vec<_>>()
    });
    let requests = tokio::task::spawn_blocking(move || pacer.join().expect("the pacer"))
        .await
        .expect("the pacer's join");
    let results = join_all(requests).await;
    Outcomes::of(results.into_iter().map(|r| r.expect("a request task")))
}

/// `student`'s profile with another major: a change the matcher must apply.
fn changed(student: &Student, round: usize) -> Value {
    let mut profile = student.profile.clone();
    profile["major"] = json!(format!("학과{round}"));
    profile
}

/// How long a burst of profile changes took from its first send.
pub struct Burst {
    /// Until every change was answered 200 (durable in the server, its event in the outbox).
    pub accepted: Duration,
    /// Until the matcher had applied every one and made it durable.
    pub applied: Duration,
}

/// [`CHANGES`] profile changes from [`CHANGE_CLIENTS`] clients at once, over `students`.
pub async fn profile_changes(base: &str, matcher_metrics: &str, students: &[Student]) -> Burst {
    let start_sequence = probes::last_sequence(matcher_metrics).await;
    let next = Arc::new(Mutex::new(0..CHANGES));
    let started = Instant::now();
    join_all((0..CHANGE_CLIENTS).map(|_| {
        let next = next.clone();
        async move {
            while let Some(round) = {
                let taken = next.lock().unwrap().next();
                taken
            } {
                let student = &students[round % students.len()];
                let reply = student
                    .http
                    .put(format!("{base}/api/me/profile"))
                    .json(&changed(student, round))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(reply.status(), 200, "profile change {round}");
            }
        }
    }))
    .await;
    let accepted = started.elapsed();
    let target = start_sequence + CHANGES as f64;
    while probes::last_sequence(matcher_metrics).await < target {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the changes never all reached the matcher"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Burst {
        accepted,
        applied: started.elapsed(),
    }
}

/// Time from a profile change's 200 until the matcher's table contains it, `rounds` times,
/// one change at a time. Sorted.
pub async fn change_visible(
    base: &str,
    matcher_metrics: &str,
    student: &Student,
    rounds: usize,
) -> Vec<Duration> {
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let before = probes::last_sequence(matcher_metrics).await;
        let start = Instant::now();
        let reply = student
            .http
            .put(format!("{base}/api/me/profile"))
            .json(&changed(student, CHANGES + round))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        while probes::last_sequence(matcher_metrics).await <= before {
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
