//! Search (Alt-?, like mc's find): a dialog asks for a name pattern, the runtime streams
//! hits from the current folder down (`services::search`: the NAS searches where it
//! can, else a walk of the tree), and the results panel fills in as they come. Enter on a
//! hit lists its folder in the pane with the cursor on it; Esc stops a running search,
//! a second Esc closes the panel.

use std::fmt;

use crossterm::event::KeyCode;
use tui_input::Input;

use crate::key_table::{Binding, KeyTable, key};
use crate::vfs::{SearchHit, VPath, VfsError, VfsHandle};

use super::ids::{RequestId, Side};

/// What the runtime is asked to do.
pub enum SearchCmd {
    Start {
        req: RequestId,
        vfs: VfsHandle,
        dir: VPath,
        pattern: String,
    },
    Cancel,
}

impl fmt::Debug for SearchCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchCmd::Start {
                req, dir, pattern, ..
            } => write!(f, "Start(#{req}, {dir}, {pattern:?})"),
            SearchCmd::Cancel => f.write_str("Cancel"),
        }
    }
}

/// What comes back from the search task.
#[derive(Debug)]
pub enum SearchMsg {
    Hits {
        req: RequestId,
        hits: Vec<SearchHit>,
    },
    /// The search ended (`error`: why it stopped early).
    Done {
        req: RequestId,
        error: Option<VfsError>,
    },
}

/// The results of one search.
pub struct SearchResults {
    pub req: RequestId,
    pub pattern: String,
    pub hits: Vec<SearchHit>,
    pub cursor: usize,
    pub running: bool,
    pub error: Option<String>,
}

pub enum SearchStep {
    Ask(Input),
    Results(SearchResults),
}

/// What a key does in the results panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultsKey {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    GoTo,
    /// Stops a running search, else closes the panel.
    StopOrClose,
}

/// The results panel's keys (and its F1 help line).
pub const RESULT_KEYS: KeyTable<ResultsKey> = KeyTable {
    title: "In search results",
    bindings: &[
        Binding {
            keys: &[key(KeyCode::Up)],
            also: &[],
            action: ResultsKey::Up,
            help: Some(("Up/Down", "pick")),
        },
        Binding {
            keys: &[key(KeyCode::Down)],
            also: &[],
            action: ResultsKey::Down,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::PageUp)],
            also: &[],
            action: ResultsKey::PageUp,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::PageDown)],
            also: &[],
            action: ResultsKey::PageDown,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Home)],
            also: &[],
            action: ResultsKey::Home,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::End)],
            also: &[],
            action: ResultsKey::End,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Enter)],
            also: &[],
            action: ResultsKey::GoTo,
            help: Some(("Enter", "goes to the file")),
        },
        Binding {
            keys: &[key(KeyCode::Esc)],
            also: &[],
            action: ResultsKey::StopOrClose,
            help: Some(("Esc", "stops the search, Esc again closes")),
        },
    ],
};

/// The search dialog or results panel of pane `side`, searching under `dir`.
pub struct SearchState {
    pub side: Side,
    pub dir: VPath,
    pub vfs: VfsHandle,
    pub step: SearchStep,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crossterm::event::{KeyEvent, KeyModifiers};

    use super::*;
    use crate::app::{App, Cmd, Msg, Pane};
    use crate::keymap::Keymap;
    use crate::theme::Theme;
    use crate::vfs::local::LocalFs;
    use crate::vfs::{Entry, EntryKind};

    fn hit(path: &str) -> SearchHit {
        let path = VPath::parse(path).unwrap();
        SearchHit {
            entry: Entry {
                name: path.name().to_owned(),
                kind: EntryKind::File,
                size: 1,
                mtime: None,
                mode: None,
                readonly: false,
            },
            path,
        }
    }

    fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::from(code))
    }

    #[test]
    fn hits_stream_in_esc_stops_and_enter_jumps_to_the_hit() {
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        let (mut app, _) = App::new(
            Pane::new(vfs.clone(), VPath::root()),
            Pane::new(vfs, VPath::root()),
            Keymap::default(),
            Theme::built_in_default(),
        );
        app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char('?'),
            KeyModifiers::ALT,
        )));
        assert!(matches!(
            app.layers.search().unwrap().step,
            SearchStep::Ask(_)
        ));
        for c in "b.txt".chars() {
            app.update(key(KeyCode::Char(c)));
        }
        let cmds = app.update(key(KeyCode::Enter));
        let [Cmd::Search(SearchCmd::Start { req, pattern, .. })] = &cmds[..] else {
            panic!("{cmds:?}")
        };
        assert_eq!(pattern, "b.txt");
        let req = *req;
        app.update(Msg::Search(SearchMsg::Hits {
            req,
            hits: vec![hit("/x/a/b.txt"), hit("/y/b.txt")],
        }));
        // A stale search's hits are dropped.
        app.update(Msg::Search(SearchMsg::Hits {
            req: req + 100,
            hits: vec![hit("/stale/b.txt")],
        }));
        let cmds = app.update(key(KeyCode::Esc));
        assert!(matches!(cmds[..], [Cmd::Search(SearchCmd::Cancel)]));
        let Some(SearchStep::Results(r)) = app.layers.search().map(|s| &s.step) else {
            panic!("the panel closed on the first Esc")
        };
        assert_eq!(r.hits.len(), 2);
        assert!(!r.running);
        app.update(key(KeyCode::Down));
        let cmds = app.update(key(KeyCode::Enter));
        assert!(app.layers.search().is_none());
        assert!(
            matches!(&cmds[..], [Cmd::List { dir, .. }] if dir.as_str() == "/y"),
            "{cmds:?}"
        );
    }
}
