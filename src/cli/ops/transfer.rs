//! `nascmd get`, `put`, `cp`, `mv`: one code path, checked up front (sources exist,
//! folders only with -r, the destination makes sense), then handed to the job engine.
//!
//! Destination rule, like `cp`: an existing folder receives the sources by their names;
//! with a single source, a path that does not exist yet (or an existing file, for a
//! file) is the new name; with several sources a missing folder is created.

use std::time::Instant;

use clap::Args;

use crate::jobs::journal::JobPlaces;
use crate::jobs::target::{TargetAt, target_at};
use crate::jobs::{ConflictPolicy, EngineOptions, ItemError, JobKind, JobSpec};
use crate::remotes::Target;
use crate::services::connect::Opener;
use crate::vfs::{VPath, VfsError, VfsHandle};

use super::jobrun;

pub const GET_EXAMPLES: &str = "\
Examples:
  nascmd get nas:/Public/report.pdf .
  nascmd get -r nas:/Multimedia/Photos/2024 ~/Pictures/
  NASCMD_PASSWORD=… nascmd get -q qnap://admin@nas:8080/Public/a.iso /tmp/";
pub const PUT_EXAMPLES: &str = "\
Examples:
  nascmd put report.pdf nas:/Public/
  nascmd put -r ./photos nas:/Public/          # then: nascmd share nas:/Public/photos/cat.jpg
  nascmd put -r --newer --jobs 8 ./site box:/Disque\\ dur/site";
pub const CP_EXAMPLES: &str = "\
Examples:
  nascmd cp nas:/Public/a.txt nas:/Backup/
  nascmd cp -r nas:/Public/photos box:/Disque\\ dur/
  nascmd cp -r ./docs ./docs-copy";
pub const MV_EXAMPLES: &str = "\
Examples:
  nascmd mv nas:/Public/old.txt nas:/Public/new.txt
  nascmd mv -r nas:/Public/photos ./archive/   # deleted on the NAS only once verified here";

/// Flags shared by every transfer.
#[derive(Args, Debug, Clone)]
pub struct TransferFlags {
    /// Copy folders with everything in them.
    #[arg(short, long)]
    pub recursive: bool,
    /// Replace files that exist at the target.
    #[arg(long, conflicts_with_all = ["skip", "newer"])]
    pub overwrite: bool,
    /// Leave files that exist at the target alone (not an error).
    #[arg(long, conflicts_with = "newer")]
    pub skip: bool,
    /// Replace a file at the target only when the source is newer.
    #[arg(long)]
    pub newer: bool,
    /// Files transferred in parallel [default: 8, raised up to 64 on a slow link]
    #[arg(short = 'j', long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// No progress and no summary; only errors on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Start over instead of continuing what an interrupted earlier run of the same
    /// command left: its journal entry is dropped, partial downloads are removed.
    #[arg(long)]
    pub no_resume: bool,
    /// How long a file keeps being retried while the NAS is unreachable (5m, 90s,
    /// 1h 30m); default: `[jobs] retry_for` in the config, else 5m.
    #[arg(long, value_name = "DURATION", value_parser = crate::config::parse_duration)]
    pub retry_for: Option<std::time::Duration>,
    /// How each file is checked before it takes its name: by size, or also by the
    /// sha256 both ends compute (local disk, Freebox; a QNAP computes none, so its
    /// files are checked by size). Default: `[jobs] verify` in the config, else size.
    #[arg(long, value_enum, value_name = "size|hash")]
    pub verify: Option<crate::jobs::Verify>,
}

impl TransferFlags {
    fn policy(&self) -> ConflictPolicy {
        if self.overwrite {
            ConflictPolicy::Overwrite
        } else if self.skip {
            ConflictPolicy::Skip
        } else if self.newer {
            ConflictPolicy::NewerOnly
        } else {
            // Reported and skipped by jobrun: nothing is overwritten without a flag.
            ConflictPolicy::Ask
        }
    }

    /// `--jobs N` fixes the files in flight; without it the engine adapts its default
    /// to the link's round trip.
    fn engine_options(&self) -> EngineOptions {
        let default = EngineOptions::default();
        match self.jobs {
            Some(n) => EngineOptions {
                workers: usize::from(n),
                adapt_to_link: false,
                ..default
            },
            None => default,
        }
    }
}

#[derive(Args, Debug)]
pub struct GetArgs {
    /// What to download: REMOTE:PATH or a qnap:// / freebox:// URL.
    #[arg(required = true, value_name = "REMOTE:PATH", value_parser = super::path_arg())]
    pub sources: Vec<String>,
    /// Local folder to download into.
    #[arg(value_name = "LOCAL_DIR", value_parser = super::path_arg())]
    pub dest: String,
    #[command(flatten)]
    pub flags: TransferFlags,
}

#[derive(Args, Debug)]
pub struct PutArgs {
    /// Local files or folders to upload.
    #[arg(required = true, value_name = "LOCAL", value_parser = super::path_arg())]
    pub sources: Vec<String>,
    /// NAS folder to upload into (REMOTE:DIR or a URL).
    #[arg(value_name = "REMOTE:DIR", value_parser = super::path_arg())]
    pub dest: String,
    #[command(flatten)]
    pub flags: TransferFlags,
}

#[derive(Args, Debug)]
pub struct CopyArgs {
    /// Sources: REMOTE:PATH, URL or local paths.
    #[arg(required = true, value_name = "SOURCE", value_parser = super::path_arg())]
    pub sources: Vec<String>,
    /// Target folder, or the new name for a single source.
    #[arg(value_name = "DEST", value_parser = super::path_arg())]
    pub dest: String,
    #[command(flatten)]
    pub flags: TransferFlags,
}

pub async fn get(
    opener: &mut Opener,
    a: GetArgs,
    interrupts: &jobrun::Interrupts,
) -> anyhow::Result<u8> {
    if !opener
        .parse(&a.dest)
        .map_err(super::remote_error)?
        .is_local()
    {
        anyhow::bail!("get downloads into a local folder; to copy between remotes use `nascmd cp`");
    }
    transfer(opener, &a.sources, &a.dest, &a.flags, false, interrupts).await
}

pub async fn put(
    opener: &mut Opener,
    a: PutArgs,
    interrupts: &jobrun::Interrupts,
) -> anyhow::Result<u8> {
    if opener
        .parse(&a.dest)
        .map_err(super::remote_error)?
        .is_local()
    {
        anyhow::bail!(
            "put uploads to a remote (NAME:/dir or a qnap:// / freebox:// URL); \
             {:?} is a local path — to copy locally use `nascmd cp`",
            a.dest
        );
    }
    transfer(opener, &a.sources, &a.dest, &a.flags, false, interrupts).await
}

pub async fn copy(
    opener: &mut Opener,
    a: CopyArgs,
    is_move: bool,
    interrupts: &jobrun::Interrupts,
) -> anyhow::Result<u8> {
    transfer(opener, &a.sources, &a.dest, &a.flags, is_move, interrupts).await
}

/// Sources that live on one backend: one job.
struct Group {
    key: String,
    /// The backend's place name for the journal.
    place: String,
    vfs: VfsHandle,
    paths: Vec<VPath>,
}

async fn transfer(
    opener: &mut Opener,
    sources: &[String],
    dest: &str,
    flags: &TransferFlags,
    is_move: bool,
    interrupts: &jobrun::Interrupts,
) -> anyhow::Result<u8> {
    let started = Instant::now();
    let dest_t = opener.parse(dest).map_err(super::remote_error)?;
    let dst_vfs = opener.backend(&dest_t).await.map_err(super::remote_error)?;

    let mut groups: Vec<Group> = Vec::new();
    let mut failed: Vec<ItemError> = Vec::new();
    let mut not_found: Option<VfsError> = None;
    let mut single_is_file = false;
    for s in sources {
        let t = opener.parse(s).map_err(super::remote_error)?;
        let vfs = opener.backend(&t).await.map_err(super::remote_error)?;
        let path = t.path().clone();
        let entry = match crate::jobs::retry_interactive(|| vfs.stat(&path)).await {
            Ok(e) => e,
            Err(e @ VfsError::NotFound(_)) => {
                failed.push(item_error(s, &e));
                not_found.get_or_insert(e);
                continue;
            }
            Err(e) => {
                failed.push(item_error(s, &e));
                continue;
            }
        };
        if entry.is_dir() && !flags.recursive {
            failed.push(ItemError {
                path: s.clone(),
                message: "is a folder (use -r)".to_owned(),
            });
            continue;
        }
        if t.backend_key() == dest_t.backend_key() {
            // Copying onto itself, or into itself: a move would then delete the only copy.
            let d = dest_t.path();
            if d.starts_with(&path) || *d == path.parent() {
                anyhow::bail!("{s} and its target {dest} are the same or nested");
            }
        }
        single_is_file = !entry.is_dir();
        push_source(&mut groups, s, &t, vfs, path);
    }
    if groups.is_empty() {
        // Nothing can start: a single missing source is "not found" (exit 3).
        if let (Some(e), 1) = (not_found, failed.len()) {
            return Err(anyhow::Error::new(e));
        }
        return Ok(jobrun::report(
            &jobrun::Totals {
                failed,
                ..Default::default()
            },
            flags.quiet,
            "",
            started,
        ));
    }

    let single = sources.len() == 1;
    // A trailing slash means "into that folder", never "under that name".
    let into = dest.ends_with('/');
    let (dst_dir, rename_to) =
        resolve_dest(&dst_vfs, &dest_t, single && !into, single_is_file).await?;
    let kind = if is_move {
        JobKind::Move
    } else {
        JobKind::Copy
    };
    let dst_place = place_of(dest, &dest_t);
    let specs = groups
        .into_iter()
        .map(|g| {
            let places = JobPlaces {
                src: g.place,
                dst: dst_place.clone(),
            };
            let spec = JobSpec {
                kind,
                src: g.vfs,
                sources: g.paths,
                dst: Some((dst_vfs.clone(), dst_dir.clone())),
                rename_to: rename_to.clone(),
                conflict: flags.policy(),
            };
            (spec, Some(places))
        })
        .collect();
    let opts = EngineOptions {
        retry: jobrun::retry_policy(flags.retry_for, opener.config()),
        verify: flags.verify.unwrap_or(opener.config().jobs.verify),
        ..flags.engine_options()
    };
    let mut totals = jobrun::run_jobs(specs, flags.quiet, opts, !flags.no_resume, interrupts).await;
    failed.append(&mut totals.failed);
    totals.failed = failed;
    let verb = if is_move { "moved" } else { "copied" };
    Ok(jobrun::report(&totals, flags.quiet, verb, started))
}

fn push_source(groups: &mut Vec<Group>, typed: &str, t: &Target, vfs: VfsHandle, path: VPath) {
    let key = t.backend_key();
    match groups.iter_mut().find(|g| g.key == key) {
        Some(g) => g.paths.push(path),
        None => groups.push(Group {
            key,
            place: place_of(typed, t),
            vfs,
            paths: vec![path],
        }),
    }
}

/// What the journal calls the backend `t` (typed as `typed`) lives on: `local`, the
/// profile name, or the URL form without its path (never a secret: a URL with a
/// password is refused when parsed).
pub(super) fn place_of(typed: &str, t: &Target) -> String {
    match t {
        Target::Local(_) => crate::jobs::journal::LOCAL.to_owned(),
        Target::Remote { remote, .. } => remote
            .profile
            .clone()
            .or_else(|| crate::jobs::journal::place_of_typed(typed))
            .unwrap_or_else(|| remote.describe()),
    }
}

/// The target folder and, for a single source, the new name (see the module docs).
async fn resolve_dest(
    vfs: &VfsHandle,
    dest: &Target,
    single: bool,
    single_is_file: bool,
) -> anyhow::Result<(VPath, Option<String>)> {
    let path = dest.path();
    match target_at(vfs, path).await? {
        TargetAt::Folder(folder) => Ok((folder, None)),
        TargetAt::Other if single && single_is_file => {
            Ok((path.parent(), Some(path.name().to_owned())))
        }
        TargetAt::Other => anyhow::bail!("{path} is not a folder"),
        TargetAt::Missing => {
            let parent = path.parent();
            let missing = || VfsError::NotFound(parent.to_string());
            match target_at(vfs, &parent).await {
                Ok(TargetAt::Folder(_)) => {}
                Ok(TargetAt::Other) => anyhow::bail!("{parent} is not a folder"),
                Ok(TargetAt::Missing) => {
                    return Err(anyhow::Error::new(missing()).context(parent.to_string()));
                }
                Err(e) => return Err(anyhow::Error::new(e).context(parent.to_string())),
            }
            if single {
                Ok((parent, Some(path.name().to_owned())))
            } else {
                vfs.mkdir(path).await?;
                Ok((path.clone(), None))
            }
        }
    }
}

fn item_error(target: &str, e: &VfsError) -> ItemError {
    ItemError {
        path: crate::names::escape(target).into_owned(),
        message: e.to_string(),
    }
}
