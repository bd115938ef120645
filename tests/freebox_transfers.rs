//! Freebox transfers end to end against the emulator: a nested tree and a 100 MB file
//! with bytes compared, awkward names, a dropped download resumed with `Range`, the
//! legacy upload of API v3 boxes, share links and their public URL, HTTPS with a
//! private root and an AKI-less leaf, and the job engine working on a Freebox.

use crate::support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use nascmd::emulator::freebox::{FreeboxEmulatorConfig, spawn};
use nascmd::jobs::search::walk_search;
use nascmd::jobs::{
    ConflictPolicy, EngineOptions, JobEngine, JobEvent, JobKind, JobReport, JobSpec, RetryPolicy,
};
use nascmd::nas::freebox::{FreeboxConfig, FreeboxVfs};
use nascmd::nas::tls::{Trust, certificate_fingerprint};
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{Append, ByteReader, ShareLinks, ShareOptions, VPath, Vfs, VfsError, VfsHandle};
use sha2::{Digest, Sha256};
use support::freebox::*;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ---------------------------------------------------------------- transfers

/// Uploads a local folder tree through the Vfs (mkdir + write_new), as the job engine does.
async fn upload_tree(vfs: &dyn Vfs, local: &Path, remote: &VPath) {
    vfs.mkdir(remote).await.unwrap();
    let mut rd = tokio::fs::read_dir(local).await.unwrap();
    while let Some(e) = rd.next_entry().await.unwrap() {
        let name = e.file_name().into_string().unwrap();
        let target = remote.join(&name).unwrap();
        if e.file_type().await.unwrap().is_dir() {
            Box::pin(upload_tree(vfs, &e.path(), &target)).await;
        } else {
            let len = e.metadata().await.unwrap().len();
            let file = tokio::fs::File::open(e.path()).await.unwrap();
            vfs.write_new(&target, len, Box::pin(file), None)
                .await
                .unwrap();
        }
    }
}

/// Downloads a remote tree into a local folder.
async fn download_tree(vfs: &dyn Vfs, remote: &VPath, local: &Path) {
    std::fs::create_dir_all(local).unwrap();
    for e in names(vfs, remote).await {
        let src = remote.join(&e.name).unwrap();
        if e.is_dir() {
            Box::pin(download_tree(vfs, &src, &local.join(&e.name))).await;
        } else {
            let mut r = vfs.open_read(&src, 0).await.unwrap();
            let mut out = tokio::fs::File::create(local.join(&e.name)).await.unwrap();
            tokio::io::copy(&mut r, &mut out).await.unwrap();
            out.flush().await.unwrap();
        }
    }
}

fn tree_listing(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if e.file_type().unwrap().is_dir() {
                out.push((rel + "/", Vec::new()));
                stack.push(e.path());
            } else {
                out.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn nested_tree_round_trips_with_awkward_names() {
    let f = start(|_| {}).await;
    let local = TempDir::new().unwrap();
    let src = local.path().join("src");
    let names_to_try = [
        "Vidéos été",
        "a+b c",
        "é?",             // base64 token holds a '/'
        "~~~",            // base64 token holds a '+'
        "Spe\u{301}cial", // NFD
        "Spécial",        // NFC: a different name
        "日本語 ファイル",
        "x=y&z",
    ];
    std::fs::create_dir_all(src.join("deep/er/est")).unwrap();
    for (i, n) in names_to_try.iter().enumerate() {
        std::fs::write(src.join(n), pattern(1000 + i * 777, i as u64)).unwrap();
        std::fs::create_dir_all(src.join("deep").join(n)).unwrap();
        std::fs::write(src.join("deep").join(n).join(n), n.as_bytes()).unwrap();
    }
    std::fs::write(src.join("deep/er/est/empty"), b"").unwrap();
    std::fs::write(
        src.join("deep/er/est/mid.bin"),
        pattern(3 * 1024 * 1024 + 17, 9),
    )
    .unwrap();

    upload_tree(&f.fbx, &src, &disk("tree")).await;
    // What the box stored is what we sent, byte for byte and name for name.
    assert_eq!(
        tree_listing(&src),
        tree_listing(&f.root.path().join("tree"))
    );
    let top: Vec<String> = names(&f.fbx, &disk("tree"))
        .await
        .into_iter()
        .map(|e| e.name)
        .collect();
    for n in names_to_try {
        assert!(top.iter().any(|t| t == n), "{n:?} missing from {top:?}");
        assert_eq!(
            f.fbx
                .stat(&disk("tree").join(n).unwrap())
                .await
                .unwrap()
                .name,
            n
        );
    }
    let back = local.path().join("back");
    download_tree(&f.fbx, &disk("tree"), &back).await;
    assert_eq!(tree_listing(&src), tree_listing(&back));
}

async fn sha_of_reader(mut r: ByteReader) -> (u64, Vec<u8>) {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf).await.unwrap();
        if k == 0 {
            return (n, h.finalize().to_vec());
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
}

#[tokio::test]
async fn hundred_megabyte_file_round_trips() {
    let f = start(|_| {}).await;
    let local = TempDir::new().unwrap();
    let src = local.path().join("big.bin");
    const LEN: usize = 100 * 1024 * 1024;
    {
        let mut out = std::fs::File::create(&src).unwrap();
        for i in 0..100 {
            std::io::Write::write_all(&mut out, &pattern(1024 * 1024, i)).unwrap();
        }
    }
    let (_, want) = sha_of_reader(Box::pin(tokio::fs::File::open(&src).await.unwrap())).await;
    let file = tokio::fs::File::open(&src).await.unwrap();
    f.fbx
        .write_new(&disk("big.bin"), LEN as u64, Box::pin(file), None)
        .await
        .unwrap();
    assert_eq!(f.fbx.stat(&disk("big.bin")).await.unwrap().size, LEN as u64);
    let (n, got) = sha_of_reader(f.fbx.open_read(&disk("big.bin"), 0).await.unwrap()).await;
    assert_eq!((n, got), (LEN as u64, want.clone()));
    // A ranged read from the middle carries exactly the tail.
    let off = 60 * 1024 * 1024 + 5;
    let mut tail = f.fbx.open_read(&disk("big.bin"), off).await.unwrap();
    let mut first = vec![0u8; 1024];
    tail.read_exact(&mut first).await.unwrap();
    let on_disk = std::fs::read(f.root.path().join("big.bin")).unwrap();
    assert_eq!(first, on_disk[off as usize..off as usize + 1024]);
}

#[tokio::test]
async fn short_data_fails_the_upload_and_leaves_no_file() {
    let f = start(|_| {}).await;
    let err = f
        .fbx
        .write_new(
            &disk("short.bin"),
            2_000_000,
            reader(pattern(1_000_000, 5)),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, VfsError::SizeMismatch { .. }), "{err:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!f.root.path().join("short.bin").exists());
}

#[tokio::test]
async fn dropped_download_resumes_with_range() {
    let f = start(|c| c.faults.drop_after_bytes = Some(3 * 1024 * 1024)).await;
    let data = pattern(8 * 1024 * 1024, 11);
    std::fs::write(f.root.path().join("movie.bin"), &data).unwrap();

    let mut got = Vec::new();
    let mut r = f.fbx.open_read(&disk("movie.bin"), 0).await.unwrap();
    let err = r.read_to_end(&mut got).await;
    assert!(
        err.is_err(),
        "a cut connection must be an error, not a short file"
    );
    assert!(!got.is_empty() && got.len() < data.len(), "{}", got.len());
    assert!(got[..] == data[..got.len()]);

    let mut rest = f
        .fbx
        .open_read(&disk("movie.bin"), got.len() as u64)
        .await
        .unwrap();
    rest.read_to_end(&mut got).await.unwrap();
    assert_eq!(got.len(), data.len());
    assert!(got == data, "resumed bytes differ");
}

#[tokio::test]
async fn dropped_upload_is_a_transient_error_and_leaves_no_file() {
    let f = start(|c| c.faults.drop_after_bytes = Some(1024 * 1024)).await;
    let data = pattern(3 * 1024 * 1024, 12);
    let err = f
        .fbx
        .write_new(
            &disk("up.bin"),
            data.len() as u64,
            reader(data.clone()),
            None,
        )
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(
        !f.root.path().join("up.bin").exists(),
        "a half file under the final name"
    );
    // The next attempt (the drop happens once) completes with the right bytes.
    upload(&f.fbx, &disk("up.bin"), &data).await;
    assert!(std::fs::read(f.root.path().join("up.bin")).unwrap() == data);
}

#[tokio::test]
async fn download_without_range_support_still_resumes_correctly() {
    let f = start(|c| c.range_support = false).await;
    let data = pattern(2 * 1024 * 1024, 4);
    std::fs::write(f.root.path().join("f.bin"), &data).unwrap();
    let mut r = f.fbx.open_read(&disk("f.bin"), 1_500_000).await.unwrap();
    let mut tail = Vec::new();
    r.read_to_end(&mut tail).await.unwrap();
    assert!(tail == data[1_500_000..]);
}

#[tokio::test]
async fn api_v3_box_uses_the_legacy_http_upload() {
    let f = start(|c| c.api_major = 3).await;
    assert_eq!(f.fbx.api_major(), 3);
    let data = pattern(1_500_000, 31);
    f.fbx.mkdir(&disk("old box")).await.unwrap();
    let target = disk("old box/été + 1.bin");
    upload(&f.fbx, &target, &data).await;
    assert!(std::fs::read(f.root.path().join("old box/été + 1.bin")).unwrap() == data);
    // Replacing an existing file works although this API has no overwrite flag.
    upload(&f.fbx, &target, b"second").await;
    assert_eq!(download(&f.fbx, &target).await, b"second");
    let listed = names(&f.fbx, &disk("old box")).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
}

// ---------------------------------------------------------------- share links

#[tokio::test]
async fn share_links_create_list_update_delete_and_serve_bytes() {
    let f = start(|_| {}).await;
    let data = pattern(300_000, 21);
    upload(&f.fbx, &disk("à partager.bin"), &data).await;
    let path = disk("à partager.bin");

    let link = f
        .fbx
        .share_create(&path, &ShareOptions::default())
        .await
        .unwrap();
    assert_eq!(link.path, path);
    assert_eq!(link.expires, None);
    assert!(!link.url.is_empty(), "remote access is on: a public URL");
    // The public URL serves the bytes to anyone, no session.
    let public = reqwest::get(&link.url).await.unwrap();
    assert!(public.status().is_success(), "{}", public.status());
    assert!(public.bytes().await.unwrap() == data);

    let listed = f.fbx.share_list().await.unwrap();
    assert_eq!(listed, vec![link.clone()]);
    assert_eq!(f.fbx.share_get(&link.id).await.unwrap(), link);

    // An expiry change re-creates the link (the protocol has no update) and says so.
    let opts = ShareOptions {
        expire_secs: Some(3600),
        ..ShareOptions::default()
    };
    let updated = f.fbx.share_update(&link, &opts).await.unwrap();
    assert_ne!(updated.id, link.id);
    assert!(updated.expires.unwrap() > 0);
    let listed = f.fbx.share_list().await.unwrap();
    assert_eq!(listed, vec![updated.clone()]);
    assert!(
        reqwest::get(&updated.url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            == data
    );

    // Passwords do not exist on a Freebox: refused, not silently dropped.
    let with_code = ShareOptions {
        access_code: Some("1234".into()),
        ..ShareOptions::default()
    };
    assert!(matches!(
        f.fbx.share_create(&path, &with_code).await,
        Err(VfsError::Unsupported(_))
    ));

    f.fbx.share_revoke(&updated).await.unwrap();
    assert!(f.fbx.share_list().await.unwrap().is_empty());
    assert!(
        !reqwest::get(&updated.url)
            .await
            .unwrap()
            .status()
            .is_success()
    );
    assert!(f.fbx.share_get(&updated.id).await.is_err());
}

#[tokio::test]
async fn share_link_without_remote_access_has_an_empty_url() {
    let f = start(|c| c.remote_access = false).await;
    upload(&f.fbx, &disk("a.txt"), b"a").await;
    let link = f
        .fbx
        .share_create(&disk("a.txt"), &ShareOptions::default())
        .await
        .unwrap();
    assert_eq!(link.url, "");
    assert_eq!(f.fbx.share_list().await.unwrap().len(), 1);
    f.fbx.share_revoke(&link).await.unwrap();
}

// ---------------------------------------------------------------- TLS

/// A TLS front for the emulator, like a Freebox's HTTPS endpoint: its leaf certificate
/// (for `localhost`) is signed by a private root and, like the box's, carries no
/// Authority Key Identifier. Returns the port, the root's PEM and the leaf (DER).
async fn tls_front(upstream: std::net::SocketAddr) -> (u16, String, Vec<u8>) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    use tokio_rustls::rustls::ServerConfig;
    use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Test Box Root CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf_params.use_authority_key_identifier_extension = false;
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    // id-ce-authorityKeyIdentifier (2.5.29.35) must be absent, as on the real box.
    let aki_oid = [0x06, 0x03, 0x55, 0x1d, 0x23];
    assert!(!leaf.der().windows(5).any(|w| w == aki_oid));

    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (port, ca.pem(), leaf.der().to_vec())
}

#[tokio::test]
async fn https_with_a_private_root_and_a_leaf_without_aki() {
    let root = TempDir::new().unwrap();
    let emu = spawn(FreeboxEmulatorConfig::new(root.path()))
        .await
        .unwrap();
    let token = registered_token(&emu.base_url).await;
    let (port, ca_pem, leaf_der) = tls_front(emu.addr).await;
    let cfg = FreeboxConfig {
        base_url: format!("https://localhost:{port}"),
        app_id: app().app_id,
        app_token: token,
    };

    // Unknown root: verification is on, the connection is refused, and said so.
    let err = FreeboxVfs::connect(cfg.clone()).await.err().unwrap();
    assert!(
        matches!(&err, VfsError::UntrustedCertificate(m) if m.contains("unknown authority")),
        "{err:?}"
    );

    // Pinning the leaf works too (a box behind a proxy with a self-signed certificate).
    let pinned = Trust::Pinned(certificate_fingerprint(&leaf_der));
    let fbx = FreeboxVfs::connect_with_trust(cfg.clone(), &pinned)
        .await
        .unwrap();
    assert_eq!(names(&fbx, &p(DISK)).await.len(), 0);

    // Trusted as an extra root: API, WebSocket upload and download all work over TLS.
    let trust = Trust::ExtraRoots(vec![ca_pem.into_bytes()]);
    let fbx = FreeboxVfs::connect_with_trust(cfg, &trust).await.unwrap();
    let data = pattern(2 * 1024 * 1024 + 3, 41);
    upload(&fbx, &disk("over tls.bin"), &data).await;
    assert!(std::fs::read(root.path().join("over tls.bin")).unwrap() == data);
    assert!(download(&fbx, &disk("over tls.bin")).await == data);
    assert_eq!(names(&fbx, &p(DISK)).await.len(), 1);
}

#[tokio::test]
async fn append_resumes_a_partial_file() {
    let f = start(|_| {}).await;
    assert!(f.fbx.features().append.is_some());
    let data = pattern(2 * 1024 * 1024 + 99, 51);
    let cut = 1_200_001;
    upload(&f.fbx, &disk("part.bin"), &data[..cut]).await;
    f.fbx
        .append(
            &disk("part.bin"),
            (data.len() - cut) as u64,
            reader(data[cut..].to_vec()),
        )
        .await
        .unwrap();
    assert!(std::fs::read(f.root.path().join("part.bin")).unwrap() == data);
    assert_eq!(
        f.fbx.stat(&disk("part.bin")).await.unwrap().size,
        data.len() as u64
    );
    // Too little data: refused, and the bytes already there are kept.
    let err = f
        .fbx
        .append(&disk("part.bin"), 10, reader(b"abc".to_vec()))
        .await
        .unwrap_err();
    assert!(matches!(err, VfsError::SizeMismatch { .. }), "{err:?}");
    assert!(matches!(
        f.fbx
            .append(&disk("missing.bin"), 1, reader(b"x".to_vec()))
            .await,
        Err(VfsError::NotFound(_))
    ));
}

// ---------------------------------------------------------------- through the job engine

async fn run_job(spec: JobSpec) -> JobReport {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = EngineOptions {
        workers: 4,
        adapt_to_link: false,
        retry: RetryPolicy {
            retries: 4,
            retry_for: Duration::from_secs(60),
            first_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
        },
        ..EngineOptions::default()
    };
    let engine = JobEngine::with_options(tx, opts);
    let id = engine.start(spec);
    let wait = async {
        while let Some(ev) = rx.recv().await {
            if let JobEvent::Finished { id: j, report } = ev
                && j == id
            {
                return report;
            }
        }
        panic!("the engine stopped before the job finished");
    };
    tokio::time::timeout(Duration::from_secs(120), wait)
        .await
        .expect("job did not finish in time")
}

#[tokio::test]
async fn job_engine_uploads_downloads_moves_and_searches_on_a_freebox() {
    // One upload connection is dropped along the way: the engine retries and the tree
    // still arrives whole.
    let f = start(|c| c.faults.drop_after_bytes = Some(700 * 1024)).await;
    let fbx: VfsHandle = Arc::new(f.fbx);
    let local_fs: VfsHandle = Arc::new(LocalFs::new());
    let local = TempDir::new().unwrap();
    let src = local.path().join("Vacances été");
    std::fs::create_dir_all(src.join("jour 1/photos +")).unwrap();
    std::fs::write(
        src.join("jour 1/photos +/img 1.jpg"),
        pattern(1_500_000, 61),
    )
    .unwrap();
    std::fs::write(src.join("jour 1/notes.txt"), b"plage").unwrap();
    for i in 0..20 {
        std::fs::write(
            src.join(format!("petit {i}.txt")),
            pattern(100 + i, i as u64),
        )
        .unwrap();
    }
    let local_root = VPath::parse(local.path().to_str().unwrap()).unwrap();

    let up = run_job(JobSpec {
        kind: JobKind::Copy,
        src: local_fs.clone(),
        sources: vec![local_root.join("Vacances été").unwrap()],
        dst: Some((fbx.clone(), p(DISK))),
        rename_to: None,
        conflict: ConflictPolicy::Overwrite,
    })
    .await;
    assert!(up.failed.is_empty(), "{:?}", up.failed);
    assert_eq!(
        tree_listing(&src),
        tree_listing(&f.root.path().join("Vacances été"))
    );

    let back = local.path().join("back");
    std::fs::create_dir(&back).unwrap();
    let down = run_job(JobSpec {
        kind: JobKind::Copy,
        src: fbx.clone(),
        sources: vec![disk("Vacances été")],
        dst: Some((local_fs.clone(), local_root.join("back").unwrap())),
        rename_to: None,
        conflict: ConflictPolicy::Overwrite,
    })
    .await;
    assert!(down.failed.is_empty(), "{:?}", down.failed);
    assert_eq!(tree_listing(&src), tree_listing(&back.join("Vacances été")));

    // Search walks the tree (no server search on a Freebox).
    let hits: Vec<_> = walk_search(fbx.clone(), p(DISK), "img")
        .try_collect()
        .await
        .unwrap();
    let paths: Vec<String> = hits.iter().map(|h| h.path.as_str().to_owned()).collect();
    assert_eq!(
        paths,
        [format!("{DISK}/Vacances été/jour 1/photos +/img 1.jpg")]
    );

    // A move inside the box is an fs/mv task; nothing goes through us.
    fbx.mkdir(&disk("Archives")).await.unwrap();
    let mv = run_job(JobSpec {
        kind: JobKind::Move,
        src: fbx.clone(),
        sources: vec![disk("Vacances été")],
        dst: Some((fbx.clone(), disk("Archives"))),
        rename_to: None,
        conflict: ConflictPolicy::Overwrite,
    })
    .await;
    assert!(mv.failed.is_empty(), "{:?}", mv.failed);
    assert!(!f.root.path().join("Vacances été").exists());
    assert_eq!(
        tree_listing(&src),
        tree_listing(&f.root.path().join("Archives/Vacances été"))
    );
}

/// A file big enough for parallel ranges (each MiB different, so a part written at the
/// wrong offset shows).
fn write_big(path: &Path, mib: u64) -> Vec<u8> {
    let data: Vec<u8> = (0..mib).flat_map(|i| pattern(1 << 20, 300 + i)).collect();
    std::fs::write(path, &data).unwrap();
    data
}

fn download_job(fbx: FreeboxVfs, file: &str, to: &Path) -> JobSpec {
    let local_fs: VfsHandle = Arc::new(LocalFs::new());
    JobSpec {
        kind: JobKind::Copy,
        src: Arc::new(fbx),
        sources: vec![disk(file)],
        dst: Some((local_fs, VPath::parse(to.to_str().unwrap()).unwrap())),
        rename_to: None,
        conflict: ConflictPolicy::Overwrite,
    }
}

/// A big download goes through parallel ranges, and every connection is cut every
/// 3.5 MB. Each part resumes from its first unwritten byte (starting a part over would
/// never get past the cut; one plain stream would run out of retries), so the file
/// arrives identical, counted once, with no temporary file left.
#[tokio::test]
async fn big_download_resumes_each_parallel_range_where_it_stopped() {
    let _place = support::jobs::parallel_ranges_place().await;
    let f = start(|c| {
        c.faults.drop_after_bytes = Some(3_500_000);
        c.faults.drop_every_time = true;
    })
    .await;
    let data = write_big(&f.root.path().join("film.mkv"), 72);
    let down = TempDir::new().unwrap();
    let report = run_job(download_job(f.fbx, "film.mkv", down.path())).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(
        report.bytes_done,
        data.len() as u64,
        "bytes counted twice or lost"
    );
    assert!(std::fs::read(down.path().join("film.mkv")).unwrap() == data);
    let leftovers: Vec<_> = std::fs::read_dir(down.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "temporary files left behind");
}

/// A box that ignores `Range` gets one plain stream instead (parts would each start at
/// byte 0), and the file still arrives whole, counted once.
#[tokio::test]
async fn big_download_from_a_box_without_ranges_falls_back_to_one_stream() {
    let _place = support::jobs::parallel_ranges_place().await;
    let f = start(|c| c.range_support = false).await;
    let data = write_big(&f.root.path().join("iso.img"), 66);
    let down = TempDir::new().unwrap();
    let report = run_job(download_job(f.fbx, "iso.img", down.path())).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.bytes_done, data.len() as u64);
    assert!(std::fs::read(down.path().join("iso.img")).unwrap() == data);
    assert_eq!(std::fs::read_dir(down.path()).unwrap().count(), 1);
}

/// The file grows on the box while its parts arrive: the download fails instead of
/// renaming a mix of old and new bytes into place, and leaves nothing behind.
#[tokio::test]
async fn a_file_changing_during_a_parallel_download_is_refused() {
    let _place = support::jobs::parallel_ranges_place().await;
    let f = start(|c| c.faults.bandwidth = Some(8 << 20)).await;
    let src = f.root.path().join("live.log");
    let data = write_big(&src, 72);
    let down = TempDir::new().unwrap();
    let job = tokio::spawn(run_job(download_job(f.fbx, "live.log", down.path())));
    let dir = down.path().to_owned();
    let presized = async {
        loop {
            let full = std::fs::read_dir(&dir).unwrap().flatten().any(|e| {
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
        .expect("the parallel path was not taken");
    let mut grow = std::fs::OpenOptions::new().append(true).open(&src).unwrap();
    std::io::Write::write_all(&mut grow, b"one more line\n").unwrap();
    let report = job.await.unwrap();
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(
        report.failed[0].message.contains("changed"),
        "{:?}",
        report.failed[0]
    );
    assert_eq!(std::fs::read_dir(down.path()).unwrap().count(), 0);
}
