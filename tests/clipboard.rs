//! Clipboard routes and share-link formatting, end to end through the public API.
//!
//! The OSC 52 tests decode the bytes the runtime would write by undoing each wrapping
//! the way tmux, screen and the terminal do, independently of the encoder.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use nascmd::clipboard::{
    self, Clipboard, ClipboardEnv, ClipboardMode, ClipboardSink as _, CopyOutcome, MemoryClipboard,
    Multiplexer, Platform, SCREEN_CHUNK_LEN,
};
use nascmd::share_format::{
    ACCESS_CODE_CHARSET, ACCESS_CODE_LEN, AccessCodeError, ExpiryParseError, format_expiry,
    format_expiry_date, format_expiry_relative, generate_access_code, join_urls, parse_expiry,
    validate_access_code,
};

const URL: &str = "https://nas.example.net:8081/share.cgi?ssid=0a1b2c3d4e5f60718293a4b5c6d7e8f9";

// ---------- decoders: what the terminal / multiplexer does with the bytes ----------

/// Parses one `ESC ] 52 ; c ; <base64> BEL` at the start of `bytes`; returns the text and
/// the rest.
fn take_osc52(bytes: &[u8]) -> (String, &[u8]) {
    let body = bytes
        .strip_prefix(b"\x1b]52;c;")
        .expect("starts with OSC 52 for the clipboard selection");
    let end = body.iter().position(|&b| b == 0x07).expect("ends with BEL");
    let decoded = BASE64.decode(&body[..end]).expect("valid base64");
    (String::from_utf8(decoded).unwrap(), &body[end + 1..])
}

/// What tmux does with allow-passthrough: take `ESC P tmux ; … ESC \`, undouble ESCs.
/// Panics on a lone ESC inside (tmux would end the passthrough there).
fn take_tmux_passthrough(bytes: &[u8]) -> (Vec<u8>, &[u8]) {
    let mut rest = bytes
        .strip_prefix(b"\x1bPtmux;")
        .expect("starts with tmux passthrough");
    let mut inner = Vec::new();
    loop {
        match rest {
            [0x1b, 0x1b, tail @ ..] => {
                inner.push(0x1b);
                rest = tail;
            }
            [0x1b, b'\\', tail @ ..] => return (inner, tail),
            [0x1b, ..] => panic!("undoubled ESC inside tmux passthrough"),
            [b, tail @ ..] => {
                inner.push(*b);
                rest = tail;
            }
            [] => panic!("unterminated tmux passthrough"),
        }
    }
}

/// What screen does: each `ESC P <chunk> ESC \` is passed on as is; chunks must fit
/// screen's string buffer. Returns the joined payload and what follows the last DCS.
fn take_screen_chunks(bytes: &[u8]) -> (Vec<u8>, usize, &[u8]) {
    let mut rest = bytes;
    let mut joined = Vec::new();
    let mut chunks = 0;
    while let Some(body) = rest.strip_prefix(b"\x1bP") {
        let end = body
            .windows(2)
            .position(|w| w == b"\x1b\\")
            .expect("chunk ends with ST");
        assert!(end <= SCREEN_CHUNK_LEN, "chunk of {end} bytes is too long");
        assert!(end <= 256, "even the oldest screen must accept it");
        joined.extend_from_slice(&body[..end]);
        chunks += 1;
        rest = &body[end + 2..];
    }
    (joined, chunks, rest)
}

fn osc52_bytes_of(outcome: CopyOutcome) -> Vec<u8> {
    match outcome {
        CopyOutcome::Osc52 { bytes } => bytes,
        other => panic!("expected OSC 52, got {other:?}"),
    }
}

fn env(multiplexer: Multiplexer) -> ClipboardEnv {
    ClipboardEnv {
        multiplexer,
        ..ClipboardEnv::default()
    }
}

// ---------- OSC 52 bytes ----------

#[test]
fn plain_osc52_decodes_to_the_url() {
    let system = MemoryClipboard::new();
    let bytes = osc52_bytes_of(clipboard::copy(
        URL,
        ClipboardMode::Osc52,
        &env(Multiplexer::None),
        &system,
    ));
    let (text, rest) = take_osc52(&bytes);
    assert_eq!(text, URL);
    assert!(rest.is_empty(), "nothing after the sequence");
    assert!(
        system.texts().is_empty(),
        "OSC 52 mode never touches the system clipboard"
    );
}

#[test]
fn tmux_passthrough_decodes_to_the_url_and_a_plain_copy_follows() {
    let bytes = osc52_bytes_of(clipboard::copy(
        URL,
        ClipboardMode::Osc52,
        &env(Multiplexer::Tmux),
        &MemoryClipboard::new(),
    ));
    let (inner, rest) = take_tmux_passthrough(&bytes);
    let (text, after) = take_osc52(&inner);
    assert_eq!(text, URL);
    assert!(after.is_empty());
    // The unwrapped copy, for tmux's own `set-clipboard on`.
    let (text, after) = take_osc52(rest);
    assert_eq!(text, URL);
    assert!(after.is_empty());
}

#[test]
fn screen_chunks_decode_to_the_url_even_for_long_text() {
    // Several URLs, long enough to need several chunks.
    let urls: Vec<String> = (0..12).map(|i| format!("{URL}&n={i}")).collect();
    let text = join_urls(urls.iter().map(String::as_str));
    let bytes = osc52_bytes_of(clipboard::copy(
        &text,
        ClipboardMode::Osc52,
        &env(Multiplexer::Screen),
        &MemoryClipboard::new(),
    ));
    let (joined, chunks, rest) = take_screen_chunks(&bytes);
    assert!(chunks > 3, "long text is split, got {chunks} chunk(s)");
    let (decoded, after) = take_osc52(&joined);
    assert_eq!(decoded, text);
    assert!(after.is_empty());
    let (decoded, after) = take_osc52(rest);
    assert_eq!(decoded, text);
    assert!(after.is_empty());
}

#[test]
fn non_ascii_text_survives_osc52() {
    let text = "https://fbx.example.net/share/UQttle1mcziV2b9f/Été à Noël.jpg";
    let bytes = osc52_bytes_of(clipboard::copy(
        text,
        ClipboardMode::Osc52,
        &env(Multiplexer::None),
        &MemoryClipboard::new(),
    ));
    assert_eq!(take_osc52(&bytes).0, text);
}

#[test]
fn text_too_long_for_a_terminal_is_unavailable_not_truncated() {
    let text = "x".repeat(200_000);
    let outcome = clipboard::copy(
        &text,
        ClipboardMode::Osc52,
        &env(Multiplexer::None),
        &MemoryClipboard::new(),
    );
    match outcome {
        CopyOutcome::Unavailable { reason } => assert!(reason.contains("too long"), "{reason}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

// ---------- route choice ----------

fn linux(display: bool, ssh: bool) -> ClipboardEnv {
    ClipboardEnv {
        platform: Platform::DisplayServer,
        x11_display: display,
        ssh,
        ..ClipboardEnv::default()
    }
}

#[test]
fn auto_uses_the_system_clipboard_at_a_local_display() {
    let system = Arc::new(MemoryClipboard::new());
    let cb = Clipboard::with_parts(ClipboardMode::Auto, linux(true, false), system.clone());
    let outcome = cb.copy(URL);
    assert_eq!(outcome, CopyOutcome::System);
    assert_eq!(system.last().as_deref(), Some(URL));
    assert_eq!(outcome.status_message(), "copied to the system clipboard");
}

#[test]
fn auto_uses_wayland_and_native_platforms_too() {
    let system = MemoryClipboard::new();
    let wayland = ClipboardEnv {
        wayland_display: true,
        ..ClipboardEnv::default()
    };
    let mac = ClipboardEnv {
        platform: Platform::Native,
        ..ClipboardEnv::default()
    };
    for env in [wayland, mac] {
        assert_eq!(
            clipboard::copy(URL, ClipboardMode::Auto, &env, &system),
            CopyOutcome::System
        );
    }
    assert_eq!(system.texts().len(), 2);
}

#[test]
fn auto_uses_osc52_over_ssh_even_with_a_display() {
    let system = MemoryClipboard::new();
    // X forwarding gives a DISPLAY, but the user's clipboard is on their own machine.
    let outcome = clipboard::copy(URL, ClipboardMode::Auto, &linux(true, true), &system);
    let bytes = osc52_bytes_of(outcome.clone());
    assert_eq!(take_osc52(&bytes).0, URL);
    assert!(
        system.texts().is_empty(),
        "system clipboard not used over SSH"
    );
    assert_eq!(
        outcome.status_message(),
        "sent to your terminal's clipboard (OSC 52)"
    );
}

#[test]
fn auto_uses_osc52_without_a_display() {
    let system = MemoryClipboard::new();
    let outcome = clipboard::copy(URL, ClipboardMode::Auto, &linux(false, false), &system);
    assert_eq!(take_osc52(&osc52_bytes_of(outcome)).0, URL);
    assert!(system.texts().is_empty());
}

#[test]
fn auto_falls_back_to_osc52_when_the_system_clipboard_fails() {
    let system = MemoryClipboard::failing("X server went away");
    let outcome = clipboard::copy(URL, ClipboardMode::Auto, &linux(true, false), &system);
    assert_eq!(take_osc52(&osc52_bytes_of(outcome)).0, URL);
}

#[test]
fn forced_system_without_a_display_is_unavailable_and_never_tries() {
    let system = MemoryClipboard::new();
    let outcome = clipboard::copy(URL, ClipboardMode::System, &linux(false, false), &system);
    match &outcome {
        CopyOutcome::Unavailable { reason } => assert!(reason.contains("display"), "{reason}"),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(system.texts().is_empty());
    assert!(
        outcome
            .status_message()
            .starts_with("no clipboard available")
    );
}

#[test]
fn forced_system_reports_a_failing_clipboard() {
    let system = MemoryClipboard::failing("no owner");
    let outcome = clipboard::copy(URL, ClipboardMode::System, &linux(true, false), &system);
    assert!(matches!(outcome, CopyOutcome::Unavailable { reason } if reason.contains("no owner")));
}

#[test]
fn forced_system_over_ssh_with_a_display_still_uses_it() {
    let system = MemoryClipboard::new();
    let outcome = clipboard::copy(URL, ClipboardMode::System, &linux(true, true), &system);
    assert_eq!(outcome, CopyOutcome::System);
    assert_eq!(system.last().as_deref(), Some(URL));
}

#[test]
fn outcome_debug_does_not_show_the_text() {
    let outcome = clipboard::copy(
        URL,
        ClipboardMode::Osc52,
        &env(Multiplexer::None),
        &MemoryClipboard::new(),
    );
    let shown = format!("{outcome:?}");
    assert!(!shown.contains(&BASE64.encode(URL)), "{shown}");
}

#[test]
fn real_system_clipboard_without_a_display_fails_fast() {
    // Exercises the real arboard worker, but only where it cannot touch a user's
    // clipboard: a process with no display (CI, SSH sessions, containers).
    if ClipboardEnv::from_process().has_local_display() {
        eprintln!("skipped: a display is present");
        return;
    }
    let sink = clipboard::SystemClipboard::with_timeout(std::time::Duration::from_secs(3));
    let started = std::time::Instant::now();
    let first = sink.set_text(URL);
    let second = sink.set_text(URL);
    assert!(first.is_err() && second.is_err(), "{first:?} {second:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(7));
}

// ---------- share formatting ----------

#[test]
fn expiry_parsing_table() {
    let ok: &[(&str, Option<u64>)] = &[
        ("7d", Some(7 * 86_400)),
        ("12h", Some(12 * 3_600)),
        ("30m", Some(30 * 60)),
        ("45s", Some(45)),
        ("2w", Some(14 * 86_400)),
        ("36525d", Some(36_525 * 86_400)),
        (" 7D ", Some(7 * 86_400)),
        ("never", None),
        ("NEVER", None),
    ];
    for (input, want) in ok {
        assert_eq!(parse_expiry(input), Ok(*want), "{input:?}");
    }
    let bad: &[(&str, ExpiryParseError)] = &[
        ("", ExpiryParseError::Empty),
        ("d", ExpiryParseError::NoNumber("d".into())),
        ("7", ExpiryParseError::NoUnit("7".into())),
        ("0d", ExpiryParseError::Zero("0d".into())),
        ("0", ExpiryParseError::Zero("0".into())),
        ("5218w", ExpiryParseError::TooLarge("5218w".into())),
        (
            "7y",
            ExpiryParseError::UnknownUnit {
                input: "7y".into(),
                unit: "y".into(),
            },
        ),
        ("-7d", ExpiryParseError::NoNumber("-7d".into())),
        (
            "99999999999999999999d",
            ExpiryParseError::TooLarge("99999999999999999999d".into()),
        ),
        (
            "999999999999999w",
            ExpiryParseError::TooLarge("999999999999999w".into()),
        ),
    ];
    for (input, want) in bad {
        assert_eq!(parse_expiry(input).as_ref(), Err(want), "{input:?}");
    }
    // The messages tell the user what to type.
    assert!(parse_expiry("7").unwrap_err().to_string().contains("`7d`"));
}

#[test]
fn expiry_formatting_table() {
    let now = 1_795_420_800; // 2026-11-23 08:00:00 UTC
    let cases: &[(Option<i64>, &str)] = &[
        (None, "never"),
        (Some(now - 1), "expired"),
        (Some(now), "expired"),
        (Some(now + 20), "in under a minute"),
        (Some(now + 60), "in 1 minute"),
        (Some(now + 5 * 60 + 10), "in 5 minutes"),
        (Some(now + 3_600), "in 1 hour"),
        (Some(now + 3 * 3_600 + 100), "in 3 hours"),
        (Some(now + 3 * 86_400), "in 3 days"),
        (Some(now + 7 * 86_400 - 5), "in 7 days"),
        (Some(now + 86_400), "in 1 day"),
    ];
    for (expires, want) in cases {
        assert_eq!(format_expiry_relative(*expires, now), *want, "{expires:?}");
    }
    assert_eq!(format_expiry_date(Some(now)), "2026-11-23 08:00 UTC");
    assert_eq!(format_expiry_date(Some(0)), "1970-01-01 00:00 UTC");
    assert_eq!(format_expiry_date(None), "never");
    assert!(format_expiry_date(Some(i64::MAX)).starts_with("invalid date"));
    assert_eq!(
        format_expiry(Some(now + 3 * 86_400), now),
        "2026-11-26 08:00 UTC (in 3 days)"
    );
    assert_eq!(format_expiry(None, now), "never");
}

#[test]
fn access_codes_use_the_charset_and_length_and_differ() {
    let codes: Vec<String> = (0..50)
        .map(|_| generate_access_code().unwrap().expose().to_owned())
        .collect();
    for code in &codes {
        assert_eq!(code.len(), ACCESS_CODE_LEN, "{code}");
        assert!(
            code.bytes().all(|b| ACCESS_CODE_CHARSET.contains(&b)),
            "{code}"
        );
        assert_eq!(validate_access_code(code), Ok(()));
    }
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), codes.len(), "random codes repeat");
    for look_alike in [b'0', b'O', b'o', b'1', b'l', b'I'] {
        assert!(!ACCESS_CODE_CHARSET.contains(&look_alike));
    }
    // Never printed by accident.
    assert_eq!(
        format!("{:?}", generate_access_code().unwrap()),
        "<redacted>"
    );
}

#[test]
fn typed_access_codes_are_checked() {
    assert_eq!(validate_access_code("Abc123"), Ok(()));
    assert_eq!(validate_access_code("abc"), Err(AccessCodeError::Length));
    assert_eq!(
        validate_access_code(&"a".repeat(17)),
        Err(AccessCodeError::Length)
    );
    assert_eq!(
        validate_access_code("abc&def"),
        Err(AccessCodeError::Charset)
    );
    assert_eq!(
        validate_access_code("pässwort"),
        Err(AccessCodeError::Charset)
    );
}

#[test]
fn urls_join_one_per_line() {
    assert_eq!(
        join_urls(["https://a/1", " https://b/2 ", "", "https://c/3"]),
        "https://a/1\nhttps://b/2\nhttps://c/3"
    );
    assert_eq!(join_urls(["https://a/1"]), "https://a/1");
    assert_eq!(join_urls(std::iter::empty()), "");
}
