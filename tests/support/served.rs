//! An emulator kept running by its own tokio runtime, for tests that drive the real
//! binary (or other blocking code) from plain test code; shut down on drop.

use std::net::SocketAddr;

use nascmd::emulator::RunningEmulator;
use nascmd::emulator::freebox::FreeboxEmulatorConfig;
use nascmd::emulator::qnap::QnapEmulatorConfig;

use super::relay::Relay;

pub struct Served {
    pub rt: tokio::runtime::Runtime,
    emu: Option<RunningEmulator>,
}

impl Served {
    pub fn qnap(cfg: QnapEmulatorConfig) -> Served {
        let rt = super::runtime();
        let emu = rt.block_on(nascmd::emulator::qnap::spawn(cfg)).unwrap();
        Served { rt, emu: Some(emu) }
    }

    pub fn freebox(cfg: FreeboxEmulatorConfig) -> Served {
        let rt = super::runtime();
        let emu = rt.block_on(nascmd::emulator::freebox::spawn(cfg)).unwrap();
        Served { rt, emu: Some(emu) }
    }

    pub fn emu(&self) -> &RunningEmulator {
        self.emu.as_ref().expect("running until dropped")
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.emu().base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.emu().addr
    }

    /// A byte-counting relay that can stall (`relay::Relay`) in front of the emulator,
    /// run by this runtime.
    pub fn relay(&self) -> Relay {
        self.rt.block_on(Relay::start(self.addr()))
    }

    /// A plain GET of `url` (a share link): its status and body.
    pub fn http_get(&self, url: &str) -> (u16, Vec<u8>) {
        self.rt.block_on(async {
            let r = reqwest::get(url).await.unwrap();
            let status = r.status().as_u16();
            (status, r.bytes().await.unwrap().to_vec())
        })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(e) = self.emu.take() {
            let _ = self.rt.block_on(e.shutdown());
        }
    }
}
