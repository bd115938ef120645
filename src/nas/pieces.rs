//! Buffers for the pieces of an upload, used again once the connection has sent them.
//!
//! A piece goes to the connection as `Bytes`, which the connection drops once it is on
//! the socket. [`Pieces`] keeps a handle on the last few it handed out and takes one
//! back as soon as it is the only holder left: the next read then lands in memory that
//! is still in the CPU cache and already initialised (a fresh buffer costs an
//! allocation, page faults and zeroing per piece; docs/PERFORMANCE.md, "Session 9:
//! loopback put").

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Pieces handed out and watched for their return; more are simply forgotten.
const KEPT: usize = 4;

/// The buffers of one upload's pieces.
#[derive(Default)]
pub struct Pieces {
    out: VecDeque<Bytes>,
}

impl Pieces {
    /// A buffer of `want` initialised bytes: a returned one where there is one.
    fn buffer(&mut self, want: usize) -> BytesMut {
        let mut buf = match self.out.pop_front() {
            Some(oldest) => match oldest.try_into_mut() {
                Ok(back) => back,
                Err(still_out) => {
                    self.out.push_front(still_out);
                    BytesMut::new()
                }
            },
            None => BytesMut::new(),
        };
        buf.resize(want, 0);
        buf
    }

    /// The next piece of `reader`: one read of up to `want` bytes (less where the
    /// reader gives less at once; empty at its end).
    pub async fn read<R: AsyncRead + Unpin>(
        &mut self,
        reader: &mut R,
        want: usize,
    ) -> std::io::Result<Bytes> {
        let mut buf = self.buffer(want);
        let n = reader.read(&mut buf[..]).await?;
        Ok(self.hand_out(buf, n))
    }

    /// The next `want` bytes of `reader` as one piece (less only at its end).
    pub async fn read_full<R: AsyncRead + Unpin>(
        &mut self,
        reader: &mut R,
        want: usize,
    ) -> std::io::Result<Bytes> {
        let mut buf = self.buffer(want);
        let mut filled = 0;
        while filled < want {
            let n = reader.read(&mut buf[filled..]).await?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        Ok(self.hand_out(buf, filled))
    }

    fn hand_out(&mut self, mut buf: BytesMut, n: usize) -> Bytes {
        buf.truncate(n);
        let piece = buf.freeze();
        if !piece.is_empty() {
            if self.out.len() == KEPT {
                self.out.pop_front();
            }
            self.out.push_back(piece.clone());
        }
        piece
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_piece_dropped_by_the_connection_is_read_into_again() {
        let data: Vec<u8> = (0..40u8).collect();
        let mut reader = &data[..];
        let mut pieces = Pieces::default();
        let first = pieces.read(&mut reader, 16).await.unwrap();
        assert_eq!(&first[..], &data[..16]);
        let at = first.as_ptr();
        drop(first);
        let second = pieces.read(&mut reader, 16).await.unwrap();
        assert_eq!(&second[..], &data[16..32]);
        assert_eq!(second.as_ptr(), at, "the returned buffer is used again");
        // Still held: the next piece needs another buffer, and both keep their bytes.
        let third = pieces.read_full(&mut reader, 16).await.unwrap();
        assert_ne!(third.as_ptr(), at);
        assert_eq!(&second[..], &data[16..32]);
        assert_eq!(&third[..], &data[32..]);
        assert!(pieces.read(&mut reader, 16).await.unwrap().is_empty());
    }
}
