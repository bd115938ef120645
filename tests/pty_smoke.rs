//! Runs the real binary in a pseudo-terminal: it must draw both panes, quit on F10 and
//! leave the terminal as it found it (alternate screen left, raw mode off).

use std::time::Duration;

use crate::support;
use support::pty::{Session, wait_for};

#[test]
fn binary_draws_both_panes_quits_on_f10_and_restores_the_terminal() {
    let left = tempfile::tempdir().unwrap();
    let right = tempfile::tempdir().unwrap();
    std::fs::write(left.path().join("left-marker.txt"), b"l").unwrap();
    std::fs::write(right.path().join("right-marker.txt"), b"r").unwrap();
    let mut s = Session::start(&[left.path(), right.path()], &[]);
    let out = s.pty.out.clone();

    let limit = Duration::from_secs(30);
    assert!(
        wait_for(&out, "left-marker.txt", limit),
        "left pane not drawn"
    );
    assert!(
        wait_for(&out, "right-marker.txt", limit),
        "right pane not drawn"
    );
    assert!(wait_for(&out, "Quit", limit), "function-key bar not drawn");
    s.quit();
    let text = s.text();
    let entered = text
        .find("\x1b[?1049h")
        .expect("never entered the alternate screen");
    let left_at = text
        .rfind("\x1b[?1049l")
        .expect("alternate screen not left");
    assert!(left_at > entered);
    assert!(
        text[left_at..].contains("\x1b[?25h"),
        "cursor not shown again"
    );
    assert!(sgr_colours(&text) > 0, "the default theme draws in colour");
}

/// With `NO_COLOR` set (no-color.org) not one colour is drawn, and the cursor still
/// shows, in reverse video (#18).
#[test]
fn no_color_draws_no_colour_and_keeps_the_cursor_visible() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("marker.txt"), b"m").unwrap();
    let mut s = Session::start(&[dir.path()], &[("NO_COLOR", "1")]);
    assert!(
        wait_for(&s.pty.out, "marker.txt", Duration::from_secs(30)),
        "pane not drawn"
    );
    assert!(wait_for(&s.pty.out, "Quit", Duration::from_secs(30)));
    s.quit();
    let text = s.text();
    assert_eq!(sgr_colours(&text), 0, "colours drawn under NO_COLOR");
    assert!(
        sgr_params(&text).any(|p| p.split(';').any(|n| n == "7")),
        "no reverse video: the cursor is invisible"
    );
}

/// The parameter strings of every SGR sequence (`ESC [ … m`).
fn sgr_params(text: &str) -> impl Iterator<Item = &str> {
    text.split("\x1b[").skip(1).filter_map(|rest| {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
        (rest[end..].starts_with('m')).then(|| &rest[..end])
    })
}

/// How many SGR sequences set a foreground or background colour (30–37, 40–47, 90–97,
/// 100–107, 38;…, 48;…); 39 and 49, "the terminal's own", are no colour.
fn sgr_colours(text: &str) -> usize {
    sgr_params(text)
        .filter(|p| {
            p.split(';').any(|n| {
                matches!(
                    n.parse::<u32>(),
                    Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
                )
            })
        })
        .count()
}
