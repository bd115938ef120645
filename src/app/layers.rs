//! The modal UI as one stack of layers over the panes (helix's compositor is the model).
//! The top layer gets the keys first (`keys.rs`, [`KeyAnswer`]); the ui draws the stack
//! bottom to top (`ui::draw`); while any modal layer is open (all but the jobs panel)
//! the mouse is swallowed.
//!
//! A layer opens above every layer of its own or a lower band, so the order never depends
//! on what opened first: an error dialog that arrives while the viewer is open stays under
//! the viewer, a confirmation asked from the share panel sits over it.
//!
//! This module holds state only; it does not know `App`.

use crate::viewer::Viewer;

use super::connect::ConnectState;
use super::dialog::Dialog;
use super::menu::Menu;
use super::msg::Cmd;
use super::picker::Picker;
use super::search::SearchState;
use super::share_form::ShareForm;
use super::share_panel::SharePanel;
use super::share_text::{QrView, RevealedUrls};
use super::sync_dialog::SyncDialog;

/// One layer over the panes.
pub enum Layer {
    /// The jobs panel, focused: it takes the keys (the rows themselves are
    /// `App::jobs`, drawn with the bars).
    Jobs,
    /// The links of one NAS, over the panes.
    SharePanel(SharePanel),
    /// Expiry, access code and host of a new or changed link.
    ShareForm(ShareForm),
    /// URLs no clipboard took, for the user to select by hand.
    Revealed(RevealedUrls),
    /// A link's QR code, for a phone to scan.
    Qr(QrView),
    /// The search dialog, then its results.
    Search(SearchState),
    /// Opening a NAS: target, password, code, registration, trust dialogs.
    Connect(ConnectState),
    /// Help, confirmations, inputs, conflicts, messages.
    Dialog(Dialog),
    /// The full-screen file viewer.
    Viewer(Viewer),
    /// A list of folders to pick from (history, hotlist).
    Picker(Picker),
    /// The F9 menu bar.
    Menu(Menu),
    /// The Sync dialog: options, planning, the plan preview.
    Sync(Box<SyncDialog>),
}

/// What kind a layer is (the stack finds and closes layers by kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerKind {
    Jobs,
    SharePanel,
    ShareForm,
    Revealed,
    Qr,
    Search,
    Connect,
    Dialog,
    Viewer,
    Picker,
    Menu,
    Sync,
}

impl LayerKind {
    /// Height class: a layer opens above every layer of a lower or equal band.
    fn band(self) -> u8 {
        match self {
            LayerKind::Jobs => 0,
            LayerKind::SharePanel => 1,
            LayerKind::ShareForm | LayerKind::Revealed | LayerKind::Qr => 2,
            LayerKind::Search | LayerKind::Picker | LayerKind::Menu | LayerKind::Sync => 3,
            LayerKind::Connect => 4,
            LayerKind::Dialog => 5,
            LayerKind::Viewer => 6,
        }
    }

    /// At most one layer of this kind: opening another replaces it. Dialogs stack.
    fn single(self) -> bool {
        self != LayerKind::Dialog
    }
}

impl Layer {
    pub fn kind(&self) -> LayerKind {
        match self {
            Layer::Jobs => LayerKind::Jobs,
            Layer::SharePanel(_) => LayerKind::SharePanel,
            Layer::ShareForm(_) => LayerKind::ShareForm,
            Layer::Revealed(_) => LayerKind::Revealed,
            Layer::Qr(_) => LayerKind::Qr,
            Layer::Search(_) => LayerKind::Search,
            Layer::Connect(_) => LayerKind::Connect,
            Layer::Dialog(_) => LayerKind::Dialog,
            Layer::Viewer(_) => LayerKind::Viewer,
            Layer::Picker(_) => LayerKind::Picker,
            Layer::Menu(_) => LayerKind::Menu,
            Layer::Sync(_) => LayerKind::Sync,
        }
    }

    /// Covers the whole screen: nothing under it is drawn.
    pub fn full_screen(&self) -> bool {
        matches!(self, Layer::Viewer(_))
    }

    /// Takes the mouse away from the panes while open. Every layer but the jobs panel
    /// is modal: with the jobs panel focused, a click on a pane goes back to it.
    pub fn modal(&self) -> bool {
        !matches!(self, Layer::Jobs)
    }
}

/// What a layer did with a key.
#[derive(Debug)]
pub enum KeyAnswer {
    /// Taken (the layer stays open); these effects follow.
    Consumed(Vec<Cmd>),
    /// Not this layer's key: the layer below (and finally the panes) gets it.
    Pass,
    /// Taken, and the layer closes.
    Close(Vec<Cmd>),
    /// Not a key of this layer, and not for the layers below either (the layer is
    /// modal): the status line says so ("Alt-Z: no action here").
    Unbound,
}

/// The stack, bottom first.
#[derive(Default)]
pub struct Layers {
    stack: Vec<Layer>,
}

macro_rules! accessors {
    ($get:ident, $get_mut:ident, $variant:ident, $ty:ty) => {
        pub fn $get(&self) -> Option<&$ty> {
            self.stack.iter().rev().find_map(|l| match l {
                Layer::$variant(x) => Some(x),
                _ => None,
            })
        }

        pub fn $get_mut(&mut self) -> Option<&mut $ty> {
            self.stack.iter_mut().rev().find_map(|l| match l {
                Layer::$variant(x) => Some(x),
                _ => None,
            })
        }
    };
}

impl Layers {
    /// Opens `layer` at its band's top (replacing the open one of a single kind).
    pub fn push(&mut self, layer: Layer) {
        let kind = layer.kind();
        if kind.single() {
            self.close(kind);
        }
        let at = self
            .stack
            .iter()
            .rposition(|l| l.kind().band() <= kind.band())
            .map_or(0, |i| i + 1);
        self.stack.insert(at, layer);
    }

    /// Opens `layer` on top of the whole stack, whatever its band (the F1 help asked
    /// from the full-screen viewer).
    pub fn push_over_all(&mut self, layer: Layer) {
        self.stack.push(layer);
    }

    pub fn push_dialog(&mut self, dialog: Dialog) {
        self.push(Layer::Dialog(dialog));
    }

    /// Closes the topmost layer of `kind`, returning it.
    pub fn close(&mut self, kind: LayerKind) -> Option<Layer> {
        let i = self.stack.iter().rposition(|l| l.kind() == kind)?;
        Some(self.stack.remove(i))
    }

    /// Closes every dialog `which` picks.
    pub fn close_dialogs(&mut self, which: impl Fn(&Dialog) -> bool) {
        self.stack
            .retain(|l| !matches!(l, Layer::Dialog(d) if which(d)));
    }

    /// Takes the topmost layer of `kind` out to work on it with the app at hand; give it
    /// back with [`Layers::restore`] if it stays open.
    pub fn take(&mut self, kind: LayerKind) -> Option<(usize, Layer)> {
        let i = self.stack.iter().rposition(|l| l.kind() == kind)?;
        Some((i, self.stack.remove(i)))
    }

    /// Puts a layer from [`Layers::take`] back where it was.
    pub fn restore(&mut self, at: usize, layer: Layer) {
        self.stack.insert(at.min(self.stack.len()), layer);
    }

    pub fn is_open(&self, kind: LayerKind) -> bool {
        self.stack.iter().any(|l| l.kind() == kind)
    }

    pub fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }

    /// Bottom to top: the drawing order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Layer> {
        self.stack.iter()
    }

    /// Kinds from the top down: the key routing order.
    pub fn kinds_top_down(&self) -> Vec<LayerKind> {
        self.stack.iter().rev().map(Layer::kind).collect()
    }

    /// Whether the mouse is taken from the panes.
    pub fn swallows_mouse(&self) -> bool {
        self.stack.iter().any(Layer::modal)
    }

    /// The dialogs, bottom first (`.last()` is the top one).
    pub fn dialogs(&self) -> impl DoubleEndedIterator<Item = &Dialog> {
        self.stack.iter().filter_map(|l| match l {
            Layer::Dialog(d) => Some(d),
            _ => None,
        })
    }

    accessors!(top_dialog, top_dialog_mut, Dialog, Dialog);
    accessors!(viewer, viewer_mut, Viewer, Viewer);
    accessors!(connect, connect_mut, Connect, ConnectState);
    accessors!(search, search_mut, Search, SearchState);
    accessors!(share_panel, share_panel_mut, SharePanel, SharePanel);
    accessors!(share_form, share_form_mut, ShareForm, ShareForm);
    accessors!(revealed, revealed_mut, Revealed, RevealedUrls);
    accessors!(picker, picker_mut, Picker, Picker);
    accessors!(menu, menu_mut, Menu, Menu);

    pub fn sync(&self) -> Option<&SyncDialog> {
        self.stack.iter().rev().find_map(|l| match l {
            Layer::Sync(x) => Some(&**x),
            _ => None,
        })
    }

    pub fn sync_mut(&mut self) -> Option<&mut SyncDialog> {
        self.stack.iter_mut().rev().find_map(|l| match l {
            Layer::Sync(x) => Some(&mut **x),
            _ => None,
        })
    }
}
