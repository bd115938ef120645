//! Logs go to `<state dir>/nascmd.log` (never the terminal, which the UI owns).

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Log lines waiting for the writer thread.
const LOG_QUEUE_LINES: usize = 4096;

/// Starts logging to `dir/nascmd.log`; keep the guard alive until exit so the last
/// lines are written. Level from `NASCMD_LOG` (default `info`).
pub fn init(dir: &Path) -> std::io::Result<WorkerGuard> {
    std::fs::create_dir_all(dir)?;
    let appender = tracing_appender::rolling::never(dir, "nascmd.log");
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
