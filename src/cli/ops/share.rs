//! `nascmd share REMOTE:PATH [--expire 7d|never] [--code]`: creates a share link and
//! prints its URL (and the access code, on a second line, when there is one).

use clap::Args;

use crate::remotes::{Opener, Target};
use crate::vfs::ShareOptions;

pub const EXAMPLES: &str = "\
Examples:
  nascmd share nas:/Public/photos/cat.jpg
  nascmd share --expire 12h --code nas:/Public/report.pdf
  nascmd share --expire never box:/Disque\\ dur/video.mkv
Defaults for --expire and --code come from the [share] section of the config file.";

#[derive(Args, Debug)]
pub struct ShareArgs {
    /// The file or folder to share: REMOTE:PATH or a URL.
    pub target: String,
    /// Lifetime: 30m, 12h, 7d, 2w … or `never` (default: the config file's, else 7d).
    #[arg(long, value_name = "DURATION")]
    pub expire: Option<String>,
    /// Protect the link with a generated access code (printed on the second line).
    #[arg(long)]
    pub code: bool,
    /// Also copy the URL to the clipboard (not available in this build yet).
    #[arg(long)]
    pub copy: bool,
}

/// Characters of generated access codes: no look-alikes (0/O, 1/l/I).
const CODE_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LEN: usize = 8;

pub async fn run(opener: &mut Opener, a: ShareArgs) -> anyhow::Result<u8> {
    let defaults = opener.config().share.clone();
    let target = opener.parse(&a.target).map_err(super::remote_error)?;
    let share_host = match &target {
        Target::Remote { remote, .. } => remote.share_host.clone(),
        Target::Local(_) => anyhow::bail!("share links are made on a NAS, not on a local path"),
    };
    let expire = a.expire.as_deref().unwrap_or(&defaults.expire);
    let expire_secs = parse_expire(expire)?;
    let access_code = if a.code || defaults.access_code {
        Some(generate_code()?)
    } else {
        None
    };
    if a.copy {
        anyhow::bail!(
            "--copy is not available in this build yet (the clipboard module is missing)"
        );
    }
    let vfs = opener.backend(&target).await.map_err(super::remote_error)?;
    let path = target.path().clone();
    vfs.stat(&path).await?;
    let link = vfs
        .share_create(
            &path,
            &ShareOptions {
                expire_secs,
                access_code,
                host_override: share_host,
            },
        )
        .await?;
    if link.url.is_empty() {
        anyhow::bail!(
            "the NAS made the link but has no public address for it \
             (on a Freebox: enable remote access in Freebox OS settings)"
        );
    }
    println!("{}", link.url);
    if let Some(code) = &link.access_code {
        println!("{code}");
    }
    Ok(crate::cli::exit::OK)
}

/// `never` → `None`; `7d`, `12h`, `30m`, `1w` → seconds.
pub fn parse_expire(s: &str) -> anyhow::Result<Option<u64>> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let d = humantime::parse_duration(s)
        .map_err(|e| anyhow::anyhow!("--expire {s:?}: {e} (use e.g. 30m, 12h, 7d or never)"))?;
    if d.as_secs() == 0 {
        anyhow::bail!("--expire {s:?}: must be at least one second");
    }
    Ok(Some(d.as_secs()))
}

/// A random access code from the OS's generator.
fn generate_code() -> anyhow::Result<String> {
    let mut bytes = [0u8; CODE_LEN];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
    // 256 is not a multiple of the alphabet size; the slight bias is harmless for a
    // link password that also expires.
    Ok(bytes
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_forms() {
        assert_eq!(parse_expire("never").unwrap(), None);
        assert_eq!(parse_expire("7d").unwrap(), Some(7 * 86400));
        assert_eq!(parse_expire("12h").unwrap(), Some(12 * 3600));
        assert!(parse_expire("soon").is_err());
        assert!(parse_expire("0s").is_err());
    }

    #[test]
    fn codes_are_random_and_from_the_alphabet() {
        let a = generate_code().unwrap();
        let b = generate_code().unwrap();
        assert_eq!(a.len(), CODE_LEN);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| CODE_ALPHABET.contains(&c)));
    }
}
