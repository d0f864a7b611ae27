//! Failures in the ports' words: an unreachable database is `Unavailable`
//! within the acquire timeout, a bad configuration is refused at once, and a
//! database that comes back is used again without a new store.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sinmungo_core::ports::StoreError;
use sinmungo_postgres::{PostgresOptions, PostgresStore};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::schema::postgres_url;

/// A port on which nothing listens.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable_within_the_acquire_timeout() {
    let port = closed_port().await;
    let options = PostgresOptions {
        acquire_timeout: Duration::from_millis(500),
        ..PostgresOptions::new(format!("postgres://app:secret@127.0.0.1:{port}/sinmungo"))
    };
    // Connecting is lazy: the store is built while the database is down.
    let store = PostgresStore::connect(&options).await.unwrap();
    let started = Instant::now();
    let pinged = store.ping().await;
    assert!(
        matches!(pinged, Err(StoreError::Unavailable(_))),
        "{pinged:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
    let migrated = store.migrate().await;
    assert!(
        matches!(migrated, Err(StoreError::Unavailable(_))),
        "{migrated:?}"
    );
}

#[tokio::test]
async fn a_bad_url_or_schema_is_refused_without_showing_the_password() {
    let bad_url = PostgresOptions::new("postgres://app:s3cret@db:notaport/sinmungo");
    match PostgresStore::connect(&bad_url).await {
        Err(StoreError::Unknown(error)) => {
            let shown = format!("{error:#}");
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    let bad_schema = PostgresOptions {
        schema: Some("public; DROP TABLE reports".to_owned()),
        ..PostgresOptions::new("postgres://app@db/sinmungo")
    };
    assert!(matches!(
        PostgresStore::connect(&bad_schema).await,
        Err(StoreError::Unknown(_))
    ));
}

/// A TCP forwarder that can be cut (every connection at once) and restored.
struct Proxy {
    listen: SocketAddr,
    upstream: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Proxy {
    async fn start(listen: SocketAddr, upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind(listen).await.unwrap();
        let listen = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) aborts every connection.
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self {
            listen,
            upstream,
            task: Some(task),
        }
    }

    /// Closes the listener and every forwarded connection: the database "goes away".
    async fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same port: the database "comes back".
    async fn restore(&mut self) {
        *self = Self::start(self.listen, self.upstream).await;
    }
}

/// `url` with its host and port replaced by `addr`, and the host and port it had.
fn through(url: &str, addr: SocketAddr) -> (String, SocketAddr) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let (user_info, host_port) = match authority.rsplit_once('@') {
        Some((user_info, host_port)) => (format!("{user_info}@"), host_port),
        None => (String::new(), authority),
    };
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    let host_port = host_port.replace("localhost", "127.0.0.1");
    (
        format!("{scheme}://{user_info}{addr}{path}"),
        host_port.parse().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_recovers_by_itself_when_the_database_comes_back() {
    let Some(url) = postgres_url() else { return };
    let (_, upstream) = through(&url, "127.0.0.1:1".parse().unwrap());
    let mut proxy = Proxy::start("127.0.0.1:0".parse().unwrap(), upstream).await;
    let (proxied, _) = through(&url, proxy.listen);
    let store = PostgresStore::connect(&PostgresOptions {
        acquire_timeout: Duration::from_secs(1),
        max_connections: 2,
        ..PostgresOptions::new(proxied)
    })
    .await
    .unwrap();
    store.ping().await.unwrap();

    proxy.cut().await;
    let started = Instant::now();
    let pinged = store.ping().await;
    assert!(
        matches!(pinged, Err(StoreError::Unavailable(_))),
        "{pinged:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    proxy.restore().await;
    // The pooled connection died with the proxy; the pool notices on its
    // check before handing it out and opens a new one.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match store.ping().await {
            Ok(()) => break,
            Err(error) if Instant::now() < deadline => {
                eprintln!("not yet: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("the store did not recover: {error}"),
        }
    }
    proxy.cut().await;
}
