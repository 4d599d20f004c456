//! Schema-driven fuzzing: schemathesis (from PyPI; `scripts/test.sh` installs it) generates
//! requests for every operation of `/api/openapi.json` against the whole running system,
//! signed in as a student and as an operator. It checks that no reply is a 5xx and that every
//! reply (status, content type, body) is one the description allows.

use comatching_tests::app::spawn_app;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Generated requests per operation and phase: bounded, so the run stays near a minute.
/// `COMATCHING_FUZZ_EXAMPLES=N` asks for a deeper run.
const MAX_EXAMPLES: &str = "15";
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance";
/// Ending the session under test would leave the rest of the run signed out: these two are
/// covered by the whole-system tests instead.
const SESSION_ENDING: &str = "^(POST /api/auth/logout|DELETE /api/me)$";

/// `$SCHEMATHESIS_BIN`, or the project's `tools/` install.
fn schemathesis() -> PathBuf {
    if let Some(path) = std::env::var_os("SCHEMATHESIS_BIN") {
        return path.into();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/schemathesis/bin/st")
}

fn max_examples() -> String {
    std::env::var("COMATCHING_FUZZ_EXAMPLES").unwrap_or_else(|_| MAX_EXAMPLES.to_owned())
}

async fn fuzz_as(who: &str, base: &str, cookie: &str, report: &Path) {
    let binary = schemathesis();
    assert!(
        binary.exists(),
        "{} is missing: run scripts/test.sh, which installs schemathesis",
        binary.display()
    );
    let output = tokio::process::Command::new(&binary)
        .arg("run")
        .arg(format!("{base}/api/openapi.json"))
        .args(["--checks", CHECKS, "--max-examples", &max_examples()])
        .args(["--seed", "20261125"])
        .args(["--phases", "examples,coverage,fuzzing", "--workers", "2"])
        .args(["--exclude-name-regex", SESSION_ENDING])
        .args(["--header", &format!("Cookie: {cookie}")])
        .args(["--report", "junit", "--report-dir"])
        .arg(report)
        .env("NO_COLOR", "1")
        // Its caches (crashes, hypothesis examples) go there too, not into the checkout.
        .current_dir(report)
        .kill_on_drop(true)
        .output()
        .await
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis as {who} found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("passed"),
        "schemathesis ran nothing:\n{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_get_no_5xx_and_replies_that_match_the_description() {
    let app = spawn_app().await;
    let student = app.client();
    student.join("퍼저", "MALE", "수학과").await;
    app.client().join("상대", "FEMALE", "국문과").await;
    app.fund(&student, 50_000).await;
    app.ready_for_matches().await;
    let description = student.get("/api/openapi.json").await.expect(200);
    assert_eq!(description["openapi"], json!("3.1.0"));

    let reports = tempfile::tempdir().unwrap();
    let base = student.base().to_owned();
    fuzz_as(
        "a student",
        &base,
        &student.session_cookie().await,
        reports.path(),
    )
    .await;
    let operator = app.admin_session().await;
    fuzz_as(
        "an operator",
        &base,
        &operator.session_cookie().await,
        reports.path(),
    )
    .await;

    app.assert_audit_passes();
    app.stop().await;
}
