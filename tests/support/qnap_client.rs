//! The QNAP client (`QnapVfs`) logged in to the QNAP emulator on loopback, over a temp
//! folder holding the shares `Public`, `Backups` and `Media`.

use std::path::PathBuf;

use nascmd::emulator::RunningEmulator;
use nascmd::emulator::faults::FaultConfig;
use nascmd::emulator::qnap::{self, QnapEmulatorConfig, QnapUser};
use nascmd::nas::qnap::{QnapConfig, QnapVfs};
use nascmd::secret::Secret;

pub struct Nas {
    pub _dir: tempfile::TempDir,
    /// The emulator's disk: one folder per share.
    pub root: PathBuf,
    pub emu: RunningEmulator,
}

/// An emulator with `faults`, and `users` instead of alice/pw when given.
pub async fn start(faults: FaultConfig, users: Option<Vec<QnapUser>>) -> Nas {
    start_configured(|cfg| {
        cfg.faults = faults;
        if let Some(u) = users {
            cfg.users = u;
        }
    })
    .await
}

/// An emulator with alice/pw, its configuration changed by `tweak`.
pub async fn start_configured(tweak: impl FnOnce(&mut QnapEmulatorConfig)) -> Nas {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nas");
    for share in ["Public", "Backups", "Media"] {
        std::fs::create_dir_all(root.join(share)).unwrap();
    }
    let mut cfg = QnapEmulatorConfig::new(&root, "alice", "pw");
    tweak(&mut cfg);
    let emu = qnap::spawn(cfg).await.unwrap();
    Nas {
        _dir: dir,
        root,
        emu,
    }
}

pub fn config(nas: &Nas, user: &str, pw: &str) -> QnapConfig {
    QnapConfig {
        base_url: nas.emu.base_url.clone(),
        user: user.into(),
        password: Secret::new(pw),
        ..QnapConfig::default()
    }
}

/// Logged in as alice.
pub async fn connect(nas: &Nas) -> QnapVfs {
    QnapVfs::connect(config(nas, "alice", "pw")).await.unwrap()
}
