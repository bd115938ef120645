//! A TCP relay in front of an emulator that can take the NAS off the network for a
//! while, as a rebooting box or a dead Wi-Fi looks to a client: during an outage every
//! open connection is cut and each new one is closed as soon as it is accepted; after
//! it, the relay passes bytes again. It can also slow the link (so a test can act in
//! the middle of a transfer), lose the answers to some requests (the NAS carried them
//! out, the client never hears back) and counts what it relayed.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct OutageRelay {
    /// Where clients connect (`http://{addr}`).
    pub addr: SocketAddr,
    down: watch::Sender<bool>,
    counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct Counters {
    /// Bytes relayed, both directions.
    relayed: AtomicU64,
    /// Connections closed at once because the NAS was "down".
    refused: AtomicU64,
    /// Requests containing this text get no answer (the connection is cut when the
    /// answer starts), this many more times.
    lose: Mutex<Option<(Vec<u8>, u32)>>,
    /// Answers lost so far.
    lost: AtomicU64,
}

impl OutageRelay {
    /// Relays to `target`; `kib_per_s` (if any) caps each connection's speed in each
    /// direction.
    pub async fn start(target: SocketAddr, kib_per_s: Option<u64>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (down, _) = watch::channel(false);
        let counters = Arc::new(Counters::default());
        let (down_tx, c) = (down.clone(), counters.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if *down_tx.borrow() {
                    c.refused.fetch_add(1, Ordering::Relaxed);
                    drop(client);
                    continue;
                }
                let (rx, c) = (down_tx.subscribe(), c.clone());
                tokio::spawn(relay(client, target, rx, c, kib_per_s));
            }
        });
        OutageRelay {
            addr,
            down,
            counters,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The NAS leaves the network: open connections are cut, new ones closed.
    pub fn go_down(&self) {
        self.down.send_replace(true);
    }

    /// The NAS is back.
    pub fn come_back(&self) {
        self.down.send_replace(false);
    }

    /// The next `times` requests whose bytes contain `needle` are carried out by the
    /// NAS, but their answer never arrives: the connection is cut when it starts.
    pub fn lose_answers_to(&self, needle: &str, times: u32) {
        *self.counters.lose.lock().unwrap() = Some((needle.as_bytes().to_vec(), times));
    }

    /// Answers lost so far.
    pub fn lost(&self) -> u64 {
        self.counters.lost.load(Ordering::Relaxed)
    }

    pub fn relayed(&self) -> u64 {
        self.counters.relayed.load(Ordering::Relaxed)
    }

    /// Connections refused during outages (each one a try of the client).
    pub fn refused(&self) -> u64 {
        self.counters.refused.load(Ordering::Relaxed)
    }
}

impl Drop for OutageRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    client: TcpStream,
    target: SocketAddr,
    mut down: watch::Receiver<bool>,
    counters: Arc<Counters>,
    kib_per_s: Option<u64>,
) {
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    // Set when a request whose answer is to be lost went up this connection.
    let doomed = Arc::new(AtomicBool::new(false));
    let up = pump(cr, sw, counters.clone(), kib_per_s, Dir::Up(doomed.clone()));
    let back = pump(sr, cw, counters, kib_per_s, Dir::Back(doomed));
    // Both directions until either side closes or a lost answer cuts the connection,
    // or the outage cuts it (dropping the sockets closes them).
    // The NAS-to-client direction ending (the NAS closed, or an answer is lost) ends
    // the connection; the other one only closes its half.
    let up = async {
        up.await;
        std::future::pending::<()>().await
    };
    tokio::select! {
        _ = back => {}
        _ = up => {}
        _ = down.wait_for(|d| *d) => {}
    }
}

enum Dir {
    /// Client to NAS: marks the connection when a request's answer is to be lost.
    Up(Arc<AtomicBool>),
    /// NAS to client: cuts the connection instead of passing a marked answer.
    Back(Arc<AtomicBool>),
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    counters: Arc<Counters>,
    kib_per_s: Option<u64>,
    dir: Dir,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        match &dir {
            Dir::Up(doomed) => {
                let mut lose = counters.lose.lock().unwrap();
                if let Some((needle, left)) = lose.as_mut()
                    && *left > 0
                    && buf[..n]
                        .windows(needle.len())
                        .any(|w| w == needle.as_slice())
                {
                    *left -= 1;
                    doomed.store(true, Ordering::SeqCst);
                }
            }
            Dir::Back(doomed) => {
                if doomed.load(Ordering::SeqCst) {
                    counters.lost.fetch_add(1, Ordering::Relaxed);
                    // Reset, not a clean close: the client sees a dropped connection.
                    return;
                }
            }
        }
        if let Some(rate) = kib_per_s {
            let secs = n as f64 / (rate.max(1) * 1024) as f64;
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        counters.relayed.fetch_add(n as u64, Ordering::Relaxed);
    }
    let _ = to.shutdown().await;
}
