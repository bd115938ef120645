//! How a transferred file is verified before it is renamed into place. Always by its
//! size; with [`Verify::Hash`], also by comparing the sha256 the two ends compute
//! themselves (`Features::checksums`: the local disk, a Freebox's `fs/hash` task), so
//! the bytes are read once more where they lie, never sent again over the wire.
//! Where an end computes no checksum (a QNAP), the size check alone applies and the
//! job says so once ([`SIZE_ONLY_NOTE`]).

use std::str::FromStr;

use super::cancel::until_cancelled;
use super::ctx::JobCtx;
use crate::vfs::{Checksums, Features, VPath, VfsError, VfsResult};

/// What a transfer compares after the bytes are written (`--verify`, `[jobs] verify`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Verify {
    /// The size of the written file (always checked).
    #[default]
    Size,
    /// The size, then the sha256 of both ends where both compute one.
    Hash,
}

impl FromStr for Verify {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "size" => Ok(Verify::Size),
            "hash" | "sha256" => Ok(Verify::Hash),
            other => Err(format!(
                "unknown verification {:?} (size or hash)",
                crate::names::escape(other)
            )),
        }
    }
}

/// What the job reports once when a hash was asked but an end cannot compute one.
pub const SIZE_ONLY_NOTE: &str = "verified by size (the NAS computes no checksum)";

/// Whether hashes get compared for a copy between these ends with this option: both
/// ends compute checksums, and they are two backends (within one, the backend copies
/// by itself — the local disk natively, a NAS with its own copy task — and the copy is
/// checked by its size).
pub fn hashes_apply<'a>(
    verify: Verify,
    same_backend: bool,
    src: &Features<'a>,
    dst: &Features<'a>,
) -> Option<(&'a dyn Checksums, &'a dyn Checksums)> {
    match (verify, src.checksums, dst.checksums) {
        (Verify::Hash, Some(s), Some(d)) if !same_backend => Some((s, d)),
        _ => None,
    }
}

/// The verification that applies, for the copy dialog: "size", or "size + sha256
/// (Freebox)" (named after the end that is not the local disk, where one is).
pub fn describe(verify: Verify, same_backend: bool, src: &Features, dst: &Features) -> String {
    match hashes_apply(verify, same_backend, src, dst) {
        Some((s, d)) => {
            let by = match (s.computed_by(), d.computed_by()) {
                (s, d) if s == d => s,
                ("local disk", nas) | (nas, _) => nas,
            };
            format!("size + sha256 ({by})")
        }
        None => "size".to_owned(),
    }
}

/// The note a job with `--verify hash` makes when its ends compute no checksum.
pub(crate) fn size_only_note(ctx: &JobCtx) -> Option<&'static str> {
    let (src, dst) = (ctx.src.features(), ctx.dst_vfs().features());
    let wanted = ctx.opts.verify == Verify::Hash && !ctx.same_backend();
    (wanted && hashes_apply(ctx.opts.verify, false, &src, &dst).is_none()).then_some(SIZE_ONLY_NOTE)
}

/// With `--verify hash` and two ends that compute checksums: the sha256 of the source
/// and of the written temporary file `tmp` (before it is renamed to `dst`) must match.
/// Both are asked at once; each request is retried under the job's policy.
pub(crate) async fn check_hash(
    ctx: &JobCtx,
    src: &VPath,
    tmp: &VPath,
    dst: &VPath,
) -> VfsResult<()> {
    let (src_features, dst_features) = (ctx.src.features(), ctx.dst_vfs().features());
    let Some((src_sums, dst_sums)) = hashes_apply(
        ctx.opts.verify,
        ctx.same_backend(),
        &src_features,
        &dst_features,
    ) else {
        return Ok(());
    };
    // A cancel stops the wait at once: a NAS deletes the task it was running for
    // this (the Freebox's `hash::TaskGuard`).
    let (source, target) = tokio::join!(
        until_cancelled(&ctx.cancel, ctx.retry(|| src_sums.sha256(src))),
        until_cancelled(&ctx.cancel, ctx.retry(|| dst_sums.sha256(tmp))),
    );
    let (source, target) = (source?, target?);
    if ctx.cancel.is_cancelled() {
        return Err(VfsError::Cancelled);
    }
    if source != target {
        return Err(VfsError::ChecksumMismatch {
            path: dst.to_string(),
            source_sha256: source,
            target_sha256: target,
        });
    }
    tracing::debug!(path = %dst, "sha256 matches");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::Vfs;
    use crate::vfs::local::LocalFs;

    #[test]
    fn parses_the_config_words() {
        assert_eq!("size".parse(), Ok(Verify::Size));
        assert_eq!("Hash".parse(), Ok(Verify::Hash));
        assert!("crc".parse::<Verify>().is_err());
    }

    #[test]
    fn a_copy_within_one_backend_or_a_size_job_compares_no_hash() {
        let local = LocalFs::new();
        let f = local.features();
        assert!(hashes_apply(Verify::Hash, true, &f, &f).is_none());
        assert!(hashes_apply(Verify::Size, false, &f, &f).is_none());
        assert!(hashes_apply(Verify::Hash, false, &f, &f).is_some());
        assert_eq!(
            describe(Verify::Hash, false, &f, &f),
            "size + sha256 (local disk)"
        );
        assert_eq!(describe(Verify::Size, false, &f, &f), "size");
        let none = Features::default();
        assert_eq!(describe(Verify::Hash, false, &f, &none), "size");
    }

    struct BoxSums;

    #[async_trait::async_trait]
    impl Checksums for BoxSums {
        async fn sha256(&self, _path: &VPath) -> VfsResult<String> {
            Ok(String::new())
        }

        fn computed_by(&self) -> &'static str {
            "Freebox"
        }
    }

    #[test]
    fn the_dialog_names_the_nas_that_computes_the_hash() {
        let local = LocalFs::new();
        let disk = local.features();
        let nas = Features {
            checksums: Some(&BoxSums),
            ..Features::default()
        };
        let shown = "size + sha256 (Freebox)";
        assert_eq!(describe(Verify::Hash, false, &disk, &nas), shown);
        assert_eq!(describe(Verify::Hash, false, &nas, &disk), shown);
        assert_eq!(describe(Verify::Size, false, &nas, &disk), "size");
    }
}
