//! `nascmd [LEFT] [RIGHT] [--demo]`: the full-screen commander.

use clap::Args;

#[derive(Args, Debug, Default)]
pub struct TuiArgs {
    /// Left pane: a local folder, `NAME:/path` (a remote profile) or `qnap://user@host/Share`.
    pub left: Option<String>,
    /// Right pane (same forms as LEFT).
    pub right: Option<String>,
    /// Open on a generated sample tree (and the demo NAS emulators).
    #[arg(long)]
    pub demo: bool,
}

pub fn run(_args: TuiArgs) -> anyhow::Result<u8> {
    anyhow::bail!("the commander is not built yet")
}
