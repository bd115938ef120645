//! Search (Alt-?, like mc's find): a dialog asks for a name pattern, the runtime streams
//! hits from the current folder down (`services::search`: the NAS searches where it
//! can, else a walk of the tree), and the results panel fills in as they come. Enter on a
//! hit lists its folder in the pane with the cursor on it; Esc stops a running search,
//! a second Esc closes the panel.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::vfs::{SearchHit, VPath, VfsHandle};

use super::{App, Cmd, RequestId, Side};

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
    /// The search ended (`error`: why it stopped early, user-facing).
    Done {
        req: RequestId,
        error: Option<String>,
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

/// The search dialog or results panel of pane `side`, searching under `dir`.
pub struct SearchState {
    pub side: Side,
    pub dir: VPath,
    pub vfs: VfsHandle,
    pub step: SearchStep,
}

impl App {
    /// Alt-?: asks for a pattern to search under the active pane's folder.
    pub(super) fn ask_search(&mut self) {
        let pane = self.active_pane();
        self.search = Some(SearchState {
            side: self.active,
            dir: pane.cwd.clone(),
            vfs: pane.vfs.clone(),
            step: SearchStep::Ask(Input::default()),
        });
    }

    pub(super) fn on_search(&mut self, msg: SearchMsg) -> Vec<Cmd> {
        let Some(SearchState {
            step: SearchStep::Results(r),
            ..
        }) = self.search.as_mut()
        else {
            return Vec::new();
        };
        match msg {
            SearchMsg::Hits { req, hits } if req == r.req => r.hits.extend(hits),
            SearchMsg::Done { req, error } if req == r.req => {
                r.running = false;
                r.error = error;
            }
            _ => {}
        }
        Vec::new()
    }

    /// Rows the results panel shows (the ui draws it over the panes).
    pub fn search_rows(&self) -> usize {
        (self.size.1 as usize).saturating_sub(10).max(3)
    }

    pub(super) fn search_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let rows = self.search_rows();
        let next_req = self.next_req();
        let Some(state) = self.search.as_mut() else {
            return Vec::new();
        };
        match &mut state.step {
            SearchStep::Ask(input) => match key.code {
                KeyCode::Esc => self.search = None,
                KeyCode::Enter => {
                    let pattern = input.value().trim().to_owned();
                    if pattern.is_empty() {
                        self.search = None;
                        return Vec::new();
                    }
                    let cmd = Cmd::Search(SearchCmd::Start {
                        req: next_req,
                        vfs: state.vfs.clone(),
                        dir: state.dir.clone(),
                        pattern: pattern.clone(),
                    });
                    state.step = SearchStep::Results(SearchResults {
                        req: next_req,
                        pattern,
                        hits: Vec::new(),
                        cursor: 0,
                        running: true,
                        error: None,
                    });
                    return vec![cmd];
                }
                _ => {
                    input.handle_event(&crossterm::event::Event::Key(key));
                }
            },
            SearchStep::Results(r) => {
                let last = r.hits.len().saturating_sub(1);
                match key.code {
                    KeyCode::Esc if r.running => {
                        r.running = false;
                        r.error = Some("stopped".to_owned());
                        return vec![Cmd::Search(SearchCmd::Cancel)];
                    }
                    KeyCode::Esc => self.search = None,
                    KeyCode::Up => r.cursor = r.cursor.saturating_sub(1),
                    KeyCode::Down => r.cursor = (r.cursor + 1).min(last),
                    KeyCode::PageUp => r.cursor = r.cursor.saturating_sub(rows),
                    KeyCode::PageDown => r.cursor = (r.cursor + rows).min(last),
                    KeyCode::Home => r.cursor = 0,
                    KeyCode::End => r.cursor = last,
                    KeyCode::Enter => {
                        let Some(hit) = r.hits.get(r.cursor) else {
                            return Vec::new();
                        };
                        let (dir, name) = (hit.path.parent(), hit.path.name().to_owned());
                        let (side, vfs, running) = (state.side, state.vfs.clone(), r.running);
                        self.search = None;
                        self.active = side;
                        let mut cmds = Vec::new();
                        if running {
                            cmds.push(Cmd::Search(SearchCmd::Cancel));
                        }
                        if !std::sync::Arc::ptr_eq(&vfs, &self.pane(side).vfs) {
                            // The pane shows another backend now: back to the searched one.
                            cmds.extend(self.open_pane(side, vfs, dir.clone()));
                        }
                        cmds.extend(self.list(side, dir, Some(name)));
                        return cmds;
                    }
                    _ => {}
                }
            }
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crossterm::event::KeyModifiers;

    use super::*;
    use crate::app::{Msg, Pane};
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
            app.search.as_ref().unwrap().step,
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
        let Some(SearchStep::Results(r)) = app.search.as_ref().map(|s| &s.step) else {
            panic!("the panel closed on the first Esc")
        };
        assert_eq!(r.hits.len(), 2);
        assert!(!r.running);
        app.update(key(KeyCode::Down));
        let cmds = app.update(key(KeyCode::Enter));
        assert!(app.search.is_none());
        assert!(
            matches!(&cmds[..], [Cmd::List { dir, .. }] if dir.as_str() == "/y"),
            "{cmds:?}"
        );
    }
}
