//! Shared helpers of the Freebox client tests: an emulator on loopback over a temporary
//! folder, a registered and connected client, and small transfer helpers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use nascmd::emulator::RunningEmulator;
use nascmd::emulator::freebox::{FreeboxControl, FreeboxEmulatorConfig, spawn_with_control};
use nascmd::jobs::TEMP_PREFIX;
use nascmd::nas::freebox::{
    AppInfo, AuthStatus, FreeboxConfig, FreeboxVfs, poll_authorization, register,
};
use nascmd::secret::Secret;
use nascmd::vfs::{ByteReader, Entry, ProgressFn, TaskProgress, VPath, Vfs, VfsError};
use tempfile::TempDir;
use tokio::io::AsyncReadExt;

pub const DISK: &str = "/Disque dur";

pub fn app() -> AppInfo {
    AppInfo {
        app_id: "fr.nascmd.test".into(),
        app_name: "nascmd".into(),
        app_version: "0.1.0".into(),
        device_name: "test machine".into(),
    }
}

pub fn p(s: &str) -> VPath {
    VPath::parse(s).unwrap()
}

pub fn disk(rel: &str) -> VPath {
    p(&format!("{DISK}/{rel}"))
}

/// Retries transient failures a few times, as the CLI and the job engine do (fault
/// tests inject HTTP 500s and cut replies into every kind of request).
pub async fn again<T, Fut: std::future::Future<Output = Result<T, VfsError>>>(
    mut op: impl FnMut() -> Fut,
) -> Result<T, VfsError> {
    let mut tries = 0;
    loop {
        match op().await {
            Err(e) if e.is_transient() && tries < 6 => tries += 1,
            other => return other,
        }
    }
}

/// Registers and waits for the grant, as `nascmd remote add` does.
pub async fn registered_token(base_url: &str) -> Secret {
    let info = app();
    let reg = again(|| register(base_url, &info)).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match again(|| poll_authorization(base_url, reg.track_id))
            .await
            .unwrap()
        {
            AuthStatus::Granted => return reg.app_token,
            AuthStatus::Pending if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            other => panic!("registration ended as {other:?}"),
        }
    }
}

pub async fn connect_to(base_url: &str, token: Secret) -> Result<FreeboxVfs, VfsError> {
    FreeboxVfs::connect(FreeboxConfig {
        base_url: base_url.to_owned(),
        app_id: app().app_id,
        app_token: token,
    })
    .await
}

pub struct Fixture {
    pub emu: RunningEmulator,
    pub control: FreeboxControl,
    pub fbx: FreeboxVfs,
    pub root: TempDir,
}

pub async fn start(tweak: impl FnOnce(&mut FreeboxEmulatorConfig)) -> Fixture {
    let root = TempDir::new().unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(root.path());
    tweak(&mut cfg);
    let (emu, control) = spawn_with_control(cfg).await.unwrap();
    let token = registered_token(&emu.base_url).await;
    let fbx = again(|| connect_to(&emu.base_url, token.clone()))
        .await
        .unwrap();
    Fixture {
        emu,
        control,
        fbx,
        root,
    }
}

/// Every entry of a folder, errors passed on.
pub async fn try_list(vfs: &dyn Vfs, dir: &VPath) -> Result<Vec<Entry>, VfsError> {
    let pages: Vec<Vec<Entry>> = vfs.list(dir).await?.try_collect().await?;
    Ok(pages.into_iter().flatten().collect())
}

pub async fn names(vfs: &dyn Vfs, dir: &VPath) -> Vec<Entry> {
    let pages: Vec<Vec<Entry>> = vfs.list(dir).await.unwrap().try_collect().await.unwrap();
    let mut all: Vec<Entry> = pages.into_iter().flatten().collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

pub fn reader(bytes: Vec<u8>) -> ByteReader {
    Box::pin(std::io::Cursor::new(bytes))
}

pub async fn upload(vfs: &dyn Vfs, path: &VPath, bytes: &[u8]) {
    vfs.write_new(path, bytes.len() as u64, reader(bytes.to_vec()), None)
        .await
        .unwrap();
}

pub async fn download(vfs: &dyn Vfs, path: &VPath) -> Vec<u8> {
    let mut r = vfs.open_read(path, 0).await.unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).await.unwrap();
    out
}

/// Deterministic, incompressible-looking bytes.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub fn recording_progress() -> (ProgressFn, Arc<Mutex<Vec<TaskProgress>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    (Arc::new(move |p| s.lock().unwrap().push(p)), seen)
}

/// nascmd's temporaries and the emulator's partial uploads in `dir` (none when it does
/// not exist).
pub fn upload_leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(TEMP_PREFIX) || n.starts_with(".fbxemu-upload."))
                .collect()
        })
        .unwrap_or_default()
}
