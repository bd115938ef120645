//! What the clipboard code needs to know about where nascmd runs, read once from the
//! environment into a plain struct so every decision can be tested without touching the
//! process environment.

/// The clipboard family of the machine nascmd runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Linux / BSD: the clipboard belongs to a display server (X11 or Wayland), which
    /// exists only when `DISPLAY` or `WAYLAND_DISPLAY` says so.
    DisplayServer,
    /// macOS and Windows: the system clipboard is always there for a local session.
    Native,
}

impl Platform {
    /// The platform this binary was built for.
    pub fn current() -> Self {
        if cfg!(any(target_os = "macos", target_os = "windows")) {
            Platform::Native
        } else {
            Platform::DisplayServer
        }
    }
}

/// A terminal multiplexer between nascmd and the user's terminal. OSC 52 must be wrapped
/// in the multiplexer's passthrough sequence to reach the outer terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Multiplexer {
    #[default]
    None,
    Tmux,
    Screen,
}

/// The environment facts that choose a clipboard route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClipboardEnv {
    pub platform: Platform,
    /// `DISPLAY` is set (X11 or XWayland).
    pub x11_display: bool,
    /// `WAYLAND_DISPLAY` is set.
    pub wayland_display: bool,
    /// `SSH_CONNECTION` or `SSH_TTY` is set: the user's screen is on another machine.
    pub ssh: bool,
    pub multiplexer: Multiplexer,
}

impl Default for ClipboardEnv {
    /// A Linux console: no display, no SSH, no multiplexer.
    fn default() -> Self {
        ClipboardEnv {
            platform: Platform::DisplayServer,
            x11_display: false,
            wayland_display: false,
            ssh: false,
            multiplexer: Multiplexer::None,
        }
    }
}

impl ClipboardEnv {
    /// Reads the real process environment.
    pub fn from_process() -> Self {
        Self::from_lookup(Platform::current(), |name| std::env::var_os(name))
    }

    /// Builds the facts from any variable lookup (tests pass a map). Empty values count as
    /// unset, as shells often export `DISPLAY=` after a session ends.
    pub fn from_lookup<F, V>(platform: Platform, lookup: F) -> Self
    where
        F: Fn(&str) -> Option<V>,
        V: AsRef<std::ffi::OsStr>,
    {
        let is_set = |name: &str| lookup(name).is_some_and(|v| !v.as_ref().is_empty());
        let term = lookup("TERM")
            .map(|v| v.as_ref().to_string_lossy().into_owned())
            .unwrap_or_default();
        ClipboardEnv {
            platform,
            x11_display: is_set("DISPLAY"),
            wayland_display: is_set("WAYLAND_DISPLAY"),
            ssh: is_set("SSH_CONNECTION") || is_set("SSH_TTY"),
            multiplexer: detect_multiplexer(is_set("TMUX"), is_set("STY"), &term),
        }
    }

    /// A system clipboard can exist here: always on macOS/Windows, only with a display
    /// server elsewhere. (Says nothing about SSH; see [`ClipboardEnv::ssh`].)
    pub fn has_local_display(&self) -> bool {
        match self.platform {
            Platform::Native => true,
            Platform::DisplayServer => self.x11_display || self.wayland_display,
        }
    }
}

/// `TMUX`/`STY` are set by the multiplexer for its own children. Over SSH from inside a
/// local multiplexer they are not forwarded, but `TERM` is (`tmux-256color`,
/// `screen.xterm-256color`, …), so it is the fallback clue. Plain `screen*` without `STY`
/// may still be tmux with an old `default-terminal`; the OSC 52 bytes for screen also carry
/// an unwrapped copy, which such a tmux accepts with `set-clipboard on`.
fn detect_multiplexer(tmux_var: bool, sty_var: bool, term: &str) -> Multiplexer {
    if tmux_var {
        Multiplexer::Tmux
    } else if sty_var {
        Multiplexer::Screen
    } else if term.starts_with("tmux") {
        Multiplexer::Tmux
    } else if term.starts_with("screen") {
        Multiplexer::Screen
    } else {
        Multiplexer::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(vars: &[(&str, &str)]) -> ClipboardEnv {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ClipboardEnv::from_lookup(Platform::DisplayServer, |name| map.get(name).cloned())
    }

    #[test]
    fn reads_display_ssh_and_multiplexer() {
        let env = env_of(&[
            ("DISPLAY", ":0"),
            ("SSH_TTY", "/dev/pts/3"),
            ("TMUX", "/tmp/tmux-1000/default,123,0"),
            ("TERM", "screen-256color"),
        ]);
        assert!(env.x11_display && env.ssh && env.has_local_display());
        assert_eq!(env.multiplexer, Multiplexer::Tmux);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = env_of(&[
            ("DISPLAY", ""),
            ("WAYLAND_DISPLAY", ""),
            ("SSH_CONNECTION", ""),
        ]);
        assert!(!env.has_local_display());
        assert!(!env.ssh);
    }

    #[test]
    fn multiplexer_from_term_when_vars_are_missing() {
        assert_eq!(
            env_of(&[("TERM", "tmux-256color")]).multiplexer,
            Multiplexer::Tmux
        );
        assert_eq!(
            env_of(&[("TERM", "screen.xterm-256color")]).multiplexer,
            Multiplexer::Screen
        );
        assert_eq!(
            env_of(&[("STY", "1234.pts-0.host"), ("TERM", "xterm")]).multiplexer,
            Multiplexer::Screen
        );
        assert_eq!(
            env_of(&[("TERM", "xterm-256color")]).multiplexer,
            Multiplexer::None
        );
    }

    #[test]
    fn native_platforms_always_have_a_clipboard() {
        let env = ClipboardEnv::from_lookup(Platform::Native, |_| None::<String>);
        assert!(env.has_local_display());
    }
}
