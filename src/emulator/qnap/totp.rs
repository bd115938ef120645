//! RFC 6238 TOTP (SHA-1, 30 s, 6 digits), the scheme of QTS 2-step verification.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha1::Sha1;

const STEP: u64 = 30;

/// Decodes a Base32 secret as authenticator apps show it (spaces, lower case and
/// missing padding tolerated).
fn decode_secret(secret: &str) -> Option<Vec<u8>> {
    let mut clean: String = secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    while clean.len() % 8 != 0 {
        clean.push('=');
    }
    data_encoding::BASE32.decode(clean.as_bytes()).ok()
}

/// The 6-digit code for `secret` at `unix_time`; `None` if the secret is not Base32.
pub fn code_at(secret: &str, unix_time: u64) -> Option<String> {
    let key = decode_secret(secret)?;
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).ok()?;
    mac.update(&(unix_time / STEP).to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = usize::from(h[h.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    Some(format!("{:06}", bin % 1_000_000))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A code valid right now (for tests and demos that log in to a 2SV account).
pub fn current_code(secret: &str) -> Option<String> {
    code_at(secret, now())
}

/// Accepts the current code and its neighbours (±30 s clock skew, like authenticator servers).
pub fn verify(secret: &str, code: &str) -> bool {
    let t = now();
    [t.saturating_sub(STEP), t, t + STEP]
        .iter()
        .any(|&at| code_at(secret, at).as_deref() == Some(code.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_vector() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 → 94287082.
        let secret = data_encoding::BASE32.encode(b"12345678901234567890");
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1111111109).unwrap(), "081804");
        assert!(verify(&secret, &current_code(&secret).unwrap()));
        assert!(code_at("not base32!", 0).is_none());
    }
}
