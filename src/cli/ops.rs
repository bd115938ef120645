//! Non-interactive operations: ls, get, put, cp, mv, rm, mkdir, search, share.

use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum OpCommand {
    /// List a folder.
    Ls(LsArgs),
}

#[derive(Args, Debug)]
pub struct LsArgs {
    /// REMOTE:PATH or a local path.
    pub path: String,
}

pub fn run(_op: OpCommand) -> anyhow::Result<u8> {
    anyhow::bail!("this subcommand is not built yet")
}
