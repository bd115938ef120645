//! All UI state, changed only by `App::update(Msg) -> Vec<Cmd>`; no I/O here.
