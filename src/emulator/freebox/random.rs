//! Random tokens (app tokens, session tokens, challenges, share tokens) from the OS RNG.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// `n` random bytes from the OS. The OS RNG failing is unrecoverable for an auth server.
fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    if let Err(e) = getrandom::fill(&mut buf) {
        panic!("the OS random generator failed: {e}");
    }
    buf
}

/// Base64 (standard alphabet) of `bytes` random bytes: 48 → 64 chars, 24 → 32 chars.
pub fn base64_token(bytes: usize) -> String {
    STANDARD.encode(random_bytes(bytes))
}

/// `len` characters drawn from `alphabet` (share-link tokens: `A–Z a–z 0–9 + _ -`).
pub fn token_from(alphabet: &[u8], len: usize) -> String {
    random_bytes(len)
        .into_iter()
        .map(|b| alphabet[usize::from(b) % alphabet.len()] as char)
        .collect()
}
