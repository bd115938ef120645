//! The Freebox backend end to end against the project's Freebox emulator on loopback
//! over a real temporary folder: registration, sessions and their renewal, permissions,
//! every fs operation, cp/mv/rm tasks with progress and cancel. Transfers and share
//! links are in `freebox_transfers.rs`.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use nascmd::emulator::freebox::{AppPermissions, FreeboxEmulatorConfig, GrantMode, spawn};
use nascmd::nas::freebox::{AuthStatus, poll_authorization, probe, register};
use nascmd::secret::Secret;
use nascmd::vfs::{
    Entry, EntryKind, ProgressFn, ServerConflict, ServerOps, TaskProgress, VPath, Vfs, VfsError,
};
use support::freebox::*;
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

// ---------------------------------------------------------------- registration & auth

#[tokio::test]
async fn registration_pending_then_granted_then_session() {
    let root = TempDir::new().unwrap();
    std::fs::write(root.path().join("hello.txt"), b"hi").unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(root.path());
    cfg.grant = GrantMode::After(Duration::from_millis(1500));
    let emu = spawn(cfg).await.unwrap();

    let reg = register(&emu.base_url, &app()).await.unwrap();
    assert!(!reg.app_token.is_empty());
    assert_eq!(format!("{:?}", reg.app_token), "<redacted>");
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let s = poll_authorization(&emu.base_url, reg.track_id)
            .await
            .unwrap();
        if seen.last() != Some(&s) {
            seen.push(s);
        }
        if s != AuthStatus::Pending || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(seen, vec![AuthStatus::Pending, AuthStatus::Granted]);

    let fbx = connect_to(&emu.base_url, reg.app_token).await.unwrap();
    assert!(fbx.label().starts_with("freebox "));
    let info = probe(&emu.base_url).await.unwrap();
    assert_eq!(
        (info.major, info.device_name.as_str()),
        (16, "Freebox Server")
    );
    assert!(
        probe("http://127.0.0.1:1")
            .await
            .unwrap_err()
            .is_transient()
    );
    let top = names(&fbx, &VPath::root()).await;
    assert_eq!(
        top.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["Disque dur"]
    );
    let files = names(&fbx, &p(DISK)).await;
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!((files[0].name.as_str(), files[0].size), ("hello.txt", 2));
}

#[tokio::test]
async fn registration_denied_or_timed_out_gives_no_session() {
    let root = TempDir::new().unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(root.path());
    cfg.grant = GrantMode::Deny;
    let emu = spawn(cfg).await.unwrap();
    let reg = register(&emu.base_url, &app()).await.unwrap();
    assert_eq!(
        poll_authorization(&emu.base_url, reg.track_id)
            .await
            .unwrap(),
        AuthStatus::Denied
    );
    let err = connect_to(&emu.base_url, reg.app_token)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, VfsError::AuthFailed(_)), "{err:?}");

    let mut cfg = FreeboxEmulatorConfig::new(root.path());
    cfg.grant = GrantMode::Timeout(Duration::from_millis(300));
    let emu = spawn(cfg).await.unwrap();
    let reg = register(&emu.base_url, &app()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        poll_authorization(&emu.base_url, reg.track_id)
            .await
            .unwrap(),
        AuthStatus::Timeout
    );
}

#[tokio::test]
async fn wrong_or_revoked_token_is_an_auth_failure() {
    let f = start(|_| {}).await;
    let err = connect_to(&f.emu.base_url, Secret::new("not-the-token"))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, VfsError::AuthFailed(_)), "{err:?}");

    f.control.revoke_app(&app().app_id);
    f.control.expire_sessions();
    let err = f.fbx.stat(&p(DISK)).await.unwrap_err();
    assert!(matches!(err, VfsError::AuthFailed(_)), "{err:?}");
}

#[tokio::test]
async fn missing_permission_is_explained_in_plain_words() {
    let root = TempDir::new().unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(root.path());
    cfg.app_permissions = AppPermissions {
        explorer: false,
        ..AppPermissions::default()
    };
    let emu = spawn(cfg).await.unwrap();
    let token = registered_token(&emu.base_url).await;
    let err = connect_to(&emu.base_url, token).await.err().unwrap();
    let VfsError::PermissionDenied(msg) = err else {
        panic!("{err:?}")
    };
    assert!(msg.contains("Gestion des accès"), "{msg}");
    assert!(msg.contains("gestionnaire de fichiers"), "{msg}");

    // Taken away while connected: the next login (after the session expires) says so.
    let f = start(|_| {}).await;
    f.control.set_permissions(AppPermissions {
        explorer: false,
        ..AppPermissions::default()
    });
    f.control.expire_sessions();
    let err = f.fbx.list(&p(DISK)).await.err().unwrap();
    assert!(
        matches!(&err, VfsError::PermissionDenied(m) if m.contains("Applications")),
        "{err:?}"
    );
}

#[tokio::test]
async fn expired_session_is_renewed_without_the_caller_noticing() {
    let f = start(|_| {}).await;
    upload(&f.fbx, &disk("a.txt"), b"0123456789").await;
    for _ in 0..3 {
        f.control.expire_sessions();
        assert_eq!(f.fbx.stat(&disk("a.txt")).await.unwrap().size, 10);
        f.control.expire_sessions();
        assert_eq!(download(&f.fbx, &disk("a.txt")).await, b"0123456789");
        f.control.expire_sessions();
        upload(&f.fbx, &disk("b.txt"), b"xyz").await;
        f.control.expire_sessions();
        assert_eq!(names(&f.fbx, &p(DISK)).await.len(), 2);
    }
}

#[tokio::test]
async fn expired_session_mid_browse_and_under_concurrency() {
    let f = start(|c| c.api_major = 16).await;
    let dir = f.root.path().join("many");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..2200 {
        std::fs::write(dir.join(format!("n{i:05}")), b"").unwrap();
    }
    // The first page arrives, the session dies, the next pages still come.
    let mut pages = f.fbx.list(&disk("many")).await.unwrap();
    let first = pages.try_next().await.unwrap().unwrap();
    f.control.expire_sessions();
    let rest: Vec<Vec<Entry>> = pages.try_collect().await.unwrap();
    let total = first.len() + rest.iter().map(Vec::len).sum::<usize>();
    assert_eq!(total, 2200);
    assert!(!rest.is_empty());

    // Many requests meet the expired session at once: one renewal serves them all.
    f.control.expire_sessions();
    let fbx = Arc::new(f.fbx);
    let mut joins = Vec::new();
    for i in 0..24 {
        let fbx = fbx.clone();
        joins.push(tokio::spawn(async move {
            fbx.stat(&disk(&format!("many/n{i:05}")))
                .await
                .map(|e| e.name)
        }));
    }
    for (i, j) in joins.into_iter().enumerate() {
        assert_eq!(j.await.unwrap().unwrap(), format!("n{i:05}"));
    }
}

#[tokio::test]
async fn expired_session_mid_job_completes() {
    let f = start(|c| c.task_rate_limit = Some(4 * 1024 * 1024)).await;
    let data = pattern(6 * 1024 * 1024, 7);
    std::fs::write(f.root.path().join("big.bin"), &data).unwrap();
    f.fbx.mkdir(&disk("dst")).await.unwrap();
    let expired = Arc::new(AtomicBool::new(false));
    let (control, flag) = (f.control.clone(), expired.clone());
    let progress: ProgressFn = Arc::new(move |p: TaskProgress| {
        if p.bytes_done > 0 && !flag.swap(true, Ordering::SeqCst) {
            control.expire_sessions();
        }
    });
    f.fbx
        .server_copy(
            &[disk("big.bin")],
            &disk("dst"),
            ServerConflict::Overwrite,
            progress,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(
        expired.load(Ordering::SeqCst),
        "the session was never expired mid-copy"
    );
    assert_eq!(
        std::fs::read(f.root.path().join("dst/big.bin")).unwrap(),
        data
    );
}

#[tokio::test]
async fn short_session_lifetime_never_shows() {
    let f = start(|c| c.faults.session_lifetime = Some(Duration::from_millis(300))).await;
    upload(&f.fbx, &disk("a.txt"), b"0123456789").await;
    for i in 0..6 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            f.fbx.stat(&disk("a.txt")).await.unwrap().size,
            10,
            "round {i}"
        );
        assert_eq!(download(&f.fbx, &disk("a.txt")).await, b"0123456789");
    }
}

/// Retries transient failures the way the job engine does (bounded).
async fn retrying<T, Fut: std::future::Future<Output = Result<T, VfsError>>>(
    mut op: impl FnMut() -> Fut,
    transient_seen: &mut u32,
) -> T {
    for _ in 0..5 {
        match op().await {
            Ok(v) => return v,
            Err(e) if e.is_transient() => *transient_seen += 1,
            Err(e) => panic!("a final error where a retry should help: {e:?}"),
        }
    }
    panic!("still failing after 5 tries")
}

#[tokio::test]
async fn server_errors_and_cut_replies_are_transient() {
    for (http500, truncate) in [(Some(5), None), (None, Some(5))] {
        let f = start(|c| {
            c.faults.http500_every = http500;
            c.faults.truncate_every = truncate;
        })
        .await;
        let mut transient = 0;
        for i in 0..8 {
            let dir = disk(&format!("d{i}"));
            // A cut reply may hide a mkdir that happened: the retry then finds it.
            let mkdir = || async {
                match f.fbx.mkdir(&dir).await {
                    Err(VfsError::AlreadyExists(_)) => Ok(()),
                    other => other,
                }
            };
            retrying(mkdir, &mut transient).await;
            let top = p(DISK);
            let listed = retrying(|| try_list(&f.fbx, &top), &mut transient).await;
            assert_eq!(listed.len(), i + 1);
            let e = retrying(|| f.fbx.stat(&dir), &mut transient).await;
            assert_eq!(e.kind, EntryKind::Dir);
        }
        assert!(
            transient > 0,
            "no fault was met ({http500:?}, {truncate:?})"
        );
    }
}

// ---------------------------------------------------------------- fs operations

/// `rename` stays within its folder on a Freebox (a move is an `fs/mv` task). The rest
/// of mkdir/rename/remove runs for every backend in tests/conformance.rs.
#[tokio::test]
async fn rename_to_another_folder_is_refused() {
    let f = start(|_| {}).await;
    let d = disk("Nouveau dossier");
    f.fbx.mkdir(&d).await.unwrap();
    let c = d.join("c.txt").unwrap();
    upload(&f.fbx, &c, b"0123456789").await;
    assert!(matches!(
        f.fbx.rename(&c, &disk("elsewhere.txt"), false).await,
        Err(VfsError::InvalidName(_))
    ));
}

/// The status line's free space: the partition mounted at the path's volume, as
/// `statvfs` sees the emulator's disk; `/` (no volume) has none.
#[tokio::test]
async fn free_space_of_the_volume() {
    let f = start(|_| {}).await;
    let space = f.fbx.space(&disk("")).await.unwrap().expect("free space");
    let st = rustix::fs::statvfs(f.root.path()).unwrap();
    let (local_free, local_total) = (st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize);
    // Other processes write to the same disk meanwhile: close, not equal.
    assert!(
        space.free.abs_diff(local_free) < 2 << 30,
        "{space:?} vs {local_free}"
    );
    assert_eq!(space.total, local_total);
    assert!(f.fbx.space(&VPath::root()).await.unwrap().is_none());
}

#[tokio::test]
async fn business_errors_with_http_400_map_the_same() {
    let f = start(|c| c.business_error_status = reqwest::StatusCode::BAD_REQUEST).await;
    assert!(matches!(
        f.fbx.stat(&disk("nope")).await,
        Err(VfsError::NotFound(_))
    ));
    f.fbx.mkdir(&disk("x")).await.unwrap();
    assert!(matches!(
        f.fbx.mkdir(&disk("x")).await,
        Err(VfsError::AlreadyExists(_))
    ));
    assert!(matches!(
        f.fbx.open_read(&disk("nope"), 0).await.err(),
        Some(VfsError::NotFound(_))
    ));
}

#[tokio::test]
async fn big_folders_arrive_in_pages_on_v15_and_whole_on_v8() {
    for major in [16, 8] {
        let f = start(|c| c.api_major = major).await;
        // Pages of 1000 all along (the default asks for bigger later pages).
        let fbx = f.fbx.with_list_paging(nascmd::nas::freebox::LsPaging {
            first: 1000,
            next: 1000,
        });
        let dir = f.root.path().join("many");
        std::fs::create_dir(&dir).unwrap();
        for i in 0..2500 {
            std::fs::write(dir.join(format!("f{i:05}")), b"").unwrap();
        }
        assert_eq!(fbx.api_major(), major);
        let pages: Vec<Vec<Entry>> = fbx
            .list(&disk("many"))
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let total: usize = pages.iter().map(Vec::len).sum();
        assert_eq!(total, 2500, "v{major}");
        if major >= 15 {
            assert_eq!(pages.len(), 3, "v{major}: pages of 1000");
        } else {
            assert_eq!(pages.len(), 1, "v{major}");
        }
        let mut all: Vec<String> = pages.into_iter().flatten().map(|e| e.name).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 2500);
    }
}

/// Cursor pages come one after another, but the next is asked for as soon as a page's
/// cursor is known, while the caller still holds the page before; and no further than
/// one page ahead.
#[tokio::test]
async fn the_next_page_is_asked_for_before_the_caller_takes_it() {
    let log = nascmd::emulator::request_log::RequestLog::default();
    let f = start({
        let log = log.clone();
        move |c| c.request_log = log
    })
    .await;
    let fbx = f.fbx.with_list_paging(nascmd::nas::freebox::LsPaging {
        first: 10,
        next: 10,
    });
    let dir = f.root.path().join("many");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..95 {
        std::fs::write(dir.join(format!("f{i:03}")), b"").unwrap();
    }
    let pages_asked = || log.lines().iter().filter(|l| l.contains("/fs/ls/")).count();
    log.clear();
    let mut pages = fbx.list(&disk("many")).await.unwrap();
    let first = pages.try_next().await.unwrap().unwrap();
    assert!(!first.is_empty());
    // Nothing more is taken from the stream: the next pages are asked for anyway.
    let deadline = Instant::now() + Duration::from_secs(10);
    while pages_asked() < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(pages_asked(), 3, "{:?}", log.lines());
    // One page waits ready and one more is read: then it waits for the caller.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pages_asked(), 3, "{:?}", log.lines());
    let mut all: Vec<String> = first.into_iter().map(|e| e.name).collect();
    while let Some(page) = pages.try_next().await.unwrap() {
        all.extend(page.into_iter().map(|e| e.name));
    }
    all.sort();
    let expected: Vec<String> = (0..95).map(|i| format!("f{i:03}")).collect();
    assert_eq!(all, expected);
    assert_eq!(pages_asked(), 10, "{:?}", log.lines());
    // A listing dropped half-way asks for nothing more.
    let mut pages = fbx.list(&disk("many")).await.unwrap();
    pages.try_next().await.unwrap();
    drop(pages);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after_drop = pages_asked();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pages_asked(), after_drop);
    assert!(after_drop <= 10 + 3, "{:?}", log.lines());
}

#[tokio::test]
async fn server_copy_and_move_report_progress() {
    let f = start(|c| c.task_rate_limit = Some(8 * 1024 * 1024)).await;
    let data = pattern(5 * 1024 * 1024, 1);
    std::fs::create_dir_all(f.root.path().join("src/inner")).unwrap();
    std::fs::write(f.root.path().join("src/inner/big.bin"), &data).unwrap();
    std::fs::write(f.root.path().join("src/small.txt"), b"small").unwrap();
    f.fbx.mkdir(&disk("copy")).await.unwrap();

    let (progress, seen) = recording_progress();
    f.fbx
        .server_copy(
            &[disk("src")],
            &disk("copy"),
            ServerConflict::Overwrite,
            progress,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(f.root.path().join("copy/src/inner/big.bin")).unwrap(),
        data
    );
    assert_eq!(
        std::fs::read(f.root.path().join("copy/src/small.txt")).unwrap(),
        b"small"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(
        seen.iter()
            .any(|p| p.bytes_done > 0 && p.bytes_done < p.bytes_total),
        "{seen:?}"
    );

    // Skip leaves an existing file alone.
    std::fs::write(f.root.path().join("copy/src/small.txt"), b"changed").unwrap();
    let (progress, _) = recording_progress();
    f.fbx
        .server_copy(
            &[disk("src")],
            &disk("copy"),
            ServerConflict::Skip,
            progress,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(f.root.path().join("copy/src/small.txt")).unwrap(),
        b"changed"
    );

    // Move: the source goes, the destination has the bytes.
    f.fbx.mkdir(&disk("moved")).await.unwrap();
    let (progress, _) = recording_progress();
    f.fbx
        .server_move(
            &[disk("src")],
            &disk("moved"),
            ServerConflict::Overwrite,
            progress,
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(!f.root.path().join("src").exists());
    assert_eq!(
        std::fs::read(f.root.path().join("moved/src/inner/big.bin")).unwrap(),
        data
    );

    // A destination that is not a folder fails as a task.
    let (progress, _) = recording_progress();
    let err = f
        .fbx
        .server_copy(
            &[disk("moved/src/small.txt")],
            &disk("missing-dir"),
            ServerConflict::Overwrite,
            progress,
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, VfsError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn cancelling_a_server_copy_stops_it() {
    let f = start(|c| c.task_rate_limit = Some(1024 * 1024)).await;
    std::fs::write(f.root.path().join("big.bin"), pattern(20 * 1024 * 1024, 3)).unwrap();
    f.fbx.mkdir(&disk("dst")).await.unwrap();
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let progress: ProgressFn = Arc::new(move |p: TaskProgress| {
        if p.bytes_done > 0 {
            c2.cancel();
        }
    });
    let started = Instant::now();
    let err = f
        .fbx
        .server_copy(
            &[disk("big.bin")],
            &disk("dst"),
            ServerConflict::Overwrite,
            progress,
            cancel,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, VfsError::Cancelled), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(15));
    // The task is gone: a later copy runs at once instead of queueing behind it.
    std::fs::write(f.root.path().join("tiny.txt"), b"t").unwrap();
    let (progress, _) = recording_progress();
    tokio::time::timeout(
        Duration::from_secs(10),
        f.fbx.server_copy(
            &[disk("tiny.txt")],
            &disk("dst"),
            ServerConflict::Overwrite,
            progress,
            CancellationToken::new(),
        ),
    )
    .await
    .expect("a cancelled task kept the queue busy")
    .unwrap();
    assert_eq!(
        std::fs::read(f.root.path().join("dst/tiny.txt")).unwrap(),
        b"t"
    );
}

#[tokio::test]
async fn capabilities_are_declared() {
    let f = start(|_| {}).await;
    let c = f.fbx.features();
    assert!(c.server_ops.is_some() && c.share_links.is_some() && c.read_range.is_some());
    assert!(
        c.search.is_none(),
        "no server search on a Freebox: the engine walks the tree"
    );
    assert!(
        !c.share_access_codes,
        "Freebox share links take no access code"
    );
}
