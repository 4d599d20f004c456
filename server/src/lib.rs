//! COMAtching's API server.
//!
//! Users, sessions and match history live in sled; profile changes leave through a
//! transactional outbox that a relay publishes to JetStream; match requests go to the matcher
//! queue group over NATS request/reply.

pub mod account;
pub mod admin;
pub mod auth;
pub mod backup;
pub mod config;
pub mod consistency;
pub mod control;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod extract;
pub mod https;
pub mod limits;
pub mod matchmaker;
pub mod pricing;
pub mod relay;
pub mod routes;
pub mod search;
pub mod state;
pub mod sweeper;
pub mod user_locks;
pub mod views;

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
    let db = db::Db::open(&config.data_dir)?;
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
    let relay = tokio::spawn(relay::run(db.clone(), nats.clone(), cancel.clone()));
    let limits = Arc::new(limits::Limits::new(config.rates));
    let sweeper = tokio::spawn(sweeper::run(
        db.clone(),
        limits.clone(),
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
    let control = tokio::spawn(control::run(
        data_dir.clone(),
        db.clone(),
        write_barrier.clone(),
        cancel.clone(),
    ));
    let state = state::AppState {
        db: db.clone(),
        nats: nats.clone(),
        config: Arc::new(config),
        user_locks: Arc::default(),
        search: search.clone(),
        write_barrier,
        limits,
    };
    let app = routes::router(state);
    let stop = cancel.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.cancel();
    });
    if tls.enabled() {
        tracing::info!(%address, "plain HTTP redirects to HTTPS");
        https::serve(&tls, &data_dir, app, listener, cancel.clone()).await?;
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
