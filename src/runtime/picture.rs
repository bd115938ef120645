//! `Cmd::ShowPicture`: the backend's thumbnail (`Features::thumbnails`), laid out in
//! cells on the blocking pool — nothing of it runs on the loop.

use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use super::Internal;
use crate::app::Msg;
use crate::image_preview::{self, GraphicsProtocol, PictureFailure, SharedPicture};
use crate::vfs::{VPath, VfsHandle};

pub async fn show_picture(
    tx: UnboundedSender<Internal>,
    req: u64,
    vfs: VfsHandle,
    path: VPath,
    cells: (u16, u16),
    protocol: GraphicsProtocol,
) {
    let result = picture(vfs, path, cells, protocol).await;
    let _ = tx.send(Internal::Msg(Msg::Picture { req, result }));
}

async fn picture(
    vfs: VfsHandle,
    path: VPath,
    cells: (u16, u16),
    protocol: GraphicsProtocol,
) -> Result<SharedPicture, PictureFailure> {
    let Some(thumbs) = vfs.features().thumbnails else {
        return Err(PictureFailure::Unsupported);
    };
    // A person waits on it over a link that may drop a request: tried again.
    let pixels = image_preview::pixels_for(cells);
    let image = crate::jobs::retry_interactive(|| thumbs.thumbnail(&path, pixels))
        .await
        .map_err(PictureFailure::Vfs)?
        .map_err(PictureFailure::Preview)?;
    tokio::task::spawn_blocking(move || image_preview::lay_out(&image, cells, protocol))
        .await
        .map_err(|e| PictureFailure::Draw(e.to_string()))?
        .map(Arc::new)
}
