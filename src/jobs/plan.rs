//! Planning a copy or move: the selection is expanded into a list of steps by walking
//! the source trees with `Vfs::list` (streamed page by page, so a 10 000-file tree
//! keeps reporting `planning` progress), and every conflict with the target is found
//! and resolved here, before a single byte moves.
//!
//! Names from a listing are data: each goes through `VPath::join`, so a name like `..`
//! or `a/b` becomes an item error, never a path outside the target.

use std::collections::{HashMap, VecDeque};

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use super::conflict::{Resolution, Resolver};
use super::ctx::JobCtx;
use super::{ItemError, JobKind};
use crate::vfs::{Entry, EntryKind, ListStream, VPath, VfsError, VfsHandle, VfsResult};

/// Folder depth beyond which the walk stops (a link loop on the local disk).
const MAX_DEPTH: usize = 256;
/// Folders whose listing is started ahead of the one being planned, each in a task of
/// its own, so the backend reads them (on another core, or over other connections to
/// a NAS, where each first page is a round trip) while this one is planned.
const LIST_AHEAD: usize = 4;

/// A listing started ahead; dropped (a cancel) it stops.
type ListingTask = AbortOnDropHandle<VfsResult<ListStream>>;

/// A source folder waiting to be walked, with its listing once started.
struct QueuedDir {
    src: VPath,
    dst: VPath,
    dst_is_new: bool,
    depth: usize,
    listing: Option<ListingTask>,
}

type DirQueue = VecDeque<QueuedDir>;

/// One file (or, for a rename, one whole tree) to transfer.
#[derive(Clone, Debug)]
pub(crate) struct FileStep {
    pub src: VPath,
    pub dst: VPath,
    pub entry: Entry,
    /// Replace an existing target (the conflict was resolved that way).
    pub overwrite: bool,
}

#[derive(Clone, Debug)]
pub(crate) enum Step {
    /// Create a target folder that does not exist yet (its mtime is set to the
    /// source's once its content is in).
    MkDir { dst: VPath, mtime: Option<i64> },
    /// Copy one file (a move deletes the source after the verified copy).
    File(FileStep),
    /// Move within one backend by renaming (a file or a whole folder).
    Rename(FileStep),
    /// Server-side copy/move of whole items into a folder on the same NAS.
    Server { items: Vec<VPath>, dst_dir: VPath },
    /// After a move: remove this source folder if nothing is left in it.
    RemoveDir { src: VPath },
    /// A move whose copy an earlier run verified (the journal says so and the target
    /// agrees): only the source is left to remove.
    RemoveSource(FileStep),
}

#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub steps: Vec<Step>,
    pub failed: Vec<ItemError>,
    pub skipped: u64,
    /// Files an earlier run of the job verified at the target (the journal says so
    /// and the target agrees): done, not sent again.
    pub resumed: u64,
    /// Source entries refused for their names (`JobReport::skipped_names`).
    pub skipped_names: Vec<String>,
    /// Items given a terminal-safe name at the target (`JobReport::renamed`).
    pub renamed: Vec<String>,
}

/// How a job gets its items to the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Copy,
    /// Copy, then delete each source after its copy is verified.
    CopyThenDelete,
    /// Rename within one backend (`cheap_rename`).
    Rename,
}

pub(crate) struct Planner<'a> {
    ctx: &'a JobCtx,
    resolver: &'a mut Resolver,
    mode: Mode,
    /// Names known in each target folder (listed once; our own planned names added).
    targets: HashMap<VPath, HashMap<String, Entry>>,
    /// Source folders walked in a move, in walk order (removed deepest first).
    walked_dirs: Vec<VPath>,
    plan: Plan,
    /// A source's entry the job already read (`jobs::pace` times that `stat`).
    known: Option<(VPath, Entry)>,
}

impl<'a> Planner<'a> {
    pub fn new(ctx: &'a JobCtx, resolver: &'a mut Resolver, mode: Mode) -> Self {
        Planner {
            ctx,
            resolver,
            mode,
            targets: HashMap::new(),
            walked_dirs: Vec::new(),
            plan: Plan::default(),
            known: None,
        }
    }

    /// Plans with a source's entry read just before, instead of asking for it again.
    pub fn knowing(mut self, known: Option<(VPath, Entry)>) -> Self {
        self.known = known;
        self
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Plans all `sources` into `dst_dir`; `rename_to` names the single item at the
    /// target. Only a cancel ends planning early (`Err(Cancelled)`).
    pub async fn plan(
        mut self,
        sources: &[VPath],
        dst_dir: &VPath,
        rename_to: Option<&str>,
        kind: JobKind,
    ) -> VfsResult<Plan> {
        let server = self.server_capable(kind) && rename_to.is_none();
        let mut server_items = Vec::new();
        for src in sources {
            self.check_cancel()?;
            self.ctx.acct.set_current(src.to_string());
            let known = self.known.take_if(|(path, _)| path == src);
            let entry = match known {
                Some((_, entry)) => Ok(entry),
                None => self.stat_source(src).await,
            };
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.fail(src.to_string(), e)?;
                    continue;
                }
            };
            let name = rename_to.unwrap_or(src.name()).to_owned();
            if server && self.server_choice(src, &entry, dst_dir).await {
                self.ctx.acct.add_total(1, entry.size);
                server_items.push(src.clone());
                continue;
            }
            self.plan_entry(src.clone(), entry, dst_dir, false, &name, 0)
                .await?;
        }
        if !server_items.is_empty() {
            self.plan.steps.push(Step::Server {
                items: server_items,
                dst_dir: dst_dir.clone(),
            });
        }
        if self.mode != Mode::Copy {
            for dir in self.walked_dirs.drain(..).rev() {
                self.plan.steps.push(Step::RemoveDir { src: dir });
            }
        }
        Ok(self.plan)
    }

    /// Server-side copy/move applies when both ends are one NAS that offers it.
    fn server_capable(&self, kind: JobKind) -> bool {
        self.ctx.same_backend()
            && self.mode != Mode::Rename
            && kind != JobKind::Delete
            && self.ctx.src.features().server_ops.is_some()
    }

    /// For a server-side transfer: true to hand the item to the server (nothing of
    /// that name at the target); an item that meets an existing one is planned here,
    /// where conflicts are resolved per file.
    async fn server_choice(&mut self, src: &VPath, entry: &Entry, dst_dir: &VPath) -> bool {
        let name = src.name().to_owned();
        if self.existing(dst_dir, false, &name).await.is_some() {
            return false;
        }
        self.reserve(dst_dir, &name, entry);
        true
    }

    /// Plans one item found at `src` to land as `dst_dir/name`; walks folders.
    async fn plan_entry(
        &mut self,
        src: VPath,
        entry: Entry,
        dst_dir: &VPath,
        dst_dir_is_new: bool,
        name: &str,
        depth: usize,
    ) -> VfsResult<()> {
        let mut queue = DirQueue::new();
        self.plan_one(src, entry, dst_dir, dst_dir_is_new, name, depth, &mut queue)
            .await?;
        // Breadth-first: a folder's MkDir step always comes before its children's steps.
        while let Some(mut next) = queue.pop_front() {
            for later in queue.iter_mut().take(LIST_AHEAD) {
                if later.listing.is_none() {
                    let (vfs, dir) = (self.ctx.src.clone(), later.src.clone());
                    let (retry, cancel) = (self.ctx.opts.retry, self.ctx.cancel.clone());
                    let task = tokio::spawn(super::list_retrying(vfs, dir, retry, cancel));
                    later.listing = Some(AbortOnDropHandle::new(task));
                }
            }
            let listing = match next.listing.take() {
                Some(task) => task.await.unwrap_or_else(|e| {
                    Err(VfsError::io(next.src.to_string(), std::io::Error::other(e)))
                }),
                None => {
                    let (vfs, dir) = (self.ctx.src.clone(), next.src.clone());
                    let (retry, cancel) = (self.ctx.opts.retry, self.ctx.cancel.clone());
                    super::list_retrying(vfs, dir, retry, cancel).await
                }
            };
            let target = (&next.dst, next.dst_is_new, next.depth);
            self.walk_dir(listing, &next.src, target, &mut queue)
                .await?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn plan_one(
        &mut self,
        src: VPath,
        entry: Entry,
        dst_dir: &VPath,
        dst_dir_is_new: bool,
        name: &str,
        depth: usize,
        queue: &mut DirQueue,
    ) -> VfsResult<()> {
        let safe_name;
        let name = match self.local_name(&src, name) {
            Ok(std::borrow::Cow::Borrowed(n)) => n,
            Ok(std::borrow::Cow::Owned(n)) => {
                safe_name = n;
                safe_name.as_str()
            }
            Err(e) => return self.fail(src.to_string(), e),
        };
        let dst = match dst_dir.join(name) {
            Ok(d) => d,
            Err(e) => return self.fail(src.to_string(), e),
        };
        let existing = self.existing(dst_dir, dst_dir_is_new, name).await;
        if entry.is_dir() {
            if depth >= MAX_DEPTH {
                return self.fail(src.to_string(), too_deep());
            }
            match existing {
                Some(ex) if ex.is_dir() => {
                    // Merge into the existing folder.
                    self.note_walked(&src);
                    queue.push_back(QueuedDir::new(src, dst, false, depth + 1));
                }
                Some(_) => {
                    return self.fail(
                        src.to_string(),
                        VfsError::AlreadyExists(format!("{dst} (a file of that name exists)")),
                    );
                }
                None if self.mode == Mode::Rename => {
                    self.reserve(dst_dir, name, &entry);
                    self.push_transfer(src, dst, entry, false);
                }
                None => {
                    self.reserve(dst_dir, name, &entry);
                    self.targets.insert(dst.clone(), HashMap::new());
                    self.plan.steps.push(Step::MkDir {
                        dst: dst.clone(),
                        mtime: entry.mtime,
                    });
                    self.note_walked(&src);
                    queue.push_back(QueuedDir::new(src, dst, true, depth + 1));
                }
            }
            return Ok(());
        }
        if self.mode != Mode::Rename {
            let refused = match entry.kind {
                EntryKind::Symlink => Some("a symbolic link"),
                // Reading a FIFO would wait forever for a writer; a device would be
                // read to its end, if it has one.
                EntryKind::Special => Some("a special file (FIFO, socket or device)"),
                EntryKind::File | EntryKind::Dir => None,
            };
            if let Some(what) = refused {
                return self.fail(src.to_string(), VfsError::NotCopied(what));
            }
        }
        match existing {
            None => {
                self.reserve(dst_dir, name, &entry);
                self.push_transfer(src, dst, entry, false);
            }
            Some(ex) if ex.is_dir() => {
                self.fail(
                    src.to_string(),
                    VfsError::AlreadyExists(format!("{dst} (a folder of that name exists)")),
                )?;
            }
            Some(ex) if self.done_earlier(&src, &entry, &ex) => {
                // Its bytes count as done (a resumed job's total and summary are the
                // whole job's, as its item count is), not as moved now.
                self.ctx.acct.add_total(1, entry.size);
                self.ctx.acct.add_found(entry.size);
                if self.mode == Mode::CopyThenDelete {
                    self.plan.steps.push(Step::RemoveSource(FileStep {
                        src,
                        dst,
                        entry,
                        overwrite: false,
                    }));
                } else {
                    self.ctx.acct.item_done();
                    self.plan.resumed += 1;
                }
            }
            Some(ex) => match self.resolve(&dst, &entry, &ex).await? {
                Resolution::Skip => self.plan.skipped += 1,
                Resolution::Overwrite => self.push_transfer(src, dst, entry, true),
                Resolution::WriteAs(new_name) => match dst_dir.join(&new_name) {
                    Ok(renamed) => {
                        self.reserve(dst_dir, &new_name, &entry);
                        self.push_transfer(src, renamed, entry, false);
                    }
                    Err(e) => self.fail(src.to_string(), e)?,
                },
            },
        }
        Ok(())
    }

    /// Plans each child of the source folder `src_dir`, from its `listing`, into
    /// `(target folder, whether it is new, depth)`.
    async fn walk_dir(
        &mut self,
        listing: VfsResult<ListStream>,
        src_dir: &VPath,
        (dst_dir, dst_is_new, depth): (&VPath, bool, usize),
        queue: &mut DirQueue,
    ) -> VfsResult<()> {
        // Planning shows the folder being walked (not each file: 10 000 of them
        // would each pay a formatted path).
        self.ctx.acct.set_current(src_dir.to_string());
        let mut pages = match listing {
            Ok(p) => p,
            Err(e) => {
                // An unreadable folder is not made empty at the target.
                if dst_is_new {
                    self.plan
                        .steps
                        .retain(|s| !matches!(s, Step::MkDir { dst, .. } if dst == dst_dir));
                }
                return self.fail(src_dir.to_string(), e);
            }
        };
        loop {
            let page = tokio::select! {
                p = pages.next() => p,
                _ = self.ctx.cancel.cancelled() => return Err(VfsError::Cancelled),
            };
            let Some(page) = page else { break };
            let page = match page {
                Ok(p) => p,
                Err(e) => return self.fail(src_dir.to_string(), e),
            };
            for child in page {
                let src = match src_dir.join(&child.name) {
                    Ok(p) => p,
                    Err(e) => {
                        self.fail(
                            format!("{src_dir}/{}", crate::names::escape(&child.name)),
                            e,
                        )?;
                        continue;
                    }
                };
                let name = child.name.clone();
                self.plan_one(src, child, dst_dir, dst_is_new, &name, depth, queue)
                    .await?;
            }
        }
        // Entries the listing refused are skipped by name, never dropped in silence.
        if let Some(log) = self.ctx.src.features().skipped_names {
            for name in log.take_skipped(src_dir) {
                self.plan.skipped += 1;
                self.plan
                    .skipped_names
                    .push(format!("{}/{name}", crate::names::escape(src_dir.as_str())));
            }
        }
        Ok(())
    }

    /// Whether an earlier run of this job put `src` at the target already: the journal
    /// marked it verified and the target still holds a file of its size (and mtime,
    /// where the target keeps one).
    fn done_earlier(&self, src: &VPath, entry: &Entry, existing: &Entry) -> bool {
        // A rename leaves no source behind; one still there is not this job's.
        if self.mode == Mode::Rename
            || !self.ctx.was_done(src)
            || existing.is_dir()
            || existing.size != entry.size
        {
            return false;
        }
        let features = self.ctx.dst_vfs().features();
        let keeps_mtime = features.set_mtime.is_some() || features.atomic_upload.is_some();
        !keeps_mtime || entry.mtime.is_none() || existing.mtime == entry.mtime
    }

    /// The name an item from another backend gets at a target whose names other
    /// programs read (`Features::terminal_safe_names`): without characters that act on
    /// a terminal (the change is reported), and refused when longer than a local file
    /// name can be (before any byte is fetched). At a target whose names are text
    /// (`Features::text_names`), bytes that are not UTF-8 become U+FFFD (reported too).
    fn local_name<'n>(
        &mut self,
        src: &VPath,
        name: &'n str,
    ) -> VfsResult<std::borrow::Cow<'n, str>> {
        /// Linux's NAME_MAX, in bytes.
        const NAME_MAX: usize = 255;
        if self.ctx.dst_vfs().features().text_names
            && let std::borrow::Cow::Owned(text) = crate::undecodable::lossy(name)
        {
            self.plan.renamed.push(format!(
                "{} → {} (a name the NAS takes only as text)",
                crate::names::shorten(&crate::names::escape(src.as_str()), 160),
                crate::names::shorten(&crate::names::escape(&text), 80)
            ));
            return Ok(std::borrow::Cow::Owned(text));
        }
        // Names that already were on such a disk (a local copy) are the user's own.
        let from_elsewhere = !self.ctx.same_backend()
            && self.ctx.dst_vfs().features().terminal_safe_names
            && !self.ctx.src.features().terminal_safe_names;
        if !from_elsewhere {
            return Ok(std::borrow::Cow::Borrowed(name));
        }
        if name.len() > NAME_MAX {
            return Err(VfsError::InvalidName(format!(
                "{} is {} bytes long; a local file name holds at most {NAME_MAX}",
                crate::names::shorten(&crate::names::escape(name), 60),
                name.len()
            )));
        }
        let safe = crate::names::terminal_safe_name(name);
        if let std::borrow::Cow::Owned(new) = &safe {
            self.plan.renamed.push(format!(
                "{} → {} (characters that act on a terminal replaced by _)",
                crate::names::shorten(&crate::names::escape(src.as_str()), 160),
                crate::names::shorten(new, 80)
            ));
        }
        Ok(safe)
    }

    fn push_transfer(&mut self, src: VPath, dst: VPath, entry: Entry, overwrite: bool) {
        let bytes = if entry.is_dir() { 0 } else { entry.size };
        self.ctx.acct.add_total(1, bytes);
        let step = FileStep {
            src,
            dst,
            entry,
            overwrite,
        };
        self.plan.steps.push(match self.mode {
            Mode::Rename => Step::Rename(step),
            Mode::Copy | Mode::CopyThenDelete => Step::File(step),
        });
    }

    fn note_walked(&mut self, src: &VPath) {
        if self.mode != Mode::Copy {
            self.walked_dirs.push(src.clone());
        }
    }

    async fn resolve(
        &mut self,
        target: &VPath,
        source: &Entry,
        existing: &Entry,
    ) -> VfsResult<Resolution> {
        let names = self.targets.get(&target.parent());
        let taken = |n: &str| names.is_some_and(|m| m.contains_key(n));
        self.resolver
            .resolve(self.ctx, target, source, existing, &taken)
            .await
    }

    /// What exists as `dir/name` at the target, from a cached listing of `dir`.
    async fn existing(&mut self, dir: &VPath, dir_is_new: bool, name: &str) -> Option<Entry> {
        if !self.targets.contains_key(dir) {
            let known = if dir_is_new {
                HashMap::new()
            } else {
                let (retry, cancel) = (self.ctx.opts.retry, self.ctx.cancel.clone());
                list_names(self.ctx.dst_vfs().clone(), dir.clone(), retry, cancel).await
            };
            self.targets.insert(dir.clone(), known);
        }
        self.targets.get(dir).and_then(|m| m.get(name)).cloned()
    }

    fn reserve(&mut self, dir: &VPath, name: &str, entry: &Entry) {
        self.targets
            .entry(dir.clone())
            .or_default()
            .insert(name.to_owned(), entry.clone());
    }

    async fn stat_source(&self, src: &VPath) -> VfsResult<Entry> {
        let vfs = self.ctx.src.clone();
        self.ctx
            .opts
            .retry
            .run(&self.ctx.cancel, || vfs.stat(src))
            .await
    }

    /// Records an item error; a cancel is passed up instead.
    fn fail(&mut self, path: String, e: VfsError) -> VfsResult<()> {
        if matches!(e, VfsError::Cancelled) {
            return Err(e);
        }
        self.plan.failed.push(ItemError {
            path,
            message: e.to_string(),
        });
        Ok(())
    }

    fn check_cancel(&self) -> VfsResult<()> {
        if self.ctx.cancel.is_cancelled() {
            Err(VfsError::Cancelled)
        } else {
            Ok(())
        }
    }
}

impl QueuedDir {
    fn new(src: VPath, dst: VPath, dst_is_new: bool, depth: usize) -> Self {
        QueuedDir {
            src,
            dst,
            dst_is_new,
            depth,
            listing: None,
        }
    }
}

fn too_deep() -> VfsError {
    VfsError::NotCopied("folders nested more than 256 deep (a link loop?)")
}

/// All names in a target folder; an unreadable or missing folder counts as empty (the
/// write will then report the real error). Transient failures are retried, a later
/// page's too: a conflict on page 3 must not go unseen.
async fn list_names(
    vfs: VfsHandle,
    dir: VPath,
    retry: super::RetryPolicy,
    cancel: CancellationToken,
) -> HashMap<String, Entry> {
    let mut names = HashMap::new();
    let Ok(mut pages) = super::list_retrying(vfs, dir, retry, cancel).await else {
        return names;
    };
    while let Some(Ok(page)) = pages.next().await {
        names.extend(page.into_iter().map(|e| (e.name.clone(), e)));
    }
    names
}

/// Files, folders and bytes below a selection (what the status line and the F3-on-a-
/// folder size show).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Measure {
    pub files: u64,
    pub dirs: u64,
    pub bytes: u64,
}

/// Adds up the sizes below `paths` by walking the trees; unreadable folders are skipped.
/// Stops with `Cancelled` when `cancel` fires.
pub async fn measure(
    vfs: &VfsHandle,
    paths: &[VPath],
    cancel: &CancellationToken,
) -> VfsResult<Measure> {
    let mut m = Measure::default();
    let mut queue: VecDeque<(VPath, usize)> = VecDeque::new();
    let retry = super::RetryPolicy::INTERACTIVE;
    for p in paths {
        let e = retry.run(cancel, || vfs.stat(p)).await?;
        if e.is_dir() {
            m.dirs += 1;
            queue.push_back((p.clone(), 0));
        } else {
            m.files += 1;
            m.bytes += e.size;
        }
    }
    while let Some((dir, depth)) = queue.pop_front() {
        if cancel.is_cancelled() {
            return Err(VfsError::Cancelled);
        }
        let listing = super::list_retrying(vfs.clone(), dir.clone(), retry, cancel.clone());
        let Ok(mut pages) = listing.await else {
            continue;
        };
        while let Some(Ok(page)) = pages.next().await {
            for e in page {
                if e.is_dir() {
                    m.dirs += 1;
                    if depth < MAX_DEPTH
                        && let Ok(child) = dir.join(&e.name)
                    {
                        queue.push_back((child, depth + 1));
                    }
                } else {
                    m.files += 1;
                    m.bytes += e.size;
                }
            }
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::local::LocalFs;
    use std::sync::Arc;

    #[tokio::test]
    async fn measure_adds_up_a_selection() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/one"), [0u8; 100]).unwrap();
        std::fs::write(root.join("a/b/two"), [0u8; 20]).unwrap();
        std::fs::write(root.join("three"), [0u8; 3]).unwrap();
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        let p = |s: &str| VPath::parse(root.join(s).to_str().unwrap()).unwrap();
        let m = measure(&vfs, &[p("a"), p("three")], &CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(
            m,
            Measure {
                files: 3,
                dirs: 2,
                bytes: 123
            }
        );
    }
}
