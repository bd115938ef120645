//! The OSC 52 escape sequence that asks the user's terminal to put text in its clipboard,
//! wrapped for tmux and GNU screen. Only bytes are built here: the runtime, the single
//! writer of the terminal, sends them between two frames.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::ClipboardError;
use super::env::Multiplexer;

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;
/// String Terminator in its 7-bit form, `ESC \`.
const ST: &[u8] = b"\x1b\\";

/// Longest plain OSC 52 sequence we send. Terminals cap what they accept (hterm drops more
/// than 100 000 bytes, others are near that); longer text is reported as unavailable so
/// the UI shows it in a dialog instead of silently losing it.
pub const MAX_SEQUENCE_LEN: usize = 100_000;

/// GNU screen keeps string sequences in a fixed buffer: 768 bytes since 4.2.1 (2014),
/// 512 in 4.2.0 and 256 before. Each DCS we send to screen carries at most this many
/// bytes of payload, which fits even the oldest screen still found in distributions.
pub const SCREEN_CHUNK_LEN: usize = 240;

/// Builds the bytes to write to the terminal so `text` lands in its clipboard.
///
/// - No multiplexer: the plain sequence `ESC ] 52 ; c ; <base64> BEL`.
/// - tmux: the sequence inside tmux's DCS passthrough (needs `allow-passthrough on`),
///   followed by the plain sequence, which tmux itself handles with `set-clipboard on`.
///   Either setting is then enough; with both, the terminal gets the same text twice.
/// - screen: the sequence split across DCS passthroughs of [`SCREEN_CHUNK_LEN`] bytes,
///   followed by the plain sequence (ignored by screen, accepted by a tmux that
///   `TERM=screen*` may really be).
pub fn osc52_bytes(text: &str, multiplexer: Multiplexer) -> Result<Vec<u8>, ClipboardError> {
    let plain = plain_sequence(text);
    if plain.len() > MAX_SEQUENCE_LEN {
        return Err(ClipboardError::TooLongForTerminal {
            len: text.len(),
            limit: max_text_len(),
        });
    }
    let mut out = match multiplexer {
        Multiplexer::None => Vec::new(),
        Multiplexer::Tmux => wrap_tmux(&plain),
        Multiplexer::Screen => wrap_screen(&plain),
    };
    out.extend_from_slice(&plain);
    Ok(out)
}

/// `ESC ] 52 ; c ; <base64 of text> BEL`. `c` names the clipboard selection. BEL rather
/// than `ESC \` ends it, because an `ESC \` inside screen's passthrough would end the DCS.
pub fn plain_sequence(text: &str) -> Vec<u8> {
    let encoded = BASE64.encode(text.as_bytes());
    let mut seq = Vec::with_capacity(encoded.len() + 8);
    seq.extend_from_slice(b"\x1b]52;c;");
    seq.extend_from_slice(encoded.as_bytes());
    seq.push(BEL);
    seq
}

/// tmux passthrough: `ESC P tmux ; <seq with every ESC doubled> ESC \`.
pub fn wrap_tmux(seq: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(seq.len() + 16);
    out.extend_from_slice(b"\x1bPtmux;");
    for &byte in seq {
        if byte == ESC {
            out.push(ESC);
        }
        out.push(byte);
    }
    out.extend_from_slice(ST);
    out
}

/// screen passthrough: `ESC P <chunk> ESC \` for each chunk of the sequence. screen hands
/// each payload to the outer terminal unchanged, so the terminal sees the sequence whole.
pub fn wrap_screen(seq: &[u8]) -> Vec<u8> {
    let chunks = seq.len().div_ceil(SCREEN_CHUNK_LEN);
    let mut out = Vec::with_capacity(seq.len() + chunks * 4);
    for chunk in seq.chunks(SCREEN_CHUNK_LEN) {
        out.extend_from_slice(b"\x1bP");
        out.extend_from_slice(chunk);
        out.extend_from_slice(ST);
    }
    out
}

/// The longest text whose plain sequence fits [`MAX_SEQUENCE_LEN`].
fn max_text_len() -> usize {
    // 8 bytes of framing; base64 turns each 3 bytes into 4.
    (MAX_SEQUENCE_LEN - 8) / 4 * 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_sequence_is_exact() {
        assert_eq!(plain_sequence("hi"), b"\x1b]52;c;aGk=\x07".to_vec());
    }

    #[test]
    fn tmux_doubles_the_escape() {
        assert_eq!(
            wrap_tmux(b"\x1b]52;c;aGk=\x07"),
            b"\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\".to_vec()
        );
    }

    #[test]
    fn screen_chunks_respect_the_limit() {
        let seq = vec![b'A'; SCREEN_CHUNK_LEN * 2 + 1];
        let wrapped = wrap_screen(&seq);
        assert_eq!(wrapped.len(), seq.len() + 3 * 4);
        assert!(wrapped.starts_with(b"\x1bP"));
        assert!(wrapped.ends_with(b"A\x1b\\"));
    }

    #[test]
    fn the_longest_allowed_text_fits_and_one_more_byte_does_not() {
        let fits = "x".repeat(max_text_len());
        assert!(plain_sequence(&fits).len() <= MAX_SEQUENCE_LEN);
        assert!(osc52_bytes(&fits, Multiplexer::None).is_ok());
        let too_long = "x".repeat(max_text_len() + 3);
        assert!(matches!(
            osc52_bytes(&too_long, Multiplexer::None),
            Err(ClipboardError::TooLongForTerminal { .. })
        ));
    }
}
