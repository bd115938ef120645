//! `nascmd ls TARGET [--long] [--json]`.

use std::io::Write;

use clap::Args;
use futures_util::StreamExt;

use crate::names::escape;
use crate::services::connect::Opener;
use crate::vfs::{Entry, EntryKind};

pub const EXAMPLES: &str = "\
Examples:
  nascmd ls nas:/Public
  nascmd ls -l qnap://admin@192.168.1.10:8080/Multimedia/Photos
  nascmd ls --json box:/Disque\\ dur | jq '.[].name'
  nascmd ls ./local/folder";

#[derive(Args, Debug)]
pub struct LsArgs {
    /// REMOTE:PATH, a qnap:// or freebox:// URL, or a local path.
    #[arg(value_parser = super::path_arg())]
    pub target: String,
    /// One line per item: kind, size in bytes, modification time (UTC), name.
    #[arg(short, long)]
    pub long: bool,
    /// A JSON array of {name, kind, size, mtime, mode, readonly}; names unescaped. A name
    /// that is not UTF-8 has U+FFFD for its odd bytes in `name`, and all its bytes in
    /// `name_base64`.
    #[arg(long, conflicts_with = "long")]
    pub json: bool,
    /// Also show names starting with a dot.
    #[arg(short, long)]
    pub all: bool,
}

pub async fn run(opener: &mut Opener, args: LsArgs) -> anyhow::Result<u8> {
    let (vfs, path) = super::open(opener, &args.target).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // A file is shown as itself, like ls does. The root of a NAS lists its shares.
    if !path.is_root() {
        let entry = crate::jobs::retry_interactive(|| vfs.stat(&path)).await?;
        if !entry.is_dir() {
            print_entries(&mut out, &args, &[entry])?;
            out.flush()?;
            return Ok(crate::cli::exit::OK);
        }
    }
    let mut pages = crate::jobs::list_retrying(
        vfs.clone(),
        path.clone(),
        crate::jobs::RetryPolicy::INTERACTIVE,
        tokio_util::sync::CancellationToken::new(),
    )
    .await?;
    // Sorted output is what scripts and people expect; listings are lean enough to hold.
    let mut all: Vec<Entry> = Vec::new();
    let cutoff = crate::jobs::stale::abandoned_before();
    let mut abandoned = false;
    while let Some(page) = pages.next().await {
        let page = page?;
        abandoned |= page
            .iter()
            .any(|e| crate::jobs::stale::looks_abandoned(e, cutoff));
        all.extend(page.into_iter().filter(|e| args.all || !e.is_hidden()));
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    print_entries(&mut out, &args, &all)?;
    out.flush()?;
    // Temporaries of ours left for a day that no journal owns are removed, and said.
    if abandoned {
        let journal = Some(crate::jobs::journal::Journal::of_user());
        match crate::jobs::stale::sweep_listed(vfs.as_ref(), &path, journal).await {
            Ok(swept) if !swept.names.is_empty() => eprintln!(
                "nascmd: {}",
                crate::jobs::stale::describe(&path, swept.names.len(), swept.bytes)
            ),
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "no sweep of stale temporaries"),
        }
    }
    // Entries the listing refused are named on stderr, never dropped in silence.
    if let Some(log) = vfs.features().skipped_names {
        for name in log.take_skipped(&path) {
            eprintln!("nascmd: skipped {name}: not a usable file name");
        }
    }
    Ok(crate::cli::exit::OK)
}

fn print_entries(out: &mut impl Write, args: &LsArgs, entries: &[Entry]) -> anyhow::Result<()> {
    if args.json {
        let items: Vec<_> = entries.iter().map(entry_json).collect();
        crate::cli::json::write_line(out, &items)?;
        return Ok(());
    }
    for e in entries {
        if args.long {
            writeln!(
                out,
                "{} {:>14} {} {}",
                kind_char(e),
                e.size,
                mtime_text(e.mtime),
                escape(&e.name)
            )?;
        } else {
            writeln!(out, "{}", escape(&e.name))?;
        }
    }
    Ok(())
}

pub fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::File => "file",
        EntryKind::Dir => "dir",
        EntryKind::Symlink => "symlink",
        EntryKind::Special => "special",
    }
}

fn kind_char(e: &Entry) -> char {
    match e.kind {
        EntryKind::Dir => 'd',
        EntryKind::Symlink => 'l',
        EntryKind::Special => 's',
        EntryKind::File => '-',
    }
}

/// One entry for `--json`. JSON strings are Unicode, so a name whose bytes are not UTF-8
/// ([`crate::undecodable`]) is written lossily in `name` (every parser reads it) and
/// exactly in `name_base64` (a script that needs the file by its bytes has them).
pub fn entry_json(e: &Entry) -> serde_json::Value {
    let mut v = serde_json::json!({
        "name": crate::undecodable::lossy(&e.name),
        "kind": kind_name(e.kind),
        "size": e.size,
        "mtime": e.mtime,
        "mode": e.mode,
        "readonly": e.readonly,
    });
    if crate::undecodable::holds_raw_bytes(&e.name) {
        use base64::Engine;
        let bytes = crate::undecodable::to_bytes(&e.name);
        v["name_base64"] = base64::engine::general_purpose::STANDARD
            .encode(bytes)
            .into();
    }
    v
}

/// `2026-11-23T05:37:00Z`, or dashes when unknown.
pub fn mtime_text(mtime: Option<i64>) -> String {
    match mtime.and_then(|m| u64::try_from(m).ok()) {
        Some(secs) => humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs),
        )
        .to_string(),
        None => "-".repeat(20),
    }
}
