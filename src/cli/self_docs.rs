//! `nascmd completions SHELL` and `nascmd man`: shell completion scripts and the man
//! page, both generated from the parser's own definition ([`super::Cli`]), so they list
//! exactly the subcommands and flags that exist.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  nascmd completions bash > ~/.local/share/bash-completion/completions/nascmd
  nascmd completions zsh > ~/.zfunc/_nascmd        # with fpath+=~/.zfunc
  nascmd completions fish > ~/.config/fish/completions/nascmd.fish";

#[derive(Args, Debug)]
pub struct ManArgs {
    /// The page of one subcommand (`nascmd man get`) instead of the main page.
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
    /// Write every page (nascmd.1, nascmd-get.1, …) into this folder instead.
    #[arg(long, value_name = "DIR", conflicts_with = "subcommand")]
    pub dir: Option<std::path::PathBuf>,
}

pub const MAN_EXAMPLES: &str = "\
Examples:
  nascmd man | man -l -
  nascmd man get | man -l -
  nascmd man --dir ~/.local/share/man/man1";

/// Writes the completion script for `a.shell` on stdout.
pub fn completions(a: CompletionsArgs) -> anyhow::Result<u8> {
    let mut cmd = super::Cli::command();
    // Into memory first: the generator panics on a write error (`| head` closing early).
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "nascmd", &mut script);
    write_stdout(&script)
}

/// Writes all of `bytes` on stdout; a reader that stopped early (a closed pipe) is no
/// error, as for `cat`.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(super::exit::OK),
    }
}

/// Writes a man page (roff) on stdout, or all of them into a folder.
pub fn man(a: ManArgs) -> anyhow::Result<u8> {
    let cmd = super::Cli::command();
    if let Some(dir) = a.dir {
        clap_mangen::generate_to(cmd, &dir).map_err(|e| {
            anyhow::anyhow!("cannot write the man pages into {}: {e}", dir.display())
        })?;
        eprintln!("nascmd: man pages written into {}", dir.display());
        return Ok(super::exit::OK);
    }
    let page = match a.subcommand.as_deref() {
        None => cmd,
        Some(name) => subcommand_page(cmd, name)?,
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).render(&mut roff)?;
    write_stdout(&roff)
}

/// The command of `nascmd NAME`, its page titled `nascmd-NAME` as `generate_to` names
/// the file.
fn subcommand_page(mut cmd: clap::Command, name: &str) -> anyhow::Result<clap::Command> {
    cmd.build();
    let Some(sub) = cmd.find_subcommand(name) else {
        let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
        anyhow::bail!(
            "no subcommand {:?} (pages: {})",
            crate::names::escape(name),
            names.join(", ")
        );
    };
    // Building named it `nascmd-NAME` (its display name) with `nascmd NAME` as usage.
    Ok(sub.clone())
}
