//! `nascmd sync SRC DST`: compare two folders from their listings, print the plan, and
//! run it through the job engine unless `--dry-run` (`services::sync` does the work).
//! The run is journaled like `get`/`put`: the same command after a kill or a failure
//! takes up the journal's entry (its verified copies are not sent again; `--no-resume`
//! drops it and starts over).

use std::collections::HashSet;
use std::io::Write;
use std::time::Instant;

use clap::Args;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::jobrun;
use crate::jobs::journal::{JobPlaces, Journal};
use crate::jobs::{EngineOptions, ItemError};
use crate::services::connect::Opener;
use crate::services::sync::{
    Action, ActionKind, CompareOptions, Direction, End, Ends, Filter, Plan, SyncJobs, compare_trees,
};

pub const EXAMPLES: &str = "\
Examples:
  nascmd sync --dry-run ./photos nas:/Public/photos     # what would move
  nascmd sync --delete --exclude '*.tmp' ./site nas:/Web  # a mirror
  nascmd sync --both ~/notes box:/Disque\\ dur/notes      # each side gets the newer
  nascmd sync --json --dry-run nas:/Public ./backup | jq .";

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// The folder whose content is copied (local path, REMOTE:DIR or URL).
    #[arg(value_name = "SRC", value_parser = super::path_arg())]
    pub src: String,
    /// The folder made like it (made if missing).
    #[arg(value_name = "DST", value_parser = super::path_arg())]
    pub dst: String,
    /// Print the plan, change nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Also delete in DST what SRC does not have (excluded paths are kept).
    #[arg(long, conflicts_with = "both")]
    pub delete: bool,
    /// Both ways: each side gets what it lacks, and of two different files the newer
    /// one wins (nothing is deleted; files of one size and time on both sides count as
    /// equal, two different files without a newer one are conflicts, left alone).
    #[arg(long)]
    pub both: bool,
    /// Leave out matching paths (a glob; without `/` it matches a name at any depth).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Sync only files matching one of these globs.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Compare files of one size by sha256 where both ends compute one (local disk,
    /// Freebox): one request per such file.
    #[arg(long)]
    pub checksum: bool,
    /// Modification times this many seconds apart count as equal.
    #[arg(long, value_name = "SECS", default_value_t = 2)]
    pub tolerance: i64,
    /// The plan as JSON lines: one object per action.
    #[arg(long)]
    pub json: bool,
    /// Files transferred in parallel [default: 8]
    #[arg(short = 'j', long, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// No plan listing, no progress and no summary; only errors on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// How long a file keeps being retried while the NAS is unreachable.
    #[arg(long, value_name = "DURATION", value_parser = crate::config::parse_duration)]
    pub retry_for: Option<std::time::Duration>,
    /// How each file is checked before it takes its name (size or hash).
    #[arg(long, value_enum, value_name = "size|hash")]
    pub verify: Option<crate::jobs::Verify>,
    /// Start over instead of continuing what an interrupted earlier run of the same
    /// sync left: its journal entry is dropped.
    #[arg(long)]
    pub no_resume: bool,
}

/// One action as `--json` prints it.
#[derive(Serialize)]
struct JsonAction<'a> {
    action: ActionKind,
    path: &'a str,
    /// "src" or "dst": copied from (copy, replace), deleted on (delete).
    side: &'static str,
    dir: bool,
    size: u64,
}

pub async fn run(
    opener: &mut Opener,
    a: SyncArgs,
    interrupts: &jobrun::Interrupts,
) -> anyhow::Result<u8> {
    let started = Instant::now();
    let src_t = opener.parse(&a.src).map_err(super::remote_error)?;
    let dst_t = opener.parse(&a.dst).map_err(super::remote_error)?;
    if src_t.backend_key() == dst_t.backend_key()
        && (src_t.path().starts_with(dst_t.path()) || dst_t.path().starts_with(src_t.path()))
    {
        anyhow::bail!("{} and {} are the same or nested", a.src, a.dst);
    }
    let (src_vfs, src_dir) = super::open(opener, &a.src).await?;
    let (dst_vfs, dst_dir) = super::open(opener, &a.dst).await?;
    let filter = Filter::new(&a.exclude, &a.include)?;
    let ends = Ends {
        a: (src_vfs, src_dir),
        b: (dst_vfs, dst_dir),
    };
    let opts = CompareOptions {
        tolerance_secs: a.tolerance.max(0),
        checksum: a.checksum,
        filter,
        listed: None,
    };
    // A Ctrl-C meanwhile ends the command (`jobrun::Interrupts::before_jobs`).
    let cmp = compare_trees(&ends, &opts, &CancellationToken::new()).await?;
    let direction = if a.both {
        Direction::Both
    } else {
        Direction::AToB
    };
    let plan = Plan::make(&cmp, direction, a.delete);
    print_plan(&plan, &a)?;
    let places = JobPlaces {
        src: super::transfer::place_of(&a.src, &src_t),
        dst: super::transfer::place_of(&a.dst, &dst_t),
    };
    let header = SyncJobs::journal_header(&places, &ends, &plan);
    let journal = Journal::of_user();
    if a.dry_run {
        return Ok(conflicts_code(&plan, a.dry_run));
    }
    if plan.in_sync() {
        // What an interrupted run left is done now.
        for settled in SyncJobs::settled_headers(&places, &ends, direction, plan.delete) {
            journal.forget(&settled);
        }
        return Ok(conflicts_code(&plan, a.dry_run));
    }
    let engine_opts = EngineOptions {
        retry: jobrun::retry_policy(a.retry_for, opener.config()),
        verify: a.verify.unwrap_or(opener.config().jobs.verify),
        ..match a.jobs {
            Some(n) => EngineOptions {
                workers: usize::from(n),
                adapt_to_link: false,
                ..EngineOptions::default()
            },
            None => EngineOptions::default(),
        }
    };
    let title = SyncJobs::title(&plan, &ends);
    let jobs = SyncJobs::of(&plan, &ends)?;
    let mut runner = jobrun::Runner::new(a.quiet, engine_opts, interrupts);
    let engine = runner.engine();
    engine.set_resume(!a.no_resume);
    engine.set_journal(journal.clone());
    if !a.no_resume
        && !a.quiet
        && let Some(entry) = journal.find(&header)
    {
        eprintln!("nascmd: {}", entry.resuming_line());
    }
    let id = jobs.start_journaled(engine, title, &header);
    let mut totals = runner.wait(HashSet::from([id])).await;
    totals.no_resume = a.no_resume;
    // Left alone on purpose, but not done: said like a failed item.
    for c in plan
        .actions
        .iter()
        .filter(|c| c.kind == ActionKind::Conflict)
    {
        totals.failed.push(ItemError {
            path: c.rel.clone(),
            message: "conflict: changed on both sides (left alone)".to_owned(),
        });
    }
    Ok(jobrun::report(&totals, a.quiet, "synced", started))
}

/// Conflicts are items left undone: a partial result when a plan has nothing else.
fn conflicts_code(plan: &Plan, dry_run: bool) -> u8 {
    if dry_run || plan.totals().conflict == 0 {
        crate::cli::exit::OK
    } else {
        crate::cli::exit::PARTIAL
    }
}

fn print_plan(plan: &Plan, a: &SyncArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if a.json {
        for action in &plan.actions {
            crate::cli::json::write_line(
                &mut out,
                &JsonAction {
                    action: action.kind,
                    path: &action.rel,
                    side: side_name(action.from),
                    dir: action.is_dir,
                    size: action.size,
                },
            )?;
        }
        return Ok(());
    }
    if a.quiet {
        return Ok(());
    }
    for action in &plan.actions {
        writeln!(out, "{}", line(action, plan.direction))?;
    }
    let totals = plan.totals();
    if plan.in_sync() && totals.conflict == 0 {
        writeln!(out, "Already in sync")?;
    } else {
        writeln!(out, "{}", totals.describe())?;
    }
    Ok(())
}

/// "copy     photos/a.jpg  (12 KiB)"; both ways, an arrow says which way it goes.
fn line(action: &Action, direction: Direction) -> String {
    let verb = match action.kind {
        ActionKind::Copy => "copy",
        ActionKind::Replace => "replace",
        ActionKind::Delete => "delete",
        ActionKind::Conflict => "conflict",
    };
    let arrow = match (direction, action.kind) {
        (Direction::Both, ActionKind::Copy | ActionKind::Replace) => match action.from {
            End::A => "→ ",
            End::B => "← ",
        },
        _ => "",
    };
    let slash = if action.is_dir { "/" } else { "" };
    let size = match action.kind {
        ActionKind::Conflict => String::new(),
        _ => format!(
            "  ({})",
            humansize::format_size(action.size, humansize::BINARY)
        ),
    };
    format!(
        "{verb:<9}{arrow}{}{slash}{size}",
        crate::names::escape(&action.rel)
    )
}

fn side_name(end: End) -> &'static str {
    match end {
        End::A => "src",
        End::B => "dst",
    }
}
