//! The QNAP backend end to end against the project's QNAP emulator on loopback (a real
//! HTTP server over a temp folder): bytes in equal bytes out, server-side tasks,
//! search, 2-step login, share links, and the faults the emulator can inject.
//!
//! Transfers drive the `Vfs` calls directly (mkdir/write_new/open_read), the way the job
//! engine does.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use nascmd::emulator::qnap::{self, QnapUser};
use nascmd::nas::qnap::{QnapConfig, QnapVfs};
use nascmd::secret::Secret;
use nascmd::vfs::{
    ByteReader, Entry, ProgressFn, ServerConflict, ServerOps, ServerSearch, ShareLinks,
    ShareOptions, VPath, Vfs, VfsError,
};
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

use crate::support;

use support::qnap_client::{config, connect, start};

type Faults = nascmd::emulator::faults::FaultConfig;

fn p(s: &str) -> VPath {
    VPath::parse(s).unwrap()
}

/// Deterministic pseudo-random bytes (xorshift), so content mix-ups show.
fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn reader(bytes: Vec<u8>) -> ByteReader {
    Box::pin(std::io::Cursor::new(bytes))
}

async fn read_all(vfs: &QnapVfs, path: &VPath, offset: u64) -> Result<Vec<u8>, std::io::Error> {
    let mut r = vfs
        .open_read(path, offset)
        .await
        .map_err(std::io::Error::other)?;
    let mut out = Vec::new();
    r.read_to_end(&mut out).await?;
    Ok(out)
}

async fn list_all(vfs: &QnapVfs, dir: &VPath) -> Vec<Entry> {
    let pages: Vec<Vec<Entry>> = vfs.list(dir).await.unwrap().try_collect().await.unwrap();
    pages.into_iter().flatten().collect()
}

/// Writes a local tree of `dirs` folders (nested three deep) with `files` files each.
fn make_local_tree(root: &Path, dirs: usize, files: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for d in 0..dirs {
        let rel_dir = format!("d{}/sub{}/leaf{d}", d % 3, d % 2);
        std::fs::create_dir_all(root.join(&rel_dir)).unwrap();
        for f in 0..files {
            let rel = format!("{rel_dir}/file {f} é.bin");
            let data = pattern((d * 1000 + f) as u64, (d * 7919 + f * 104_729) % 40_000);
            std::fs::write(root.join(&rel), &data).unwrap();
            out.push((rel, data));
        }
    }
    out
}

#[tokio::test]
async fn nested_tree_round_trip() {
    let nas = start(Faults::default(), None).await;
    let vfs = Arc::new(connect(&nas).await);
    let local = tempfile::tempdir().unwrap();
    let files = make_local_tree(local.path(), 20, 15); // 300 files
    let base = p("/Public/tree");
    vfs.mkdir(&base).await.unwrap();
    // Folders first (parents before children), then files in parallel.
    let mut dirs: Vec<String> = files
        .iter()
        .map(|(rel, _)| rel.rsplit_once('/').unwrap().0.to_owned())
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut made = std::collections::HashSet::new();
    for d in &dirs {
        let mut cur = base.clone();
        for comp in d.split('/') {
            cur = cur.join(comp).unwrap();
            if made.insert(cur.clone()) {
                vfs.mkdir(&cur).await.unwrap();
            }
        }
    }
    futures_util::stream::iter(files.iter().cloned())
        .map(|(rel, data)| {
            let vfs = vfs.clone();
            let target = base.join_rel(&rel).unwrap();
            async move {
                let len = data.len() as u64;
                vfs.write_new(&target, len, reader(data), Some(1_600_000_000))
                    .await
            }
        })
        .buffer_unordered(8)
        .try_collect::<Vec<Entry>>()
        .await
        .unwrap();
    // The NAS disk holds the same bytes; the listing shows them; downloads match.
    for (rel, data) in &files {
        let on_disk = std::fs::read(nas.root.join("Public/tree").join(rel)).unwrap();
        assert_eq!(&on_disk, data, "{rel}");
    }
    let leaf = base.join_rel("d1/sub1/leaf1").unwrap();
    let entries = list_all(&vfs, &leaf).await;
    assert_eq!(entries.len(), 15);
    assert!(
        entries
            .iter()
            .all(|e| !e.is_dir() && e.mtime == Some(1_600_000_000))
    );
    let results: Vec<(String, Vec<u8>)> = futures_util::stream::iter(files.iter().cloned())
        .map(|(rel, _)| {
            let vfs = vfs.clone();
            let path = base.join_rel(&rel).unwrap();
            async move { (rel, read_all(&vfs, &path, 0).await.unwrap()) }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    for (rel, got) in results {
        let want = &files.iter().find(|(r, _)| *r == rel).unwrap().1;
        assert_eq!(&got, want, "{rel}");
    }
}

#[tokio::test]
async fn write_new_answers_the_written_entry_with_its_mtime() {
    let nas = start(Faults::default(), None).await;
    let vfs = connect(&nas).await;
    let data = pattern(3, 16 * 1024);
    let target = p("/Public/small.bin");
    let written = vfs
        .write_new(
            &target,
            data.len() as u64,
            reader(data.clone()),
            Some(1_650_000_000),
        )
        .await
        .unwrap();
    assert_eq!(
        (written.name.as_str(), written.size, written.mtime),
        ("small.bin", 16 * 1024, Some(1_650_000_000))
    );
    assert_eq!(vfs.stat(&target).await.unwrap(), written);
    // Without an mtime the entry is the plain verification `stat`.
    let written = vfs
        .write_new(&target, 3, reader(b"abc".to_vec()), None)
        .await
        .unwrap();
    assert_eq!(written.size, 3);
}

#[tokio::test]
async fn big_file_streams_both_ways() {
    let nas = start(Faults::default(), None).await;
    let vfs = connect(&nas).await;
    let local = tempfile::tempdir().unwrap();
    let src = local.path().join("big.bin");
    // 110 MB written in 1 MiB blocks so the test never holds it in memory.
    let block_count = 105u64;
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&src).unwrap();
        for i in 0..block_count {
            f.write_all(&pattern(i, 1 << 20)).unwrap();
        }
        f.write_all(&pattern(999, 12_345)).unwrap();
    }
    let len = std::fs::metadata(&src).unwrap().len();
    assert!(len >= 100_000_000);
    let file = tokio::fs::File::open(&src).await.unwrap();
    let target = p("/Public/big.bin");
    vfs.write_new(&target, len, Box::pin(file), Some(1_700_000_000))
        .await
        .unwrap();
    let st = vfs.stat(&target).await.unwrap();
    assert_eq!((st.size, st.mtime), (len, Some(1_700_000_000)));
    // Download streamed and compared block by block with the local source.
    let mut r = vfs.open_read(&target, 0).await.unwrap();
    let mut local_f = std::fs::File::open(&src).unwrap();
    let mut remote_buf = vec![0u8; 1 << 20];
    let mut local_buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = r.read(&mut remote_buf).await.unwrap();
        if n == 0 {
            break;
        }
        std::io::Read::read_exact(&mut local_f, &mut local_buf[..n]).unwrap();
        assert!(
            remote_buf[..n] == local_buf[..n],
            "bytes differ near {total}"
        );
        total += n as u64;
    }
    assert_eq!(total, len);
    // A ranged read from the middle.
    let tail = read_all(&vfs, &target, len - 12_345).await.unwrap();
    assert_eq!(tail, pattern(999, 12_345));
    assert!(read_all(&vfs, &target, len).await.unwrap().is_empty());
}

#[tokio::test]
async fn server_copy_and_move_with_progress() {
    let nas = start(Faults::default(), None).await;
    let docs = nas.root.join("Public/docs/deeper");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("x.txt"), b"deep file").unwrap();
    std::fs::write(nas.root.join("Public/a.bin"), pattern(1, 3_000_000)).unwrap();
    let vfs = connect(&nas).await;
    let reports = Arc::new(AtomicU64::new(0));
    let r = reports.clone();
    let progress: ProgressFn = Arc::new(move |_| {
        r.fetch_add(1, Ordering::Relaxed);
    });
    vfs.server_copy(
        &[p("/Public/docs"), p("/Public/a.bin")],
        &p("/Backups"),
        ServerConflict::Overwrite,
        progress.clone(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(
        std::fs::read(nas.root.join("Backups/docs/deeper/x.txt")).unwrap(),
        b"deep file"
    );
    assert_eq!(
        std::fs::read(nas.root.join("Backups/a.bin")).unwrap(),
        pattern(1, 3_000_000)
    );
    assert!(nas.root.join("Public/a.bin").exists());
    assert!(reports.load(Ordering::Relaxed) > 0, "no progress reported");

    vfs.server_move(
        &[p("/Public/a.bin")],
        &p("/Media"),
        ServerConflict::Skip,
        progress,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(!nas.root.join("Public/a.bin").exists());
    assert_eq!(
        std::fs::read(nas.root.join("Media/a.bin")).unwrap(),
        pattern(1, 3_000_000)
    );
    // Rename in place, with and without overwrite.
    std::fs::write(nas.root.join("Media/b.bin"), b"old").unwrap();
    let err = vfs
        .rename(&p("/Media/a.bin"), &p("/Media/b.bin"), false)
        .await
        .unwrap_err();
    assert!(matches!(err, VfsError::AlreadyExists(_)), "{err:?}");
    vfs.rename(&p("/Media/a.bin"), &p("/Media/b.bin"), true)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(nas.root.join("Media/b.bin")).unwrap().len(),
        3_000_000
    );
    vfs.remove(&p("/Backups/docs")).await.unwrap();
    assert!(!nas.root.join("Backups/docs").exists());
    assert!(matches!(
        vfs.remove(&p("/Backups/ghost")).await,
        Err(VfsError::NotFound(_))
    ));
    assert!(matches!(
        vfs.stat(&p("/Backups/ghost")).await,
        Err(VfsError::NotFound(_))
    ));
}

#[tokio::test]
async fn search_finds_a_file_three_levels_down() {
    let nas = start(Faults::default(), None).await;
    let deep = nas.root.join("Public/one/two/three");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("Quarterly-Report.pdf"), b"pdf").unwrap();
    std::fs::write(nas.root.join("Public/other.txt"), b"x").unwrap();
    std::fs::write(nas.root.join("Backups/report-copy.pdf"), b"x").unwrap();
    let vfs = connect(&nas).await;
    let hits: Vec<_> = vfs
        .search(&p("/Public"), "report")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        hits[0].path,
        p("/Public/one/two/three/Quarterly-Report.pdf")
    );
    assert_eq!(hits[0].entry.size, 3);
    // From the root: every share; a glob filters on the name.
    let hits: Vec<_> = vfs
        .search(&VPath::root(), "*report*.pdf")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let mut paths: Vec<_> = hits.iter().map(|h| h.path.as_str().to_owned()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/Backups/report-copy.pdf",
            "/Public/one/two/three/Quarterly-Report.pdf"
        ]
    );
}

/// The status line's free space: `get_disk_info` on the share's volume, as `statvfs`
/// sees the emulator's disk; the share list itself (no volume) has none.
#[tokio::test]
async fn free_space_of_a_share() {
    let nas = start(Faults::default(), None).await;
    let vfs = connect(&nas).await;
    let space = vfs
        .space(&p("/Public/"))
        .await
        .unwrap()
        .expect("free space");
    let st = rustix::fs::statvfs(nas.root.as_path()).unwrap();
    let local_free = st.f_bavail * st.f_frsize;
    let local_total = st.f_blocks * st.f_frsize;
    // Other processes write to the same disk meanwhile: close, not equal.
    let near = |a: u64, b: u64| a.abs_diff(b) < 2 << 30;
    assert!(near(space.free, local_free), "{space:?} vs {local_free}");
    // The volume's size, as the local pane shows it for the same disk.
    assert!(
        space.total.abs_diff(local_total) < 1 << 20,
        "{space:?} vs {local_total}"
    );
    assert!(vfs.space(&p("/")).await.unwrap().is_none());
}

#[tokio::test]
async fn two_step_login() {
    let secret = "JBSWY3DPEHPK3PXP";
    let mut user = QnapUser::new("bob", "s3cret pw é");
    user.totp_secret = Some(secret.into());
    let nas = start(Faults::default(), Some(vec![user])).await;
    let err = QnapVfs::connect(config(&nas, "bob", "s3cret pw é"))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, VfsError::SecondFactorRequired), "{err:?}");
    let mut cfg = config(&nas, "bob", "s3cret pw é");
    cfg.second_factor = Some("000000".into());
    if qnap::current_totp(secret).as_deref() != Some("000000") {
        let err = QnapVfs::connect(cfg.clone()).await.err().unwrap();
        assert!(matches!(err, VfsError::AuthFailed(_)), "{err:?}");
    }
    cfg.second_factor = qnap::current_totp(secret);
    let vfs = QnapVfs::connect(cfg).await.unwrap();
    let shares = list_all(&vfs, &VPath::root()).await;
    assert!(shares.iter().any(|e| e.name == "Public"));
}

#[tokio::test]
async fn two_step_session_expiry_asks_for_a_new_code() {
    let secret = "JBSWY3DPEHPK3PXP";
    let mut user = QnapUser::new("bob", "pw");
    user.totp_secret = Some(secret.into());
    let faults = Faults {
        session_lifetime: Some(Duration::from_millis(500)),
        ..Faults::default()
    };
    let nas = start(faults, Some(vec![user])).await;
    let mut cfg = config(&nas, "bob", "pw");
    cfg.second_factor = qnap::current_totp(secret);
    let vfs = QnapVfs::connect(cfg).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let err = vfs.list(&p("/Public")).await.err().unwrap();
    assert!(matches!(err, VfsError::SecondFactorRequired), "{err:?}");
    vfs.renew_session(&qnap::current_totp(secret).unwrap())
        .await
        .unwrap();
    assert!(list_all(&vfs, &p("/Public")).await.is_empty());
}

#[tokio::test]
async fn wrong_password_is_auth_failed() {
    let nas = start(Faults::default(), None).await;
    let err = QnapVfs::connect(config(&nas, "alice", "nope"))
        .await
        .err()
        .unwrap();
    match err {
        VfsError::AuthFailed(m) => assert!(m.contains("wrong"), "{m}"),
        other => panic!("unexpected {other:?}"),
    }
    // Nothing listens: a network error, not a panic.
    let err = QnapVfs::connect(QnapConfig {
        base_url: "http://127.0.0.1:9".into(),
        user: "a".into(),
        password: Secret::new("b"),
        ..QnapConfig::default()
    })
    .await
    .err()
    .unwrap();
    assert!(matches!(err, VfsError::Network(_)), "{err:?}");
}

#[tokio::test]
async fn session_expiring_mid_transfer_is_renewed() {
    let faults = Faults {
        session_lifetime: Some(Duration::from_millis(700)),
        ..Faults::default()
    };
    let nas = start(faults, None).await;
    let vfs = Arc::new(connect(&nas).await);
    vfs.mkdir(&p("/Public/up")).await.unwrap();
    // Files keep coming for several session lifetimes; each must land intact.
    for i in 0..12u64 {
        let data = pattern(i, 200_000 + i as usize);
        let path = p(&format!("/Public/up/f{i}.bin"));
        vfs.write_new(&path, data.len() as u64, reader(data.clone()), None)
            .await
            .unwrap();
        assert_eq!(read_all(&vfs, &path, 0).await.unwrap(), data);
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    // A big (streamed, not buffered) upload after the session died.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let data = pattern(77, 12 << 20);
    vfs.write_new(
        &p("/Public/up/big.bin"),
        data.len() as u64,
        reader(data.clone()),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        std::fs::read(nas.root.join("Public/up/big.bin")).unwrap(),
        data
    );
    assert_eq!(list_all(&vfs, &p("/Public/up")).await.len(), 13);
    assert!(vfs.session_renewals() >= 2, "the session never expired");
}

#[tokio::test]
async fn dropped_download_resumes_with_range() {
    let faults = Faults {
        drop_after_bytes: Some(1_500_000),
        ..Faults::default()
    };
    let nas = start(faults, None).await;
    let data = pattern(5, 6_000_000);
    std::fs::write(nas.root.join("Public/movie.bin"), &data).unwrap();
    let vfs = connect(&nas).await;
    let got = read_all(&vfs, &p("/Public/movie.bin"), 0).await.unwrap();
    assert_eq!(got.len(), data.len());
    assert!(got == data, "resumed bytes differ");
}

#[tokio::test]
async fn dropped_upload_is_a_transient_error_and_retry_works() {
    let faults = Faults {
        drop_after_bytes: Some(1_000_000),
        ..Faults::default()
    };
    let nas = start(faults, None).await;
    let vfs = connect(&nas).await;
    let data = pattern(9, 3_000_000);
    let path = p("/Public/up.bin");
    let err = vfs
        .write_new(&path, data.len() as u64, reader(data.clone()), None)
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    vfs.write_new(&path, data.len() as u64, reader(data.clone()), None)
        .await
        .unwrap();
    assert_eq!(std::fs::read(nas.root.join("Public/up.bin")).unwrap(), data);
}

#[tokio::test]
async fn broken_replies_give_clear_errors() {
    // Every reply an HTTP 500: a server error after retries, no panic.
    let nas = start(
        Faults {
            http500_every: Some(1),
            ..Faults::default()
        },
        None,
    )
    .await;
    let err = QnapVfs::connect(config(&nas, "alice", "pw"))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("500"), "{err}");

    // A download error arrives as HTTP 200 + JSON: an error, never file bytes.
    let nas = start(Faults::default(), None).await;
    let vfs = connect(&nas).await;
    let err = vfs
        .open_read(&p("/Public/ghost.bin"), 0)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, VfsError::NotFound(_)), "{err:?}");

    // Every third reply cut in half: reads are retried (by the caller, through the one
    // retry layer) and succeed.
    let nas = start(
        Faults {
            truncate_every: Some(3),
            ..Faults::default()
        },
        None,
    )
    .await;
    std::fs::write(nas.root.join("Public/a.txt"), b"hello").unwrap();
    let vfs = connect(&nas).await;
    for _ in 0..4 {
        let pages: Vec<Vec<Entry>> = nascmd::jobs::retry_interactive(|| async {
            vfs.list(&p("/Public")).await?.try_collect().await
        })
        .await
        .unwrap();
        let names: Vec<String> = pages.into_iter().flatten().map(|e| e.name).collect();
        assert_eq!(names, ["a.txt"]);
    }

    // Every reply truncated: a clear protocol error.
    let nas = start(
        Faults {
            truncate_every: Some(1),
            ..Faults::default()
        },
        None,
    )
    .await;
    let err = QnapVfs::connect(config(&nas, "alice", "pw"))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, VfsError::Protocol(_)), "{err:?}");
}

#[tokio::test]
async fn hostile_names_stay_data() {
    let nas = start(Faults::default(), None).await;
    let evil = "\x1b[2J";
    std::fs::write(nas.root.join("Public").join(evil), b"boom").unwrap();
    std::fs::write(nas.root.join("Public/new\nline"), b"nl").unwrap();
    let vfs = connect(&nas).await;
    let entries = list_all(&vfs, &p("/Public")).await;
    let e = entries.iter().find(|e| e.name == evil).expect("listed");
    let path = p("/Public").join(&e.name).unwrap();
    assert_eq!(path.parent(), p("/Public"));
    assert!(!path.to_string().contains('\x1b'));
    assert_eq!(read_all(&vfs, &path, 0).await.unwrap(), b"boom");
    // A local target built from the name stays inside the target folder.
    let local = tempfile::tempdir().unwrap();
    let target = local.path().join(&e.name);
    assert_eq!(target.parent().unwrap(), local.path());
    // Names the multipart header cannot carry still upload under the right name.
    let quoted = p("/Public/say \"hi\" \\ there");
    vfs.write_new(&quoted, 3, reader(b"abc".to_vec()), None)
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(nas.root.join("Public/say \"hi\" \\ there")).unwrap(),
        b"abc"
    );
    let names: Vec<String> = list_all(&vfs, &p("/Public"))
        .await
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with(".nascmd-upload")),
        "{names:?}"
    );
}

#[tokio::test]
async fn share_links_lifecycle() {
    let nas = start(Faults::default(), None).await;
    let data = pattern(3, 50_000);
    std::fs::write(nas.root.join("Public/shared.bin"), &data).unwrap();
    let vfs = connect(&nas).await;
    let path = p("/Public/shared.bin");
    let link = vfs
        .share_create(
            &path,
            &ShareOptions {
                expire_secs: Some(2 * 86_400),
                ..ShareOptions::default()
            },
        )
        .await
        .unwrap();
    assert!(link.url.starts_with(&nas.emu.base_url), "{}", link.url);
    assert!(link.expires.is_some());
    let body = reqwest::get(&link.url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(body[..] == data[..], "the link does not serve the file");

    let listed = vfs.share_list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id.as_str(), &listed[0].path),
        (link.id.as_str(), &path)
    );

    let updated = vfs
        .share_update(
            &link,
            &ShareOptions {
                expire_secs: None,
                access_code: Some("1234".into()),
                host_override: Some("nas.example.org:8443".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.expires, None);
    assert_eq!(updated.access_code.as_deref(), Some("1234"));
    assert!(
        updated
            .url
            .starts_with("http://nas.example.org:8443/share.cgi?"),
        "{}",
        updated.url
    );

    // With an access code the link serves the file only to whoever has the code.
    let locked = reqwest::get(&link.url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(locked[..] != data[..], "served without the access code");
    let with_code = format!("{}&access_code=1234", link.url);
    let body = reqwest::get(&with_code)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(body[..] == data[..], "not served with the access code");

    vfs.share_revoke(&updated).await.unwrap();
    assert!(vfs.share_list().await.unwrap().is_empty());
    let after = reqwest::get(&link.url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        after[..] != data[..],
        "a revoked link still serves the file"
    );
}

/// The root lists the shares. (A big folder's pages: tests/conformance.rs.)
#[tokio::test]
async fn root_lists_the_shares() {
    let nas = start(Faults::default(), None).await;
    let vfs = connect(&nas).await;
    let shares = list_all(&vfs, &VPath::root()).await;
    let mut share_names: Vec<_> = shares.iter().map(|e| e.name.as_str()).collect();
    share_names.sort();
    assert_eq!(share_names, ["Backups", "Media", "Public"]);
}

#[tokio::test]
async fn read_only_account_sees_read_only_shares() {
    let mut ro = QnapUser::new("guest", "pw");
    ro.readonly = true;
    let nas = start(Faults::default(), Some(vec![ro])).await;
    std::fs::write(nas.root.join("Public/a.txt"), b"x").unwrap();
    let vfs = QnapVfs::connect(config(&nas, "guest", "pw")).await.unwrap();
    let shares = list_all(&vfs, &VPath::root()).await;
    assert!(!shares.is_empty() && shares.iter().all(|e| e.readonly));
    let files = list_all(&vfs, &p("/Public")).await;
    assert!(files.iter().all(|e| e.readonly), "{files:?}");
    let err = vfs.mkdir(&p("/Public/new")).await.unwrap_err();
    assert!(matches!(err, VfsError::PermissionDenied(_)), "{err:?}");
    assert!(!nas.root.join("Public/new").exists());
    // A folder is never deleted to make room for a rename.
    let nas = start(Faults::default(), None).await;
    std::fs::create_dir_all(nas.root.join("Public/dir/inner")).unwrap();
    std::fs::write(nas.root.join("Public/f"), b"x").unwrap();
    let vfs = connect(&nas).await;
    let err = vfs
        .rename(&p("/Public/f"), &p("/Public/dir"), true)
        .await
        .unwrap_err();
    assert!(matches!(err, VfsError::AlreadyExists(_)), "{err:?}");
    assert!(nas.root.join("Public/dir/inner").is_dir());
}

// ------------------------------------------------- through the job engine

mod through_jobs {
    use super::*;
    use nascmd::jobs::{
        ConflictPolicy, EngineOptions, JobEngine, JobEvent, JobKind, JobReport, JobSpec,
        RetryPolicy,
    };
    use nascmd::vfs::VfsHandle;
    use nascmd::vfs::local::LocalFs;

    fn vp(p: &Path) -> VPath {
        VPath::parse(p.to_str().unwrap()).unwrap()
    }

    async fn run_job(spec: JobSpec) -> JobReport {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let engine = JobEngine::with_options(
            tx,
            EngineOptions {
                workers: 8,
                adapt_to_link: false,
                retry: RetryPolicy {
                    retries: 4,
                    retry_for: Duration::from_secs(60),
                    first_delay: Duration::from_millis(50),
                    max_delay: Duration::from_millis(500),
                },
                ..EngineOptions::default()
            },
        );
        let id = engine.start(spec);
        let wait = async {
            while let Some(ev) = rx.recv().await {
                if let JobEvent::Finished { id: j, report } = ev
                    && j == id
                {
                    return report;
                }
            }
            panic!("event channel closed");
        };
        tokio::time::timeout(Duration::from_secs(300), wait)
            .await
            .expect("job timed out")
    }

    fn copy(src: VfsHandle, sources: Vec<VPath>, dst: VfsHandle, dir: VPath) -> JobSpec {
        JobSpec {
            kind: JobKind::Copy,
            src,
            sources,
            dst: Some((dst, dir)),
            rename_to: None,
            conflict: ConflictPolicy::Overwrite,
        }
    }

    fn assert_clean(report: &JobReport) {
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        assert!(!report.cancelled);
    }

    /// Upload of a nested tree plus a file over 100 MB, then download of all of it,
    /// bytes compared, with a session that expires several times meanwhile.
    #[tokio::test]
    async fn tree_and_big_file_both_ways_with_expiring_session() {
        let _place = support::jobs::parallel_ranges_place().await;
        let nas = start(
            Faults {
                session_lifetime: Some(Duration::from_secs(2)),
                ..Faults::default()
            },
            None,
        )
        .await;
        let qnap: Arc<QnapVfs> = Arc::new(connect(&nas).await);
        let nas_vfs: VfsHandle = qnap.clone();
        let local: VfsHandle = Arc::new(LocalFs::new());
        let work = tempfile::tempdir().unwrap();
        let up = work.path().join("upload");
        let files = make_local_tree(&up, 20, 15);
        {
            use std::io::Write;
            let mut f = std::fs::File::create(up.join("big.bin")).unwrap();
            for i in 0..101u64 {
                f.write_all(&pattern(i, 1 << 20)).unwrap();
            }
        }
        let report = run_job(copy(
            local.clone(),
            vec![vp(&up)],
            nas_vfs.clone(),
            p("/Public"),
        ))
        .await;
        assert_clean(&report);
        assert_eq!(report.items_done, files.len() as u64 + 1);
        for (rel, data) in &files {
            let got = std::fs::read(nas.root.join("Public/upload").join(rel)).unwrap();
            assert_eq!(&got, data, "{rel}");
        }
        let big_src = std::fs::read(up.join("big.bin")).unwrap();
        assert!(std::fs::read(nas.root.join("Public/upload/big.bin")).unwrap() == big_src);

        let down = work.path().join("download");
        std::fs::create_dir_all(&down).unwrap();
        let report = run_job(copy(
            nas_vfs.clone(),
            vec![p("/Public/upload")],
            local.clone(),
            vp(&down),
        ))
        .await;
        assert_clean(&report);
        for (rel, data) in &files {
            assert_eq!(&std::fs::read(down.join("upload").join(rel)).unwrap(), data);
        }
        assert!(std::fs::read(down.join("upload/big.bin")).unwrap() == big_src);
        assert!(qnap.session_renewals() >= 1, "the session never expired");
    }

    /// A move within the NAS goes through the server-side move: the source is gone,
    /// the target complete.
    #[tokio::test]
    async fn move_within_the_nas() {
        let nas = start(Faults::default(), None).await;
        std::fs::create_dir_all(nas.root.join("Public/album/2024")).unwrap();
        std::fs::write(nas.root.join("Public/album/2024/p.jpg"), pattern(4, 90_000)).unwrap();
        let nas_vfs: VfsHandle = Arc::new(connect(&nas).await);
        let report = run_job(JobSpec {
            kind: JobKind::Move,
            ..copy(
                nas_vfs.clone(),
                vec![p("/Public/album")],
                nas_vfs.clone(),
                p("/Backups"),
            )
        })
        .await;
        assert_clean(&report);
        assert!(!nas.root.join("Public/album").exists());
        assert_eq!(
            std::fs::read(nas.root.join("Backups/album/2024/p.jpg")).unwrap(),
            pattern(4, 90_000)
        );
    }

    /// A download whose connection drops resumes and arrives intact.
    #[tokio::test]
    async fn dropped_download_completes_through_the_engine() {
        let nas = start(
            Faults {
                drop_after_bytes: Some(700_000),
                ..Faults::default()
            },
            None,
        )
        .await;
        let data = pattern(8, 4_000_000);
        std::fs::write(nas.root.join("Public/clip.bin"), &data).unwrap();
        let nas_vfs: VfsHandle = Arc::new(connect(&nas).await);
        let local: VfsHandle = Arc::new(LocalFs::new());
        let down = tempfile::tempdir().unwrap();
        let report = run_job(copy(
            nas_vfs,
            vec![p("/Public/clip.bin")],
            local,
            vp(down.path()),
        ))
        .await;
        assert_clean(&report);
        assert!(std::fs::read(down.path().join("clip.bin")).unwrap() == data);
        let leftovers: Vec<_> = std::fs::read_dir(down.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary files left behind");
    }

    /// A file big enough for parallel ranges (each MiB different, so a part written at
    /// the wrong offset shows).
    fn write_big(path: &Path, mib: u64) -> Vec<u8> {
        let data: Vec<u8> = (0..mib).flat_map(|i| pattern(100 + i, 1 << 20)).collect();
        std::fs::write(path, &data).unwrap();
        data
    }

    /// A big download goes through parallel ranges; every range's connection is cut
    /// every 3.5 MB, and each is resumed within its own bounds: the file arrives
    /// identical, counted once, with no temporary file left.
    #[tokio::test]
    async fn big_file_arrives_identical_through_parallel_ranges_despite_drops() {
        let _place = support::jobs::parallel_ranges_place().await;
        let nas = start(
            Faults {
                drop_after_bytes: Some(3_500_000),
                drop_every_time: true,
                ..Faults::default()
            },
            None,
        )
        .await;
        let data = write_big(&nas.root.join("Public/film.mkv"), 72);
        let nas_vfs: VfsHandle = Arc::new(connect(&nas).await);
        let local: VfsHandle = Arc::new(LocalFs::new());
        let down = tempfile::tempdir().unwrap();
        let report = run_job(copy(
            nas_vfs,
            vec![p("/Public/film.mkv")],
            local,
            vp(down.path()),
        ))
        .await;
        assert_clean(&report);
        assert_eq!(
            report.bytes_done,
            data.len() as u64,
            "bytes counted twice or lost"
        );
        assert!(std::fs::read(down.path().join("film.mkv")).unwrap() == data);
        let leftovers: Vec<_> = std::fs::read_dir(down.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary files left behind");
    }

    /// Cancelling while the parts arrive stops at once and removes the temporary file.
    /// (It is seen at its full size while running: the parallel path made it.)
    #[tokio::test]
    async fn cancelling_a_parallel_download_leaves_no_temporary_file() {
        let _place = support::jobs::parallel_ranges_place().await;
        let nas = start(
            Faults {
                bandwidth: Some(4 << 20),
                ..Faults::default()
            },
            None,
        )
        .await;
        let data = write_big(&nas.root.join("Public/slow.bin"), 72);
        let nas_vfs: VfsHandle = Arc::new(connect(&nas).await);
        let local: VfsHandle = Arc::new(LocalFs::new());
        let down = tempfile::tempdir().unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        // No round trip measured (as with `--jobs`): on loopback a measured one would
        // stream plainly, and this test is about the parallel path.
        let engine = JobEngine::with_options(
            tx,
            EngineOptions {
                adapt_to_link: false,
                ..EngineOptions::default()
            },
        );
        let id = engine.start(copy(
            nas_vfs,
            vec![p("/Public/slow.bin")],
            local,
            vp(down.path()),
        ));
        let presized = async {
            loop {
                let full = std::fs::read_dir(down.path()).unwrap().flatten().any(|e| {
                    e.file_name().to_string_lossy().starts_with(".nascmd-part-")
                        && e.metadata().unwrap().len() == data.len() as u64
                });
                if full {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(30), presized)
            .await
            .expect("no pre-sized temporary file: the parallel path was not taken");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let asked = std::time::Instant::now();
        engine.cancel(id);
        let report = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                match rx.recv().await {
                    Some(JobEvent::Finished { id: j, report }) if j == id => return report,
                    Some(_) => {}
                    None => panic!("event channel closed"),
                }
            }
        })
        .await
        .expect("the cancel did not stop the job");
        assert!(report.cancelled);
        assert!(
            asked.elapsed() < Duration::from_secs(3),
            "{:?}",
            asked.elapsed()
        );
        let left: Vec<_> = std::fs::read_dir(down.path()).unwrap().collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}

/// A NAS with "force SSL" redirects plain HTTP; the login says where to go instead of
/// failing as a wrong password.
#[tokio::test]
async fn redirect_to_https_is_explained() {
    let app = axum::Router::new().fallback(|| async {
        axum::response::Redirect::permanent("https://nas.example.org:443/cgi-bin/authLogin.cgi?x=1")
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let err = QnapVfs::connect(QnapConfig {
        base_url: format!("http://{addr}"),
        user: "alice".into(),
        password: Secret::new("pw"),
        ..QnapConfig::default()
    })
    .await
    .err()
    .unwrap();
    let msg = err.to_string();
    assert!(msg.contains("https://nas.example.org"), "{msg}");
    assert!(!msg.contains("x=1"), "{msg}");
}

/// Stats `dir` until a request is answered with the injected HTTP 500: the next fault is
/// then exactly `http500_every` requests away (one client, one request at a time).
async fn align_on_fault(vfs: &QnapVfs, dir: &VPath) {
    for _ in 0..10 {
        if let Err(e) = vfs.stat(dir).await {
            assert!(e.is_transient(), "{e:?}");
            return;
        }
    }
    panic!("no injected fault within 10 requests");
}

#[tokio::test]
async fn a_listing_failing_on_a_later_page_is_listed_again() {
    // Every 5th request answers HTTP 500; 7000 entries come in 3 pages (1000 + 5000 +
    // 1000), one request each.
    let nas = start(
        Faults {
            http500_every: Some(5),
            ..Faults::default()
        },
        None,
    )
    .await;
    let dir = nas.root.join("Public/big");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..7000 {
        std::fs::write(dir.join(format!("f{i:04}")), b"").unwrap();
    }
    let cfg = config(&nas, "alice", "pw");
    let vfs = Arc::new(
        nascmd::jobs::retry_interactive(|| QnapVfs::connect(cfg.clone()))
            .await
            .unwrap(),
    );
    let big = p("/Public/big");

    // A fault, two good requests: the listing's third page is the next fault.
    align_on_fault(&vfs, &big).await;
    vfs.stat(&big).await.unwrap();
    vfs.stat(&big).await.unwrap();
    // Listed without retrying later pages, the folder ends with that fault.
    let mut pages = vfs.list(&big).await.unwrap();
    let mut before_fault = 0;
    let err = loop {
        match pages
            .next()
            .await
            .expect("the listing ended without the fault")
        {
            Ok(page) => before_fault += page.len(),
            Err(e) => break e,
        }
    };
    assert!(err.is_transient(), "{err:?}");
    // The first page and the one later page that came back before the fault.
    let paging = nascmd::nas::qnap::ListPaging::default();
    assert_eq!(before_fault as u64, paging.first + paging.next);

    // The same, listed through the retry layer: every name arrives exactly once.
    align_on_fault(&vfs, &big).await;
    vfs.stat(&big).await.unwrap();
    vfs.stat(&big).await.unwrap();
    let mut pages = nascmd::jobs::list_retrying(
        vfs.clone(),
        big.clone(),
        nascmd::jobs::RetryPolicy::INTERACTIVE,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let mut seen = std::collections::HashMap::<String, u32>::new();
    while let Some(page) = pages.next().await {
        for e in page.unwrap() {
            *seen.entry(e.name).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), 7000);
    assert!(seen.values().all(|n| *n == 1), "a name arrived twice");
}

#[tokio::test]
async fn server_copy_polls_through_failed_polls() {
    // Every 3rd request answers HTTP 500: after a fault, the copy's `stat` and its start
    // go through and its first status poll fails (as do later ones now and then).
    let nas = start(
        Faults {
            http500_every: Some(3),
            ..Faults::default()
        },
        None,
    )
    .await;
    std::fs::write(nas.root.join("Public/a.bin"), pattern(3, 2_000_000)).unwrap();
    let cfg = config(&nas, "alice", "pw");
    let vfs = nascmd::jobs::retry_interactive(|| QnapVfs::connect(cfg.clone()))
        .await
        .unwrap();
    align_on_fault(&vfs, &p("/Public/a.bin")).await;
    vfs.server_copy(
        &[p("/Public/a.bin")],
        &p("/Backups"),
        ServerConflict::Overwrite,
        Arc::new(|_| {}),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(
        std::fs::read(nas.root.join("Backups/a.bin")).unwrap(),
        pattern(3, 2_000_000)
    );
}
