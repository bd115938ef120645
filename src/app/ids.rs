//! The two small names every part of the app uses: which pane, and which request. A leaf:
//! it imports nothing from `app/`, so state modules can name a pane without the messages.

/// Which of the two panes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub fn index(self) -> usize {
        match self {
            Side::Left => 0,
            Side::Right => 1,
        }
    }

    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

/// Id of one request the app made; results carry it back.
pub type RequestId = u64;
