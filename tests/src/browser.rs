//! A real headless Chromium (Debian's `chromium` + `chromium-driver`) driven over WebDriver.

use crate::nats::free_port;
use crate::poll::wait_until;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long a page may take to show what a step waits for.
const STEP_DEADLINE: Duration = Duration::from_secs(15);
/// A phone: 360×740 CSS pixels (Chrome's mobile emulation: a headless window has a minimum
/// width wider than a phone).
const PHONE: (u32, u32) = (360, 740);

/// chromedriver on a free port; killed when dropped.
pub struct ChromeDriver {
    port: u16,
    child: Child,
}

impl ChromeDriver {
    pub fn start() -> Self {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver (scripts/test.sh installs chromium-driver)");
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < STEP_DEADLINE,
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { port, child }
    }

    /// A new browser session with its own profile (and so its own cookies).
    pub async fn browser(&self, base: &str, shots: &str) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--lang=ko-KR",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect::<Vec<_>>();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": args,
                "mobileEmulation": {
                    "deviceMetrics": { "width": PHONE.0, "height": PHONE.1, "pixelRatio": 2.0, "mobile": true, "touch": true }
                },
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/screenshots")
            .join(shots);
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        Browser {
            client,
            base: base.to_owned(),
            shots: dir,
            _profile: profile,
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session on the app.
pub struct Browser {
    pub client: Client,
    base: String,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens `#/route`.
    pub async fn open(&self, route: &str) {
        self.client
            .goto(&format!("{}/#/{route}", self.base))
            .await
            .expect("navigate");
    }

    async fn element(&self, css: &str) -> fantoccini::elements::Element {
        let locator = Locator::Css(css);
        wait_until(&format!("element {css}"), STEP_DEADLINE, || async {
            self.client.find(locator).await.ok()
        })
        .await
    }

    /// Types `text` into the field matching `css` (after clearing it).
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.element(css).await;
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    pub async fn choose(&self, css: &str, value: &str) {
        self.element(css)
            .await
            .select_by_value(value)
            .await
            .expect("select");
    }

    /// Clicks the element matching `css`, first scrolled to the middle of the screen: the
    /// driver's own scrolling puts it at the top edge, under the app's sticky top bar.
    pub async fn click(&self, css: &str) {
        let element = self.element(css).await;
        let arg = serde_json::to_value(&element).expect("an element reference");
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center', behavior: 'instant' });",
                vec![arg],
            )
            .await
            .expect("scroll to the element");
        element.click().await.expect("click");
    }

    /// Waits until the element matching `css` shows `needle`; returns its whole text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        wait_until(
            &format!("{css} to show {needle:?}"),
            STEP_DEADLINE,
            || async {
                let text = self
                    .client
                    .find(Locator::Css(css))
                    .await
                    .ok()?
                    .text()
                    .await
                    .ok()?;
                text.contains(needle).then_some(text)
            },
        )
        .await
    }

    /// Waits until the element matching `css` has `attribute` = `value`.
    pub async fn wait_attribute(&self, css: &str, attribute: &str, value: &str) {
        wait_until(
            &format!("{css} to have {attribute}={value:?}"),
            STEP_DEADLINE,
            || async {
                let element = self.client.find(Locator::Css(css)).await.ok()?;
                let found = element.attr(attribute).await.ok()??;
                (found == value).then_some(())
            },
        )
        .await
    }

    /// Saves a PNG of the page as `target/screenshots/<journey>/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(self.shots.join(format!("{name}.png")), png).expect("write screenshot");
    }

    pub async fn close(self) {
        self.client.close().await.expect("close the session");
    }
}

/// Runs `script` in the page until it returns something other than null or false.
pub async fn wait_js(
    browser: &Browser,
    what: &str,
    script: &str,
    args: Vec<serde_json::Value>,
) -> serde_json::Value {
    wait_until(what, STEP_DEADLINE, || {
        let args = args.clone();
        async move {
            let value = browser.client.execute(script, args).await.ok()?;
            (!value.is_null() && value != serde_json::Value::Bool(false)).then_some(value)
        }
    })
    .await
}

/// Runs `script` once in the page and returns its value.
pub async fn js(
    browser: &Browser,
    script: &str,
    args: Vec<serde_json::Value>,
) -> serde_json::Value {
    browser
        .client
        .execute(script, args)
        .await
        .expect("run a script in the page")
}

/// Opens the login screen and signs in (not waiting for the result).
pub async fn submit_login(browser: &Browser, email: &str, password: &str) {
    browser.open("login").await;
    browser.fill("input[name=email]", email).await;
    browser.fill("input[name=password]", password).await;
    browser.click("button[type=submit]").await;
}
