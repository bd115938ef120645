//! Making a FIFO, the special file whose read waits for a writer: tests use it to show
//! that nothing in nascmd ever waits on one.

use std::path::Path;

pub fn mkfifo(path: impl AsRef<Path>) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path.as_ref(),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
}
