//! The one loop: a `tokio::select!` over terminal input, results of effects and job
//! events. It hands every message to `App::update`, runs the returned `Cmd`s as tasks,
//! and redraws only when something changed — once per burst of events, at most ~60
//! frames a second. It is the only writer to the terminal.
//!
//! [`Runtime::run`] drives a real terminal until quit; [`Runtime::run_until_idle`]
//! drives any backend (ratatui's `TestBackend` in tests) until nothing is left to do.

mod connect;
mod dir_size;
mod edit_remote;
mod effects;
mod foreground;
mod mc;
mod nas;
mod picture;
mod restore;
mod search;
mod share;
mod sync;
pub mod term;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use crossterm::event::Event;
use futures_util::{FutureExt, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::AbortHandle;

use crate::app::{App, Cmd, Msg};
use crate::clipboard::{Clipboard, ClipboardMode};
use crate::jobs::JobEngine;

pub use crate::services::connect::ConnectContext;
pub use effects::Internal;
pub use term::TermGuard;

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);
/// How long the first frame may wait for the start-up listings (they usually take a
/// few milliseconds): one frame showing the folders, instead of an empty frame and,
/// one `FRAME` later, a second one.
const FIRST_FRAME_WAIT: Duration = Duration::from_millis(8);

pub struct Runtime<B: Backend> {
    pub terminal: Terminal<B>,
    pub app: App,
    tx: UnboundedSender<Internal>,
    rx: UnboundedReceiver<Internal>,
    engine: JobEngine,
    /// Effect tasks still running, by task id.
    tasks: HashMap<u64, AbortHandle>,
    next_task: u64,
    /// The listing task of each pane (a newer listing replaces it).
    list_task: [Option<u64>; 2],
    view_task: Option<u64>,
    /// The picture being fetched for the quick view (a newer one replaces it).
    picture_task: Option<u64>,
    /// How pictures are drawn (`with_graphics_protocol`; half-blocks by default).
    graphics: crate::image_preview::GraphicsProtocol,
    /// The connection task in flight.
    nas: nas::NasTasks,
    /// The search task in flight.
    search_task: Option<u64>,
    /// The sync planning task in flight (Esc in the Sync dialog aborts it).
    sync_task: Option<u64>,
    /// The job journal: paused jobs of earlier runs, places of opened backends.
    restore: restore::Restore,
    /// The real terminal, when there is one (not in tests).
    term: Option<TermGuard>,
    last_draw: Option<Instant>,
    /// When the last key or mouse event came, and whether the next frame answers one
    /// that came alone (not within a `FRAME` of the one before): that frame is drawn at
    /// once instead of at the frame deadline, so a keypress during a transfer (whose
    /// progress keeps the loop drawing every `FRAME`) is not held back up to 16 ms,
    /// while a burst of keys still becomes a few frames.
    last_input: Option<Instant>,
    input_waits: bool,
    /// When the loop took the key or mouse event the next frame answers (for the
    /// `nascmd::frames` debug log: how much of a keypress-to-frame is the loop's own).
    answering_since: Option<Instant>,
    /// Frames drawn so far.
    pub frames: u64,
    /// The one clipboard of the run (share URLs).
    clipboard: Clipboard,
    /// The terminal's byte stream for what is not a frame (OSC 52 copies): the same
    /// terminal the backend draws on, written only by this loop, between two frames.
    terminal_out: Box<dyn Write + Send>,
    /// Bytes waiting for the end of the next frame.
    pending_out: Vec<u8>,
    /// The config file the hotlist is saved in (`with_config_file`).
    config_file: Option<std::path::PathBuf>,
    /// The folder-size walk in flight (Ctrl-Space).
    size_task: Option<u64>,
    /// A program waiting to be given the terminal (Ctrl-O, F4), run by the loop.
    foreground: Option<crate::app::shell_edit::TerminalCmd>,
    /// The F4 fetch in flight (Esc aborts it).
    edit_fetch: Option<u64>,
}

impl<B: Backend> Runtime<B> {
    /// Must run inside a tokio runtime. `cmds` are the app's start-up commands.
    pub fn new(terminal: Terminal<B>, mut app: App, cmds: Vec<Cmd>) -> io::Result<Self> {
        let (tx, rx) = unbounded_channel();
        let (job_tx, mut job_rx) = unbounded_channel();
        let engine = JobEngine::new(job_tx);
        let fwd = tx.clone();
        tokio::spawn(async move {
            while let Some(ev) = job_rx.recv().await {
                if fwd.send(Internal::Msg(Msg::Job(ev))).is_err() {
                    break;
                }
            }
        });
        let size = terminal
            .size()
            .map_err(|e| io::Error::other(e.to_string()))?;
        app.update(Msg::Resize(size.width, size.height));
        let mut rt = Runtime {
            terminal,
            app,
            tx,
            rx,
            engine,
            tasks: HashMap::new(),
            next_task: 0,
            list_task: [None, None],
            view_task: None,
            picture_task: None,
            graphics: crate::image_preview::GraphicsProtocol::default(),
            nas: nas::NasTasks::default(),
            search_task: None,
            sync_task: None,
            restore: restore::Restore::default(),
            term: None,
            last_draw: None,
            last_input: None,
            input_waits: false,
            answering_since: None,
            frames: 0,
            clipboard: Clipboard::from_process(ClipboardMode::Auto),
            terminal_out: Box::new(io::stdout()),
            pending_out: Vec::new(),
            config_file: None,
            size_task: None,
            foreground: None,
            edit_fetch: None,
        };
        rt.execute_all(cmds);
        Ok(rt)
    }

    /// Hands the real terminal to the runtime (for suspend on Ctrl-Z).
    pub fn with_terminal_guard(mut self, guard: TermGuard) -> Self {
        self.term = Some(guard);
        self
    }

    /// The clipboard for copies (default: the process environment, `auto` mode). Tests
    /// inject one with `Clipboard::with_parts`.
    pub fn with_clipboard(mut self, clipboard: Clipboard) -> Self {
        self.clipboard = clipboard;
        self
    }

    /// Where raw terminal bytes (OSC 52) go: the terminal the backend draws on (default:
    /// stdout, as for `CrosstermBackend<Stdout>`). Tests pass a recorder.
    pub fn with_terminal_output(mut self, out: Box<dyn Write + Send>) -> Self {
        self.terminal_out = out;
        self
    }

    /// How pictures reach the terminal (the front end detects it; tests keep the
    /// half-blocks they can read back).
    pub fn with_graphics_protocol(
        mut self,
        graphics: crate::image_preview::GraphicsProtocol,
    ) -> Self {
        self.graphics = graphics;
        self
    }

    pub fn engine(&self) -> &JobEngine {
        &self.engine
    }

    /// Tunes the job engine (the retry budget of `[jobs] retry_for`); call before the
    /// first job starts.
    pub fn set_engine_options(&mut self, opts: crate::jobs::EngineOptions) {
        self.engine = self.engine.reconfigured(opts);
    }

    fn dispatch(&mut self, msg: Msg) {
        let cmds = self.app.update(msg);
        self.execute_all(cmds);
    }

    fn on_input(&mut self, ev: Event) {
        if matches!(ev, Event::Key(_) | Event::Mouse(_)) {
            let now = Instant::now();
            self.input_waits |= self.last_input.is_none_or(|t| now - t >= FRAME);
            self.last_input = Some(now);
            self.answering_since.get_or_insert(now);
        }
        match ev {
            Event::Key(k) => self.dispatch(Msg::Key(k)),
            Event::Mouse(m) => self.dispatch(Msg::Mouse(m)),
            Event::Resize(w, h) => self.dispatch(Msg::Resize(w, h)),
            _ => {}
        }
    }

    fn on_internal(&mut self, i: Internal) {
        match i {
            Internal::Msg(m) => self.dispatch(m),
            Internal::TaskDone(id) => {
                self.tasks.remove(&id);
            }
            Internal::TerminalBytes(bytes) => {
                self.pending_out.extend_from_slice(&bytes);
                // Written after the next frame; make sure there is one.
                self.app.dirty = true;
            }
            Internal::StartJob { spec, title } => self.execute(Cmd::StartJob { spec, title }),
        }
    }

    fn execute_all(&mut self, cmds: Vec<Cmd>) {
        for c in cmds {
            self.execute(c);
        }
    }

    fn spawn<F>(&mut self, fut: F) -> u64
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.next_task += 1;
        let id = self.next_task;
        let tx = self.tx.clone();
        let handle = tokio::spawn(async move {
            fut.await;
            let _ = tx.send(Internal::TaskDone(id));
        });
        self.tasks.insert(id, handle.abort_handle());
        id
    }

    fn abort(&mut self, id: Option<u64>) {
        if let Some(h) = id.and_then(|id| self.tasks.remove(&id)) {
            h.abort();
        }
    }

    fn execute(&mut self, cmd: Cmd) {
        let tx = self.tx.clone();
        match cmd {
            Cmd::List {
                side,
                req,
                vfs,
                dir,
                sort,
            } => {
                self.abort(self.list_task[side.index()]);
                let journal = self.restore.journal();
                let id = self.spawn(effects::list(tx, side, req, vfs, dir, sort, journal));
                self.list_task[side.index()] = Some(id);
            }
            Cmd::Space {
                side,
                req,
                vfs,
                dir,
            } => {
                self.spawn(effects::space(tx, side, req, vfs, dir));
            }
            Cmd::Mkdir {
                side,
                vfs,
                base,
                path,
            } => {
                self.spawn(effects::mkdir(tx, side, vfs, base, path));
            }
            Cmd::StartJob { spec, title } => {
                let kind = spec.kind;
                let places = crate::app::jobs::Footprint(spec.places());
                let id = self.start_job(spec);
                tracing::info!(job = id, %title, "job started");
                self.dispatch(Msg::JobStarted { id, kind, title });
                self.dispatch(Msg::JobPlaces { id, places });
            }
            Cmd::StartJobAskingTarget { mut spec, title } => {
                self.spawn(async move {
                    if let (Some((vfs, dir)), Some(name)) =
                        (spec.dst.clone(), spec.rename_to.take())
                    {
                        let (dir, rename_to) =
                            crate::jobs::target::single_item_target(&vfs, dir, name).await;
                        spec.dst = Some((vfs, dir));
                        spec.rename_to = rename_to;
                    }
                    let _ = tx.send(Internal::StartJob { spec, title });
                });
            }
            // Quitting keeps the job's journal: it comes back paused on the next start.
            Cmd::CancelJob(id) if self.app.quit => self.engine.interrupt(id),
            Cmd::CancelJob(id) => self.engine.cancel(id),
            Cmd::ForgetRestored { id, key } => self.forget_restored(id, &key),
            Cmd::After { delay, msg } => {
                self.spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(Internal::Msg(*msg));
                });
            }
            Cmd::RetryJob(failed) => {
                let places = crate::app::jobs::Footprint(self.engine.retry_places(failed));
                if let Some((id, kind)) = self.engine.retry_failed(failed) {
                    tracing::info!(job = id, failed, "retrying a failed job");
                    self.dispatch(Msg::JobStarted {
                        id,
                        kind,
                        title: String::new(),
                    });
                    self.dispatch(Msg::JobPlaces { id, places });
                }
            }
            Cmd::AnswerConflict {
                id,
                answer,
                apply_to_all,
            } => self.engine.answer_conflict(id, answer, apply_to_all),
            Cmd::ReadFile {
                req,
                vfs,
                path,
                offset,
                len,
            } => {
                self.abort(self.view_task);
                let id = self.spawn(effects::read_file(tx, req, vfs, path, offset, len));
                self.view_task = Some(id);
            }
            Cmd::ShowPicture {
                req,
                vfs,
                path,
                cells,
            } => {
                self.abort(self.picture_task);
                let fut = picture::show_picture(tx, req, vfs, path, cells, self.graphics);
                self.picture_task = Some(self.spawn(fut));
            }
            Cmd::Share(c) => self.execute_share(*c),
            Cmd::Suspend => {
                if let Some(term) = &self.term {
                    if let Err(e) = term.suspend() {
                        tracing::warn!("suspend failed: {e}");
                    }
                    self.repaint_all();
                }
            }
            Cmd::Quit => self.app.quit = true,
            Cmd::Connect(c) => self.connect_cmd(c),
            Cmd::Search(c) => self.search_cmd(c),
            Cmd::Sync(c) => self.sync_cmd(*c),
            Cmd::Mc(c) => self.mc_cmd(*c),
            Cmd::Terminal(c) => self.queue_for_terminal(*c),
        }
    }

    /// Draws a frame now.
    pub fn render(&mut self) -> io::Result<()> {
        let app = &self.app;
        let started = Instant::now();
        let mut built = Duration::ZERO;
        self.terminal
            .draw(|f| {
                crate::ui::draw(f, app);
                built = started.elapsed();
            })
            .map_err(|e| io::Error::other(e.to_string()))?;
        if let Some(since) = self.answering_since.take() {
            // The loop's share of a keypress-to-frame (benches/live_ui.rs reads it):
            // when the loop took the event (wall clock, to match the bench's key), from
            // there to the frame written, and the draw alone.
            let taken = std::time::SystemTime::now()
                .checked_sub(since.elapsed())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .unwrap_or_default();
            tracing::debug!(
                target: "nascmd::frames",
                taken_unix_us = taken.as_micros() as u64,
                input_to_frame_us = since.elapsed().as_micros() as u64,
                draw_us = started.elapsed().as_micros() as u64,
                // The frame's cells alone (the rest of the draw is the diff and writing
                // it to the terminal).
                build_us = built.as_micros() as u64,
                "frame answering input"
            );
        }
        self.app.dirty = false;
        self.input_waits = false;
        self.last_draw = Some(Instant::now());
        self.frames += 1;
        self.write_pending()
    }

    /// Writes raw bytes (OSC 52) that waited for a frame to end. The frame was flushed by
    /// `draw`, so nothing can cut into it. A failure is logged; the copy is lost, not the
    /// session.
    fn write_pending(&mut self) -> io::Result<()> {
        if self.pending_out.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.pending_out);
        if let Err(e) = self
            .terminal_out
            .write_all(&bytes)
            .and_then(|()| self.terminal_out.flush())
        {
            tracing::warn!("cannot write the clipboard sequence to the terminal: {e}");
        }
        Ok(())
    }

    /// Nothing queued, no effect running, and every running job is waiting for the
    /// user (a conflict dialog is open for it).
    pub fn idle(&self) -> bool {
        self.rx.is_empty()
            && self.tasks.is_empty()
            && self.app.jobs_waiting_for_user() == self.app.jobs.running()
    }

    /// Handles everything that is ready right now, without waiting. `poll_input` is off
    /// for crossterm's `EventStream`, which must always be polled with the loop's own
    /// waker (a no-op waker there loses the wake-up); its bursts are coalesced by the
    /// frame deadline instead.
    fn drain<S>(&mut self, input: &mut S, input_done: &mut bool, poll_input: bool)
    where
        S: Stream<Item = io::Result<Event>> + Unpin,
    {
        loop {
            let mut progressed = false;
            while let Ok(i) = self.rx.try_recv() {
                self.on_internal(i);
                progressed = true;
            }
            while poll_input && !*input_done {
                match input.next().now_or_never() {
                    Some(Some(Ok(ev))) => {
                        self.on_input(ev);
                        progressed = true;
                    }
                    Some(Some(Err(e))) => {
                        tracing::warn!("input error: {e}");
                        *input_done = true;
                    }
                    Some(None) => *input_done = true,
                    None => break,
                }
            }
            if !progressed {
                break;
            }
        }
    }

    /// Runs until the app quits: the interactive loop. `open_input` opens the input
    /// stream, again after a child process had the terminal (Ctrl-O, F4): the stream is
    /// dropped meanwhile so that it reads none of the child's keys.
    pub async fn run<S, F>(&mut self, mut open_input: F) -> io::Result<()>
    where
        S: Stream<Item = io::Result<Event>> + Unpin,
        F: FnMut() -> S,
    {
        let mut input = open_input();
        use tokio::signal::unix::{SignalKind, signal};
        let mut term_sig = signal(SignalKind::terminate())?;
        let mut hup_sig = signal(SignalKind::hangup())?;
        // SIGINT and SIGQUIT (`kill -INT`; a typed Ctrl-C or Ctrl-\ is a key in raw
        // mode) quit as SIGTERM does, the terminal restored, before and after a child
        // had the terminal (`foreground.rs` catches them while it runs).
        let mut int_sig = signal(SignalKind::interrupt())?;
        let mut quit_sig = signal(SignalKind::quit())?;
        let mut input_done = false;
        self.await_first_content().await;
        self.render()?;
        while !self.app.quit {
            let deadline = self.next_frame_deadline();
            tokio::select! {
                ev = input.next(), if !input_done => match ev {
                    Some(Ok(ev)) => self.on_input(ev),
                    Some(Err(e)) => return Err(e),
                    // The terminal is gone (no SIGHUP seen): nobody can type again, so
                    // quit rather than linger as an orphan.
                    None => self.app.quit = true,
                },
                Some(i) = self.rx.recv() => self.on_internal(i),
                _ = sleep_until(deadline), if deadline.is_some() => {}
                _ = term_sig.recv() => self.app.quit = true,
                _ = hup_sig.recv() => self.app.quit = true,
                _ = int_sig.recv() => self.app.quit = true,
                _ = quit_sig.recv() => self.app.quit = true,
            }
            self.drain(&mut input, &mut input_done, false);
            if self.app.quit {
                break;
            }
            if let Some(cmd) = self.foreground.take() {
                drop(input);
                self.run_in_terminal(cmd).await;
                input = open_input();
                // A Ctrl-C typed for the child signalled the commander too: new
                // streams start with it seen, so it does not quit the commander now.
                int_sig = signal(SignalKind::interrupt())?;
                quit_sig = signal(SignalKind::quit())?;
            }
            if self.app.dirty
                && self
                    .next_frame_deadline()
                    .is_some_and(|d| d <= Instant::now())
            {
                self.render()?;
            }
        }
        Ok(())
    }

    /// Handles what the start-up effects deliver until they are all done or
    /// `FIRST_FRAME_WAIT` has passed (input waits meanwhile, nothing is lost).
    async fn await_first_content(&mut self) {
        let until = tokio::time::Instant::now() + FIRST_FRAME_WAIT;
        while !self.tasks.is_empty() {
            tokio::select! {
                Some(i) = self.rx.recv() => self.on_internal(i),
                _ = tokio::time::sleep_until(until) => break,
            }
        }
    }

    /// When the next frame may be drawn, if one is due.
    fn next_frame_deadline(&self) -> Option<Instant> {
        if !self.app.dirty {
            return None;
        }
        Some(match self.last_draw {
            Some(_) if self.input_waits => Instant::now(),
            Some(t) => t + FRAME,
            None => Instant::now(),
        })
    }

    /// Feeds `input`, then runs until everything has settled (listings arrived, jobs
    /// finished) and draws the final frame. Fails if it does not settle within `limit`.
    pub async fn run_until_idle<S>(&mut self, mut input: S, limit: Duration) -> io::Result<()>
    where
        S: Stream<Item = io::Result<Event>> + Unpin,
    {
        let give_up = tokio::time::Instant::now() + limit;
        let mut input_done = false;
        loop {
            self.drain(&mut input, &mut input_done, true);
            if self.app.quit || (input_done && self.idle()) {
                break;
            }
            tokio::select! {
                ev = input.next(), if !input_done => match ev {
                    Some(Ok(ev)) => self.on_input(ev),
                    Some(Err(e)) => return Err(e),
                    None => input_done = true,
                },
                Some(i) = self.rx.recv() => self.on_internal(i),
                _ = tokio::time::sleep_until(give_up) => {
                    return Err(io::Error::other(format!(
                        "not idle after {limit:?}: {} task(s), {} job(s)",
                        self.tasks.len(),
                        self.app.jobs.running()
                    )));
                }
            }
        }
        if self.app.dirty {
            self.render()?;
        }
        Ok(())
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(d) = deadline {
        tokio::time::sleep_until(d.into()).await;
    }
}
