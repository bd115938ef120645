//! How a pane's width is shared between its columns: names get the room first. Size
//! and date shrink to short forms (`12K`, `Dec 05` / `2025`), then hide, so at 80×24
//! a name has at least [`NAME_MIN`] columns and at 60×20 names still show.

use crate::vfs::{Entry, EntryKind};

/// The name column never shrinks below this while another column is shown.
pub const NAME_MIN: usize = 30;

/// The long forms: `1023.5KiB`, `2024-05-17 14:03`.
const SIZE_LONG: usize = 9;
const TIME_LONG: usize = 16;
/// The short forms: `1.2M`, `Dec 05` or ` 2025`.
const SIZE_SHORT: usize = 5;
const TIME_SHORT: usize = 6;

/// What a column shows: its width, and whether it is the long or the short form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub width: usize,
    pub long: bool,
}

/// The columns of a pane `inner` columns wide (within its border).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Columns {
    pub name: usize,
    pub size: Option<Column>,
    pub time: Option<Column>,
}

/// The widest layout that leaves the name [`NAME_MIN`] columns (a separator `│`
/// before each shown column); names only when even the short size does not fit.
pub fn plan(inner: usize) -> Columns {
    let long = |width| Column { width, long: true };
    let short = |width| Column { width, long: false };
    let candidates = [
        (Some(long(SIZE_LONG)), Some(long(TIME_LONG))),
        (Some(short(SIZE_SHORT)), Some(long(TIME_LONG))),
        (Some(short(SIZE_SHORT)), Some(short(TIME_SHORT))),
        (Some(short(SIZE_SHORT)), None),
    ];
    for (size, time) in candidates {
        let used: usize = [size, time].iter().flatten().map(|c| c.width + 1).sum();
        if inner >= NAME_MIN + used {
            return Columns {
                name: inner - used,
                size,
                time,
            };
        }
    }
    Columns {
        name: inner,
        size: None,
        time: None,
    }
}

/// `12K`, `1.2M`, `999`, `<DIR>`: at most [`SIZE_SHORT`] columns.
pub fn size_short(e: &Entry) -> String {
    match e.kind {
        EntryKind::Dir if e.readonly => "<RO>".to_owned(),
        EntryKind::Dir => "<DIR>".to_owned(),
        _ => short_bytes(e.size),
    }
}

fn short_bytes(n: u64) -> String {
    if n < 1000 {
        return n.to_string();
    }
    let mut value = n as f64;
    for unit in ["K", "M", "G", "T", "P", "E"] {
        value /= 1024.0;
        // One decimal below 10 (`1.2M`), whole numbers up to 999 (`512M`); 1000 and
        // more of a unit read as the next one (`1.0G`).
        if value < 9.95 {
            return format!("{value:.1}{unit}");
        }
        if value < 999.5 {
            return format!("{value:.0}{unit}");
        }
    }
    format!("{value:.0}E")
}

/// `Dec 05` for a date of this year (`now_year`), else the year: mc's habit.
pub fn time_short(e: &Entry, offset: time::UtcOffset, now_year: i32) -> String {
    let Some(t) = e
        .mtime
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .map(|t| t.to_offset(offset))
    else {
        return String::new();
    };
    if t.year() == now_year {
        let fmt = time::macros::format_description!("[month repr:short] [day]");
        t.format(&fmt).unwrap_or_default()
    } else {
        t.year().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_get_the_room_first() {
        // 120 columns: each pane 58 inside, every long form.
        let wide = plan(58);
        assert_eq!(wide.size.map(|c| c.long), Some(true));
        assert_eq!(wide.time.map(|c| c.long), Some(true));
        // 80 columns: 38 inside; the name keeps 30 or more, the size shrinks.
        let p80 = plan(38);
        assert!(p80.name >= NAME_MIN, "{p80:?}");
        assert_eq!(p80.size.map(|c| c.long), Some(false));
        assert_eq!(p80.time, None);
        // 60 columns: 28 inside; names only.
        assert_eq!(
            plan(28),
            Columns {
                name: 28,
                size: None,
                time: None
            }
        );
        // Between: short size and short date.
        let mid = plan(44);
        assert_eq!(mid.time.map(|c| c.long), Some(false));
    }

    #[test]
    fn short_sizes_fit_five_columns() {
        for (n, s) in [
            (0, "0"),
            (999, "999"),
            (1000, "1.0K"),
            (12 * 1024, "12K"),
            (1023 * 1024, "1.0M"),
            (1_288_490_189, "1.2G"),
            (u64::MAX, "16E"),
        ] {
            assert_eq!(short_bytes(n), s, "{n}");
            assert!(short_bytes(n).len() <= SIZE_SHORT);
        }
    }
}
