//! Opening a file to read without ever waiting on a FIFO, for the local backend
//! (`vfs::local`); the emulators do the same through their confined layer
//! (`emulator::confined`), which follows this one's rule.

use std::path::Path;

/// Opens a file to read without waiting (`O_NONBLOCK`: opening a FIFO would otherwise
/// wait for a writer, holding a blocking thread for good) and refuses anything but a
/// regular file, links followed (`InvalidInput`).
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, socket or device)",
        ));
    }
    Ok(file)
}
