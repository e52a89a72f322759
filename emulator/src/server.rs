//! The HTTP server under the app: hyper's HTTP/1.1, one task per connection, with the timeouts
//! `axum::serve` lacks (a client that stalls is closed, not kept) and a cap on open connections.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// Connections served at once. Past it new ones wait in the kernel's backlog until one closes;
/// with the timeouts, a stalled one closes within [`crate::Config::io_timeout`].
pub const MAX_CONNECTIONS: usize = 512;

/// The accept loop and a way to close every connection it opened.
pub struct Server {
    accept: tokio::task::JoinHandle<()>,
    stop: watch::Sender<bool>,
}

impl Server {
    /// Serves `app` on `listener`. Headers must arrive within `io_timeout` of a connection opening
    /// or of its previous answer (hyper's header read timer starts as soon as it waits for a
    /// request), so half-sent request lines and idle keep-alive connections are closed; the
    /// guard bounds the body the same way.
    pub fn start(listener: TcpListener, app: Router, io_timeout: Duration) -> Server {
        let (stop, stopped) = watch::channel(false);
        let accept = tokio::spawn(accept_loop(listener, app, io_timeout, stopped));
        Server { accept, stop }
    }

    /// Stops accepting and closes every open connection.
    pub fn stop(self) {
        let _ = self.stop.send(true);
        self.accept.abort();
    }
}

async fn accept_loop(listener: TcpListener, app: Router, io_timeout: Duration, stopped: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, or a connection reset before it was accepted: try again soon.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(io_timeout);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let stop = async move {
                // Only an explicit stop closes connections (not a dropped `Running`).
                if stopped.wait_for(|s| *s).await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                _ = conn => {}
                _ = stop => {}
            }
        });
    }
}
