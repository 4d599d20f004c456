//! COMAtching's API server.
//!
//! Users, sessions and match history live in sled; profile changes leave through a
//! transactional outbox that a relay publishes to JetStream; match requests go to the matcher
//! queue group over NATS request/reply.
//!
//! The layers, each a folder, arrows pointing down: `cli` (subcommands) and `http` (routes,
//! extractors, error format, HTTPS) call `domain` (the match workflow, pricing, passwords)
//! and `ops` (operator tools); those use `db` (the only owner of sled trees), `search`
//! (tantivy, fed by the database's change signal) and `broker` (NATS). `model` holds the
//! values parsed at the edge that every layer shares.

pub mod broker;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod http;
pub mod mail;
pub mod model;
pub mod ops;
pub mod search;

pub use config::Config;

use anyhow::Context;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Opens the database in `config.data_dir` and serves until `shutdown` completes.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let dir = &config.data_dir;
    let db = db::Db::open(dir).with_context(|| {
        format!(
            "open the database in {} (is another server using it?)",
            dir.display()
        )
    })?;
    serve(db, config, listener, shutdown).await
}

/// Serves the API over an open database on `listener` until `shutdown` completes, then stops
/// the background tasks and flushes the database.
pub async fn serve(
    db: Arc<db::Db>,
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    storage::telemetry::prometheus();
    let retired = db
        .put_consent_version_in_force(config.accounts.consent_version)
        .await?;
    if retired > 0 {
        tracing::info!(
            retired,
            version = config.accounts.consent_version,
            "consents to an older version retired: those students are asked again"
        );
    }
    db.flush()?;
    let nats = config
        .nats
        .connect("comatching-server")
        .await
        .context("configure the NATS connection")?;
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.cancel();
    });
    let search = Arc::new(search::Search::open(
        &search::dir(&config.data_dir),
        db.clone(),
    )?);
    let limits = Arc::new(http::limits::Limits::new(config.rates));
    let write_barrier = Arc::new(tokio::sync::RwLock::new(()));
    let metrics = TcpListener::bind(config.metrics_addr)
        .await
        .with_context(|| format!("bind the metrics address {}", config.metrics_addr))?;
    tracing::info!(address = %metrics.local_addr()?, "metrics at /metrics");
    let metrics = tokio::spawn(http::metrics::serve(metrics, db.clone(), cancel.clone()));
    let tasks = Background::start(&db, &nats, &limits, &write_barrier, &config, &cancel)?;
    let config = Arc::new(config);
    let matchmaker = domain::matchmaker::Matchmaker::new(db.clone(), nats.clone(), config.clone());
    let state = http::state::AppState::new(http::state::Shared {
        db: db.clone(),
        nats: nats.clone(),
        config: config.clone(),
        matchmaker,
        search: search.clone(),
        write_barrier,
        limits,
        chats: Arc::new(domain::chat::Chats::new(db.clone())),
        oidc: Arc::new(domain::oidc::Oidc::new(
            &config.oidc.providers,
            config.public_url(),
        )?),
        charge_feed: Arc::default(),
        majors: domain::majors::load(config.majors_file.as_deref())?.into(),
        shutdown: cancel.clone(),
    });
    let served = listen(http::router(state), listener, &config, cancel.clone()).await;
    cancel.cancel();
    tasks.stop().await;
    if let Ok(Err(e)) = metrics.await {
        tracing::warn!(error = %format!("{e:#}"), "metrics listener");
    }
    served?;
    tokio::task::spawn_blocking(move || search.shutdown())
        .await
        .context("search shutdown")?;
    nats.flush().await.ok();
    db.flush().context("final flush")?;
    tracing::info!("stopped");
    Ok(())
}

/// Serves `app` until `cancel`: HTTPS with plain HTTP redirecting when a domain is
/// configured, else plain HTTP on `listener`.
async fn listen(
    app: axum::Router,
    listener: TcpListener,
    config: &Config,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    if config.tls.enabled() {
        tracing::info!(%address, "plain HTTP redirects to HTTPS");
        let (tls, limits) = (&config.tls, &config.serving);
        return http::https::serve(tls, limits, &config.data_dir, app, listener, cancel).await;
    }
    if !address.ip().is_loopback() {
        tracing::warn!(%address, "serving plain HTTP on a non-loopback address: give --tls-domain for HTTPS");
    }
    tracing::info!(%address, "listening");
    http::serving::serve_plain(app, listener, &config.serving, cancel)
        .await
        .context("serve")
}

/// The tasks that run beside the HTTP server until it stops: the outbox relay, the mail
/// sender, the sweeper, backups into the cluster and the control socket.
struct Background {
    relay: JoinHandle<()>,
    mail: JoinHandle<()>,
    sweeper: JoinHandle<()>,
    backup: JoinHandle<()>,
    control: JoinHandle<anyhow::Result<()>>,
}

impl Background {
    fn start(
        db: &Arc<db::Db>,
        nats: &async_nats::Client,
        limits: &Arc<http::limits::Limits>,
        write_barrier: &Arc<tokio::sync::RwLock<()>>,
        config: &Config,
        cancel: &CancellationToken,
    ) -> anyhow::Result<Self> {
        let forget = limits.clone();
        let transport = mail::Transport::from_args(&config.mail, &config.data_dir)?;
        Ok(Self {
            relay: tokio::spawn(broker::relay::run(
                db.clone(),
                nats.clone(),
                config.stream_replicas,
                cancel.clone(),
            )),
            mail: tokio::spawn(mail::run(db.clone(), transport, cancel.clone())),
            sweeper: tokio::spawn(ops::sweeper::run(
                db.clone(),
                move || forget.forget_idle(),
                config.session_limits(),
                cancel.clone(),
            )),
            backup: tokio::spawn(ops::cluster_backup::run(
                db.clone(),
                nats.clone(),
                write_barrier.clone(),
                config.backup,
                config.stream_replicas,
                config.data_dir.clone(),
                cancel.clone(),
            )),
            control: tokio::spawn(ops::control::run(
                config.data_dir.clone(),
                db.clone(),
                write_barrier.clone(),
                cancel.clone(),
            )),
        })
    }

    /// Waits for every task after the cancel.
    async fn stop(self) {
        let (_, _, _, _, control) = tokio::join!(
            self.relay,
            self.mail,
            self.sweeper,
            self.backup,
            self.control
        );
        if let Ok(Err(e)) = control {
            tracing::warn!(error = %format!("{e:#}"), "control socket");
        }
    }
}
