//! A student reports the partner of a chat from the chat screen, with a photo, in a real
//! headless Chromium at phone size against a real server, matcher and nats-server; the admin
//! sees the report with its download link, bans the partner in two taps with a reason, the ban
//! list shows it, and the banned student's login shows that reason word for word. Lifting the
//! ban from the list lets her in again. Screenshots go to target/screenshots/reports/.

use comatching_tests::app::{ADMIN_EMAIL, ADMIN_PASSWORD};
use comatching_tests::browser::ChromeDriver;
use comatching_tests::browser::{submit_login, wait_js};
use comatching_tests::{profile, spawn_app, ApiClient};
use fantoccini::Locator;
use serde_json::json;

/// A real 1×1 PNG (8-bit RGB, one pink pixel): signature, IHDR, IDAT (the zlib stream of
/// filter byte 0 and the pixel, with its Adler-32), IEND, every chunk with its CRC-32 (checked
/// by `the_photo_fixture_is_a_well_formed_png` below).
const PNG: [u8; 69] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, //
    0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, //
    0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, //
    0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xef, 0x5f, 0x0d, //
    0x00, 0x04, 0x1a, 0x01, 0xca, 0x5d, 0x7e, 0x69, 0x98, 0x00, 0x00, 0x00, //
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// What the reporting student writes.
const CONTENT: &str = "프로필 사진이 연예인 사진이에요. 다른 사람인 척하고 있어요.";
/// Why the admin bans: the banned student sees exactly this when signing in.
const REASON: &str = "다른 사람의 사진으로 가짜 프로필을 만들었어요";

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reported_partner_is_banned_from_the_reports_screen_and_sees_why_at_login() {
    let app = spawn_app().await;
    let (minsu, jiwoo) = (app.client(), app.client());
    student(&minsu, "minsu@test.ac.kr", "민수", "MALE", "minsu_kakao").await;
    let jiwoo_id = student(&jiwoo, "jiwoo@test.ac.kr", "지우", "FEMALE", "jiwoo_kakao").await;
    app.fund(&minsu, 3_000).await;
    app.ready_for_matches().await;

    let driver = ChromeDriver::start();
    let a = driver.browser(&app.base, "reports").await;

    // Minsu matches in the app and opens the chat from the result card.
    submit_login(&a, "minsu@test.ac.kr", "password123").await;
    a.wait_text("h1", "반가워요").await;
    a.open("match").await;
    a.click("form button[type=submit]").await;
    a.wait_text("#result", "지우").await;
    let match_id = minsu.get("/api/matches").await.expect(200)[0]["id"]
        .as_str()
        .expect("match id")
        .to_owned();
    a.click("#result a.chat-link").await;
    a.wait_text("#chat-title", "지우").await;
    a.wait_text("#chat-empty", "아직 메시지가 없어요").await;

    // He reports her: a category, what happened and a screenshot-like photo.
    a.click("#chat-report").await;
    a.wait_text("#report-form", "신고 유형").await;
    a.choose("#report-category", "FAKE_PROFILE").await;
    a.fill("#report-content", CONTENT).await;
    a.wait_text("#report-count", &format!("{}/300", CONTENT.chars().count()))
        .await;
    let photos = tempfile::tempdir().expect("a folder for the photo");
    let photo = photos.path().join("capture.png");
    std::fs::write(&photo, PNG).expect("write the photo");
    a.client
        .find(Locator::Css("#report-image"))
        .await
        .expect("the photo input")
        .send_keys(photo.to_str().expect("a UTF-8 path"))
        .await
        .expect("attach the photo");
    let attached = wait_js(
        &a,
        "the photo to be attached",
        "const input = document.getElementById('report-image');
         return input.files.length === 1 && [input.files[0].name, input.files[0].size];",
        vec![],
    )
    .await;
    assert_eq!(attached, json!(["capture.png", PNG.len()]));
    a.wait_text("#report-image-clear", "사진 빼기").await;
    a.screenshot("01-student-report-form").await;
    a.click("#report-submit").await;
    a.wait_text("#report-done", "신고가 접수됐어요. 운영자가 확인할게요.")
        .await;
    wait_js(
        &a,
        "the report form to close",
        "return document.getElementById('report-form').hidden
           && document.getElementById('chat-report').hidden;",
        vec![],
    )
    .await;
    a.screenshot("02-student-report-sent").await;

    // The server has it, photo and all.
    let admin = app.admin().await;
    let open = admin.get("/api/ops/reports?status=OPEN").await.expect(200);
    let reports = open.as_array().expect("a list of reports");
    assert_eq!(reports.len(), 1, "{open}");
    let report = &reports[0];
    let report_id = report["id"].as_str().expect("report id").to_owned();
    assert_eq!(report["match_id"], json!(match_id), "{report}");
    assert_eq!(
        (
            report["reporter"]["nickname"].as_str(),
            report["reported"]["nickname"].as_str(),
            report["reported"]["id"].as_str(),
        ),
        (Some("민수"), Some("지우"), Some(jiwoo_id.as_str())),
        "{report}"
    );
    assert_eq!(report["category"], "FAKE_PROFILE", "{report}");
    assert_eq!(report["content"], CONTENT, "{report}");
    assert_eq!(report["status"], "OPEN", "{report}");
    let image_url = format!("/api/ops/reports/{report_id}/image");
    assert_eq!(report["image_url"], json!(image_url), "{report}");
    let (status, _, disposition, bytes) = admin.download(&image_url).await;
    assert_eq!(status, 200);
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(bytes, PNG, "the photo arrives byte for byte");

    // The admin sees the report, with the photo as a download, never as an image.
    let op = driver.browser(&app.base, "reports").await;
    submit_login(&op, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    op.wait_text("#nav", "운영").await;
    op.open("ops-reports").await;
    let card = format!(".report-card[data-id='{report_id}']");
    let text = op.wait_text(&card, CONTENT).await;
    for shown in ["민수", "지우", "가짜 프로필"] {
        assert!(text.contains(shown), "{shown:?} is not on the card: {text}");
    }
    op.wait_text(&format!("{card} a.report-image"), "첨부 이미지 내려받기")
        .await;
    let link = op
        .client
        .execute(
            "const card = document.querySelector(arguments[0]);
             const a = card.querySelector('a.report-image');
             return [a.getAttribute('href'), a.hasAttribute('download'), card.querySelectorAll('img').length];",
            vec![json!(card)],
        )
        .await
        .expect("read the link");
    assert_eq!(link, json!([image_url, true, 0]));
    op.screenshot("03-operator-open-report").await;

    // A ban takes a reason and two taps.
    op.fill(&format!("{card} .resolve-reason"), REASON).await;
    op.click(&format!("{card} .resolve-ban")).await;
    op.wait_text(
        &format!("{card} .resolve-ban-confirm"),
        "정말 이용 정지할게요",
    )
    .await;
    op.screenshot("04-operator-ban-confirm").await;
    assert_eq!(
        admin.get("/api/ops/reports?status=OPEN").await.expect(200)[0]["status"],
        "OPEN",
        "the first tap changes nothing"
    );
    op.click(&format!("{card} .resolve-ban-confirm")).await;
    op.wait_text("#reports-status", "지우님을 이용 정지했어요")
        .await;
    op.wait_text("#reports-empty", "처리할 신고가 없어요").await;
    wait_js(
        &op,
        "the card to leave the open list",
        "return document.querySelector(arguments[0]) === null;",
        vec![json!(card)],
    )
    .await;
    op.screenshot("05-operator-report-resolved").await;
    let banned = admin
        .get("/api/ops/reports?status=BANNED")
        .await
        .expect(200);
    assert_eq!(banned[0]["id"], json!(report_id), "{banned}");
    assert_eq!(banned[0]["resolution"]["action"], "BAN", "{banned}");
    assert_eq!(banned[0]["resolution"]["reason"], REASON, "{banned}");

    // The resolved report under its tab, and the student on the ban list.
    op.click("#reports-tab-BANNED").await;
    op.wait_text(&format!("{card} .report-resolution"), REASON)
        .await;
    op.open("ops-bans").await;
    let row = format!("#bans .ban-row[data-user='{jiwoo_id}']");
    let text = op.wait_text(&row, REASON).await;
    assert!(text.contains("지우"), "{text}");
    assert!(text.contains("관리자"), "who banned her: {text}");
    op.screenshot("06-operator-bans").await;

    // Jiwoo cannot sign in, and is told why.
    let b = driver.browser(&app.base, "reports").await;
    submit_login(&b, "jiwoo@test.ac.kr", "password123").await;
    b.wait_text(
        "form .alert",
        &format!("이용이 정지된 계정이에요. 사유: {REASON}"),
    )
    .await;
    b.screenshot("07-banned-student-login").await;

    // Lifting the ban from the list: the row goes, and she can sign in again.
    op.click(&format!("{row} .unban")).await;
    op.wait_text("#bans-status", "지우님의 이용 정지를 풀었어요")
        .await;
    op.wait_text("#bans-empty", "이용이 정지된 사용자가 없어요")
        .await;
    op.screenshot("08-operator-unbanned").await;
    submit_login(&b, "jiwoo@test.ac.kr", "password123").await;
    b.wait_text("h1", "반가워요").await;

    a.close().await;
    op.close().await;
    b.close().await;
    app.stop().await;
}

/// CRC-32 (IEEE, as PNG uses it), bit by bit: small, and only for checking the fixture.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn the_photo_fixture_is_a_well_formed_png() {
    assert_eq!(&PNG[..8], b"\x89PNG\r\n\x1a\n");
    let mut at = 8;
    let mut kinds = Vec::new();
    while at < PNG.len() {
        let length = u32::from_be_bytes(PNG[at..at + 4].try_into().unwrap()) as usize;
        let kind_and_data = &PNG[at + 4..at + 8 + length];
        let crc = u32::from_be_bytes(PNG[at + 8 + length..at + 12 + length].try_into().unwrap());
        assert_eq!(crc32(kind_and_data), crc, "chunk at byte {at}");
        kinds.push(String::from_utf8(kind_and_data[..4].to_vec()).unwrap());
        at += 12 + length;
    }
    assert_eq!(at, PNG.len());
    assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
    // 1×1, 8 bits, RGB.
    assert_eq!(&PNG[16..26], &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2]);
}
