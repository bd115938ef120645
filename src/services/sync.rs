//! Compare & sync between two folder trees on any two backends (a local folder and a
//! NAS, two NAS, two local folders), used by `nascmd sync` and the commander.
//!
//! Driven by listings only: each folder of both trees is listed once, a few at a time
//! (`walk`); files are compared by size, then modification time with a tolerance, and by
//! checksum only when asked and both ends compute one (`compare`). The result becomes a
//! [`Plan`] of actions — copy, replace, delete (only when asked), conflict — for one
//! direction or both (`plan`), which runs through the job engine with its rules
//! (temporary names, verification, retries): copies first, and deletes only once every
//! copy is verified in place (`jobs`).

mod compare;
mod filter;
mod jobs;
mod plan;
mod walk;

pub use compare::{
    CompareOptions, Comparison, Item, Verdict, compare_folders, compare_listings, compare_trees,
    keeps_mtimes,
};
pub use filter::{Filter, FilterError};
pub use jobs::{CopyJob, SyncJobs};
pub use plan::{Action, ActionKind, Direction, End, Plan, Totals};
pub use walk::{Tree, walk};

/// The two folders being compared: A (the source of a one-way sync) and B.
#[derive(Clone)]
pub struct Ends {
    pub a: (crate::vfs::VfsHandle, crate::vfs::VPath),
    pub b: (crate::vfs::VfsHandle, crate::vfs::VPath),
}

impl Ends {
    pub fn get(&self, end: End) -> &(crate::vfs::VfsHandle, crate::vfs::VPath) {
        match end {
            End::A => &self.a,
            End::B => &self.b,
        }
    }
}
