//! How connections are served: hyper's header read timeout (which also closes idle keep-alive
//! connections), bounded header buffers, a cap on open connections, a deadline for the TLS
//! handshake, and a graceful drain at shutdown. Every limit is a flag with a named default.

use super::connections::Guarded;
use axum_server::Handle;
use hyper_util::rt::TokioTimer;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Open connections at most; more are closed at once (a real client retries).
pub const DEFAULT_MAX_CONNECTIONS: usize = 2_048;
/// Requests handled at once at most; more are answered 503 `OVERLOADED` at once.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;
/// A request's headers, and an idle keep-alive connection's next request, must arrive within.
pub const DEFAULT_HEADER_READ_TIMEOUT_MS: u64 = 10_000;
/// A request body must arrive within this (408 otherwise).
pub const DEFAULT_BODY_READ_TIMEOUT_MS: u64 = 10_000;
/// A TLS handshake must finish within this.
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS: u64 = 10_000;
/// The most bytes hyper buffers for one connection's request head (its minimum is 8 KiB).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Headers one request may carry.
const MAX_HEADERS: usize = 64;
/// Requests in flight get this long to finish at shutdown.
pub const DRAIN: Duration = Duration::from_secs(10);

/// Connection and request limits, from the configuration.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ServingArgs {
    /// Open connections at most (HTTP and HTTPS each); more are closed at once.
    #[arg(long, env = "COMATCHING_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Requests handled at once at most; more are answered 503 OVERLOADED with Retry-After.
    #[arg(long, env = "COMATCHING_MAX_IN_FLIGHT", default_value_t = DEFAULT_MAX_IN_FLIGHT)]
    pub max_in_flight: usize,
    /// Headers (and an idle connection's next request) must arrive within this.
    #[arg(long, env = "COMATCHING_HEADER_READ_TIMEOUT_MS", default_value_t = DEFAULT_HEADER_READ_TIMEOUT_MS)]
    pub header_read_timeout_ms: u64,
    /// A request body must arrive within this.
    #[arg(long, env = "COMATCHING_BODY_READ_TIMEOUT_MS", default_value_t = DEFAULT_BODY_READ_TIMEOUT_MS)]
    pub body_read_timeout_ms: u64,
    /// A TLS handshake must finish within this.
    #[arg(long, env = "COMATCHING_TLS_HANDSHAKE_TIMEOUT_MS", default_value_t = DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS)]
    pub tls_handshake_timeout_ms: u64,
}

impl Default for ServingArgs {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            header_read_timeout_ms: DEFAULT_HEADER_READ_TIMEOUT_MS,
            body_read_timeout_ms: DEFAULT_BODY_READ_TIMEOUT_MS,
            tls_handshake_timeout_ms: DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS,
        }
    }
}

impl ServingArgs {
    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_millis(self.body_read_timeout_ms)
    }

    /// Wraps `acceptor` (plain or TLS) with the connection cap and the handshake deadline.
    pub fn guard<A>(&self, acceptor: A) -> Guarded<A> {
        let handshake = Duration::from_millis(self.tls_handshake_timeout_ms);
        Guarded::new(acceptor, self.max_connections, handshake)
    }

    /// Applies the timeouts and buffer bounds to a server's hyper settings.
    pub fn tune<A, Acc>(&self, server: &mut axum_server::Server<A, Acc>)
    where
        A: axum_server::Address,
    {
        let header_timeout = Duration::from_millis(self.header_read_timeout_ms);
        let builder = server.http_builder();
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .max_buf_size(MAX_HEAD_BYTES)
            .max_headers(MAX_HEADERS);
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(Some(header_timeout))
            .keep_alive_timeout(header_timeout)
            .max_header_list_size(MAX_HEAD_BYTES as u32);
    }
}

/// Serves `app` over plain HTTP on `listener` with the limits, until `cancel`.
pub async fn serve_plain(
    app: axum::Router,
    listener: TcpListener,
    limits: &ServingArgs,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let handle = Handle::new();
    let mut server = axum_server::from_tcp(listener.into_std()?)?
        .acceptor(limits.guard(axum_server::accept::NoDelayAcceptor::new()))
        .handle(handle.clone());
    limits.tune(&mut server);
    drain_on(cancel, handle);
    server
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await?;
    Ok(())
}

/// Stops accepting at `cancel` and gives requests in flight [`DRAIN`] to finish.
pub fn drain_on<A: axum_server::Address + Send + 'static>(
    cancel: CancellationToken,
    handle: Handle<A>,
) {
    tokio::spawn(async move {
        cancel.cancelled().await;
        handle.graceful_shutdown(Some(DRAIN));
    });
}
