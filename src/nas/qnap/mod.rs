//! QNAP File Station backend (see `shared/protocols/qnap.md`).
