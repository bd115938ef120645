//! A TCP relay in front of an emulator that counts the bytes the server sends and can
//! stall every connection once a number of them went through (so a download is midway,
//! deterministically, when the test kills the client).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct Relay {
    pub addr: SocketAddr,
    /// Bytes sent by the server to clients since the last `reset`.
    pub down: Arc<AtomicU64>,
    /// Server bytes stop being forwarded once `down` reaches this (u64::MAX: never).
    pub stall_at: Arc<AtomicU64>,
    /// Bumped by `reset`: connections of an earlier epoch are closed.
    pub epoch: Arc<AtomicU64>,
    /// Bytes sent by clients to the server since the last `reset`.
    pub up: Arc<AtomicU64>,
    /// Client bytes stop being forwarded once `up` reaches this (u64::MAX: never).
    pub stall_up_at: Arc<AtomicU64>,
}

impl Relay {
    /// Starts relaying 127.0.0.1:<free port> to `upstream` on the current runtime.
    pub async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let down = Arc::new(AtomicU64::new(0));
        let stall_at = Arc::new(AtomicU64::new(u64::MAX));
        let epoch = Arc::new(AtomicU64::new(0));
        let up = Arc::new(AtomicU64::new(0));
        let stall_up_at = Arc::new(AtomicU64::new(u64::MAX));
        let counters = Counters {
            down: down.clone(),
            stall: stall_at.clone(),
            epoch: epoch.clone(),
            up: up.clone(),
            stall_up: stall_up_at.clone(),
        };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counters = counters.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        relay(client, server, counters).await;
                    }
                });
            }
        });
        Relay {
            addr,
            down,
            stall_at,
            epoch,
            up,
            stall_up_at,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn down(&self) -> u64 {
        self.down.load(Ordering::SeqCst)
    }

    /// Stalls once `bytes` more went down.
    pub fn stall_after(&self, bytes: u64) {
        self.stall_at
            .store(self.down().saturating_add(bytes), Ordering::SeqCst);
    }

    pub fn up(&self) -> u64 {
        self.up.load(Ordering::SeqCst)
    }

    /// Stalls uploads once `bytes` more went up.
    pub fn stall_up_after(&self, bytes: u64) {
        self.stall_up_at
            .store(self.up().saturating_add(bytes), Ordering::SeqCst);
    }

    /// Forwards everything again and counts from zero.
    pub fn reset(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.stall_at.store(u64::MAX, Ordering::SeqCst);
        self.down.store(0, Ordering::SeqCst);
        self.stall_up_at.store(u64::MAX, Ordering::SeqCst);
        self.up.store(0, Ordering::SeqCst);
    }
}

#[derive(Clone)]
struct Counters {
    down: Arc<AtomicU64>,
    stall: Arc<AtomicU64>,
    epoch: Arc<AtomicU64>,
    up: Arc<AtomicU64>,
    stall_up: Arc<AtomicU64>,
}

/// Copies `from` to `to`, counting into `count` and waiting while it is at `stall`
/// (until the epoch changes, which ends the copy).
async fn pump(
    mut from: impl tokio::io::AsyncRead + Unpin,
    mut to: impl tokio::io::AsyncWrite + Unpin,
    count: &AtomicU64,
    stall: &AtomicU64,
    epoch_now: &AtomicU64,
    epoch: u64,
) {
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // Forward only up to the stall point, then wait.
        let mut sent = 0;
        while sent < n {
            let room = stall
                .load(Ordering::SeqCst)
                .saturating_sub(count.load(Ordering::SeqCst));
            if epoch_now.load(Ordering::SeqCst) != epoch {
                return;
            }
            if room == 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            let take = (n - sent).min(usize::try_from(room).unwrap_or(usize::MAX));
            count.fetch_add(take as u64, Ordering::SeqCst);
            if to.write_all(&buf[sent..sent + take]).await.is_err() {
                return;
            }
            sent += take;
        }
    }
    let _ = to.shutdown().await;
}

async fn relay(client: TcpStream, server: TcpStream, c: Counters) {
    let epoch = c.epoch.load(Ordering::SeqCst);
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let counters = c.clone();
    let up = tokio::spawn(async move {
        let c = counters;
        pump(&mut cr, &mut sw, &c.up, &c.stall_up, &c.epoch, epoch).await;
    });
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match sr.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        while c.down.load(Ordering::SeqCst) >= c.stall.load(Ordering::SeqCst)
            && c.epoch.load(Ordering::SeqCst) == epoch
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if c.epoch.load(Ordering::SeqCst) != epoch {
            break;
        }
        c.down.fetch_add(n as u64, Ordering::SeqCst);
        if cw.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = cw.shutdown().await;
    up.abort();
}
