//! `nascmd emulate freebox …`.

use std::path::PathBuf;

use clap::Args;

#[derive(Args, Debug)]
pub struct FreeboxEmulateArgs {
    /// Folder to serve as the Freebox disk.
    #[arg(long)]
    pub root: PathBuf,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: String,
}

pub fn run(_args: FreeboxEmulateArgs) -> anyhow::Result<u8> {
    anyhow::bail!("the Freebox emulator is not built yet")
}
