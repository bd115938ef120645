//! `nascmd [LEFT] [RIGHT] [--demo]`: the full-screen commander.

use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::app::{App, Pane};
use crate::config::{self, Config};
use crate::keymap::Keymap;
use crate::remotes::Opener;
use crate::runtime::{Runtime, TermGuard};
use crate::theme::Theme;
use crate::vfs::local::LocalFs;
use crate::vfs::{VPath, VfsHandle};

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

/// A local folder argument as an absolute `VPath`.
fn local_dir(arg: Option<&str>) -> anyhow::Result<VPath> {
    let path = match arg {
        Some(a) => std::path::PathBuf::from(a),
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    let abs =
        std::fs::canonicalize(&path).with_context(|| format!("cannot open {}", path.display()))?;
    if !abs.is_dir() {
        anyhow::bail!("{} is not a folder", abs.display());
    }
    let s = abs
        .to_str()
        .with_context(|| format!("{} is not valid UTF-8", abs.display()))?;
    Ok(VPath::parse(s)?)
}

/// Opens one pane argument: a local folder, or a remote (`NAME:/path`, `qnap://…`),
/// connecting (and asking for a password on the terminal) before the screen is taken.
async fn open_arg(
    opener: &mut Opener,
    local: &VfsHandle,
    arg: Option<&str>,
) -> anyhow::Result<(VfsHandle, VPath)> {
    let Some(arg) = arg else {
        return Ok((local.clone(), local_dir(None)?));
    };
    let target = opener.parse(arg)?;
    if target.is_local() {
        return Ok((local.clone(), local_dir(Some(arg))?));
    }
    let vfs = opener
        .backend(&target)
        .await
        .with_context(|| format!("cannot open {arg}"))?;
    Ok((vfs, target.path().clone()))
}

pub fn run(args: TuiArgs) -> anyhow::Result<u8> {
    // Read the local time offset while there is one thread (the `time` crate refuses
    // afterwards, as reading the time zone is not thread-safe).
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let config = Config::load(&Config::default_path())?;
    let _log = crate::logging::init(&config::state_dir()).ok();

    let demo_dir = if args.demo {
        let dir = tempfile::Builder::new().prefix("nascmd-demo-").tempdir()?;
        crate::demo::build_sample_tree(&dir.path().join("left"))
            .context("cannot build the demo tree")?;
        std::fs::create_dir_all(dir.path().join("right"))?;
        Some(dir)
    } else {
        None
    };
    let theme = Theme::load(&config.ui.theme, &config::config_dir())?;
    let (keymap, key_errors) = Keymap::with_overrides(&config.keys);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let demo = demo_dir.as_ref().map(|d| d.path().to_path_buf());
    rt.block_on(async move {
        let local: VfsHandle = Arc::new(LocalFs::new());
        let ((lvfs, left), (rvfs, right)) = match &demo {
            Some(d) => (
                (local.clone(), local_dir(d.join("left").to_str())?),
                (local.clone(), local_dir(d.join("right").to_str())?),
            ),
            None => {
                let mut opener = Opener::from_default_files()?;
                let left = open_arg(&mut opener, &local, args.left.as_deref()).await?;
                let right = match args.right.as_deref() {
                    Some(r) => open_arg(&mut opener, &local, Some(r)).await?,
                    None => left.clone(),
                };
                (left, right)
            }
        };
        let mut left_pane = Pane::new(lvfs, left);
        let mut right_pane = Pane::new(rvfs, right);
        left_pane.show_hidden = config.ui.show_hidden;
        right_pane.show_hidden = config.ui.show_hidden;
        let (mut app, cmds) = App::new(left_pane, right_pane, keymap, theme);
        app.time_offset = offset;
        if let Some(e) = key_errors.first() {
            app.set_status(format!("config: {e}"), true);
        }

        let guard = TermGuard::enter().context("cannot set up the terminal")?;
        let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
        let terminal = ratatui::Terminal::new(backend)?;
        let mut runtime = Runtime::new(terminal, app, cmds)?.with_terminal_guard(guard);
        let input = crossterm::event::EventStream::new();
        let result = runtime.run(input).await;
        // Dropping the runtime drops the guard: the terminal is restored here.
        drop(runtime);
        result.map_err(anyhow::Error::from)
    })?;
    drop(demo_dir);
    Ok(crate::cli::exit::OK)
}
