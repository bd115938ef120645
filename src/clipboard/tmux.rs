//! Asking the tmux nascmd runs in whether an OSC 52 from an application goes anywhere.
//! With tmux's defaults (`set-clipboard external`, `allow-passthrough off`) it is dropped
//! without a trace, and "sent to your terminal's clipboard" would be a false promise:
//! the caller then shows the URL to copy by hand, with the setting that fixes it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long tmux gets to answer (it normally takes a few milliseconds).
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the user reads when tmux drops the sequence.
pub const TMUX_DROPS_HINT: &str = "this tmux drops OSC 52 copies: add `set -g set-clipboard on` to ~/.tmux.conf, run `tmux source ~/.tmux.conf`";

/// Both ways out are shut: tmux neither takes the copy itself (`set-clipboard on`) nor
/// lets the wrapped copy through (`allow-passthrough on`/`all`). Unknown values (an old
/// tmux without `allow-passthrough` lets passthrough through) count as open.
pub fn drops_osc52(set_clipboard: Option<&str>, passthrough: Option<&str>) -> bool {
    matches!(set_clipboard, Some("off" | "external")) && passthrough == Some("off")
}

/// Asks the tmux server of this session (found through `TMUX`, pane `TMUX_PANE`).
/// `false` when tmux does not answer: never refuse a copy on a guess.
pub fn probe() -> bool {
    let clipboard = show(&["show-options", "-sv", "set-clipboard"]);
    let passthrough = match std::env::var("TMUX_PANE") {
        Ok(pane) if !pane.is_empty() => {
            show(&["show-options", "-Apv", "-t", &pane, "allow-passthrough"])
        }
        _ => show(&["show-options", "-gv", "allow-passthrough"]),
    };
    let drops = drops_osc52(clipboard.as_deref(), passthrough.as_deref());
    tracing::debug!(?clipboard, ?passthrough, drops, "tmux clipboard settings");
    drops
}

/// One `tmux` query's trimmed output, or `None` (no tmux, an error, no answer in time).
fn show(args: &[&str]) -> Option<String> {
    let mut child = Command::new("tmux")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + PROBE_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    Some(out.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_both_ways_shut_drop_the_copy() {
        assert!(drops_osc52(Some("external"), Some("off")));
        assert!(drops_osc52(Some("off"), Some("off")));
        assert!(!drops_osc52(Some("on"), Some("off")));
        assert!(!drops_osc52(Some("external"), Some("on")));
        assert!(!drops_osc52(Some("external"), Some("all")));
        // tmux < 3.3 has no allow-passthrough and lets it through; no answer: no guess.
        assert!(!drops_osc52(Some("external"), None));
        assert!(!drops_osc52(None, None));
    }
}
