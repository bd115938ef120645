//! Owning the real terminal: raw mode, alternate screen and mouse capture on; all of it
//! undone on exit, on panic, around Ctrl-Z and
//! around a child process that owns the terminal (Ctrl-O, F4).

use std::io::{self, Write};
use std::sync::Once;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};

/// While alive, the terminal is in full-screen mode; dropping it restores the terminal.
pub struct TermGuard {
    _private: (),
}

static PANIC_HOOK: Once = Once::new();

impl TermGuard {
    pub fn enter() -> io::Result<TermGuard> {
        PANIC_HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                // Leave the alternate screen first so the message is readable.
                let _ = restore();
                previous(info);
            }));
        });
        setup()?;
        Ok(TermGuard { _private: () })
    }

    /// Stops the process like Ctrl-Z in a shell; returns after `fg`, with the terminal
    /// back in full-screen mode (the caller must repaint everything).
    pub fn suspend(&self) -> io::Result<()> {
        restore()?;
        rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::TSTP)
            .map_err(io::Error::from)?;
        setup()
    }

    /// Gives the terminal back to the shell's ways (main screen, cooked mode) for a
    /// child process; [`TermGuard::take_back`] returns to full-screen mode.
    pub fn step_aside(&self) -> io::Result<()> {
        restore()
    }

    /// Full-screen mode again after [`TermGuard::step_aside`] (the caller repaints).
    pub fn take_back(&self) -> io::Result<()> {
        setup()
    }
}

impl Drop for TermGuard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

fn setup() -> io::Result<()> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen, EnableMouseCapture, cursor::Hide)?;
    out.flush()
}

/// Puts the terminal back as the shell expects it. Safe to call more than once.
pub fn restore() -> io::Result<()> {
    let mut out = io::stdout();
    let r = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
    disable_raw_mode()?;
    out.flush()?;
    r
}
