//! The demo NASes of `nascmd --demo`: the QNAP emulator over a generated `Public` share
//! and the Freebox emulator (granting the registration after a short delay, like a
//! person walking to the box), both on loopback, in-process.
//!
//! The demo account's password is random, made at start and handed to the commander in
//! memory: never on a command line, in the environment or in a log.

use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

use crate::emulator::RunningEmulator;
use crate::emulator::freebox::{self, FreeboxEmulatorConfig, GrantMode};
use crate::emulator::qnap::{self, QnapEmulatorConfig};
use crate::secret::Secret;

/// The demo QNAP account.
pub const DEMO_USER: &str = "demo";
/// Size of the big sparse file on the demo share (never written, only `set_len`).
pub const BIG_FILE_SIZE: u64 = 300 * 1024 * 1024;
/// The DDNS name the demo QNAP reports (`get_domain_ip_list`).
pub const DEMO_DDNS_NAME: &str = "localhost";
/// How long the demo Freebox "waits for the button press".
pub const FREEBOX_GRANT_AFTER: Duration = Duration::from_secs(3);

/// Both emulators; dropping this stops them.
pub struct DemoNas {
    pub qnap: RunningEmulator,
    pub freebox: RunningEmulator,
    pub password: Secret,
}

impl DemoNas {
    /// `qnap://demo@127.0.0.1:PORT/Public`: the right pane of the demo.
    pub fn qnap_target(&self) -> String {
        format!("qnap://{DEMO_USER}@{}/Public", self.qnap.addr)
    }

    /// `freebox://127.0.0.1:PORT/Disque dur`: what Alt-N proposes in the demo.
    pub fn freebox_target(&self) -> String {
        format!("freebox://{}/Disque dur", self.freebox.addr)
    }

    /// Starts both emulators over `qnap_root` and `freebox_root` (filled here).
    pub async fn start(qnap_root: &Path, freebox_root: &Path) -> io::Result<DemoNas> {
        build_qnap_root(qnap_root)?;
        build_freebox_root(freebox_root)?;
        let password = random_password()?;
        let mut qcfg = QnapEmulatorConfig::new(qnap_root, DEMO_USER, password.expose());
        // The box reports a DDNS name, so Alt-L offers a choice of hosts; `localhost`
        // resolves on this machine, so a link made with it opens too.
        qcfg.ddns_name = Some(DEMO_DDNS_NAME.to_owned());
        let qnap = qnap::spawn(qcfg).await?;
        let mut fcfg = FreeboxEmulatorConfig::new(freebox_root);
        fcfg.grant = GrantMode::After(FREEBOX_GRANT_AFTER);
        let freebox = freebox::spawn(fcfg).await?;
        Ok(DemoNas {
            qnap,
            freebox,
            password,
        })
    }

    /// Stops both servers.
    pub async fn shutdown(self) {
        let _ = self.qnap.shutdown().await;
        let _ = self.freebox.shutdown().await;
    }
}

/// 24 random alphanumeric characters from the OS generator.
fn random_password() -> io::Result<Secret> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
    let s: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    Ok(Secret::new(s))
}

/// The NAS root: a `Public` share with nested folders, photos, a few hundred small
/// files and one big sparse file, plus an empty `Multimedia` share.
pub fn build_qnap_root(root: &Path) -> io::Result<()> {
    let public = root.join("Public");
    for (year, trips) in [(2023, ["Alps", "Brittany"]), (2024, ["Rome", "Lisbon"])] {
        for trip in trips {
            let d = public.join("Photos").join(year.to_string()).join(trip);
            fs::create_dir_all(&d)?;
            for i in 1..=40u32 {
                let data: Vec<u8> = (0..4096u32)
                    .map(|k| (k.wrapping_mul(17).wrapping_add(i * 3 + year)) as u8)
                    .collect();
                fs::write(d.join(format!("DSC_{year}_{i:04}.jpg")), data)?;
            }
        }
    }
    let reports = public.join("Documents").join("Reports").join("2025");
    fs::create_dir_all(&reports)?;
    for q in 1..=4 {
        fs::write(
            reports.join(format!("quarterly-report-Q{q}.txt")),
            format!("Quarterly report, Q{q} 2025.\n").repeat(50),
        )?;
    }
    let manuals = public.join("Documents").join("Manuals");
    fs::create_dir_all(&manuals)?;
    for i in 1..=60 {
        fs::write(
            manuals.join(format!("manual-{i:02}.txt")),
            format!("Manual {i}\n"),
        )?;
    }
    let music = public.join("Music").join("Playlists");
    fs::create_dir_all(&music)?;
    for i in 1..=30 {
        fs::write(
            music.join(format!("playlist{i}.m3u")),
            format!("#EXTM3U\n# {i}\n"),
        )?;
    }
    let videos = public.join("Videos");
    fs::create_dir_all(&videos)?;
    // Sparse: the size without the writes (or the disk space).
    fs::File::create(videos.join("holiday-film.mkv"))?.set_len(BIG_FILE_SIZE)?;
    fs::write(
        public.join("README.txt"),
        "The demo NAS. Try F5, F8, Alt-?.\n",
    )?;
    fs::create_dir_all(root.join("Multimedia"))?;
    Ok(())
}

/// The Freebox disk: a few folders with accents, like a real box.
pub fn build_freebox_root(root: &Path) -> io::Result<()> {
    for d in ["Vidéos", "Téléchargements", "Enregistrements"] {
        fs::create_dir_all(root.join(d))?;
    }
    for i in 1..=12 {
        fs::write(
            root.join("Téléchargements")
                .join(format!("fichier {i}.txt")),
            format!("Téléchargement {i}\n"),
        )?;
    }
    Ok(())
}
