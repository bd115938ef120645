//! Non-interactive operations for scripts and SSH one-liners: ls, get, put, cp, mv, rm,
//! mkdir, search, share. Results go to stdout and nothing else does; progress (only on a
//! terminal) and errors go to stderr. Exit codes are in [`super::exit`].
//!
//! Transfers and deletes run through the job engine, so the rules of the commander hold
//! here too (temporary name + verify + rename, resume, a move deletes its source only
//! after the copy is verified).

mod jobrun;
mod ls;
mod manage;
mod search;
mod share;
mod share_manage;
mod sync;
mod transfer;

use clap::Subcommand;

use crate::remotes::RemoteError;
use crate::services::connect::Opener;

#[derive(Subcommand, Debug)]
pub enum OpCommand {
    /// List a folder (or show one file).
    #[command(after_help = ls::EXAMPLES)]
    Ls(ls::LsArgs),
    /// Download from a NAS to a local folder.
    #[command(after_help = transfer::GET_EXAMPLES)]
    Get(transfer::GetArgs),
    /// Upload local files or folders to a NAS folder.
    #[command(after_help = transfer::PUT_EXAMPLES)]
    Put(transfer::PutArgs),
    /// Copy within or across remotes (local paths as plain paths).
    #[command(after_help = transfer::CP_EXAMPLES)]
    Cp(transfer::CopyArgs),
    /// Move within or across remotes; a source is deleted only after its copy is verified.
    #[command(after_help = transfer::MV_EXAMPLES)]
    Mv(transfer::CopyArgs),
    /// Delete files (and folders with -r).
    #[command(after_help = manage::RM_EXAMPLES)]
    Rm(manage::RmArgs),
    /// Create a folder.
    #[command(after_help = manage::MKDIR_EXAMPLES)]
    Mkdir(manage::MkdirArgs),
    /// Find files and folders by name below a folder.
    #[command(after_help = search::EXAMPLES)]
    Search(search::SearchArgs),
    /// Create a share link and print its URL (`share list|revoke|revoke-all|update` manage them).
    #[command(after_help = share::EXAMPLES)]
    Share(share::ShareArgs),
    /// Make a folder like another (or both like each other): compare, print the plan, run it.
    #[command(after_help = sync::EXAMPLES)]
    Sync(sync::SyncArgs),
}

impl OpCommand {
    /// `--no-resume` was given: the command starts over instead of going on.
    fn no_resume(&self) -> bool {
        match self {
            OpCommand::Get(a) => a.flags.no_resume,
            OpCommand::Put(a) => a.flags.no_resume,
            OpCommand::Cp(a) | OpCommand::Mv(a) => a.flags.no_resume,
            OpCommand::Sync(a) => a.no_resume,
            _ => false,
        }
    }

    /// Commands whose work is engine jobs: they listen for Ctrl-C from their start.
    fn runs_jobs(&self) -> bool {
        matches!(
            self,
            OpCommand::Get(_)
                | OpCommand::Put(_)
                | OpCommand::Cp(_)
                | OpCommand::Mv(_)
                | OpCommand::Rm(_)
                | OpCommand::Sync(_)
        )
    }
}

pub fn run(op: OpCommand) -> anyhow::Result<u8> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (result, cut_short) = rt.block_on(async move {
        // Before anything else (the login, the first request): a Ctrl-C typed at once
        // would otherwise end the process by the signal's default action, unsaid.
        let ctrl = op.runs_jobs().then(super::Ctrl::listen);
        let no_resume = op.no_resume();
        let interrupts = jobrun::Interrupts::default();
        let prompter = std::sync::Arc::new(crate::cli::prompt::TtyPrompter::default());
        let work = run_op(op, prompter.clone(), interrupts.clone());
        let Some(ctrl) = ctrl else {
            return (work.await, false);
        };
        tokio::select! {
            result = work => (result, false),
            () = interrupts.before_jobs(ctrl) => {
                // Nothing was written yet; a question on the terminal is taken back.
                prompter.interrupted();
                (Ok(jobrun::interrupted(no_resume)), true)
            }
        }
    });
    if cut_short {
        // A question's reader may still wait for a line on the terminal: not waited for.
        rt.shutdown_background();
    }
    result
}

async fn run_op(
    op: OpCommand,
    prompter: std::sync::Arc<crate::cli::prompt::TtyPrompter>,
    interrupts: jobrun::Interrupts,
) -> anyhow::Result<u8> {
    let mut opener = Opener::from_default_files(prompter).map_err(remote_error)?;
    let ints = &interrupts;
    match op {
        OpCommand::Ls(a) => ls::run(&mut opener, a).await,
        OpCommand::Get(a) => transfer::get(&mut opener, a, ints).await,
        OpCommand::Put(a) => transfer::put(&mut opener, a, ints).await,
        OpCommand::Cp(a) => transfer::copy(&mut opener, a, false, ints).await,
        OpCommand::Mv(a) => transfer::copy(&mut opener, a, true, ints).await,
        OpCommand::Rm(a) => manage::rm(&mut opener, a, ints).await,
        OpCommand::Mkdir(a) => manage::mkdir(&mut opener, a).await,
        OpCommand::Search(a) => search::run(&mut opener, a).await,
        OpCommand::Share(a) => share::run(&mut opener, a).await,
        OpCommand::Sync(a) => sync::run(&mut opener, a, ints).await,
    }
}

/// Keeps a backend error as the error itself (so the exit code can be read from it).
/// A path argument as the shell gave it: a name whose bytes are not UTF-8 keeps them
/// ([`crate::undecodable`]) instead of clap refusing the whole command line.
pub(crate) fn path_arg() -> impl clap::builder::TypedValueParser<Value = String> {
    use clap::builder::TypedValueParser;
    clap::builder::OsStringValueParser::new().map(|s| crate::undecodable::from_os(&s).into_owned())
}

pub(crate) fn remote_error(e: RemoteError) -> anyhow::Error {
    match e {
        RemoteError::Vfs(v) | RemoteError::PasswordRefused(v) => anyhow::Error::new(v),
        other => anyhow::Error::new(other),
    }
}

/// Opens `target`, mapping errors for the exit code.
pub(crate) async fn open(
    opener: &mut Opener,
    target: &str,
) -> anyhow::Result<(crate::vfs::VfsHandle, crate::vfs::VPath)> {
    opener.open(target).await.map_err(remote_error)
}
