//! `nascmd rm` (through the job engine) and `nascmd mkdir`.

use std::time::Instant;

use clap::Args;

use crate::jobs::{ConflictPolicy, ItemError, JobKind, JobSpec};
use crate::services::connect::Opener;
use crate::vfs::{VPath, VfsError};

use super::jobrun;

pub const RM_EXAMPLES: &str = "\
Examples:
  nascmd rm nas:/Public/old.iso
  nascmd rm -r nas:/Public/tmp box:/Disque\\ dur/tmp";
pub const MKDIR_EXAMPLES: &str = "\
Examples:
  nascmd mkdir nas:/Public/new
  nascmd mkdir -p nas:/Public/2024/trips/alps";

#[derive(Args, Debug)]
pub struct RmArgs {
    /// What to delete: REMOTE:PATH, URL or local paths.
    #[arg(required = true, value_name = "TARGET", value_parser = super::path_arg())]
    pub targets: Vec<String>,
    /// Delete folders with everything in them.
    #[arg(short, long)]
    pub recursive: bool,
    /// Only errors on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// How long an item keeps being retried while the NAS is unreachable (5m, 90s,
    /// 1h 30m); default: `[jobs] retry_for` in the config, else 5m.
    #[arg(long, value_name = "DURATION", value_parser = crate::config::parse_duration)]
    pub retry_for: Option<std::time::Duration>,
}

#[derive(Args, Debug)]
pub struct MkdirArgs {
    /// Folders to create: REMOTE:PATH, URL or local paths.
    #[arg(required = true, value_name = "TARGET", value_parser = super::path_arg())]
    pub targets: Vec<String>,
    /// Create missing parents too; an existing folder is not an error.
    #[arg(short, long)]
    pub parents: bool,
}

pub async fn rm(
    opener: &mut Opener,
    a: RmArgs,
    interrupts: &jobrun::Interrupts,
) -> anyhow::Result<u8> {
    let started = Instant::now();
    let mut failed = Vec::new();
    let mut specs: Vec<JobSpec> = Vec::new();
    let mut missing: Option<VfsError> = None;
    for t in &a.targets {
        let (vfs, path) = super::open(opener, t).await?;
        if path.is_root() {
            anyhow::bail!("refusing to delete the root of {t}");
        }
        match crate::jobs::retry_interactive(|| vfs.stat(&path)).await {
            Ok(e) if e.is_dir() && !a.recursive => failed.push(ItemError {
                path: t.clone(),
                message: "is a folder (use -r)".to_owned(),
            }),
            Ok(_) => specs.push(JobSpec {
                kind: JobKind::Delete,
                src: vfs,
                sources: vec![path],
                dst: None,
                rename_to: None,
                conflict: ConflictPolicy::Skip,
            }),
            Err(e) => {
                failed.push(ItemError {
                    path: t.clone(),
                    message: e.to_string(),
                });
                if matches!(e, VfsError::NotFound(_)) {
                    missing.get_or_insert(e);
                }
            }
        }
    }
    if specs.is_empty()
        && failed.len() == 1
        && let Some(e) = missing
    {
        return Err(anyhow::Error::new(e));
    }
    let opts = crate::jobs::EngineOptions {
        retry: jobrun::retry_policy(a.retry_for, opener.config()),
        ..crate::jobs::EngineOptions::default()
    };
    let jobs = specs.into_iter().map(|s| (s, None)).collect();
    let mut totals = jobrun::run_jobs(jobs, a.quiet, opts, true, interrupts).await;
    failed.append(&mut totals.failed);
    totals.failed = failed;
    Ok(jobrun::report(&totals, a.quiet, "deleted", started))
}

pub async fn mkdir(opener: &mut Opener, a: MkdirArgs) -> anyhow::Result<u8> {
    for t in &a.targets {
        let (vfs, path) = super::open(opener, t).await?;
        if a.parents {
            let made = crate::jobs::mkdir_parents(
                &vfs,
                &VPath::root(),
                &path,
                crate::jobs::LastFolder::MayExist,
            )
            .await;
            made.outcome?;
        } else {
            crate::jobs::mkdir_interactive(&vfs, &path).await?;
        }
    }
    Ok(crate::cli::exit::OK)
}
