//! Freebox paths on the wire: the standard base64 alphabet (`+`, `/`) with `=` padding
//! of the raw UTF-8 bytes of the absolute path, no trailing slash (`/` → `Lw==`).
//! These tokens go into URL paths as they are (the box takes everything after the route
//! prefix as the token), and into JSON bodies. A name whose bytes are not UTF-8 is kept
//! in its [`crate::undecodable`] spelling, so its token is the box's own again.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::vfs::{VPath, VfsError, VfsResult};

/// The wire token of a path.
pub fn encode(path: &VPath) -> String {
    STANDARD.encode(crate::undecodable::to_bytes(path.as_str()))
}

/// The clear path behind a token the box sent (share links, task paths).
pub fn decode(token: &str) -> VfsResult<VPath> {
    let bytes = STANDARD
        .decode(token)
        .map_err(|_| VfsError::Protocol("a path from the Freebox is not valid base64".into()))?;
    let clear = crate::undecodable::from_bytes(&bytes);
    // The box has been seen echoing paths without the leading `/`.
    VPath::parse(&clear)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> VPath {
        VPath::parse(s).unwrap()
    }

    #[test]
    fn matches_the_conformance_tokens() {
        assert_eq!(encode(&VPath::root()), "Lw==");
        assert_eq!(encode(&p("/Disque dur")), "L0Rpc3F1ZSBkdXI=");
        assert_eq!(encode(&p("/Disque dur/Photos")), "L0Rpc3F1ZSBkdXIvUGhvdG9z");
        assert_eq!(encode(&p("/Disque dur/a.txt")), "L0Rpc3F1ZSBkdXIvYS50eHQ=");
        assert_eq!(
            encode(&p("/Disque dur/Nouveau dossier")),
            "L0Rpc3F1ZSBkdXIvTm91dmVhdSBkb3NzaWVy"
        );
        assert_eq!(
            encode(&p("/Disque dur/Téléchargements")),
            "L0Rpc3F1ZSBkdXIvVMOpbMOpY2hhcmdlbWVudHM="
        );
    }

    #[test]
    fn tokens_with_slash_and_plus_round_trip() {
        // §4 examples: these names produce `/` and `+` inside the token.
        assert_eq!(encode(&p("/Disque dur/é?")), "L0Rpc3F1ZSBkdXIvw6k/");
        assert_eq!(encode(&p("/Disque dur/~~~")), "L0Rpc3F1ZSBkdXIvfn5+");
        for s in [
            "/Disque dur/é?",
            "/Disque dur/~~~",
            "/Disque dur/a+b c",
            "/Disque dur/Vidéos/été 2024/?>?>",
            "/Disque dur/Spe\u{301}cial",
            "/Disque dur/Spécial",
        ] {
            let tok = encode(&p(s));
            assert_eq!(decode(&tok).unwrap().as_str(), s);
        }
        // NFC and NFD spellings stay distinct paths.
        assert_ne!(
            encode(&p("/Disque dur/Spe\u{301}cial")),
            encode(&p("/Disque dur/Spécial"))
        );
    }

    #[test]
    fn bad_tokens_are_protocol_errors() {
        assert!(matches!(decode("%%%"), Err(VfsError::Protocol(_))));
        // 0xff is not UTF-8: kept as its byte, so the token comes back the same.
        let raw = decode("L/8=").unwrap();
        assert_eq!(
            crate::undecodable::to_bytes(raw.as_str()).as_ref(),
            b"/\xff"
        );
        assert_eq!(encode(&raw), "L/8=");
        // A relative echo is made absolute; `..` above the root is refused.
        assert_eq!(decode("RnJlZWJveC9WTXM=").unwrap().as_str(), "/Freebox/VMs");
        assert!(decode(&STANDARD.encode("/../etc")).is_err());
    }
}
