//! Hosts a share link can name: the address nascmd reaches the NAS by, then the names the
//! NAS reports in `get_domain_ip_list` (vendor doc 17.5: myQNAPcloud, DDNS, external and
//! LAN addresses), each with the connection's port when it has an explicit one (a NAS
//! reached at `:8080` usually forwards the same port under its public names).

use serde_json::Value;

use super::client::{Client, Kind};
use super::share::connection_host;
use crate::vfs::{ShareHost, VfsResult};

/// The reply's keys, in the order they are offered, with what the UI calls them.
const REPORTED: [(&str, &str); 5] = [
    ("mycloudnas_hn", "myQNAPcloud"),
    ("ddns_hn", "DDNS"),
    ("external_ip", "external IP"),
    ("local_ip", "LAN IP"),
    ("host_ip", "host IP"),
];

pub async fn list(client: &Client) -> VfsResult<Vec<ShareHost>> {
    let own = connection_host(client);
    let reply = match client
        .call(Kind::Read, "get_domain_ip_list", &[], "host names")
        .await
    {
        Ok(v) => v,
        // Older firmware or a restricted account: the connection's host still works.
        Err(e) => {
            tracing::debug!(error = %e, "get_domain_ip_list failed; offering the connection host only");
            Value::Null
        }
    };
    Ok(hosts(&own, client.base_url().port(), &reply))
}

/// The connection host first, then each usable reported name once.
fn hosts(own: &str, port: Option<u16>, reply: &Value) -> Vec<ShareHost> {
    let mut out = vec![ShareHost {
        host: own.to_owned(),
        source: "the address nascmd uses".to_owned(),
    }];
    for (key, source) in REPORTED {
        let Some(name) = reply.get(key).and_then(Value::as_str).map(str::trim) else {
            continue;
        };
        if !is_host_name(name) {
            if !name.is_empty() {
                tracing::debug!(
                    key,
                    "ignoring an unusable host name from get_domain_ip_list"
                );
            }
            continue;
        }
        let host = match port {
            Some(p) => format!("{name}:{p}"),
            None => name.to_owned(),
        };
        if !out.iter().any(|h| h.host.eq_ignore_ascii_case(&host)) {
            out.push(ShareHost {
                host,
                source: source.to_owned(),
            });
        }
    }
    out
}

/// A DNS name or IPv4 address: it goes into URLs, so nothing else passes.
fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && !s.starts_with(['.', '-'])
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendor_example_gives_every_name_once_with_the_port() {
        // Vendor doc 17.5's example reply.
        let reply = serde_json::json!({
            "status": 1,
            "mycloudnas_hn": "example.mycloudnas.com",
            "ddns_hn": "example.anydns.com",
            "external_ip": "123.123.123.123",
            "local_ip": "192.168.1.101",
            "host_ip": "192.168.1.101",
        });
        let got = hosts("192.168.1.101:8080", Some(8080), &reply);
        let shown: Vec<(&str, &str)> = got
            .iter()
            .map(|h| (h.host.as_str(), h.source.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("192.168.1.101:8080", "the address nascmd uses"),
                ("example.mycloudnas.com:8080", "myQNAPcloud"),
                ("example.anydns.com:8080", "DDNS"),
                ("123.123.123.123:8080", "external IP"),
            ]
        );
    }

    #[test]
    fn empty_hostile_or_missing_names_are_left_out() {
        let reply = serde_json::json!({
            "mycloudnas_hn": "",
            "ddns_hn": "evil.example/x?y",
            "external_ip": 5,
            "local_ip": "\u{1b}[2J",
        });
        let got = hosts("nas.local", None, &reply);
        assert_eq!(got.len(), 1);
        assert_eq!(hosts("nas.local", None, &Value::Null).len(), 1);
    }
}
