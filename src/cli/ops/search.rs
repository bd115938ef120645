//! `nascmd search TARGET PATTERN`: hits are printed as they arrive, one path per line
//! (or one JSON object per line with `--json`).

use std::io::Write;

use clap::Args;
use futures_util::StreamExt;

use crate::services::connect::Opener;
use crate::vfs::SearchHit;

pub const EXAMPLES: &str = "\
Examples:
  nascmd search nas:/Public cat            # names containing \"cat\", any case
  nascmd search nas:/Multimedia '*.jpg'
  nascmd search --json box:/Disque\\ dur report | jq -r .path";

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// Folder to search below: REMOTE:PATH, URL or a local path.
    pub target: String,
    /// A case-insensitive part of the name, or a glob (`*.jpg`).
    pub pattern: String,
    /// One JSON object per line: {path, name, kind, size, mtime, ...}.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(opener: &mut Opener, a: SearchArgs) -> anyhow::Result<u8> {
    let (vfs, dir) = super::open(opener, &a.target).await?;
    if !dir.is_root()
        && !crate::jobs::retry_interactive(|| vfs.stat(&dir))
            .await?
            .is_dir()
    {
        anyhow::bail!("{dir} is not a folder");
    }
    let mut hits = crate::services::search::search(&vfs, dir, &a.pattern).await?;
    let mut out = std::io::stdout().lock();
    let mut errors = 0usize;
    while let Some(hit) = hits.next().await {
        match hit {
            Ok(h) => print_hit(&mut out, &h, a.json)?,
            Err(e) => {
                errors += 1;
                eprintln!("nascmd: {e}");
            }
        }
    }
    out.flush()?;
    Ok(if errors == 0 {
        crate::cli::exit::OK
    } else {
        crate::cli::exit::PARTIAL
    })
}

fn print_hit(out: &mut impl Write, h: &SearchHit, json: bool) -> anyhow::Result<()> {
    if json {
        let mut v = super::ls::entry_json(&h.entry);
        v["path"] = serde_json::Value::String(h.path.as_str().to_owned());
        crate::cli::json::write_line(out, &v)?;
    } else {
        // VPath's Display escapes control characters.
        writeln!(out, "{}", h.path)?;
    }
    Ok(())
}
