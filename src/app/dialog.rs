//! Dialogs are layers on a stack; the top one sees the keys first. Each dialog handles its
//! own keys and tells the app what the user decided (`Outcome`); the app then acts.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;

use crate::jobs::{ConflictAnswer, JobId};
use crate::key_table::{Binding, KeyTable, ch, key};
use crate::vfs::{Entry, VPath};

use super::choice::{ChoiceDialog, ChoiceKey, ChoicePurpose};
use super::ids::Side;
use super::text_field::{TextKey, text_key};

/// What a confirmed yes/no dialog will do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmed {
    Delete {
        side: Side,
        paths: Vec<VPath>,
    },
    /// A copy or move the user is warned about (it is in the way of a running job):
    /// what `App::transfer` is asked again once the answer is yes.
    Transfer {
        side: Side,
        sources: Vec<VPath>,
        text: String,
        kind: crate::jobs::JobKind,
    },
    CancelJob(JobId),
    /// Forget a paused (restored) job: the row's id and its journal key.
    ForgetPausedJob(JobId, String),
    Quit,
    /// Revoking share links (`app/share_panel.rs`).
    Share(ShareConfirm),
}

/// What a confirmation dialog of the share panel does once answered "yes". Holds link ids
/// only (no access codes); the links themselves are in the panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareConfirm {
    /// `all`: these are every link of the NAS (one request may revoke them).
    Revoke { ids: Vec<String>, all: bool },
}

/// What the text typed into an input dialog is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputPurpose {
    Copy {
        side: Side,
        sources: Vec<VPath>,
    },
    Move {
        side: Side,
        sources: Vec<VPath>,
    },
    Mkdir {
        side: Side,
    },
    SelectGlob {
        side: Side,
        select: bool,
    },
    /// A new name for the conflicting item of a job.
    ConflictRename {
        job: JobId,
        apply_to_all: bool,
    },
    /// Alt-C: a place to show in the pane (`app/quick_cd.rs`).
    QuickCd {
        side: Side,
    },
}

/// The choices of the conflict dialog, in button order.
pub const CONFLICT_CHOICES: [&str; 5] = ["Overwrite", "Skip", "Rename", "Newer only", "Cancel job"];

/// The choice focused when the dialog opens: Skip destroys nothing, so a reflexive
/// Enter costs no file.
pub const CONFLICT_FOCUSED_FIRST: usize = 1;

#[derive(Clone, Debug)]
pub struct ConflictDialog {
    pub job: JobId,
    pub target: VPath,
    pub source: Entry,
    pub existing: Entry,
    pub choice: usize,
    pub apply_to_all: bool,
}

/// The prompt of a copy, move or rename target (`Copy "x" to (freebox host):`). A
/// typed path starting with `/` is on the other pane's machine, anything else below
/// this pane's folder, on this pane's machine (`App::resolve`): the place named follows
/// the text, so a relative name never reads as going to the NAS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetPrompt {
    /// `Copy "x" to`.
    pub lead: String,
    /// This pane's machine, and the other pane's (`Vfs::label`).
    pub here: String,
    pub there: String,
}

impl TargetPrompt {
    /// The prompt for `text`; no place when both panes are on the same machine.
    pub fn prompt(&self, text: &str) -> String {
        if self.here == self.there {
            return format!("{}:", self.lead);
        }
        let place = if text.trim().starts_with('/') {
            &self.there
        } else {
            &self.here
        };
        format!("{} ({}):", self.lead, crate::names::escape(place))
    }
}

#[derive(Clone, Debug)]
pub enum Dialog {
    Confirm {
        title: String,
        lines: Vec<String>,
        action: Confirmed,
        yes_focused: bool,
    },
    Input {
        title: String,
        prompt: String,
        input: Input,
        purpose: InputPurpose,
        /// A line under the field (the copy dialog: which verification applies).
        note: Option<String>,
        /// A copy or move target: the prompt follows the text to name the machine
        /// the typed path is on.
        target: Option<TargetPrompt>,
    },
    Conflict(ConflictDialog),
    /// A question with a few named answers (`app/choice.rs`).
    Choice(ChoiceDialog),
    Message {
        title: String,
        lines: Vec<String>,
        error: bool,
        /// The failure of this job: `r` retries what failed, `d` shows each failed item
        /// ([`FAILED_JOB_KEYS`]).
        failed_job: Option<JobId>,
    },
    Help {
        scroll: usize,
    },
    /// A long scrollable list (each failed item of a job, and why); `r` retries
    /// `retry_job` when there is one.
    Details {
        title: String,
        lines: Vec<String>,
        scroll: usize,
        retry_job: Option<JobId>,
    },
}

/// What the user decided in the top dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still open (the key moved focus, edited text, ...).
    Stay,
    /// Still open, and the key does nothing here (the status line says so).
    Unbound,
    /// Closed without doing anything.
    Dismissed,
    Confirmed(Confirmed),
    Submitted(InputPurpose, String),
    ConflictAnswered {
        job: JobId,
        answer: ConflictAnswer,
        apply_to_all: bool,
    },
    /// "Rename" chosen: ask for the new name.
    ConflictRename {
        job: JobId,
        suggested: String,
        apply_to_all: bool,
    },
    ConflictCancelJob(JobId),
    /// The answer at this index of a choice dialog.
    Chosen(ChoicePurpose, usize),
    /// Run again what did not finish in this failed job.
    RetryJob(JobId),
    /// Show each failed item of this job.
    JobDetails(JobId),
}

/// What a key does in the failure dialog of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailedJobKey {
    Retry,
    Details,
    Close,
}

/// The keys of a job's failure dialog (and its F1 help line); the same letters work in
/// the jobs panel on the last failed job.
pub const FAILED_JOB_KEYS: KeyTable<FailedJobKey> = KeyTable {
    title: "After a failed job (also in the jobs panel)",
    bindings: &[
        Binding {
            keys: &[ch('r'), ch('R')],
            also: &[],
            action: FailedJobKey::Retry,
            help: Some(("r", "retry what failed")),
        },
        Binding {
            keys: &[ch('d'), ch('D')],
            also: &[],
            action: FailedJobKey::Details,
            help: Some(("d", "details: each failed item and why")),
        },
        Binding {
            keys: &[
                key(KeyCode::Enter),
                key(KeyCode::Esc),
                key(KeyCode::F(10)),
                ch(' '),
            ],
            also: &[],
            action: FailedJobKey::Close,
            help: Some(("Enter", "OK")),
        },
    ],
};

impl Dialog {
    pub fn input(title: &str, prompt: &str, value: &str, purpose: InputPurpose) -> Dialog {
        Dialog::Input {
            title: title.to_owned(),
            prompt: prompt.to_owned(),
            input: Input::new(value.to_owned()),
            purpose,
            note: None,
            target: None,
        }
    }

    /// The copy, move or rename dialog: [`Dialog::input_with_note`] whose prompt
    /// follows the text ([`TargetPrompt`]).
    pub fn target_input(
        title: &str,
        target: TargetPrompt,
        value: &str,
        purpose: InputPurpose,
        note: String,
    ) -> Dialog {
        match Dialog::input_with_note(title, &target.prompt(value), value, purpose, note) {
            Dialog::Input {
                title,
                prompt,
                input,
                purpose,
                note,
                ..
            } => Dialog::Input {
                title,
                prompt,
                input,
                purpose,
                note,
                target: Some(target),
            },
            other => other,
        }
    }

    /// [`Dialog::input`] with a line under the field.
    pub fn input_with_note(
        title: &str,
        prompt: &str,
        value: &str,
        purpose: InputPurpose,
        note: String,
    ) -> Dialog {
        match Dialog::input(title, prompt, value, purpose) {
            Dialog::Input {
                title,
                prompt,
                input,
                purpose,
                ..
            } => Dialog::Input {
                title,
                prompt,
                input,
                purpose,
                note: Some(note),
                target: None,
            },
            other => other,
        }
    }

    pub fn error(title: &str, lines: Vec<String>) -> Dialog {
        Dialog::Message {
            title: title.to_owned(),
            lines,
            error: true,
            failed_job: None,
        }
    }

    /// Handles one key. `help_end` is how far the help can scroll on this screen
    /// ([`super::App::help_max_scroll`]).
    pub fn on_key(&mut self, key: KeyEvent, help_end: usize) -> Outcome {
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        match self {
            Dialog::Confirm {
                action,
                yes_focused,
                ..
            } => match key.code {
                _ if ctrl_c => Outcome::Dismissed,
                // Alt-y is not y.
                KeyCode::Char(_) if !crate::key_table::plain(key.modifiers) => Outcome::Unbound,
                KeyCode::Esc | KeyCode::F(10) | KeyCode::Char('n') | KeyCode::Char('N') => {
                    Outcome::Dismissed
                }
                KeyCode::Char('y') | KeyCode::Char('Y') => Outcome::Confirmed(action.clone()),
                KeyCode::Enter if *yes_focused => Outcome::Confirmed(action.clone()),
                KeyCode::Enter => Outcome::Dismissed,
                KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab => {
                    *yes_focused = !*yes_focused;
                    Outcome::Stay
                }
                _ => Outcome::Unbound,
            },
            Dialog::Input {
                input,
                purpose,
                prompt,
                target,
                ..
            } => match key.code {
                KeyCode::Esc | KeyCode::F(10) => Outcome::Dismissed,
                _ if ctrl_c => Outcome::Dismissed,
                KeyCode::Enter => Outcome::Submitted(purpose.clone(), input.value().to_owned()),
                _ => match text_key(input, key) {
                    TextKey::Edited => {
                        if let Some(t) = target {
                            *prompt = t.prompt(input.value());
                        }
                        Outcome::Stay
                    }
                    TextKey::Unbound => Outcome::Unbound,
                },
            },
            Dialog::Conflict(c) => c.on_key(key),
            Dialog::Choice(c) => match c.on_key(key) {
                ChoiceKey::Picked(i) => Outcome::Chosen(c.purpose, i),
                ChoiceKey::Moved => Outcome::Stay,
                ChoiceKey::Unbound => Outcome::Unbound,
            },
            Dialog::Message {
                failed_job: Some(job),
                ..
            } => match FAILED_JOB_KEYS.action(&key, None) {
                Some(FailedJobKey::Retry) => Outcome::RetryJob(*job),
                Some(FailedJobKey::Details) => Outcome::JobDetails(*job),
                Some(FailedJobKey::Close) => Outcome::Dismissed,
                None => Outcome::Unbound,
            },
            Dialog::Message { .. } => match key.code {
                KeyCode::Enter | KeyCode::Esc | KeyCode::F(10) | KeyCode::Char(' ') => {
                    Outcome::Dismissed
                }
                _ => Outcome::Unbound,
            },
            Dialog::Details {
                lines,
                scroll,
                retry_job,
                ..
            } => {
                let max = lines.len().saturating_sub(1);
                match key.code {
                    KeyCode::Char('r') | KeyCode::Char('R')
                        if retry_job.is_some() && crate::key_table::plain(key.modifiers) =>
                    {
                        return retry_job.map_or(Outcome::Stay, Outcome::RetryJob);
                    }
                    KeyCode::Down => *scroll = (*scroll + 1).min(max),
                    KeyCode::Up => *scroll = scroll.saturating_sub(1),
                    KeyCode::PageDown => *scroll = (*scroll + 10).min(max),
                    KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                    KeyCode::Home => *scroll = 0,
                    KeyCode::End => *scroll = max,
                    _ => return Outcome::Dismissed,
                }
                Outcome::Stay
            }
            Dialog::Help { scroll } => {
                let max = help_end;
                match key.code {
                    KeyCode::Down => *scroll = (*scroll + 1).min(max),
                    KeyCode::Up => *scroll = scroll.saturating_sub(1),
                    KeyCode::PageDown => *scroll = (*scroll + 10).min(max),
                    KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                    KeyCode::Home => *scroll = 0,
                    KeyCode::End => *scroll = max,
                    _ => return Outcome::Dismissed,
                }
                Outcome::Stay
            }
        }
    }
}

/// What a key does in the conflict dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConflictKey {
    /// Answer with the choice at this index of [`CONFLICT_CHOICES`].
    Pick(usize),
    /// Answer with the focused choice.
    Focused,
    Previous,
    Next,
    ToggleApplyToAll,
}

/// The conflict dialog's keys (and its F1 help line).
pub const CONFLICT_KEYS: KeyTable<ConflictKey> = KeyTable {
    title: "In conflicts",
    bindings: &[
        Binding {
            keys: &[ch('o'), ch('O')],
            also: &[],
            action: ConflictKey::Pick(0),
            help: Some(("o", "overwrite")),
        },
        Binding {
            keys: &[ch('s'), ch('S'), key(KeyCode::Esc)],
            also: &[],
            action: ConflictKey::Pick(1),
            help: Some(("s", "skip")),
        },
        Binding {
            keys: &[ch('r'), ch('R')],
            also: &[],
            action: ConflictKey::Pick(2),
            help: Some(("r", "rename")),
        },
        Binding {
            keys: &[ch('n'), ch('N')],
            also: &[],
            action: ConflictKey::Pick(3),
            help: Some(("n", "newer only")),
        },
        Binding {
            keys: &[ch('a'), ch('A'), ch(' ')],
            also: &[],
            action: ConflictKey::ToggleApplyToAll,
            help: Some(("a", "apply to all")),
        },
        Binding {
            keys: &[ch('c'), ch('C')],
            also: &[],
            action: ConflictKey::Pick(4),
            help: Some(("c", "cancel job")),
        },
        Binding {
            keys: &[key(KeyCode::Left), key(KeyCode::BackTab)],
            also: &[],
            action: ConflictKey::Previous,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Right), key(KeyCode::Tab)],
            also: &[],
            action: ConflictKey::Next,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Enter)],
            also: &[],
            action: ConflictKey::Focused,
            help: None,
        },
    ],
};

impl ConflictDialog {
    /// A conflict of job `job` on `target`, Skip focused.
    pub fn new(job: JobId, target: VPath, source: Entry, existing: Entry) -> Self {
        ConflictDialog {
            job,
            target,
            source,
            existing,
            choice: CONFLICT_FOCUSED_FIRST,
            apply_to_all: false,
        }
    }

    /// What sets each copy apart, for its line in the dialog: `(new, existing)`, each
    /// "newer", "larger", both or neither.
    pub fn tags(&self) -> (Vec<&'static str>, Vec<&'static str>) {
        let (a, b) = (&self.source, &self.existing);
        let mut new = Vec::new();
        let mut old = Vec::new();
        if let (Some(ta), Some(tb)) = (a.mtime, b.mtime) {
            if ta > tb {
                new.push("newer");
            } else if tb > ta {
                old.push("newer");
            }
        }
        if a.size > b.size {
            new.push("larger");
        } else if b.size > a.size {
            old.push("larger");
        }
        (new, old)
    }

    fn on_key(&mut self, key: KeyEvent) -> Outcome {
        let n = CONFLICT_CHOICES.len();
        let pick = match CONFLICT_KEYS.action(&key, None) {
            Some(ConflictKey::Previous) => {
                self.choice = (self.choice + n - 1) % n;
                return Outcome::Stay;
            }
            Some(ConflictKey::Next) => {
                self.choice = (self.choice + 1) % n;
                return Outcome::Stay;
            }
            Some(ConflictKey::ToggleApplyToAll) => {
                self.apply_to_all = !self.apply_to_all;
                return Outcome::Stay;
            }
            Some(ConflictKey::Focused) => self.choice,
            Some(ConflictKey::Pick(i)) => i,
            None => return Outcome::Unbound,
        };
        let answer = |answer| Outcome::ConflictAnswered {
            job: self.job,
            answer,
            apply_to_all: self.apply_to_all,
        };
        match pick {
            0 => answer(ConflictAnswer::Overwrite),
            1 => answer(ConflictAnswer::Skip),
            2 => Outcome::ConflictRename {
                job: self.job,
                suggested: suggest_name(self.target.name()),
                apply_to_all: self.apply_to_all,
            },
            3 => answer(ConflictAnswer::NewerOnly),
            _ => Outcome::ConflictCancelJob(self.job),
        }
    }
}

/// `report.pdf` → `report (1).pdf`: a starting point the user can edit.
pub fn suggest_name(name: &str) -> String {
    match name.rfind('.') {
        Some(i) if i > 0 => format!("{} (1){}", &name[..i], &name[i..]),
        _ => format!("{name} (1)"),
    }
}
