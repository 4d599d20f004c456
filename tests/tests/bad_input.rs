//! Bad input on every endpoint of the slice: API.md's error, and nothing changed.

use comatching_tests::{profile, spawn_app, ApiClient};
use reqwest::Method;
use serde_json::{json, Value};

/// A profile with one field replaced.
fn profile_with(key: &str, value: Value) -> Value {
    let mut body = profile("MALE", "수학과", "kakao_me");
    body[key] = value;
    body
}

async fn assert_all(
    client: &ApiClient,
    method: Method,
    path: &str,
    cases: Vec<(Value, u16, &str)>,
) {
    for (body, status, code) in cases {
        let reply = client.call(method.clone(), path, Some(&body)).await;
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (status, code),
            "{method} {path} with {body} answered {}",
            reply.body
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_refuses_bad_input_and_changes_nothing() {
    let app = spawn_app().await;
    let me = app.client();
    me.join("이몽룡", "MALE", "수학과").await;
    app.wait_outbox_empty().await;
    let (events_before, _) = app.stream_state().await.unwrap();
    let me_before = me.get("/api/me").await.expect(200);
    let stats_before = app.client().get("/api/stats/public").await.expect(200);

    // No session (or a forged one): 401 everywhere a session is needed.
    let anonymous = app.client();
    let forged = ApiClient::new(&app.base);
    for (method, path) in [
        (Method::GET, "/api/me"),
        (Method::PUT, "/api/me/profile"),
        (Method::PUT, "/api/me/pickable"),
        (Method::DELETE, "/api/me"),
        (Method::POST, "/api/auth/logout"),
        (Method::POST, "/api/matches"),
        (Method::GET, "/api/matches"),
        (Method::GET, "/api/matches/picked-me"),
    ] {
        let body = json!({"dont_pick_me": true});
        anonymous
            .call(method.clone(), path, Some(&body))
            .await
            .expect_error(401, "UNAUTHENTICATED");
        let reply = forged
            .raw(
                method,
                &format!("{path}?"),
                "application/json",
                b"{}".to_vec(),
            )
            .await;
        assert_eq!(reply.status, 401, "{path}");
    }

    let signup = "/api/auth/signup";
    let account = |email: &str, password: &str, nickname: &str| json!({"email": email, "password": password, "nickname": nickname});
    assert_all(&anonymous, Method::POST, signup, vec![
        (json!({}), 400, "BAD_REQUEST"),
        (json!({"email": 1, "password": "password123", "nickname": "x1"}), 400, "BAD_REQUEST"),
        (json!({"email": "a@b.kr", "password": "password123", "nickname": "ab", "role": "ADMIN"}), 400, "BAD_REQUEST"),
        (account("not-an-email", "password123", "춘향"), 422, "INVALID_EMAIL"),
        (account(&format!("{}@x.kr", "a".repeat(250)), "password123", "춘향"), 422, "INVALID_EMAIL"),
        (account("c@x.kr", "short", "춘향"), 422, "INVALID_PASSWORD"),
        (account("c@x.kr", &"p".repeat(129), "춘향"), 422, "INVALID_PASSWORD"),
        (account("c@x.kr", "password123", "춘"), 422, "INVALID_NICKNAME"),
        (account("c@x.kr", "password123", "춘향!"), 422, "INVALID_NICKNAME"),
        (account("c@x.kr", "password123", "a\u{0007}b"), 422, "INVALID_NICKNAME"),
        (account("이몽룡@TEST.ac.kr", "password123", "춘향"), 409, "CONFLICT"),
        (account("c@x.kr", "password123", "이몽룡"), 409, "CONFLICT"),
    ]).await;
    anonymous
        .raw(
            Method::POST,
            signup,
            "application/json",
            b"{\"email\":".to_vec(),
        )
        .await
        .expect_error(400, "BAD_REQUEST");
    anonymous
        .raw(Method::POST, signup, "text/plain", b"{}".to_vec())
        .await
        .expect_error(400, "BAD_REQUEST");
    let huge = format!("{{\"email\":\"{}\"}}", "a".repeat(70 * 1024)).into_bytes();
    anonymous
        .raw(Method::POST, signup, "application/json", huge)
        .await
        .expect_error(413, "PAYLOAD_TOO_LARGE");
    anonymous
        .post("/api/auth/login", &json!({"email": "x@y.kr"}))
        .await
        .expect_error(400, "BAD_REQUEST");

    assert_all(
        &me,
        Method::PUT,
        "/api/me/profile",
        vec![
            (json!({"gender": "MALE"}), 400, "BAD_REQUEST"),
            (profile_with("gender", json!("OTHER")), 400, "BAD_REQUEST"),
            (
                profile_with("contact_frequency", json!("SOMETIMES")),
                400,
                "BAD_REQUEST",
            ),
            (
                profile_with("birth_year", json!("2000")),
                400,
                "BAD_REQUEST",
            ),
            (
                profile_with("contact", json!({"type": "EMAIL", "id": "x"})),
                400,
                "BAD_REQUEST",
            ),
            (profile_with("hobbies", json!("축구")), 400, "BAD_REQUEST"),
            (
                profile_with("birth_year", json!(1900)),
                422,
                "INVALID_BIRTH_YEAR",
            ),
            (
                profile_with("birth_year", json!(2026)),
                422,
                "INVALID_BIRTH_YEAR",
            ),
            (profile_with("mbti", json!("ABCD")), 422, "INVALID_MBTI"),
            (profile_with("mbti", json!("ENF")), 422, "INVALID_MBTI"),
            (profile_with("major", json!("  ")), 422, "INVALID_MAJOR"),
            (
                profile_with("major", json!("가".repeat(41))),
                422,
                "INVALID_MAJOR",
            ),
            (
                profile_with("major", json!("수학\n과")),
                422,
                "INVALID_MAJOR",
            ),
            (profile_with("hobbies", json!([])), 422, "INVALID_HOBBIES"),
            (
                profile_with("hobbies", json!(["낚시질"])),
                422,
                "INVALID_HOBBIES",
            ),
            (
                profile_with("hobbies", json!(["축구", "축구"])),
                422,
                "INVALID_HOBBIES",
            ),
            (
                profile_with(
                    "hobbies",
                    json!(["축구", "농구", "야구", "헬스", "러닝", "등산"]),
                ),
                422,
                "INVALID_HOBBIES",
            ),
            (
                profile_with("contact", json!({"type": "PHONE", "id": "010-abcd"})),
                422,
                "INVALID_CONTACT_ID",
            ),
            (
                profile_with("contact", json!({"type": "KAKAO", "id": ""})),
                422,
                "INVALID_CONTACT_ID",
            ),
            (
                profile_with("song", json!("노".repeat(61))),
                422,
                "INVALID_SONG",
            ),
            (
                profile_with("comment", json!("말".repeat(201))),
                422,
                "INVALID_COMMENT",
            ),
            (
                profile("FEMALE", "수학과", "kakao_me"),
                422,
                "GENDER_LOCKED",
            ),
        ],
    )
    .await;

    assert_all(
        &me,
        Method::PUT,
        "/api/me/pickable",
        vec![
            (json!({}), 400, "BAD_REQUEST"),
            (json!({"dont_pick_me": "yes"}), 400, "BAD_REQUEST"),
        ],
    )
    .await;

    let options = |options: Value| json!({ "options": options });
    assert_all(
        &me,
        Method::POST,
        "/api/matches",
        vec![
            (
                options(json!({"important": "age"})),
                422,
                "INVALID_IMPORTANT",
            ),
            (options(json!({"mbti": "EI"})), 422, "INVALID_MBTI"),
            (options(json!({"age": "OLDEST"})), 400, "BAD_REQUEST"),
            (options(json!({"hobby": "COOKING"})), 400, "BAD_REQUEST"),
            (options(json!({"colour": "red"})), 400, "BAD_REQUEST"),
            (json!({"options": "fast"}), 400, "BAD_REQUEST"),
        ],
    )
    .await;
    let no_profile = app.client();
    no_profile
        .signup("np@test.ac.kr", "무프로필")
        .await
        .expect(201);
    no_profile
        .request_match()
        .await
        .expect_error(422, "PROFILE_REQUIRED");

    // Nothing changed: the same account, the same counts, no event published.
    assert_eq!(me.get("/api/me").await.expect(200), me_before);
    let mut stats_after = app.client().get("/api/stats/public").await.expect(200);
    stats_after["users"] = json!(stats_after["users"].as_u64().unwrap() - 1); // 무프로필
    assert_eq!(stats_after, stats_before);
    app.wait_outbox_empty().await;
    assert_eq!(app.stream_state().await.unwrap().0, events_before);

    app.client()
        .get("/api/nowhere")
        .await
        .expect_error(404, "NOT_FOUND");
    app.client()
        .call(Method::PATCH, "/api/me", None)
        .await
        .expect_error(405, "METHOD_NOT_ALLOWED");
    app.stop().await;
}

/// A nickname that only looks like a taken one (another script's letters, full-width forms) is
/// taken, and invisible or direction-changing characters are refused in nicknames and profile
/// text with a message naming them; nothing refused is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_alike_and_invisible_characters_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let alice = app.client();
    alice.join("alice", "MALE", "수학과").await;
    app.wait_outbox_empty().await;
    let (events_before, _) = app.stream_state().await.unwrap();
    let alice_before = alice.get("/api/me").await.expect(200);
    let stats_before = app.client().get("/api/stats/public").await.expect(200);

    let anonymous = app.client();
    let account = |email: &str, nickname: &str| json!({"email": email, "password": "password123", "nickname": nickname});
    assert_all(
        &anonymous,
        Method::POST,
        "/api/auth/signup",
        vec![
            (
                account("cyrillic@test.ac.kr", "\u{430}lice"),
                409,
                "CONFLICT",
            ),
            (account("wide@test.ac.kr", "ａｌｉｃｅ"), 409, "CONFLICT"),
            (
                account("rlo@test.ac.kr", "\u{202E}ecila"),
                422,
                "INVALID_NICKNAME",
            ),
            (
                account("zwsp@test.ac.kr", "ali\u{200B}ce"),
                422,
                "INVALID_NICKNAME",
            ),
        ],
    )
    .await;
    assert_all(
        &alice,
        Method::PUT,
        "/api/me/profile",
        vec![
            (
                profile_with("comment", json!("안녕\u{202E}하세요")),
                422,
                "INVALID_COMMENT",
            ),
            (
                profile_with("comment", json!("안녕\u{200B}하세요")),
                422,
                "INVALID_COMMENT",
            ),
        ],
    )
    .await;
    let hidden = anonymous.signup("rlo@test.ac.kr", "\u{202E}ecila").await;
    hidden.expect_error(422, "INVALID_NICKNAME");
    let message = hidden.body["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("U+202E"), "{message}");

    // Nothing changed: the same profile, the same counts, no event published.
    assert_eq!(alice.get("/api/me").await.expect(200), alice_before);
    let stats_after = app.client().get("/api/stats/public").await.expect(200);
    assert_eq!(stats_after, stats_before);
    app.wait_outbox_empty().await;
    assert_eq!(app.stream_state().await.unwrap().0, events_before);
    // And no refused email was kept: each signs up under a name of its own.
    for (email, nickname) in [
        ("cyrillic@test.ac.kr", "alicia"),
        ("rlo@test.ac.kr", "ecila"),
        ("zwsp@test.ac.kr", "alice_2"),
    ] {
        app.client().signup(email, nickname).await.expect(201);
    }
    app.stop().await;
}
