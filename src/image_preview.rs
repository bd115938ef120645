//! Pictures drawn in the terminal (quick view, F3): a decoded picture is laid out in
//! cells once, off the UI thread, as a `ratatui-image` protocol — the terminal's own
//! graphics protocol where it has one (kitty, iTerm2, sixel), colour half-blocks
//! (`▀` with a foreground and a background colour) everywhere else, which works over
//! any SSH session and inside tmux. The drawing code only copies the laid-out cells.
//!
//! Which protocol: [`GraphicsProtocol::from_env`] guesses from environment variables
//! only (never a query on stdin, which would race the key reader, and never running a
//! program): `NASCMD_IMAGES` first, then kitty (`KITTY_WINDOW_ID`, `TERM=xterm-kitty`),
//! iTerm2 / WezTerm (`TERM_PROGRAM`), and half-blocks otherwise — always inside tmux or
//! screen, which do not pass graphics through by default.

use std::sync::Arc;

use image::DynamicImage;
use image::imageops::FilterType;
use ratatui::layout::Size;
use ratatui_image::protocol::Protocol;
use ratatui_image::protocol::halfblocks::Halfblocks;
use ratatui_image::protocol::iterm2::Iterm2;
use ratatui_image::protocol::kitty::Kitty;
use ratatui_image::protocol::sixel::Sixel;

use crate::thumbnail::ThumbnailError;
use crate::vfs::VfsError;

/// Pixels of one cell assumed when laying a picture out (the terminal's font size is not
/// asked for): half-blocks need only the 1:2 shape.
const CELL_PIXELS: (u32, u32) = (10, 20);

/// How pictures reach the terminal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GraphicsProtocol {
    #[default]
    Halfblocks,
    Kitty,
    Iterm2,
    Sixel,
}

impl GraphicsProtocol {
    /// The protocol of the terminal nascmd runs in, guessed from `env` (see the module
    /// doc). `NASCMD_IMAGES=halfblocks|kitty|iterm2|sixel` overrides the guess.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> GraphicsProtocol {
        let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
        if let Some(forced) = env("NASCMD_IMAGES") {
            match forced.to_ascii_lowercase().as_str() {
                "kitty" => return GraphicsProtocol::Kitty,
                "iterm2" => return GraphicsProtocol::Iterm2,
                "sixel" => return GraphicsProtocol::Sixel,
                "halfblocks" => return GraphicsProtocol::Halfblocks,
                _ => {}
            }
        }
        let term = env("TERM").unwrap_or_default();
        if set("TMUX") || set("STY") || term.starts_with("tmux") || term.starts_with("screen") {
            return GraphicsProtocol::Halfblocks;
        }
        if set("KITTY_WINDOW_ID") || term == "xterm-kitty" {
            return GraphicsProtocol::Kitty;
        }
        match env("TERM_PROGRAM").as_deref() {
            Some("iTerm.app" | "WezTerm") => GraphicsProtocol::Iterm2,
            _ => GraphicsProtocol::Halfblocks,
        }
    }

    /// The process's own environment.
    pub fn detect() -> GraphicsProtocol {
        Self::from_env(|k| std::env::var(k).ok())
    }
}

/// A picture laid out in cells, ready to draw.
pub struct Picture {
    protocol: Protocol,
    /// Cells it covers (at most the area it was made for).
    pub cells: (u16, u16),
}

impl Picture {
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Picture({}x{} cells)", self.cells.0, self.cells.1)
    }
}

/// Why a preview shows no picture.
#[derive(Clone, Debug)]
pub enum PictureFailure {
    /// The file could not be read (or the NAS refused).
    Vfs(VfsError),
    /// Not a picture, or too large to preview.
    Preview(ThumbnailError),
    /// The backend has no way to make one.
    Unsupported,
    /// The picture could not be put into the terminal's protocol.
    Draw(String),
}

impl PictureFailure {
    pub fn user_message(&self) -> String {
        match self {
            PictureFailure::Vfs(e) => e.user_message(),
            PictureFailure::Preview(e) => e.to_string(),
            PictureFailure::Unsupported => "this place cannot preview pictures".to_owned(),
            PictureFailure::Draw(e) => format!("cannot draw the picture: {e}"),
        }
    }
}

/// The longer side, in pixels, worth fetching for an area of `cells`.
pub fn pixels_for(cells: (u16, u16)) -> u32 {
    (u32::from(cells.0) * CELL_PIXELS.0).max(u32::from(cells.1) * CELL_PIXELS.1)
}

/// Cells the picture takes when made as large as fits `area`, keeping its proportions
/// (a cell being twice as high as wide).
fn fitted_cells(img: &DynamicImage, area: (u16, u16)) -> (u16, u16) {
    let (w, h) = (img.width().max(1) as f64, img.height().max(1) as f64);
    let box_w = f64::from(area.0) * CELL_PIXELS.0 as f64;
    let box_h = f64::from(area.1) * CELL_PIXELS.1 as f64;
    let scale = (box_w / w).min(box_h / h);
    let cols = ((w * scale) / CELL_PIXELS.0 as f64)
        .round()
        .clamp(1.0, f64::from(area.0));
    let rows = ((h * scale) / CELL_PIXELS.1 as f64)
        .round()
        .clamp(1.0, f64::from(area.1));
    (cols as u16, rows as u16)
}

/// Lays `img` out to fit `area` cells in `protocol`. CPU work: call it off the UI thread.
pub fn lay_out(
    img: &DynamicImage,
    area: (u16, u16),
    protocol: GraphicsProtocol,
) -> Result<Picture, PictureFailure> {
    if area.0 == 0 || area.1 == 0 {
        return Err(PictureFailure::Draw("no room".to_owned()));
    }
    let cells = fitted_cells(img, area);
    let size = Size::new(cells.0, cells.1);
    let draw = |e: ratatui_image::errors::Errors| PictureFailure::Draw(e.to_string());
    let exact = || {
        img.resize_exact(
            u32::from(cells.0) * CELL_PIXELS.0,
            u32::from(cells.1) * CELL_PIXELS.1,
            FilterType::Triangle,
        )
    };
    let protocol = match protocol {
        GraphicsProtocol::Halfblocks => {
            Protocol::Halfblocks(Halfblocks::new(img.clone(), size).map_err(draw)?)
        }
        GraphicsProtocol::Kitty => {
            Protocol::Kitty(Kitty::new(exact(), size, next_kitty_id(), false, false).map_err(draw)?)
        }
        GraphicsProtocol::Iterm2 => {
            Protocol::ITerm2(Iterm2::new(exact(), size, false).map_err(draw)?)
        }
        GraphicsProtocol::Sixel => Protocol::Sixel(Sixel::new(exact(), size, false).map_err(draw)?),
    };
    Ok(Picture { protocol, cells })
}

/// Kitty keeps each transmitted image by id: every picture gets a new one.
fn next_kitty_id() -> u32 {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0x6e61_0001);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A picture shared between the message that brought it and the state that shows it.
pub type SharedPicture = Arc<Picture>;

/// A place on screen waiting for, or showing, a picture (quick view, F3).
pub struct PictureSlot {
    /// The request whose answer it takes.
    pub req: u64,
    /// Cells it was asked for; another size asks again.
    pub cells: (u16, u16),
    pub state: PictureState,
}

pub enum PictureState {
    Loading,
    Ready(SharedPicture),
    Failed(String),
}

impl PictureSlot {
    pub fn new(req: u64, cells: (u16, u16)) -> PictureSlot {
        PictureSlot {
            req,
            cells,
            state: PictureState::Loading,
        }
    }

    /// Takes the answer to `req`; false when it was not this slot's.
    pub fn on_picture(&mut self, req: u64, result: &Result<SharedPicture, PictureFailure>) -> bool {
        if req != self.req {
            return false;
        }
        self.state = match result {
            Ok(p) => PictureState::Ready(p.clone()),
            Err(e) => PictureState::Failed(e.user_message()),
        };
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn guesses_from_the_environment_only() {
        use GraphicsProtocol::*;
        assert_eq!(GraphicsProtocol::from_env(env(&[])), Halfblocks);
        assert_eq!(
            GraphicsProtocol::from_env(env(&[("KITTY_WINDOW_ID", "1")])),
            Kitty
        );
        assert_eq!(
            GraphicsProtocol::from_env(env(&[("TERM_PROGRAM", "iTerm.app")])),
            Iterm2
        );
        // Inside tmux: half-blocks whatever the outer terminal.
        assert_eq!(
            GraphicsProtocol::from_env(env(&[("KITTY_WINDOW_ID", "1"), ("TMUX", "/tmp/x")])),
            Halfblocks
        );
        assert_eq!(
            GraphicsProtocol::from_env(env(&[("NASCMD_IMAGES", "sixel")])),
            Sixel
        );
    }

    #[test]
    fn fits_the_area_keeping_proportions() {
        // 2:1 picture in a 40x10 area: 200 px high at most → 400 px wide = 40 cells.
        let img = DynamicImage::new_rgb8(200, 100);
        assert_eq!(fitted_cells(&img, (40, 10)), (40, 10));
        // 1:4 picture: 200 px high at most → 50 px wide = 5 cells.
        let tall = DynamicImage::new_rgb8(100, 400);
        assert_eq!(fitted_cells(&tall, (40, 10)), (5, 10));
    }
}
