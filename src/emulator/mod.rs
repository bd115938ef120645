//! NAS emulators: real HTTP servers (axum) over a real directory, used by the tests, the
//! benchmarks, `nascmd emulate …` and `nascmd --demo`. Each takes a listener bound by the
//! caller (tests bind port 0) and a shutdown future, like mini-redis.

pub mod clock;
pub mod confined;
pub mod faults;
pub mod freebox;
pub mod fsroot;
pub mod qnap;
pub mod request_log;
pub(crate) mod snapshots;
pub mod spool;

use std::future::Future;
use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long `RunningEmulator::shutdown` and [`serve_until_interrupted`] let open requests
/// finish.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// `listener` with Nagle's algorithm off on every connection it accepts, as the web
/// servers of real boxes have it (nginx's `tcp_nodelay on` for kept-alive
/// connections). With it on, the last small segment of a reply waited for the client's
/// delayed ACK: 40 ms per small download on a reused connection.
pub(crate) fn without_nagle(
    listener: tokio::net::TcpListener,
) -> impl axum::serve::Listener<Io = tokio::net::TcpStream, Addr = SocketAddr> {
    use axum::serve::ListenerExt;
    listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "emulator: TCP_NODELAY refused");
        }
    })
}

/// An emulator serving on loopback in the background; dropping it stops the server.
#[derive(Debug)]
pub struct RunningEmulator {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningEmulator {
    /// Binds `127.0.0.1:0` and runs `serve(listener, shutdown)` on a background task.
    pub async fn start<F, Fut>(serve: F) -> std::io::Result<RunningEmulator>
    where
        F: FnOnce(tokio::net::TcpListener, oneshot::Receiver<()>) -> Fut,
        Fut: Future<Output = std::io::Result<()>> + Send + 'static,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, rx) = oneshot::channel();
        let task = tokio::spawn(serve(listener, rx));
        Ok(RunningEmulator {
            addr,
            base_url: format!("http://{addr}"),
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// Stops the server: it closes its listener and lets open requests finish for
    /// `SHUTDOWN_GRACE` at most, then drops the connections still open. (A connection a
    /// stalled relay or a killed client holds open would otherwise keep it waiting for
    /// ever: axum's graceful shutdown waits for every connection.)
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        finish_within_grace(&mut task, std::future::pending())
            .await
            .map(|_| ())
    }
}

/// How a server run by [`serve_until_interrupted`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every open request finished within the grace period (or the server ended itself).
    Finished,
    /// The grace period ran out: the connections still open were dropped.
    GraceOver,
    /// A second interrupt came during the grace period: dropped at once.
    Interrupted,
}

/// Runs `serve(stop)` (an emulator's `serve` with `stop` as its shutdown future) until
/// `interrupt` fires a first time (the CLI: Ctrl-C), then closes the listener and lets
/// open requests finish for `SHUTDOWN_GRACE` at most, like
/// [`RunningEmulator::shutdown`]; a second interrupt stops it at once. Connections still
/// open at the end are left to the caller's runtime, which drops them when it ends.
pub async fn serve_until_interrupted<S, Fut, I, IFut>(
    serve: S,
    mut interrupt: I,
) -> std::io::Result<Stopped>
where
    S: FnOnce(oneshot::Receiver<()>) -> Fut,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
    I: FnMut() -> IFut,
    IFut: Future<Output = ()>,
{
    let (stop, rx) = oneshot::channel();
    let mut task = tokio::spawn(serve(rx));
    tokio::select! {
        joined = &mut task => {
            joined.map_err(std::io::Error::other)??;
            return Ok(Stopped::Finished);
        }
        () = interrupt() => {}
    }
    let _ = stop.send(());
    finish_within_grace(&mut task, interrupt()).await
}

/// Waits for a server told to stop: `SHUTDOWN_GRACE` at most, less if `cut_short` comes
/// first; then aborts it.
async fn finish_within_grace(
    task: &mut JoinHandle<std::io::Result<()>>,
    cut_short: impl Future<Output = ()>,
) -> std::io::Result<Stopped> {
    let stopped = tokio::select! {
        joined = &mut *task => {
            joined.map_err(std::io::Error::other)??;
            return Ok(Stopped::Finished);
        }
        () = tokio::time::sleep(SHUTDOWN_GRACE) => Stopped::GraceOver,
        () = cut_short => Stopped::Interrupted,
    };
    task.abort();
    Ok(stopped)
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener;

    #[tokio::test]
    async fn accepted_connections_send_without_waiting_for_acks() {
        let bound = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = bound.local_addr().unwrap();
        let mut listener = super::without_nagle(bound);
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (server_side, _) = listener.accept().await;
        assert!(server_side.nodelay().unwrap());
    }
}
