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

use std::future::Future;
use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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

    /// Stops the server and waits until it has closed its listener.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match self.task.take() {
            Some(t) => t.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}
