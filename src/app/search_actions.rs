//! What the search dialog and its results panel do to the app: their keys (the results
//! read theirs from `search::RESULT_KEYS`) and the hits streaming in.

use crossterm::event::{KeyCode, KeyEvent};
use tui_input::Input;

use super::layers::{KeyAnswer, Layer, LayerKind};
use super::search::{
    RESULT_KEYS, ResultsKey, SearchCmd, SearchMsg, SearchResults, SearchState, SearchStep,
};
use super::text_field::{TextKey, text_key};
use super::{App, Cmd};

impl App {
    /// Alt-?: asks for a pattern to search under the active pane's folder.
    pub(super) fn ask_search(&mut self) {
        let pane = self.active_pane();
        let search = SearchState {
            side: self.active,
            dir: pane.cwd.clone(),
            vfs: pane.vfs.clone(),
            step: SearchStep::Ask(Input::default()),
        };
        self.layers.push(Layer::Search(search));
    }

    pub(super) fn on_search(&mut self, msg: SearchMsg) -> Vec<Cmd> {
        let Some(SearchState {
            step: SearchStep::Results(r),
            ..
        }) = self.layers.search_mut()
        else {
            return Vec::new();
        };
        match msg {
            SearchMsg::Hits { req, hits } if req == r.req => r.hits.extend(hits),
            SearchMsg::Done { req, error } if req == r.req => {
                r.running = false;
                r.error = error.map(|e| e.user_message());
            }
            _ => {}
        }
        Vec::new()
    }

    /// Rows the results panel shows (the ui draws it over the panes).
    pub fn search_rows(&self) -> usize {
        (self.size.1 as usize).saturating_sub(10).max(3)
    }

    pub(super) fn search_key(&mut self, key: KeyEvent) -> KeyAnswer {
        let rows = self.search_rows();
        let next_req = self.next_req();
        let Some(state) = self.layers.search_mut() else {
            return KeyAnswer::Consumed(Vec::new());
        };
        match &mut state.step {
            SearchStep::Ask(input) => match key.code {
                KeyCode::Esc => {
                    self.layers.close(LayerKind::Search);
                }
                KeyCode::Enter => {
                    let pattern = input.value().trim().to_owned();
                    if pattern.is_empty() {
                        self.layers.close(LayerKind::Search);
                        return KeyAnswer::Consumed(Vec::new());
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
                    return KeyAnswer::Consumed(vec![cmd]);
                }
                _ => {
                    if text_key(input, key) == TextKey::Unbound {
                        return KeyAnswer::Unbound;
                    }
                }
            },
            SearchStep::Results(r) => {
                let last = r.hits.len().saturating_sub(1);
                match RESULT_KEYS.action(&key, None) {
                    Some(ResultsKey::StopOrClose) if r.running => {
                        r.running = false;
                        r.error = Some("stopped".to_owned());
                        return KeyAnswer::Consumed(vec![Cmd::Search(SearchCmd::Cancel)]);
                    }
                    Some(ResultsKey::StopOrClose) => {
                        self.layers.close(LayerKind::Search);
                    }
                    Some(ResultsKey::Up) => r.cursor = r.cursor.saturating_sub(1),
                    Some(ResultsKey::Down) => r.cursor = (r.cursor + 1).min(last),
                    Some(ResultsKey::PageUp) => r.cursor = r.cursor.saturating_sub(rows),
                    Some(ResultsKey::PageDown) => r.cursor = (r.cursor + rows).min(last),
                    Some(ResultsKey::Home) => r.cursor = 0,
                    Some(ResultsKey::End) => r.cursor = last,
                    Some(ResultsKey::GoTo) => {
                        let Some(hit) = r.hits.get(r.cursor) else {
                            return KeyAnswer::Consumed(Vec::new());
                        };
                        let (dir, name) = (hit.path.parent(), hit.path.name().to_owned());
                        let (side, vfs, running) = (state.side, state.vfs.clone(), r.running);
                        self.layers.close(LayerKind::Search);
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
                        return KeyAnswer::Consumed(cmds);
                    }
                    None => {}
                }
            }
        }
        KeyAnswer::Consumed(Vec::new())
    }
}
