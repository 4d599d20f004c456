//! The HTTP hardening, from outside: sockets that never finish their request head are closed
//! while real clients stay fast, a connection beyond the cap is closed at once, a body that
//! never finishes cannot keep a backup (the write barrier) waiting, a flood of junk logins
//! from one address is refused instead of queued so a real login stays fast, and invented
//! methods and paths cannot grow the metrics, which are not on the public port.
//!
//! Before the hardening (`axum::serve` without a timer or limits) every test here fails: slow
//! sockets stayed open forever, there was no connection cap, the barrier was taken before the
//! body was read, every login queued a hash, and metrics were labelled with raw methods.
//!
//! The tests of this file run one at a time (`SERIAL`): they assert latencies on a small
//! machine, and the password gate and the metrics registry are shared by the whole process.

use comatching_tests::app::DEADLINE;
use comatching_tests::process::Proc;
use comatching_tests::{spawn_app_with, wait_until, TestApp};
use futures::future::join_all;
use futures::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Held by every test of this file for its whole run.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A per-address limit no test here reaches: everything comes from loopback.
const MANY: u32 = 10_000_000;
/// How long one ordinary request may take before the test calls it lost.
const REQUEST_WITHIN: Duration = Duration::from_secs(10);
/// The most bytes read from a raw connection's reply.
const MAX_REPLY: u64 = 64 * 1024;

/// The API's address (`app.base` without the scheme).
fn api_address(app: &TestApp) -> SocketAddr {
    app.base
        .trim_start_matches("http://")
        .parse()
        .expect("the API's address")
}

/// Lets this process hold `needed` open files (the server runs in it too, so every socket the
/// test opens counts twice); panics when the hard limit does not allow it.
fn allow_open_files(needed: libc::rlim_t) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes into the struct it is given, which we own.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(read, 0, "getrlimit(RLIMIT_NOFILE)");
    if limit.rlim_cur >= needed {
        return;
    }
    assert!(
        limit.rlim_max >= needed,
        "this test needs {needed} open files but the hard limit is {}: raise `ulimit -Hn`",
        limit.rlim_max
    );
    limit.rlim_cur = needed;
    // SAFETY: setrlimit only reads the struct, and raises this process's soft limit only.
    let raised = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(raised, 0, "setrlimit(RLIMIT_NOFILE, {needed})");
}

/// Reads until the server closes the connection (or resets it, or [`MAX_REPLY`] bytes came);
/// returns what it sent before.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut reply = Vec::new();
    let _ = (&mut *stream).take(MAX_REPLY).read_to_end(&mut reply).await;
    reply
}

/// Whether `bytes` hold a whole HTTP/1.1 reply with a `Content-Length` body.
fn whole_reply(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())
            .flatten()
    });
    length.is_some_and(|length| body.len() >= length)
}

/// `GET /healthz` on a raw keep-alive connection; returns the whole reply. The connection
/// stays open and idle afterwards, so the server has certainly accepted it.
async fn healthz_over(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("send GET /healthz");
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    while !whole_reply(&reply) {
        assert!(
            reply.len() < MAX_REPLY as usize,
            "no end to the reply: {}",
            String::from_utf8_lossy(&reply)
        );
        let read = stream.read(&mut chunk).await.expect("read the reply");
        assert!(
            read > 0,
            "the connection closed mid-reply: {}",
            String::from_utf8_lossy(&reply)
        );
        reply.extend_from_slice(&chunk[..read]);
    }
    String::from_utf8_lossy(&reply).into_owned()
}

/// Slow sockets opened at once.
const SLOW_SOCKETS: usize = 1_000;
/// Connections being opened at the same moment.
const OPENING_AT_ONCE: usize = 64;
/// Sequential requests of the real client.
const REAL_REQUESTS: usize = 200;
/// A request head that never ends: a header whose value never comes.
const SLOW_HEAD: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";

/// A connection that sends the start of a request head and then nothing.
async fn open_slow(address: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(address)
        .await
        .expect("connect a slow socket");
    stream
        .write_all(SLOW_HEAD)
        .await
        .expect("send a partial request head");
    stream
}

/// Whether the server closes `stream` (end of stream or an error) within `within`.
async fn closed_within(mut stream: TcpStream, within: Duration) -> bool {
    timeout(within, read_until_closed(&mut stream))
        .await
        .is_ok()
}

/// 1,000 sockets that start a request head and never finish it do not slow a real client
/// (200 sequential requests, all 200, p99 under 100 ms), and the header read timeout (1 s
/// here) closes every one of them within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_sockets_are_closed_and_real_clients_stay_fast() {
    const HEADER_TIMEOUT_MS: u64 = 1_000;
    const P99_UNDER: Duration = Duration::from_millis(100);
    const CLOSED_WITHIN: Duration = Duration::from_secs(5);
    let _serial = SERIAL.lock().await;
    // Each socket is open on both ends in this process, plus NATS, sled and the client.
    allow_open_files(4_096);
    let app = spawn_app_with(
        |config| {
            config.serving.header_read_timeout_ms = HEADER_TIMEOUT_MS;
            config.serving.max_connections = 1_500;
            config.rates.rate_address_per_minute = MANY;
        },
        false,
    )
    .await;
    let address = api_address(&app);

    let slow: Vec<TcpStream> = timeout(
        DEADLINE,
        futures::stream::iter(0..SLOW_SOCKETS)
            .map(|_| open_slow(address))
            .buffer_unordered(OPENING_AT_ONCE)
            .collect::<Vec<TcpStream>>(),
    )
    .await
    .expect("opening the slow sockets took too long");
    assert_eq!(slow.len(), SLOW_SOCKETS);

    let http = reqwest::Client::builder()
        .timeout(REQUEST_WITHIN)
        .build()
        .expect("http client");
    let url = format!("{}/healthz", app.base);
    let mut latencies = Vec::with_capacity(REAL_REQUESTS);
    for i in 0..REAL_REQUESTS {
        let started = Instant::now();
        let response = http
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("real request {i} failed beside the slow sockets: {e}"));
        assert_eq!(response.status(), 200, "real request {i}");
        response.bytes().await.expect("the health body");
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100 - 1];
    assert!(
        p99 < P99_UNDER,
        "p99 of {REAL_REQUESTS} real requests beside {SLOW_SOCKETS} slow sockets was {p99:?} \
         (slowest {:?})",
        latencies.last()
    );

    let closed = join_all(
        slow.into_iter()
            .map(|stream| closed_within(stream, CLOSED_WITHIN)),
    )
    .await;
    let still_open = closed.iter().filter(|closed| !**closed).count();
    assert_eq!(
        still_open, 0,
        "{still_open} of {SLOW_SOCKETS} slow sockets were still open {CLOSED_WITHIN:?} after \
         the real requests (header read timeout {HEADER_TIMEOUT_MS} ms)"
    );
    app.stop().await;
}

/// With `--max-connections 50` and 50 connections open (each served once, now idle), a 51st
/// is closed at once without an answer and counted, the open ones are still served, and once
/// they are closed a new client gets in again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_beyond_the_cap_is_closed_at_once_and_the_room_comes_back() {
    const CAP: usize = 50;
    const CLOSED_AT_ONCE: Duration = Duration::from_secs(2);
    let _serial = SERIAL.lock().await;
    let app = spawn_app_with(
        |config| {
            config.serving.max_connections = CAP;
            // The idle connections stay open for the whole test.
            config.serving.header_read_timeout_ms = 120_000;
            config.rates.rate_address_per_minute = MANY;
        },
        false,
    )
    .await;
    let address = api_address(&app);

    let mut idle = Vec::with_capacity(CAP);
    for i in 0..CAP {
        let mut stream = TcpStream::connect(address)
            .await
            .expect("connect an idle connection");
        let reply = timeout(REQUEST_WITHIN, healthz_over(&mut stream))
            .await
            .unwrap_or_else(|_| panic!("connection {i} (under the cap) was not served"));
        assert!(reply.starts_with("HTTP/1.1 200"), "connection {i}: {reply}");
        idle.push(stream);
    }

    // The kernel completes the handshake; the server closes the connection at once.
    let mut beyond = TcpStream::connect(address)
        .await
        .expect("connect beyond the cap");
    let reply = timeout(CLOSED_AT_ONCE, read_until_closed(&mut beyond))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "connection {} was still open {CLOSED_AT_ONCE:?} later",
                CAP + 1
            )
        });
    assert!(
        reply.is_empty(),
        "connection {} got an answer: {}",
        CAP + 1,
        String::from_utf8_lossy(&reply)
    );
    let metrics = reqwest::get(app.metrics_url())
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    assert!(
        metrics.contains("http_connections_refused_total"),
        "the refusal is not counted:\n{metrics}"
    );
    // The connections already in are still served.
    let reply = timeout(REQUEST_WITHIN, healthz_over(&mut idle[0]))
        .await
        .expect("an open connection is still served");
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

    drop(idle);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("http client");
    let url = format!("{}/healthz", app.base);
    wait_until("a new connection to be served again", DEADLINE, || async {
        let response = http.get(&url).send().await.ok()?;
        (response.status() == 200).then_some(())
    })
    .await;
    app.stop().await;
}

/// A state-changing request whose body never finishes does not hold the write barrier: while
/// it hangs, a backup through the running server's control socket (which takes the barrier
/// exclusively) finishes in seconds, well before the body timeout, and another client's
/// sign-up goes through; the slow request itself is answered 408 (or closed) once the body
/// timeout passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_body_never_holds_the_write_barrier() {
    // Longer than the backup may take, so a backup that waited for the timeout is caught.
    const BODY_TIMEOUT_MS: u64 = 5_000;
    const BACKUP_WITHIN: Duration = Duration::from_secs(3);
    const WRITE_WITHIN: Duration = Duration::from_secs(3);
    let _serial = SERIAL.lock().await;
    let app = spawn_app_with(
        |config| {
            config.serving.body_read_timeout_ms = BODY_TIMEOUT_MS;
            config.rates.rate_address_per_minute = MANY;
        },
        false,
    )
    .await;
    let address = api_address(&app);

    let mut slow = TcpStream::connect(address)
        .await
        .expect("connect the slow client");
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: 1000\r\n\r\n{{\"email\":"
    );
    slow.write_all(head.as_bytes())
        .await
        .expect("send the head and the start of the body");

    // A write while the body hangs (by its end the server has long had the slow head).
    timeout(
        WRITE_WITHIN,
        app.client().signup("first@test.ac.kr", "first"),
    )
    .await
    .expect("a sign-up waited behind the slow body")
    .expect(201);

    let out = app.dir.path().join("beside-a-slow-body.backup");
    let args = vec![
        "backup".to_owned(),
        "--out".to_owned(),
        out.display().to_string(),
        "--data-dir".to_owned(),
        app.server_data_dir().display().to_string(),
    ];
    let backup = tokio::task::spawn_blocking(move || Proc::run("comatching-server", &args, ""));
    let other = app.client();
    let (backup, signup) = tokio::join!(
        timeout(BACKUP_WITHIN, backup),
        timeout(WRITE_WITHIN, other.signup("second@test.ac.kr", "second")),
    );
    let (backed_up, said) = backup
        .expect("the backup waited for the slow body (it holds the write barrier)")
        .expect("the backup command ran");
    assert!(backed_up && said.contains("backup of"), "{said}");
    assert!(out.exists(), "no backup at {}", out.display());
    signup
        .expect("a sign-up during the backup never finished")
        .expect(201);

    // The backup did not just outwait the body timeout: the slow request is still pending.
    let mut byte = [0u8; 1];
    let pending = timeout(Duration::from_millis(50), slow.read(&mut byte)).await;
    assert!(
        pending.is_err(),
        "the slow request was already over when the backup finished: {pending:?}"
    );

    let reply = timeout(
        Duration::from_millis(BODY_TIMEOUT_MS) + DEADLINE,
        read_until_closed(&mut slow),
    )
    .await
    .expect("the slow request was neither answered nor closed");
    let reply = String::from_utf8_lossy(&reply);
    let status_line = reply.lines().next().unwrap_or("");
    assert!(
        reply.is_empty() || (status_line.contains("408") && reply.contains("REQUEST_TIMEOUT")),
        "the slow request got: {reply}"
    );
    app.stop().await;
}

/// What a login answered.
#[derive(Debug)]
struct Answer {
    status: u16,
    code: String,
    retry_after: Option<String>,
}

/// `POST /api/auth/login` with `email` and `password`; an error when no answer came.
async fn post_login(
    http: &reqwest::Client,
    url: &str,
    email: &str,
    password: &str,
) -> Result<Answer, String> {
    let response = http
        .post(url)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = response
        .json()
        .await
        .map_err(|e| format!("{status} without a JSON body: {e}"))?;
    let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
    Ok(Answer {
        status,
        code,
        retry_after,
    })
}

/// Junk logins sent at once.
const FLOOD: usize = 200;
/// Junk logins one flooder sends at most, back to back, until told to stop.
const JUNK_ROUNDS: usize = 200;
/// How long a flooder goes on at most.
const FLOOD_FOR: Duration = Duration::from_secs(15);

/// Logins with random emails and passwords, one after the other (an attacker does not wait
/// for `Retry-After`), until `stop`, [`JUNK_ROUNDS`] or [`FLOOD_FOR`]; counts each answer in
/// `answered`.
async fn junk_logins(
    http: reqwest::Client,
    url: String,
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
) -> Vec<Result<Answer, String>> {
    let started = Instant::now();
    let mut answers = Vec::new();
    for _ in 0..JUNK_ROUNDS {
        if stop.load(Ordering::Relaxed) || started.elapsed() > FLOOD_FOR {
            break;
        }
        let email = format!("junk-{:016x}@test.ac.kr", rand::random::<u64>());
        let password = format!("junk-{:016x}", rand::random::<u64>());
        answers.push(post_login(&http, &url, &email, &password).await);
        answered.fetch_add(1, Ordering::Relaxed);
    }
    answers
}

/// 200 concurrent junk logins from one address (each a different account, so the per-account
/// limit does not stop them) are answered 401, 429 or 503 `OVERLOADED` with `Retry-After`,
/// never queued: while they go on, a real user's login from another address succeeds within
/// 2 s (retrying after `Retry-After` as the web app does), and the refusals show in the
/// metrics. Before the password gate the real login waited behind every junk hash (~8 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_junk_logins_leaves_real_logins_fast() {
    const REAL_EMAIL: &str = "real@test.ac.kr";
    const REAL_LOGIN_WITHIN: Duration = Duration::from_secs(2);
    const REAL_ATTEMPTS: usize = 3;
    let _serial = SERIAL.lock().await;
    let app = spawn_app_with(|config| config.rates.rate_address_per_minute = MANY, false).await;
    app.client()
        .signup(REAL_EMAIL, "realuser")
        .await
        .expect(201);
    let url = format!("{}/api/auth/login", app.base);

    // The flood comes from 127.0.0.1.
    let flood = reqwest::Client::builder()
        .timeout(REQUEST_WITHIN)
        .build()
        .expect("http client");
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let flooders: Vec<_> = (0..FLOOD)
        .map(|_| {
            tokio::spawn(junk_logins(
                flood.clone(),
                url.clone(),
                stop.clone(),
                answered.clone(),
            ))
        })
        .collect();
    wait_until("the flood to be under way", DEADLINE, || async {
        (answered.load(Ordering::Relaxed) >= FLOOD).then_some(())
    })
    .await;

    // The real user comes from another loopback address (127.0.0.2, still to 127.0.0.1).
    let real = reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, 2]))
        .timeout(REQUEST_WITHIN)
        .build()
        .expect("http client");
    let started = Instant::now();
    let mut attempts = Vec::new();
    for _ in 0..REAL_ATTEMPTS {
        let answer = post_login(&real, &url, REAL_EMAIL, "password123").await;
        let retry_after = match &answer {
            Ok(Answer {
                status: 503,
                retry_after: Some(seconds),
                ..
            }) => seconds.parse::<u64>().ok(),
            _ => None,
        };
        attempts.push(answer);
        match retry_after {
            Some(seconds) if started.elapsed() < REAL_LOGIN_WITHIN => {
                tokio::time::sleep(Duration::from_secs(seconds)).await;
            }
            _ => break,
        }
    }
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let flooders = timeout(DEADLINE, join_all(flooders))
        .await
        .expect("the flood did not stop");

    let logged_in = matches!(attempts.last(), Some(Ok(Answer { status: 200, .. })));
    assert!(
        logged_in && took < REAL_LOGIN_WITHIN,
        "the real login took {took:?} beside the flood: {attempts:?}"
    );
    let mut seen = BTreeMap::<String, usize>::new();
    for answers in flooders {
        for answer in answers.expect("a flooder panicked") {
            let answer = answer.unwrap_or_else(|e| panic!("a junk login got no answer: {e}"));
            let retry_after = answer
                .retry_after
                .as_deref()
                .and_then(|s| s.parse::<u64>().ok());
            let expected = match (answer.status, answer.code.as_str()) {
                (401, "BAD_CREDENTIALS") | (429, "RATE_LIMITED") => true,
                (503, "OVERLOADED") => retry_after.is_some_and(|s| (1..=60).contains(&s)),
                _ => false,
            };
            assert!(expected, "a junk login was answered {answer:?}");
            *seen
                .entry(format!("{} {}", answer.status, answer.code))
                .or_default() += 1;
        }
    }
    assert!(
        seen.get("503 OVERLOADED").is_some_and(|n| *n > 0),
        "no junk login was refused: the gate did not bound the queue ({seen:?})"
    );
    assert!(
        seen.get("401 BAD_CREDENTIALS").is_some_and(|n| *n > 0),
        "no junk login was checked at all ({seen:?})"
    );

    let metrics = reqwest::get(app.metrics_url())
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    let refused = r#"http_requests_total{route="/api/auth/login",method="POST",status="503"}"#;
    assert!(
        metrics.contains(refused),
        "{refused} missing from:\n{metrics}"
    );
    app.stop().await;
}

/// Every `method="…"` label value in a Prometheus text.
fn method_labels(text: &str) -> BTreeSet<String> {
    const LABEL: &str = "method=\"";
    text.match_indices(LABEL)
        .filter_map(|(at, _)| {
            let rest = &text[at + LABEL.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

/// 2,000 requests with invented methods, to real routes and to invented paths, leave the
/// metrics small: no invented method or path appears, every method label is a standard one
/// or `OTHER` (under which those on real routes are counted). And `/metrics` is not served on
/// the public port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invented_methods_do_not_grow_the_metrics() {
    const INVENTED: usize = 2_000;
    const AT_ONCE: usize = 16;
    const MAX_METRICS_BYTES: usize = 200 * 1024;
    const ROUTES: [&str; 6] = [
        "/healthz",
        "/readyz",
        "/api/catalog",
        "/api/auth/login",
        "/api/me",
        "/api/matches",
    ];
    const KNOWN_METHODS: [&str; 8] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "OTHER",
    ];
    let _serial = SERIAL.lock().await;
    let app = spawn_app_with(|config| config.rates.rate_address_per_minute = MANY, false).await;
    let http = reqwest::Client::builder()
        .timeout(REQUEST_WITHIN)
        .build()
        .expect("http client");

    let answers = futures::stream::iter(0..INVENTED)
        .map(|i| {
            let (http, base) = (http.clone(), app.base.clone());
            async move {
                let name = format!("XJUNK{:016X}", rand::random::<u64>());
                let method = Method::from_bytes(name.as_bytes()).expect("a valid method token");
                let path = match i % 4 {
                    0 | 2 => ROUTES[(i / 2) % ROUTES.len()].to_owned(),
                    1 => format!("/api/junk-{:016x}/{i}", rand::random::<u64>()),
                    _ => format!("/junk-{:016x}/{i}", rand::random::<u64>()),
                };
                let status = http
                    .request(method, format!("{base}{path}"))
                    .send()
                    .await
                    .map(|response| response.status().as_u16())
                    .map_err(|e| e.to_string());
                (name, path, status)
            }
        })
        .buffer_unordered(AT_ONCE)
        .collect::<Vec<_>>();
    let answers = timeout(Duration::from_secs(120), answers)
        .await
        .expect("the invented requests took too long");
    assert_eq!(answers.len(), INVENTED);
    for (name, path, status) in &answers {
        assert!(
            matches!(status, Ok(404 | 405)),
            "{name} {path} was answered {status:?}"
        );
    }

    let response = reqwest::get(app.metrics_url()).await.expect("metrics");
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("metrics text");
    assert!(
        text.len() < MAX_METRICS_BYTES,
        "the metrics grew to {} bytes",
        text.len()
    );
    assert!(
        !text.contains("XJUNK") && !text.contains("junk-"),
        "an invented method or path is in the metrics:\n{text}"
    );
    let methods = method_labels(&text);
    let strange: Vec<&String> = methods
        .iter()
        .filter(|m| !KNOWN_METHODS.contains(&m.as_str()))
        .collect();
    assert!(strange.is_empty(), "method labels {strange:?} in:\n{text}");
    assert!(
        methods.contains("OTHER"),
        "invented methods on real routes are not counted as OTHER:\n{text}"
    );

    app.client()
        .get("/metrics")
        .await
        .expect_error(404, "NOT_FOUND");
    app.stop().await;
}
