//! The command line: `nascmd [LEFT] [RIGHT]` opens the commander; subcommands run the
//! emulators and the non-interactive operations. Each subcommand's arguments and code
//! live in their own file; this one only dispatches and maps errors to exit codes.

mod emulate_freebox;
mod emulate_qnap;
mod json;
mod ops;
mod prompt;
mod remote;
mod self_docs;
mod tui;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "nascmd",
    version,
    about = "A dual-pane file commander for the local disk, QNAP and Freebox NAS",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub tui: tui::TuiArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a NAS emulator over a local folder (for tests, demos and third-party clients).
    #[command(subcommand)]
    Emulate(EmulateCommand),
    /// Manage NAS profiles (remotes) in the config file.
    #[command(subcommand)]
    Remote(remote::RemoteCommand),
    #[command(flatten)]
    Op(ops::OpCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = self_docs::COMPLETIONS_EXAMPLES)]
    Completions(self_docs::CompletionsArgs),
    /// Print the man page (or one subcommand's; `--dir` writes them all).
    #[command(after_help = self_docs::MAN_EXAMPLES)]
    Man(self_docs::ManArgs),
}

#[derive(Subcommand, Debug)]
pub enum EmulateCommand {
    /// Emulate a QNAP NAS (QTS 5 File Station API).
    Qnap(emulate_qnap::QnapEmulateArgs),
    /// Emulate a Freebox (Freebox OS API).
    Freebox(emulate_freebox::FreeboxEmulateArgs),
}

/// The request log of `nascmd emulate … [--log-requests]`: printed on stderr when asked
/// (stdout carries the one `listening on` line scripts wait for).
fn emulator_request_log(print: bool) -> crate::emulator::request_log::RequestLog {
    use crate::emulator::request_log::RequestLog;
    if print {
        RequestLog::echoing(std::sync::Arc::new(|line: &str| eprintln!("{line}")))
    } else {
        RequestLog::default()
    }
}

/// Serves an emulator (`serve` gets the shutdown future) until Ctrl-C, then lets open
/// requests finish for a few seconds; a second Ctrl-C stops it at once. Says on stderr
/// when requests still open were dropped.
/// `sigint` listens from before the `listening on` line: a Ctrl-C typed as soon as it
/// shows would otherwise end the process by the signal's default action.
async fn serve_emulator_until_ctrl_c<S, Fut>(sigint: Ctrl, serve: S) -> std::io::Result<u8>
where
    S: FnOnce(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<()>> + Send + 'static,
{
    use crate::emulator::{Stopped, serve_until_interrupted};
    let stopped = serve_until_interrupted(
        |stop| {
            serve(Box::pin(async move {
                let _ = stop.await;
            }))
        },
        {
            let mut first = true;
            move || {
                let announce = std::mem::replace(&mut first, false);
                let sigint = sigint.clone();
                async move {
                    sigint.pressed().await;
                    if announce {
                        eprintln!(
                            "nascmd: stopping; open requests get {} s to finish (Ctrl-C again stops now)",
                            crate::emulator::SHUTDOWN_GRACE.as_secs()
                        );
                    }
                }
            }
        },
    )
    .await?;
    match stopped {
        Stopped::Finished => {}
        Stopped::GraceOver => {
            eprintln!("nascmd: stopped; requests still open after the grace period were dropped")
        }
        Stopped::Interrupted => eprintln!("nascmd: stopped at once; open requests were dropped"),
    }
    Ok(exit::OK)
}

/// Ctrl-C (SIGINT), listened for from the moment it is made.
#[derive(Clone)]
pub(crate) struct Ctrl(Option<std::sync::Arc<tokio::sync::Mutex<tokio::signal::unix::Signal>>>);

impl Ctrl {
    /// Without a handler (it cannot be installed), the signal's default action ends the
    /// process as before.
    pub(crate) fn listen() -> Ctrl {
        let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
        Ctrl(
            signal
                .ok()
                .map(|s| std::sync::Arc::new(tokio::sync::Mutex::new(s))),
        )
    }

    /// Resolves on the next Ctrl-C (or one that came since the last); never without a
    /// handler.
    pub(crate) async fn pressed(&self) {
        match &self.0 {
            Some(signal) => {
                signal.lock().await.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
}

/// Exit codes shared by every subcommand (documented in the README).
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const AUTH: u8 = 4;
    pub const PARTIAL: u8 = 5;
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The client's listings, not the emulators: serialising each big reply into mappings
    // of its own cost `nascmd emulate` ~15 % more CPU (docs/PERFORMANCE.md, "Session 9").
    if !matches!(cli.command, Some(Command::Emulate(_))) {
        crate::memory::keep_big_blocks_apart();
    }
    let result = match cli.command {
        None => {
            refuse_mistyped_subcommand(&cli.tui);
            tui::run(cli.tui)
        }
        Some(Command::Emulate(EmulateCommand::Qnap(a))) => emulate_qnap::run(a),
        Some(Command::Emulate(EmulateCommand::Freebox(a))) => emulate_freebox::run(a),
        Some(Command::Remote(r)) => remote::run(r),
        Some(Command::Op(op)) => ops::run(op),
        Some(Command::Completions(a)) => self_docs::completions(a),
        Some(Command::Man(a)) => self_docs::man(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // The whole cause chain on one line, like ripgrep.
            eprintln!("nascmd: {}", failure_line(&e));
            ExitCode::from(exit_code_for(&e))
        }
    }
}

/// `nascmd frob` parses as "open the commander on the folder frob". When no such
/// folder exists and the word looks like no path (no `/`, no `:`), the user most likely
/// mistyped a subcommand: say so the way clap does, with the nearest name, and exit
/// with the usage code.
fn refuse_mistyped_subcommand(args: &tui::TuiArgs) {
    use clap::CommandFactory;
    let Some(word) = args.left.as_deref() else {
        return;
    };
    if args.right.is_some() || word.contains(['/', ':']) || std::path::Path::new(word).exists() {
        return;
    }
    let mut cmd = Cli::command();
    // Same rule as clap's own suggestions: Jaro similarity above 0.7.
    let nearest = cmd
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .map(|name| (strsim::jaro(word, &name), name))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let mut message = format!(
        "unrecognized subcommand '{}' (and no folder of that name here)",
        crate::names::escape(word)
    );
    if let Some((_, name)) = nearest {
        message.push_str(&format!("\n\n  tip: a similar subcommand exists: '{name}'"));
    }
    cmd.error(clap::error::ErrorKind::InvalidSubcommand, message)
        .exit()
}

/// The cause chain of `e` as one line: each cause once (a context that already quotes
/// its cause, such as an io error's own text, is not followed by it again), escaped, and
/// shortened from the middle so a 20 000-byte name stays one readable line.
fn failure_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    crate::names::shorten(&crate::names::escape(&line), 400).into_owned()
}

/// Maps an error to an exit code by looking for a `VfsError` in its chain.
fn exit_code_for(e: &anyhow::Error) -> u8 {
    use crate::vfs::VfsError;
    for cause in e.chain() {
        if let Some(v) = cause.downcast_ref::<VfsError>() {
            return match v {
                VfsError::NotFound(_) => exit::NOT_FOUND,
                VfsError::AuthFailed(_)
                | VfsError::SecondFactorRequired
                | VfsError::UntrustedCertificate(_) => exit::AUTH,
                _ => exit::FAILURE,
            };
        }
    }
    exit::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_line_says_each_cause_once_escaped_and_short() {
        let io = std::io::Error::other("File name too long (os error 36)");
        let e = anyhow::Error::new(io).context("File name too long (os error 36)");
        assert_eq!(failure_line(&e), "File name too long (os error 36)");
        let e = anyhow::anyhow!("a\x1b[2J{}", "n".repeat(20_000)).context("cannot list x");
        let line = failure_line(&e);
        assert!(line.starts_with("cannot list x: a\\x1b[2J"), "{line}");
        assert!(line.chars().count() <= 400);
    }
}
