//! Ctrl-O and F4 (#18) through the real binary in a pseudo-terminal: the commander
//! steps aside for a shell or `$EDITOR`, the child owns the terminal (it reads the keys
//! typed), and the commander comes back drawn, with both panes listed again.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support;

use nascmd::emulator::RunningEmulator;
use nascmd::emulator::qnap::QnapEmulatorConfig;
use support::pty::Session;

const LIMIT: Duration = Duration::from_secs(30);
const ENTER_ALT: &str = "\x1b[?1049h";
const LEAVE_ALT: &str = "\x1b[?1049l";

/// What `shell_edit_pty` reads of a session: the drawn screen, waits on it.
impl Session {
    /// What the terminal shows now, row by row (`screen_of`).
    fn screen(&self) -> String {
        screen_of(&self.text())
    }

    /// Waits until the screen shows `words` (read from the drawn cells, not from the
    /// byte stream, where a frame writes only the cells that changed).
    fn wait_shown(&self, words: &str) {
        let start = Instant::now();
        while start.elapsed() < LIMIT {
            if self.screen().contains(words) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "waited in vain for {words:?}; the screen:\n{}",
            self.screen()
        );
    }

    /// Waits until `check` holds for everything written so far.
    fn wait(&self, what: &str, check: impl Fn(&str) -> bool) {
        let start = Instant::now();
        while start.elapsed() < LIMIT {
            if check(&self.text()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("waited in vain for {what}; got:\n{:?}", self.text());
    }

    /// What was drawn since the commander took the screen for the `n`th time (1: start).
    fn since_entering(&self, n: usize) -> Option<String> {
        let text = self.text();
        let (at, _) = text.match_indices(ENTER_ALT).nth(n - 1)?;
        Some(text[at..].to_owned())
    }
}

/// The 100×30 screen `bytes` leave: enough of a terminal for what the commander and a
/// shell write (cursor moves, clears, text); styles are ignored.
fn screen_of(bytes: &str) -> String {
    const ROWS: usize = 30;
    const COLS: usize = 100;
    let mut grid = vec![vec![' '; COLS]; ROWS];
    let (mut row, mut col) = (0usize, 0usize);
    let mut chars = bytes.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    let mut params = String::new();
                    let mut end = ' ';
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            end = c;
                            break;
                        }
                        params.push(c);
                    }
                    let nums: Vec<usize> = params
                        .trim_start_matches('?')
                        .split(';')
                        .map(|n| n.parse().unwrap_or(0))
                        .collect();
                    match end {
                        'H' | 'f' => {
                            row = nums.first().copied().unwrap_or(1).clamp(1, ROWS) - 1;
                            col = nums.get(1).copied().unwrap_or(1).clamp(1, COLS) - 1;
                        }
                        'J' if nums.first() == Some(&2) => grid = vec![vec![' '; COLS]; ROWS],
                        'h' | 'l' if params == "?1049" => {
                            grid = vec![vec![' '; COLS]; ROWS];
                        }
                        'K' => grid[row][col..].fill(' '),
                        _ => {}
                    }
                }
                Some(']') => {
                    // An OSC string ends with BEL or ESC \.
                    while let Some(c) = chars.next() {
                        if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => col = 0,
            '\n' => {
                if row + 1 < ROWS {
                    row += 1;
                } else {
                    grid.remove(0);
                    grid.push(vec![' '; COLS]);
                }
            }
            c if c.is_control() => {}
            c => {
                if col >= COLS {
                    col = 0;
                    if row + 1 < ROWS {
                        row += 1;
                    }
                }
                grid[row][col] = c;
                col += 1;
            }
        }
    }
    grid.into_iter()
        .map(|r| r.into_iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn ctrl_o_runs_a_shell_in_the_pane_folder_and_comes_back() {
    let left = tempfile::tempdir().unwrap();
    let right = tempfile::tempdir().unwrap();
    std::fs::write(left.path().join("left-marker.txt"), b"l").unwrap();
    let mut s = Session::start(
        &[left.path(), right.path()],
        &[("SHELL", "/bin/sh"), ("PS1", "shell-ready$ ")],
    );
    s.wait("the panes", |t| {
        t.contains("left-marker.txt") && t.contains("Quit")
    });

    s.send(b"\x0f"); // Ctrl-O
    s.wait("the shell's prompt", |t| {
        t.contains(LEAVE_ALT) && t.contains("shell-ready$ ")
    });
    // The shell, not the commander, reads these keys.
    s.send(b"touch made-in-shell; exit\r");
    s.wait("the commander back, showing the new file", |_| {
        s.since_entering(2)
            .is_some_and(|t| t.contains("made-in-shell") && t.contains("Quit"))
    });
    assert!(
        left.path().join("made-in-shell").exists(),
        "the shell did not run in the left pane's folder"
    );
    assert!(!right.path().join("made-in-shell").exists());

    // Keys reach the commander again: F10 quits.
    s.quit();
}

#[test]
fn f4_edits_a_local_file_with_editor_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, b"first\n").unwrap();
    let mut s = Session::start(
        &[dir.path()],
        &[("EDITOR", "sh -c 'echo added >> \"$1\"' x")],
    );
    s.wait("the pane", |t| {
        t.contains("notes.txt") && t.contains("Edit")
    });

    s.send(b"\x1b[B"); // Down, from `..` to notes.txt
    s.send(b"\x1bOS"); // F4
    s.wait("the commander back", |_| {
        s.since_entering(2).is_some_and(|t| t.contains("notes.txt"))
    });
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "first\nadded\n");
    s.quit();
}

const USER: &str = "alice";
const PASS: &str = "correct horse 7";

/// A QNAP emulator with `Public/a.txt`, kept running by its own runtime.
struct Qnap {
    rt: tokio::runtime::Runtime,
    emu: Option<RunningEmulator>,
    root: tempfile::TempDir,
}

impl Qnap {
    fn start() -> Qnap {
        Qnap::start_with(|_| {})
    }

    fn start_with(tweak: impl FnOnce(&mut QnapEmulatorConfig)) -> Qnap {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("Public")).unwrap();
        std::fs::write(root.path().join("Public/a.txt"), b"first\n").unwrap();
        let rt = support::runtime();
        let mut cfg = QnapEmulatorConfig::new(root.path(), USER, PASS);
        tweak(&mut cfg);
        let emu = rt.block_on(nascmd::emulator::qnap::spawn(cfg)).unwrap();
        Qnap {
            rt,
            emu: Some(emu),
            root,
        }
    }

    fn file(&self, name: &str) -> std::path::PathBuf {
        self.root.path().join("Public").join(name)
    }

    fn config(&self) -> String {
        format!(
            "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"{USER}\"\n",
            self.emu.as_ref().unwrap().base_url
        )
    }

    /// The binary with a local left pane and `nas:/Public` on the right, the right pane
    /// active with its cursor on `a.txt`, then F4; `editor` is `$EDITOR`.
    fn edit_a_txt(&self, local: &Path, runtime_dir: &Path, editor: &str) -> Session {
        let mut s = Session::start_with_config(
            &[local, Path::new("nas:/Public")],
            &[
                ("NASCMD_PASSWORD", PASS),
                ("EDITOR", editor),
                ("XDG_RUNTIME_DIR", runtime_dir.to_str().unwrap()),
            ],
            &self.config(),
        );
        s.wait("the NAS pane", |t| {
            t.contains("a.txt") && t.contains("Edit")
        });
        s.send(b"\t"); // to the NAS pane
        s.send(b"\x1b[B"); // Down, from `..` to a.txt
        s.send(b"\x1bOS"); // F4
        s
    }
}

impl Drop for Qnap {
    fn drop(&mut self) {
        if let Some(e) = self.emu.take() {
            let _ = self.rt.block_on(e.shutdown());
        }
    }
}

/// The private temporaries F4 left under `$XDG_RUNTIME_DIR/nascmd` (none once done).
fn leftovers(runtime_dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(runtime_dir.join("nascmd"))
        .map(|rd| rd.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[test]
fn f4_on_a_nas_file_edits_a_private_copy_and_writes_it_back() {
    let nas = Qnap::start();
    let local = tempfile::tempdir().unwrap();
    let runtime_dir = tempfile::tempdir().unwrap();
    // The editor also records the copy's mode and its folder's.
    let editor = "sh -c 'stat -c %a \"$1\" \"$(dirname \"$1\")\" > \"$0\"; echo added >> \"$1\"'";
    let modes = local.path().join("modes");
    let editor = format!("{editor} {}", modes.display());
    let mut s = nas.edit_a_txt(local.path(), runtime_dir.path(), &editor);
    s.wait_shown("written back");
    assert_eq!(
        std::fs::read_to_string(nas.file("a.txt")).unwrap(),
        "first\nadded\n"
    );
    assert_eq!(std::fs::read_to_string(&modes).unwrap(), "600\n700\n");
    assert_eq!(
        leftovers(runtime_dir.path()),
        Vec::<std::path::PathBuf>::new()
    );
    // No temporary name is left on the NAS either.
    let names: Vec<_> = std::fs::read_dir(nas.file(""))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["a.txt"]);
    s.quit();
}

/// A NAS answering HTTP 500 to every third request: each step of F4 (look, fetch,
/// look again, write, rename) is tried again, and the edit lands whole.
#[test]
fn f4_through_a_nas_failing_now_and_then_writes_the_edit_back() {
    let nas = Qnap::start_with(|cfg| cfg.faults.http500_every = Some(3));
    let local = tempfile::tempdir().unwrap();
    let runtime_dir = tempfile::tempdir().unwrap();
    let editor = "sh -c 'echo added >> \"$1\"' editor";
    let mut s = nas.edit_a_txt(local.path(), runtime_dir.path(), editor);
    s.wait_shown("written back");
    assert_eq!(
        std::fs::read_to_string(nas.file("a.txt")).unwrap(),
        "first\nadded\n"
    );
    let names: Vec<_> = std::fs::read_dir(nas.file(""))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["a.txt"]);
    s.quit();
}

#[test]
fn f4_on_a_nas_file_changed_meanwhile_keeps_both() {
    let nas = Qnap::start();
    let local = tempfile::tempdir().unwrap();
    let runtime_dir = tempfile::tempdir().unwrap();
    // While the editor runs, someone else writes to the NAS copy.
    let editor = format!(
        "sh -c 'echo added >> \"$1\"; echo theirs >> \"$0\"' {}",
        nas.file("a.txt").display()
    );
    let mut s = nas.edit_a_txt(local.path(), runtime_dir.path(), &editor);
    // The question comes first; Enter takes the focused answer, "Save beside".
    s.wait_shown("Changed on the NAS");
    s.send(b"\r");
    s.wait_shown("F4 a.txt: saved as a.txt.edited");
    assert_eq!(
        std::fs::read_to_string(nas.file("a.txt")).unwrap(),
        "first\ntheirs\n"
    );
    assert_eq!(
        std::fs::read_to_string(nas.file("a.txt.edited")).unwrap(),
        "first\nadded\n"
    );
    assert_eq!(
        leftovers(runtime_dir.path()),
        Vec::<std::path::PathBuf>::new()
    );
    s.quit();
}

#[test]
fn f4_on_a_nas_file_left_unchanged_writes_nothing() {
    let nas = Qnap::start();
    let local = tempfile::tempdir().unwrap();
    let runtime_dir = tempfile::tempdir().unwrap();
    let before = std::fs::metadata(nas.file("a.txt"))
        .unwrap()
        .modified()
        .unwrap();
    let mut s = nas.edit_a_txt(local.path(), runtime_dir.path(), "true");
    s.wait("the edit found unchanged", |t| t.contains("unchanged"));
    let after = std::fs::metadata(nas.file("a.txt"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "an unchanged file was written back");
    assert_eq!(
        leftovers(runtime_dir.path()),
        Vec::<std::path::PathBuf>::new()
    );
    s.quit();
}

/// `$EDITOR` that appends to the copy while someone else writes to the NAS copy.
fn editor_racing(nas: &Qnap) -> String {
    format!(
        "sh -c 'echo added >> \"$1\"; echo theirs >> \"$0\"' {}",
        nas.file("a.txt").display()
    )
}

#[test]
fn f4_conflict_overwrite_puts_the_edit_over_the_changed_nas_copy() {
    let nas = Qnap::start();
    let local = tempfile::tempdir().unwrap();
    let runtime_dir = tempfile::tempdir().unwrap();
    let mut s = nas.edit_a_txt(local.path(), runtime_dir.path(), &editor_racing(&nas));
    s.wait_shown("Changed on the NAS");
    s.wait_shown("Overwrite NAS copy");
    // Nothing is written while the question is open.
    assert_eq!(
        std::fs::read_to_string(nas.file("a.txt")).unwrap(),
        "first\ntheirs\n"
    );
    s.send(b"o");
    s.wait_shown("your edit replaced the NAS copy");
    assert_eq!(
        std::fs::read_to_string(nas.file("a.txt")).unwrap(),
        "first\nadded\n"
    );
    assert!(!nas.file("a.txt.edited").exists());
    assert_eq!(
        leftovers(runtime_dir.path()),
        Vec::<std::path::PathBuf>::new()
    );
    s.quit();
}

#[test]
fn f4_conflict_keep_leaves_the_nas_copy_and_keeps_the_edit_locally() {
    let nas = Qnap::start();
    let local = tempfile::tempdir().unwrap();
    let runtime_dir = tempfile::tempdir().unwrap();
    let mut s = nas.edit_a_txt(local.path(), runtime_dir.path(), &editor_racing(&nas));
    s.wait_shown("Keep NAS copy");
    s.send(b"k");
    s.wait_shown("your edit stays here");
    assert_eq!(
        std::fs::read_to_string(nas.file("a.txt")).unwrap(),
        "first\ntheirs\n"
    );
    assert!(!nas.file("a.txt.edited").exists());
    // The private folder outlives the run, with the edit in it.
    let kept = leftovers(runtime_dir.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read_to_string(kept[0].join("a.txt")).unwrap(),
        "first\nadded\n"
    );
    s.quit();
}

#[test]
fn f4_fetch_runs_aside_keys_still_answer_and_esc_cancels_it() {
    let nas = Qnap::start();
    std::fs::write(nas.file("big.bin"), vec![b'x'; 8 * 1024 * 1024]).unwrap();
    let relay = nas
        .rt
        .block_on(support::relay::Relay::start(nas.emu.as_ref().unwrap().addr));
    let local = tempfile::tempdir().unwrap();
    let runtime_dir = tempfile::tempdir().unwrap();
    let marker = local.path().join("editor-ran");
    let editor = format!("sh -c 'touch \"$0\"' {}", marker.display());
    let config = format!(
        "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"{USER}\"\n",
        relay.url()
    );
    let mut s = Session::start_with_config(
        &[local.path(), Path::new("nas:/Public")],
        &[
            ("NASCMD_PASSWORD", PASS),
            ("EDITOR", &editor),
            ("XDG_RUNTIME_DIR", runtime_dir.path().to_str().unwrap()),
        ],
        &config,
    );
    s.wait("the NAS pane", |t| {
        t.contains("big.bin") && t.contains("Edit")
    });
    // The download stalls a little way in, deterministically.
    relay.stall_after(300_000);
    s.send(b"\t"); // to the NAS pane
    s.send(b"\x1b[B"); // Down: a.txt
    s.send(b"\x1b[B"); // Down: big.bin
    s.send(b"\x1bOS"); // F4
    s.wait_shown("% (Esc cancels)");
    // The commander still answers keys meanwhile.
    s.send(b"\x1bz"); // Alt-Z
    s.wait_shown("Alt-Z: no action here");
    // Esc with no layer open cancels the fetch.
    s.send(b"\x1b");
    s.wait_shown("fetch cancelled, nothing edited");
    assert!(!marker.exists(), "the editor ran on a cancelled fetch");
    assert_eq!(
        leftovers(runtime_dir.path()),
        Vec::<std::path::PathBuf>::new()
    );
    relay.reset();
    s.quit();
}

#[test]
fn after_ctrl_o_ctrl_c_is_a_key_again_and_sigint_quits_cleanly() {
    let left = tempfile::tempdir().unwrap();
    let mut s = Session::start(
        &[left.path()],
        &[("SHELL", "/bin/sh"), ("PS1", "shell-ready$ ")],
    );
    s.wait("the pane", |t| t.contains("Quit"));
    s.send(b"\x0f"); // Ctrl-O
    s.wait("the shell's prompt", |t| t.contains("shell-ready$ "));
    // A Ctrl-C typed for the shell signals the commander too: it stays.
    s.send(b"\x03");
    s.wait("the shell's next prompt", |t| {
        t.matches("shell-ready$ ").count() >= 2
    });
    s.send(b"exit\r");
    s.wait("the commander back", |_| {
        s.since_entering(2).is_some_and(|t| t.contains("Quit"))
    });
    // Raw mode is back: Ctrl-C arrives as a key, as before Ctrl-O.
    s.send(b"\x03");
    s.wait("Ctrl-C answered as a key", |_| {
        s.since_entering(2).is_some() && s.screen().contains("Ctrl-C: no action here")
    });
    // No handler was left catching SIGINT: it quits, the terminal restored.
    let pid = s.pty.child.process_id().expect("a process id");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = s.pty.child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < LIMIT, "SIGINT did not end the commander");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    s.wait("the terminal restored", |_| {
        s.since_entering(2).is_some_and(|t| t.contains(LEAVE_ALT))
    });
}
