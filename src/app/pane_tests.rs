//! Pane unit tests: listing pages merged as they arrive (sort orders, hidden files, the
//! quick filter), the cursor kept on its entry, the selection kept.

use std::sync::Arc;

use super::*;
use crate::app::sort::SortKey;
use crate::vfs::EntryKind;
use crate::vfs::local::LocalFs;

fn entry(i: usize) -> Entry {
    // Every seventh name hidden, every eleventh a folder; sizes and times unrelated to
    // the names.
    let dot = if i % 7 == 3 { "." } else { "" };
    Entry {
        name: format!("{dot}f{i}.{}", ["jpg", "txt", "rs"][i % 3]),
        kind: if i % 11 == 5 {
            EntryKind::Dir
        } else {
            EntryKind::File
        },
        size: (i as u64 * 7919) % 101,
        mtime: Some(((i * 31) % 97) as i64),
        mode: None,
        readonly: false,
    }
}

fn pane(dir: &str) -> Pane {
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    Pane::new(vfs, VPath::parse(dir).unwrap())
}

/// The rows' names, `..` included.
fn rows(pane: &Pane) -> Vec<String> {
    (0..pane.row_count())
        .map(|i| match pane.row(i).unwrap() {
            Row::Parent => "..".to_owned(),
            Row::Entry(e) => e.name.clone(),
        })
        .collect()
}

fn cursor_name(pane: &Pane) -> String {
    rows(pane)[pane.cursor].clone()
}

/// `n` entries dealt out round-robin into `pages` pages (each spread over the whole
/// folder), each sorted as the listing task sends it.
fn spread_pages(n: usize, pages: usize, sort: SortSpec) -> Vec<Vec<Entry>> {
    let mut out = vec![Vec::new(); pages];
    for i in 0..n {
        out[i % pages].push(entry(i));
    }
    for p in &mut out {
        sort.sort(p);
    }
    out
}

/// What the pane must show: every entry sorted, hidden and filtered ones left out.
fn expected_rows(n: usize, sort: SortSpec, show_hidden: bool, filter: &str) -> Vec<String> {
    let mut all: Vec<Entry> = (0..n).map(entry).collect();
    sort.sort(&mut all);
    let needle = filter.to_lowercase();
    std::iter::once("..".to_owned())
        .chain(
            all.into_iter()
                .filter(|e| show_hidden || !e.is_hidden())
                .filter(|e| e.name.to_lowercase().contains(&needle))
                .map(|e| e.name),
        )
        .collect()
}

/// A name of `page` that is not hidden.
fn visible_name(page: &[Entry]) -> String {
    page.iter()
        .rev()
        .find(|e| !e.is_hidden())
        .map(|e| e.name.clone())
        .unwrap()
}

const SORTS: [SortKey; 4] = [
    SortKey::Name,
    SortKey::Extension,
    SortKey::Size,
    SortKey::Time,
];

#[test]
fn pages_in_any_order_give_the_rows_of_one_sorted_listing() {
    for key in SORTS {
        for reverse in [false, true] {
            for (show_hidden, filter) in [(false, ""), (true, ""), (false, "1"), (true, "F2")] {
                let sort = SortSpec { key, reverse };
                let mut p = pane("/d");
                p.sort = sort;
                p.show_hidden = show_hidden;
                p.begin_list(1, VPath::parse("/d").unwrap(), None);
                p.filter = filter.to_owned();
                let pages = spread_pages(300, 6, sort);
                let last = pages.len() - 1;
                for (k, page) in pages.into_iter().enumerate() {
                    assert!(p.take_page(1, page, k == last));
                }
                let case =
                    format!("{key:?} reverse {reverse} hidden {show_hidden} filter {filter:?}");
                assert_eq!(
                    rows(&p),
                    expected_rows(300, sort, show_hidden, filter),
                    "{case}"
                );
                assert_eq!(p.entries().len(), 300, "{case}");
            }
        }
    }
}

#[test]
fn the_first_page_shows_at_once_and_later_ones_as_they_add_up() {
    let mut p = pane("/d");
    p.begin_list(1, VPath::parse("/d").unwrap(), None);
    let pages = spread_pages(40, 4, p.sort);
    let mut pages = pages.into_iter();
    p.take_page(1, pages.next().unwrap(), false);
    assert_eq!(
        p.row_count(),
        1 + 10 - 1,
        "page one shown (one name hidden)"
    );
    p.take_page(1, pages.next().unwrap(), false);
    assert_eq!(p.entries().len(), 20, "as many as shown: merged at once");
}

#[test]
fn the_cursor_stays_on_its_entry_while_pages_arrive_before_it() {
    for key in SORTS {
        for (show_hidden, filter) in [(false, ""), (true, ""), (false, "f")] {
            for root in [false, true] {
                let sort = SortSpec {
                    key,
                    reverse: false,
                };
                let dir = if root { "/" } else { "/d" };
                let mut p = pane(dir);
                p.sort = sort;
                p.show_hidden = show_hidden;
                p.filter = filter.to_owned();
                p.begin_list(1, VPath::parse(dir).unwrap(), None);
                let pages = spread_pages(400, 8, sort);
                let last = pages.len() - 1;
                let mut held = None;
                for (k, page) in pages.into_iter().enumerate() {
                    p.take_page(1, page, k == last);
                    if k == 0 {
                        // The user moves onto the last row of the first page: every
                        // later page brings entries before it.
                        p.set_cursor(p.row_count() - 1);
                        held = Some(cursor_name(&p));
                    }
                    let case = format!(
                        "{key:?} hidden {show_hidden} filter {filter:?} root {root} page {k}"
                    );
                    assert_eq!(Some(cursor_name(&p)), held, "{case}");
                }
                assert!(p.cursor > 20, "the entry moved down with the pages");
            }
        }
    }
}

#[test]
fn the_cursor_stays_on_dotdot_and_on_row_zero_of_the_root() {
    let mut p = pane("/d");
    p.begin_list(1, VPath::parse("/d").unwrap(), None);
    for (k, page) in spread_pages(100, 5, p.sort).into_iter().enumerate() {
        p.take_page(1, page, k == 4);
        assert_eq!(cursor_name(&p), "..");
    }
}

#[test]
fn a_focused_name_in_a_later_page_takes_the_cursor_when_it_arrives() {
    let sort = SortSpec::default();
    let pages = spread_pages(200, 5, sort);
    let target = visible_name(&pages[3]);
    let mut p = pane("/d");
    p.begin_list(1, VPath::parse("/d").unwrap(), Some(target.clone()));
    for (k, page) in pages.into_iter().enumerate() {
        p.take_page(1, page, k == 4);
        if k >= 3 {
            assert_eq!(cursor_name(&p), target, "page {k}");
        }
    }
}

#[test]
fn a_focused_name_hidden_by_the_filter_is_found_once_the_filter_goes() {
    let sort = SortSpec::default();
    let pages = spread_pages(60, 3, sort);
    let target = visible_name(&pages[1]);
    let mut p = pane("/d");
    p.begin_list(1, VPath::parse("/d").unwrap(), Some(target.clone()));
    p.filter = "zzz".to_owned();
    for page in pages {
        p.take_page(1, page, false);
    }
    assert_eq!(rows(&p), [".."]);
    p.filter.clear();
    p.rebuild_view();
    assert_eq!(cursor_name(&p), target, "still awaited while pages arrive");
}

#[test]
fn the_selection_is_kept_while_pages_arrive_and_trimmed_at_the_end() {
    let mut p = pane("/d");
    let dir = VPath::parse("/d").unwrap();
    p.begin_list(1, dir.clone(), None);
    p.take_page(1, vec![entry(1), entry(2)], true);
    p.selected.insert(entry(1).name);
    p.selected.insert(entry(2).name);
    // A reload: entry 2 is gone, entry 1 comes in the second page.
    p.begin_list(2, dir, None);
    p.take_page(2, vec![entry(4), entry(5)], false);
    assert_eq!(p.selected.len(), 2);
    p.take_page(2, vec![entry(1)], true);
    assert_eq!(p.selected, HashSet::from([entry(1).name]));
}

#[test]
fn a_new_sort_order_keeps_the_cursor_on_its_entry() {
    let mut p = pane("/d");
    p.begin_list(1, VPath::parse("/d").unwrap(), None);
    let pages = spread_pages(50, 1, p.sort);
    p.take_page(1, pages.into_iter().next().unwrap(), true);
    p.set_cursor(9);
    let on = cursor_name(&p);
    for key in [
        SortKey::Size,
        SortKey::Time,
        SortKey::Extension,
        SortKey::Name,
    ] {
        p.sort = SortSpec { key, reverse: true };
        p.resort();
        assert_eq!(cursor_name(&p), on, "{key:?}");
        assert_eq!(rows(&p), expected_rows(50, p.sort, false, ""), "{key:?}");
    }
}

#[test]
fn toggling_hidden_files_keeps_the_cursor_on_its_entry() {
    let mut p = pane("/d");
    p.begin_list(1, VPath::parse("/d").unwrap(), None);
    p.take_page(1, spread_pages(50, 1, p.sort).remove(0), true);
    p.set_cursor(30);
    let on = cursor_name(&p);
    p.show_hidden = true;
    p.rebuild_view();
    assert_eq!(cursor_name(&p), on);
    assert_eq!(rows(&p), expected_rows(50, p.sort, true, ""));
    p.show_hidden = false;
    p.rebuild_view();
    assert_eq!(cursor_name(&p), on);
}

#[test]
fn a_listing_with_a_known_total_counts_what_arrived_until_complete() {
    let mut p = pane("/data");
    p.begin_list(7, VPath::parse("/data/big").unwrap(), None);
    assert_eq!(p.loading_progress(), None, "no total known yet");
    // A total for another listing is stale: dropped.
    assert!(!p.expect_total(6, 99));
    assert!(p.expect_total(7, 250));
    assert_eq!(p.loading_progress(), Some((0, 250)));
    assert!(p.take_page(7, (0..100).map(entry).collect(), false));
    assert!(p.take_page(7, (100..150).map(entry).collect(), false));
    assert_eq!(p.loading_progress(), Some((150, 250)));
    // A folder that grew while listed: never "300 of 250".
    assert!(p.take_page(7, (150..300).map(entry).collect(), false));
    assert_eq!(p.loading_progress(), Some((300, 300)));
    assert!(p.take_page(7, Vec::new(), true));
    assert_eq!(p.loading_progress(), None);
}
