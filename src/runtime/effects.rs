//! Carrying out `Cmd`s: each I/O effect runs as a spawned task whose results come back
//! as `Msg`s (tagged with the app's request id), followed by a `TaskDone` so the loop
//! knows when everything has settled.

use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::sort::SortSpec;
use crate::app::{Msg, Side};
use crate::jobs::JobSpec;
use crate::vfs::{VPath, VfsHandle};

/// What effect tasks send to the loop.
pub enum Internal {
    Msg(Msg),
    TaskDone(u64),
    /// Bytes for the terminal itself (an OSC 52 copy), written after the next frame.
    TerminalBytes(Vec<u8>),
    /// A job whose target was asked about first (`Cmd::StartJobAskingTarget`), ready.
    StartJob {
        spec: JobSpec,
        title: String,
    },
}

fn send(tx: &UnboundedSender<Internal>, msg: Msg) {
    // The loop has ended: nobody to tell.
    let _ = tx.send(Internal::Msg(msg));
}

/// Lists `dir` page by page for a pane; if it shows temporaries of ours left for a day
/// and more, sweeps them afterwards (`jobs::stale`) and tells the app. Each page is
/// sorted in `sort` here, before it goes to the app: sorting a page of 5 000–10 000
/// entries cost the UI thread 10–30 ms on a busy machine (benches/huge_folder.rs), far
/// more than merging a sorted page (`SortSpec::merge_into`).
pub async fn list(
    tx: UnboundedSender<Internal>,
    side: Side,
    req: u64,
    vfs: VfsHandle,
    dir: VPath,
    sort: SortSpec,
    journal: Option<crate::jobs::journal::Journal>,
) {
    let cutoff = crate::jobs::stale::abandoned_before();
    let mut abandoned = false;
    // Retries a failed later page too, not only the call that opens the listing.
    let listing = crate::jobs::list_retrying_counted(
        vfs.clone(),
        dir.clone(),
        crate::jobs::RetryPolicy::INTERACTIVE,
        tokio_util::sync::CancellationToken::new(),
    );
    let mut stream = match listing.await {
        Ok(listing) => {
            if let Some(total) = listing.total {
                send(&tx, Msg::ListTotal { side, req, total });
            }
            listing.pages
        }
        Err(e) => {
            let page = Err(e);
            send(
                &tx,
                Msg::Listed {
                    side,
                    req,
                    page,
                    done: true,
                },
            );
            return;
        }
    };
    while let Some(page) = stream.next().await {
        match page {
            Ok(mut entries) => {
                abandoned |= entries
                    .iter()
                    .any(|e| crate::jobs::stale::looks_abandoned(e, cutoff));
                sort.sort(&mut entries);
                send(
                    &tx,
                    Msg::Listed {
                        side,
                        req,
                        page: Ok(entries),
                        done: false,
                    },
                );
            }
            Err(e) => {
                send(
                    &tx,
                    Msg::Listed {
                        side,
                        req,
                        page: Err(e),
                        done: true,
                    },
                );
                return;
            }
        }
    }
    send(
        &tx,
        Msg::Listed {
            side,
            req,
            page: Ok(Vec::new()),
            done: true,
        },
    );
    if abandoned {
        match crate::jobs::stale::sweep_listed(vfs.as_ref(), &dir, journal).await {
            Ok(swept) if !swept.names.is_empty() => send(
                &tx,
                Msg::StaleSwept {
                    side,
                    dir,
                    files: swept.names.len(),
                    bytes: swept.bytes,
                },
            ),
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "no sweep of stale temporaries"),
        }
    }
}

pub async fn space(
    tx: UnboundedSender<Internal>,
    side: Side,
    req: u64,
    vfs: VfsHandle,
    dir: VPath,
) {
    let space = crate::jobs::retry_interactive(|| vfs.space(&dir))
        .await
        .ok()
        .flatten();
    send(&tx, Msg::Space { side, req, space });
}

/// F7: `path` and the folders between `base` (the pane's folder) and it. The cursor goes
/// to the folder of the path right below `base` (`a` of `a/b`), also when a failure
/// part-way left folders made.
pub async fn mkdir(
    tx: UnboundedSender<Internal>,
    side: Side,
    vfs: VfsHandle,
    base: VPath,
    path: VPath,
) {
    let made =
        crate::jobs::mkdir_parents(&vfs, &base, &path, crate::jobs::LastFolder::MustBeNew).await;
    let top = path
        .strip_prefix(&base)
        .and_then(|rel| rel.split('/').next())
        .map(str::to_owned);
    let focus = top.filter(|_| made.outcome.is_ok() || made.first.is_some());
    let result = made.outcome;
    send(
        &tx,
        Msg::OpDone {
            side,
            result,
            focus,
        },
    );
}

/// Reads at most `len` bytes from `offset`: only the viewer's window, never the file.
pub async fn read_file(
    tx: UnboundedSender<Internal>,
    req: u64,
    vfs: VfsHandle,
    path: VPath,
    offset: u64,
    len: usize,
) {
    // Tried again from where a cut read stopped (a window is a snapshot: a file
    // changed meanwhile shows as it is when the next window is read).
    let data = crate::jobs::read_retrying(&vfs, &path, offset, len as u64, |_| {})
        .await
        .map(|f| f.bytes);
    send(&tx, Msg::FileChunk { req, offset, data });
}
