//! The whole flow: signup → profile → JetStream → matcher → match, over real components.

use comatching_tests::{profile, spawn_app};
use serde_json::json;
use storage::columnar::status;
use storage::UserId;

fn row_of(table: &storage::columnar::FeatureTable, id: &str) -> usize {
    table
        .row_index(UserId(id.parse().unwrap()))
        .unwrap_or_else(|| panic!("user {id} is not in the matcher's table"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_match_once_and_see_each_others_contact() {
    let app = spawn_app().await;
    let (minsu, jiwoo) = (app.client(), app.client());
    minsu.join("민수", "MALE", "컴퓨터공학과").await;
    jiwoo.join("지우", "FEMALE", "경영학과").await;
    app.fund(&minsu, 5_000).await;
    app.fund(&jiwoo, 5_000).await;
    app.ready_for_matches().await;

    let reply = minsu.request_match().await.expect(201);
    let partner = &reply["match"]["partner"];
    assert_eq!(partner["nickname"], "지우");
    assert_eq!(partner["gender"], "FEMALE");
    assert_eq!(
        partner["contact"],
        json!({"type": "KAKAO", "id": "kakao_지우"})
    );
    assert_eq!(partner["major"], "경영학과");
    assert!(partner["age"].as_i64().unwrap() >= 17);

    minsu
        .request_match()
        .await
        .expect_error(404, "NO_CANDIDATE");
    // Already matched in the other direction: excluded for her too.
    jiwoo
        .request_match()
        .await
        .expect_error(404, "NO_CANDIDATE");

    let history = minsu.get("/api/matches").await.expect(200);
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["id"], reply["match"]["id"]);
    assert_eq!(
        jiwoo.get("/api/matches/picked-me").await.expect(200)["count"],
        1
    );
    assert_eq!(minsu.get("/api/me").await.expect(200)["match_count"], 1);
    assert_eq!(
        app.client().get("/api/stats/public").await.expect(200),
        json!({"users": 3, "matches": 1}) // the admin is a user too
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_updates_reach_the_matcher_and_hidden_users_are_never_picked() {
    let app = spawn_app().await;
    let seeker = app.client();
    seeker.join("seeker", "MALE", "수학과").await;
    app.fund(&seeker, 5_000).await;
    let hidden = app.client();
    let hidden_id = hidden.join("hidden", "FEMALE", "물리학과").await;
    let open = app.client();
    let open_id = open.join("open", "FEMALE", "화학과").await;

    hidden.set_dont_pick_me(true).await.expect(200);
    open.put_profile(&profile("FEMALE", "생명과학과", "kakao_open"))
        .await
        .expect(200);
    app.wait_outbox_empty().await;
    let table = app.wait_matcher_synced().await;
    let row = table.row(row_of(&table, &open_id));
    assert_eq!(row.major, "생명과학과");
    assert_eq!(row.version, 2);
    assert_eq!(table.row(row_of(&table, &hidden_id)).status, status::HIDDEN);
    app.wait_matcher_answers().await;

    let reply = seeker.request_match().await.expect(201);
    assert_eq!(reply["match"]["partner"]["nickname"], "open");
    seeker
        .request_match()
        .await
        .expect_error(404, "NO_CANDIDATE");
    // Other seekers never get the hidden user either.
    for i in 0..5 {
        let other = app.client();
        other.join(&format!("other{i}"), "MALE", "국문과").await;
        app.fund(&other, 1_000).await;
        app.wait_outbox_empty().await;
        let reply = other.request_match().await.expect(201);
        assert_eq!(reply["match"]["partner"]["nickname"], "open");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawn_users_leave_the_pool_and_their_sessions_end() {
    let app = spawn_app().await;
    let seeker = app.client();
    seeker.join("seeker", "FEMALE", "수학과").await;
    app.fund(&seeker, 1_000).await;
    let leaver = app.client();
    let leaver_id = leaver.join("leaver", "MALE", "물리학과").await;
    app.ready_for_matches().await;

    assert_eq!(
        leaver
            .call(reqwest::Method::DELETE, "/api/me", None)
            .await
            .status,
        204
    );
    leaver
        .get("/api/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let login = json!({"email": "leaver@test.ac.kr", "password": "password123"});
    app.client()
        .post("/api/auth/login", &login)
        .await
        .expect_error(401, "BAD_CREDENTIALS");

    app.wait_outbox_empty().await;
    let table = app.wait_matcher_synced().await;
    assert_eq!(
        table.row(row_of(&table, &leaver_id)).status,
        status::REMOVED
    );
    seeker
        .request_match()
        .await
        .expect_error(404, "NO_CANDIDATE");
    assert_eq!(
        app.client().get("/api/stats/public").await.expect(200)["users"],
        2, // the seeker and the admin
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_matcher_a_match_is_503_and_nothing_is_recorded() {
    let mut app = spawn_app().await;
    let (a, b) = (app.client(), app.client());
    a.join("alone_a", "MALE", "수학과").await;
    b.join("alone_b", "FEMALE", "수학과").await;
    app.fund(&a, 1_000).await;
    app.ready_for_matches().await;
    app.stop_matcher().await;

    a.request_match()
        .await
        .expect_error(503, "MATCHER_UNAVAILABLE");
    assert_eq!(a.get("/api/matches").await.expect(200), json!([]));

    app.start_matcher().await;
    app.wait_matcher_answers().await;
    assert_eq!(
        a.request_match().await.expect(201)["match"]["partner"]["nickname"],
        "alone_b"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_log_in_and_out() {
    let app = spawn_app().await;
    let first = app.client();
    first.signup("Kim@Test.ac.kr", "김철수").await.expect(201);
    first
        .call(reqwest::Method::POST, "/api/auth/logout", None)
        .await
        .expect(204);
    first
        .get("/api/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");

    let second = app.client();
    let login = json!({"email": "kim@test.AC.kr", "password": "password123"});
    let me = second.post("/api/auth/login", &login).await.expect(200);
    assert_eq!(me["user"]["nickname"], "김철수");
    assert_eq!(
        second.get("/api/me").await.expect(200)["email"],
        "Kim@Test.ac.kr"
    );
    let wrong = json!({"email": "kim@test.ac.kr", "password": "password124"});
    app.client()
        .post("/api/auth/login", &wrong)
        .await
        .expect_error(401, "BAD_CREDENTIALS");
    let unknown = json!({"email": "nobody@test.ac.kr", "password": "password123"});
    app.client()
        .post("/api/auth/login", &unknown)
        .await
        .expect_error(401, "BAD_CREDENTIALS");
    assert_eq!(app.client().get("/readyz").await.status, 200);
    assert_eq!(app.client().get("/healthz").await.status, 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_csv_writes_the_live_table_without_contacts() {
    let app = spawn_app().await;
    let a = app.client();
    let a_id = a.join("csv_a", "MALE", "=cmd|' /C calc'!A0").await;
    app.client().join("csv_b", "FEMALE", "경영학과").await;
    app.wait_outbox_empty().await;
    app.wait_matcher_synced().await;

    let out = app.dir.path().join("candidates.csv");
    let table = comatching_matcher::config::table_path(&app.matcher_dir());
    assert_eq!(
        comatching_matcher::export::export_csv(&table, &out).unwrap(),
        2
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "uuid,age,contactFrequency,gender,hobby,major,mbti,birthYear,hobbyMask,pickable,version"
    );
    let row_a = lines.find(|l| l.starts_with(&format!("{a_id},"))).unwrap();
    assert!(row_a.contains(",MALE,SPORTS|CULTURE_ART,"), "{row_a}");
    assert!(row_a.contains("'=cmd"), "formula not escaped: {row_a}");
    assert!(!text.contains("kakao_"), "a contact leaked into the export");
    app.stop().await;
}
