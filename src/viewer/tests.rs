use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::vfs::local::LocalFs;

fn open(size: u64) -> (Viewer, RequestId) {
    let (v, cmd) = Viewer::open(
        Arc::new(LocalFs::new()),
        VPath::parse("/f").unwrap(),
        size,
        1,
    );
    match cmd {
        ReadRequest {
            req,
            offset: 0,
            len,
            ..
        } => {
            assert_eq!(len, WINDOW);
            (v, req)
        }
        other => panic!("{other:?}"),
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn text_lines_scroll_and_escape() {
    let text = b"one\ntwo\tx\nthr\x1b[2Jee\nfour\n".to_vec();
    let (mut v, req) = open(text.len() as u64);
    v.height = 3;
    assert!(v.on_chunk(req, 0, Ok(text)));
    assert_eq!(v.mode, Mode::Text);
    assert_eq!(v.rows(), ["one", "two     x", "thr\\x1b[2Jee"]);
    v.on_key(key(KeyCode::Down), 2);
    assert_eq!(v.rows()[0], "two     x");
    v.on_key(key(KeyCode::End), 3);
    assert_eq!(v.rows(), ["two     x", "thr\\x1b[2Jee", "four"]);
    v.on_key(key(KeyCode::Up), 4);
    assert_eq!(v.rows()[0], "one");
}

#[test]
fn binary_is_shown_as_hex() {
    let data: Vec<u8> = (0u8..40).collect();
    let (mut v, req) = open(40);
    v.height = 10;
    v.on_chunk(req, 0, Ok(data));
    assert_eq!(v.mode, Mode::Hex);
    let rows = v.rows();
    assert_eq!(rows.len(), 3);
    assert!(rows[1].starts_with("00000010  10 11 12"), "{}", rows[1]);
}

#[test]
fn a_big_file_is_read_in_windows_only() {
    // A 10 MB "file": the viewer asks for windows, never for everything.
    let size = 10 * 1024 * 1024u64;
    let line =
        b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01234567\n";
    let chunk = |offset: u64| -> Vec<u8> {
        (offset..(offset + WINDOW as u64).min(size))
            .map(|i| line[(i % line.len() as u64) as usize])
            .collect()
    };
    let (mut v, req) = open(size);
    v.height = 40;
    v.on_chunk(req, 0, Ok(chunk(0)));
    let mut reads = Vec::new();
    for next in 10..210 {
        if let ViewerKey::Stay(Some(ReadRequest {
            req, offset, len, ..
        })) = v.on_key(key(KeyCode::PageDown), next)
        {
            assert_eq!(len, WINDOW);
            reads.push(offset);
            v.on_chunk(req, offset, Ok(chunk(offset)));
        }
    }
    assert!(!reads.is_empty(), "scrolling far asks for new windows");
    assert_eq!(v.top, 200 * 39 * line.len() as u64);
    assert_eq!(v.rows()[0].len(), line.len() - 1);
    // End jumps to the last screen with one read of the tail.
    match v.on_key(key(KeyCode::End), 999) {
        ViewerKey::Stay(Some(ReadRequest { req, offset, .. })) => {
            assert_eq!(offset, size - WINDOW as u64);
            v.on_chunk(req, offset, Ok(chunk(offset)));
        }
        _ => panic!("End must read the tail"),
    }
    assert_eq!(v.rows().len(), 40);
}
