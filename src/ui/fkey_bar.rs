//! The function-key bar's cells: ten equal slots, each the key's number then its label.
//! A label is never cut mid-word ("6RenM…"): when it does not fit its slot with a space
//! before the next number, a short form is used ("Ren", "Mkd", "Del"), and when that
//! does not fit either the slot shows the number alone.

use unicode_width::UnicodeWidthStr;

/// Short forms of the bar's longer labels, for narrow screens.
const SHORT: &[(&str, &str)] = &[("RenMov", "Ren"), ("Mkdir", "Mkd"), ("Delete", "Del")];

/// One slot: the key number and its label, the label padded so that the slot is
/// `width / 10` columns wide.
#[derive(Debug, PartialEq, Eq)]
pub struct Cell {
    pub key: String,
    pub label: String,
}

/// The cells of a `width`-column bar for `bar` (F-key number, full label).
pub fn cells(bar: &[(u8, &str)], width: u16) -> Vec<Cell> {
    let slot = usize::from(width / 10).max(1);
    let count = bar.len();
    bar.iter()
        .enumerate()
        .map(|(i, (n, label))| {
            let key = n.to_string();
            let room = slot.saturating_sub(key.len());
            // A space must separate the label from the next key's number.
            let fits_in = if i + 1 == count {
                room
            } else {
                room.saturating_sub(1)
            };
            let chosen = [Some(*label), short(label)]
                .into_iter()
                .flatten()
                .find(|l| l.width() <= fits_in)
                .unwrap_or("");
            Cell {
                key,
                label: format!("{chosen:<room$}"),
            }
        })
        .collect()
}

fn short(label: &str) -> Option<&'static str> {
    SHORT.iter().find(|(l, _)| *l == label).map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BAR: [(u8, &str); 10] = [
        (1, "Help"),
        (2, "Link"),
        (3, "View"),
        (4, ""),
        (5, "Copy"),
        (6, "RenMov"),
        (7, "Mkdir"),
        (8, "Delete"),
        (9, "Menu"),
        (10, "Quit"),
    ];

    fn line(width: u16) -> String {
        cells(&BAR, width)
            .into_iter()
            .map(|c| c.key + &c.label)
            .collect()
    }

    #[test]
    fn eighty_columns_keep_the_full_labels() {
        assert_eq!(
            line(80),
            "1Help   2Link   3View   4       5Copy   6RenMov 7Mkdir  8Delete 9Menu   10Quit  "
        );
    }

    #[test]
    fn sixty_columns_use_short_labels() {
        assert_eq!(
            line(60),
            "1Help 2Link 3View 4     5Copy 6Ren  7Mkd  8Del  9Menu 10Quit"
        );
    }

    #[test]
    fn narrower_drops_labels_rather_than_cutting_them() {
        let l = line(40);
        assert_eq!(l.chars().count(), 40);
        assert!(!l.contains('…'));
        assert_eq!(l, "1   2   3   4   5   6   7   8   9   10  ");
        for word in l.split_whitespace() {
            let label = word.trim_start_matches(|c: char| c.is_ascii_digit());
            assert!(
                label.is_empty() || BAR.iter().any(|(_, l)| *l == label) || short_of(label),
                "{word:?} is a cut label"
            );
        }
    }

    fn short_of(label: &str) -> bool {
        SHORT.iter().any(|(_, s)| *s == label)
    }
}
