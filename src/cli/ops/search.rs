//! `nascmd search TARGET PATTERN`: hits are printed as they arrive, one path per line
//! (or one JSON object per line with `--json`).

use std::io::Write;

use clap::Args;
use futures_util::StreamExt;

use crate::remotes::Opener;
use crate::vfs::{Entry, SearchHit, VPath, VfsError, VfsHandle};

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

/// Folders listed at once when walking a tree (backends without server search).
const WALK_PARALLEL: usize = 8;
/// Deepest folder level a walk goes to.
const MAX_DEPTH: usize = 64;

pub async fn run(opener: &mut Opener, a: SearchArgs) -> anyhow::Result<u8> {
    let (vfs, dir) = super::open(opener, &a.target).await?;
    if !dir.is_root() && !vfs.stat(&dir).await?.is_dir() {
        anyhow::bail!("{dir} is not a folder");
    }
    let mut hits = if vfs.capabilities().server_search {
        vfs.search(&dir, &a.pattern).await?
    } else {
        walk_search(vfs.clone(), dir, &a.pattern)?
    };
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
        serde_json::to_writer(&mut *out, &v)?;
        writeln!(out)?;
    } else {
        // VPath's Display escapes control characters.
        writeln!(out, "{}", h.path)?;
    }
    Ok(())
}

/// What names match: a glob when the pattern has glob characters, else a substring;
/// both case-insensitive.
pub struct NameMatcher {
    glob: Option<globset::GlobMatcher>,
    needle: String,
}

impl NameMatcher {
    pub fn new(pattern: &str) -> Result<Self, VfsError> {
        let glob = if pattern.contains(['*', '?', '[']) {
            let g = globset::GlobBuilder::new(pattern)
                .case_insensitive(true)
                .literal_separator(true)
                .build()
                .map_err(|e| VfsError::InvalidName(format!("pattern {pattern:?}: {e}")))?;
            Some(g.compile_matcher())
        } else {
            None
        };
        Ok(NameMatcher {
            glob,
            needle: pattern.to_lowercase(),
        })
    }

    pub fn matches(&self, name: &str) -> bool {
        match &self.glob {
            Some(g) => g.is_match(name),
            None => name.to_lowercase().contains(&self.needle),
        }
    }
}

/// Walks the tree below `dir`, listing up to [`WALK_PARALLEL`] folders at once, and
/// streams the matching entries. Unreadable folders are reported as errors in the
/// stream; the walk goes on.
fn walk_search(
    vfs: VfsHandle,
    dir: VPath,
    pattern: &str,
) -> Result<crate::vfs::SearchStream, VfsError> {
    let matcher = std::sync::Arc::new(NameMatcher::new(pattern)?);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<SearchHit, VfsError>>(256);
    tokio::spawn(async move {
        let mut frontier = vec![dir];
        // Links to folders are listed as folders: a depth cap ends a link cycle.
        for _depth in 0..MAX_DEPTH {
            if frontier.is_empty() {
                break;
            }
            let batch: Vec<VPath> = std::mem::take(&mut frontier);
            let results = futures_util::stream::iter(batch)
                .map(|d| {
                    let vfs = vfs.clone();
                    async move {
                        let entries = list_all(&vfs, &d).await;
                        (d, entries)
                    }
                })
                .buffer_unordered(WALK_PARALLEL)
                .collect::<Vec<_>>()
                .await;
            for (d, entries) in results {
                let entries = match entries {
                    Ok(e) => e,
                    Err(e) => {
                        if tx.send(Err(e)).await.is_err() {
                            return;
                        }
                        continue;
                    }
                };
                for entry in entries {
                    // A hostile name is skipped, never joined.
                    let Ok(path) = d.join(&entry.name) else {
                        continue;
                    };
                    if entry.is_dir() {
                        frontier.push(path.clone());
                    }
                    if matcher.matches(&entry.name)
                        && tx.send(Ok(SearchHit { path, entry })).await.is_err()
                    {
                        return;
                    }
                }
            }
        }
    });
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|v| (v, rx)) });
    Ok(stream.boxed())
}

async fn list_all(vfs: &VfsHandle, dir: &VPath) -> Result<Vec<Entry>, VfsError> {
    let mut pages = vfs.list(dir).await?;
    let mut all = Vec::new();
    while let Some(p) = pages.next().await {
        all.extend(p?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_and_glob_ignore_case() {
        let m = NameMatcher::new("cat").unwrap();
        assert!(m.matches("Black CAT.jpg"));
        assert!(!m.matches("dog.jpg"));
        let g = NameMatcher::new("*.JPG").unwrap();
        assert!(g.matches("cat.jpg"));
        assert!(!g.matches("cat.jpeg"));
    }
}
