//! Reports and bans, whole: a student reports their match partner (with a real picture), an
//! operator reads the queue, downloads the picture, and bans with a reason the student then
//! sees at login.

use comatching_tests::{spawn_app, ApiClient, TestApp};
use serde_json::json;

/// Two students matched with each other: (requester, partner, match id, partner's id).
async fn matched_pair(app: &TestApp) -> (ApiClient, ApiClient, String, String) {
    let (minsu, jiwoo) = (app.client(), app.client());
    minsu.join("민수", "MALE", "컴퓨터공학과").await;
    let jiwoo_id = jiwoo.join("지우", "FEMALE", "경영학과").await;
    app.fund(&minsu, 5_000).await;
    app.ready_for_matches().await;
    let reply = minsu.request_match().await.expect(201);
    let id = reply["match"]["id"].as_str().expect("match id").to_owned();
    (minsu, jiwoo, id, jiwoo_id)
}

/// A real PNG picture of `side` × `side` pixels.
fn png(side: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(side, side, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_reach_operators_who_dismiss_or_ban_with_a_reason() {
    let app = spawn_app().await;
    let (minsu, jiwoo, match_id, jiwoo_id) = matched_pair(&app).await;
    let admin = app.admin().await;

    let report = json!({"match_id": match_id, "category": "FAKE_PROFILE", "content": "사진이 다른 사람이에요"});
    let filed = minsu.post("/api/reports", &report).await.expect(201)["report"].clone();
    assert_eq!(
        (
            filed["reported"]["nickname"].as_str(),
            filed["status"].as_str()
        ),
        (Some("지우"), Some("OPEN"))
    );
    assert_eq!(filed["image_url"], serde_json::Value::Null);
    minsu
        .post("/api/reports", &report)
        .await
        .expect_error(409, "CONFLICT");
    let stranger = app.client();
    stranger.join("낯선이", "FEMALE", "수학과").await;
    stranger
        .post("/api/reports", &report)
        .await
        .expect_error(404, "NOT_FOUND");

    // The partner reports back, with a picture sent as a form.
    let picture = png(64);
    let texts = [
        ("match_id", match_id.as_str()),
        ("category", "HARASSMENT"),
        ("content", "불쾌한 말을 했어요"),
    ];
    let with_image = jiwoo
        .post_form("/api/reports", &texts, Some(picture.clone()))
        .await
        .expect(201);
    let image_url = with_image["report"]["image_url"]
        .as_str()
        .expect("an image url")
        .to_owned();

    // Bad forms change nothing.
    for (image, status, code) in [
        (b"<svg onload=alert(1)>".to_vec(), 422, "INVALID_IMAGE"),
        (picture[..picture.len() / 2].to_vec(), 422, "INVALID_IMAGE"),
        (vec![0x89; 2 * 1024 * 1024 + 1], 413, "PAYLOAD_TOO_LARGE"),
    ] {
        let stranger_texts = [
            ("match_id", match_id.as_str()),
            ("category", "SPAM"),
            ("content", "x"),
        ];
        jiwoo
            .post_form("/api/reports", &stranger_texts, Some(image))
            .await
            .expect_error(status, code);
    }
    let bad_category = [
        ("match_id", match_id.as_str()),
        ("category", "ABUSE"),
        ("content", "x"),
    ];
    jiwoo
        .post_form("/api/reports", &bad_category, None)
        .await
        .expect_error(422, "INVALID_CATEGORY");
    let empty = json!({"match_id": match_id, "category": "OTHER", "content": "   "});
    jiwoo
        .post("/api/reports", &empty)
        .await
        .expect_error(422, "INVALID_CONTENT");

    // Students see no queue and no picture; operators see both.
    minsu
        .get("/api/ops/reports")
        .await
        .expect_error(403, "FORBIDDEN");
    assert_eq!(minsu.download(&image_url).await.0, 403);
    let queue = admin.get("/api/ops/reports?status=OPEN").await.expect(200);
    let ids: Vec<_> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(
        ids,
        [filed["id"].clone(), with_image["report"]["id"].clone()],
        "oldest first"
    );
    let (status, content_type, disposition, bytes) = admin.download(&image_url).await;
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(bytes, picture, "kept as sent");

    let dismissed = admin
        .post(
            &format!(
                "/api/ops/reports/{}/resolve",
                with_image["report"]["id"].as_str().unwrap()
            ),
            &json!({"action": "DISMISS", "reason": "대화 내용상 문제 없음"}),
        )
        .await
        .expect(200);
    assert_eq!(dismissed["report"]["status"], "DISMISSED");
    assert_eq!(
        dismissed["report"]["resolution"]["by"]["nickname"],
        "관리자"
    );

    let reason = "가짜 프로필로 확인됨";
    let resolve = format!("/api/ops/reports/{}/resolve", filed["id"].as_str().unwrap());
    admin
        .post(&resolve, &json!({"action": "BAN", "reason": ""}))
        .await
        .expect_error(422, "INVALID_REASON");
    let banned = admin
        .post(&resolve, &json!({"action": "BAN", "reason": reason}))
        .await
        .expect(200);
    assert_eq!(banned["report"]["status"], "BANNED");
    admin
        .post(&resolve, &json!({"action": "DISMISS", "reason": "다시"}))
        .await
        .expect_error(409, "CONFLICT");
    jiwoo
        .get("/api/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let login = json!({"email": "지우@test.ac.kr", "password": "password123"});
    let refused = app.client().post("/api/auth/login", &login).await;
    refused.expect_error(403, "BANNED");
    assert_eq!(
        refused.body["error"]["message"], reason,
        "the student sees why"
    );
    let bans = admin.get("/api/ops/bans").await.expect(200);
    assert_eq!(
        bans,
        json!([{"user_id": jiwoo_id, "nickname": "지우", "reason": reason, "by": "관리자", "at": bans[0]["at"]}])
    );
    assert_eq!(
        admin
            .get("/api/ops/reports?status=BANNED")
            .await
            .expect(200)[0]["id"],
        filed["id"]
    );
    assert_eq!(admin.get("/api/ops/reports").await.expect(200), json!([]));

    // A ban needs a reason; lifting one does not, and clears the list.
    let minsu_id = minsu.get("/api/me").await.expect(200)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    admin
        .post(&format!("/api/ops/users/{minsu_id}/ban"), &json!({}))
        .await
        .expect_error(422, "INVALID_REASON");
    admin
        .post(&format!("/api/ops/users/{jiwoo_id}/unban"), &json!({}))
        .await
        .expect(200);
    assert_eq!(admin.get("/api/ops/bans").await.expect(200), json!([]));
    app.client()
        .post("/api/auth/login", &login)
        .await
        .expect(200);
    app.assert_audit_passes();
    app.stop().await;
}
