//! The sha256 of a local file (`Features::checksums`), read in large blocks on the
//! blocking pool so a multi-GB file never holds up the async workers.

use std::io::Read;

use sha2::{Digest, Sha256};

use super::local_write_at::blocking;
use super::{VPath, VfsResult};

/// Read block: large enough that hashing, not the read calls, sets the pace.
const BLOCK: usize = 1024 * 1024;

pub(super) async fn sha256(path: &VPath) -> VfsResult<String> {
    let real = super::local::local_path(path);
    blocking(path, move || {
        let mut file = std::fs::File::open(&real)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; BLOCK];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => hasher.update(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(hex(&hasher.finalize()))
    })
    .await
}

/// Lowercase hex, the form a Freebox answers.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_a_file_like_sha256sum() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("abc");
        std::fs::write(&file, b"abc").unwrap();
        let path = VPath::parse(file.to_str().unwrap()).unwrap();
        assert_eq!(
            sha256(&path).await.unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let missing = VPath::parse(dir.path().join("none").to_str().unwrap()).unwrap();
        assert!(sha256(&missing).await.is_err());
    }
}
