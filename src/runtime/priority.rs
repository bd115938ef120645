//! The terminal loop before the work it starts: the commander's async worker threads
//! (transfers, listings, connections) run at a lower CPU priority than the thread that
//! reads keys and draws frames (the main thread, which runs the loop, and crossterm's
//! input thread are never lowered). On a machine whose cores are all busy — a download
//! at full speed beside other programs — a key waited up to 80 ms for a core; with the
//! workers lowered, under 20 ms (docs/PERFORMANCE.md, "Session 9"). Nothing is slower
//! on an idle machine: the priority only decides who waits when cores are short.

/// The nice value given to worker threads (0 is the default, 19 the lowest).
pub const WORKER_NICE: i32 = 10;

/// Lowers the calling thread's CPU priority to [`WORKER_NICE`]; for a runtime's
/// `on_thread_start`. Linux keeps a nice value per thread (`setpriority(PRIO_PROCESS, 0)`
/// changes the calling thread alone); elsewhere it would change the whole process, so
/// nothing is done there. A refusal is ignored: the thread only keeps its priority.
pub fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    {
        let now = rustix::process::getpriority_process(None).unwrap_or(0);
        if now < WORKER_NICE {
            let _ = rustix::process::setpriority_process(None, WORKER_NICE);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn only_the_calling_thread_is_lowered() {
        let before = rustix::process::getpriority_process(None).unwrap();
        let lowered = std::thread::spawn(|| {
            lower_this_thread();
            rustix::process::getpriority_process(None).unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(lowered, WORKER_NICE.max(before));
        // This thread, and a thread started after, keep the priority they had.
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), before);
        let other = std::thread::spawn(|| rustix::process::getpriority_process(None).unwrap())
            .join()
            .unwrap();
        assert_eq!(other, before);
    }
}
