//! `nascmd emulate qnap …`.

use std::path::PathBuf;

use clap::Args;

#[derive(Args, Debug)]
pub struct QnapEmulateArgs {
    /// Folder to serve; each top-level folder is a share.
    #[arg(long)]
    pub root: PathBuf,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    #[arg(long)]
    pub user: String,
    /// The user's password (also read from NASCMD_EMULATOR_PASSWORD).
    #[arg(long, env = "NASCMD_EMULATOR_PASSWORD", hide_env_values = true)]
    pub password: String,
}

pub fn run(_args: QnapEmulateArgs) -> anyhow::Result<u8> {
    anyhow::bail!("the QNAP emulator is not built yet")
}
