//! Freebox OS backend (see `shared/protocols/freebox.md`).
