//! Running the booth, whole: notices, payment details, discounts, the promotion and the
//! sign-up bonus, booth codes and cash, over the real server, nats-server and matcher.

use comatching_tests::{spawn_app, spawn_app_with, ApiClient, TestApp};
use futures::future::join_all;
use serde_json::{json, Value};

/// An RFC 3339 instant `offset_s` seconds from now, in Seoul's offset (any offset is taken).
fn at(offset_s: i64) -> String {
    let seoul = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    (chrono::Utc::now() + chrono::Duration::seconds(offset_s))
        .with_timezone(&seoul)
        .to_rfc3339()
}

async fn student(app: &TestApp, nickname: &str, gender: &str) -> (ApiClient, String) {
    let client = app.client();
    let id = client.join(nickname, gender, "경영학과").await;
    (client, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_show_on_their_schedule_and_payment_details_are_public() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (minsu, _) = student(&app, "민수", "MALE").await;
    let public = app.client();

    let now = json!({"title": "부스 운영 시간", "content": "오늘은\n오후 6시까지 운영해요."});
    let shown = admin.post("/api/admin/notices", &now).await.expect(201)["notice"].clone();
    let later = json!({"title": "내일 공지", "content": "내일 봐요", "posted_at": at(3_600)});
    admin.post("/api/admin/notices", &later).await.expect(201);
    let closed = json!({"title": "지난 공지", "content": "끝", "posted_at": at(-7_200), "closed_at": at(-3_600)});
    admin.post("/api/admin/notices", &closed).await.expect(201);
    let list = public.get("/api/notices").await.expect(200);
    assert_eq!(
        list,
        json!([shown]),
        "only the current one, line break kept"
    );
    assert_eq!(
        admin
            .get("/api/admin/notices")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let (_, text) = public.text("/api/notices").await;
    assert!(text.contains("부스 운영 시간"));

    for (body, code) in [
        (json!({"title": "", "content": "x"}), "INVALID_TITLE"),
        (
            json!({"title": "가".repeat(61), "content": "x"}),
            "INVALID_TITLE",
        ),
        (
            json!({"title": "t", "content": "가".repeat(2_001)}),
            "INVALID_CONTENT",
        ),
        (
            json!({"title": "t", "content": "x", "posted_at": "내일"}),
            "INVALID_POSTED_AT",
        ),
        (
            json!({"title": "t", "content": "x", "posted_at": at(10), "closed_at": at(5)}),
            "INVALID_CLOSED_AT",
        ),
    ] {
        admin
            .post("/api/admin/notices", &body)
            .await
            .expect_error(422, code);
    }
    minsu
        .post("/api/admin/notices", &now)
        .await
        .expect_error(403, "FORBIDDEN");
    let id = shown["id"].as_str().unwrap();
    let edited = json!({"title": "부스 운영 시간 변경", "content": "오후 7시까지"});
    admin
        .put(&format!("/api/admin/notices/{id}"), &edited)
        .await
        .expect(200);
    assert_eq!(
        public.get("/api/notices").await.expect(200)[0]["title"],
        "부스 운영 시간 변경"
    );
    admin
        .call(
            reqwest::Method::DELETE,
            &format!("/api/admin/notices/{id}"),
            None,
        )
        .await
        .expect(204);
    assert_eq!(public.get("/api/notices").await.expect(200), json!([]));

    public
        .get("/api/payment-info")
        .await
        .expect_error(404, "NOT_FOUND");
    let bad = json!({"bank": "카카오뱅크", "account_number": "3333-01-번호", "holder": "코매칭"});
    admin
        .put("/api/admin/payment-info", &bad)
        .await
        .expect_error(422, "INVALID_ACCOUNT_NUMBER");
    let info = json!({"bank": "카카오뱅크", "account_number": "3333-01-1234567", "holder": "코매칭", "note": "입금자명은 닉네임으로"});
    assert_eq!(
        admin
            .put("/api/admin/payment-info", &info)
            .await
            .expect(200),
        info
    );
    assert_eq!(public.get("/api/payment-info").await.expect(200), info);
    minsu
        .put("/api/admin/payment-info", &info)
        .await
        .expect_error(403, "FORBIDDEN");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discount_lowers_quotes_and_matches_exactly_and_never_overlaps() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (minsu, _) = student(&app, "민수", "MALE").await;
    student(&app, "지우", "FEMALE").await;
    app.fund(&minsu, 5_000).await;
    app.ready_for_matches().await;

    let running =
        json!({"kind": "DISCOUNT", "percent": 20, "starts_at": at(-60), "ends_at": at(3_600)});
    let event = admin.post("/api/admin/events", &running).await.expect(201)["event"].clone();
    let overlapping =
        json!({"kind": "DISCOUNT", "percent": 10, "starts_at": at(1_800), "ends_at": at(7_200)});
    admin
        .post("/api/admin/events", &overlapping)
        .await
        .expect_error(409, "CONFLICT");
    for (body, code) in [
        (
            json!({"kind": "DISCOUNT", "percent": 4, "starts_at": at(4_000), "ends_at": at(5_000)}),
            "INVALID_PERCENT",
        ),
        (
            json!({"kind": "DISCOUNT", "percent": 41, "starts_at": at(4_000), "ends_at": at(5_000)}),
            "INVALID_PERCENT",
        ),
        (
            json!({"kind": "DISCOUNT", "percent": 10, "starts_at": at(5_000), "ends_at": at(4_000)}),
            "INVALID_ENDS_AT",
        ),
    ] {
        admin
            .post("/api/admin/events", &body)
            .await
            .expect_error(422, code);
    }
    let back_to_back = json!({"kind": "DISCOUNT", "percent": 10, "starts_at": running["ends_at"], "ends_at": at(7_200)});
    admin
        .post("/api/admin/events", &back_to_back)
        .await
        .expect(201);
    assert_eq!(
        app.client()
            .get("/api/events")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        app.client().get("/api/catalog").await.expect(200)["discount"]["percent"],
        20
    );

    let options = json!({"options": {}});
    let quote = minsu.post("/api/matches/quote", &options).await.expect(200);
    assert_eq!(
        quote,
        json!({"price": 800, "list_price": 1_000, "discount_percent": 20})
    );
    let matched = minsu.post("/api/matches", &options).await.expect(201);
    assert_eq!(
        (
            matched["match"]["price"].as_u64(),
            matched["balance"].as_u64()
        ),
        (Some(800), Some(4_200))
    );
    let ledger = minsu.get("/api/me/points").await.expect(200);
    let spent: Vec<_> = ledger["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "MATCH")
        .collect();
    assert_eq!(
        spent[0]["amount"], -800,
        "the ledger carries the discounted price"
    );

    admin
        .call(
            reqwest::Method::DELETE,
            &format!("/api/admin/events/{}", event["id"].as_str().unwrap()),
            None,
        )
        .await
        .expect(204);
    assert_eq!(
        app.client().get("/api/catalog").await.expect(200)["discount"],
        Value::Null
    );
    assert_eq!(
        minsu.post("/api/matches/quote", &options).await.expect(200)["price"],
        1_000
    );

    // The boundaries, at exact instants: the start is in, the end is out.
    let (starts, ends) = (4_102_444_800_000, 4_102_448_400_000);
    app.db()
        .create_discount(30, starts, ends, starts - 1)
        .await
        .unwrap();
    let active = |now| app.db().active_discount(now).unwrap().map(|d| d.percent);
    assert_eq!(
        [
            active(starts - 1),
            active(starts),
            active(ends - 1),
            active(ends)
        ],
        [None, Some(30), Some(30), None]
    );
    app.assert_audit_passes();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_promotion_is_claimed_once_under_fifty_racing_requests() {
    let app = spawn_app_with(|config| config.signup_bonus = 300, true).await;
    let admin = app.admin().await;
    let (minsu, _) = student(&app, "민수", "MALE").await;
    let me = minsu.get("/api/me").await.expect(200);
    assert_eq!(
        (me["points"].as_u64(), me["promo_available"].as_bool()),
        (Some(300), Some(false))
    );
    minsu
        .post("/api/me/promo", &json!({}))
        .await
        .expect_error(403, "PROMO_INACTIVE");

    let promo = json!({"active": true, "amount": 500, "below": 1_000});
    assert_eq!(
        admin.put("/api/admin/promo", &promo).await.expect(200),
        promo
    );
    for (body, code) in [
        (
            json!({"active": true, "amount": 99, "below": 1_000}),
            "INVALID_AMOUNT",
        ),
        (
            json!({"active": true, "amount": 500, "below": -1}),
            "INVALID_BELOW",
        ),
    ] {
        admin
            .put("/api/admin/promo", &body)
            .await
            .expect_error(422, code);
    }
    assert_eq!(
        app.client().get("/api/catalog").await.expect(200)["promo"],
        promo
    );
    assert_eq!(
        minsu.get("/api/me").await.expect(200)["promo_available"],
        true
    );

    let empty = json!({});
    let claims = join_all((0..50).map(|_| minsu.post("/api/me/promo", &empty))).await;
    let granted: Vec<_> = claims.iter().filter(|r| r.status == 200).collect();
    assert_eq!(granted.len(), 1, "claimed exactly once");
    assert_eq!(granted[0].body["balance"], 800);
    for refused in claims.iter().filter(|r| r.status != 200) {
        refused.expect_error(409, "ALREADY_USED");
    }
    assert_eq!(
        minsu.get("/api/me").await.expect(200)["promo_available"],
        false
    );
    let kinds: Vec<_> = minsu.get("/api/me/points").await.expect(200)["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["amount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds.iter().filter(|(k, _)| k == "PROMO").count(),
        2,
        "{kinds:?}"
    );

    let (rich, _) = student(&app, "부자", "FEMALE").await;
    app.fund(&rich, 2_000).await;
    rich.post("/api/me/promo", &json!({}))
        .await
        .expect_error(422, "BALANCE_TOO_HIGH");
    app.assert_audit_passes();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cash_at_the_booth_is_credited_once_whatever_the_retries() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (jiwoo, jiwoo_id) = student(&app, "지우", "FEMALE").await;

    let booth = jiwoo
        .post("/api/me/booth-code", &json!({}))
        .await
        .expect(201);
    let code = booth["code"].as_str().unwrap().to_owned();
    assert!(booth["qr_svg"].as_str().unwrap().contains("<svg"));
    let student = admin
        .get(&format!("/api/ops/booth-code/{}", code.to_lowercase()))
        .await
        .expect(200);
    assert_eq!(
        student,
        json!({"user_id": jiwoo_id, "nickname": "지우", "points": 0, "contact": {"type": "KAKAO", "id": "kakao_지우"}})
    );
    jiwoo
        .get(&format!("/api/ops/booth-code/{code}"))
        .await
        .expect_error(403, "FORBIDDEN");

    let path = format!("/api/ops/booth-code/{code}/charge");
    admin
        .post(&path, &json!({"amount": 3_000}))
        .await
        .expect_error(422, "INVALID_IDEMPOTENCY_KEY");
    admin
        .keyed_post(&path, "cash-1", &json!({"amount": 50}))
        .await
        .expect_error(422, "INVALID_AMOUNT");
    let cash = json!({"amount": 3_000});
    let retries = join_all((0..10).map(|_| admin.keyed_post(&path, "cash-1", &cash))).await;
    for reply in &retries {
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.body["balance"], 3_000, "every retry answers the same");
    }
    assert_eq!(
        jiwoo.get("/api/me").await.expect(200)["points"],
        3_000,
        "credited once"
    );
    admin
        .get(&format!("/api/ops/booth-code/{code}"))
        .await
        .expect_error(404, "NOT_FOUND");
    admin
        .keyed_post(&path, "cash-2", &json!({"amount": 3_000}))
        .await
        .expect_error(404, "NOT_FOUND");
    let trail = admin.get("/api/ops/audit").await.expect(200);
    assert!(
        trail
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "BOOTH_CHARGE"),
        "{trail}"
    );
    let stats = admin.get("/api/ops/stats").await.expect(200);
    let charged: u64 = stats["today_by_hour"]["points_charged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(charged, 3_000);
    let signups: u64 = stats["today_by_hour"]["signups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(signups >= 2, "the admin and 지우 signed up today: {stats}");

    // A new code replaces the old one; lookups are limited per operator.
    let first = jiwoo
        .post("/api/me/booth-code", &json!({}))
        .await
        .expect(201)["code"]
        .clone();
    let second = jiwoo
        .post("/api/me/booth-code", &json!({}))
        .await
        .expect(201)["code"]
        .clone();
    admin
        .get(&format!("/api/ops/booth-code/{}", first.as_str().unwrap()))
        .await
        .expect_error(404, "NOT_FOUND");
    let mut limited = false;
    for _ in 0..40 {
        let reply = admin
            .get(&format!("/api/ops/booth-code/{}", second.as_str().unwrap()))
            .await;
        if reply.status == 429 {
            limited = true;
            break;
        }
        assert_eq!(reply.status, 200);
    }
    assert!(limited, "lookups are rate-limited");
    app.assert_audit_passes();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_see_the_student_and_their_contact_beside_a_charge() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (minsu, minsu_id) = student(&app, "민수", "MALE").await;
    minsu
        .post(
            "/api/charges",
            &json!({"amount": 2_000, "depositor_name": "김민수"}),
        )
        .await
        .expect(201);
    let list = admin.get("/api/ops/charges").await.expect(200);
    assert_eq!(list[0]["user_id"], minsu_id.as_str());
    assert_eq!(list[0]["nickname"], "민수");
    assert_eq!(list[0]["depositor_name"], "김민수");
    assert_eq!(
        list[0]["contact"],
        json!({"type": "KAKAO", "id": "kakao_민수"})
    );
    app.stop().await;
}
