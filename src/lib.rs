//! nascmd: a Norton-Commander-style dual-pane file commander for the terminal, whose
//! panes show the local disk, a QNAP NAS (File Station API) or a Freebox (Freebox OS API).
//!
//! Map of the crate (see `docs/ARCHITECTURE.md` for the data flow):
//! - [`vfs`]: the `Vfs` trait every backend implements, paths, entries, errors; the
//!   `local` backend.
//! - `nas`: the QNAP and Freebox backends (HTTP clients behind `Vfs`).
//! - [`jobs`]: the job engine (copy, move, delete, upload, download) with its safety rules.
//! - [`app`]: all UI state, changed only by `App::update(Msg) -> Vec<Cmd>`; no I/O.
//! - [`ui`]: pure drawing of `&App` with ratatui.
//! - [`runtime`]: the one loop that owns the terminal and runs the effects.
//! - [`emulator`]: QNAP and Freebox emulators (axum) over a real folder.
//! - [`cli`]: argument parsing and the non-interactive subcommands.
//! - [`clipboard`]: copying text by the system clipboard or OSC 52 (bytes for the runtime).
//! - [`share_format`]: share-link lifetimes, expiry display, access codes, URL lists.
//!
//! Dependency direction: `ui` and `app` depend on `vfs`/`jobs`; nothing that talks to the
//! network or the disk depends on the terminal.

pub mod app;
#[cfg(test)]
mod arrows;
pub mod atomic_file;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod demo;
pub mod emulator;
#[doc(hidden)]
pub mod fuzzing;
pub mod image_preview;
pub mod jobs;
pub mod key_table;
pub mod keymap;
pub mod logging;
pub mod memory;
pub mod names;
pub mod nas;
pub mod plural;
pub mod prompt;
pub mod regular_file;
pub mod remotes;
pub mod runtime;
pub mod secret;
pub mod services;
pub mod share_format;
pub mod share_qr;
pub mod theme;
pub mod thumbnail;
pub mod ui;
pub mod undecodable;
pub mod vfs;
pub mod viewer;
