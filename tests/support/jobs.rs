//! Shared helpers of the job-engine tests: an engine with quick retries, running a job
//! to its end, building and reading temp trees.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use nascmd::jobs::{
    ConflictAnswer, ConflictPolicy, EngineOptions, JobEngine, JobEvent, JobKind, JobReport,
    JobSpec, RetryPolicy, TEMP_PREFIX,
};
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
use tokio::sync::mpsc::UnboundedReceiver;

/// A place among the parallel-range downloads of this test process. `jobs::ranged`
/// fetches at most two files in parallel ranges per process and streams any other
/// plainly, and every test of the suite shares one process: a test whose file must take
/// the parallel path, or whose big download would take a place another test needs,
/// holds one of these two places while it runs.
pub async fn parallel_ranges_place() -> tokio::sync::SemaphorePermit<'static> {
    static PLACES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
    PLACES.acquire().await.expect("never closed")
}

pub fn vp(p: &Path) -> VPath {
    VPath::parse(p.to_str().unwrap()).unwrap()
}

pub fn local() -> VfsHandle {
    Arc::new(LocalFs::new())
}

pub fn engine() -> (JobEngine, UnboundedReceiver<JobEvent>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = EngineOptions {
        workers: 4,
        adapt_to_link: false,
        retry: RetryPolicy {
            retries: 3,
            retry_for: Duration::from_secs(60),
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
        ..EngineOptions::default()
    };
    (JobEngine::with_options(tx, opts), rx)
}

/// An engine of `workers` that keeps retrying for a minute, 100 ms to 1 s apart, as a
/// user's does through an outage or a stall.
pub fn patient_engine(workers: usize) -> (JobEngine, UnboundedReceiver<JobEvent>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = EngineOptions {
        workers,
        adapt_to_link: false,
        retry: RetryPolicy {
            retries: u32::MAX,
            retry_for: Duration::from_secs(60),
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        },
        ..EngineOptions::default()
    };
    (JobEngine::with_options(tx, opts), rx)
}

pub fn spec(
    kind: JobKind,
    src: VfsHandle,
    sources: Vec<VPath>,
    dst: Option<(VfsHandle, VPath)>,
) -> JobSpec {
    JobSpec {
        kind,
        src,
        sources,
        dst,
        rename_to: None,
        conflict: ConflictPolicy::Ask,
    }
}

/// Runs a job to its end, answering conflicts with `answer`; returns the report and
/// every event seen.
pub async fn run_with(
    spec: JobSpec,
    mut answer: impl FnMut(&VPath) -> (ConflictAnswer, bool),
) -> (JobReport, Vec<JobEvent>) {
    let (engine, mut rx) = engine();
    let id = engine.start(spec);
    let mut seen = Vec::new();
    let fut = async {
        while let Some(ev) = rx.recv().await {
            seen.push(ev.clone());
            match ev {
                JobEvent::Conflict { id: j, target, .. } if j == id => {
                    let (a, all) = answer(&target);
                    engine.answer_conflict(id, a, all);
                }
                JobEvent::Finished { id: j, report } if j == id => return report,
                _ => {}
            }
        }
        panic!("event channel closed before the job finished");
    };
    let report = tokio::time::timeout(Duration::from_secs(120), fut)
        .await
        .expect("job did not finish in time");
    (report, seen)
}

pub async fn run(spec: JobSpec) -> (JobReport, Vec<JobEvent>) {
    run_with(spec, |t| panic!("unexpected conflict for {t}")).await
}

pub fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

pub fn set_mtime(path: &Path, secs: u64) {
    let f = std::fs::File::open(path).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

pub fn mtime(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Every file below `root`: relative path → bytes.
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_str().unwrap().to_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

pub fn temp_files(root: &Path) -> Vec<String> {
    tree(root)
        .into_keys()
        .filter(|k| k.rsplit('/').next().unwrap().starts_with(TEMP_PREFIX))
        .collect()
}

pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}
