//! The CLI's answers to the connect prompts, on the controlling terminal (`/dev/tty`),
//! so stdout stays free for results.

use std::sync::Mutex;
use std::time::Instant;

use async_trait::async_trait;

use crate::prompt::{Answer, Approval, ApprovalStatus, CertDetails, Prompt, Prompter, Unanswered};
use crate::secret::Secret;

/// Prompts on the terminal. Asks only when stdin is a terminal too: a script or cron
/// job with stdin redirected gets a clear error instead of hanging on a prompt nobody
/// sees (like git's `GIT_TERMINAL_PROMPT=0`).
#[derive(Debug, Default)]
pub struct TtyPrompter {
    /// When the approval on the box started (`remote add --freebox` shows a clock).
    approval_started: Mutex<Option<Instant>>,
    /// Named in the first approval line ("asked by URL").
    asked_by: Option<String>,
    /// The question waiting for its answer, if any.
    asking: Mutex<Option<Asking>>,
}

/// A question on the terminal, for [`TtyPrompter::interrupted`].
#[derive(Debug)]
struct Asking {
    /// The terminal's settings from before it (`None`: none could be read).
    settings: Option<rustix::termios::Termios>,
    /// Read without echo, by a reader that ends its line itself on Ctrl-C.
    hidden: bool,
}

impl TtyPrompter {
    /// A prompter whose approval lines say which box asked.
    pub fn asked_by(url: &str) -> Self {
        TtyPrompter {
            approval_started: Mutex::new(None),
            asked_by: Some(url.to_owned()),
            asking: Mutex::new(None),
        }
    }

    /// Reads one answer on the terminal, on a thread of its own: the command can end on
    /// Ctrl-C meanwhile ([`TtyPrompter::interrupted`]).
    async fn on_tty<T: Send + 'static>(
        &self,
        hidden: bool,
        read: impl FnOnce() -> std::io::Result<T> + Send + 'static,
    ) -> std::io::Result<T> {
        Self::interactive()?;
        *self.asking.lock().unwrap_or_else(|e| e.into_inner()) = Some(Asking {
            settings: tty_settings(),
            hidden,
        });
        let answer = tokio::task::spawn_blocking(read)
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        *self.asking.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if answer
            .as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::Interrupted)
        {
            // Ctrl-C at the password prompt: its reader put the terminal back and raised
            // SIGINT, which ends the process or, caught, the command (`cli::ops::run`).
            // Its "no answer" must not overtake that as a failed login.
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
        answer
    }

    /// The command ends on Ctrl-C: a question still waiting on the terminal (Ctrl-C sent
    /// by `kill`, or at the `[y/N]` question) leaves it as it was (the password reader,
    /// cut short, would leave it raw) and the cursor on a new line.
    pub fn interrupted(&self) {
        use std::io::Write;
        let asked = self.asking.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(asked) = asked else { return };
        let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") else {
            return;
        };
        if let Some(settings) = asked.settings {
            let _ =
                rustix::termios::tcsetattr(&tty, rustix::termios::OptionalActions::Now, &settings);
        }
        if !asked.hidden {
            let _ = tty.write_all(b"\n");
        }
    }

    fn interactive() -> std::io::Result<()> {
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            Ok(())
        } else {
            Err(std::io::Error::other("stdin is not a terminal"))
        }
    }

    /// Reads a secret without echo.
    fn secret(prompt: &str) -> std::io::Result<Secret> {
        Self::interactive()?;
        rpassword::prompt_password(prompt).map(Secret::new)
    }

    /// Reads a short answer (a 6-digit code). The code is short-lived, but not echoing
    /// it costs nothing and keeps it off screen recordings.
    fn line(prompt: &str) -> std::io::Result<String> {
        Self::interactive()?;
        rpassword::prompt_password(prompt).map(|s| s.trim().to_owned())
    }

    /// Asks a yes/no question; only an explicit yes is `true`. Fails when stdin is no
    /// terminal (nobody to answer).
    pub(crate) fn confirm(question: &str) -> std::io::Result<bool> {
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

/// The controlling terminal's settings, if it has one.
fn tty_settings() -> Option<rustix::termios::Termios> {
    let tty = std::fs::File::open("/dev/tty").ok()?;
    rustix::termios::tcgetattr(&tty).ok()
}

/// The trust question, with what the NAS presented.
fn trust_question(url: &str, why: &str, cert: &CertDetails) -> String {
    let self_signed = if cert.self_signed {
        " (self-signed)"
    } else {
        ""
    };
    format!(
        "{url} presented a certificate that is not trusted yet ({why}):\n\
         \x20 subject  {}\n\
         \x20 issuer   {}{self_signed}\n\
         \x20 valid    {} to {}\n\
         \x20 SHA-256  {}\n\
         Compare the fingerprint with the one the NAS shows. Trust it from now on? [y/N] ",
        cert.subject, cert.issuer, cert.not_before, cert.not_after, cert.sha256
    )
}

#[async_trait]
impl Prompter for TtyPrompter {
    async fn ask(&self, prompt: Prompt) -> Result<Answer, Unanswered> {
        let no = |_| Unanswered::NoOneToAsk;
        match prompt {
            Prompt::Password { who } => {
                let text = format!("Password for {}: ", crate::names::escape(&who));
                let p = self
                    .on_tty(true, move || Self::secret(&text))
                    .await
                    .map_err(no)?;
                if p.is_empty() {
                    return Err(Unanswered::NoOneToAsk);
                }
                Ok(Answer::Password(p))
            }
            Prompt::Code => {
                let code = self
                    .on_tty(true, || Self::line("2-step verification code (6 digits): "))
                    .await
                    .map_err(no)?;
                if code.is_empty() {
                    return Err(Unanswered::NoOneToAsk);
                }
                Ok(Answer::Code(code))
            }
            Prompt::Trust { url, why, cert } => {
                let question = trust_question(&url, &why, &cert);
                let yes = self
                    .on_tty(false, move || Self::confirm(&question))
                    .await
                    .map_err(no)?;
                Ok(Answer::Trust(yes))
            }
        }
    }

    /// A live status line on stderr (a plain line per change when stderr is not a
    /// terminal).
    fn approval(&self, approval: Approval, status: ApprovalStatus) {
        let text = approval.text;
        let started = {
            let mut slot = self
                .approval_started
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match *slot {
                Some(t) => t,
                None => {
                    match &self.asked_by {
                        Some(url) => eprintln!("{text} (asked by {url})"),
                        None => eprintln!("{text}"),
                    }
                    if let Some(note) = approval.note {
                        eprintln!("{note}");
                    }
                    *slot.insert(Instant::now())
                }
            }
        };
        let shown = match status {
            ApprovalStatus::Pending => "waiting for the button press…",
            ApprovalStatus::Granted => "granted",
            ApprovalStatus::Denied => "denied on the box",
            ApprovalStatus::Timeout => "timed out (nobody pressed the button)",
            ApprovalStatus::Unknown => "the box forgot the request",
        };
        let pending = status == ApprovalStatus::Pending;
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            eprint!("\r\x1b[2K[{:>3} s] {shown}", started.elapsed().as_secs());
            if !pending {
                eprintln!();
            }
        } else if !pending {
            eprintln!("{shown}");
        }
    }
}
