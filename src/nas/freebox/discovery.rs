//! Discovery: `GET /api_version` (bare JSON, no envelope) and the choice of the API path
//! `{api_base_url}v{major}/` per §1.4 of the protocol notes: the box's major, capped at
//! the highest major whose reply shapes this client models.

use serde::Deserialize;

use crate::vfs::{VfsError, VfsResult};

/// Highest API major this client knows the reply shapes of. v15+ pages `fs/ls`.
pub const MAX_MODELLED_MAJOR: u32 = 16;
/// From this major on, `fs/ls` answers `{entries, cursor}` and accepts `limit`/`cursor`.
pub const PAGED_LS_MAJOR: u32 = 15;
/// From this major on, uploads go over the WebSocket API.
pub const WS_UPLOAD_MAJOR: u32 = 4;

/// The fields of `/api_version` we use. Others (`box_model`, `https_port`…) are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct ApiVersion {
    pub api_version: String,
    #[serde(default = "default_base")]
    pub api_base_url: String,
    #[serde(default)]
    pub device_name: String,
    #[serde(default)]
    pub api_domain: String,
    #[serde(default)]
    pub uid: String,
}

fn default_base() -> String {
    "/api/".into()
}

/// Where to send API calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoot {
    /// `http://host[:port]` as given by the user, without a trailing slash.
    pub origin: String,
    /// `{origin}/api/v{major}/`, ending with `/`.
    pub url: String,
    pub major: u32,
    pub device_name: String,
}

/// A box found: the HTTP client that asked `/api_version` and the root it announced
/// (what a login tried again starts from instead of asking again).
pub struct Discovered {
    pub http: reqwest::Client,
    pub root: ApiRoot,
}

/// Checks and normalises the user's base URL (`http://mafreebox.freebox.fr`).
pub fn normalise_base(base_url: &str) -> VfsResult<String> {
    let trimmed = base_url.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed)
        .map_err(|_| VfsError::InvalidName(format!("{trimmed} is not a URL")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(VfsError::InvalidName(format!(
            "{trimmed}: expected http://host or https://host"
        )));
    }
    if url.query().is_some() || url.path() != "/" {
        return Err(VfsError::InvalidName(format!(
            "{trimmed}: give only the scheme, host and port"
        )));
    }
    Ok(trimmed.to_owned())
}

/// Parses an `/api_version` body and picks the API root.
pub fn choose_root(origin: &str, body: &[u8]) -> VfsResult<ApiRoot> {
    let v: ApiVersion = serde_json::from_slice(body).map_err(|e| {
        if e.is_eof() && body.first() == Some(&b'{') {
            VfsError::Network("the /api_version reply was cut short".into())
        } else {
            VfsError::Protocol("the device did not answer /api_version like a Freebox".into())
        }
    })?;
    let major: u32 = v
        .api_version
        .split('.')
        .next()
        .and_then(|m| m.trim().parse().ok())
        .filter(|m| *m >= 1)
        .ok_or_else(|| {
            VfsError::Protocol("the Freebox announced an unreadable API version".into())
        })?;
    let base = &v.api_base_url;
    let sane = base.starts_with('/')
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'));
    if !sane {
        return Err(VfsError::Protocol(
            "the Freebox announced an odd api_base_url".into(),
        ));
    }
    let base = base.trim_end_matches('/');
    let major = major.min(MAX_MODELLED_MAJOR);
    Ok(ApiRoot {
        origin: origin.to_owned(),
        url: format!("{origin}{base}/v{major}/"),
        major,
        device_name: v.device_name,
    })
}

/// Checks that `base_url` is a Freebox and tells its name and API major (for
/// `remote add` and the connect screen).
pub async fn probe(base_url: &str) -> VfsResult<ApiRoot> {
    discover(&super::tls::http_client()?, base_url).await
}

/// `GET {base}/api_version` and the API root to use.
pub async fn discover(http: &reqwest::Client, base_url: &str) -> VfsResult<ApiRoot> {
    let origin = normalise_base(base_url)?;
    let resp = http
        .get(format!("{origin}/api_version"))
        // The API deadline covers the whole reply, body included.
        .timeout(crate::nas::reply::api_deadline())
        .send()
        .await
        // A refused certificate becomes `UntrustedCertificate`: retrying will not help.
        .map_err(VfsError::from)?;
    let status = resp.status();
    let body = crate::nas::reply::read_capped(resp, crate::nas::reply::MAX_REPLY).await?;
    if status.is_server_error() {
        return Err(VfsError::Server {
            code: crate::vfs::ServerCode::Http(status.as_u16()),
            message: "the Freebox failed to answer /api_version".into(),
        });
    }
    if !status.is_success() {
        return Err(VfsError::Protocol(format!(
            "{origin} answered HTTP {} to /api_version: is it a Freebox?",
            status.as_u16()
        )));
    }
    choose_root(&origin, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL: &str = r#"{"box_model_name":"Freebox v9 (r1)","api_base_url":"\/api\/","https_port":29491,
 "device_name":"Freebox Server","https_available":true,"box_model":"fbxgw9-r1",
 "api_domain":"abcd1234.fbxos.fr","uid":"0123456789abcdef0123456789abcdef",
 "api_version":"16.0","device_type":"FreeboxServer9,1"}"#;

    #[test]
    fn picks_the_major_from_a_real_reply() {
        let r = choose_root("http://mafreebox.freebox.fr", REAL.as_bytes()).unwrap();
        assert_eq!(r.url, "http://mafreebox.freebox.fr/api/v16/");
        assert_eq!(r.major, 16);
        assert_eq!(r.device_name, "Freebox Server");
    }

    #[test]
    fn caps_unknown_majors_and_reads_older_ones() {
        let r = choose_root(
            "http://h",
            br#"{"api_version":"99.3","api_base_url":"/api/"}"#,
        )
        .unwrap();
        assert_eq!(r.url, "http://h/api/v16/");
        let r = choose_root(
            "http://h",
            br#"{"api_version":"8.0","api_base_url":"/api/"}"#,
        )
        .unwrap();
        assert_eq!((r.major, r.url.as_str()), (8, "http://h/api/v8/"));
    }

    #[test]
    fn a_cut_reply_is_transient() {
        let e = choose_root("http://h", br#"{"api_version":"8.0","api_ba"#).unwrap_err();
        assert!(e.is_transient(), "{e:?}");
    }

    #[test]
    fn refuses_garbage() {
        for body in [
            "<html>router login</html>",
            r#"{"api_version":8}"#,
            r#"{"api_version":"x.y"}"#,
            r#"{"api_version":"8.0","api_base_url":"http://evil/"}"#,
            r#"{"api_version":"8.0","api_base_url":"/api/../x/"}"#,
        ] {
            assert!(
                matches!(
                    choose_root("http://h", body.as_bytes()),
                    Err(VfsError::Protocol(_))
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            normalise_base("http://mafreebox.freebox.fr/").unwrap(),
            "http://mafreebox.freebox.fr"
        );
        assert_eq!(
            normalise_base("http://127.0.0.1:8081").unwrap(),
            "http://127.0.0.1:8081"
        );
        assert!(normalise_base("ftp://x").is_err());
        assert!(normalise_base("http://x/api/v8").is_err());
        assert!(normalise_base("nonsense").is_err());
    }
}
