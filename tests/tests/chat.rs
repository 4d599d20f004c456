//! Chat between matched students, whole: real server, nats-server and matcher, real sockets.

use comatching_tests::chat::{handshake, ChatSocket, StalledSocket};
use comatching_tests::{spawn_app, ApiClient, TestApp};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Two students matched with each other: (requester, partner, match id).
async fn matched_pair(app: &TestApp, a: &str, b: &str) -> (ApiClient, ApiClient, String) {
    let (minsu, jiwoo) = (app.client(), app.client());
    minsu.join(a, "MALE", "컴퓨터공학과").await;
    jiwoo.join(b, "FEMALE", "경영학과").await;
    app.fund(&minsu, 5_000).await;
    app.ready_for_matches().await;
    let reply = minsu.request_match().await.expect(201);
    let id = reply["match"]["id"].as_str().expect("match id").to_owned();
    (minsu, jiwoo, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matched_students_chat_live_and_nobody_else_can() {
    let app = spawn_app().await;
    let (minsu, jiwoo, match_id) = matched_pair(&app, "민수", "지우").await;
    let (mut a, mut b) = (
        ChatSocket::open(&minsu).await,
        ChatSocket::open(&jiwoo).await,
    );

    a.send(&match_id, "  안녕하세요 씨발  ", "c-1").await;
    let mine = a.next_of("message").await;
    let theirs = b.next_of("message").await;
    assert_eq!(
        mine["text"], "안녕하세요 **",
        "trimmed and masked before anyone sees it"
    );
    assert_eq!(
        (mine["from_me"].as_bool(), mine["client_id"].as_str()),
        (Some(true), Some("c-1"))
    );
    assert_eq!(
        (theirs["from_me"].as_bool(), &theirs["client_id"]),
        (Some(false), &serde_json::Value::Null),
        "the partner does not see the sender's client id"
    );
    assert_eq!(mine["id"], theirs["id"]);

    // A resend after a lost acknowledgement stores nothing new and reaches only the sender.
    a.send(&match_id, "안녕하세요 씨발", "c-1").await;
    assert_eq!(a.next_of("message").await["id"], mine["id"]);
    assert!(b.quiet_for(Duration::from_millis(500)).await);

    let list = jiwoo.get("/api/chats").await.expect(200);
    assert_eq!(
        (
            list[0]["partner_nickname"].as_str(),
            list[0]["unread"].as_u64()
        ),
        (Some("민수"), Some(1))
    );
    b.read(&match_id, mine["id"].as_str().unwrap()).await;
    let receipt = a.next_of("read").await;
    assert_eq!(
        (&receipt["up_to"], receipt["by_me"].as_bool()),
        (&mine["id"], Some(false))
    );
    assert_eq!(b.next_of("read").await["by_me"], true);
    assert_eq!(jiwoo.get("/api/chats").await.expect(200)[0]["unread"], 0);
    assert_eq!(
        minsu.get("/api/chats").await.expect(200)[0]["partner_read_up_to"],
        mine["id"]
    );

    let (_, csv) = app
        .admin()
        .await
        .text("/api/admin/export/matches.csv")
        .await;
    assert!(
        csv.lines().nth(1).unwrap().ends_with(",false"),
        "not replied yet: {csv}"
    );
    b.send(&match_id, "반가워요", "d-1").await;
    assert_eq!(a.next_of("message").await["text"], "반가워요");
    let (_, csv) = app
        .admin()
        .await
        .text("/api/admin/export/matches.csv")
        .await;
    assert!(
        csv.lines().nth(1).unwrap().ends_with(",true"),
        "the partner replied: {csv}"
    );
    let page = minsu
        .get(&format!("/api/chats/{match_id}/messages"))
        .await
        .expect(200);
    let texts: Vec<_> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["반가워요", "안녕하세요 **"],
        "newest first, the resend stored once"
    );
    let older = minsu
        .get(&format!(
            "/api/chats/{match_id}/messages?before={}&limit=1",
            page[0]["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(older.as_array().unwrap().len(), 1);
    assert_eq!(older[0]["id"], mine["id"]);

    // A third student: no such chat, over HTTP and over the socket.
    let stranger = app.client();
    stranger.join("낯선이", "FEMALE", "수학과").await;
    stranger
        .get(&format!("/api/chats/{match_id}/messages"))
        .await
        .expect_error(404, "NOT_FOUND");
    stranger
        .post(
            &format!("/api/chats/{match_id}/block"),
            &serde_json::json!({}),
        )
        .await
        .expect_error(404, "NOT_FOUND");
    let mut c = ChatSocket::open(&stranger).await;
    c.send(&match_id, "끼어들기", "x-1").await;
    let refused = c.next_of("error").await;
    assert_eq!(
        (refused["code"].as_str(), refused["client_id"].as_str()),
        (Some("NOT_FOUND"), Some("x-1"))
    );
    assert!(
        a.quiet_for(Duration::from_millis(300)).await,
        "a refused send reaches nobody"
    );

    // Blocked: nothing more either way; what was said stays.
    let blocked = jiwoo
        .post(
            &format!("/api/chats/{match_id}/block"),
            &serde_json::json!({}),
        )
        .await
        .expect(200);
    assert_eq!(blocked["blocked"], true);
    a.send(&match_id, "왜요?", "c-2").await;
    assert_eq!(a.next_of("error").await["code"], "BLOCKED");
    b.send(&match_id, "안녕히", "d-2").await;
    assert_eq!(b.next_of("error").await["code"], "BLOCKED");
    let page = jiwoo
        .get(&format!("/api/chats/{match_id}/messages"))
        .await
        .expect(200);
    assert_eq!(page.as_array().unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_need_a_session_our_origin_valid_frames_and_a_slow_enough_sender() {
    let app = spawn_app().await;
    let (minsu, jiwoo, match_id) = matched_pair(&app, "민수", "지우").await;

    let foreign = handshake(&minsu, Some("https://evil.example")).await;
    let refused = tokio_tungstenite::connect_async(foreign).await.unwrap_err();
    assert!(refused.to_string().contains("403"), "{refused}");
    let anonymous = format!("{}/api/chats/ws", app.base.replacen("http", "ws", 1));
    let refused = tokio_tungstenite::connect_async(anonymous)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("401"), "{refused}");
    let mut tabs = Vec::new();
    for _ in 0..5 {
        tabs.push(ChatSocket::open(&minsu).await);
    }
    let sixth = tokio_tungstenite::connect_async(handshake(&minsu, None).await)
        .await
        .unwrap_err();
    assert!(sixth.to_string().contains("429"), "{sixth}");
    tabs.truncate(1);
    let mut a = tabs.pop().unwrap();

    for bad in [
        serde_json::json!({"type": "send", "match_id": match_id, "text": "", "client_id": "e-1"}),
        serde_json::json!({"type": "send", "match_id": match_id, "text": "가".repeat(501), "client_id": "e-2"}),
        serde_json::json!({"type": "send", "match_id": match_id, "text": "hi", "client_id": "공백 있음"}),
        serde_json::json!({"type": "shout", "match_id": match_id}),
    ] {
        a.send_json(&bad).await;
        assert_eq!(a.next_of("error").await["code"], "INVALID_INPUT", "{bad}");
    }
    let mut limited = 0;
    for n in 0..12 {
        a.send(&match_id, &format!("메시지 {n}"), &format!("r-{n}"))
            .await;
        let frame = a.next().await.expect("an answer");
        limited += usize::from(frame["code"] == "RATE_LIMITED");
    }
    assert!(
        limited >= 5,
        "at most five messages a second: {limited} of 12 refused"
    );
    let stored = jiwoo
        .get(&format!("/api/chats/{match_id}/messages?limit=100"))
        .await
        .expect(200);
    assert_eq!(
        stored.as_array().unwrap().len(),
        12 - limited,
        "refused sends stored nothing"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_chat_loses_nothing_acknowledged_and_stores_nothing_twice() {
    const MESSAGES: usize = 30;
    let mut app = spawn_app().await;
    let (minsu, _jiwoo, match_id) = matched_pair(&app, "민수", "지우").await;
    let mut acknowledged = HashSet::new();
    let mut socket = ChatSocket::open(&minsu).await;
    let mut n = 0;
    while n < MESSAGES {
        if n == MESSAGES / 2 && acknowledged.len() == n {
            // Sent, not yet acknowledged, when the server goes down: resent after.
            socket
                .send(&match_id, &format!("메시지 {n}"), &format!("m-{n}"))
                .await;
            app.restart_server().await;
            socket = ChatSocket::open(&minsu).await;
        }
        socket
            .send(&match_id, &format!("메시지 {n}"), &format!("m-{n}"))
            .await;
        match socket.next_of("message").await {
            frame if frame["client_id"] == format!("m-{n}") => {
                acknowledged.insert(frame["id"].as_str().unwrap().to_owned());
                n += 1;
            }
            other => panic!("unexpected frame {other}"),
        }
        tokio::time::sleep(Duration::from_millis(220)).await;
    }
    let page = minsu
        .get(&format!("/api/chats/{match_id}/messages?limit=100"))
        .await
        .expect(200);
    let ids: HashSet<_> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, acknowledged, "every acknowledged message, each once");
    let mut texts: Vec<_> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    texts.reverse();
    let expected: Vec<_> = (0..MESSAGES).map(|n| format!("메시지 {n}")).collect();
    assert_eq!(texts, expected, "in the order sent");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_partners_chat_is_read_only() {
    let app = spawn_app().await;
    let (minsu, jiwoo, match_id) = matched_pair(&app, "민수", "지우").await;
    let (mut a, mut b) = (
        ChatSocket::open(&minsu).await,
        ChatSocket::open(&jiwoo).await,
    );
    a.send(&match_id, "안녕하세요", "c-1").await;
    a.next_of("message").await;
    jiwoo
        .call(reqwest::Method::DELETE, "/api/me", None)
        .await
        .expect(204);
    assert_eq!(b.next_of("message").await["text"], "안녕하세요");
    b.send(&match_id, "안녕히", "d-1").await;
    assert!(
        b.next().await.is_none(),
        "a withdrawn user's socket is closed, not served"
    );

    let chats = minsu.get("/api/chats").await.expect(200);
    assert_eq!(chats[0]["read_only"], true, "{chats}");
    a.send(&match_id, "어디 갔어요?", "c-2").await;
    assert_eq!(a.next_of("error").await["code"], "READ_ONLY");
    let page = minsu
        .get(&format!("/api/chats/{match_id}/messages"))
        .await
        .expect(200);
    assert_eq!(
        page.as_array().unwrap().len(),
        1,
        "what was said stays readable"
    );
    app.stop().await;
}

/// The value of the counter `name` on the server's metrics page.
async fn counter(app: &TestApp, name: &str) -> f64 {
    let page = reqwest::get(app.metrics_url())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    page.lines()
        .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_stops_reading_is_dropped_and_nobody_else_waits() {
    const SENDERS: usize = 10;
    const ROUND: Duration = Duration::from_millis(250);
    const MAX_ROUNDS: usize = 160;
    let app = spawn_app().await;
    let jiwoo = app.client();
    jiwoo.join("지우", "FEMALE", "경영학과").await;
    let mut senders = Vec::new();
    for i in 0..SENDERS {
        let student = app.client();
        student.join(&format!("학생{i}"), "MALE", "수학과").await;
        app.fund(&student, 5_000).await;
        senders.push(student);
    }
    app.ready_for_matches().await;
    let mut chats = Vec::new();
    for student in &senders {
        let reply = student.request_match().await.expect(201);
        assert_eq!(reply["match"]["partner"]["nickname"], "지우");
        chats.push(reply["match"]["id"].as_str().unwrap().to_owned());
    }
    let stalled = StalledSocket::open(&jiwoo).await;
    let mut other_tab = ChatSocket::open(&jiwoo).await;
    let mut sockets = Vec::new();
    for student in &senders {
        sockets.push(ChatSocket::open(student).await);
    }
    let text = "😀".repeat(500);
    let mut rounds = 0;
    while counter(&app, "chat_sockets_dropped_slow_total").await < 1.0 {
        assert!(rounds < MAX_ROUNDS, "the stalled socket was never dropped");
        let started = Instant::now();
        for (i, socket) in sockets.iter_mut().enumerate() {
            socket
                .send(&chats[i], &text, &format!("s{i}-{rounds}"))
                .await;
        }
        for socket in &mut sockets {
            socket.next_of("message").await;
        }
        for _ in 0..SENDERS {
            other_tab.next_of("message").await;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "round {rounds}: the other tab waited {:?}",
            started.elapsed()
        );
        rounds += 1;
        tokio::time::sleep(ROUND.saturating_sub(started.elapsed())).await;
    }
    assert!(
        stalled.was_closed_by_server().await,
        "the stalled socket is closed"
    );
    other_tab
        .send(&chats[0], "아직 여기 있어요", "still-here")
        .await;
    assert_eq!(
        other_tab.next_of("message").await["client_id"],
        "still-here"
    );
    app.stop().await;
}
