//! Where a password or a 2-step code comes from. Passwords, in order: the
//! `NASCMD_PASSWORD` environment variable, the secrets store, an interactive prompt
//! without echo. Never from a command-line argument: other users see those in `ps`.
//!
//! Prompts go through the [`Prompter`] trait so the full-screen commander can ask in its
//! own dialog instead of on the tty.

use crate::secret::Secret;

use super::secrets::SecretsStore;
use super::target::RemoteSpec;

/// Environment variable holding the password (scripts, CI).
pub const PASSWORD_ENV: &str = "NASCMD_PASSWORD";
/// Environment variable holding a 2-step verification code (scripts, tests).
pub const OTP_ENV: &str = "NASCMD_OTP";

/// Asks the user something. The tty version is [`TtyPrompter`].
pub trait Prompter: Send + Sync {
    /// Reads a secret without echo.
    fn secret(&self, prompt: &str) -> std::io::Result<Secret>;
    /// Reads a short answer (a 6-digit code).
    fn line(&self, prompt: &str) -> std::io::Result<String>;
    /// Asks a yes/no question; only an explicit yes is `true`.
    fn confirm(&self, _question: &str) -> std::io::Result<bool> {
        Err(std::io::Error::other("no terminal to ask on"))
    }
}

/// Prompts on the controlling terminal (`/dev/tty`), so stdout stays free for results.
/// Asks only when stdin is a terminal too: a script or cron job with stdin redirected
/// gets a clear error instead of hanging on a prompt nobody sees (like git's
/// `GIT_TERMINAL_PROMPT=0`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TtyPrompter;

impl TtyPrompter {
    fn interactive() -> std::io::Result<()> {
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            Ok(())
        } else {
            Err(std::io::Error::other("stdin is not a terminal"))
        }
    }
}

impl Prompter for TtyPrompter {
    fn secret(&self, prompt: &str) -> std::io::Result<Secret> {
        Self::interactive()?;
        rpassword::prompt_password(prompt).map(Secret::new)
    }

    fn line(&self, prompt: &str) -> std::io::Result<String> {
        Self::interactive()?;
        // The code is short-lived, but not echoing it costs nothing and keeps it off
        // screen recordings.
        rpassword::prompt_password(prompt).map(|s| s.trim().to_owned())
    }

    fn confirm(&self, question: &str) -> std::io::Result<bool> {
        use std::io::{BufRead, Write};
        Self::interactive()?;
        let mut tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")?;
        tty.write_all(question.as_bytes())?;
        tty.flush()?;
        let mut answer = String::new();
        std::io::BufReader::new(tty).read_line(&mut answer)?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
    }
}

/// A prompter that never asks (non-interactive callers): every prompt fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPrompter;

impl Prompter for NoPrompter {
    fn secret(&self, _prompt: &str) -> std::io::Result<Secret> {
        Err(std::io::Error::other("no terminal to ask on"))
    }

    fn line(&self, _prompt: &str) -> std::io::Result<String> {
        Err(std::io::Error::other("no terminal to ask on"))
    }
}

/// The password from the environment, if set and not empty.
pub fn password_from_env() -> Option<Secret> {
    std::env::var(PASSWORD_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Secret::new)
}

/// The password for a QNAP remote, from the first source that has one. `None` when no
/// source could give one (no env var, nothing stored, no terminal).
pub fn qnap_password(
    remote: &RemoteSpec,
    secrets: &SecretsStore,
    prompter: &dyn Prompter,
) -> Option<Secret> {
    if let Some(p) = password_from_env() {
        return Some(p);
    }
    if let Some(p) = remote.profile.as_deref().and_then(|n| secrets.password(n)) {
        return Some(p.clone());
    }
    ask_password(remote, prompter)
}

/// Prompts for the password of `remote` (no env, no store).
pub fn ask_password(remote: &RemoteSpec, prompter: &dyn Prompter) -> Option<Secret> {
    let who = match &remote.user {
        Some(u) => format!("{u} on {}", remote.base_url),
        None => remote.base_url.clone(),
    };
    prompter
        .secret(&format!("Password for {}: ", crate::names::escape(&who)))
        .ok()
        .filter(|s| !s.is_empty())
}

/// A 2-step verification code: `NASCMD_OTP`, else a prompt.
pub fn second_factor_code(prompter: &dyn Prompter) -> Option<String> {
    if let Ok(code) = std::env::var(OTP_ENV)
        && !code.trim().is_empty()
    {
        return Some(code.trim().to_owned());
    }
    prompter
        .line("2-step verification code (6 digits): ")
        .ok()
        .filter(|c| !c.is_empty())
}
