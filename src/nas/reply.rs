//! Reading a reply body whole, with a ceiling: a listing, a login answer or a status
//! envelope is small, and a hostile or confused server must not make nascmd buffer a
//! reply of gigabytes (file bodies are streamed elsewhere and never read this way).

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::vfs::{VfsError, VfsResult};

/// Largest API reply (JSON or XML) read whole. A 5 000-entry QNAP page or a 10 000-entry
/// Freebox page is a few MiB.
pub const MAX_REPLY: usize = 64 * 1024 * 1024;

/// The longest an API call (a listing page, a stat, a login) may take, reply included:
/// a server that trickles a byte now and then would otherwise hold a command for ever,
/// as the client's read timeout restarts with every byte. Not for file bodies, which
/// take as long as their size needs. A call that runs out is a network error, retried
/// under the job's retry budget.
pub const API_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// The variable that sets another API deadline, in seconds (tests use a short one).
pub const DEADLINE_ENV: &str = "NASCMD_API_DEADLINE_SECS";

/// The API deadline in force: [`API_DEADLINE`] unless `NASCMD_API_DEADLINE_SECS` sets
/// another (read once).
pub fn api_deadline() -> std::time::Duration {
    static DEADLINE: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();
    *DEADLINE.get_or_init(|| {
        crate::nas::body_speed::seconds_from_env(DEADLINE_ENV).unwrap_or(API_DEADLINE)
    })
}

/// The body of `resp`, up to `cap` bytes; a longer one is a protocol error, found out
/// from its `Content-Length` at once or while reading, before more than `cap` bytes are
/// held.
pub async fn read_capped(resp: reqwest::Response, cap: usize) -> VfsResult<Bytes> {
    let too_large = || {
        VfsError::Protocol(format!(
            "the NAS sent a reply larger than {} MiB",
            cap / (1024 * 1024)
        ))
    };
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    // The whole reply in one allocation when its length is known: grown by doubling,
    // a 3.5 MB listing page held up to twice its size and was copied on every step
    // (several pages are read at once, issue 14).
    let mut body = BytesMut::with_capacity(resp.content_length().map_or(0, |n| n as usize));
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real HTTP server on loopback answering `len` bytes, with or without a
    /// `Content-Length` (chunked when without).
    async fn serve(len: usize, with_length: bool) -> String {
        use axum::body::Body;
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(move || async move {
                let data = vec![b'x'; len];
                if with_length {
                    Body::from(data)
                } else {
                    let chunks = data
                        .chunks(64 * 1024)
                        .map(|c| Ok::<_, std::io::Error>(Bytes::copy_from_slice(c)))
                        .collect::<Vec<_>>();
                    Body::from_stream(futures_util::stream::iter(chunks))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}/")
    }

    #[tokio::test]
    async fn replies_past_the_ceiling_fail_and_smaller_ones_arrive_whole() {
        let cap = 1024 * 1024;
        for with_length in [true, false] {
            let url = serve(cap + 1, with_length).await;
            let resp = reqwest::get(&url).await.unwrap();
            let err = read_capped(resp, cap).await.unwrap_err();
            assert!(err.to_string().contains("larger than 1 MiB"), "{err}");

            let url = serve(cap, with_length).await;
            let resp = reqwest::get(&url).await.unwrap();
            assert_eq!(read_capped(resp, cap).await.unwrap().len(), cap);
        }
    }
}
