//! The real binary in a pseudo-terminal: spawning it, everything it writes kept (a
//! thread reads the terminal), keys sent, waiting for text.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// A child in a pseudo-terminal and what it wrote so far.
pub struct Pty {
    pub child: Box<dyn Child + Send + Sync>,
    pub out: Arc<Mutex<Vec<u8>>>,
    pub writer: Box<dyn Write + Send>,
    _master: Box<dyn MasterPty + Send>,
}

impl Pty {
    /// `nascmd` with `args`, `TERM` xterm-256color.
    pub fn command(args: &[&std::path::Path]) -> CommandBuilder {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_nascmd"));
        for a in args {
            cmd.arg(a);
        }
        cmd.env("TERM", "xterm-256color");
        cmd
    }

    /// Spawns `cmd` in a `cols`×`rows` terminal.
    pub fn spawn(cmd: CommandBuilder, cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Pty {
            child,
            out,
            writer,
            _master: pair.master,
        }
    }

    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }
}

/// Polls `out` until it holds `what` (true) or `limit` passed (false).
pub fn wait_for(out: &Arc<Mutex<Vec<u8>>>, what: &str, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if String::from_utf8_lossy(&out.lock().unwrap()).contains(what) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The real binary in a 100×30 pseudo-terminal, its config and state in a private
/// folder (never the user's), `NO_COLOR` not inherited from the test's environment.
pub struct Session {
    pub pty: Pty,
    _home: tempfile::TempDir,
}

impl Session {
    /// How long `quit` waits for the binary to exit.
    pub const QUIT_LIMIT: Duration = Duration::from_secs(30);

    /// `nascmd` with `args`, `env` set, no config file.
    pub fn start(args: &[&std::path::Path], env: &[(&str, &str)]) -> Session {
        Session::spawn(args, env, None)
    }

    /// With `config` as the private `config.toml`.
    pub fn start_with_config(
        args: &[&std::path::Path],
        env: &[(&str, &str)],
        config: &str,
    ) -> Session {
        Session::spawn(args, env, Some(config))
    }

    fn spawn(args: &[&std::path::Path], env: &[(&str, &str)], config: Option<&str>) -> Session {
        let home = tempfile::tempdir().unwrap();
        if let Some(config) = config {
            let config_dir = home.path().join("config/nascmd");
            std::fs::create_dir_all(&config_dir).unwrap();
            std::fs::write(config_dir.join("config.toml"), config).unwrap();
        }
        let mut cmd = Pty::command(args);
        cmd.env_remove("NO_COLOR");
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env("XDG_STATE_HOME", home.path().join("state"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        Session {
            pty: Pty::spawn(cmd, 100, 30),
            _home: home,
        }
    }

    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        self.pty.text()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.pty.send(bytes);
    }

    /// Sends F10 and waits (`QUIT_LIMIT`) for the binary to exit successfully, then a
    /// little for the reader thread to take the last bytes (leaving the alternate screen).
    pub fn quit(&mut self) {
        self.send(b"\x1b[21~"); // F10
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.pty.child.try_wait().unwrap() {
                break s;
            }
            assert!(start.elapsed() < Self::QUIT_LIMIT, "did not quit on F10");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "exit status {status:?}");
        wait_for(&self.out(), "\x1b[?1049l", Duration::from_secs(5));
    }

    /// What the child wrote, shared with its reader thread.
    pub fn out(&self) -> Arc<Mutex<Vec<u8>>> {
        self.pty.out.clone()
    }
}
