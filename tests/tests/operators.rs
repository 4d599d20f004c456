//! Operator tools: search, the authorization table, bans through the matcher, corrections,
//! statistics, the audit trail and the training export.

use comatching_tests::process::Proc;
use comatching_tests::{profile, spawn_app, wait_until, ApiClient, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// Signs up `nickname` with a profile of `major` and contact `contact`; returns (client, id).
async fn student(
    app: &TestApp,
    nickname: &str,
    gender: &str,
    major: &str,
    contact: &str,
) -> (ApiClient, String) {
    let client = app.client();
    let user = client
        .signup(&format!("{contact}@campus.ac.kr"), nickname)
        .await
        .expect(201);
    client
        .put_profile(&profile(gender, major, contact))
        .await
        .expect(200);
    (client, user["user"]["id"].as_str().unwrap().to_owned())
}

async fn search(admin: &ApiClient, q: &str) -> Vec<String> {
    let reply = admin
        .get(&format!("/api/ops/users?q={}", urlencode(q)))
        .await
        .expect(200);
    reply
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["nickname"].as_str().unwrap().to_owned())
        .collect()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn searchable(admin: &ApiClient, q: &str, nickname: &str) {
    wait_until(
        &format!("{q:?} to find {nickname}"),
        Duration::from_secs(1),
        || async {
            search(admin, q)
                .await
                .contains(&nickname.to_owned())
                .then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_partial_korean_words_emails_and_contacts_and_survives_restarts() {
    let mut app = spawn_app().await;
    let admin = app.admin().await;
    let (minsu, _) = student(&app, "김민수", "MALE", "컴퓨터정보공학부", "minsu_k").await;
    student(&app, "이민수", "MALE", "경영학과", "lee_ms").await;
    student(&app, "박지우", "FEMALE", "국어국문학과", "jiwoo99").await;
    minsu
        .post(
            "/api/charges",
            &json!({"amount": 1000, "depositor_name": "김엄마"}),
        )
        .await
        .expect(201);

    searchable(&admin, "민수", "김민수").await;
    let both = search(&admin, "민수").await;
    assert!(
        both.contains(&"이민수".to_owned()) && !both.contains(&"박지우".to_owned()),
        "{both:?}"
    );
    assert_eq!(
        search(&admin, "김민수").await[0],
        "김민수",
        "the whole name ranks first"
    );
    searchable(&admin, "컴퓨", "김민수").await;
    searchable(&admin, "jiwoo99@campus.ac.kr", "박지우").await;
    assert_eq!(
        search(&admin, "JIWOO99@campus.ac.kr").await[0],
        "박지우",
        "an exact email ranks first"
    );
    searchable(&admin, "lee_ms", "이민수").await;
    searchable(&admin, "엄마", "김민수").await;

    // A change is searchable within a second.
    minsu
        .put_profile(&profile("MALE", "전자공학과", "minsu_k"))
        .await
        .expect(200);
    searchable(&admin, "전자공", "김민수").await;

    // A clean restart keeps the index; a deleted or corrupted one is rebuilt from sled.
    app.restart_server().await;
    let admin = app.admin().await;
    searchable(&admin, "전자공", "김민수").await;
    let index = app.dir.path().join("server/search");
    app.stop_server().await;
    std::fs::remove_dir_all(&index).unwrap();
    app.restart_server().await;
    let admin = app.admin().await;
    searchable(&admin, "민수", "이민수").await;
    app.stop_server().await;
    std::fs::write(index.join("meta.json"), b"{ not json").unwrap();
    app.restart_server().await;
    let admin = app.admin().await;
    searchable(&admin, "국문", "박지우").await;
    admin
        .get("/api/ops/users?q=")
        .await
        .expect_error(400, "BAD_REQUEST");
    admin
        .get("/api/ops/users?q=x&limit=51")
        .await
        .expect_error(400, "BAD_REQUEST");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operator_and_admin_path_admits_exactly_the_roles_api_md_names() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (_, victim) = student(&app, "victim", "FEMALE", "수학과", "victim").await;
    let (user, _) = student(&app, "plainuser", "MALE", "수학과", "plain").await;
    let (operator, operator_id) = student(&app, "operator", "MALE", "수학과", "op").await;
    admin
        .put(
            &format!("/api/admin/users/{operator_id}/role"),
            &json!({"role": "OPERATOR"}),
        )
        .await
        .expect(200);
    let anonymous = app.client();

    let ops = |path: &str| (true, path.to_owned());
    let admin_only = |path: &str| (false, path.to_owned());
    let paths: Vec<(Method, (bool, String), Option<Value>)> = vec![
        (Method::GET, ops("/api/ops/charges?status=PENDING"), None),
        (
            Method::POST,
            ops("/api/ops/charges/999999/approve"),
            Some(json!({})),
        ),
        (
            Method::POST,
            ops("/api/ops/charges/999999/reject"),
            Some(json!({})),
        ),
        (Method::GET, ops("/api/ops/users?q=victim"), None),
        (Method::GET, ops(&format!("/api/ops/users/{victim}")), None),
        (
            Method::POST,
            ops(&format!("/api/ops/users/{victim}/points")),
            Some(json!({"delta": 10, "reason": "표 검사"})),
        ),
        (
            Method::POST,
            ops(&format!("/api/ops/users/{victim}/ban")),
            Some(json!({"reason": "표 검사"})),
        ),
        (
            Method::POST,
            ops(&format!("/api/ops/users/{victim}/unban")),
            Some(json!({})),
        ),
        (Method::GET, ops("/api/ops/stats"), None),
        (Method::GET, admin_only("/api/ops/audit"), None),
        (
            Method::PUT,
            admin_only(&format!("/api/admin/users/{victim}/role")),
            Some(json!({"role": "USER"})),
        ),
        (Method::GET, admin_only("/api/admin/audit"), None),
        (
            Method::GET,
            admin_only("/api/admin/export/matches.csv"),
            None,
        ),
    ];
    for (method, (operators_may, path), body) in &paths {
        let (method, body) = (method.clone(), body.as_ref());
        let anonymous_status = anonymous.status_of(method.clone(), path, body).await;
        assert_eq!(
            anonymous_status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}"
        );
        let user_status = user.status_of(method.clone(), path, body).await;
        assert_eq!(user_status, StatusCode::FORBIDDEN, "USER {method} {path}");
        let as_operator = operator.status_of(method.clone(), path, body).await;
        if *operators_may {
            assert!(
                ![401, 403].contains(&as_operator.as_u16()),
                "OPERATOR {method} {path}: {as_operator}"
            );
        } else {
            assert_eq!(
                as_operator,
                StatusCode::FORBIDDEN,
                "OPERATOR {method} {path}"
            );
        }
        let as_admin = admin.status_of(method.clone(), path, body).await;
        assert!(
            ![401, 403].contains(&as_admin.as_u16()),
            "ADMIN {method} {path}: {as_admin}"
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banned_user_is_never_picked_and_cannot_log_in_until_unbanned() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (seeker, _) = student(&app, "seeker", "MALE", "수학과", "seeker").await;
    let (banned, banned_id) = student(&app, "troll", "FEMALE", "국문과", "troll").await;
    app.fund(&seeker, 5_000).await;
    app.ready_for_matches().await;

    let ban = format!("/api/ops/users/{banned_id}/ban");
    admin
        .post(&ban, &json!({"reason": "부적절한 한마디"}))
        .await
        .expect(200);
    banned
        .get("/api/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let login = json!({"email": "troll@campus.ac.kr", "password": "password123"});
    app.client()
        .post("/api/auth/login", &login)
        .await
        .expect_error(403, "BANNED");
    app.wait_outbox_empty().await;
    app.wait_matcher_synced().await;
    seeker
        .request_match()
        .await
        .expect_error(404, "NO_CANDIDATE");

    admin
        .post(&format!("/api/ops/users/{banned_id}/unban"), &json!({}))
        .await
        .expect(200);
    app.client()
        .post("/api/auth/login", &login)
        .await
        .expect(200);
    app.wait_outbox_empty().await;
    app.wait_matcher_synced().await;
    let reply = seeker.request_match().await.expect(201);
    assert_eq!(reply["match"]["partner"]["nickname"], "troll");

    let trail = admin.get("/api/ops/audit").await.expect(200);
    let actions: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(&actions[..3], ["UNBAN", "BAN", "APPROVE_CHARGE"], "{trail}");
    assert_eq!(trail[1]["reason"], "부적절한 한마디");
    assert_eq!(trail[1]["target"], banned_id);
    let stats = admin.get("/api/ops/stats").await.expect(200);
    assert_eq!(stats["matches_total"], 1);
    assert_eq!(stats["matches_today"], 1);
    assert_eq!(stats["users_by_gender"], json!({"MALE": 1, "FEMALE": 1}));
    assert_eq!(stats["points_outstanding"], 4_000);
    assert_eq!(stats["charges_pending"], 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_match_export_is_pseudonymous_over_http_and_from_the_command_line() {
    let mut app = spawn_app().await;
    let admin = app.admin().await;
    let (seeker, seeker_id) = student(&app, "exporter", "MALE", "수학과", "exp_contact").await;
    student(&app, "상대방", "FEMALE", "국문과", "partner_contact").await;
    app.fund(&seeker, 5_000).await;
    app.ready_for_matches().await;
    let options = json!({"options": {"hobby": "SPORTS", "important": "hobby"}});
    seeker.post("/api/matches", &options).await.expect(201);

    let (status, csv) = admin.text("/api/admin/export/matches.csv").await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("matchId,at,requester,partner,price"),
        "{csv}"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].contains(",SPORTS,") && lines[1].contains(",hobby,"),
        "{csv}"
    );
    assert!(
        lines[1].contains(",MALE,") && lines[1].contains(",FEMALE,"),
        "{csv}"
    );
    // The attack the review found: the instance id is public in every Nats-Msg-Id on the
    // stream, and pseudonyms were SHA-256(instance:id). They must not be any more.
    let instance = stream_instance_id(&app).await;
    let reversed = sha256_pseudonym(&instance, &seeker_id);
    assert!(
        !csv.contains(&reversed),
        "a pseudonym is derivable from the public instance id: {csv}"
    );
    for secret in [
        "exporter",
        "상대방",
        "국문과",
        "exp_contact",
        "partner_contact",
        "campus.ac.kr",
        &format!(",{seeker_id},"),
    ] {
        assert!(!csv.contains(secret), "{secret} leaked: {csv}");
    }

    app.stop_server().await;
    let out = app.dir.path().join("matches.csv");
    let args = [
        "export",
        "matches",
        "--out",
        &out.display().to_string(),
        "--data-dir",
        &app.dir.path().join("server").display().to_string(),
    ]
    .map(str::to_owned);
    let (ok, output) = Proc::run("comatching-server", &args, "");
    assert!(ok, "{output}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        csv,
        "the command writes what the server streams"
    );
    app.stop().await;
}

/// The instance part of the `Nats-Msg-Id` of a message on the USERS stream.
async fn stream_instance_id(app: &TestApp) -> String {
    let js = app.jetstream().await;
    let mut stream = js
        .get_stream(storage::broker::USERS_STREAM)
        .await
        .expect("the USERS stream");
    let first = stream
        .info()
        .await
        .expect("stream info")
        .state
        .first_sequence;
    let message = stream.get_raw_message(first).await.expect("a stored event");
    let id = message
        .headers
        .get("Nats-Msg-Id")
        .expect("a Nats-Msg-Id")
        .as_str()
        .to_owned();
    id.rsplit_once('-').expect("instance-event").0.to_owned()
}

/// What a pseudonym was before it was keyed: the first 8 bytes of SHA-256(instance:id), hex.
fn sha256_pseudonym(instance: &str, user_id: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{instance}:{user_id}"));
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}
