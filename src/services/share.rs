//! Share links as a use case, for the commander's share keys and panel and for
//! `nascmd share`: create (or reuse a live link made the same way), list with the
//! configured host in the URLs, change, revoke, and the hosts a NAS offers.
//!
//! Whether share links exist and whether they take an access code is read from the
//! backend's [`Features`](crate::vfs::Features), never found out by trying.
//!
//! A person waits on each of these, often over a link that drops a request now and
//! then: every request is tried again on a transient failure (`retry_interactive`).
//! A try whose answer was lost may have taken effect: a new link asked for again is
//! first looked for among the NAS's links (the same item, code and expiry), and a
//! link already gone when its revoke is tried again counts as revoked. Only the
//! e-mail is not retried: a second try could send a second mail.

use std::fmt;

use crate::jobs::retry_interactive;
use crate::share_format::{AccessCodeError, generate_access_code, url_names_host, url_with_host};
use crate::vfs::{
    ShareHost, ShareLink, ShareLinks, ShareMail, ShareOptions, VPath, Vfs, VfsError, VfsResult,
};

/// Why a share-link use case failed.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// The backend has no share links (a local pane); the caller should not have asked.
    #[error("{0} has no share links")]
    NotOffered(String),
    /// The NAS cannot e-mail links (a Freebox).
    #[error("{0} cannot e-mail share links: copy the link and send it yourself")]
    NoMail(String),
    #[error(transparent)]
    AccessCode(#[from] AccessCodeError),
    #[error(transparent)]
    Vfs(#[from] VfsError),
}

/// An access code for a new link.
#[derive(Clone, PartialEq, Eq)]
pub enum CodeChoice {
    None,
    /// A random one, made when the link is made (`share_format::generate_access_code`);
    /// left out where the NAS's links take no code.
    Generate,
    /// Typed by the user: never dropped silently (the NAS refuses it instead).
    Given(String),
}

impl fmt::Debug for CodeChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CodeChoice::None => "None",
            CodeChoice::Generate => "Generate",
            CodeChoice::Given(_) => "Given(…)",
        })
    }
}

/// How new links are made.
#[derive(Clone, Debug)]
pub struct ShareRequest {
    /// Lifetime in seconds; `None` = never expires.
    pub expire_secs: Option<u64>,
    pub code: CodeChoice,
    /// Host (and port) the URLs name instead of the one the NAS is reached by.
    pub host: Option<String>,
    /// Hand out a live link made the same way (see [`reusable`]) instead of a new one.
    pub reuse: bool,
}

/// What [`create_or_reuse`] did, path by path.
#[derive(Debug)]
pub struct Created {
    /// One result per path: the reused links first, then the new ones in order.
    pub results: Vec<(VPath, Result<ShareLink, ShareError>)>,
    /// Ids of the links that were reused rather than made.
    pub reused: Vec<String>,
    /// A generated code was left out because this NAS's links take none.
    pub codes_dropped: bool,
}

/// The share-link group of `vfs`, or `NotOffered`.
fn links_of(vfs: &dyn Vfs) -> Result<&dyn ShareLinks, ShareError> {
    vfs.features()
        .share_links
        .ok_or_else(|| ShareError::NotOffered(vfs.label()))
}

/// One link per path (a failure does not stop the others), reusing live links made the
/// same way where `req.reuse` asks for it.
pub async fn create_or_reuse(
    vfs: &dyn Vfs,
    mut paths: Vec<VPath>,
    req: &ShareRequest,
) -> Result<Created, ShareError> {
    let links = links_of(vfs)?;
    let mut results = Vec::with_capacity(paths.len());
    let mut reused = Vec::new();
    if req.reuse {
        let found = existing(links, &paths, req).await;
        paths.retain(|p| !found.iter().any(|(q, _)| q == p));
        reused = found.iter().map(|(_, l)| l.id.clone()).collect();
        results.extend(found.into_iter().map(|(p, l)| (p, Ok(l))));
    }
    let codes_dropped =
        req.code == CodeChoice::Generate && !vfs.features().share_access_codes && !paths.is_empty();
    for path in paths {
        let made = create_one(links, &path, req, codes_dropped).await;
        results.push((path, made));
    }
    Ok(Created {
        results,
        reused,
        codes_dropped,
    })
}

async fn create_one(
    links: &dyn ShareLinks,
    path: &VPath,
    req: &ShareRequest,
    drop_generated: bool,
) -> Result<ShareLink, ShareError> {
    // Made once: a try again asks for the same link (the same code), so the link of a
    // try whose answer was lost can be recognised.
    let opts = options_for(req, drop_generated)?;
    let asked_at = unix_now();
    let mut tried = false;
    Ok(retry_interactive(|| {
        let again = std::mem::replace(&mut tried, true);
        let opts = &opts;
        async move {
            if again && let Some(made) = made_by_an_earlier_try(links, path, opts, asked_at).await?
            {
                tracing::debug!(path = %path, "the interrupted share request had made the link");
                return Ok(made);
            }
            links.share_create(path, opts).await
        }
    })
    .await?)
}

/// After a failed try, the link that try may have made all the same: to `path`, with
/// the access code and the expiry asked for at `asked_at` (give or take a few seconds).
/// Where nothing tells it apart from an older link made the same way (no code, no
/// expiry), that one is handed out: a live link to the item, made as asked.
async fn made_by_an_earlier_try(
    links: &dyn ShareLinks,
    path: &VPath,
    opts: &ShareOptions,
    asked_at: i64,
) -> VfsResult<Option<ShareLink>> {
    const SLACK: i64 = 5;
    let now = unix_now();
    let expiry_as_asked = |expires: Option<i64>| match (opts.expire_secs, expires) {
        (None, None) => true,
        (Some(secs), Some(at)) => {
            let secs = i64::try_from(secs).unwrap_or(i64::MAX);
            (asked_at.saturating_add(secs) - SLACK..=now.saturating_add(secs) + SLACK).contains(&at)
        }
        _ => false,
    };
    let made = links
        .share_list()
        .await?
        .into_iter()
        .filter(|l| {
            l.path == *path
                && !l.url.trim().is_empty()
                && l.access_code == opts.access_code
                && expiry_as_asked(l.expires)
        })
        .max_by_key(|l| l.expires.unwrap_or(i64::MAX));
    Ok(made.map(|l| {
        match opts
            .host_override
            .as_deref()
            .and_then(|h| url_with_host(&l.url, h))
        {
            Some(url) => ShareLink { url, ..l },
            None => l,
        }
    }))
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The options of a new link made as `req` asks.
fn options_for(req: &ShareRequest, drop_generated: bool) -> Result<ShareOptions, ShareError> {
    let access_code = match &req.code {
        CodeChoice::None => None,
        CodeChoice::Generate if drop_generated => None,
        CodeChoice::Generate => Some(generate_access_code()?.expose().to_owned()),
        CodeChoice::Given(c) => Some(c.clone()),
    };
    Ok(ShareOptions {
        expire_secs: req.expire_secs,
        access_code,
        host_override: req.host.clone(),
    })
}

/// A new link to `path` (never a reused one: the mail announces it) that the NAS
/// e-mails; refused where the NAS cannot send mail.
pub async fn email(
    vfs: &dyn Vfs,
    path: &VPath,
    req: &ShareRequest,
    mail: &ShareMail,
) -> Result<ShareLink, ShareError> {
    let links = links_of(vfs)?;
    if !links.emails_links() {
        return Err(ShareError::NoMail(vfs.label()));
    }
    let drop_generated = !vfs.features().share_access_codes;
    let opts = options_for(req, drop_generated)?;
    Ok(links.share_email(path, &opts, mail).await?)
}

/// Whether a reuse may hand out `link` for `path` instead of making a new one: the
/// same item, a public URL, alive at `now`, and made the way the request makes links
/// (an expiry or none, an access code or none). The host is checked by the caller.
pub fn reusable(
    link: &ShareLink,
    path: &VPath,
    expire_secs: Option<u64>,
    with_code: bool,
    now: i64,
) -> bool {
    let expiry_alike = match (expire_secs, link.expires) {
        (None, None) => true,
        (Some(_), Some(at)) => at > now,
        _ => false,
    };
    link.path == *path
        && !link.url.trim().is_empty()
        && expiry_alike
        && link.access_code.as_deref().is_some_and(|c| !c.is_empty()) == with_code
}

/// Live links made the way `req` makes them, for the paths that have one (the
/// longest-lived if several). The URL must name the host a new link would: the
/// configured one, else the address the NAS is reached by; where the NAS picks the host
/// itself (no `share_hosts`), a configured host is put in the URL as on creation. The
/// listing is retried like any call a person waits on (`jobs::retry_interactive`): a
/// transient failure taken as "no link" would make a second link for the same file. A
/// listing that still fails only means new links are made.
async fn existing(
    links: &dyn ShareLinks,
    paths: &[VPath],
    req: &ShareRequest,
) -> Vec<(VPath, ShareLink)> {
    let listed = match retry_interactive(|| links.share_list()).await {
        Ok(l) => l,
        Err(e) => {
            tracing::debug!(error = %e, "cannot list share links; making new ones");
            return Vec::new();
        }
    };
    let with_code = req.code != CodeChoice::None;
    let now = unix_now();
    let candidates: Vec<&ShareLink> = listed
        .iter()
        .filter(|l| {
            paths
                .iter()
                .any(|p| reusable(l, p, req.expire_secs, with_code, now))
        })
        .collect();
    if candidates.is_empty() {
        // The usual first press: no need to ask the NAS for its hosts.
        return Vec::new();
    }
    let ours = links.share_hosts().await.unwrap_or_default();
    let want_host = req
        .host
        .clone()
        .or_else(|| ours.first().map(|h| h.host.clone()));
    let mut out = Vec::new();
    for path in paths {
        let best = candidates
            .iter()
            .copied()
            .filter(|l| reusable(l, path, req.expire_secs, with_code, now))
            .filter_map(|l| match (&want_host, ours.is_empty()) {
                (Some(h), false) => url_names_host(&l.url, h).then(|| l.clone()),
                (Some(h), true) => {
                    url_with_host(&l.url, h).map(|url| ShareLink { url, ..l.clone() })
                }
                (None, _) => Some(l.clone()),
            })
            .max_by_key(|l| l.expires.unwrap_or(i64::MAX));
        if let Some(l) = best {
            out.push((path.clone(), l));
        }
    }
    out
}

/// Every link; where the NAS picks the URL's host itself (no `share_hosts`), a
/// configured `host` replaces it, as it did when the link was made.
pub async fn list(vfs: &dyn Vfs, host: Option<&str>) -> Result<Vec<ShareLink>, ShareError> {
    let links = links_of(vfs)?;
    let mut listed = retry_interactive(|| links.share_list()).await?;
    if let Some(h) = host
        && retry_interactive(|| links.share_hosts())
            .await
            .unwrap_or_default()
            .is_empty()
    {
        for l in &mut listed {
            if let Some(url) = url_with_host(&l.url, h) {
                l.url = url;
            }
        }
    }
    Ok(listed)
}

/// The hosts new links may name, the address the NAS is reached by first; empty where
/// the NAS decides the URL itself.
pub async fn hosts(vfs: &dyn Vfs) -> Result<Vec<ShareHost>, ShareError> {
    let links = links_of(vfs)?;
    Ok(retry_interactive(|| links.share_hosts()).await?)
}

/// Changes a link's expiry / access code; returns the link as it now is.
pub async fn update(
    vfs: &dyn Vfs,
    link: &ShareLink,
    opts: &ShareOptions,
) -> Result<ShareLink, ShareError> {
    let links = links_of(vfs)?;
    Ok(retry_interactive(|| links.share_update(link, opts)).await?)
}

/// Revokes one link. "Not found" after a failed try means that try revoked it.
pub async fn revoke(vfs: &dyn Vfs, link: &ShareLink) -> Result<(), ShareError> {
    let links = links_of(vfs)?;
    let mut tried = false;
    retry_interactive(|| {
        let again = std::mem::replace(&mut tried, true);
        async move {
            match links.share_revoke(link).await {
                Err(VfsError::NotFound(_)) if again => Ok(()),
                other => other,
            }
        }
    })
    .await?;
    Ok(())
}

/// The link `which` names: its id, or its URL — compared without the host, since a
/// link may be listed under another name for the NAS than the one it was handed out
/// with (DDNS, myQNAPcloud, an address).
pub fn find<'a>(links: &'a [ShareLink], which: &str) -> Option<&'a ShareLink> {
    let key = url_key(which);
    links.iter().find(|l| l.id == which).or_else(|| {
        links
            .iter()
            .find(|l| key.is_some() && url_key(&l.url) == key)
    })
}

/// Path, query and fragment of a URL: what tells two links of one NAS apart.
fn url_key(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    let path = u.path().trim_end_matches('/');
    Some(format!(
        "{path}?{}#{}",
        u.query().unwrap_or(""),
        u.fragment().unwrap_or("")
    ))
}

/// The links to `under` or to anything below it.
pub fn below<'a>(links: &'a [ShareLink], under: &VPath) -> Vec<&'a ShareLink> {
    links.iter().filter(|l| l.path.starts_with(under)).collect()
}

/// Revokes each link in turn, one result each (a failure does not stop the rest).
pub async fn revoke_each(
    vfs: &dyn Vfs,
    links: Vec<ShareLink>,
) -> Vec<(ShareLink, Result<(), ShareError>)> {
    let mut results = Vec::with_capacity(links.len());
    for link in links {
        let r = revoke(vfs, &link).await;
        results.push((link, r));
    }
    results
}

/// Revokes `links`, which are every link of the NAS: in one request where the NAS has
/// one (QNAP's `delete_share_all`), else one by one — also when that request fails, so
/// each link still gets its own answer.
pub async fn revoke_all(
    vfs: &dyn Vfs,
    links: Vec<ShareLink>,
) -> Vec<(ShareLink, Result<(), ShareError>)> {
    let at_once = match links_of(vfs) {
        Ok(l) => l.share_revoke_every().await,
        Err(_) => Ok(false),
    };
    match at_once {
        Ok(true) => links.into_iter().map(|l| (l, Ok(()))).collect(),
        Ok(false) | Err(_) => revoke_each(vfs, links).await,
    }
}

/// The options that change only what is given and keep the rest of `link` as it is:
/// its expiry (as the time left), its access code and the host its URL names.
pub fn options_keeping(
    link: &ShareLink,
    expire_secs: Option<Option<u64>>,
    access_code: Option<Option<String>>,
    now: i64,
) -> ShareOptions {
    let kept_expiry = link
        .expires
        .map(|at| u64::try_from(at.saturating_sub(now)).unwrap_or(0).max(1));
    ShareOptions {
        expire_secs: expire_secs.unwrap_or(kept_expiry),
        access_code: access_code.unwrap_or_else(|| link.access_code.clone()),
        host_override: crate::share_format::url_host(&link.url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::freebox::{FreeboxEmulatorConfig, spawn};

    /// The listing that finds a link to reuse fails once (HTTP 500): it is asked again,
    /// and the link is reused instead of a second one made. Requests: 1-4 the
    /// registration, 5-7 the session, 8-9 the first link (listing, creation), 10 the
    /// listing of the second press (HTTP 500), 11 the listing again.
    #[tokio::test]
    async fn a_failed_listing_still_reuses_the_link() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), b"0123456789").unwrap();
        let mut cfg = FreeboxEmulatorConfig::new(dir.path());
        cfg.faults.http500_every = Some(10);
        let log = cfg.request_log.clone();
        let emu = spawn(cfg).await.unwrap();
        let fbx = crate::nas::freebox::signed_in::signed_in(&emu.base_url).await;
        let a = VPath::parse("/Disque dur/a.txt").unwrap();
        let req = ShareRequest {
            expire_secs: None,
            code: CodeChoice::None,
            host: None,
            reuse: true,
        };
        let first = create_or_reuse(&fbx, vec![a.clone()], &req).await.unwrap();
        assert!(first.results[0].1.is_ok(), "{:?}", log.lines());
        let second = create_or_reuse(&fbx, vec![a], &req).await.unwrap();
        assert_eq!(second.reused.len(), 1, "{:?}", log.lines());
        let made = log
            .lines()
            .iter()
            .filter(|l| l.starts_with("POST") && l.contains("share_link"))
            .count();
        assert_eq!(made, 1, "{:?}", log.lines());
    }
}
