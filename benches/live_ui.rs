//! The interface stays live during transfers (issue 14): runs the release `nascmd`
//! binary in a pseudo-terminal (as `benches/startup.rs`), its right pane on a QNAP
//! emulator (in this process, on loopback), and times keypress to frame: F1 is pressed,
//! the clock stops when the help's text arrives on the terminal, then any key closes the
//! help and, once the frame that closes it arrived and after a pause longer than a frame,
//! the next sample starts. Three cases:
//!
//! * idle: nothing running (the baseline);
//! * get: a big file copied from the NAS pane to the local one (F5, Enter), the
//!   parallel ranged download at full loopback speed;
//! * put -r: a folder of many small files copied to the NAS (F5, Enter).
//!
//! Where a sample's time goes: the binary logs (`NASCMD_LOG=nascmd::frames=debug`) when
//! its loop took each key and how long it took from there to the frame written (and the
//! draw alone); each sample is matched to its line by the wall clock, which splits it
//! into "wake" (key written → the loop takes it: the pty, crossterm's reader thread, the
//! scheduler), "loop" (update + draw + write) and the rest (the frame's bytes reaching
//! this process); of the draw, the part that builds the frame's cells is shown apart from
//! the diff and the write to the terminal.
//!
//! `cargo bench --bench live_ui [-- SAMPLES BIG_MIB SMALL_FILES]` (defaults 50, 2048,
//! 2000). `TMPDIR` picks where files go; `NASCMD_BIN` runs another build of the binary;
//! `NAS_MIB_S` caps what the emulator sends and takes (a NAS on a real network rather
//! than one that takes a core of this machine).
//! Prints p50/p99/max per case (all samples, then those taken while the transfer ran),
//! and how many samples were lost: an F1 whose help did not show within
//! `SAMPLE_LIMIT` (a dialog in front, a key swallowed) is counted and reported, the
//! screen is cleared with Esc, and sampling goes on; no assertions (speed is measured,
//! never asserted).
//!
//! `LINK_RELAY=PATH` (the executable of `benches/link_relay.rs`, built by `cargo build
//! --release --bench link_relay`) puts the link relay between the NAS pane and the
//! emulator, with the relay's settings from `LINK_RTT_MS`, `LINK_MIB_S` and
//! `LINK_TOTAL_MIB_S` (defaults 20 ms, 16 and 64 MiB/s): the interface while a NAS across
//! town sends and takes. Pick a `BIG_MIB` the link moves in a few seconds (512 takes 8 s).

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nascmd::emulator::qnap::{QnapEmulatorConfig, spawn};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// How long a step (a start-up, a whole transfer through a slow link) may take.
const LIMIT: Duration = Duration::from_secs(120);
/// How long one F1 may wait for the help before the sample counts as lost.
const SAMPLE_LIMIT: Duration = Duration::from_secs(5);
const ESC: &[u8] = b"\x1b";
const USER: &str = "bench";
const PASS: &str = "bench-pass-1";
/// A word on the help's first screen found nowhere else on it.
const HELP_TEXT: &str = "Suspend";
/// After closing the help: longer than a frame (16 ms), so the close is drawn before
/// the next F1.
const PAUSE: Duration = Duration::from_millis(40);
const F1: &[u8] = b"\x1bOP";
const F5: &[u8] = b"\x1b[15~";
const F10: &[u8] = b"\x1b[21~";
const END: &[u8] = b"\x1b[F";

struct Session {
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    out: Receiver<Vec<u8>>,
    seen: Vec<u8>,
    /// Per answered F1: when it was written and when the help arrived (wall clock, to
    /// match the binary's frame log).
    pressed: Vec<(SystemTime, SystemTime)>,
}

impl Session {
    fn spawn(cmd: CommandBuilder) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let (tx, out) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let child = pair.slave.spawn_command(cmd).expect("spawn");
        drop(pair.slave);
        Session {
            child,
            _master: pair.master,
            writer,
            out,
            seen: Vec::new(),
            pressed: Vec::new(),
        }
    }

    fn press(&mut self, keys: &[u8]) {
        self.writer.write_all(keys).expect("key");
        self.writer.flush().expect("flush");
    }

    /// Waits until `what` has appeared in the output since the last `forget`.
    fn until(&mut self, what: &str) {
        if !self.within(what, LIMIT) {
            panic!(
                "{what:?} never appeared; last output: {:?}",
                String::from_utf8_lossy(&self.seen[self.seen.len().saturating_sub(2000)..])
            );
        }
    }

    /// Whether `what` appears in the output (since the last `forget`) within `limit`.
    fn within(&mut self, what: &str, limit: Duration) -> bool {
        let needle = what.as_bytes();
        let deadline = Instant::now() + limit;
        loop {
            if self.seen.windows(needle.len()).any(|w| w == needle) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.out.recv_timeout(left) {
                Ok(bytes) => self.seen.extend_from_slice(&bytes),
                Err(RecvTimeoutError::Timeout) => return false,
                Err(RecvTimeoutError::Disconnected) => panic!("output ended before {what:?}"),
            }
        }
    }

    /// Drops the output seen so far (what is waited for next must be new).
    fn forget(&mut self) {
        while let Ok(bytes) = self.out.try_recv() {
            drop(bytes);
        }
        self.seen.clear();
    }

    /// One sample: F1 to the help's text on the terminal; then closes the help. None
    /// when the help did not show within `SAMPLE_LIMIT`: whatever is in front (a dialog,
    /// the help itself) is closed with Esc before the next sample.
    fn sample(&mut self) -> Option<Duration> {
        self.forget();
        let pressed = Instant::now();
        let pressed_wall = SystemTime::now();
        self.press(F1);
        if !self.within(HELP_TEXT, SAMPLE_LIMIT) {
            // What was in front instead: the tail of what the terminal got.
            eprintln!(
                "lost sample; the terminal got: {:?}",
                String::from_utf8_lossy(&self.seen[self.seen.len().saturating_sub(1500)..])
            );
            self.press(ESC);
            std::thread::sleep(PAUSE);
            self.press(ESC);
            std::thread::sleep(PAUSE);
            return None;
        }
        let took = pressed.elapsed();
        self.pressed.push((pressed_wall, SystemTime::now()));
        // Close the help and wait for the frame that does: an F1 taken in the same frame
        // as this key would leave the screen as it was, and the frames would carry no
        // help text to wait for (a busy loop can take both at once).
        self.forget();
        self.press(b"x");
        let _ = self.out.recv_timeout(SAMPLE_LIMIT);
        std::thread::sleep(PAUSE);
        Some(took)
    }

    /// Quits and returns the (written, arrived) times of the answered F1s.
    fn quit(mut self) -> Vec<(SystemTime, SystemTime)> {
        let pressed = std::mem::take(&mut self.pressed);
        self.quit_now();
        pressed
    }

    fn quit_now(mut self) {
        self.press(F10);
        let deadline = Instant::now() + LIMIT;
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}

fn nascmd(left: &Path, right: &str, home: &Path) -> CommandBuilder {
    // NASCMD_BIN runs another build of the binary (a before/after comparison).
    let bin = std::env::var_os("NASCMD_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_nascmd").into());
    let mut cmd = CommandBuilder::new(bin);
    cmd.arg(left);
    cmd.arg(right);
    cmd.env("TERM", "xterm-256color");
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("XDG_STATE_HOME", home.join("state"));
    cmd.env("NASCMD_PASSWORD", PASS);
    cmd.env("NASCMD_LOG", "info,nascmd::frames=debug");
    cmd
}

/// The binary's log (its state folder under `home`).
fn log_file(home: &Path) -> std::path::PathBuf {
    home.join("state").join("nascmd").join("nascmd.log")
}

fn unix_us(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// The value of `key=N` in a log line.
fn field(line: &str, key: &str) -> Option<u64> {
    let at = line.find(&format!("{key}="))? + key.len() + 1;
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Splits each answered F1 by the binary's frame log (see the module comment) and
/// prints p50/p99/max of each part; the log is removed for the next case.
fn split_by_log(case: &str, home: &Path, pressed: &[(SystemTime, SystemTime)]) {
    let log = log_file(home);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    // (taken, input_to_frame, draw, build) in µs; build is missing in older builds.
    let frames: Vec<(u64, u64, u64, Option<u64>)> = text
        .lines()
        .filter_map(|l| {
            Some((
                field(l, "taken_unix_us")?,
                field(l, "input_to_frame_us")?,
                field(l, "draw_us")?,
                field(l, "build_us"),
            ))
        })
        .collect();
    let (mut wake, mut lp, mut draw, mut build) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (written, arrived) in pressed {
        let (w, a) = (unix_us(*written), unix_us(*arrived));
        if let Some(f) = frames.iter().find(|f| f.0 + 1_000 >= w && f.0 <= a) {
            wake.push(Duration::from_micros(f.0.saturating_sub(w)));
            lp.push(Duration::from_micros(f.1));
            draw.push(Duration::from_micros(f.2));
            build.extend(f.3.map(Duration::from_micros));
        }
    }
    println!(
        "{case}, wake (key written → loop takes it): {}",
        summary(&wake)
    );
    println!(
        "{case}, loop (taken → frame written):      {}",
        summary(&lp)
    );
    println!(
        "{case}, draw alone:                        {}",
        summary(&draw)
    );
    println!(
        "{case}, the draw's cells (not the write):  {}",
        summary(&build)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// "p50 … p99 … max …" in milliseconds.
fn summary(v: &[Duration]) -> String {
    if v.is_empty() {
        return "no samples".to_owned();
    }
    let mut v = v.to_vec();
    v.sort();
    let at = |q: f64| ms(v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1]);
    format!(
        "p50 {:6.2} ms   p99 {:6.2} ms   max {:6.2} ms   (n = {})",
        at(0.5),
        at(0.99),
        ms(v[v.len() - 1]),
        v.len()
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !cond() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn count_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// The samples of one case.
#[derive(Default)]
struct Samples {
    all: Vec<Duration>,
    /// Those taken while the transfer ran (from start to end).
    during: Vec<Duration>,
    /// F1s whose help never showed within `SAMPLE_LIMIT`.
    lost: usize,
}

impl Samples {
    fn report(&self, case: &str, took: Option<Duration>) {
        println!(
            "{case}: {}   (lost {}{})",
            summary(&self.all),
            self.lost,
            took.map(|t| format!(", transfer took ≥ {:.1} s", t.as_secs_f64()))
                .unwrap_or_default()
        );
        if took.is_some() {
            println!("{case}, during the transfer: {}", summary(&self.during));
        }
    }
}

/// Samples while `running` says the transfer runs.
fn sample_during(s: &mut Session, samples: usize, running: impl Fn() -> bool) -> Samples {
    let mut out = Samples::default();
    for _ in 0..samples {
        let live = running();
        match s.sample() {
            Some(took) => {
                out.all.push(took);
                if live && running() {
                    out.during.push(took);
                }
            }
            None => out.lost += 1,
        }
    }
    out
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<usize>().ok());
    let samples = args.next().unwrap_or(50);
    let big_mib = args.next().unwrap_or(2048) as u64;
    let small_files = args.next().unwrap_or(2000);

    let work = tempfile::tempdir().expect("temp dir");
    let nas_root = work.path().join("nas");
    let public = nas_root.join("Public");
    std::fs::create_dir_all(&public).expect("share");
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("home");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut cfg = QnapEmulatorConfig::new(&nas_root, USER, PASS);
    // `NAS_MIB_S`: the emulator sends and takes at most this many MiB/s (a NAS on a
    // real network), instead of as fast as loopback and the shared cores allow.
    let nas_mib_s = std::env::var("NAS_MIB_S")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    cfg.faults.bandwidth = nas_mib_s.map(|m| m << 20);
    let emu = rt.block_on(spawn(cfg)).expect("QNAP emulator");
    let relay = std::env::var_os("LINK_RELAY").map(|exe| Relay::start(exe.as_ref(), emu.addr));
    let nas_addr = relay
        .as_ref()
        .map_or_else(|| emu.addr.to_string(), |r| r.addr.clone());
    let right = format!("qnap://{USER}@{nas_addr}/Public");
    println!("load average before: {}", load_average());

    // Idle: an empty local folder beside the NAS pane.
    let idle_dir = work.path().join("idle");
    std::fs::create_dir_all(&idle_dir).expect("idle");
    let mut s = Session::spawn(nascmd(&idle_dir, &right, &home));
    s.until("Quit");
    let idle = sample_during(&mut s, samples, || false);
    let pressed = s.quit();
    idle.report("idle", None);
    split_by_log("idle", &home, &pressed);

    // get: a big file from the NAS pane into an empty local folder.
    let big = public.join("big.bin");
    let f = std::fs::File::create(&big).expect("big file");
    f.set_len(big_mib << 20).expect("big file size"); // sparse: the emulator reads zeros
    drop(f);
    let down = work.path().join("down");
    std::fs::create_dir_all(&down).expect("down");
    let mut s = Session::spawn(nascmd(&down, &right, &home));
    s.until("big.bin");
    s.press(b"\t");
    s.press(END);
    std::thread::sleep(PAUSE);
    s.forget();
    s.press(F5);
    s.until(" to");
    s.press(b"\r");
    let arrived = down.join("big.bin");
    wait_for("the download's start", || count_in(&down) > 0);
    let started = Instant::now();
    let get = sample_during(&mut s, samples, || !arrived.exists());
    wait_for("the download's end", || arrived.exists());
    let took = started.elapsed();
    let pressed = s.quit();
    std::fs::remove_file(&arrived).ok();
    std::fs::remove_file(&big).ok();
    get.report(&format!("get {big_mib} MiB"), Some(took));
    split_by_log(&format!("get {big_mib} MiB"), &home, &pressed);

    // put -r: a folder of small files from the local pane to the NAS.
    let up = work.path().join("up");
    let small = up.join("small");
    std::fs::create_dir_all(&small).expect("small");
    let body = vec![7u8; 16 << 10];
    for i in 0..small_files {
        std::fs::write(small.join(format!("f{i:05}")), &body).expect("small file");
    }
    let landed_dir = public.join("small");
    // A file only the NAS pane lists: keys wait until that pane has its listing (keys
    // typed while it still connects would go to the connect step).
    std::fs::write(public.join("nas-pane-listed"), b"").expect("marker");
    let mut s = Session::spawn(nascmd(&up, &right, &home));
    s.until("nas-pane-listed");
    s.until("small");
    s.press(END);
    std::thread::sleep(PAUSE);
    s.forget();
    s.press(F5);
    s.until(" to");
    s.press(b"\r");
    wait_for("the upload's start", || landed_dir.exists());
    let started = Instant::now();
    let done = || count_in(&landed_dir) >= small_files;
    let put = sample_during(&mut s, samples, || !done());
    wait_for("the upload's end", done);
    let took = started.elapsed();
    let pressed = s.quit();
    put.report(&format!("put -r {small_files} × 16 KiB"), Some(took));
    split_by_log(&format!("put -r {small_files}"), &home, &pressed);
    println!("load average after: {}", load_average());
    drop(relay);
    let _ = rt.block_on(emu.shutdown());
}

/// The link relay in a process of its own, killed when dropped.
struct Relay {
    child: std::process::Child,
    /// Where it listens (`host:port`).
    addr: String,
}

impl Relay {
    fn start(exe: &Path, upstream: std::net::SocketAddr) -> Relay {
        let mut child = std::process::Command::new(exe)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--upstream",
                &upstream.to_string(),
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("link relay");
        let stdout = child.stdout.take().expect("relay's stdout");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .expect("relay's first line");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("link relay said {line:?}"))
            .to_owned();
        println!("through the link relay at {addr}");
        Relay { child, addr }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
