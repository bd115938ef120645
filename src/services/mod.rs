//! UI-free use cases that both front ends (the commander and the CLI) call, shaped like
//! the job engine: a front end turns keys or flags into a call and the result into a
//! screen or stdout, nothing else. A use case written inside a front end is a defect.

pub mod connect;
pub mod search;
pub mod share;
pub mod sync;
