//! A link emulator (issue 14): a TCP relay between a client and an emulator that behaves
//! like a slow link. Run with
//!
//! ```text
//! cargo bench --bench link_relay -- --listen 127.0.0.1:0 --upstream 127.0.0.1:PORT
//!     [--rtt-ms 20] [--mib-s 16] [--total-mib-s 64]
//! ```
//!
//! It prints one line `listening on ADDR` on stdout once it accepts connections and runs
//! until killed. Each setting falls back to the environment (`LINK_RTT_MS`, `LINK_MIB_S`,
//! `LINK_TOTAL_MIB_S`), then to the default; a rate of 0 means no cap.
//!
//! What it models, per direction of every connection:
//! - **throughput**: a chunk passes only once the connection's token bucket (and the
//!   shared one for all connections, if any) has paid for its bytes;
//! - **delay**: a chunk that passed the buckets at time t is written at t + rtt/2, so data
//!   in flight keeps flowing (a pipe, not a per-request sleep);
//! - **back-pressure**: at most `buffer` bytes wait in the delay line; when it is full the
//!   relay stops reading from that side, and TCP flow control pushes back on the sender;
//! - **handshake**: a new connection carries nothing for one round trip after the accept
//!   (the client's connect to the relay is instant, over a link it costs a round trip).
//!
//! A half-close is passed on (EOF one way still lets the other way finish); an error on
//! either socket ends the whole connection.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;

const MIB: f64 = 1024.0 * 1024.0;
/// Largest chunk read at once: small enough that the buckets and the delay line act at a
/// fine grain, large enough that a 64 MiB/s link is a few thousand chunks a second.
const CHUNK: usize = 16 * 1024;

struct Settings {
    listen: SocketAddr,
    upstream: String,
    rtt: Duration,
    /// Bytes per second per connection and direction; None = no cap.
    per_connection: Option<f64>,
    /// Bytes per second over all connections, per direction; None = no cap.
    total: Option<f64>,
}

/// The relay's command line (clap: `--help` says all of this).
#[derive(clap::Parser)]
#[command(about = "A slow link between a client and a NAS emulator (issue 14)")]
struct Args {
    /// Address to accept the client's connections on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Where each connection is relayed to (HOST:PORT).
    #[arg(long)]
    upstream: String,
    /// Round-trip delay added, in milliseconds (half each way).
    #[arg(long, env = "LINK_RTT_MS", default_value_t = 20.0, value_parser = at_least_zero)]
    rtt_ms: f64,
    /// Cap of each connection, per direction, in MiB/s (0: no cap).
    #[arg(long, env = "LINK_MIB_S", default_value_t = 16.0, value_parser = at_least_zero)]
    mib_s: f64,
    /// Cap of all connections together, per direction, in MiB/s (0: no cap).
    #[arg(long, env = "LINK_TOTAL_MIB_S", default_value_t = 64.0, value_parser = at_least_zero)]
    total_mib_s: f64,
    /// Passed by `cargo bench` to every bench binary.
    #[arg(long, hide = true)]
    bench: bool,
}

fn at_least_zero(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("a number ≥ 0, not {text:?}")),
    }
}

impl Settings {
    fn parse() -> Self {
        let args = <Args as clap::Parser>::parse();
        let rate = |mib_s: f64| (mib_s > 0.0).then_some(mib_s * MIB);
        Settings {
            listen: args.listen,
            upstream: args.upstream,
            rtt: Duration::from_secs_f64(args.rtt_ms / 1000.0),
            per_connection: rate(args.mib_s),
            total: rate(args.total_mib_s),
        }
    }

    /// Bytes one direction may hold in its delay line: twice what the link carries in a
    /// round trip, so the cap, not the buffer, limits a single stream (at least 256 KiB).
    fn buffer_bytes(&self) -> usize {
        let rate = self.per_connection.or(self.total).unwrap_or(256.0 * MIB);
        let bytes = 2.0 * rate * self.rtt.as_secs_f64();
        (bytes as usize).clamp(256 * 1024, 64 << 20)
    }
}

/// A token bucket that may go into debt: `take` reserves its bytes at once and sleeps
/// until the debt is paid. Callers are served in the order they reserve, so a shared
/// bucket splits its rate fairly, and an oversleep is not lost (tokens accrue meanwhile,
/// up to `burst`).
struct Bucket {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    fn new(rate: f64) -> Self {
        // About 8 ms of traffic, at least 4 chunks: enough to absorb the timer's 1 ms
        // granularity without letting a connection burst noticeably above its cap.
        let burst = (rate / 128.0).max(4.0 * CHUNK as f64);
        Bucket {
            rate,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    async fn take(&self, bytes: usize) {
        let wait = {
            // A poisoned lock only means another task panicked mid-update; the numbers
            // are still usable.
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let (tokens, last) = &mut *state;
            let now = Instant::now();
            *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.rate)
                .min(self.burst)
                - bytes as f64;
            *last = now;
            (*tokens < 0.0).then(|| Duration::from_secs_f64(-*tokens / self.rate))
        };
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
    }
}

struct Link {
    half_rtt: Duration,
    per_connection: Option<f64>,
    /// One bucket per direction, shared by all connections.
    total: Option<[Bucket; 2]>,
    buffer: usize,
}

#[tokio::main]
async fn main() -> Result<()> {
    let settings = Settings::parse();
    let link = Arc::new(Link {
        half_rtt: settings.rtt / 2,
        per_connection: settings.per_connection,
        total: settings.total.map(|r| [Bucket::new(r), Bucket::new(r)]),
        buffer: settings.buffer_bytes(),
    });
    let listener = TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("binding {}", settings.listen))?;
    let show = |r: Option<f64>| r.map_or("no cap".into(), |r| format!("{} MiB/s", r / MIB));
    eprintln!(
        "link relay to {}: {} ms round trip, {} per connection, {} in total, {} KiB buffered per direction",
        settings.upstream,
        settings.rtt.as_millis(),
        show(settings.per_connection),
        show(settings.total),
        link.buffer / 1024
    );
    println!("listening on {}", listener.local_addr()?);
    // stdout may be a pipe or file that the caller polls for the line above.
    std::io::Write::flush(&mut std::io::stdout())?;

    loop {
        let (client, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // E.g. out of file descriptors: keep serving the connections we have.
                eprintln!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let link = Arc::clone(&link);
        let upstream = settings.upstream.clone();
        tokio::spawn(async move {
            if let Err(e) = relay(client, &upstream, &link).await {
                eprintln!("connection from {peer}: {e:#}");
            }
        });
    }
}

async fn relay(mut client: TcpStream, upstream: &str, link: &Link) -> Result<()> {
    // The client's handshake with us took no time, where over the link it costs a round
    // trip: nothing passes until one round trip after the accept, so a new connection's
    // first reply comes after two round trips, as over a real link.
    let handshake_done = Instant::now() + 2 * link.half_rtt;
    let mut server = TcpStream::connect(upstream)
        .await
        .with_context(|| format!("connecting to {upstream}"))?;
    tokio::time::sleep_until(handshake_done).await;
    // Small writes (headers, short replies) must not wait for Nagle: the delay is ours.
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (client_read, client_write) = client.split();
    let (server_read, server_write) = server.split();
    let upload = link.per_connection.map(Bucket::new);
    let download = link.per_connection.map(Bucket::new);
    let total = link.total.as_ref();
    tokio::try_join!(
        pump(
            client_read,
            server_write,
            link,
            upload.as_ref(),
            total.map(|t| &t[0])
        ),
        pump(
            server_read,
            client_write,
            link,
            download.as_ref(),
            total.map(|t| &t[1])
        ),
    )
    .context("relaying")?;
    Ok(())
}

/// One direction: a reader that meters chunks into a bounded delay line, and a writer
/// that sends each chunk when its time has come.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    link: &Link,
    connection: Option<&Bucket>,
    total: Option<&Bucket>,
) -> std::io::Result<()> {
    // The channel itself is unbounded; the semaphore bounds the bytes in it.
    let room = Semaphore::new(link.buffer);
    let (queue, mut line) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();

    let read_side = async {
        // Owned here, so the writer sees the end of the line when the reader returns.
        let queue = queue;
        loop {
            // Waiting for room before reading is the back-pressure: while the line is
            // full nothing is read, the socket's receive buffer fills and TCP's window
            // closes on the sender.
            let permit = room
                .acquire_many(CHUNK as u32)
                .await
                .map_err(std::io::Error::other)?;
            let mut chunk = vec![0; CHUNK];
            let n = from.read(&mut chunk).await?;
            if n == 0 {
                // EOF: dropping `queue` (end of this block) lets the writer drain and
                // half-close.
                return Ok::<_, std::io::Error>(());
            }
            chunk.truncate(n);
            // Only the bytes actually read stay reserved; the writer gives them back.
            permit.forget();
            room.add_permits(CHUNK - n);
            if let Some(bucket) = connection {
                bucket.take(n).await;
            }
            if let Some(bucket) = total {
                bucket.take(n).await;
            }
            if queue.send((Instant::now() + link.half_rtt, chunk)).is_err() {
                // The writer stopped (its error ends the connection).
                return Ok(());
            }
        }
    };
    let write_side = async {
        while let Some((due, chunk)) = line.recv().await {
            tokio::time::sleep_until(due).await;
            to.write_all(&chunk).await?;
            room.add_permits(chunk.len());
        }
        to.shutdown().await
    };
    tokio::try_join!(read_side, write_side)?;
    Ok(())
}
