//! Two matched students chat in two real headless Chromium sessions at phone size, against a
//! real server, matcher and nats-server: messages arrive live over the WebSocket without a
//! reload, read marks travel back, a message whose acknowledgement was lost is sent again once
//! after a reload and stored once, unread counts show in the list and the menu, and a block
//! closes the chat for both. Screenshots go to target/screenshots/chat/.

use comatching_tests::browser::wait_js;
use comatching_tests::browser::{Browser, ChromeDriver};
use comatching_tests::{profile, spawn_app, ApiClient};
use serde_json::json;

/// How long a page may take to show what the test waits for.
/// WebDriver's Enter key (pressed after the text: the chat form sends on Enter).
const ENTER: &str = "\u{E007}";

/// Signs up with a profile; returns the user's id.
async fn student(
    client: &ApiClient,
    email: &str,
    nickname: &str,
    gender: &str,
    contact: &str,
) -> String {
    client.signup(email, nickname).await.expect(201);
    client
        .put_profile(&profile(gender, "컴퓨터공학과", contact))
        .await
        .expect(200);
    client.get("/api/me").await.expect(200)["id"]
        .as_str()
        .expect("user id")
        .to_owned()
}

async fn log_in(browser: &Browser, email: &str) {
    browser.open("login").await;
    browser.fill("input[name=email]", email).await;
    browser.fill("input[name=password]", "password123").await;
    browser.click("button[type=submit]").await;
    browser.wait_text("h1", "반가워요").await;
}

/// The texts of a chat as `client` sees it over HTTP, oldest first, with who wrote them.
async fn history(client: &ApiClient, match_id: &str) -> Vec<(bool, String)> {
    let page = client
        .get(&format!("/api/chats/{match_id}/messages?limit=100"))
        .await
        .expect(200);
    let mut texts: Vec<(bool, String)> = page
        .as_array()
        .expect("a list of messages")
        .iter()
        .map(|m| {
            (
                m["from_me"].as_bool().expect("from_me"),
                m["text"].as_str().expect("text").to_owned(),
            )
        })
        .collect();
    texts.reverse();
    texts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_matched_students_chat_live_in_two_browsers() {
    let app = spawn_app().await;
    let (minsu, jiwoo) = (app.client(), app.client());
    let minsu_id = student(&minsu, "minsu@test.ac.kr", "민수", "MALE", "minsu_kakao").await;
    student(&jiwoo, "jiwoo@test.ac.kr", "지우", "FEMALE", "jiwoo_kakao").await;
    app.fund(&minsu, 3_000).await;
    app.ready_for_matches().await;

    let driver = ChromeDriver::start();
    let a = driver.browser(&app.base, "chat").await;
    let b = driver.browser(&app.base, "chat").await;

    // Minsu matches in the app and goes from the result card to the chat.
    log_in(&a, "minsu@test.ac.kr").await;
    a.wait_text("#nav", "채팅").await;
    a.open("match").await;
    a.click("form button[type=submit]").await;
    a.wait_text("#result", "지우").await;
    a.screenshot("01-a-match-result").await;
    let match_id = minsu.get("/api/matches").await.expect(200)[0]["id"]
        .as_str()
        .expect("match id")
        .to_owned();
    a.click("#result a.chat-link").await;
    a.wait_text("#chat-title", "지우").await;
    a.wait_text("#chat-empty", "아직 메시지가 없어요").await;

    // Jiwoo was the one picked: the chat is in her list too.
    log_in(&b, "jiwoo@test.ac.kr").await;
    b.click("#nav-chats").await;
    b.wait_text("#chats", "민수").await;
    b.wait_text("#chats", "아직 메시지가 없어요").await;
    b.screenshot("02-b-chat-list").await;
    b.click("#chats a").await;
    b.wait_text("#chat-title", "민수").await;

    // Minsu writes and presses Enter; Jiwoo sees it without reloading.
    a.fill("#chat-input", &format!("안녕하세요{ENTER}")).await;
    a.wait_text("#chat-messages .msg.mine:not(.pending)", "안녕하세요")
        .await;
    a.screenshot("03-a-sent").await;
    b.wait_text("#chat-messages .msg.theirs", "안녕하세요")
        .await;
    b.screenshot("04-b-received-live").await;

    // Jiwoo answers with the button; Minsu sees the answer and that his message was read.
    b.fill("#chat-input", "반가워요! 저는 지우예요").await;
    b.click("#chat-send").await;
    b.wait_text("#chat-messages .msg.mine:not(.pending)", "반가워요")
        .await;
    a.wait_text("#chat-messages .msg.theirs", "반가워요! 저는 지우예요")
        .await;
    a.wait_text("#chat-messages .msg.mine .msg-read", "읽음")
        .await;
    a.screenshot("05-a-reply-and-read").await;
    // Minsu has the chat open, so his read mark reaches Jiwoo too.
    b.wait_text("#chat-messages .msg.mine .msg-read", "읽음")
        .await;
    assert_eq!(
        history(&jiwoo, &match_id).await,
        vec![
            (false, "안녕하세요".to_owned()),
            (true, "반가워요! 저는 지우예요".to_owned()),
        ]
    );

    // An acknowledgement that never arrived: the message is still waiting in localStorage when
    // the page reloads. It is sent again with the same client_id and stored once.
    let client_id = a
        .client
        .execute(
            "const [me, match] = arguments;
             const li = document.querySelector('#chat-messages .msg.mine[data-client-id]');
             const entry = { client_id: li.dataset.clientId, match_id: match,
                             text: li.querySelector('.msg-text').textContent, created: Date.now() };
             localStorage.setItem(`chat-pending:${me}:${match}`, JSON.stringify({ [entry.client_id]: entry }));
             return entry.client_id;",
            vec![json!(minsu_id), json!(match_id)],
        )
        .await
        .expect("put a pending message back");
    assert!(
        client_id.as_str().is_some_and(|id| !id.is_empty()),
        "{client_id}"
    );
    a.client.refresh().await.expect("reload");
    a.wait_text("#chat-title", "지우").await;
    let shown = wait_js(
        &a,
        "the resent message to be acknowledged",
        "const [me, match] = arguments;
         if (localStorage.getItem(`chat-pending:${me}:${match}`) !== null) return null;
         if (document.querySelector('#chat-messages .msg.pending')) return null;
         return [...document.querySelectorAll('#chat-messages .msg-text')]
           .filter((p) => p.textContent === '안녕하세요').length;",
        vec![json!(minsu_id), json!(match_id)],
    )
    .await;
    assert_eq!(shown, json!(1), "the resent message is shown once");
    assert_eq!(
        history(&minsu, &match_id)
            .await
            .iter()
            .filter(|(_, text)| text == "안녕하세요")
            .count(),
        1,
        "the resent message is stored once"
    );

    // Jiwoo on the list: a new message shows as unread there and in the menu, until she reads it.
    b.open("chats").await;
    b.wait_text("#chats", "반가워요").await;
    a.fill("#chat-input", "축제에서 봐요").await;
    a.click("#chat-send").await;
    b.wait_text("#chats .unread-badge", "1").await;
    b.wait_text("#chats", "축제에서 봐요").await;
    b.wait_text("#chat-unread", "1").await;
    b.screenshot("06-b-list-unread").await;
    b.click("#chats a").await;
    b.wait_text("#chat-messages", "축제에서 봐요").await;
    wait_js(
        &b,
        "the menu's unread badge to go",
        "return document.getElementById('chat-unread').hidden;",
        vec![],
    )
    .await;
    a.wait_text("#chat-messages .msg.mine:last-of-type .msg-read", "읽음")
        .await;

    // Minsu blocks, in two taps; nobody can write any more.
    a.click("#chat-block").await;
    a.wait_text("#chat-block-confirm", "정말 차단할게요").await;
    a.screenshot("07-a-block-confirm").await;
    a.click("#chat-block-confirm").await;
    a.wait_text("#chat-banner", "차단한 대화예요.").await;
    a.wait_attribute("#chat-input", "disabled", "true").await;
    a.screenshot("08-a-blocked").await;
    b.fill("#chat-input", "다음에 또 얘기해요").await;
    b.click("#chat-send").await;
    b.wait_text("#chat-messages .msg.failed", "보내지 못했어요")
        .await;
    b.wait_text("#chat-banner", "차단한 대화예요.").await;
    b.wait_attribute("#chat-input", "disabled", "true").await;
    b.screenshot("09-b-blocked").await;
    let chats = jiwoo.get("/api/chats").await.expect(200);
    assert_eq!(chats[0]["match_id"], json!(match_id));
    assert_eq!(chats[0]["blocked"], json!(true), "{chats}");
    let texts: Vec<String> = history(&jiwoo, &match_id)
        .await
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert_eq!(
        texts,
        ["안녕하세요", "반가워요! 저는 지우예요", "축제에서 봐요"],
        "nothing is stored after the block"
    );

    b.open("chats").await;
    b.wait_text("#chats .chat-mark", "차단됨").await;
    b.screenshot("10-b-list-blocked").await;

    a.close().await;
    b.close().await;
    app.stop().await;
}
