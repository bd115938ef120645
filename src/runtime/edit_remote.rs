//! F4 on a NAS file: fetched as a task into a private temporary (a 0600 file in a 0700
//! folder under `$XDG_RUNTIME_DIR/nascmd`, else the state folder), with progress for
//! the status line; edited; and written back through the Vfs only if its bytes changed
//! — under a temporary name, then renamed over the original, as the job engine writes.
//! If the NAS copy changed meanwhile (size or mtime differ from when it was fetched),
//! nothing is written until the user chose (`app/remote_edit.rs`): overwrite it, save
//! the edit beside it as `NAME.edited`, or keep it and the edit locally.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use super::Internal;
use crate::app::Msg;
use crate::app::RequestId;
use crate::app::remote_edit::{EditChoice, EditCopy, beside_name};
use crate::app::shell_edit::TerminalMsg;
use crate::jobs::{read_retrying, retry_interactive};
use crate::names::escape;
use crate::vfs::{VPath, VfsError, VfsHandle};

/// The largest file F4 fetches from a NAS (it is held in memory to compare).
const MAX_EDIT_BYTES: u64 = 64 * 1024 * 1024;
/// How many other names `NAME.edited` may give way to (`NAME.edited.2`, …).
const BESIDE_TRIES: u32 = 100;

fn too_big(path: &VPath) -> String {
    format!(
        "{} is too big to edit here (over {} MiB)",
        escape(path.as_str()),
        MAX_EDIT_BYTES / 1024 / 1024
    )
}

fn send(tx: &UnboundedSender<Internal>, msg: TerminalMsg) {
    // The loop has ended: nobody to tell.
    let _ = tx.send(Internal::Msg(Msg::Terminal(msg)));
}

/// Where private temporaries go: `$XDG_RUNTIME_DIR/nascmd` (per-user, in memory),
/// else `<state dir>/edit`; made 0700.
fn private_base() -> std::io::Result<PathBuf> {
    let base = match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d).join("nascmd"),
        None => crate::config::state_dir().join("edit"),
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&base)?;
    Ok(base)
}

/// The fetch task: progress as the percentage grows, then the copy (or why not).
pub(super) async fn fetch_task(
    tx: UnboundedSender<Internal>,
    req: RequestId,
    vfs: VfsHandle,
    path: VPath,
) {
    let result = fetch(&tx, req, vfs, path).await.map(Box::new);
    send(&tx, TerminalMsg::Fetched { req, result });
}

async fn fetch(
    tx: &UnboundedSender<Internal>,
    req: RequestId,
    vfs: VfsHandle,
    path: VPath,
) -> Result<EditCopy, String> {
    let entry = retry_interactive(|| vfs.stat(&path))
        .await
        .map_err(|e| e.user_message())?;
    if entry.size > MAX_EDIT_BYTES {
        return Err(too_big(&path));
    }
    let total = entry.size;
    let mut told = 0;
    let fetched = read_retrying(&vfs, &path, 0, MAX_EDIT_BYTES + 1, |done| {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        if percent > told {
            told = percent;
            send(tx, TerminalMsg::FetchProgress { req, done, total });
        }
    })
    .await
    .map_err(|e| e.user_message())?;
    if fetched.bytes.len() as u64 > MAX_EDIT_BYTES {
        return Err(too_big(&path));
    }
    // Read in parts (a connection was cut): the parts are one version of the file only
    // if it still is the one first looked at.
    if fetched.resumed {
        let now = retry_interactive(|| vfs.stat(&path))
            .await
            .map_err(|e| e.user_message())?;
        if (now.size, now.mtime) != (entry.size, entry.mtime) {
            return Err(format!(
                "{} changed on the NAS while it was fetched: press F4 again",
                escape(path.name())
            ));
        }
    }
    let original = fetched.bytes;
    let name = crate::names::terminal_safe_name(path.name()).into_owned();
    let saved = tokio::task::spawn_blocking({
        let original = original.clone();
        move || save_private(&name, &original)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot make a private copy: {e}"))?;
    let (dir, file) = saved;
    Ok(EditCopy {
        vfs,
        path,
        file,
        dir,
        original,
        stamp: (entry.size, entry.mtime),
    })
}

/// `bytes` in a new 0600 file `name` inside a new 0700 folder.
fn save_private(name: &str, bytes: &[u8]) -> std::io::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::Builder::new()
        .prefix("edit-")
        .tempdir_in(private_base()?)?;
    // Said outright: the folder's default mode follows the umask.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
    let file = dir.path().join(name);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&file)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok((dir, file))
}

/// After the editor (a task): the edit written back if it changed and the NAS copy did
/// not; the question asked if both changed.
pub(super) async fn finish_task(tx: UnboundedSender<Internal>, copy: Box<EditCopy>) {
    let name = copy.path.name().to_owned();
    let outcome = async {
        let edited = read_edit(&copy).await?;
        if edited == copy.original {
            return Ok(Some("unchanged: nothing written back".to_owned()));
        }
        // Written back only over the copy that was fetched: a NAS copy changed or gone
        // meanwhile is the user's to decide; one that cannot be looked at is not
        // written over blindly.
        let now = match retry_interactive(|| copy.vfs.stat(&copy.path)).await {
            Ok(e) => Some((e.size, e.mtime)),
            Err(VfsError::NotFound(_)) => None,
            Err(e) => {
                return Err(format!(
                    "not written back ({}); press F4 again to retry",
                    e.user_message()
                ));
            }
        };
        if now != Some(copy.stamp) {
            return Ok(None);
        }
        upload(&copy, &copy.path).await?;
        Ok(Some("written back".to_owned()))
    }
    .await;
    match outcome {
        Ok(Some(done)) => send(
            &tx,
            TerminalMsg::Edited {
                name,
                outcome: Ok(done),
            },
        ),
        Ok(None) => send(&tx, TerminalMsg::Conflict(copy)),
        Err(e) => send(
            &tx,
            TerminalMsg::Edited {
                name,
                outcome: Err(e),
            },
        ),
    }
}

/// The user's answer to "the NAS copy changed meanwhile" (a task).
pub(super) async fn resolve_task(
    tx: UnboundedSender<Internal>,
    copy: Box<EditCopy>,
    choice: EditChoice,
) {
    let name = copy.path.name().to_owned();
    let outcome = resolve(*copy, choice).await;
    send(&tx, TerminalMsg::Edited { name, outcome });
}

async fn resolve(copy: EditCopy, choice: EditChoice) -> Result<String, String> {
    match choice {
        EditChoice::Overwrite => {
            upload(&copy, &copy.path).await?;
            Ok("your edit replaced the NAS copy".to_owned())
        }
        EditChoice::SaveBeside => {
            let beside = free_name_beside(&copy.vfs, &copy.path).await?;
            upload(&copy, &beside).await?;
            // Short: the status line at 80 columns also shows the free space.
            Ok(format!("saved as {}", escape(beside.name())))
        }
        EditChoice::KeepNas => {
            // The folder outlives the run: the edit is the user's to pick up.
            let kept = copy
                .dir
                .keep()
                .join(copy.file.file_name().map(PathBuf::from).unwrap_or_default());
            Ok(format!(
                "kept the NAS copy, your edit stays here: {}",
                escape(&kept.display().to_string())
            ))
        }
    }
}

async fn read_edit(copy: &EditCopy) -> Result<Vec<u8>, String> {
    tokio::fs::read(&copy.file)
        .await
        .map_err(|e| format!("cannot read the edited copy: {e}"))
}

/// `NAME.edited`, or `NAME.edited.2`… when that name is taken (never over a file).
async fn free_name_beside(vfs: &VfsHandle, path: &VPath) -> Result<VPath, String> {
    let first = beside_name(path.name());
    for n in 1..=BESIDE_TRIES {
        let name = if n == 1 {
            first.clone()
        } else {
            format!("{first}.{n}")
        };
        let candidate = path.parent().join(&name).map_err(|e| e.user_message())?;
        match retry_interactive(|| vfs.stat(&candidate)).await {
            Err(VfsError::NotFound(_)) => return Ok(candidate),
            Ok(_) => {}
            Err(e) => return Err(e.user_message()),
        }
    }
    Err(format!(
        "no free name beside it ({first} and {BESIDE_TRIES} others are taken)"
    ))
}

/// Writes the edited copy over `path` (or to a new name there) as any copy writes a
/// file: under a temporary name, checked, then renamed into place, each step tried
/// again on its own over a flaky link (`jobs::copy_one_file`).
async fn upload(copy: &EditCopy, path: &VPath) -> Result<(), String> {
    let from = VPath::parse(&copy.file.to_string_lossy()).map_err(|e| e.user_message())?;
    crate::jobs::copy_one_file(
        std::sync::Arc::new(crate::vfs::local::LocalFs::new()),
        from,
        copy.vfs.clone(),
        path.parent(),
        path.name().to_owned(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_private_copy_is_0600_in_a_0700_folder() {
        let (dir, file) = super::save_private("a.txt", b"x").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(dir.path()), 0o700);
    }
}
