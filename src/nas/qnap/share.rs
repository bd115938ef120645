//! Share links (qnap.md A.9): create with `get_share_link`, list with
//! `get_share_list`, change with `update_share_link`, revoke with `delete_share`.
//! The URL names the host the user reaches the NAS by (or `host_override`), with
//! https when the connection is.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Url;

use super::client::Client;
use super::funcs::LinkParams;
use super::paths::{share_path_from_disk, split};
use super::wire::SharedItem;
use crate::vfs::{ShareLink, ShareOptions, VPath, VfsError, VfsResult};

const PAGE: u64 = 500;

/// `host[:port]` nascmd reaches the NAS by (the default host of links).
pub(super) fn connection_host(client: &Client) -> String {
    let base = client.base_url();
    let h = base.host_str().unwrap_or("localhost");
    match base.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_owned(),
    }
}

/// `host[:port]` for links, and whether they are https.
fn link_host(client: &Client, opts: &ShareOptions) -> (String, bool) {
    let ssl = client.base_url().scheme() == "https";
    let host = match opts.host_override.as_deref().map(str::trim) {
        Some(h) if !h.is_empty() => h.to_owned(),
        _ => connection_host(client),
    };
    (host, ssl)
}

/// The link URL: the server's path and query on our scheme and host; built from the
/// ssid when the server's URL is missing or unreadable.
pub fn link_url(server_url: &str, ssid: &str, host: &str, ssl: bool) -> String {
    let scheme = if ssl { "https" } else { "http" };
    match Url::parse(server_url) {
        Ok(u) if u.path().ends_with("share.cgi") => match u.query() {
            Some(q) => format!("{scheme}://{host}{}?{q}", u.path()),
            None => format!("{scheme}://{host}{}", u.path()),
        },
        _ => format!("{scheme}://{host}/share.cgi?ssid={ssid}"),
    }
}

fn ssid_from_url(url: &str) -> Option<String> {
    let u = Url::parse(url).ok()?;
    u.query_pairs()
        .find(|(k, _)| k == "ssid")
        .map(|(_, v)| v.into_owned())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub async fn create(client: &Client, path: &VPath, opts: &ShareOptions) -> VfsResult<ShareLink> {
    made(client, path, opts, None).await
}

/// A new link that the NAS also e-mails (`share_file`).
pub async fn email(
    client: &Client,
    path: &VPath,
    opts: &ShareOptions,
    mail: &crate::vfs::ShareMail,
) -> VfsResult<ShareLink> {
    made(client, path, opts, Some(mail)).await
}

async fn made(
    client: &Client,
    path: &VPath,
    opts: &ShareOptions,
    mail: Option<&crate::vfs::ShareMail>,
) -> VfsResult<ShareLink> {
    let (dir, name) = split(path)?;
    let (host, ssl) = link_host(client, opts);
    let params = LinkParams {
        hostname: &host,
        ssl,
        expire_secs: opts.expire_secs,
        access_code: opts.access_code.as_deref(),
    };
    let reply = match mail {
        Some(m) => client.share_file(&dir, &name, &params, m).await?,
        None => client.get_share_link(&dir, &name, &params).await?,
    };
    let server_url = reply
        .links
        .first()
        .map(|l| l.link_url.clone())
        .unwrap_or_default();
    let id = reply
        .ssid
        .filter(|s| !s.is_empty())
        .or_else(|| ssid_from_url(&server_url))
        .ok_or_else(|| VfsError::Protocol("the share link reply carries no link id".into()))?;
    let expires = match reply.expire_time.filter(|t| *t > 0) {
        Some(t) => Some(t),
        None => opts.expire_secs.map(|s| now() + s as i64),
    };
    Ok(ShareLink {
        url: link_url(&server_url, &id, &host, ssl),
        id,
        path: path.clone(),
        expires,
        access_code: opts.access_code.clone(),
        downloads: Some(0),
    })
}

async fn items(client: &Client) -> VfsResult<Vec<SharedItem>> {
    let mut out = Vec::new();
    loop {
        let reply = client.get_share_list(out.len() as u64, PAGE).await?;
        let n = reply.datas.len();
        out.extend(reply.datas);
        if n == 0 || out.len() as u64 >= reply.total {
            return Ok(out);
        }
    }
}

fn to_link(client: &Client, item: SharedItem) -> Option<ShareLink> {
    let path = share_path_from_disk(&item.filename, client.user())?;
    Some(ShareLink {
        url: item.download_link,
        id: item.ssid,
        path,
        expires: item.expire_time.filter(|t| *t > 0),
        access_code: item.access_code.filter(|c| !c.is_empty()),
        downloads: item.download_count.and_then(|c| u64::try_from(c).ok()),
    })
}

pub async fn list(client: &Client) -> VfsResult<Vec<ShareLink>> {
    Ok(items(client)
        .await?
        .into_iter()
        .filter_map(|i| to_link(client, i))
        .collect())
}

pub async fn update(
    client: &Client,
    link: &ShareLink,
    opts: &ShareOptions,
) -> VfsResult<ShareLink> {
    let (host, ssl) = link_host(client, opts);
    let params = LinkParams {
        hostname: &host,
        ssl,
        expire_secs: opts.expire_secs,
        access_code: opts.access_code.as_deref(),
    };
    client.update_share_link(&link.id, &params).await?;
    let fresh = items(client)
        .await?
        .into_iter()
        .find(|i| i.ssid == link.id)
        .and_then(|i| to_link(client, i));
    Ok(match fresh {
        Some(mut l) => {
            l.url = link_url(&l.url, &l.id, &host, ssl);
            l
        }
        None => ShareLink {
            expires: opts.expire_secs.map(|s| now() + s as i64),
            access_code: opts.access_code.clone(),
            url: link_url(&link.url, &link.id, &host, ssl),
            ..link.clone()
        },
    })
}

pub async fn revoke(client: &Client, link: &ShareLink) -> VfsResult<()> {
    // delete_share wants the link and file exactly as the NAS stores them.
    let stored = items(client).await?.into_iter().find(|i| i.ssid == link.id);
    let Some(item) = stored else {
        return Err(VfsError::NotFound(format!("share link {}", link.id)));
    };
    client
        .delete_share(&item.ssid, &item.download_link, &item.filename)
        .await?;
    if items(client).await?.iter().any(|i| i.ssid == link.id) {
        return Err(VfsError::Server {
            code: crate::vfs::ServerCode::Named("delete_share".into()),
            message: "the NAS kept the share link".into(),
        });
    }
    Ok(())
}

/// Every link of the account in one `delete_share_all`, checked by listing after.
pub async fn revoke_every(client: &Client) -> VfsResult<bool> {
    client.delete_share_all().await?;
    let left = items(client).await?.len();
    if left > 0 {
        return Err(VfsError::Server {
            code: crate::vfs::ServerCode::Named("delete_share_all".into()),
            message: format!("the NAS kept {left} share link(s)"),
        });
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_urls_use_our_host_and_scheme() {
        assert_eq!(
            link_url(
                "http://10.0.0.5:8080/share.cgi?ssid=0GjSntB",
                "0GjSntB",
                "nas.example.org",
                true
            ),
            "https://nas.example.org/share.cgi?ssid=0GjSntB"
        );
        assert_eq!(
            link_url("", "abc", "127.0.0.1:8080", false),
            "http://127.0.0.1:8080/share.cgi?ssid=abc"
        );
        assert_eq!(
            ssid_from_url("https://h/share.cgi?ssid=0BPNigh&fid=x").as_deref(),
            Some("0BPNigh")
        );
    }
}
