//! File-system tasks: `fs/cp`, `fs/mv`, `fs/rm`, `fs/hash` create an `FsTask` that runs
//! in the background, one at a time (later ones `queued`), with live `progress`, `rate`
//! and `eta`; `fs/tasks` lists, reads, pauses/resumes and deletes them. Finished tasks
//! (done or failed) stay listed until deleted, like on a real box.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::Notify;

use super::Emu;
use super::envelope::{FbxError, ok, ok_empty, ok_list, parse_body};
use super::paths::Target;
use super::task_ops::{self, Job, Mode};
use super::upload::now_secs;

/// The `FsTask` object, as serialised on the wire.
#[derive(Clone, Debug, Serialize, Default)]
pub struct FsTask {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub state: &'static str,
    pub error: &'static str,
    pub created_ts: i64,
    pub started_ts: i64,
    pub done_ts: i64,
    pub duration: i64,
    pub progress: u64,
    pub eta: u64,
    pub from: String,
    pub to: String,
    pub nfiles: u64,
    pub nfiles_done: u64,
    pub total_bytes: u64,
    pub total_bytes_done: u64,
    pub curr_bytes: u64,
    pub curr_bytes_done: u64,
    pub rate: u64,
    pub src: Vec<String>,
    pub dst: String,
}

pub(super) struct TaskSlot {
    pub task: FsTask,
    pub job: Option<Job>,
    pub hash: Option<String>,
    started: Option<Instant>,
}

#[derive(Default)]
pub struct TaskQueue {
    inner: Mutex<(u64, BTreeMap<u64, TaskSlot>)>,
    wake: Arc<Notify>,
}

impl TaskQueue {
    pub(super) fn lock(&self) -> MutexGuard<'_, (u64, BTreeMap<u64, TaskSlot>)> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn create(&self, kind: &'static str, src: Vec<String>, dst: String, job: Job) -> FsTask {
        let mut g = self.lock();
        g.0 += 1;
        let id = g.0;
        let busy =
            g.1.values()
                .any(|s| matches!(s.task.state, "queued" | "running" | "paused"));
        let now = now_secs();
        let mut task = FsTask {
            id,
            kind,
            state: "queued",
            error: "none",
            created_ts: now,
            src,
            dst,
            ..FsTask::default()
        };
        // With nothing ahead of it, a new task is returned already running.
        if !busy {
            task.state = "running";
            task.started_ts = now;
        }
        g.1.insert(
            id,
            TaskSlot {
                task: task.clone(),
                job: Some(job),
                hash: None,
                started: None,
            },
        );
        drop(g);
        self.wake.notify_one();
        task
    }

    /// Takes the next runnable job (lowest id, not paused) and marks it running.
    fn take_next(&self) -> Option<(u64, Job)> {
        let mut g = self.lock();
        let slot =
            g.1.values_mut()
                .find(|s| s.job.is_some() && matches!(s.task.state, "queued" | "running"))?;
        slot.task.state = "running";
        if slot.task.started_ts == 0 {
            slot.task.started_ts = now_secs();
        }
        slot.started = Some(Instant::now());
        let job = slot.job.take()?;
        Some((slot.task.id, job))
    }

    /// Updates a task through `f`; `None` when it was deleted (the job should stop).
    pub(super) fn update<T>(&self, id: u64, f: impl FnOnce(&mut TaskSlot) -> T) -> Option<T> {
        self.lock().1.get_mut(&id).map(f)
    }

    /// Seconds since the task started running.
    pub(super) fn elapsed(slot: &TaskSlot) -> Duration {
        slot.started.map(|s| s.elapsed()).unwrap_or_default()
    }

    fn finish(&self, id: u64, outcome: Result<Option<String>, &'static str>) {
        self.update(id, |s| {
            let now = now_secs();
            s.task.done_ts = now;
            s.task.duration = now - s.task.started_ts;
            s.task.rate = 0;
            s.task.eta = 0;
            match outcome {
                Ok(hash) => {
                    s.task.state = "done";
                    s.task.progress = 100;
                    s.task.total_bytes_done = s.task.total_bytes;
                    s.task.nfiles_done = s.task.nfiles;
                    s.hash = hash;
                }
                Err(code) => {
                    s.task.state = "failed";
                    s.task.error = code;
                }
            }
        });
    }
}

/// Runs queued tasks one after the other until the emulator is dropped.
pub fn start_worker(emu: Arc<Emu>) {
    let weak: Weak<Emu> = Arc::downgrade(&emu);
    drop(emu);
    tokio::spawn(async move {
        loop {
            let Some(emu) = weak.upgrade() else { return };
            match emu.tasks.take_next() {
                Some((id, job)) => {
                    let emu2 = emu.clone();
                    let outcome =
                        tokio::task::spawn_blocking(move || task_ops::run(&emu2, id, job))
                            .await
                            .unwrap_or(Err("internal"));
                    emu.tasks.finish(id, outcome);
                }
                None => {
                    let wake = emu.tasks.wake.clone();
                    drop(emu);
                    // Wake on a new task, or now and then to notice the emulator is gone.
                    let _ = tokio::time::timeout(Duration::from_millis(500), wake.notified()).await;
                }
            }
        }
    });
}

#[derive(Deserialize)]
struct CopyBody {
    files: Vec<String>,
    dst: String,
    mode: Option<String>,
}

fn resolve_all(emu: &Emu, toks: &[String]) -> Result<Vec<Target>, FbxError> {
    if toks.is_empty() {
        return Err(FbxError::invalid_request(
            "Requête invalide : aucun fichier",
        ));
    }
    // The entries themselves: removing, moving or copying a link acts on the link.
    toks.iter()
        .map(|t| emu.disk.resolve_token_entry(t))
        .collect()
}

fn copy_or_move(emu: &Emu, body: &[u8], delete_src: bool) -> Result<Response, FbxError> {
    let req: CopyBody = parse_body(body)?;
    let mode = req.mode.as_deref().and_then(Mode::parse).ok_or_else(|| {
        FbxError::business(
            "invalid_conflict_mode",
            if delete_src {
                "Erreur lors du déplacement des fichiers : Le mode de résolution de conflit spécifié est invalide"
            } else {
                "Erreur lors de la copie des fichiers : Le mode de résolution de conflit spécifié est invalide"
            },
        )
    })?;
    let files = resolve_all(emu, &req.files)?;
    let dst = emu.disk.resolve_token(&req.dst)?;
    let src = files.iter().map(|t| t.clear.clone()).collect();
    let dst_clear = dst.clear.clone();
    let job = Job::Copy {
        files,
        dst,
        mode,
        delete_src,
    };
    let kind = if delete_src { "mv" } else { "cp" };
    Ok(ok(emu.tasks.create(kind, src, dst_clear, job)))
}

/// `POST /api/vN/fs/cp/`
pub async fn cp(State(emu): State<Arc<Emu>>, body: Bytes) -> Result<Response, FbxError> {
    copy_or_move(&emu, &body, false)
}

/// `POST /api/vN/fs/mv/`
pub async fn mv(State(emu): State<Arc<Emu>>, body: Bytes) -> Result<Response, FbxError> {
    copy_or_move(&emu, &body, true)
}

#[derive(Deserialize)]
struct RmBody {
    files: Vec<String>,
}

/// `POST /api/vN/fs/rm/`: recursive, like `rm -rf`.
pub async fn rm(State(emu): State<Arc<Emu>>, body: Bytes) -> Result<Response, FbxError> {
    let req: RmBody = parse_body(&body)?;
    let files = resolve_all(&emu, &req.files)?;
    let src = files.iter().map(|t| t.clear.clone()).collect();
    Ok(ok(emu.tasks.create(
        "rm",
        src,
        String::new(),
        Job::Remove { files },
    )))
}

#[derive(Deserialize)]
struct HashBody {
    src: String,
    hash_type: String,
}

/// `POST /api/vN/fs/hash/` {src, hash_type: md5|sha1|sha256|sha512}
pub async fn hash(State(emu): State<Arc<Emu>>, body: Bytes) -> Result<Response, FbxError> {
    let req: HashBody = parse_body(&body)?;
    let src = emu.disk.resolve_token(&req.src)?;
    let clear = src.clear.clone();
    let job = Job::Hash {
        src,
        hash_type: req.hash_type,
    };
    Ok(ok(emu.tasks.create(
        "hash",
        vec![clear.clone()],
        clear,
        job,
    )))
}

fn task_id(id: &str) -> Result<u64, FbxError> {
    id.trim_end_matches('/').parse().map_err(|_| unknown_task())
}

fn unknown_task() -> FbxError {
    FbxError::business("invalid_id", "Identifiant de tâche invalide")
}

/// `GET /api/vN/fs/tasks/`
pub async fn list(State(emu): State<Arc<Emu>>) -> Response {
    let items = emu.tasks.lock().1.values().map(|s| json!(s.task)).collect();
    ok_list(items)
}

/// `GET /api/vN/fs/tasks/{id}`
pub async fn get_one(
    State(emu): State<Arc<Emu>>,
    UrlPath((_v, id)): UrlPath<(String, String)>,
) -> Result<Response, FbxError> {
    let id = task_id(&id)?;
    emu.tasks
        .update(id, |s| ok(&s.task))
        .ok_or_else(unknown_task)
}

#[derive(Deserialize)]
struct UpdateBody {
    state: String,
}

/// `PUT /api/vN/fs/tasks/{id}` {state: paused|running}
pub async fn update(
    State(emu): State<Arc<Emu>>,
    UrlPath((_v, id)): UrlPath<(String, String)>,
    body: Bytes,
) -> Result<Response, FbxError> {
    let id = task_id(&id)?;
    let req: UpdateBody = parse_body(&body)?;
    let invalid_state = || FbxError::business("invalid_state", "État de tâche invalide");
    let result = emu
        .tasks
        .update(id, |s| {
            if matches!(s.task.state, "done" | "failed") {
                return Err(invalid_state());
            }
            s.task.state = match req.state.as_str() {
                "paused" => "paused",
                "running" if s.started.is_some() || s.task.started_ts != 0 => "running",
                "running" => "queued",
                _ => return Err(invalid_state()),
            };
            Ok(ok(&s.task))
        })
        .ok_or_else(unknown_task)?;
    emu.tasks.wake.notify_one();
    result
}

/// `DELETE /api/vN/fs/tasks/{id}`: forgets the task, stopping it if running (no rollback).
pub async fn delete(
    State(emu): State<Arc<Emu>>,
    UrlPath((_v, id)): UrlPath<(String, String)>,
) -> Result<Response, FbxError> {
    let id = task_id(&id)?;
    emu.tasks
        .lock()
        .1
        .remove(&id)
        .map(|_| ok_empty())
        .ok_or_else(unknown_task)
}

/// `GET /api/vN/fs/tasks/{id}/hash` → `{"hash":"<lowercase hex>"}` once done.
pub async fn hash_result(
    State(emu): State<Arc<Emu>>,
    UrlPath((_v, id)): UrlPath<(String, String)>,
) -> Result<Response, FbxError> {
    let id = task_id(&id)?;
    emu.tasks
        .update(id, |s| {
            if s.task.kind != "hash" {
                return Err(FbxError::business(
                    "invalid_task_type",
                    "Type de tâche invalide",
                ));
            }
            match (&s.hash, s.task.state) {
                (Some(h), "done") => Ok(ok(json!({"hash": h}))),
                _ => Err(FbxError::business(
                    "invalid_state",
                    "La tâche n'est pas terminée",
                )),
            }
        })
        .ok_or_else(unknown_task)?
}
