//! Logs go to `<state dir>/nascmd.log` (never the terminal, which the UI owns).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The log's name in the state folder.
const LOG_FILE: &str = "nascmd.log";

/// Log lines waiting for the writer thread.
const LOG_QUEUE_LINES: usize = 4096;

/// Starts logging to `dir/nascmd.log`; keep the guard alive until exit so the last
/// lines are written. Level from `NASCMD_LOG` (default `info`).
pub fn init(dir: &Path) -> std::io::Result<WorkerGuard> {
    private_dir(dir)?;
    private_log_file(dir)?;
    let appender = tracing_appender::rolling::never(dir, LOG_FILE);
    // The default queue (128 000 lines) is allocated and initialised up front: ~4 MB
    // and ~2 ms before the first frame. A few thousand lines is plenty for a UI (lines
    // beyond it are dropped, never blocking the loop).
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .lossy(true)
        .finish(appender);
    let filter = EnvFilter::try_from_env("NASCMD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    // Already set (tests, a second start): keep the first one.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok(guard)
}

/// Creates nascmd's state folder for its owner only (0700), and tightens one an older
/// version made with the umask's mode: the log, the job state and the pins in it are
/// nobody else's business. Parent folders are made with the usual mode.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        }
        Err(e) => Err(e),
    }
}

/// Makes the log file readable by its owner only (0600), creating it if needed, before
/// the appender opens it for appending (which keeps the mode). Paths, host and user
/// names in it are nobody else's business, whatever the umask says.
fn private_log_file(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let path = dir.join(LOG_FILE);
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&path)?;
    // A log made by an older version may still be 0644.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_log_file_is_private_even_when_it_was_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        std::fs::write(&path, b"old line\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        private_log_file(dir.path()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"old line\n");

        let fresh = tempfile::tempdir().unwrap();
        private_log_file(fresh.path()).unwrap();
        let mode = std::fs::metadata(fresh.path().join(LOG_FILE))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn the_state_folder_is_private_even_when_it_was_not() {
        let root = tempfile::tempdir().unwrap();
        let fresh = root.path().join("a/b/nascmd");
        private_dir(&fresh).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), 0o700);

        let old = root.path().join("old");
        std::fs::create_dir(&old).unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(old.join("keep"), b"x").unwrap();
        private_dir(&old).unwrap();
        assert_eq!(mode(&old), 0o700);
        assert_eq!(std::fs::read(old.join("keep")).unwrap(), b"x");
    }
}
