//! The one support module of the integration tests: each test file says `mod support;`
//! and uses the parts it needs.
// Every test binary compiles all of this but uses only its own part.
#![allow(dead_code)]

/// A multi-thread runtime with two workers, for emulators driven from blocking tests.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A fault-injecting `Vfs` around the local backend.
pub mod faulty;
/// Making a FIFO.
pub mod fifo;
/// The Freebox client logged in to its emulator, and transfer helpers.
pub mod freebox;
/// Raw HTTP / WebSocket access to the Freebox emulator.
pub mod freebox_api;
/// A hostile QNAP: endless pages, slow and endless bodies, names made to hurt.
pub mod hostile;
/// What every command against a hostile double must show (ends, terminal-safe output,
/// bounded memory, nothing written outside its target), and running it.
pub mod hostile_checks;
/// A hostile Freebox: an endless cursor, slow and endless bodies, names made to hurt.
pub mod hostile_freebox;
/// What both hostile doubles share: serving, raw names, bad bodies.
pub mod hostile_kit;
/// The job engine with quick retries, running jobs, temp trees.
pub mod jobs;
/// A TCP relay that takes the NAS off the network for a while.
pub mod outage;
/// The real binary in a pseudo-terminal: spawned, its output kept, keys sent.
pub mod pty;
/// Raw HTTP access to the QNAP emulator (the Part C tree).
pub mod qnap;
/// The QNAP client logged in to its emulator.
pub mod qnap_client;
/// Reading a half-block QR code back, as a phone would.
pub mod qr;
/// A byte-counting, stalling TCP relay in front of an emulator.
pub mod relay;
/// The QNAP emulator behind that relay, and killing a transfer midway.
pub mod relayed_qnap;
/// What a download's resume record claims.
pub mod resume_record;
/// A private HOME for the CLI binary, tree builders and snapshots.
pub mod sandbox;
/// The commander on `TestBackend`: starting it over local panes, keys, settling, the screen.
pub mod screen;
/// An emulator kept running by its own runtime, shut down on drop.
pub mod served;
/// The commander on `TestBackend` with a NAS pane, for share-link screens.
pub mod share;
/// A TLS front relaying to a plain-HTTP emulator.
pub mod tls_front;
