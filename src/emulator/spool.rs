//! Writing an upload's body to a file in the emulators. The pieces the body arrives in
//! are gathered as they are (`Bytes` are shared, not copied) until `BATCH` bytes wait,
//! then written with vectored writes on the blocking pool while the next batch gathers.
//! Through a `BufWriter` over `tokio::fs::File` every byte was copied twice more and
//! handed to a blocking thread in 2 MiB pieces; the emulator's CPU per upload was the
//! bottleneck of the loopback benches for every client alike.

use std::fs::File;
use std::io::{self, IoSlice, Write};

use bytes::Bytes;
use tokio::task::JoinHandle;

/// Bytes gathered before they go to the disk.
const BATCH: usize = 1 << 20;

/// The file, or the write that holds it (and hands it back).
enum Disk {
    Idle(File),
    Writing(JoinHandle<io::Result<File>>),
}

/// An upload's body on its way into `file`.
pub struct Spool {
    disk: Option<Disk>,
    batch: Vec<Bytes>,
    batched: usize,
}

impl Spool {
    pub fn new(file: File) -> Self {
        Self {
            disk: Some(Disk::Idle(file)),
            batch: Vec::new(),
            batched: 0,
        }
    }

    /// Takes one piece of the body; writes a batch once enough has gathered (waiting for
    /// the batch before it, so at most two are held).
    pub async fn push(&mut self, piece: Bytes) -> io::Result<()> {
        self.batched += piece.len();
        self.batch.push(piece);
        if self.batched >= BATCH {
            self.write_batch().await?;
        }
        Ok(())
    }

    /// Writes what is left and waits until everything is in the file.
    pub async fn finish(mut self) -> io::Result<()> {
        if self.batched > 0 {
            self.write_batch().await?;
        }
        self.idle_file().await.map(drop)
    }

    async fn write_batch(&mut self) -> io::Result<()> {
        let file = self.idle_file().await?;
        let batch = std::mem::take(&mut self.batch);
        self.batched = 0;
        self.disk = Some(Disk::Writing(tokio::task::spawn_blocking(move || {
            write_all_vectored(&file, &batch)?;
            Ok(file)
        })));
        Ok(())
    }

    /// The file once no write holds it.
    async fn idle_file(&mut self) -> io::Result<File> {
        match self.disk.take() {
            Some(Disk::Idle(file)) => Ok(file),
            Some(Disk::Writing(write)) => write.await.map_err(io::Error::other)?,
            // A write failed before: the spool is spent.
            None => Err(io::Error::other("an earlier write failed")),
        }
    }
}

/// `Write::write_all_vectored` (not stable yet): writes every piece, in order.
fn write_all_vectored(mut file: &File, pieces: &[Bytes]) -> io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = pieces.iter().map(|p| IoSlice::new(p)).collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_piece_lands_in_order_across_batches() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("out");
        let file = File::create(&path).expect("create");
        let mut spool = Spool::new(file);
        let mut want = Vec::new();
        // Pieces of odd sizes, so batches end mid-way through the pattern.
        for i in 0..1500u32 {
            let piece: Vec<u8> = (0..(i % 97) * 53 + 1).map(|j| (i + j) as u8).collect();
            want.extend_from_slice(&piece);
            spool.push(Bytes::from(piece)).await.expect("push");
        }
        spool.finish().await.expect("finish");
        assert!(want.len() > 2 * BATCH, "the test crosses batches");
        assert_eq!(std::fs::read(&path).expect("read back"), want);
    }
}
