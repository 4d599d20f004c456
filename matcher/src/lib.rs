//! COMAtching's matcher.
//!
//! Keeps every candidate's features in a columnar table fed by a durable JetStream consumer
//! on the `USERS` stream, persists it as a binary columnar file, and answers match requests
//! that arrive over NATS request/reply in a queue group shared with other instances; learns
//! its scoring weights from the match history ([`train`]).

pub mod agreement;
pub mod config;
pub mod consumer;
pub mod engine;
pub mod export;
pub mod scoring;
#[cfg(test)]
mod scoring_tests;
pub mod service;
pub mod store;
pub mod synthetic;
pub mod train;
pub mod weights;

pub use config::Config;

use anyhow::Context;
use std::future::Future;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Runs the matcher until `shutdown` completes: loads (or rebuilds) the table, follows the
/// stream, and serves match requests once the table has caught up.
pub async fn run(config: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let metrics = storage::telemetry::prometheus();
    let metrics_listener = tokio::net::TcpListener::bind(config.metrics_addr)
        .await
        .with_context(|| format!("bind the metrics address {}", config.metrics_addr))?;
    tracing::info!(address = %metrics_listener.local_addr()?, "metrics at /metrics");
    let store = Arc::new(store::TableStore::open(
        &config.table_path(),
        config.rebuild,
    )?);
    let engine = Arc::new(engine::Engine::new(store.clone(), config.weights.clone())?);
    let client = config
        .nats
        .connect(&format!("comatching-matcher-{}", config.instance))
        .await
        .context("connect to NATS")?;
    let cancel = CancellationToken::new();
    let (caught_up_tx, caught_up_rx) = tokio::sync::watch::channel(false);
    // Either task ending (an error, or a panic) stops the whole matcher rather than leaving
    // it half alive.
    let consumer = tokio::spawn({
        let (client, store, cancel) = (client.clone(), store.clone(), cancel.clone());
        let name = config.consumer_name();
        async move {
            let _stop_all = cancel.clone().drop_guard();
            consumer::run(client, store, name, caught_up_tx, cancel).await
        }
    });
    let service = tokio::spawn({
        let (client, engine, cancel) = (client.clone(), engine.clone(), cancel.clone());
        async move {
            let _stop_all = cancel.clone().drop_guard();
            service::run(client, engine, caught_up_rx, cancel).await
        }
    });
    tokio::spawn(reload_on_hangup(engine, cancel.clone()));
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || async move { metrics.render() }),
    );
    let stop = cancel.clone();
    tokio::spawn(async move {
        let served = axum::serve(metrics_listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await });
        if let Err(e) = served.await {
            tracing::warn!(error = %e, "metrics listener stopped");
        }
    });
    tokio::select! {
        () = shutdown => tracing::info!("shutting down"),
        () = cancel.cancelled() => {}
    }
    cancel.cancel();
    let (consumed, served) = tokio::join!(consumer, service);
    client.flush().await.ok();
    consumed.context("consumer task panicked")??;
    served.context("service task panicked")??;
    Ok(())
}

/// Reloads the weights file on every SIGHUP until cancelled.
async fn reload_on_hangup(engine: Arc<engine::Engine>, cancel: CancellationToken) {
    let mut hangups = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(hangups) => hangups,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP: weights reload only on restart");
            return;
        }
    };
    loop {
        tokio::select! {
            Some(()) = hangups.recv() => engine.reload_weights(),
            () = cancel.cancelled() => return,
        }
    }
}
