//! A TCP proxy a test can cut and restore, to take a service "away" and
//! bring it back without touching the service itself.

use std::net::SocketAddr;

use anyhow::Context as _;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// Forwards connections from `listen` to `upstream` until cut.
#[derive(Debug)]
pub struct Proxy {
    listen: SocketAddr,
    upstream: SocketAddr,
    serving: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl Proxy {
    /// Listens on `listen` (port 0 picks one) and forwards to `upstream`.
    pub async fn start(listen: SocketAddr, upstream: SocketAddr) -> anyhow::Result<Self> {
        // SO_REUSEADDR: a restored proxy binds the port it had again, while
        // the connections it cut may still be in TIME_WAIT.
        let socket = if listen.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket
            .bind(listen)
            .with_context(|| format!("binding the proxy on {listen}"))?;
        let listener = socket.listen(64)?;
        let listen = listener.local_addr()?;
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => {
                        let Ok((mut inbound, _)) = accepted else { break };
                        connections.spawn(async move {
                            if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                                // Either side closing ends the copy; the error says nothing useful.
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound)
                                    .await
                                    .ok();
                            }
                        });
                    }
                }
            }
            drop(listener);
            // Aborts every forwarded connection and waits until each is
            // closed, so a cut is complete when `cut` returns.
            connections.shutdown().await;
        });
        Ok(Self {
            listen,
            upstream,
            serving: Some((stop, task)),
        })
    }

    /// The address clients connect to.
    pub fn listen(&self) -> SocketAddr {
        self.listen
    }

    /// Closes the listener and every forwarded connection: the service "goes away".
    pub async fn cut(&mut self) {
        if let Some((stop, task)) = self.serving.take() {
            let _ = stop.send(());
            task.await.ok();
        }
    }

    /// Listens again on the same port: the service "comes back".
    pub async fn restore(&mut self) -> anyhow::Result<()> {
        self.cut().await;
        *self = Self::start(self.listen, self.upstream).await?;
        Ok(())
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some((_, task)) = self.serving.take() {
            task.abort();
        }
    }
}

/// `url` (`scheme://[user[:password]@]host[:port][/path][?query]`) with its
/// host and port replaced by `addr`, and the address it named (PostgreSQL's
/// port 5432 if none).
pub fn through(url: &str, addr: SocketAddr) -> anyhow::Result<(String, SocketAddr)> {
    through_with_default_port(url, addr, 5432)
}

/// Like [`through`], with `default_port` for a URL that names none.
pub fn through_with_default_port(
    url: &str,
    addr: SocketAddr,
    default_port: u16,
) -> anyhow::Result<(String, SocketAddr)> {
    let (scheme, rest) = url.split_once("://").context("a URL with a scheme")?;
    let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let (user_info, host_port) = match authority.rsplit_once('@') {
        Some((user_info, host_port)) => (format!("{user_info}@"), host_port),
        None => (String::new(), authority),
    };
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:{default_port}")
    };
    let upstream = host_port
        .replace("localhost", "127.0.0.1")
        .parse()
        .with_context(|| format!("{host_port} as a socket address"))?;
    Ok((format!("{scheme}://{user_info}{addr}{path}"), upstream))
}
