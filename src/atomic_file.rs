//! Replacing a small file (config, trusted certificates) so that it is never seen
//! half-written: the text goes to a temporary file in the same folder, which is synced
//! and renamed over the old one. (The secrets store does the same with mode 0600 and a
//! private folder: `remotes::secrets`.)

use std::io::Write;
use std::path::Path;

/// Writes `text` to `path`, creating the folder when missing.
pub fn replace(path: &Path, text: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
