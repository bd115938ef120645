//! Dialogs are layers on a stack; the top one sees the keys first. Each dialog handles its
//! own keys and tells the app what the user decided (`Outcome`); the app then acts.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::jobs::{ConflictAnswer, JobId};
use crate::vfs::{Entry, VPath};

use super::msg::Side;

/// What a confirmed yes/no dialog will do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmed {
    Delete {
        side: Side,
        paths: Vec<VPath>,
    },
    CancelJob(JobId),
    Quit,
    /// Revoking share links (`app/share_panel.rs`).
    Share(super::share::ShareConfirm),
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
}

/// The choices of the conflict dialog, in button order.
pub const CONFLICT_CHOICES: [&str; 5] = ["Overwrite", "Skip", "Rename", "Newer only", "Cancel job"];

#[derive(Clone, Debug)]
pub struct ConflictDialog {
    pub job: JobId,
    pub target: VPath,
    pub source: Entry,
    pub existing: Entry,
    pub choice: usize,
    pub apply_to_all: bool,
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
    },
    Conflict(ConflictDialog),
    Message {
        title: String,
        lines: Vec<String>,
        error: bool,
    },
    Help {
        scroll: usize,
    },
}

/// What the user decided in the top dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still open (the key moved focus, edited text, ...).
    Stay,
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
}

impl Dialog {
    pub fn input(title: &str, prompt: &str, value: &str, purpose: InputPurpose) -> Dialog {
        Dialog::Input {
            title: title.to_owned(),
            prompt: prompt.to_owned(),
            input: Input::new(value.to_owned()),
            purpose,
        }
    }

    pub fn error(title: &str, lines: Vec<String>) -> Dialog {
        Dialog::Message {
            title: title.to_owned(),
            lines,
            error: true,
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
                KeyCode::Esc | KeyCode::F(10) | KeyCode::Char('n') | KeyCode::Char('N') => {
                    Outcome::Dismissed
                }
                _ if ctrl_c => Outcome::Dismissed,
                KeyCode::Char('y') | KeyCode::Char('Y') => Outcome::Confirmed(action.clone()),
                KeyCode::Enter if *yes_focused => Outcome::Confirmed(action.clone()),
                KeyCode::Enter => Outcome::Dismissed,
                KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab => {
                    *yes_focused = !*yes_focused;
                    Outcome::Stay
                }
                _ => Outcome::Stay,
            },
            Dialog::Input { input, purpose, .. } => match key.code {
                KeyCode::Esc | KeyCode::F(10) => Outcome::Dismissed,
                _ if ctrl_c => Outcome::Dismissed,
                KeyCode::Enter => Outcome::Submitted(purpose.clone(), input.value().to_owned()),
                _ => {
                    input.handle_event(&Event::Key(key));
                    Outcome::Stay
                }
            },
            Dialog::Conflict(c) => c.on_key(key),
            Dialog::Message { .. } => match key.code {
                KeyCode::Enter | KeyCode::Esc | KeyCode::F(10) | KeyCode::Char(' ') => {
                    Outcome::Dismissed
                }
                _ => Outcome::Stay,
            },
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

impl ConflictDialog {
    fn on_key(&mut self, key: KeyEvent) -> Outcome {
        let pick = match key.code {
            KeyCode::Left | KeyCode::BackTab => {
                self.choice = (self.choice + CONFLICT_CHOICES.len() - 1) % CONFLICT_CHOICES.len();
                return Outcome::Stay;
            }
            KeyCode::Right | KeyCode::Tab => {
                self.choice = (self.choice + 1) % CONFLICT_CHOICES.len();
                return Outcome::Stay;
            }
            KeyCode::Char('a') | KeyCode::Char('A') | KeyCode::Char(' ') => {
                self.apply_to_all = !self.apply_to_all;
                return Outcome::Stay;
            }
            KeyCode::Enter => self.choice,
            KeyCode::Char('o') | KeyCode::Char('O') => 0,
            KeyCode::Char('s') | KeyCode::Char('S') | KeyCode::Esc => 1,
            KeyCode::Char('r') | KeyCode::Char('R') => 2,
            KeyCode::Char('n') | KeyCode::Char('N') => 3,
            KeyCode::Char('c') | KeyCode::Char('C') => 4,
            _ => return Outcome::Stay,
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
