//! The Sync dialog (Ctrl-X s, and the F9 menu): the options (direction, deletes,
//! include/exclude globs, how to compare), then the plan computed off the loop
//! (`services::sync`, a runtime task: progress on the status line, Esc cancels), then
//! the plan preview — each action with a tick box, totals kept up to date — and Run,
//! which starts the ticked actions as ONE job. This is its state and key tables; what
//! its keys and answers do to the app is in `sync_actions.rs`.

use std::fmt;

use crossterm::event::KeyCode;
use tui_input::Input;

use crate::key_table::{Binding, KeyTable, ch, key};
use crate::services::sync::{ActionKind, CompareOptions, Direction, Ends, Plan, Totals};
use crate::vfs::VfsError;

use super::ids::{RequestId, Side};

/// What the runtime is asked to do.
pub enum SyncCmd {
    /// Compare both trees and plan (a task; `SyncMsg::Progress`, then `Planned`).
    Plan {
        req: RequestId,
        ends: Ends,
        direction: Direction,
        delete: bool,
        opts: CompareOptions,
    },
    /// Stop the planning in flight.
    Cancel,
    /// Start the (ticked) plan as one job.
    Run {
        plan: Plan,
        ends: Ends,
        title: String,
    },
    /// The plan came out empty: a paused (restored) entry of this sync in the journal is
    /// done (answered by `SyncMsg::Settled`).
    InSync {
        ends: Ends,
        direction: Direction,
        delete: bool,
    },
}

impl fmt::Debug for SyncCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncCmd::Plan {
                req,
                ends,
                direction,
                delete,
                ..
            } => write!(
                f,
                "SyncPlan(#{req}, {} {direction:?} {}, delete={delete})",
                ends.a.1, ends.b.1
            ),
            SyncCmd::Cancel => f.write_str("SyncCancel"),
            SyncCmd::Run { plan, title, .. } => {
                write!(f, "SyncRun({title:?}, {} actions)", plan.actions.len())
            }
            SyncCmd::InSync {
                ends, direction, ..
            } => write!(f, "SyncInSync({} {direction:?} {})", ends.a.1, ends.b.1),
        }
    }
}

/// What comes back from the planning task.
#[derive(Debug)]
pub enum SyncMsg {
    /// Entries listed so far on both sides.
    Progress { req: RequestId, listed: u64 },
    Planned {
        req: RequestId,
        result: Result<Plan, VfsError>,
    },
    /// The job could not be made from the plan (a path the backend refuses).
    RunFailed(VfsError),
    /// The journal keys of paused (restored) entries of a sync found already in sync:
    /// each is forgotten as `x` would.
    Settled(Vec<String>),
}

/// The fields of the options step, top to bottom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Direction,
    Delete,
    Include,
    Exclude,
    Compare,
}

impl Field {
    const ORDER: [Field; 5] = [
        Field::Direction,
        Field::Delete,
        Field::Include,
        Field::Exclude,
        Field::Compare,
    ];

    pub fn step(self, forward: bool) -> Field {
        let i = Field::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        let n = Field::ORDER.len();
        Field::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// The options step.
pub struct SyncOptions {
    pub direction: Direction,
    /// Delete on the target what the source does not have (one way only).
    pub delete: bool,
    /// Globs, separated by spaces or commas.
    pub include: Input,
    pub exclude: Input,
    /// Compare same-size files by sha256 (offered only where both ends compute one).
    pub checksum: bool,
    pub focus: Field,
    /// Why Enter was refused (a bad glob).
    pub error: Option<String>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            direction: Direction::AToB,
            delete: false,
            include: Input::default(),
            exclude: Input::default(),
            checksum: false,
            focus: Field::Direction,
            error: None,
        }
    }
}

impl SyncOptions {
    pub fn cycle_direction(&mut self, forward: bool) {
        const ALL: [Direction; 3] = [Direction::AToB, Direction::BToA, Direction::Both];
        let i = ALL.iter().position(|d| *d == self.direction).unwrap_or(0);
        self.direction = ALL[if forward { (i + 1) % 3 } else { (i + 2) % 3 }];
    }
}

/// Globs typed in a field: separated by spaces or commas.
pub fn globs(input: &Input) -> Vec<String> {
    input
        .value()
        .split([' ', ','])
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The plan preview: every action with its tick box.
pub struct Preview {
    pub plan: Plan,
    /// `ticks[i]` for `plan.actions[i]` (conflicts are never ticked: left alone).
    pub ticks: Vec<bool>,
    pub cursor: usize,
}

impl Preview {
    pub fn new(plan: Plan) -> Preview {
        let ticks = plan
            .actions
            .iter()
            .map(|a| a.kind != ActionKind::Conflict)
            .collect();
        Preview {
            plan,
            ticks,
            cursor: 0,
        }
    }

    /// The totals of what is ticked (conflicts counted as listed).
    pub fn totals(&self) -> Totals {
        let mut keep = self.ticks.clone();
        for (k, a) in keep.iter_mut().zip(&self.plan.actions) {
            *k |= a.kind == ActionKind::Conflict;
        }
        self.plan.only(&keep).totals()
    }

    /// The plan as ticked.
    pub fn ticked(&self) -> Plan {
        self.plan.only(&self.ticks)
    }

    /// Flips the line under the cursor (a conflict has no box).
    pub fn toggle(&mut self) {
        let conflict = self
            .plan
            .actions
            .get(self.cursor)
            .is_none_or(|a| a.kind == ActionKind::Conflict);
        if !conflict && let Some(t) = self.ticks.get_mut(self.cursor) {
            *t = !*t;
        }
    }

    pub fn move_cursor(&mut self, by: isize) {
        let last = self.plan.actions.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(by).min(last);
    }
}

pub enum SyncStep {
    Options(SyncOptions),
    /// Comparing the trees (`listed` entries so far).
    Planning {
        req: RequestId,
        listed: u64,
    },
    Preview(Preview),
}

/// The dialog: A is the active pane's folder, B the other pane's.
pub struct SyncDialog {
    pub a_side: Side,
    pub ends: Ends,
    /// The panes' folders as shown (`qnap alice@nas:/Public`).
    pub a_label: String,
    pub b_label: String,
    /// Both ends compute sha256, so "checksum" is offered.
    pub checksum_offered: bool,
    pub step: SyncStep,
}

/// What a key does in the options step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionsKey {
    Plan,
    Cancel,
    NextField,
    PreviousField,
    /// Space: the next choice, or tick / untick.
    Toggle,
    /// ← and →: the previous / next choice (in a glob field: the text cursor).
    Back,
    Forward,
}

/// The options step's keys (and its F1 help line). In a glob field every other key is
/// the field's (`text_field::text_key`), ← → and Space included.
pub const OPTIONS_KEYS: KeyTable<OptionsKey> = KeyTable {
    title: "In sync options",
    bindings: &[
        Binding {
            keys: &[key(KeyCode::Enter)],
            also: &[],
            action: OptionsKey::Plan,
            help: Some(("Enter", "compare and plan")),
        },
        Binding {
            keys: &[key(KeyCode::Tab), key(KeyCode::Down)],
            also: &[],
            action: OptionsKey::NextField,
            help: Some(("Tab/Up/Down", "move between fields")),
        },
        Binding {
            keys: &[key(KeyCode::BackTab), key(KeyCode::Up)],
            also: &[],
            action: OptionsKey::PreviousField,
            help: None,
        },
        Binding {
            keys: &[ch(' ')],
            also: &[],
            action: OptionsKey::Toggle,
            help: Some(("Space/Left/Right", "change a choice")),
        },
        Binding {
            keys: &[key(KeyCode::Left)],
            also: &[],
            action: OptionsKey::Back,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Right)],
            also: &[],
            action: OptionsKey::Forward,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Esc), key(KeyCode::F(10))],
            also: &[],
            action: OptionsKey::Cancel,
            help: Some(("Esc", "cancel")),
        },
    ],
};

/// What a key does in the plan preview.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreviewKey {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Toggle,
    /// Toggle, then down (mc's Insert).
    ToggleDown,
    All,
    None,
    Run,
    Cancel,
}

/// The plan preview's keys (and its F1 help line).
pub const PREVIEW_KEYS: KeyTable<PreviewKey> = KeyTable {
    title: "In sync preview",
    bindings: &[
        Binding {
            keys: &[key(KeyCode::Up)],
            also: &[],
            action: PreviewKey::Up,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Down)],
            also: &[],
            action: PreviewKey::Down,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::PageUp)],
            also: &[],
            action: PreviewKey::PageUp,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::PageDown)],
            also: &[],
            action: PreviewKey::PageDown,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Home)],
            also: &[],
            action: PreviewKey::Home,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::End)],
            also: &[],
            action: PreviewKey::End,
            help: None,
        },
        Binding {
            keys: &[ch(' ')],
            also: &[],
            action: PreviewKey::Toggle,
            help: Some(("Space/Ins", "tick or untick the line")),
        },
        Binding {
            keys: &[key(KeyCode::Insert)],
            also: &[],
            action: PreviewKey::ToggleDown,
            help: None,
        },
        Binding {
            keys: &[ch('+')],
            also: &[],
            action: PreviewKey::All,
            help: Some(("+/-", "tick all / none")),
        },
        Binding {
            keys: &[ch('-')],
            also: &[],
            action: PreviewKey::None,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Enter)],
            also: &[],
            action: PreviewKey::Run,
            help: Some(("Enter", "run the ticked actions as one job")),
        },
        Binding {
            keys: &[key(KeyCode::Esc), key(KeyCode::F(10))],
            also: &[],
            action: PreviewKey::Cancel,
            help: Some(("Esc", "cancel")),
        },
    ],
};
