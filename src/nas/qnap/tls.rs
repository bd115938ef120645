//! TLS trust for a NAS: verified against the webpki roots by default; a NAS with its
//! own CA can be trusted by adding that root (`QnapConfig::extra_root_pem`).

use super::QnapConfig;
use crate::vfs::{VfsError, VfsResult};

pub fn configure(
    mut builder: reqwest::ClientBuilder,
    cfg: &QnapConfig,
) -> VfsResult<reqwest::ClientBuilder> {
    if let Some(pem) = cfg.extra_root_pem.as_deref() {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|_| {
            VfsError::Protocol("the extra root certificate is not valid PEM".into())
        })?;
        for c in certs {
            builder = builder.add_root_certificate(c);
        }
    }
    Ok(builder)
}
