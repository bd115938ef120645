//! `nascmd [LEFT] [RIGHT] [--demo]`: the full-screen commander.

use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::app::{App, Pane, Side};
use crate::config::{self, Config};
use crate::demo::nas::DemoNas;
use crate::keymap::Keymap;
use crate::remotes::Target;
use crate::runtime::ConnectContext;
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
    /// Open on a generated sample tree (and the demo NAS emulators); with LEFT, the left
    /// pane shows that folder instead (it is never removed).
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

/// Room for a whole frame (a full redraw of a large terminal in colour is ~100 KiB).
const FRAME_BUFFER: usize = 256 * 1024;

/// What the commander draws through, so that a frame leaves in one write. Stdout alone is
/// a `LineWriter` of 1 KiB, which cut every frame into 1 KiB writes (20 for a full 160×50
/// screen): as many wake-ups of the terminal, or of sshd and as many packets over SSH,
/// where a half-drawn frame shows. The backend flushes at the end of every frame.
fn frame_writer<W: std::io::Write>(out: W) -> std::io::BufWriter<W> {
    std::io::BufWriter::with_capacity(FRAME_BUFFER, out)
}

pub fn run(args: TuiArgs) -> anyhow::Result<u8> {
    // Read the local time offset while there is one thread (the `time` crate refuses
    // afterwards, as reading the time zone is not thread-safe).
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let config = Config::load(&Config::default_path())?;
    let _log = crate::logging::init(&config::state_dir()).ok();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;

    // What each pane opens on: a local folder at once, a NAS once connected.
    let mut connect_to: Vec<(Side, String)> = Vec::new();
    let mut ctx = ConnectContext::from_user(config.clone());
    // `--demo FOLDER`: the left pane shows the user's folder, which is never generated
    // nor removed; only the temporary folder made here goes when the commander quits.
    let demo_folder = if args.demo {
        if args.right.is_some() {
            anyhow::bail!("with --demo the right pane is the demo NAS: give one folder at most");
        }
        args.left
            .as_deref()
            .map(|f| local_dir(Some(f)))
            .transpose()?
    } else {
        None
    };
    let demo = if args.demo {
        let dir = tempfile::Builder::new().prefix("nascmd-demo-").tempdir()?;
        if demo_folder.is_none() {
            crate::demo::build_sample_tree(&dir.path().join("local"))
                .context("cannot build the demo tree")?;
        }
        let nas = rt
            .block_on(DemoNas::start(
                &dir.path().join("qnap"),
                &dir.path().join("freebox"),
            ))
            .context("cannot start the demo NAS emulators")?;
        ctx = ConnectContext::isolated().with_password(
            &format!("http://{}", nas.qnap.addr),
            crate::demo::nas::DEMO_USER,
            nas.password.clone(),
        );
        connect_to.push((Side::Right, nas.qnap_target()));
        Some((dir, nas))
    } else {
        None
    };
    let (left, right) = match &demo {
        Some((d, _)) => {
            let l = match demo_folder {
                Some(folder) => folder,
                None => local_dir(d.path().join("local").to_str())?,
            };
            (l.clone(), l)
        }
        None => {
            let mut local_arg = |side: Side, arg: Option<&str>| -> anyhow::Result<Option<String>> {
                let Some(a) = arg else { return Ok(None) };
                match Target::parse(a, &config)? {
                    Target::Local(_) => Ok(Some(a.to_owned())),
                    Target::Remote { .. } => {
                        connect_to.push((side, a.to_owned()));
                        Ok(None)
                    }
                }
            };
            let l = local_arg(Side::Left, args.left.as_deref())?;
            let r = local_arg(Side::Right, args.right.as_deref())?;
            let left = local_dir(l.as_deref())?;
            let right = match r.as_deref() {
                Some(r) => local_dir(Some(r))?,
                None => left.clone(),
            };
            (left, right)
        }
    };

    let theme = if crate::theme::no_color_requested(std::env::var_os("NO_COLOR")) {
        Theme::monochrome()
    } else {
        Theme::load(&config.ui.theme, &config::config_dir())?
    };
    let (keymap, key_errors) = Keymap::with_overrides(&config.keys);
    let local: VfsHandle = Arc::new(LocalFs::new());
    let mut left_pane = Pane::new(local.clone(), left);
    let mut right_pane = Pane::new(local, right);
    left_pane.show_hidden = config.ui.show_hidden;
    right_pane.show_hidden = config.ui.show_hidden;
    let (mut app, mut cmds) = App::new(left_pane, right_pane, keymap, theme);
    app.time_offset = offset;
    app.hotlist = config.hotlist.folders.clone();
    app.verify = config.jobs.verify;
    app.share = crate::app::share::ShareState::new(&config.share.expire, config.share.access_code);
    if let Some((_, nas)) = &demo {
        app.connect_suggestion = Some(nas.freebox_target());
    }
    // One connection at a time: the first remote pane now, the other after it.
    let mut remotes = connect_to.into_iter();
    if let Some((side, target)) = remotes.next() {
        cmds.extend(app.connect_pane(side, &target));
    }
    app.connect_queue.extend(remotes);
    if let Some(e) = key_errors.first() {
        app.set_status(format!("config: {e}"), true);
    }

    rt.block_on(async move {
        let guard = TermGuard::enter().context("cannot set up the terminal")?;
        let backend = ratatui::backend::CrosstermBackend::new(frame_writer(std::io::stdout()));
        let terminal = ratatui::Terminal::new(backend)?;
        let clipboard = crate::clipboard::Clipboard::from_process(config.clipboard.mode);
        let mut runtime = Runtime::with_connect_context(terminal, app, cmds, ctx)?
            .with_journal(crate::jobs::journal::Journal::of_user())
            .with_terminal_guard(guard)
            .with_clipboard(clipboard)
            .with_graphics_protocol(crate::image_preview::GraphicsProtocol::detect())
            .with_config_file(Config::default_path());
        let result = runtime.run(crossterm::event::EventStream::new).await;
        // Dropping the runtime drops the guard: the terminal is restored here.
        drop(runtime);
        result.map_err(anyhow::Error::from)
    })?;
    if let Some((dir, nas)) = demo {
        rt.block_on(nas.shutdown());
        drop(dir);
    }
    Ok(crate::cli::exit::OK)
}

#[cfg(test)]
mod tests {
    use std::io::{self, Write};
    use std::sync::{Arc, Mutex};

    use ratatui::style::{Color, Style};
    use ratatui::text::Span;

    /// Counts the writes that reach the terminal and what they carried.
    #[derive(Clone, Default)]
    struct Counter(Arc<Mutex<(usize, usize)>>);

    impl Write for Counter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut seen = self.0.lock().map_err(|_| io::Error::other("poisoned"))?;
            seen.0 += 1;
            seen.1 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_whole_frame_reaches_the_terminal_in_one_write() {
        let counter = Counter::default();
        let backend = ratatui::backend::CrosstermBackend::new(super::frame_writer(counter.clone()));
        let area = ratatui::layout::Rect::new(0, 0, 160, 50);
        let mut terminal = ratatui::Terminal::with_options(
            backend,
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(area),
            },
        )
        .expect("terminal");
        // Every cell a different colour from its neighbour: the largest frame there is.
        terminal
            .draw(|f| {
                for y in 0..area.height {
                    for x in 0..area.width {
                        let colour = Color::Indexed(((x + y) % 200) as u8);
                        let cell = ratatui::layout::Rect::new(x, y, 1, 1);
                        f.render_widget(Span::styled("#", Style::default().fg(colour)), cell);
                    }
                }
            })
            .expect("draw");
        let (writes, bytes) = *counter.0.lock().expect("counter");
        assert!(bytes > 8 * 1024, "the frame is large ({bytes} bytes)");
        assert_eq!(writes, 1, "{bytes} bytes in {writes} writes");
    }
}
