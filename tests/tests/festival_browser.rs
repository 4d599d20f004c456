//! Festival operations in a real headless Chromium at phone size against a real server, matcher
//! and nats-server. The admin sets the bank account, writes a notice, runs a discount from a
//! minute ago for an hour and turns a promotion on; a new student sees the notice on the home
//! screen and claims the promotion, copies the account number on the charge screen, sees the
//! discounted price on the match screen and opens a booth code; the admin at the booth types
//! that code, credits cash in two taps, and the student's screen notices; the stats screen draws
//! today's hours. An operator who is not an admin never sees the admin screens. Screenshots go
//! to target/screenshots/festival/.

use comatching_tests::app::{ADMIN_EMAIL, ADMIN_PASSWORD};
use comatching_tests::browser::{js, submit_login, wait_js};
use comatching_tests::browser::{Browser, ChromeDriver};
use comatching_tests::{profile, spawn_app};
use serde_json::{json, Value};

const BANK: &str = "카카오뱅크";
const ACCOUNT: &str = "3333-01-2345678";
const HOLDER: &str = "코매칭";
const NOTE: &str = "입금자명은 닉네임으로 적어 주세요.";
const NOTICE_TITLE: &str = "오늘 밤 8시 불꽃놀이";
const NOTICE_CONTENT: &str = "운동장에서 불꽃놀이가 있어요. 코매칭 부스는 8시까지 열어요.";

/// `n` as the app writes points: "3,500P".
fn points(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{}{grouped}P", if n < 0 { "-" } else { "" })
}

/// Sets the `<input type=datetime-local>` with id `id` to Seoul time `minutes` from now (typing
/// into such a field depends on the browser's locale; its value never does).
async fn set_seoul_time(browser: &Browser, id: &str, minutes: i64) {
    let value = wait_js(
        browser,
        &format!("#{id} to take a time"),
        "const input = document.getElementById(arguments[0]);
         if (!input) return null;
         input.value = new Date(Date.now() + arguments[1] * 60000 + 9 * 3600000).toISOString().slice(0, 16);
         input.dispatchEvent(new Event('input', { bubbles: true }));
         input.dispatchEvent(new Event('change', { bubbles: true }));
         return input.value;",
        vec![json!(id), json!(minutes)],
    )
    .await;
    assert_eq!(
        value.as_str().map(str::len),
        Some(16),
        "#{id} holds a time: {value}"
    );
}

/// Scrolls what a screenshot is about into the middle of the screen.
async fn show(browser: &Browser, css: &str) {
    js(
        browser,
        "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' }); return true;",
        vec![json!(css)],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_runs_the_festival_and_a_student_pays_cash_at_the_booth() {
    let app = spawn_app().await;
    let student = app.client();
    student
        .signup("haneul@test.ac.kr", "하늘")
        .await
        .expect(201);
    student
        .put_profile(&profile("FEMALE", "경영학과", "haneul_kakao"))
        .await
        .expect(200);
    assert_eq!(student.get("/api/me").await.expect(200)["points"], 0);
    student.get("/api/payment-info").await.expect(404);
    let admin = app.admin().await;

    let driver = ChromeDriver::start();
    let op = driver.browser(&app.base, "festival").await;
    submit_login(&op, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    op.wait_text("#nav", "운영").await;

    // 1. The admin: where students send money…
    op.open("ops-payment").await;
    op.wait_text("#payment-form", "입금 계좌 정하기").await;
    op.fill("#pay-bank", BANK).await;
    op.fill("#pay-account", ACCOUNT).await;
    op.fill("#pay-holder", HOLDER).await;
    op.fill("#pay-note", NOTE).await;
    op.click("#pay-save").await;
    op.wait_text("#pay-status", "저장했어요").await;
    op.screenshot("01-admin-payment").await;
    let info = student.get("/api/payment-info").await.expect(200);
    assert_eq!(
        (
            info["bank"].as_str(),
            info["account_number"].as_str(),
            info["holder"].as_str(),
            info["note"].as_str()
        ),
        (Some(BANK), Some(ACCOUNT), Some(HOLDER), Some(NOTE)),
        "{info}"
    );

    // …a notice from now until removed…
    op.open("ops-notices").await;
    op.fill("#notice-title", NOTICE_TITLE).await;
    op.fill("#notice-content", NOTICE_CONTENT).await;
    op.click("#notice-save").await;
    op.wait_text("#notice-status", "공지를 올렸어요").await;
    let row = op.wait_text("#notice-list .notice-row", NOTICE_TITLE).await;
    assert!(row.contains("게시 중"), "{row}");
    show(&op, "#notice-list").await;
    op.screenshot("02-admin-notices").await;
    let notices = student.get("/api/notices").await.expect(200);
    assert_eq!(notices.as_array().map(Vec::len), Some(1), "{notices}");
    assert_eq!(notices[0]["title"], NOTICE_TITLE, "{notices}");
    assert_eq!(notices[0]["content"], NOTICE_CONTENT, "{notices}");
    assert_eq!(notices[0]["closed_at"], Value::Null, "{notices}");

    // …20% off from a minute ago for an hour…
    op.open("ops-events").await;
    op.fill("#event-percent", "20").await;
    set_seoul_time(&op, "event-starts", -1).await;
    set_seoul_time(&op, "event-ends", 60).await;
    op.click("#event-save").await;
    op.wait_text("#event-status", "할인을 만들었어요").await;
    let row = op.wait_text("#event-list .event-row", "20% 할인").await;
    assert!(row.contains("진행 중"), "{row}");
    show(&op, "#event-list").await;
    op.screenshot("03-admin-discount").await;

    // …and 500P for anyone under 1,000P.
    op.fill("#promo-amount", "500").await;
    op.fill("#promo-below", "1000").await;
    if js(
        &op,
        "return document.getElementById('promo-active').checked;",
        vec![],
    )
    .await
        != Value::Bool(true)
    {
        op.click("#promo-active").await;
    }
    op.click("#promo-save").await;
    op.wait_text("#promo-status", "500P").await;
    show(&op, "#promo-form").await;
    op.screenshot("04-admin-promo").await;
    let catalog = student.get("/api/catalog").await.expect(200);
    assert_eq!(catalog["discount"]["percent"], 20, "{catalog}");
    assert_eq!(
        catalog["promo"],
        json!({"active": true, "amount": 500, "below": 1000}),
        "{catalog}"
    );
    let events = student.get("/api/events").await.expect(200);
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");
    assert_eq!(events[0]["kind"], "DISCOUNT", "{events}");
    assert_eq!(events[0]["percent"], 20, "{events}");
    assert_eq!(
        student.get("/api/me").await.expect(200)["promo_available"],
        true
    );

    // 2. The student: the notice on top, and the promotion claimed in one tap.
    let s = driver.browser(&app.base, "festival").await;
    submit_login(&s, "haneul@test.ac.kr", "password123").await;
    s.wait_text("h1", "하늘님, 반가워요").await;
    let notice = s.wait_text("#notices .notice", NOTICE_TITLE).await;
    assert!(notice.contains(NOTICE_CONTENT), "{notice}");
    s.wait_text("#promo-claim", "500P 받기").await;
    s.wait_text("#balance", "0P").await;
    s.screenshot("05-student-home-notice-promo").await;
    s.click("#promo-claim").await;
    s.wait_text("#promo-result", "500P를 받았어요").await;
    s.wait_text("#balance", "500P").await;
    s.wait_text("#entries", "이벤트 지급").await;
    s.screenshot("06-student-promo-claimed").await;
    let me = student.get("/api/me").await.expect(200);
    assert_eq!(
        (me["points"].clone(), me["promo_available"].clone()),
        (json!(500), json!(false)),
        "{me}"
    );
    student
        .post("/api/me/promo", &json!({}))
        .await
        .expect_error(409, "ALREADY_USED");

    // The charge screen: where to send how much, each copied in a tap.
    s.open("charge").await;
    s.wait_text("#pay-account-number", ACCOUNT).await;
    let shown = s.wait_text("#payment-info", BANK).await;
    assert!(shown.contains(HOLDER) && shown.contains(NOTE), "{shown}");
    s.choose("select[name=amount]", "3000").await;
    s.wait_text("#pay-amount", "3,000원").await;
    // What the page hands to the clipboard.
    js(
        &s,
        "window.copied = [];
         const write = navigator.clipboard.writeText.bind(navigator.clipboard);
         navigator.clipboard.writeText = (text) => { window.copied.push(text); return write(text); };
         return true;",
        vec![],
    )
    .await;
    s.click("#copy-account").await;
    s.wait_text("#copy-status", "계좌번호를 복사했어요").await;
    s.screenshot("07-student-charge-copied").await;
    s.click("#copy-amount").await;
    s.wait_text("#copy-status", "금액을 복사했어요").await;
    assert_eq!(
        js(&s, "return window.copied;", vec![]).await,
        json!([ACCOUNT, "3000"])
    );
    s.wait_text("#booth-link", "부스에서 현금으로 충전하기")
        .await;

    // The match screen: the discount and the price before and after it.
    s.open("match").await;
    let banner = s.wait_text("#discount", "지금 20% 할인 중").await;
    assert!(banner.contains("까지"), "{banner}");
    let quote = student
        .post("/api/matches/quote", &json!({"options": {}}))
        .await
        .expect(200);
    assert_eq!(quote["discount_percent"], 20, "{quote}");
    let price = quote["price"].as_i64().expect("a price");
    let list_price = quote["list_price"].as_i64().expect("a list price");
    assert!(price < list_price, "{quote}");
    s.wait_text("#price #final-price", &points(price)).await;
    s.wait_text("#price #list-price", &points(list_price)).await;
    s.screenshot("08-student-match-discount").await;

    // The booth screen, from the charge screen's link: a QR code and the same code in letters.
    s.open("charge").await;
    // Once the account is shown, nothing moves the link under the tap.
    s.wait_text("#pay-account-number", ACCOUNT).await;
    s.click("#booth-link").await;
    s.wait_text("h1", "부스에서 현금 충전").await;
    let code = wait_js(
        &s,
        "a booth code",
        "return document.getElementById('booth-code-text')?.textContent || null;",
        vec![],
    )
    .await;
    let code = code.as_str().expect("the code in letters").to_owned();
    s.wait_text("#booth-countdown", "남은 시간").await;
    let qr = wait_js(
        &s,
        "the QR code to be drawn",
        "const img = document.getElementById('booth-qr');
         return !img.hidden && img.complete && img.naturalWidth > 0 && img.getAttribute('src').slice(0, 26);",
        vec![],
    )
    .await;
    assert_eq!(qr, json!("data:image/svg+xml;base64,"));
    s.wait_text("#booth-balance", "500P").await;
    s.screenshot("09-student-booth-code").await;

    // 3. The admin at the booth: the typed code, the student, the cash in two taps.
    op.open("ops-booth").await;
    op.fill("#booth-code", &code).await;
    op.click("#booth-lookup").await;
    let card = op.wait_text("#booth-student", "하늘").await;
    assert!(card.contains("500P"), "{card}");
    assert!(card.contains("카카오톡 haneul_kakao"), "{card}");
    op.fill("#booth-amount", "3000").await;
    op.click("#booth-charge").await;
    op.wait_text("#booth-confirm-note", "하늘님에게 3,000P를 충전해요")
        .await;
    op.wait_text("#booth-charge-confirm", "충전").await;
    op.screenshot("10-operator-booth-confirm").await;
    assert_eq!(
        student.get("/api/me").await.expect(200)["points"],
        500,
        "the first tap credits nothing"
    );
    op.click("#booth-charge-confirm").await;
    op.wait_text("#booth-result", "충전 완료 · 잔액 3,500P")
        .await;
    op.screenshot("11-operator-booth-charged").await;
    assert_eq!(student.get("/api/me").await.expect(200)["points"], 3_500);
    let ledger = student.get("/api/me/points").await.expect(200);
    assert_eq!(ledger["balance"], 3_500, "{ledger}");
    assert_eq!(
        (
            ledger["entries"][0]["kind"].clone(),
            ledger["entries"][0]["amount"].clone()
        ),
        (json!("CHARGE"), json!(3_000)),
        "{ledger}"
    );

    // The student's screen sees the cash arrive by itself.
    s.wait_text("#booth-credited", "3,000P 충전됐어요").await;
    s.wait_text("#booth-balance", "3,500P").await;
    s.screenshot("12-student-booth-credited").await;

    // A code credits once: after the charge it is not found any more.
    op.click("#booth-next").await;
    op.fill("#booth-code", &code).await;
    op.click("#booth-lookup").await;
    op.wait_text("#err-code", "코드를 찾을 수 없어요").await;
    assert_eq!(student.get("/api/me").await.expect(200)["points"], 3_500);

    // 4. The stats screen: today's hours as three charts, every number also in a table.
    op.open("ops-stats").await;
    let charts = op.wait_text("#charts", "충전 포인트").await;
    assert!(
        charts.contains("가입") && charts.contains("매칭"),
        "{charts}"
    );
    let rows = wait_js(
        &op,
        "three charts with their tables",
        "const charts = document.querySelectorAll('#charts svg[role=img]');
         return charts.length === 3
           && Array.from(document.querySelectorAll('#charts table')).map((t) => t.querySelectorAll('tbody tr').length);",
        vec![],
    )
    .await;
    assert_eq!(rows, json!([24, 24, 24]));
    let stats = admin.get("/api/ops/stats").await.expect(200);
    let hours = &stats["today_by_hour"];
    for key in ["signups", "matches", "points_charged"] {
        assert_eq!(hours[key].as_array().map(Vec::len), Some(24), "{stats}");
    }
    let charged: i64 = hours["points_charged"]
        .as_array()
        .expect("24 hours")
        .iter()
        .map(|v| v.as_i64().unwrap_or(0))
        .sum();
    assert!(charged >= 3_000, "the booth's cash is counted: {stats}");
    op.wait_text("#chart-points", &format!("오늘 {}", points(charged)))
        .await;
    let summary = js(
        &op,
        "return document.querySelector('#chart-points desc').textContent;",
        vec![],
    )
    .await;
    assert!(
        summary
            .as_str()
            .is_some_and(|text| text.contains(&format!("오늘 합계 {}", points(charged)))),
        "{summary}"
    );
    show(&op, "#charts").await;
    op.screenshot("13-operator-stats-charts").await;

    // An operator who is not an admin: the booth, but no admin screens.
    let helper = app.client();
    let helper_id = helper
        .signup("booth@test.ac.kr", "부스도우미")
        .await
        .expect(201)["user"]["id"]
        .as_str()
        .expect("user id")
        .to_owned();
    admin
        .put(
            &format!("/api/admin/users/{helper_id}/role"),
            &json!({"role": "OPERATOR"}),
        )
        .await
        .expect(200);
    let o = driver.browser(&app.base, "festival").await;
    submit_login(&o, "booth@test.ac.kr", "password123").await;
    o.wait_text("#nav", "운영").await;
    o.open("ops-stats").await;
    let menu = o.wait_text("nav.ops-nav", "부스 충전").await;
    assert!(!menu.contains("입금 계좌"), "{menu}");
    assert_eq!(
        js(
            &o,
            "return document.getElementById('ops-admin-nav') === null;",
            vec![]
        )
        .await,
        json!(true)
    );
    o.open("ops-notices").await;
    wait_js(
        &o,
        "an operator to be sent to the charge queue",
        "return location.hash === '#/ops';",
        vec![],
    )
    .await;
    o.wait_text("h1", "충전 요청 확인").await;

    o.close().await;
    s.close().await;
    op.close().await;
    app.stop().await;
}

#[test]
fn points_are_written_as_the_app_writes_them() {
    assert_eq!(points(0), "0P");
    assert_eq!(points(500), "500P");
    assert_eq!(points(3_500), "3,500P");
    assert_eq!(points(1_234_567), "1,234,567P");
    assert_eq!(points(-800), "-800P");
}
