//! A chat WebSocket client for tests: connects as a signed-in client, sends frames, and waits
//! for the frames it expects with a deadline.

use crate::ApiClient;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for one expected frame.
pub const FRAME_DEADLINE: Duration = Duration::from_secs(10);

/// One open chat socket.
pub struct ChatSocket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// The handshake request for `client`'s session, from `origin` (the server's own by default).
pub async fn handshake(
    client: &ApiClient,
    origin: Option<&str>,
) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let url = format!("{}/api/chats/ws", client.base().replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("a websocket url");
    let headers = request.headers_mut();
    headers.insert(
        "cookie",
        client.session_cookie().await.parse().expect("cookie"),
    );
    let origin = origin.unwrap_or(client.base());
    headers.insert("origin", origin.parse().expect("origin"));
    request
}

impl ChatSocket {
    /// Opens a socket as `client`; panics if the server refuses.
    pub async fn open(client: &ApiClient) -> Self {
        let request = handshake(client, None).await;
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the chat socket opens");
        Self { stream }
    }

    /// Sends a message as text.
    pub async fn send(&mut self, match_id: &str, text: &str, client_id: &str) {
        let frame =
            json!({"type": "send", "match_id": match_id, "text": text, "client_id": client_id});
        self.send_json(&frame).await;
    }

    /// Says the messages up to `up_to` were read.
    pub async fn read(&mut self, match_id: &str, up_to: &str) {
        self.send_json(&json!({"type": "read", "match_id": match_id, "up_to": up_to}))
            .await;
    }

    pub async fn send_json(&mut self, frame: &Value) {
        self.stream
            .send(Message::text(frame.to_string()))
            .await
            .expect("send a frame");
    }

    /// The next JSON frame (pings are answered by the library), or `None` once closed.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(FRAME_DEADLINE, self.stream.next())
                .await
                .expect("a frame within the deadline")?;
            match message.ok()? {
                Message::Text(text) => {
                    return Some(serde_json::from_str(&text).expect("JSON frame"))
                }
                Message::Close(_) => return None,
                _ => continue,
            }
        }
    }

    /// The next frame of `kind` (`message`, `read`, `error`), skipping others.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.next().await.expect("the socket stays open");
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Whether no frame but pings and pongs arrives within `wait`. The server's first ping
    /// goes out when its loop for the socket first runs, which can be after a message pushed
    /// meanwhile: it is the transport's, not something the socket was sent.
    pub async fn quiet_for(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return true,
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(_) => return false,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// A socket whose owner stopped reading (a phone in a pocket): a small receive buffer and
/// nobody polling it, so the server's writes to it soon stall.
pub struct StalledSocket {
    stream: WebSocketStream<TcpStream>,
}

/// The receive buffer of a stalled socket: small, so the stall comes after a few frames.
const STALLED_RECEIVE_BUFFER_BYTES: u32 = 4096;

impl StalledSocket {
    pub async fn open(client: &ApiClient) -> Self {
        let request = handshake(client, None).await;
        let address = client.base().trim_start_matches("http://");
        let address: std::net::SocketAddr = address.parse().expect("a loopback address");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .set_recv_buffer_size(STALLED_RECEIVE_BUFFER_BYTES)
            .expect("receive buffer");
        let tcp = socket.connect(address).await.expect("connect");
        let (stream, _) = tokio_tungstenite::client_async(request, tcp)
            .await
            .expect("the chat socket opens");
        Self { stream }
    }

    /// Reads what the server had sent before it ended the socket; true once it has ended it.
    pub async fn was_closed_by_server(mut self) -> bool {
        loop {
            match tokio::time::timeout(FRAME_DEADLINE, self.stream.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => continue,
            }
        }
    }
}
