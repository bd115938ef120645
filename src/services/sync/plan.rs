//! From a comparison to a plan: what to copy, replace, delete, and what cannot be
//! decided (a conflict), for one direction or both, with totals.

use serde::Serialize;

use super::compare::{Comparison, Verdict};

/// One of the two compared folders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum End {
    A,
    B,
}

impl End {
    pub fn other(self) -> End {
        match self {
            End::A => End::B,
            End::B => End::A,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// A's content onto B.
    AToB,
    /// B's content onto A.
    BToA,
    /// Each side gets what it lacks; of two different files the newer wins. Nothing is
    /// deleted (without a record of the last sync, a file missing on one side may be
    /// new on the other as well as deleted).
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionKind {
    /// The target has nothing there.
    Copy,
    /// The target's file differs and is replaced.
    Replace,
    /// The target has what the source does not (only when deletes are asked for).
    Delete,
    /// Cannot be decided: a file against a folder, or two different files with no
    /// newer one. Left alone.
    Conflict,
}

/// One line of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    /// Relative to the compared folders.
    pub rel: String,
    /// Copy / Replace: the side copied from. Delete: the side deleted on. Conflict: A.
    pub from: End,
    pub is_dir: bool,
    /// Bytes to move (copy, replace) or to free (delete: the file, or what was listed
    /// below the folder).
    pub size: u64,
}

impl Action {
    /// The side written or deleted on.
    pub fn target(&self) -> End {
        match self.kind {
            ActionKind::Delete => self.from,
            _ => self.from.other(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub copy: u64,
    pub replace: u64,
    pub delete: u64,
    pub conflict: u64,
    /// Bytes the copies and replacements move.
    pub bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub direction: Direction,
    /// Whether the user asked for the deletes (one way only; never both ways), whatever
    /// the plan holds or the preview leaves ticked: what names the sync in the journal
    /// (`SyncJobs::journal_header`), the same from the commander and the CLI.
    pub delete: bool,
}

impl Plan {
    /// Plans `direction`; `delete` adds the deletes of a one-way sync.
    pub fn make(cmp: &Comparison, direction: Direction, delete: bool) -> Plan {
        let delete = delete && direction != Direction::Both;
        let mut actions = Vec::new();
        // A folder deleted whole takes its content with it (not in string order
        // right after it: "a.txt" sorts between "a" and "a/x").
        let mut whole: Vec<String> = Vec::new();
        for (n, item) in cmp.items.iter().enumerate() {
            if whole.iter().any(|p| item.rel.starts_with(p.as_str())) {
                continue;
            }
            let verdict = cmp.verdict(item);
            let (one_sided, entry) = match verdict {
                Verdict::Same => continue,
                Verdict::OnlyA => (Some(End::A), item.a.as_ref()),
                Verdict::OnlyB => (Some(End::B), item.b.as_ref()),
                _ => (None, None),
            };
            if let (Some(has), Some(entry)) = (one_sided, entry) {
                let kind = match direction {
                    Direction::Both => ActionKind::Copy,
                    Direction::AToB if has == End::A => ActionKind::Copy,
                    Direction::BToA if has == End::B => ActionKind::Copy,
                    _ if delete => ActionKind::Delete,
                    _ => continue,
                };
                if entry.is_dir() {
                    let below = below(cmp, n, &item.rel, has);
                    if kind == ActionKind::Copy && below.count > 0 {
                        continue; // its files are copied one by one (their folders made)
                    }
                    if kind == ActionKind::Delete {
                        if cmp.holds_excluded(has, &item.rel) {
                            continue; // excluded files stay, and so does their folder
                        }
                        whole.push(format!("{}/", item.rel));
                    }
                    actions.push(Action {
                        kind,
                        rel: item.rel.clone(),
                        from: has,
                        is_dir: true,
                        size: below.bytes,
                    });
                } else {
                    actions.push(Action {
                        kind,
                        rel: item.rel.clone(),
                        from: has,
                        is_dir: false,
                        size: entry.size,
                    });
                }
                continue;
            }
            let from = match (verdict, direction) {
                (Verdict::KindClash, _) => None,
                (_, Direction::AToB) => Some(End::A),
                (_, Direction::BToA) => Some(End::B),
                (Verdict::Differ { newer }, Direction::Both) => newer,
                _ => None,
            };
            let size = |end: End| match end {
                End::A => item.a.as_ref().map_or(0, |e| e.size),
                End::B => item.b.as_ref().map_or(0, |e| e.size),
            };
            actions.push(match from {
                Some(from) => Action {
                    kind: ActionKind::Replace,
                    rel: item.rel.clone(),
                    from,
                    is_dir: false,
                    size: size(from),
                },
                None => Action {
                    kind: ActionKind::Conflict,
                    rel: item.rel.clone(),
                    from: End::A,
                    is_dir: false,
                    size: size(End::A),
                },
            });
        }
        Plan {
            actions,
            direction,
            delete,
        }
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for a in &self.actions {
            match a.kind {
                ActionKind::Copy => t.copy += 1,
                ActionKind::Replace => t.replace += 1,
                ActionKind::Delete => t.delete += 1,
                ActionKind::Conflict => t.conflict += 1,
            }
            if matches!(a.kind, ActionKind::Copy | ActionKind::Replace) {
                t.bytes += a.size;
            }
        }
        t
    }

    /// Nothing to copy, replace or delete (conflicts may remain).
    pub fn in_sync(&self) -> bool {
        self.actions.iter().all(|a| a.kind == ActionKind::Conflict)
    }

    /// The plan keeping only the actions ticked (`keep[i]` for `actions[i]`), as the
    /// preview leaves them.
    pub fn only(&self, keep: &[bool]) -> Plan {
        Plan {
            actions: self
                .actions
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(a, _)| a.clone())
                .collect(),
            direction: self.direction,
            delete: self.delete,
        }
    }
}

impl Totals {
    /// "3 to copy, 1 to replace, 2 to delete, 1 conflict (12.5 MiB to move)", or
    /// "Already in sync".
    pub fn describe(&self) -> String {
        use crate::plural::count;
        if self.copy + self.replace + self.delete == 0 && self.conflict == 0 {
            return "Already in sync".to_owned();
        }
        let mut parts = Vec::new();
        if self.copy > 0 {
            parts.push(format!("{} to copy", self.copy));
        }
        if self.replace > 0 {
            parts.push(format!("{} to replace", self.replace));
        }
        if self.delete > 0 {
            parts.push(format!("{} to delete", self.delete));
        }
        if self.conflict > 0 {
            parts.push(count(self.conflict, "conflict", "conflicts"));
        }
        let mut line = parts.join(", ");
        if self.bytes > 0 {
            line.push_str(&format!(
                " ({} to move)",
                humansize::format_size(self.bytes, humansize::BINARY)
            ));
        }
        line
    }
}

/// Files and bytes listed below folder `rel` on `end` (items after index `n`).
struct Below {
    count: u64,
    bytes: u64,
}

fn below(cmp: &Comparison, n: usize, rel: &str, end: End) -> Below {
    let prefix = format!("{rel}/");
    let mut b = Below { count: 0, bytes: 0 };
    for item in cmp.items[n + 1..].iter() {
        // Items are in string order: "a.txt" sorts between "a" and "a/x".
        if !item.rel.starts_with(&prefix) {
            if item.rel.as_str() > prefix.as_str() {
                break;
            }
            continue;
        }
        let entry = match end {
            End::A => item.a.as_ref(),
            End::B => item.b.as_ref(),
        };
        if let Some(e) = entry {
            b.count += 1;
            b.bytes += e.size;
        }
    }
    b
}
