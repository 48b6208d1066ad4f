//! The HTTP accept loop: axum's router on hyper connections with the limits a shared test fixture
//! needs, whatever clients do:
//!
//! - **Idle connections are closed.** A new connection must send its first byte, and every
//!   request its headers, within `header_timeout` (`Config::header_timeout_ms`); a keep-alive
//!   connection waiting for its next request is under the same timer. Bodies have their own
//!   timeout in `rpc`.
//! - **Connections are capped** (`--max-connections`). Past the cap a few more
//!   ([`RESERVE_CONNECTIONS`]) are served one request each with a short header timeout, so a
//!   health check still gets through while idle sockets pile up; past those, new connections are
//!   answered `503` and closed at once.
//! - **Request targets over [`MAX_REQUEST_TARGET_BYTES`]** (hyper's limit) get
//!   `400 InvalidParameter` with an Alibaba error body (the status the error table documents for
//!   that code) instead of hyper's bare `414` status line.
//!
//! - **HTTPS** (`--tls`, [`crate::tls`]): the TLS handshake runs inside the connection's permit
//!   (so it counts against the cap) and must finish within the same `header_timeout` as the first
//!   byte, so a client that connects and never sends a ClientHello (or stalls in the middle of the
//!   handshake) is cut like a slow-header client. A plain-HTTP request to the HTTPS port is
//!   answered in plain HTTP with `400 InvalidParameter` saying to use `https://`, then closed.
//!
//! Shutdown lets requests in flight finish before connections close.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::Service;

use crate::domain::limits::{MAX_REQUEST_TARGET_BYTES, RESERVE_CONNECTIONS, RESERVE_HEADER_TIMEOUT_MS};
use crate::error::Code;

/// How long shutdown waits for requests in flight.
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);

/// The connection limits of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time to send the first byte, and each request's headers (also while idle on keep-alive).
    pub header_timeout: Duration,
    /// Connections served at once (plus [`RESERVE_CONNECTIONS`] one-request ones).
    pub max_connections: usize,
}

/// What a connection over every limit is told before it is closed.
const OVERLOADED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json;charset=utf-8\r\nconnection: close\r\ncontent-length: 142\r\n\r\n{\"RequestId\":\"\",\"HostId\":\"ecs.aliyuncs.com\",\"Code\":\"ServiceUnavailable\",\"Message\":\"Too many open connections to the emulator.\",\"Recommend\":\"\"}";

/// A connection's byte stream: TCP, or TLS over TCP.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// The first byte of every TLS connection (a handshake record).
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// Serves `router` on `listener` (HTTPS when `tls` is given) until `shutdown` resolves, then
/// drains the connections.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let regular = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let reserve = Arc::new(Semaphore::new(RESERVE_CONNECTIONS));
    loop {
        let (mut stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Accept errors (e.g. out of file descriptors) are transient: keep serving.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (permit, header_timeout, keep_alive) = match regular.clone().try_acquire_owned() {
            Ok(permit) => (permit, limits.header_timeout, true),
            Err(_) => match reserve.clone().try_acquire_owned() {
                Ok(permit) => {
                    let short = Duration::from_millis(RESERVE_HEADER_TIMEOUT_MS).min(limits.header_timeout);
                    (permit, short, false)
                }
                Err(_) => {
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(OVERLOADED)).await;
                    });
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = TowerToHyperService::new(tower::service_fn(move |request: Request<Incoming>| {
            let mut router = router.clone();
            async move { router.call(request.map(Body::new)).await }
        }));
        let mut builder = Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(keep_alive);
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            // A connection that never sends a byte is closed after the header timeout (hyper's
            // own timer starts only once it looks for a request's headers); with TLS, the whole
            // handshake must also be done by then.
            let deadline = tokio::time::Instant::now() + header_timeout;
            let mut first = [0u8; 1];
            match tokio::time::timeout_at(deadline, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let stream: Box<dyn Io> = match tls {
                None => Box::new(stream),
                Some(acceptor) => {
                    if first[0] != TLS_HANDSHAKE_RECORD {
                        let answer = plain_http_refusal();
                        let _ = tokio::time::timeout_at(deadline, stream.write_all(&answer)).await;
                        let _ = tokio::time::timeout_at(deadline, stream.shutdown()).await;
                        return;
                    }
                    match tokio::time::timeout_at(deadline, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => Box::new(stream),
                        Ok(Err(err)) => {
                            tracing::debug!(error = %err, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!("TLS handshake timed out");
                            return;
                        }
                    }
                }
            };
            let io = TokioIo::new(LongTargetRewriter::new(stream));
            let connection = watcher.watch(builder.serve_connection_with_upgrades(io, service).into_owned());
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    if tokio::time::timeout(DRAIN_DEADLINE, graceful.shutdown()).await.is_err() {
        tracing::warn!("some connections were still open after the drain deadline");
    }
    Ok(())
}

/// What a plain-HTTP request to the HTTPS port is told before the connection is closed.
fn plain_http_refusal() -> Vec<u8> {
    let code = Code::InvalidParameter;
    let body = serde_json::json!({
        "RequestId": crate::ids::new_request_id(),
        "HostId": "ecs.aliyuncs.com",
        "Code": code.as_str(),
        "Message": "This port serves HTTPS (--tls): use an https:// endpoint and trust the emulator's CA (printed at start).",
        "Recommend": "",
    })
    .to_string();
    let status = code.status();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json;charset=utf-8\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes()
}

/// hyper answers a request target it cannot parse as `URI Too Long` with an empty body. This
/// wrapper replaces exactly that response (hyper's bytes) with `400 InvalidParameter` and an
/// Alibaba error body, so clients parse a `Code`.
struct LongTargetRewriter<S> {
    stream: S,
    /// Bytes of the replacement still to write, once hyper's 414 was seen.
    pending: Option<(Vec<u8>, usize)>,
}

/// hyper's 414 response starts with this line.
const HYPER_414: &[u8] = b"HTTP/1.1 414 URI Too Long\r\n";

impl<S> LongTargetRewriter<S> {
    fn new(stream: S) -> Self {
        LongTargetRewriter { stream, pending: None }
    }

    fn replacement() -> Vec<u8> {
        let body = format!(
            "{{\"RequestId\":\"{id}\",\"HostId\":\"ecs.aliyuncs.com\",\"Code\":\"InvalidParameter\",\"Message\":\"The request target is longer than {MAX_REQUEST_TARGET_BYTES} bytes; send the parameters in a form body (POST) instead.\",\"Recommend\":\"https://api.aliyun.com/troubleshoot?q=InvalidParameter&product=Ecs&requestId={id}\"}}",
            id = crate::ids::new_request_id()
        );
        format!(
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json;charset=utf-8\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for LongTargetRewriter<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for LongTargetRewriter<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() && buf.starts_with(HYPER_414) {
            this.pending = Some((Self::replacement(), 0));
        }
        if let Some((bytes, written)) = this.pending.as_mut() {
            // Write the replacement in full, and report hyper's bytes as written.
            while *written < bytes.len() {
                match Pin::new(&mut this.stream).poll_write(cx, &bytes[*written..]) {
                    Poll::Ready(Ok(n)) => *written += n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
