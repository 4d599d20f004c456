//! Chat at 1,000 open sockets (release binaries, real nats-server and matcher): the server's
//! resident memory per socket, message fan-out latency (from a message's scheduled send time
//! to each open tab of both people) and the messages per second sustained. Run by
//! `scripts/bench.sh`.

use comatching_tests::load;
use comatching_tests::nats::free_port;
use comatching_tests::process::{self, create_admin, matcher_args, server_args, Proc};
use comatching_tests::NatsServer;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// A KiB figure of the running server; it is alive for the whole bench.
fn status_kib(pid: u32, field: &str) -> u64 {
    process::status_kib(pid, field).expect("the server's /proc status")
}

const DEMO_USERS: usize = 2_000;
/// Matched pairs chatting; each person has [`TABS`] sockets open: 1,000 in all.
const PAIRS: usize = 100;
const TABS: usize = 5;
/// Each pair's requester sends this many messages a second (the limit is five).
const PER_SENDER_PER_SECOND: u64 = 4;
const SECONDS: u64 = 20;
const PASSWORD: &str = "demo-password";

/// A signed-in demo student: their HTTP client and session cookie.
struct Student {
    http: reqwest::Client,
    cookie: String,
}

async fn login(base: &str, email: &str, password: &str) -> Student {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let reply = load::log_in(&http, base, email, password).await;
    let cookie = reply.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    Student { http, cookie }
}

fn demo_email(i: usize) -> String {
    format!("demo{i:05}@demo.comatching.kr")
}

async fn post(student: &Student, url: String, body: Value) -> (u16, Value) {
    let reply = student.http.post(url).json(&body).send().await.unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

/// Matches demo students until [`PAIRS`] pairs share nobody: (requester, partner, match id).
async fn pairs(base: &str, admin: &Student) -> Vec<(Student, Student, String)> {
    let mut used = HashSet::new();
    let mut pairs = Vec::new();
    for i in 0..DEMO_USERS {
        if pairs.len() == PAIRS {
            break;
        }
        if used.contains(&i) {
            continue;
        }
        let requester = login(base, &demo_email(i), PASSWORD).await;
        let me: Value = requester
            .http
            .get(format!("{base}/api/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let fund = format!("{base}/api/ops/users/{}/points", me["id"].as_str().unwrap());
        assert_eq!(
            post(admin, fund, json!({"delta": 10_000, "reason": "bench"}))
                .await
                .0,
            200
        );
        let reply = request_match(base, &requester).await;
        let nickname = reply["match"]["partner"]["nickname"].as_str().unwrap();
        let j: usize = nickname.trim_start_matches("데모").parse().unwrap();
        if !used.insert(j) {
            continue;
        }
        used.insert(i);
        let partner = login(base, &demo_email(j), PASSWORD).await;
        pairs.push((
            requester,
            partner,
            reply["match"]["id"].as_str().unwrap().to_owned(),
        ));
    }
    assert_eq!(pairs.len(), PAIRS, "not enough distinct pairs");
    pairs
}

type Sink = futures::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Message,
>;

/// Opens a socket as `student`; its reader records, for every message from the partner, the
/// time from the scheduled send (carried in the text) to now.
async fn open(
    base: &str,
    student: &Student,
    start: Instant,
    latencies: Arc<Mutex<Vec<Duration>>>,
) -> Sink {
    let mut request = format!("{}/api/chats/ws", base.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", student.cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", base.parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("socket opens");
    let (sink, mut stream) = socket.split();
    tokio::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            let Message::Text(text) = message else {
                continue;
            };
            let frame: Value = serde_json::from_str(&text).unwrap();
            let Some(sent) = frame["text"].as_str().and_then(|t| t.strip_prefix("t=")) else {
                continue;
            };
            let scheduled = Duration::from_nanos(sent.parse().unwrap());
            latencies
                .lock()
                .unwrap()
                .push(start.elapsed().saturating_sub(scheduled));
        }
    });
    sink
}

/// Sends from `sink` at [`PER_SENDER_PER_SECOND`] for [`SECONDS`], from `offset` after `start`.
async fn send_paced(mut sink: Sink, match_id: String, start: Instant, offset: Duration) -> u64 {
    let every = Duration::from_nanos(1_000_000_000 / PER_SENDER_PER_SECOND);
    let mut sent = 0;
    let mut next = offset;
    while next < offset + Duration::from_secs(SECONDS) {
        tokio::time::sleep_until((start + next).into()).await;
        let frame = json!({"type": "send", "match_id": match_id,
            "text": format!("t={}", next.as_nanos()), "client_id": format!("b-{sent}")});
        sink.send(Message::text(frame.to_string())).await.unwrap();
        sent += 1;
        next += every;
    }
    sent
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 * p) as usize).min(sorted.len() - 1);
    sorted[index].as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).unwrap();
    let data = dir.path().join("server");
    let users = DEMO_USERS.to_string();
    let demo = [
        "demo",
        "--users",
        &users,
        "--data-dir",
        &data.display().to_string(),
    ]
    .map(str::to_owned);
    let (ok, out) = Proc::run("comatching-server", &demo, "");
    assert!(ok, "{out}");
    create_admin(&data, "bench@bench.kr", "bench-password");
    let nats = NatsServer::start();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let loose = [
        "--rate-address-per-minute",
        "100000000",
        "--rate-login-per-minute",
        "1000",
        "--rate-match-per-minute",
        "100000",
    ];
    let server = Proc::spawn(
        "comatching-server",
        &server_args(&nats.url(), &data, port, &loose),
        &dir.path().join("server.log"),
    );
    let _matcher = Proc::spawn(
        "comatching-matcher",
        &matcher_args(&nats.url(), &dir.path().join("matcher"), "bench", &[]),
        &dir.path().join("matcher.log"),
    );
    wait_ready(&base).await;
    let admin = login(&base, "bench@bench.kr", "bench-password").await;
    let pairs = pairs(&base, &admin).await;

    let before_kib = status_kib(server.id(), "VmRSS:");
    let start = Instant::now();
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let mut senders = Vec::new();
    for (requester, partner, match_id) in &pairs {
        for student in [requester, partner] {
            for tab in 0..TABS {
                let sink = open(&base, student, start, latencies.clone()).await;
                if tab == 0 && std::ptr::eq(student, requester) {
                    senders.push((sink, match_id.clone()));
                }
            }
        }
    }
    let open_kib = status_kib(server.id(), "VmRSS:");
    let sockets = PAIRS * 2 * TABS;
    // The readers measure from `start` too: sending begins a moment after the last socket.
    let begin = start.elapsed() + Duration::from_millis(100);
    let every = 1e9 / (PER_SENDER_PER_SECOND as f64 * PAIRS as f64);
    let tasks = senders
        .into_iter()
        .enumerate()
        .map(|(n, (sink, match_id))| {
            let offset = begin + Duration::from_nanos((every * n as f64) as u64);
            tokio::spawn(send_paced(sink, match_id, start, offset))
        });
    let sent: u64 = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .sum();
    tokio::time::sleep(Duration::from_secs(2)).await;
    report(
        &latencies,
        sent,
        sockets,
        before_kib,
        open_kib,
        status_kib(server.id(), "VmHWM:"),
    );
}

/// A match for `student`, asked again while the matcher is still catching up.
async fn request_match(base: &str, student: &Student) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, reply) = post(
            student,
            format!("{base}/api/matches"),
            json!({"options": {}}),
        )
        .await;
        if status == 201 {
            return reply;
        }
        assert!(Instant::now() < deadline, "no match: {status} {reply}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits until the server is ready (sled open, NATS connected).
async fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while reqwest::get(format!("{base}/readyz"))
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(Instant::now() < deadline, "the system did not get ready");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn report(
    latencies: &Mutex<Vec<Duration>>,
    sent: u64,
    sockets: usize,
    before_kib: u64,
    open_kib: u64,
    hwm_kib: u64,
) {
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort_unstable();
    let expected = sent as usize * 2 * TABS;
    println!("| figure | value |\n|---|---|");
    println!("| open sockets | {sockets} ({PAIRS} pairs, {TABS} tabs each person) |");
    println!(
        "| server resident memory before / with the sockets | {} / {} MiB |",
        before_kib / 1024,
        open_kib / 1024
    );
    println!(
        "| resident memory per open socket | {:.1} KiB |",
        (open_kib.saturating_sub(before_kib)) as f64 / sockets as f64
    );
    println!(
        "| messages sent, paced | {sent} in {SECONDS} s ({:.0}/s) |",
        sent as f64 / SECONDS as f64
    );
    println!(
        "| deliveries (each message to every tab of both people) | {} of {expected} |",
        latencies.len()
    );
    if !latencies.is_empty() {
        println!(
            "| fan-out latency p50 / p99 / max | {:.2} / {:.2} / {:.2} ms |",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            percentile(&latencies, 1.0)
        );
    }
    println!("| server VmHWM through the run | {} MiB |", hwm_kib / 1024);
}
