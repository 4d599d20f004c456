//! The matcher link as deployed: nats-server on deploy/nats-server.conf with TLS and one user
//! per service. The server and matcher work through it, the server's backups go into the
//! object store and `restore --from-nats` brings one back with the server's credentials; the
//! matcher cannot publish profile events nor read the server's replies; anonymous and
//! plain-text clients are refused.

use comatching_tests::pki::TestCa;
use comatching_tests::process::Proc;
use comatching_tests::{profile, wait_until, ApiClient, NatsServer};
use futures::StreamExt;
use std::path::Path;
use std::time::Duration;
use storage::broker::NatsArgs;
use tokio::sync::oneshot;

const DEADLINE: Duration = Duration::from_secs(30);
/// How long a subscription that must stay silent is listened to.
const SILENCE: Duration = Duration::from_secs(2);
/// What nats-server answers a subscription the user's permissions do not allow.
const SUBSCRIBE_REFUSED: &str = "Permissions Violation for Subscription to \"_INBOX_server.>\"";

fn credentials(nats: &NatsServer, user: &str, password: &str, ca: &Path) -> NatsArgs {
    NatsArgs {
        nats_url: nats.url().replace("nats://", "tls://"),
        nats_user: Some(user.to_owned()),
        nats_password: Some(password.to_owned()),
        nats_creds: None,
        nats_nkey: None,
        nats_ca: Some(ca.to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_and_matcher_work_through_the_deployed_config_and_nobody_else_gets_in() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path());
    let leaf = ca.leaf("nats");
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nats-server.conf");
    let nats = NatsServer::start_with_config(
        &config,
        &[
            ("NATS_TLS_CERT", leaf.cert.display().to_string()),
            ("NATS_TLS_KEY", leaf.key.display().to_string()),
            ("NATS_SERVER_PASSWORD", "server-secret".into()),
            ("NATS_MATCHER_PASSWORD", "matcher-secret".into()),
        ],
    );

    let mut server_config = comatching_server::Config::new(&dir.path().join("server"), "unused");
    server_config.nats = credentials(&nats, "comatching-server", "server-secret", &ca.ca_file());
    server_config.price_base = 0;
    server_config.backup.every_secs = 1;
    server_config.backup.keep = 1;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop_server, server_stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(comatching_server::run(server_config, listener, async {
        let _ = server_stopped.await;
    }));
    let mut matcher_config =
        comatching_matcher::Config::new("unused", &dir.path().join("matcher"), "tls");
    matcher_config.nats = credentials(&nats, "comatching-matcher", "matcher-secret", &ca.ca_file());
    let (stop_matcher, matcher_stopped) = oneshot::channel::<()>();
    let matcher = tokio::spawn(comatching_matcher::run(matcher_config, async {
        let _ = matcher_stopped.await;
    }));

    let (me, her) = (ApiClient::new(&base), ApiClient::new(&base));
    me.signup("me@tls.ac.kr", "티엘에스").await.expect(201);
    me.put_profile(&profile("MALE", "수학과", "me"))
        .await
        .expect(200);
    her.signup("her@tls.ac.kr", "그녀").await.expect(201);
    her.put_profile(&profile("FEMALE", "국문과", "her"))
        .await
        .expect(200);
    let reply = wait_until("a match through TLS and permissions", DEADLINE, || async {
        let reply = me.request_match().await;
        (reply.status == 201).then_some(reply.body)
    })
    .await;
    assert_eq!(reply["match"]["partner"]["nickname"], "그녀");

    // The matcher's credentials cannot read the server's replies: subscribing to its inbox is
    // refused, and a match answered meanwhile reaches only the server.
    let as_matcher = credentials(&nats, "comatching-matcher", "matcher-secret", &ca.ca_file());
    let (server_errors, mut refusals) = tokio::sync::mpsc::unbounded_channel();
    let eavesdropper = async_nats::ConnectOptions::new()
        .user_and_password("comatching-matcher".into(), "matcher-secret".into())
        .add_root_certificates(ca.ca_file())
        .require_tls(true)
        .custom_inbox_prefix("_INBOX_matcher")
        .event_callback(move |event| {
            let server_errors = server_errors.clone();
            async move {
                if let async_nats::Event::ServerError(error) = event {
                    let _ = server_errors.send(error.to_string());
                }
            }
        })
        .connect(as_matcher.nats_url.as_str())
        .await
        .expect("the matcher's credentials connect");
    let mut overheard = eavesdropper.subscribe("_INBOX_server.>").await.unwrap();
    eavesdropper.flush().await.unwrap();
    let refusal = tokio::time::timeout(DEADLINE, refusals.recv())
        .await
        .expect("nats-server answers the subscription")
        .expect("the event channel is open");
    assert!(
        refusal.contains(SUBSCRIBE_REFUSED),
        "subscribing to the server's inbox was not refused: {refusal}"
    );
    let him = ApiClient::new(&base);
    him.signup("him@tls.ac.kr", "그남자").await.expect(201);
    him.put_profile(&profile("MALE", "물리학과", "him"))
        .await
        .expect(200);
    let reply = wait_until("a second match through TLS", DEADLINE, || async {
        let reply = him.request_match().await;
        (reply.status == 201).then_some(reply.body)
    })
    .await;
    assert_eq!(reply["match"]["partner"]["nickname"], "그녀");
    let leaked = tokio::time::timeout(SILENCE, overheard.next()).await;
    assert!(
        !matches!(leaked, Ok(Some(_))),
        "the matcher's credentials read a reply meant for the server: {leaked:?}"
    );

    // The matcher's credentials cannot publish profile events.
    let matcher_client = async_nats::ConnectOptions::new()
        .user_and_password("comatching-matcher".into(), "matcher-secret".into())
        .add_root_certificates(ca.ca_file())
        .require_tls(true)
        .custom_inbox_prefix("_INBOX_matcher")
        .connect(as_matcher.nats_url.as_str())
        .await
        .expect("the matcher's credentials connect");
    let js = async_nats::jetstream::new(matcher_client);
    let forged = async { js.publish("users.4242", "forged".into()).await?.await };
    let outcome = tokio::time::timeout(Duration::from_secs(5), forged).await;
    assert!(
        !matches!(outcome, Ok(Ok(_))),
        "the matcher published a profile event: {outcome:?}"
    );
    let server_client = async_nats::ConnectOptions::new()
        .user_and_password("comatching-server".into(), "server-secret".into())
        .add_root_certificates(ca.ca_file())
        .require_tls(true)
        .custom_inbox_prefix("_INBOX_server")
        .connect(as_matcher.nats_url.as_str())
        .await
        .expect("the server's credentials connect");
    let mut stream = async_nats::jetstream::new(server_client.clone())
        .get_stream("USERS")
        .await
        .unwrap();
    assert_eq!(
        stream.info().await.unwrap().state.messages,
        3,
        "only the three profiles' events are in USERS"
    );

    // The server's backups reach the cluster, and one comes back with its credentials.
    let report = restore_from_nats(&nats, &ca.ca_file(), &dir.path().join("restored")).await;
    let restored = report
        .split_whitespace()
        .find(|word| word.starts_with("backup-"))
        .unwrap_or_else(|| panic!("no backup named: {report}"))
        .to_owned();
    // With one backup kept, the next one replaces it: the server may prune the bucket.
    wait_until("a newer backup, the older pruned", DEADLINE, || async {
        let names = backup_names(&server_client).await;
        (names.len() == 1 && names[0] > restored).then_some(())
    })
    .await;

    // No credentials, or no TLS: refused.
    let anonymous = async_nats::ConnectOptions::new()
        .add_root_certificates(ca.ca_file())
        .require_tls(true)
        .connect(as_matcher.nats_url.as_str())
        .await;
    assert!(anonymous.is_err(), "an anonymous client got in");
    let plain = async_nats::ConnectOptions::new()
        .user_and_password("comatching-server".into(), "server-secret".into())
        .connect(nats.url().as_str())
        .await;
    assert!(plain.is_err(), "a client without TLS got in");

    let _ = stop_matcher.send(());
    let _ = stop_server.send(());
    matcher.await.unwrap().unwrap();
    server.await.unwrap().unwrap();
}

/// Runs `comatching-server restore --from-nats` with the server's credentials into `target`
/// until a backup is there to restore; its report.
async fn restore_from_nats(nats: &NatsServer, ca: &Path, target: &Path) -> String {
    let url = nats.url().replace("nats://", "tls://");
    let (ca, target) = (ca.display().to_string(), target.display().to_string());
    let args = [
        "restore",
        "--from-nats",
        "--nats-url",
        &url,
        "--nats-user",
        "comatching-server",
        "--nats-password",
        "server-secret",
        "--nats-ca",
        &ca,
        "--data-dir",
        &target,
    ]
    .map(str::to_owned);
    let started = std::time::Instant::now();
    loop {
        let _ = std::fs::remove_dir_all(&target);
        let (ok, report) = Proc::run("comatching-server", &args, "");
        if ok {
            return report;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "no backup came back from the cluster: {report}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The backups in the cluster's bucket, as the server's credentials list them.
async fn backup_names(client: &async_nats::Client) -> Vec<String> {
    let js = async_nats::jetstream::new(client.clone());
    let bucket = js
        .get_object_store("comatching-backups")
        .await
        .expect("the bucket");
    let mut list = bucket.list().await.expect("list the bucket");
    let mut names = Vec::new();
    while let Some(info) = list.next().await {
        let info = info.expect("an entry of the bucket");
        if !info.deleted {
            names.push(info.name);
        }
    }
    names
}
