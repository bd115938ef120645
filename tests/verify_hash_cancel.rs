//! A job cancelled while the Freebox hashes its upload (`--verify hash`): the job ends,
//! and the `fs/hash` task it started is deleted on the box — it neither runs on nor
//! stays in the box's task list — with nothing left on the disk. The emulator hashes at
//! 1 MiB/s (`task_rate_limit`) and the test pauses the task on the box, so the hash
//! cannot end by itself: a job that waited for it would never finish.

use crate::support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use nascmd::jobs::{
    ConflictPolicy, EngineOptions, JobEngine, JobEvent, JobKind, JobSpec, RetryPolicy, Verify,
};
use nascmd::nas::freebox::{FreeboxConfig, FreeboxVfs};
use nascmd::secret::Secret;
use nascmd::vfs::{VPath, VfsHandle};
use serde_json::Value;
use support::freebox_api::Fbx;
use support::jobs::{local, pattern, vp};

/// The hash tasks in the box's task list.
async fn hash_tasks(f: &Fbx) -> Vec<Value> {
    let (_, v) = f.get("/api/v8/fs/tasks/").await;
    v["result"]
        .as_array()
        .map(|tasks| {
            tasks
                .iter()
                .filter(|t| t["type"] == "hash")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_job_deletes_the_hash_task_it_started_on_the_freebox() {
    let mut f = Fbx::start(|c| c.task_rate_limit = Some(1024 * 1024)).await;
    f.login().await.unwrap();
    let fbx: VfsHandle = Arc::new(
        FreeboxVfs::connect(FreeboxConfig {
            base_url: f.emu.base_url.clone(),
            app_id: "t.app".into(),
            app_token: Secret::new(f.app_token.clone()),
        })
        .await
        .unwrap(),
    );
    let src = tempfile::tempdir().unwrap();
    let big = src.path().join("big.bin");
    std::fs::write(&big, pattern(16 * 1024 * 1024, 2)).unwrap();

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = JobEngine::with_options(
        tx,
        EngineOptions {
            workers: 2,
            adapt_to_link: false,
            retry: RetryPolicy {
                retries: 3,
                retry_for: Duration::from_secs(30),
                first_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(50),
            },
            verify: Verify::Hash,
        },
    );
    let id = engine.start(JobSpec {
        kind: JobKind::Copy,
        src: local(),
        sources: vec![vp(&big)],
        dst: Some((fbx, VPath::parse("/Disque dur").unwrap())),
        rename_to: None,
        conflict: ConflictPolicy::Ask,
    });

    let deadline = Instant::now() + Duration::from_secs(60);
    let task = loop {
        assert!(Instant::now() < deadline, "the box never hashed");
        let running = hash_tasks(&f).await;
        if let Some(t) = running.iter().find(|t| t["state"] == "running") {
            break t["id"].as_u64().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (_, paused) = f
        .put(
            &format!("/api/v8/fs/tasks/{task}"),
            serde_json::json!({"state": "paused"}),
        )
        .await;
    assert_eq!(paused["success"], true, "{paused}");
    engine.cancel(id);
    let report = loop {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some(JobEvent::Finished { id: j, report })) if j == id => break report,
            Ok(Some(_)) => {}
            other => panic!("the job did not finish: {other:?}"),
        }
    };
    assert!(report.cancelled, "{report:?}");

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = hash_tasks(&f).await;
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the hash task stayed: {left:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let names: Vec<String> = std::fs::read_dir(f.disk())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n == "big.bin" || n.contains(".nascmd-part-")),
        "{names:?}"
    );
}
