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
pub mod model;
pub mod ops;
pub mod search;

pub use config::Config;

use anyhow::Context;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
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
/// the background tasks and flushes the database. Releases reservations a crash left first.
pub async fn serve(
    db: Arc<db::Db>,
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    storage::telemetry::prometheus();
    let released = db.release_all_reservations().await?;
    if released > 0 {
        tracing::warn!(released, "released reservations left by a crash");
    }
    db.flush()?;
    let nats = config
        .nats
        .connect("comatching-server")
        .await
        .context("configure the NATS connection")?;
    let cancel = CancellationToken::new();
    let relay = tokio::spawn(broker::relay::run(db.clone(), nats.clone(), cancel.clone()));
    let limits = Arc::new(http::limits::Limits::new(config.rates));
    let forget = limits.clone();
    let sweeper = tokio::spawn(ops::sweeper::run(
        db.clone(),
        move || forget.forget_idle(),
        config.session_idle_ms(),
        cancel.clone(),
    ));
    let trim = tokio::spawn(storage::process::trim_heap_until(
        cancel.clone().cancelled_owned(),
    ));
    let address = listener.local_addr()?;
    let tls = config.tls.clone();
    let data_dir = config.data_dir.clone();
    if !tls.enabled() && !address.ip().is_loopback() {
        tracing::warn!(%address, "serving plain HTTP on a non-loopback address: give --tls-domain for HTTPS");
    }
    let search = Arc::new(search::Search::open(&data_dir.join("search"), db.clone())?);
    let write_barrier = Arc::new(tokio::sync::RwLock::new(()));
    let control = tokio::spawn(ops::control::run(
        data_dir.clone(),
        db.clone(),
        write_barrier.clone(),
        cancel.clone(),
    ));
    let config = Arc::new(config);
    let matchmaker = domain::matchmaker::Matchmaker::new(db.clone(), nats.clone(), config.clone());
    let state = http::state::AppState {
        db: db.clone(),
        nats: nats.clone(),
        config,
        matchmaker,
        search: search.clone(),
        write_barrier,
        limits,
    };
    let app = http::router(state);
    let stop = cancel.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.cancel();
    });
    if tls.enabled() {
        tracing::info!(%address, "plain HTTP redirects to HTTPS");
        http::https::serve(&tls, &data_dir, app, listener, cancel.clone()).await?;
    } else {
        tracing::info!(%address, "listening");
        let stop = cancel.clone();
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
        .context("serve")?;
    }
    cancel.cancel();
    let (_, _, _, control) = tokio::join!(relay, sweeper, trim, control);
    if let Ok(Err(e)) = control {
        tracing::warn!(error = %e, "control socket");
    }
    tokio::task::spawn_blocking(move || search.shutdown())
        .await
        .context("search shutdown")?;
    nats.flush().await.ok();
    db.flush().context("final flush")?;
    tracing::info!("stopped");
    Ok(())
}
