//! Bench driver: copies with the job engine, for `benches/local_copy.sh` to time next to
//! `cp`. Usage: `local_copy SRC DST_DIR` — copies SRC (a file or a folder) into DST_DIR
//! with the engine's default options and prints the seconds taken and the report.

use std::sync::Arc;
use std::time::Instant;

use nascmd::jobs::{ConflictPolicy, EngineOptions, JobEngine, JobEvent, JobKind, JobSpec};
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; the measuring is done by benches/local_copy.sh.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.is_empty() {
        println!("run benches/local_copy.sh to measure (this is its copy driver)");
        return Ok(());
    }
    let [src, dst] = args.as_slice() else {
        anyhow::bail!("usage: local_copy SRC DST_DIR");
    };
    let src = VPath::parse(&std::fs::canonicalize(src)?.to_string_lossy())?;
    let dst = VPath::parse(&std::fs::canonicalize(dst)?.to_string_lossy())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let fs: VfsHandle = Arc::new(LocalFs::new());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        // NASCMD_BENCH_WORKERS tries other worker counts (default: the engine's).
        let mut opts = EngineOptions::default();
        if let Some(w) = std::env::var("NASCMD_BENCH_WORKERS")
            .ok()
            .and_then(|w| w.parse().ok())
        {
            opts.workers = w;
        }
        let engine = JobEngine::with_options(tx, opts);
        let started = Instant::now();
        engine.start(JobSpec {
            kind: JobKind::Copy,
            src: fs.clone(),
            sources: vec![src],
            dst: Some((fs, dst)),
            rename_to: None,
            conflict: ConflictPolicy::Overwrite,
        });
        while let Some(ev) = rx.recv().await {
            if let JobEvent::Finished { report, .. } = ev {
                let secs = started.elapsed().as_secs_f64();
                println!(
                    "seconds={secs:.4} items={} bytes={} failed={}",
                    report.items_done,
                    report.bytes_done,
                    report.failed.len()
                );
                if !report.failed.is_empty() {
                    anyhow::bail!(
                        "{} items failed: {:?}",
                        report.failed.len(),
                        report.failed.first()
                    );
                }
                return Ok(());
            }
        }
        anyhow::bail!("the engine stopped without a report")
    })
}
