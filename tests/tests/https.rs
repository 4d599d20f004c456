//! HTTPS with a real ACME flow against Pebble (Debian's `pebble`), with real TLS-ALPN-01
//! validation on the server's HTTPS port: a certificate is obtained, plain HTTP redirects,
//! HSTS and Secure cookies are on, and a restart uses the cached certificate without a new order.

use comatching_tests::nats::free_port;
use comatching_tests::pki::TestCa;
use comatching_tests::process::{server_args, Proc};
use comatching_tests::{wait_until, NatsServer};
use serde_json::json;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(60);

struct Pebble(Child);

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Pebble with its own HTTPS certificate from `ca`, validating TLS-ALPN-01 on `tls_port`.
fn start_pebble(dir: &Path, ca: &TestCa, api: u16, management: u16, tls_port: u16) -> Pebble {
    let leaf = ca.leaf("pebble");
    let config = json!({"pebble": {
        "listenAddress": format!("127.0.0.1:{api}"),
        "managementListenAddress": format!("127.0.0.1:{management}"),
        "certificate": leaf.cert, "privateKey": leaf.key,
        "httpPort": free_port(), "tlsPort": tls_port,
        "ocspResponderURL": "", "externalAccountBindingRequired": false,
    }});
    std::fs::write(dir.join("pebble.json"), config.to_string()).unwrap();
    let log = std::fs::File::create(dir.join("pebble.log")).unwrap();
    let child = Command::new("pebble")
        .arg("-config")
        .arg(dir.join("pebble.json"))
        // No random waits before validation, no random nonce rejections: real validation, fast.
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .expect("start pebble (scripts/test.sh installs it)");
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", api)).is_err() {
        assert!(start.elapsed() < DEADLINE, "pebble did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Pebble(child)
}

fn server(
    nats: &NatsServer,
    dir: &Path,
    http: u16,
    https: u16,
    api: u16,
    ca: &Path,
    log: &str,
) -> Proc {
    let (https_addr, directory, ca) = (
        format!("127.0.0.1:{https}"),
        format!("https://localhost:{api}/dir"),
        ca.display().to_string(),
    );
    let tls = [
        "--tls-domain",
        "localhost",
        "--https-addr",
        &https_addr,
        "--acme-contact",
        "mailto:ops@comatching.test",
        "--acme-directory",
        &directory,
        "--acme-root",
        &ca,
    ];
    Proc::spawn(
        "comatching-server",
        &server_args(&nats.url(), &dir.join("server"), http, &tls),
        &dir.join(log),
    )
}

fn https_client(root_pem: &str, https: u16) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(root_pem.as_bytes()).unwrap())
        .resolve("localhost", SocketAddr::from(([127, 0, 0, 1], https)))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn healthy_over_https(client: &reqwest::Client, https: u16) -> reqwest::Response {
    wait_until("the ACME certificate and HTTPS", DEADLINE, || async {
        let response = client
            .get(format!("https://localhost:{https}/healthz"))
            .send()
            .await
            .ok()?;
        response.status().is_success().then_some(response)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_obtains_a_certificate_from_pebble_and_reuses_it_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path());
    let (api, management, https, http) = (free_port(), free_port(), free_port(), free_port());
    let _pebble = start_pebble(dir.path(), &ca, api, management, https);
    let nats = NatsServer::start();
    let first = server(
        &nats,
        dir.path(),
        http,
        https,
        api,
        &ca.ca_file(),
        "server-1.log",
    );

    // The root Pebble issues from, from its management API (served with our test CA).
    let management_client = https_client(&ca.ca_pem(), management);
    let root = wait_until("pebble's root", DEADLINE, || async {
        let response = management_client
            .get(format!("https://localhost:{management}/roots/0"))
            .send()
            .await
            .ok()?;
        response
            .text()
            .await
            .ok()
            .filter(|pem| pem.contains("BEGIN CERTIFICATE"))
    })
    .await;
    let client = https_client(&root, https);
    let response = healthy_over_https(&client, https).await;
    assert!(response.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .contains("max-age="));

    let signup = client
        .post(format!("https://localhost:{https}/api/auth/signup"))
        .json(&json!({"email": "tls@test.ac.kr", "password": "password123", "nickname": "보안"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
    let cookie = signup.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("__Host-session=")
            && cookie.contains("Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("Path=/")
            && !cookie.contains("Domain"),
        "over HTTPS the session cookie is a __Host- cookie: {cookie}"
    );
    let token = cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_owned())
        .unwrap();
    let me = |cookie: String| {
        client
            .get(format!("https://localhost:{https}/api/me"))
            .header("cookie", cookie)
            .send()
    };
    assert_eq!(
        me(format!("__Host-session={token}"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        me(format!("session={token}")).await.unwrap().status(),
        401,
        "over HTTPS only the __Host- cookie counts"
    );

    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = plain
        .get(format!("http://localhost:{http}/api/catalog?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 308);
    assert_eq!(
        redirect.headers()["location"],
        format!("https://localhost:{https}/api/catalog?x=1").as_str()
    );
    let elsewhere = plain
        .get(format!("http://127.0.0.1:{http}/login"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 308);
    assert_eq!(
        elsewhere.headers()["location"],
        format!("https://localhost:{https}/login").as_str(),
        "the Host header never chooses where the redirect goes"
    );

    first.terminate();
    let second = server(
        &nats,
        dir.path(),
        http,
        https,
        api,
        &ca.ca_file(),
        "server-2.log",
    );
    healthy_over_https(&client, https).await;
    second.terminate();
    let first_log = std::fs::read_to_string(dir.path().join("server-1.log")).unwrap();
    let second_log = std::fs::read_to_string(dir.path().join("server-2.log")).unwrap();
    assert!(first_log.contains("DeployedNewCert"), "{first_log}");
    assert!(second_log.contains("DeployedCachedCert"), "{second_log}");
    assert!(
        !second_log.contains("DeployedNewCert"),
        "a restart ordered a new certificate:\n{second_log}"
    );
    let pebble_log = std::fs::read_to_string(dir.path().join("pebble.log")).unwrap();
    assert!(
        pebble_log.contains("set VALID by completed challenge"),
        "{pebble_log}"
    );
    assert_eq!(
        pebble_log.matches("Issued certificate").count(),
        1,
        "{pebble_log}"
    );
}
