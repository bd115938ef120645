//! Share links (`share_link/`, §9 and the vendor excerpt): create, list, get, delete.
//!
//! The protocol has no update call (every ShareLink field is read-only), so changing a
//! link's expiry means creating a new link and deleting the old one; the caller gets the
//! new link back, with its new token and URL. Passwords do not exist on Freebox links.
//! `fullurl` is empty while remote access is off: the link is returned with an empty URL
//! and the UI explains.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::json;

use super::api::Api;
use super::http::list_as;
use super::paths;
use super::wire::ShareLinkWire;
use crate::vfs::{ServerCode, ShareLink, ShareOptions, VPath, VfsError, VfsResult};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Tokens go into URL paths: accept only the documented alphabet.
fn check_token(token: &str) -> VfsResult<()> {
    let ok = !token.is_empty()
        && token.len() <= 128
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(VfsError::Protocol(
            "the Freebox sent an odd share-link token".into(),
        ))
    }
}

/// Puts `host[:port]` in place of the URL's own host (for a box reached through another
/// name than the one it advertises).
fn override_host(url: &str, host: Option<&str>) -> VfsResult<String> {
    let Some(host) = host.filter(|h| !h.is_empty()) else {
        return Ok(url.to_owned());
    };
    if url.is_empty() {
        return Ok(String::new());
    }
    if reqwest::Url::parse(url).is_err() {
        return Err(VfsError::Protocol(
            "the Freebox sent an unreadable share URL".into(),
        ));
    }
    crate::share_format::url_with_host(url, host).ok_or_else(|| {
        VfsError::InvalidName(format!("{} is not a host name", crate::names::escape(host)))
    })
}

fn to_link(w: ShareLinkWire, host: Option<&str>) -> VfsResult<ShareLink> {
    check_token(&w.token)?;
    Ok(ShareLink {
        id: w.token,
        url: override_host(&w.fullurl, host)?,
        path: paths::decode(&w.path)?,
        expires: (w.expire > 0).then_some(w.expire),
        access_code: None,
        downloads: None,
    })
}

fn refuse_password(opts: &ShareOptions) -> VfsResult<()> {
    match opts.access_code.as_deref() {
        Some(code) if !code.is_empty() => Err(VfsError::Unsupported(
            "a password on a share link (the Freebox has none)",
        )),
        _ => Ok(()),
    }
}

pub async fn create(api: &Api, path: &VPath, opts: &ShareOptions) -> VfsResult<ShareLink> {
    refuse_password(opts)?;
    let expire = opts.expire_secs.map_or(0, |s| {
        now().saturating_add(s.min(i64::MAX as u64 / 2) as i64)
    });
    let body = json!({"path": paths::encode(path), "expire": expire, "fullurl": ""});
    let w: ShareLinkWire = api
        .call_as(Method::POST, "share_link/", Some(&body), path.as_str())
        .await?;
    to_link(w, opts.host_override.as_deref())
}

pub async fn list(api: &Api) -> VfsResult<Vec<ShareLink>> {
    let result = api
        .call(Method::GET, "share_link/", None, "share links")
        .await?;
    let wires: Vec<ShareLinkWire> = list_as(result)?;
    let mut links = Vec::with_capacity(wires.len());
    for w in wires {
        match to_link(w, None) {
            Ok(l) => links.push(l),
            Err(e) => tracing::warn!(error = %e, "skipping an unreadable share link"),
        }
    }
    Ok(links)
}

pub async fn get(api: &Api, id: &str) -> VfsResult<ShareLink> {
    check_token(id)?;
    let w: ShareLinkWire = api
        .call_as(Method::GET, &format!("share_link/{id}"), None, "share link")
        .await
        .map_err(|e| unknown_is_not_found(e, id))?;
    to_link(w, None)
}

pub async fn delete(api: &Api, id: &str) -> VfsResult<()> {
    check_token(id)?;
    api.call(
        Method::DELETE,
        &format!("share_link/{id}"),
        None,
        "share link",
    )
    .await
    .map(drop)
    .map_err(|e| unknown_is_not_found(e, id))
}

/// The box answers `invalid_id` for a token it does not know (freebox.md, share
/// errors): the link is not there, as a revoke tried again needs to tell.
fn unknown_is_not_found(e: VfsError, id: &str) -> VfsError {
    match e {
        VfsError::Server {
            code: ServerCode::Named(ref c),
            ..
        } if c == "invalid_id" => VfsError::NotFound(format!("share link {id}")),
        other => other,
    }
}

/// Applies new options: unchanged when nothing the box stores changes, otherwise a new
/// link replaces the old one (created first, so the file is never left unshared).
pub async fn update(api: &Api, link: &ShareLink, opts: &ShareOptions) -> VfsResult<ShareLink> {
    refuse_password(opts)?;
    if opts.expire_secs.is_none() && link.expires.is_none() {
        let mut same = link.clone();
        if opts.host_override.is_some() {
            same.url = override_host(&link.url, opts.host_override.as_deref())?;
        }
        return Ok(same);
    }
    let fresh = create(api, &link.path, opts).await?;
    match delete(api, &link.id).await {
        Ok(()) | Err(VfsError::Server { .. }) => {}
        Err(e) => return Err(e),
    }
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked() {
        for ok in ["s8a+4VtOQNkkQ55f", "6Hj57zgTfoQqb_vH", "l1i-SuYthQC8bjKo"] {
            assert!(check_token(ok).is_ok(), "{ok}");
        }
        for bad in ["", "../x", "a/b", "a?b", "a b"] {
            assert!(check_token(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_override_replaces_host_and_port() {
        let u = "https://fbx.my-public-domain.net:4011/share/UQttle1mcziV2b9f/delta-10G-5.tar.gz";
        assert_eq!(
            override_host(u, Some("nas.example.org:8443")).unwrap(),
            "https://nas.example.org:8443/share/UQttle1mcziV2b9f/delta-10G-5.tar.gz"
        );
        assert_eq!(
            override_host(u, Some("nas.example.org")).unwrap(),
            "https://nas.example.org:4011/share/UQttle1mcziV2b9f/delta-10G-5.tar.gz"
        );
        assert_eq!(override_host("", Some("x")).unwrap(), "");
        assert_eq!(override_host(u, None).unwrap(), u);
    }

    #[test]
    fn real_reply_becomes_a_link() {
        let w: ShareLinkWire = serde_json::from_str(r#"{"path":"L0Rpc3F1ZSBkdXIvVMOpbMOpY2hhcmdlbWVudHM=","name":"Téléchargements","token":"6Hj57zgTfoQqb_vH","expire":0,"fullurl":""}"#).unwrap();
        let l = to_link(w, None).unwrap();
        assert_eq!(l.path.as_str(), "/Disque dur/Téléchargements");
        assert_eq!((l.url.as_str(), l.expires), ("", None));
    }
}
