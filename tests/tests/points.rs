//! Points are never lost or spent twice: concurrent matches, racing approvals, failures,
//! idempotency, refunds and limits, checked against the ledger audit.

use comatching_tests::{spawn_app, spawn_app_with, ApiClient, TestApp};
use futures::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashSet;

async fn balance(client: &ApiClient) -> i64 {
    client.get("/api/me/points").await.expect(200)["balance"]
        .as_i64()
        .unwrap()
}

/// The kinds of `client`'s ledger entries, newest first.
async fn kinds(client: &ApiClient) -> Vec<String> {
    let points = client.get("/api/me/points").await.expect(200);
    let entries = points["entries"].as_array().unwrap();
    entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// `count` candidates of `gender`.
async fn candidates(app: &TestApp, prefix: &str, gender: &str, count: usize) {
    for i in 0..count {
        app.client()
            .join(&format!("{prefix}{i}"), gender, "국문과")
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_matches_with_points_for_three_spend_exactly_three() {
    let app = spawn_app().await;
    let rich = app.client();
    rich.join("rich", "MALE", "수학과").await;
    candidates(&app, "c", "FEMALE", 8).await;
    app.fund(&rich, 3_000).await;
    app.ready_for_matches().await;

    let replies = join_all((0..20).map(|_| rich.request_match())).await;
    let won: Vec<&Value> = replies
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| &r.body)
        .collect();
    let refused = replies
        .iter()
        .filter(|r| r.status == 402 && r.code() == "INSUFFICIENT_POINTS")
        .count();
    assert_eq!((won.len(), refused), (3, 17), "{replies:#?}");
    let partners: HashSet<&str> = won
        .iter()
        .map(|b| b["match"]["partner"]["nickname"].as_str().unwrap())
        .collect();
    assert_eq!(partners.len(), 3, "a partner was given twice");
    assert_eq!(balance(&rich).await, 0);
    assert_eq!(kinds(&rich).await, ["MATCH", "MATCH", "MATCH", "CHARGE"]);
    app.assert_audit_passes();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_approvals_and_cancels_credit_exactly_once() {
    let app = spawn_app().await;
    let student = app.client();
    student.join("racer", "MALE", "수학과").await;
    let (first, second) = (app.admin().await, app.admin_session().await);
    let mut expected = 0;
    let empty = json!({});
    for round in 0..50 {
        let charge = student
            .post(
                "/api/charges",
                &json!({"amount": 1_000, "depositor_name": "레이서"}),
            )
            .await
            .expect(201);
        let id = charge["charge"]["id"].as_str().unwrap().to_owned();
        let approve = format!("/api/ops/charges/{id}/approve");
        if round % 2 == 0 {
            let (a, b) = tokio::join!(first.post(&approve, &empty), second.post(&approve, &empty));
            assert_eq!(
                (a.status.as_u16(), b.status.as_u16()),
                (200, 200),
                "{a:?} {b:?}"
            );
            assert_eq!(a.body["charge"]["status"], "APPROVED");
            expected += 1_000;
        } else {
            let cancel_path = format!("/api/charges/{id}");
            let cancel = student.call(Method::DELETE, &cancel_path, None);
            let (approved, cancelled) = tokio::join!(first.post(&approve, &empty), cancel);
            match (approved.status.as_u16(), cancelled.status.as_u16()) {
                (200, 409) => expected += 1_000,
                (409, 200) => {}
                other => panic!("approve and cancel both {other:?}"),
            }
        }
        assert_eq!(balance(&student).await, expected, "round {round}");
    }
    app.assert_audit_passes();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_matches_charge_nothing_and_an_unapplied_important_option_is_refunded() {
    let mut app = spawn_app().await;
    let me = app.client();
    me.join("payer", "MALE", "수학과").await;
    app.fund(&me, 5_000).await;
    app.ready_for_matches().await;

    me.request_match().await.expect_error(404, "NO_CANDIDATE");
    assert_eq!(balance(&me).await, 5_000);
    app.stop_matcher().await;
    me.request_match()
        .await
        .expect_error(503, "MATCHER_UNAVAILABLE");
    assert_eq!(balance(&me).await, 5_000);
    assert_eq!(kinds(&me).await, ["CHARGE"]);

    app.client().join("partner", "FEMALE", "국문과").await;
    app.start_matcher().await;
    app.ready_for_matches().await;
    let options = json!({"age": "OLDER", "important": "age", "exclude_same_major": true});
    let quote = me
        .post("/api/matches/quote", &json!({ "options": options }))
        .await
        .expect(200);
    assert_eq!(quote["price"], 1_500);
    let reply = me
        .post("/api/matches", &json!({ "options": options }))
        .await
        .expect(201);
    // The only candidate is not older: the important option falls back and its 300 comes back.
    assert_eq!(reply["match"]["price"], 1_500);
    assert_eq!(reply["match"]["refunded"], 300);
    assert_eq!(reply["match"]["important_applied"], false);
    assert_eq!(reply["balance"], 3_800);
    assert_eq!(balance(&me).await, 3_800);
    assert_eq!(kinds(&me).await, ["REFUND", "MATCH", "CHARGE"]);
    app.assert_audit_passes();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_answers_the_first_reply_and_never_charges_twice() {
    let mut app = spawn_app().await;
    let me = app.client();
    me.join("clicker", "MALE", "수학과").await;
    candidates(&app, "k", "FEMALE", 3).await;
    app.fund(&me, 10_000).await;
    app.ready_for_matches().await;

    let first = me
        .keyed_post("/api/matches", "double-click-1", &json!({}))
        .await
        .expect(201);
    let empty = json!({});
    let again =
        join_all((0..3).map(|_| me.keyed_post("/api/matches", "double-click-1", &empty))).await;
    for reply in again {
        assert_eq!(
            reply.expect(201),
            first,
            "a repeat must answer the first reply"
        );
    }
    assert_eq!(balance(&me).await, 9_000);
    let other = json!({"options": {"exclude_same_major": true}});
    me.keyed_post("/api/matches", "double-click-1", &other)
        .await
        .expect_error(422, "IDEMPOTENCY_KEY_REUSED");
    me.keyed_post("/api/matches", &"k".repeat(65), &json!({}))
        .await
        .expect_error(422, "INVALID_IDEMPOTENCY_KEY");

    // A 503 is not kept: the retry with the same key tries again and succeeds.
    app.stop_matcher().await;
    me.keyed_post("/api/matches", "retry-me", &json!({}))
        .await
        .expect_error(503, "MATCHER_UNAVAILABLE");
    app.start_matcher().await;
    app.wait_matcher_answers().await;
    me.keyed_post("/api/matches", "retry-me", &json!({}))
        .await
        .expect(201);
    assert_eq!(balance(&me).await, 8_000);
    app.assert_audit_passes();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_match_limit_stops_further_matches_without_charging() {
    let app = spawn_app_with(|config| config.match_limit = 2, true).await;
    let me = app.client();
    me.join("limited", "FEMALE", "수학과").await;
    candidates(&app, "m", "MALE", 3).await;
    app.fund(&me, 5_000).await;
    app.ready_for_matches().await;
    me.request_match().await.expect(201);
    me.request_match().await.expect(201);
    me.request_match().await.expect_error(429, "MATCH_LIMIT");
    assert_eq!(balance(&me).await, 3_000);
    app.assert_audit_passes();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_points_requests_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let me = app.client();
    let my_id = me.join("badpoints", "MALE", "수학과").await;
    let admin = app.admin().await;
    let charge = |amount: Value, name: &str| json!({"amount": amount, "depositor_name": name});
    for (body, status, code) in [
        (charge(json!(999), "홍길동"), 422, "INVALID_AMOUNT"),
        (charge(json!(1_250), "홍길동"), 422, "INVALID_AMOUNT"),
        (charge(json!(50_500), "홍길동"), 422, "INVALID_AMOUNT"),
        (charge(json!(-1_000), "홍길동"), 422, "INVALID_AMOUNT"),
        (charge(json!("1000"), "홍길동"), 400, "BAD_REQUEST"),
        (charge(json!(1_000), " "), 422, "INVALID_DEPOSITOR_NAME"),
        (
            charge(json!(1_000), &"이".repeat(21)),
            422,
            "INVALID_DEPOSITOR_NAME",
        ),
        (json!({"amount": 1000}), 400, "BAD_REQUEST"),
    ] {
        me.post("/api/charges", &body)
            .await
            .expect_error(status, code);
    }
    let pending = me
        .post("/api/charges", &charge(json!(2_000), "홍길동"))
        .await
        .expect(201);
    let id = pending["charge"]["id"].as_str().unwrap().to_owned();
    me.post("/api/charges", &charge(json!(1_000), "홍길동"))
        .await
        .expect_error(409, "CONFLICT");
    let stranger = app.client();
    stranger.join("stranger", "FEMALE", "수학과").await;
    let cancel = format!("/api/charges/{id}");
    stranger
        .call(Method::DELETE, &cancel, None)
        .await
        .expect_error(404, "NOT_FOUND");
    me.call(Method::DELETE, "/api/charges/nope", None)
        .await
        .expect_error(404, "NOT_FOUND");
    me.call(Method::DELETE, &cancel, None).await.expect(200);
    me.call(Method::DELETE, &cancel, None).await.expect(200);
    admin
        .post(&format!("/api/ops/charges/{id}/approve"), &json!({}))
        .await
        .expect_error(409, "CONFLICT");
    admin
        .post("/api/ops/charges/999999/approve", &json!({}))
        .await
        .expect_error(404, "NOT_FOUND");

    let adjust = format!("/api/ops/users/{my_id}/points");
    for (body, status, code) in [
        (
            json!({"delta": -1, "reason": "oops"}),
            422,
            "BALANCE_WOULD_BE_NEGATIVE",
        ),
        (json!({"delta": 0, "reason": "zero"}), 422, "INVALID_DELTA"),
        (
            json!({"delta": 5_000_000, "reason": "huge"}),
            422,
            "INVALID_DELTA",
        ),
        (json!({"delta": 100, "reason": ""}), 422, "INVALID_REASON"),
        (json!({"delta": 100}), 400, "BAD_REQUEST"),
    ] {
        admin.post(&adjust, &body).await.expect_error(status, code);
    }
    admin
        .post(
            "/api/ops/users/424242/points",
            &json!({"delta": 5, "reason": "x"}),
        )
        .await
        .expect_error(404, "NOT_FOUND");
    let role = format!("/api/admin/users/{my_id}/role");
    admin
        .put(&role, &json!({"role": "KING"}))
        .await
        .expect_error(400, "BAD_REQUEST");
    me.get("/api/me/points?limit=0")
        .await
        .expect_error(400, "BAD_REQUEST");
    me.get("/api/me/points?limit=many")
        .await
        .expect_error(400, "BAD_REQUEST");
    me.get("/api/me/points?before=abc")
        .await
        .expect_error(400, "BAD_REQUEST");
    me.post(
        "/api/matches/quote",
        &json!({"options": {"important": "mbti"}}),
    )
    .await
    .expect_error(422, "INVALID_IMPORTANT");

    // Roles: a user may not use operator or admin tools; anonymous callers must sign in.
    me.get("/api/ops/charges")
        .await
        .expect_error(403, "FORBIDDEN");
    me.post(&adjust, &json!({"delta": 5, "reason": "self-service"}))
        .await
        .expect_error(403, "FORBIDDEN");
    me.put(&role, &json!({"role": "ADMIN"}))
        .await
        .expect_error(403, "FORBIDDEN");
    me.get("/api/admin/audit")
        .await
        .expect_error(403, "FORBIDDEN");
    app.client()
        .get("/api/ops/charges")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    admin
        .put(&role, &json!({"role": "OPERATOR"}))
        .await
        .expect(200);
    assert_eq!(me.get("/api/ops/charges").await.expect(200), json!([]));
    me.put(&role, &json!({"role": "ADMIN"}))
        .await
        .expect_error(403, "FORBIDDEN");

    assert_eq!(balance(&me).await, 0);
    assert_eq!(kinds(&me).await, Vec::<String>::new());
    let audit = admin.get("/api/admin/audit").await.expect(200);
    assert_eq!(audit["ok"], true, "{audit}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_pages_newest_first_and_operators_see_pending_charges_oldest_first() {
    let app = spawn_app().await;
    let me = app.client();
    let my_id = me.join("pager", "MALE", "수학과").await;
    let admin = app.admin().await;
    for delta in 1..=5 {
        admin
            .post(
                &format!("/api/ops/users/{my_id}/points"),
                &json!({"delta": delta * 10, "reason": "bonus"}),
            )
            .await
            .expect(200);
    }
    let page = me.get("/api/me/points?limit=2").await.expect(200);
    assert_eq!(page["balance"], 150);
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(
        (entries[0]["amount"].clone(), entries[1]["amount"].clone()),
        (json!(50), json!(40))
    );
    assert_eq!(entries[0]["balance_after"], 150);
    assert_eq!(entries[0]["kind"], "ADJUST");
    assert_eq!(entries[0]["reason"], "bonus");
    let before = entries[1]["id"].as_str().unwrap();
    let next = me
        .get(&format!("/api/me/points?limit=10&before={before}"))
        .await
        .expect(200);
    let amounts: Vec<i64> = next["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [30, 20, 10]);

    let other = app.client();
    other.join("other", "FEMALE", "수학과").await;
    me.post(
        "/api/charges",
        &json!({"amount": 1_000, "depositor_name": "먼저"}),
    )
    .await
    .expect(201);
    other
        .post(
            "/api/charges",
            &json!({"amount": 1_500, "depositor_name": "나중"}),
        )
        .await
        .expect(201);
    let pending = admin
        .get("/api/ops/charges?status=PENDING")
        .await
        .expect(200);
    let names: Vec<&str> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["depositor_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["먼저", "나중"]);
    assert_eq!(pending[0]["nickname"], "pager");
    assert_eq!(pending[0]["user_id"], my_id);
    assert_eq!(
        me.get("/api/me/charges").await.expect(200)[0]["status"],
        "PENDING"
    );
    app.stop().await;
}
