//! The accept loop: HTTP/1.1 connections with a bound on how long a client
//! may take to send its request head, and on how many connections one
//! address may hold open.
//!
//! `axum::serve` offers neither: a client that sends half a request line and
//! then nothing keeps its connection (and its task) forever, and one address
//! can open as many as the file-descriptor limit allows — a slow-loris needs
//! nothing more. Here the head must arrive within
//! [`ConnectionLimits::header_read_timeout`] (hyper then closes the
//! connection; an idle keep-alive connection waiting for its next request is
//! bounded by the same clock), and an address over
//! [`ConnectionLimits::per_address`] gets a `503` problem and a closed
//! socket before anything is read.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroUsize;
use std::pin::{pin, Pin};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::problem::ApiError;

/// Bounds on what one connection and one address may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request's line and headers
    /// (and how long a keep-alive connection may wait idle for the next).
    pub header_read_timeout: Duration,
    /// Connections one IP address may have open at once; `None` for no
    /// limit (behind a reverse proxy every connection comes from the proxy:
    /// limit per client there).
    pub per_address: Option<NonZeroUsize>,
}

impl Default for ConnectionLimits {
    /// 30 seconds for a request head (hyper's own choice, the same as the
    /// request timeout), 256 connections per address.
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            per_address: NonZeroUsize::new(256),
        }
    }
}

/// What a connection over the per-address limit is told before it is
/// closed: a problem like every other error, written before anything is read.
static TOO_MANY_CONNECTIONS: LazyLock<Vec<u8>> = LazyLock::new(|| {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "too_many_connections",
        "연결이 너무 많습니다",
        "이 주소에서 연 동시 연결이 한도를 넘었습니다. 잠시 후 다시 시도해 주세요.",
    )
    .closing_http1_answer()
});

/// Serves `router` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (upgraded connections — WebSockets — are their
/// owners' to close).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = OpenConnections::default();
    // Dropped to tell every connection to finish; each holds a receiver of
    // `drained` so that its closing is what we wait for.
    let (stop, _) = watch::channel(());
    let (drained_tx, drained) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(&error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = open.take(peer.ip(), limits.per_address) else {
            tokio::spawn(refuse(stream, peer));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let stream = Counted {
            stream,
            _slot: slot,
        };
        let service = router
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.map(axum::body::Body::new)
            });
        let mut stopping = stop.subscribe();
        let drained = drained.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            let connection = builder
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .with_upgrades();
            let mut connection = pin!(connection);
            let served = tokio::select! {
                served = connection.as_mut() => served,
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = served {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(drained);
        });
    }
    drop(listener);
    drop(stop);
    drop(drained);
    drained_tx.closed().await;
    Ok(())
}

/// Tells a connection over its address's limit why, and closes it.
async fn refuse(mut stream: TcpStream, peer: SocketAddr) {
    tracing::debug!(%peer, "too many connections from one address: refused");
    let told = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(&TOO_MANY_CONNECTIONS).await?;
        stream.shutdown().await
    })
    .await;
    if let Ok(Err(error)) = told {
        tracing::debug!(%peer, %error, "could not tell a refused connection why");
    }
}

/// Accepting fails for the listener's reasons (out of file descriptors) or
/// for one connection's (reset before it was accepted): the first kind is
/// logged and given a moment to pass, the second ignored.
async fn accept_failed(error: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Connections open per address.
#[derive(Debug, Default, Clone)]
struct OpenConnections(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl OpenConnections {
    /// A slot for one more connection from `address`, or `None` when it
    /// already holds `limit`.
    fn take(&self, address: IpAddr, limit: Option<NonZeroUsize>) -> Option<Slot> {
        let mut open = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(address).or_default();
        if limit.is_some_and(|limit| *count >= limit.get()) {
            return None;
        }
        *count += 1;
        Some(Slot {
            open: self.clone(),
            address,
        })
    }
}

/// A connection's socket holding its address's slot: an upgraded connection
/// (a WebSocket) keeps counting until the socket itself is closed.
#[derive(Debug)]
struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// One open connection, counted against its address until dropped.
#[derive(Debug)]
struct Slot {
    open: OpenConnections,
    address: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_slots_back_when_its_connections_close() {
        let open = OpenConnections::default();
        let address: IpAddr = [127, 0, 0, 1].into();
        let limit = NonZeroUsize::new(2);
        let first = open.take(address, limit);
        let second = open.take(address, limit);
        assert!(first.is_some() && second.is_some());
        assert!(open.take(address, limit).is_none(), "a third is refused");
        assert!(
            open.take([10, 0, 0, 1].into(), limit).is_some(),
            "others are not"
        );
        drop(first);
        assert!(open.take(address, limit).is_some());
        assert!(open.take(address, None).is_some(), "no limit, no refusal");
    }
}
