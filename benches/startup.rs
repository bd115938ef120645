//! Start to first frame: runs the release `nascmd` binary in a pseudo-terminal on a
//! folder and times, from spawning it, (a) the first frame (the function-key bar is
//! drawn) and (b) the listing shown (a file name of the folder appears), then quits it
//! with F10. For scale, the same harness times `true` (spawn to exit) and `ls DIR`
//! (spawn to the file name on the terminal) in the same run.
//!
//! `cargo bench --bench startup [-- ROUNDS]` (default 20). Prints medians and min/max;
//! no assertions (speed is measured, never asserted).

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

const LIMIT: Duration = Duration::from_secs(20);
/// A name in the folder, written nowhere else on the screen; sorts first, so it is on
/// the first screen.
const MARKER: &str = "aaa-startup-marker.txt";

/// One program running in a fresh pseudo-terminal, its output arriving on a channel.
struct Session {
    started: Instant,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    out: Receiver<Vec<u8>>,
    seen: Vec<u8>,
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
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn");
        drop(pair.slave);
        Session {
            started,
            child,
            _master: pair.master,
            writer,
            out,
            seen: Vec::new(),
        }
    }

    /// Time from spawn until `what` has appeared in the output.
    fn until(&mut self, what: &str) -> Duration {
        let needle = what.as_bytes();
        loop {
            if self.seen.windows(needle.len()).any(|w| w == needle) {
                return self.started.elapsed();
            }
            match self.out.recv_timeout(LIMIT) {
                Ok(bytes) => self.seen.extend_from_slice(&bytes),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{what:?} never appeared; seen: {:?}",
                    String::from_utf8_lossy(&self.seen)
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("output ended before {what:?}")
                }
            }
        }
    }

    /// Time from spawn until the program has exited.
    fn until_exit(&mut self) -> Duration {
        self.child.wait().expect("wait");
        self.started.elapsed()
    }

    fn quit_nascmd(mut self) {
        self.writer.write_all(b"\x1b[21~").expect("F10");
        self.writer.flush().expect("flush");
        self.child.wait().expect("nascmd did not quit");
    }
}

fn nascmd(dir: &Path, home: &Path) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_nascmd"));
    cmd.arg(dir);
    cmd.arg(dir);
    cmd.env("TERM", "xterm-256color");
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("XDG_STATE_HOME", home.join("state"));
    cmd
}

fn plain(program: &str, arg: Option<&Path>) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(program);
    if let Some(a) = arg {
        cmd.arg(a);
    }
    cmd.env("TERM", "xterm-256color");
    cmd
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// "median (min–max)" in milliseconds.
fn summary(v: &mut [Duration]) -> (f64, String) {
    v.sort();
    let median = ms(v[v.len() / 2]);
    (
        median,
        format!(
            "{median:7.2} ms  (min {:.2}, max {:.2})",
            ms(v[0]),
            ms(v[v.len() - 1])
        ),
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().expect("temp dir");
    let home = tempfile::tempdir().expect("temp home");
    std::fs::write(dir.path().join(MARKER), b"x").expect("marker");
    for i in 0..50 {
        std::fs::write(dir.path().join(format!("file-{i:02}.txt")), b"x").expect("file");
    }
    // One unmeasured run of each warms the page cache (binary, libraries).
    let mut warm = Session::spawn(nascmd(dir.path(), home.path()));
    warm.until(MARKER);
    warm.quit_nascmd();
    println!("load average before: {}", load_average());

    let (mut first, mut listed, mut truth, mut ls) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        let mut s = Session::spawn(plain("true", None));
        truth.push(s.until_exit());
        let mut s = Session::spawn(plain("ls", Some(dir.path())));
        ls.push(s.until(MARKER));
        s.until_exit();
        let mut s = Session::spawn(nascmd(dir.path(), home.path()));
        first.push(s.until("Quit"));
        listed.push(s.until(MARKER));
        s.quit_nascmd();
    }
    let (first_ms, first_s) = summary(&mut first);
    let (listed_ms, listed_s) = summary(&mut listed);
    let (true_ms, true_s) = summary(&mut truth);
    let (ls_ms, ls_s) = summary(&mut ls);
    println!("rounds: {rounds}, folder of 51 files, 120×40 pseudo-terminal");
    println!("true, spawn to exit:              {true_s}");
    println!("ls DIR, spawn to the name shown:  {ls_s}");
    println!("nascmd, spawn to first frame:     {first_s}");
    println!("nascmd, spawn to listing shown:   {listed_s}");
    println!(
        "ratios (nascmd / peer): first frame {:.2}× true, {:.2}× ls; listing {:.2}× ls",
        first_ms / true_ms,
        first_ms / ls_ms,
        listed_ms / ls_ms
    );
    println!("load average after: {}", load_average());
}
