//! The web app's files: compressed, with an ETag so a repeat visit revalidates to a 304, and
//! the app served at `/reset` (where reset mails link).

use comatching_tests::spawn_app_without_matcher;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_compressed_and_revalidate_to_304() {
    let app = spawn_app_without_matcher().await;
    let http = reqwest::Client::new();
    let get = |path: &str, headers: &[(&str, &str)]| {
        let mut request = http.get(format!("{}{path}", app.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let first = get("/app.css", &[("accept-encoding", "gzip")])
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-encoding"], "gzip");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let again = get("/app.css", &[("if-none-match", etag.as_str())])
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());
    let changed = get("/app.css", &[("if-none-match", "\"something-else\"")])
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);

    let icon = get("/favicon.svg", &[]).await.unwrap();
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    let index = get("/", &[]).await.unwrap().text().await.unwrap();
    assert!(index.contains("/favicon.svg"));
    let reset = get("/reset", &[]).await.unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(
        reset.text().await.unwrap(),
        index,
        "the app itself at /reset"
    );
    app.stop().await;
}
