//! Request parameters the way the CGI sees them: the query string merged with an
//! `application/x-www-form-urlencoded` body, keys possibly repeated (`file_name=a&file_name=b`).

use axum::body::Body;
use axum::http::{HeaderMap, Method, header};

/// Form bodies larger than this are refused (they are parameter lists, not files).
const MAX_FORM_BODY: usize = 4 << 20;

#[derive(Clone, Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// `k=v&k=v…` as the CGI decodes it (`+` is a space, `%XX` a byte). A value whose
    /// bytes are not UTF-8 keeps them ([`crate::undecodable`]): it names a file by the
    /// bytes the disk holds, where a lossy decoding would name nothing.
    pub fn parse(raw: &[u8]) -> Params {
        let decode = |part: &[u8]| {
            let plus_as_space: Vec<u8> = part
                .iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect();
            let bytes = percent_encoding::percent_decode(&plus_as_space).collect::<Vec<u8>>();
            crate::undecodable::from_bytes(&bytes).into_owned()
        };
        Params(
            raw.split(|&b| b == b'&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let mut kv = pair.splitn(2, |&b| b == b'=');
                    let key = kv.next().unwrap_or_default();
                    let value = kv.next().unwrap_or_default();
                    (decode(key), decode(value))
                })
                .collect(),
        )
    }

    pub fn extend(&mut self, other: Params) {
        self.0.extend(other.0);
    }

    /// First value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// First non-empty value of `key`.
    pub fn nonempty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// Every value of a repeated key, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.trim().parse().ok())
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "true" | "yes"))
    }

    /// Values of a repeated key, cut to the `*_total` count as the CGI does
    /// (a missing count means "all that were sent").
    pub fn items(&self, key: &str, total_key: &str) -> Vec<&str> {
        let all = self.all(key);
        match self.int(total_key) {
            Some(n) if n >= 0 => all.into_iter().take(n as usize).collect(),
            _ => all,
        }
    }
}

/// True when the request carries a URL-encoded form body.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

/// Query parameters, plus the form body when there is one. Returns the body untouched
/// when it is not a form (a multipart upload is streamed later).
pub async fn collect(
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
    body: Body,
) -> (Params, Option<Body>) {
    let mut p = Params::parse(query.unwrap_or("").as_bytes());
    if *method == Method::POST && is_form(headers) {
        if let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BODY).await {
            p.extend(Params::parse(&bytes));
        }
        return (p, None);
    }
    (p, Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_totals() {
        let p = Params::parse(b"file_name=a&file_name=b+c&file_total=1&x=%2FPublic");
        assert_eq!(p.all("file_name"), vec!["a", "b c"]);
        assert_eq!(p.items("file_name", "file_total"), vec!["a"]);
        assert_eq!(p.get("x"), Some("/Public"));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_kept() {
        let p = Params::parse(b"path=%2FPublic&source_file=caf%E9&k=a=b&&flag");
        let name = p.get("source_file").unwrap();
        assert_eq!(crate::undecodable::to_bytes(name).as_ref(), b"caf\xe9");
        assert_eq!(p.get("k"), Some("a=b"));
        assert_eq!(p.get("flag"), Some(""));
    }
}
