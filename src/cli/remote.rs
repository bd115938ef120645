//! `nascmd remote add|list|remove`.

use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum RemoteCommand {
    /// List the configured remotes.
    List,
}

pub fn run(_cmd: RemoteCommand) -> anyhow::Result<u8> {
    anyhow::bail!("remote profiles are not built yet")
}
