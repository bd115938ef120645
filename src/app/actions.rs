//! What each action does, and what the answers of dialogs start (jobs, mkdir, ...).

use crate::jobs::{ConflictAnswer, ConflictPolicy, JobKind, JobSpec};
use crate::keymap::Action;
use crate::names::{escape, shorten};
use crate::vfs::{EntryKind, VPath, VfsHandle, check_name};
use crate::viewer::{ReadRequest, Viewer};

use super::dialog::{Confirmed, Dialog, InputPurpose, Outcome, TargetPrompt};
use super::layers::{Layer, LayerKind};
use super::pane::Row;
use super::sort::SortKey;
use super::{App, Cmd, Mode, Problem, Side};

impl App {
    pub(super) fn do_action(&mut self, action: Action) -> Vec<Cmd> {
        let side = self.active;
        let page = self.page_height(side).max(2) as isize - 1;
        match action {
            Action::Up => self.pane_mut(side).move_cursor(-1),
            Action::Down => self.pane_mut(side).move_cursor(1),
            Action::PageUp => self.pane_mut(side).move_cursor(-page),
            Action::PageDown => self.pane_mut(side).move_cursor(page),
            Action::Home => self.pane_mut(side).set_cursor(0),
            Action::End => self.pane_mut(side).set_cursor(usize::MAX),
            Action::Open => return self.open_current(),
            Action::Parent => return self.go_up(side),
            Action::SwitchPane => self.active = side.other(),
            Action::Select => {
                if self.pane_mut(side).toggle_current() {
                    self.pane_mut(side).move_cursor(1);
                }
            }
            Action::InvertSelection => self.pane_mut(side).invert_selection(),
            Action::SelectGlob | Action::UnselectGlob => {
                let select = action == Action::SelectGlob;
                let title = if select { "Select" } else { "Unselect" };
                self.layers.push_dialog(Dialog::input(
                    title,
                    "Names matching (e.g. *.txt):",
                    "*",
                    InputPurpose::SelectGlob { side, select },
                ));
            }
            Action::Reload => return self.reload_both(),
            Action::Filter => {
                let value = self.active_pane().filter.clone();
                self.mode = Mode::Filter(tui_input::Input::new(value));
            }
            Action::Jump => self.mode = Mode::Jump(String::new()),
            Action::ToggleHidden => self.toggle_hidden(),
            Action::SortName => self.sort_by(SortKey::Name),
            Action::SortExtension => self.sort_by(SortKey::Extension),
            Action::SortSize => self.sort_by(SortKey::Size),
            Action::SortTime => self.sort_by(SortKey::Time),
            Action::SortReverse => {
                let pane = self.pane_mut(side);
                pane.sort.reverse = !pane.sort.reverse;
                pane.resort();
            }
            Action::Jobs => self.open_jobs_panel(),
            Action::Help => self.layers.push_dialog(Dialog::Help { scroll: 0 }),
            Action::View => return self.view_current(),
            Action::Copy | Action::Move => return self.ask_transfer(action == Action::Copy),
            Action::Rename => self.ask_rename(),
            Action::Mkdir => self.layers.push_dialog(Dialog::input(
                "Make folder",
                "Name of the new folder (a/b makes both):",
                "",
                InputPurpose::Mkdir { side },
            )),
            Action::Delete => self.ask_delete(),
            Action::Quit => return self.ask_quit(),
            Action::Suspend => return vec![Cmd::Suspend],
            Action::Share => return self.share_selection(false),
            Action::ShareWithOptions => return self.share_selection(true),
            Action::SharePanel => return self.open_share_panel(),
            Action::ShareMail => return self.mail_from_pane(),
            Action::Search => self.ask_search(),
            Action::Connect => self.ask_connect(),
            Action::Messages => self.show_messages(),
            _ => return self.mc_action(action),
        }
        Vec::new()
    }

    /// Alt-J: into the jobs panel, or "no jobs" when there is none (nothing opens, so
    /// the next key cannot land somewhere unexpected).
    fn open_jobs_panel(&mut self) {
        if self.jobs.rows() == 0 {
            self.set_status("no jobs", false);
        } else {
            self.layers.push(Layer::Jobs);
        }
    }

    fn sort_by(&mut self, key: SortKey) {
        let pane = self.pane_mut(self.active);
        if pane.sort.key == key {
            pane.sort.reverse = !pane.sort.reverse;
        } else {
            pane.sort.key = key;
            pane.sort.reverse = false;
        }
        pane.resort();
    }

    fn open_current(&mut self) -> Vec<Cmd> {
        let side = self.active;
        let pane = self.pane(side);
        match pane.current() {
            Some(Row::Parent) => self.go_up(side),
            // A symbolic link is tried as a folder; if it points to a file, listing fails
            // and the status line says so (F3 views it).
            Some(Row::Entry(e)) if e.is_dir() || e.kind == EntryKind::Symlink => {
                match pane.cwd.join(&e.name) {
                    Ok(dir) => self.list(side, dir, None),
                    Err(err) => {
                        self.set_status(err.to_string(), true);
                        Vec::new()
                    }
                }
            }
            Some(Row::Entry(_)) => self.view_current(),
            None => Vec::new(),
        }
    }

    /// Up one folder; the cursor lands on the folder we came from.
    fn go_up(&mut self, side: Side) -> Vec<Cmd> {
        let cwd = self.pane(side).cwd.clone();
        if cwd.is_root() {
            return Vec::new();
        }
        self.list(side, cwd.parent(), Some(cwd.name().to_owned()))
    }

    fn view_current(&mut self) -> Vec<Cmd> {
        let pane = self.active_pane();
        let Some(e) = pane.current_entry().filter(|e| !e.is_dir()) else {
            return Vec::new();
        };
        if e.kind == EntryKind::Special {
            let msg = format!(
                "{} is a special file (FIFO, socket or device): nothing to view",
                crate::names::escape(&e.name)
            );
            self.set_status(msg, true);
            return Vec::new();
        }
        let Ok(path) = pane.cwd.join(&e.name) else {
            return Vec::new();
        };
        let (vfs, size) = (pane.vfs.clone(), e.size);
        let req = self.next_req();
        let (mut viewer, read) = Viewer::open(vfs.clone(), path.clone(), size, req);
        let mut cmds = vec![read_cmd(read)];
        // A picture is shown as one (F4/h: its bytes); the rows are read all the same.
        if crate::thumbnail::is_image_name(path.name()) && vfs.features().thumbnails.is_some() {
            let req = self.next_req();
            let cells = self.viewer_picture_cells();
            viewer.picture = Some(crate::image_preview::PictureSlot::new(req, cells));
            cmds.push(Cmd::ShowPicture {
                req,
                vfs,
                path,
                cells,
            });
        }
        self.layers.push(Layer::Viewer(viewer));
        self.fit_to_screen();
        cmds
    }

    /// The cells a picture in the full-screen viewer has (all but the title and the
    /// bottom line).
    fn viewer_picture_cells(&self) -> (u16, u16) {
        (self.size.0, self.size.1.saturating_sub(2))
    }

    /// A picture in the viewer laid out for another screen size (a resize) is asked
    /// for again at the new size.
    pub(super) fn refit_viewer_picture(&mut self) -> Vec<Cmd> {
        let cells = self.viewer_picture_cells();
        let stale = self
            .layers
            .viewer()
            .and_then(|v| v.picture.as_ref())
            .is_some_and(|slot| slot.cells != cells);
        if !stale {
            return Vec::new();
        }
        let req = self.next_req();
        let Some(v) = self.layers.viewer_mut() else {
            return Vec::new();
        };
        v.picture = Some(crate::image_preview::PictureSlot::new(req, cells));
        vec![Cmd::ShowPicture {
            req,
            vfs: v.vfs.clone(),
            path: v.path.clone(),
            cells,
        }]
    }

    fn ask_transfer(&mut self, copy: bool) -> Vec<Cmd> {
        let side = self.active;
        let sources = self.pane(side).targets();
        if sources.is_empty() {
            return Vec::new();
        }
        let what = describe(&sources);
        let target = self.pane(side.other()).cwd.as_str().to_owned();
        // Name the other side when it is another machine: "/Public" alone does not say
        // the files are about to leave for the NAS.
        let (here, there) = (
            self.pane(side).vfs.label(),
            self.pane(side.other()).vfs.label(),
        );
        let (title, verb) = if copy {
            ("Copy", "Copy")
        } else {
            ("Move / rename", "Move")
        };
        let purpose = if copy {
            InputPurpose::Copy { side, sources }
        } else {
            InputPurpose::Move { side, sources }
        };
        // Which check each file passes before it takes its name (`jobs::verify`).
        let verify = crate::jobs::verify::describe(
            self.verify,
            here == there,
            &self.pane(side).vfs.features(),
            &self.pane(side.other()).vfs.features(),
        );
        let prompt = TargetPrompt {
            lead: format!("{verb} {what} to"),
            here,
            there,
        };
        self.layers.push_dialog(Dialog::target_input(
            title,
            prompt,
            &target,
            purpose,
            format!("Verify: {verify}"),
        ));
        Vec::new()
    }

    /// Shift-F6, as in mc: the entry under the cursor gets a new name in its own folder.
    /// The move dialog, prefilled with the current name: a name without `/` stays in
    /// this pane's folder (see [`App::resolve`]).
    fn ask_rename(&mut self) {
        let side = self.active;
        let pane = self.pane(side);
        let Some(Row::Entry(entry)) = pane.current() else {
            self.set_status("Shift-F6: the cursor is not on a file or folder", true);
            return;
        };
        let Ok(source) = pane.cwd.join(&entry.name) else {
            self.set_status("Shift-F6: this name cannot be renamed here", true);
            return;
        };
        let name = entry.name.clone();
        let prompt = TargetPrompt {
            lead: format!("Rename \"{}\" to", shorten(&escape(&name), 60)),
            here: pane.vfs.label(),
            there: self.pane(side.other()).vfs.label(),
        };
        self.layers.push_dialog(Dialog::target_input(
            "Rename",
            prompt,
            &name,
            InputPurpose::Move {
                side,
                sources: vec![source],
            },
            "A name in this folder; a path moves it".to_owned(),
        ));
    }

    fn ask_delete(&mut self) {
        let side = self.active;
        let paths = self.pane(side).targets();
        if paths.is_empty() {
            return;
        }
        // A folder goes with everything in it: say so before, not after.
        let folders = self
            .pane(side)
            .target_entries()
            .iter()
            .filter(|e| e.is_dir())
            .count();
        let question = match (paths.len(), folders) {
            (1, 1) => format!(
                "Delete the folder {} and everything in it?",
                describe(&paths)
            ),
            (_, 0) => format!("Delete {}?", describe(&paths)),
            (_, n) => format!(
                "Delete {} ({n} of them folders, with everything in them)?",
                describe(&paths)
            ),
        };
        // Where, too: a stray Del must never be confirmed blind.
        let place = format!("from {}", super::place::pane_place(self.pane(side)));
        let mut lines = vec![question, place];
        // A running copy's source or target: say so, and Enter means No.
        let spec = JobSpec {
            kind: JobKind::Delete,
            src: self.pane(side).vfs.clone(),
            sources: paths.clone(),
            dst: None,
            rename_to: None,
            conflict: ConflictPolicy::Skip,
        };
        let busy = self.jobs.in_the_way_of(&spec);
        let in_use = !busy.is_empty();
        lines.extend(busy.iter().map(|title| still_in_use(title)));
        self.layers.push_dialog(Dialog::Confirm {
            title: "Delete".into(),
            lines,
            action: Confirmed::Delete { side, paths },
            yes_focused: !in_use,
        });
    }

    fn ask_quit(&mut self) -> Vec<Cmd> {
        // Paused (restored) jobs stay in the journal for the next start.
        if self.jobs.running() == 0 {
            self.quit = true;
            return vec![Cmd::Quit];
        }
        // Quitting interrupts the jobs: what the journal keeps (copies, moves, syncs)
        // comes back paused on the next start; a delete is not journaled.
        let running = || {
            self.jobs
                .items
                .iter()
                .filter(|j| j.done.is_none() && j.paused.is_none())
        };
        let deletes = running().filter(|j| j.kind == JobKind::Delete).count();
        let others = running().count() - deletes;
        let mut lines = vec![format!(
            "{} still running. Quit now?",
            crate::plural::count(self.jobs.running() as u64, "job", "jobs")
        )];
        if others > 0 {
            lines.push(
                "A copy, move or sync stops and comes back paused on the next start (Alt-J, then r resumes it)."
                    .into(),
            );
        }
        if deletes > 0 {
            lines.push("A delete stops where it is (what is gone stays gone).".into());
        }
        self.layers.push_dialog(Dialog::Confirm {
            title: "Quit".into(),
            lines,
            action: Confirmed::Quit,
            yes_focused: false,
        });
        Vec::new()
    }

    pub(super) fn apply_outcome(&mut self, outcome: Outcome) -> Vec<Cmd> {
        if matches!(outcome, Outcome::Stay | Outcome::Unbound) {
            return Vec::new();
        }
        self.layers.close(LayerKind::Dialog);
        match outcome {
            Outcome::Stay | Outcome::Unbound | Outcome::Dismissed => Vec::new(),
            Outcome::Confirmed(c) => self.confirmed(c),
            Outcome::Submitted(purpose, text) => self.submitted(purpose, text),
            Outcome::ConflictAnswered {
                job,
                answer,
                apply_to_all,
            } => vec![Cmd::AnswerConflict {
                id: job,
                answer,
                apply_to_all,
            }],
            Outcome::ConflictRename {
                job,
                suggested,
                apply_to_all,
            } => {
                self.layers.push_dialog(Dialog::input(
                    "Rename",
                    "Write the new file under the name:",
                    &suggested,
                    InputPurpose::ConflictRename { job, apply_to_all },
                ));
                Vec::new()
            }
            Outcome::Chosen(purpose, i) => self.chosen(purpose, i),
            Outcome::RetryJob(job) => self.retry_job(job),
            Outcome::JobDetails(job) => {
                self.show_job_details(job);
                Vec::new()
            }
            Outcome::ConflictCancelJob(job) => {
                if let Some(j) = self.jobs.get_mut(job) {
                    j.cancelling = true;
                }
                vec![
                    Cmd::CancelJob(job),
                    Cmd::AnswerConflict {
                        id: job,
                        answer: ConflictAnswer::Skip,
                        apply_to_all: true,
                    },
                ]
            }
        }
    }

    fn confirmed(&mut self, c: Confirmed) -> Vec<Cmd> {
        match c {
            Confirmed::Delete { side, paths } => {
                let title = format!("Delete {}", describe(&paths));
                let pane = self.pane_mut(side);
                pane.selected.clear();
                let spec = JobSpec {
                    kind: JobKind::Delete,
                    src: pane.vfs.clone(),
                    sources: paths,
                    dst: None,
                    rename_to: None,
                    conflict: ConflictPolicy::Skip,
                };
                vec![Cmd::StartJob { spec, title }]
            }
            Confirmed::Transfer {
                side,
                sources,
                text,
                kind,
            } => self
                .transfer(side, sources, &text, kind, true)
                .unwrap_or_else(|e| {
                    self.layers
                        .push_dialog(Dialog::error("Error", vec![e.user_message()]));
                    Vec::new()
                }),
            Confirmed::CancelJob(id) => {
                if let Some(j) = self.jobs.get_mut(id) {
                    j.cancelling = true;
                }
                vec![Cmd::CancelJob(id)]
            }
            Confirmed::ForgetPausedJob(id, key) => self.forget_paused(id, key),
            Confirmed::Share(c) => self.share_confirmed(c),
            Confirmed::Quit => {
                self.quit = true;
                let mut cmds: Vec<Cmd> = self
                    .jobs
                    .items
                    .iter()
                    .filter(|j| j.done.is_none())
                    .map(|j| Cmd::CancelJob(j.id))
                    .collect();
                cmds.push(Cmd::Quit);
                cmds
            }
        }
    }

    fn submitted(&mut self, purpose: InputPurpose, text: String) -> Vec<Cmd> {
        let result = match purpose {
            InputPurpose::Copy { side, sources } => {
                self.transfer(side, sources, &text, JobKind::Copy, false)
            }
            InputPurpose::Move { side, sources } => {
                self.transfer(side, sources, &text, JobKind::Move, false)
            }
            InputPurpose::Mkdir { side } => self.mkdir(side, &text),
            InputPurpose::SelectGlob { side, select } => self.select_glob(side, &text, select),
            InputPurpose::QuickCd { side } => self.quick_cd(side, &text),
            InputPurpose::ConflictRename { job, apply_to_all } => check_name(text.trim())
                .map(|()| {
                    vec![Cmd::AnswerConflict {
                        id: job,
                        answer: ConflictAnswer::Rename(text.trim().to_owned()),
                        apply_to_all,
                    }]
                })
                .map_err(Problem::from),
        };
        result.unwrap_or_else(|e| {
            self.layers
                .push_dialog(Dialog::error("Error", vec![e.user_message()]));
            Vec::new()
        })
    }

    /// Where a typed target points: an absolute path is on the other pane's backend, a
    /// relative one is below this pane's folder.
    fn resolve(&self, side: Side, text: &str) -> Result<(VfsHandle, VPath), Problem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Problem::NoTarget);
        }
        if text.starts_with('/') {
            let other = self.pane(side.other());
            let p = VPath::parse(text).map_err(Problem::from)?;
            Ok((other.vfs.clone(), p))
        } else {
            let pane = self.pane(side);
            let p = pane.cwd.join_rel(text).map_err(Problem::from)?;
            Ok((pane.vfs.clone(), p))
        }
    }

    /// True when a pane shows `path` as a folder (its cwd, or a folder entry in it).
    fn known_folder(&self, vfs: &VfsHandle, path: &VPath) -> bool {
        self.panes_on(vfs).any(|p| {
            p.cwd == *path
                || (p.cwd == path.parent()
                    && p.entries()
                        .iter()
                        .any(|e| e.is_dir() && e.name == path.name()))
        })
    }

    /// Whether a pane shows the folder `path` would be in, so what is there (or that
    /// nothing is) is known without asking.
    fn known_place(&self, vfs: &VfsHandle, path: &VPath) -> bool {
        self.panes_on(vfs).any(|p| p.cwd == path.parent())
    }

    /// The panes showing a folder of `vfs` (the same path on another machine says
    /// nothing about it).
    fn panes_on<'a>(&'a self, vfs: &'a VfsHandle) -> impl Iterator<Item = &'a super::pane::Pane> {
        self.panes
            .iter()
            .filter(move |p| std::sync::Arc::ptr_eq(&p.vfs, vfs))
    }

    /// Starts the copy or move of `sources` to the typed `text`; first asks, Enter
    /// meaning No, when it is in the way of a running job (`JobList::in_the_way_of`)
    /// unless the user said yes to that already (`warned`).
    fn transfer(
        &mut self,
        side: Side,
        sources: Vec<VPath>,
        text: &str,
        kind: JobKind,
        warned: bool,
    ) -> Result<Vec<Cmd>, Problem> {
        let (dst_vfs, target) = self.resolve(side, text)?;
        let into_folder =
            sources.len() > 1 || text.trim().ends_with('/') || self.known_folder(&dst_vfs, &target);
        // A path neither pane shows may be a folder: the runtime asks before the job
        // starts (the UI never waits on I/O).
        let ask_target = !into_folder && !target.is_root() && !self.known_place(&dst_vfs, &target);
        let (dst_dir, rename_to) = if into_folder || target.is_root() {
            (target.clone(), None)
        } else {
            (target.parent(), Some(target.name().to_owned()))
        };
        let src = self.pane(side).vfs.clone();
        let same_backend = std::sync::Arc::ptr_eq(&src, &dst_vfs);
        for s in &sources {
            if same_backend && dst_dir.starts_with(s) {
                return Err(Problem::IntoItself(s.clone()));
            }
            let same_place =
                dst_dir == s.parent() && rename_to.as_deref().is_none_or(|n| n == s.name());
            if same_backend && same_place {
                return Err(Problem::AlreadyThere(s.clone()));
            }
        }
        let verb = if kind == JobKind::Copy {
            "Copy"
        } else {
            "Move"
        };
        let title = format!("{verb} {} to {}", describe(&sources), target);
        let spec = JobSpec {
            kind,
            src,
            sources: sources.clone(),
            dst: Some((dst_vfs, dst_dir.clone())),
            rename_to: rename_to.clone(),
            conflict: ConflictPolicy::Ask,
        };
        let busy = self.jobs.in_the_way_of(&spec);
        if !warned && !busy.is_empty() {
            let mut lines = vec![format!("{title}?")];
            lines.extend(busy.iter().map(|t| still_in_use(t)));
            self.layers.push_dialog(Dialog::Confirm {
                title: if kind == JobKind::Copy {
                    "Copy"
                } else {
                    "Move / rename"
                }
                .into(),
                lines,
                action: Confirmed::Transfer {
                    side,
                    sources,
                    text: text.to_owned(),
                    kind,
                },
                yes_focused: false,
            });
            return Ok(Vec::new());
        }
        self.pane_mut(side).selected.clear();
        if kind == JobKind::Move && same_backend {
            self.note_rename_in_place(side, &sources, &dst_dir, rename_to.as_deref());
        }
        Ok(vec![if ask_target {
            Cmd::StartJobAskingTarget { spec, title }
        } else {
            Cmd::StartJob { spec, title }
        }])
    }

    /// A move of one entry to a new name in its own folder is a rename: the pane's
    /// cursor follows it once the folder is listed again.
    fn note_rename_in_place(
        &mut self,
        side: Side,
        sources: &[VPath],
        dst_dir: &VPath,
        rename_to: Option<&str>,
    ) {
        if let ([one], Some(to)) = (sources, rename_to)
            && one.parent() == *dst_dir
        {
            self.pane_mut(side).renaming = Some((one.name().to_owned(), to.to_owned()));
        }
    }

    fn mkdir(&mut self, side: Side, text: &str) -> Result<Vec<Cmd>, Problem> {
        let pane = self.pane(side);
        let path = new_folder_path(&pane.cwd, text)?;
        Ok(vec![Cmd::Mkdir {
            side,
            vfs: pane.vfs.clone(),
            base: pane.cwd.clone(),
            path,
        }])
    }

    fn select_glob(&mut self, side: Side, text: &str, select: bool) -> Result<Vec<Cmd>, Problem> {
        let glob = globset::GlobBuilder::new(text.trim())
            .case_insensitive(true)
            .literal_separator(true)
            .build()
            .map_err(|e| Problem::BadPattern(e.to_string()))?
            .compile_matcher();
        let n = self.pane_mut(side).select_matching(&glob, select);
        let verb = if select { "Selected" } else { "Unselected" };
        let what = crate::plural::count(n as u64, "entry", "entries");
        self.set_status(format!("{verb} {what}"), false);
        Ok(Vec::new())
    }
}

/// The folder F7 makes from what was typed: `name`, `a/b` (the folders between are made
/// too) or an absolute path below the pane's folder `cwd`. `..` is refused, as is a
/// path elsewhere: F7 makes folders below the folder shown.
fn new_folder_path(cwd: &VPath, text: &str) -> Result<VPath, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::NoName);
    }
    if text.split('/').any(|c| c == "..") {
        return Err(Problem::UpInNewFolder);
    }
    let path = if text.starts_with('/') {
        VPath::parse(text)?
    } else {
        text.split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .try_fold(cwd.clone(), |p, c| p.join(c))?
    };
    if path == *cwd || !path.starts_with(cwd) {
        return Err(Problem::NotBelow {
            path,
            folder: cwd.clone(),
        });
    }
    Ok(path)
}

/// Longest name a dialog's question shows (the middle of a longer one is cut).
const NAME_MAX: usize = 60;

/// `"notes.txt"` or `"12 items"`, for dialog text.
fn describe(paths: &[VPath]) -> String {
    match paths {
        [one] => format!("\"{}\"", shorten(&escape(one.name()), NAME_MAX)),
        many => format!("{} items", many.len()),
    }
}

/// The viewer's read as the app's effect.
pub(super) fn read_cmd(r: ReadRequest) -> Cmd {
    Cmd::ReadFile {
        req: r.req,
        vfs: r.vfs,
        path: r.path,
        offset: r.offset,
        len: r.len,
    }
}

impl App {
    /// Runs again what did not finish in failed job `job` (`r` in its failure dialog
    /// or the jobs panel); a job with nothing to retry says so.
    pub(super) fn retry_job(&mut self, job: crate::jobs::JobId) -> Vec<Cmd> {
        match self.jobs.take_retry(job) {
            true => vec![Cmd::RetryJob(job)],
            false => {
                self.set_status("Nothing of that job can be retried".to_owned(), true);
                Vec::new()
            }
        }
    }

    /// A scrollable list of each failed item of `job` and why (`d`).
    pub(super) fn show_job_details(&mut self, job: crate::jobs::JobId) {
        let Some(failed) = self.jobs.failed_job(job) else {
            return;
        };
        let lines = failed
            .failures
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    crate::names::escape(&f.path),
                    crate::names::escape(&f.message)
                )
            })
            .collect();
        let retry = if failed.retryable { ", r: retry" } else { "" };
        let title = format!(
            "{}: {} failed (↑/↓ PgUp/PgDn scroll{retry}, Esc close)",
            failed.title,
            crate::plural::count(failed.failures.len() as u64, "item", "items")
        );
        let retry_job = failed.retryable.then_some(job);
        self.layers.push_dialog(Dialog::Details {
            title,
            lines,
            scroll: 0,
            retry_job,
        });
    }
}

impl App {
    /// Alt-.: hidden files shown or hidden in both panes, and the status line says which.
    fn toggle_hidden(&mut self) {
        for pane in &mut self.panes {
            pane.show_hidden = !pane.show_hidden;
            pane.rebuild_view();
        }
        let text = if self.pane(self.active).show_hidden {
            "hidden files shown"
        } else {
            "hidden files hidden"
        };
        self.set_status(text, false);
    }

    /// Alt-M: the recent status messages, newest first, each whole (wrapped).
    fn show_messages(&mut self) {
        let mut lines: Vec<String> = self
            .messages
            .newest_first()
            .map(|s| {
                let mark = if s.error { "! " } else { "  " };
                format!("{mark}{}", s.text)
            })
            .collect();
        if lines.is_empty() {
            lines.push("No messages yet.".to_owned());
        }
        self.layers.push_dialog(Dialog::Details {
            title: "Messages, newest first (↑/↓ PgUp/PgDn scroll, Esc close)".to_owned(),
            lines,
            scroll: 0,
            retry_job: None,
        });
    }
}

/// The line a confirmation gets for each running job the operation would disturb.
fn still_in_use(title: &str) -> String {
    format!("Still in use by the job \"{title}\"!")
}
