//! Background copy/move jobs: a pid per job, progress records polled with
//! `get_copy_status`/`get_move_status`, cancellation with `cancel_copy`/`cancel_move`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::envelope::J;

#[derive(Debug, Default)]
pub struct Progress {
    /// Files finished so far.
    pub done_files: AtomicU64,
    pub total_files: AtomicU64,
    pub done_bytes: AtomicU64,
    pub total_bytes: AtomicU64,
    pub current: Mutex<String>,
    pub running: AtomicBool,
    pub cancel: AtomicBool,
    /// 1 while fine; an error status (9, 10, 11…) once one happened.
    pub status: AtomicI64,
}

impl Progress {
    pub fn set_current(&self, name: &str) {
        if let Ok(mut c) = self.current.lock() {
            name.clone_into(&mut c);
        }
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    fn percent(&self) -> i64 {
        if !self.running.load(Ordering::SeqCst) {
            return 100;
        }
        let total = self.total_bytes.load(Ordering::Relaxed);
        let done = self.done_bytes.load(Ordering::Relaxed);
        if total == 0 {
            return 0;
        }
        ((done.saturating_mul(100) / total).min(99)) as i64
    }

    /// `{ "status": 1, "the_num": "3", "filename": …, "filesize": "…", "files": "10", "percent": 42, "copying": 1 }`
    pub fn to_json(&self) -> J {
        let current = self.current.lock().map(|c| c.clone()).unwrap_or_default();
        J::Obj(vec![
            ("status", J::Int(self.status.load(Ordering::SeqCst))),
            (
                "the_num",
                J::Str(self.done_files.load(Ordering::Relaxed).to_string()),
            ),
            ("filename", J::Str(current)),
            (
                "filesize",
                J::Str(self.total_bytes.load(Ordering::Relaxed).to_string()),
            ),
            (
                "files",
                J::Str(self.total_files.load(Ordering::Relaxed).to_string()),
            ),
            ("percent", J::Int(self.percent())),
            (
                "copying",
                J::Int(i64::from(self.running.load(Ordering::SeqCst))),
            ),
        ])
    }
}

#[derive(Debug)]
pub struct JobTable {
    next: AtomicU64,
    map: Mutex<HashMap<u64, Arc<Progress>>>,
}

impl Default for JobTable {
    fn default() -> Self {
        JobTable {
            // Real pids are process ids; start somewhere plausible.
            next: AtomicU64::new(21_000),
            map: Mutex::default(),
        }
    }
}

impl JobTable {
    pub fn start(&self) -> (u64, Arc<Progress>) {
        let pid = self.next.fetch_add(1, Ordering::SeqCst);
        let p = Arc::new(Progress {
            running: AtomicBool::new(true),
            status: AtomicI64::new(1),
            ..Default::default()
        });
        if let Ok(mut m) = self.map.lock() {
            m.insert(pid, p.clone());
        }
        (pid, p)
    }

    pub fn get(&self, pid: u64) -> Option<Arc<Progress>> {
        self.map.lock().ok()?.get(&pid).cloned()
    }
}
