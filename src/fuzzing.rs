//! Entry points for the fuzz targets in `fuzz/` and for `tests/fuzz_regressions.rs`,
//! which replays every input that ever failed. Each takes arbitrary bytes, runs one
//! group of wire or file parsers on them, and checks what must hold whatever the input:
//! no panic, and answers that keep their promises (a resolved emulator path stays under
//! its root, a parsed place is absolute…). Not part of the program's own interface.

use std::sync::OnceLock;

use crate::vfs::VPath;

/// One fuzz target: it takes any bytes.
pub type Target = fn(&[u8]);

/// The targets, by the names `fuzz/` and the regression folders use.
pub const TARGETS: &[(&str, Target)] = &[
    ("qnap_login", qnap_login),
    ("qnap_reply", qnap_reply),
    ("freebox_reply", freebox_reply),
    ("emulator_request", emulator_request),
    ("emulator_multipart", emulator_multipart),
    ("config_files", config_files),
    ("places", places),
];

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// QNAP `authLogin.cgi` XML.
pub fn qnap_login(data: &[u8]) {
    let _ = crate::nas::qnap::fuzz::login_xml(&text(data));
}

/// QNAP `utilRequest.cgi` JSON: any reply, and a listing reply.
pub fn qnap_reply(data: &[u8]) {
    crate::nas::qnap::fuzz::replies(data);
}

/// Freebox envelopes, listings and path tokens.
pub fn freebox_reply(data: &[u8]) {
    use crate::nas::freebox::envelope;
    for status in [200u16, 403, 404, 500] {
        let status = reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::OK);
        if let Ok(result) = envelope::parse(status, data) {
            crate::nas::freebox::fuzz::listing(result);
        }
    }
    if let Ok(path) = crate::nas::freebox::paths::decode(&text(data)) {
        assert!(path.as_str().starts_with('/'), "{path:?}");
    }
}

/// What the emulators parse from a request: QNAP query/form parameters, Freebox JSON
/// bodies and path tokens, and wire paths mapped onto the root (never outside it).
pub fn emulator_request(data: &[u8]) {
    crate::emulator::qnap::fuzz::params(data);
    let _ = crate::emulator::freebox::envelope::parse_body::<serde_json::Value>(data);
    let _ = crate::emulator::freebox::paths::decode(&text(data));
    let root = fuzz_root();
    if let Ok(path) = root.resolve(&text(data)) {
        assert!(path.starts_with(root.root()), "{path:?} left the root");
    }
}

/// A multipart body as the emulators' uploads read it (multer, boundary `B`).
pub fn emulator_multipart(data: &[u8]) {
    let body = bytes::Bytes::copy_from_slice(data);
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, "B");
    runtime().block_on(async {
        while let Ok(Some(mut field)) = mp.next_field().await {
            let _ = field.name().map(str::len);
            let _ = field.file_name().map(str::len);
            while let Ok(Some(_)) = field.chunk().await {}
        }
    });
}

/// The config file, `known_certs.toml` and theme files.
pub fn config_files(data: &[u8]) {
    let t = text(data);
    let _ = crate::config::Config::parse(&t, "fuzz.toml");
    let _ = crate::remotes::known_certs::KnownCerts::parse(&t, "known_certs.toml");
    let _ = crate::theme::Theme::parse("fuzz", &t);
    let _ = crate::config::parse_duration(&t);
}

/// What a user or a NAS hands over as text: places (`NAME:/path`, URLs, local paths),
/// share URLs, expiries, key names and NAS paths.
pub fn places(data: &[u8]) {
    let t = text(data);
    let config = places_config();
    if let Ok(target) =
        crate::remotes::Target::parse_in(&t, config, std::path::Path::new("/home/u"))
    {
        assert!(
            target.path().as_str().starts_with('/'),
            "{:?}",
            target.path()
        );
    }
    if let Ok(p) = VPath::parse(&t) {
        assert!(!p.components().any(|c| c == ".." || c == "."), "{p:?}");
    }
    let _ = crate::share_format::url_host(&t);
    let _ = crate::share_format::url_with_host(&t, "nas.example.org:8443");
    let _ = crate::share_format::parse_expiry(&t);
    let _ = crate::keymap::Key::parse(&t);
    let link = crate::vfs::ShareLink {
        id: "x".into(),
        url: "http://nas:8080/share.cgi?ssid=x".into(),
        path: VPath::root(),
        expires: None,
        access_code: None,
        downloads: None,
    };
    let _ = crate::services::share::find(std::slice::from_ref(&link), &t);
}

fn places_config() -> &'static crate::config::Config {
    static CONFIG: OnceLock<crate::config::Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        crate::config::Config::parse(
            "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"http://127.0.0.1:8080\"\n\
             user = \"u\"\n",
            "places.toml",
        )
        .unwrap_or_default()
    })
}

fn fuzz_root() -> &'static crate::emulator::fsroot::FsRoot {
    static ROOT: OnceLock<(tempfile::TempDir, crate::emulator::fsroot::FsRoot)> = OnceLock::new();
    &ROOT
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp folder: {e}"));
            let _ = std::fs::create_dir(dir.path().join("Public"));
            let root = crate::emulator::fsroot::FsRoot::new(dir.path())
                .unwrap_or_else(|e| panic!("root: {e}"));
            (dir, root)
        })
        .1
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    })
}
