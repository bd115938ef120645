//! Retrying transient failures (`VfsError::is_transient`) with exponential backoff.
//! Permanent errors (not found, permission, no space) fail at once; a cancel ends the
//! wait immediately.
//!
//! This is the one layer that retries: backends only renew an expired session. The job
//! engine uses its policy for every call; a call a person waits on outside a job (a
//! pane's listing, a CLI command's `stat`) goes through [`retry_interactive`].
//!
//! A listing is a stream of pages, one request each, so retrying only the call that
//! opens it is not enough: [`list_retrying`] also lists again when a later page fails,
//! from a little before where the failed listing stopped (`Vfs::list_from`).

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::cancel::until_cancelled;
use super::patience::{Patience, RetryWatch};
use crate::vfs::{Entry, ListStream, Listing, VPath, VfsError, VfsHandle, VfsResult};

/// How patiently a transient failure is retried: for a time budget (`retry_for`,
/// counted from the first failure since the operation last made progress) and at most
/// `retries` times, with a delay doubling from `first_delay` up to `max_delay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most retries after a failure with no progress in between (`u32::MAX`: only the
    /// time budget counts).
    pub retries: u32,
    /// How long an operation keeps being retried with no progress in between.
    pub retry_for: Duration,
    /// Wait before the first retry; doubled each time up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// A job's patience: a NAS reboot or a few minutes of lost Wi-Fi do not end a copy.
    fn default() -> Self {
        RetryPolicy {
            retries: u32::MAX,
            retry_for: RetryPolicy::DEFAULT_RETRY_FOR,
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The default time budget of a job's operations (`[jobs] retry_for`).
    pub const DEFAULT_RETRY_FOR: Duration = Duration::from_secs(5 * 60);

    /// For a call a person waits on: a few quick retries (200, 400, 800 ms), so a dead
    /// NAS is reported within about 1.5 s.
    pub const INTERACTIVE: RetryPolicy = RetryPolicy {
        retries: 3,
        retry_for: Duration::from_secs(5),
        first_delay: Duration::from_millis(200),
        max_delay: Duration::from_millis(800),
    };

    /// The default policy with another time budget (`--retry-for`, `[jobs] retry_for`).
    pub fn with_retry_for(retry_for: Duration) -> Self {
        RetryPolicy {
            retry_for,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (0-based).
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX);
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// Runs `op` until it succeeds, fails permanently, runs out of patience or the job
    /// is cancelled (see `cancel::until_cancelled` for how a running attempt is stopped).
    pub async fn run<T, F, Fut>(&self, cancel: &CancellationToken, op: F) -> VfsResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = VfsResult<T>>,
    {
        self.run_watched(cancel, None, op).await
    }

    /// [`RetryPolicy::run`], telling `watch` while it waits to retry.
    pub(crate) async fn run_watched<T, F, Fut>(
        &self,
        cancel: &CancellationToken,
        watch: Option<&dyn RetryWatch>,
        mut op: F,
    ) -> VfsResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = VfsResult<T>>,
    {
        let mut patience = Patience::new(*self, watch);
        loop {
            if cancel.is_cancelled() {
                return Err(VfsError::Cancelled);
            }
            match until_cancelled(cancel, op()).await {
                Err(_) if cancel.is_cancelled() => return Err(VfsError::Cancelled),
                Err(e) if e.is_transient() => patience.wait_after(e, cancel).await?,
                other => return other,
            }
        }
    }
}

/// Runs `op` with [`RetryPolicy::INTERACTIVE`], outside any job (nothing cancels it
/// but dropping the future).
pub async fn retry_interactive<T, F, Fut>(op: F) -> VfsResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = VfsResult<T>>,
{
    RetryPolicy::INTERACTIVE
        .run(&CancellationToken::new(), op)
        .await
}

/// Creates the folder `path` (the commander's F7, `nascmd mkdir`), retrying transient
/// failures like [`retry_interactive`]. A try whose answer was lost may have created
/// it: "already exists" after such a failure, for a folder, means done (the NAS did it,
/// the user was told a network error). A folder that was there before the first try
/// still fails with `AlreadyExists`.
pub async fn mkdir_interactive(
    vfs: &crate::vfs::VfsHandle,
    path: &crate::vfs::VPath,
) -> VfsResult<()> {
    let mut failed_before = false;
    retry_interactive(|| {
        let again = std::mem::replace(&mut failed_before, true);
        async move {
            match vfs.mkdir(path).await {
                Err(VfsError::AlreadyExists(what)) if again => match vfs.stat(path).await {
                    Ok(e) if e.is_dir() => {
                        tracing::debug!(path = %path, "the interrupted mkdir had taken effect");
                        Ok(())
                    }
                    _ => Err(VfsError::AlreadyExists(what)),
                },
                other => other,
            }
        }
    })
    .await
}

/// Lists `dir` like [`Vfs::list`](crate::vfs::Vfs::list), retrying transient failures
/// per `policy` both when opening the listing and when a later page fails: then it
/// waits, lists the folder again from the start and yields only the entries whose
/// names it has not yielded yet. It gives up with the error once the policy's patience
/// runs out without a page bringing a new name (so a folder that
/// fails at the same page every time ends, instead of being listed forever).
///
/// Entries already yielded are recognised by name, not by position: a server may
/// order the second listing differently (QNAP sorts, and items may have been added or
/// removed meanwhile), so "skip the first N" could drop or repeat entries. The set
/// costs one copy of each name, small next to the entries themselves.
pub async fn list_retrying(
    vfs: VfsHandle,
    dir: VPath,
    policy: RetryPolicy,
    cancel: CancellationToken,
) -> VfsResult<ListStream> {
    Ok(list_retrying_counted(vfs, dir, policy, cancel).await?.pages)
}

/// [`list_retrying`], with the folder's size when the backend's first reply gave it
/// ([`Vfs::list_counted`](crate::vfs::Vfs::list_counted)): what a pane shows while a
/// huge folder loads.
pub async fn list_retrying_counted(
    vfs: VfsHandle,
    dir: VPath,
    policy: RetryPolicy,
    cancel: CancellationToken,
) -> VfsResult<Listing> {
    let Listing { pages, total } = policy.run(&cancel, || vfs.list_counted(&dir)).await?;
    let first = pages;
    let relisting = Relisting {
        vfs,
        dir,
        cancel,
        pages: Some(first),
        seen: HashSet::new(),
        patience: Patience::new(policy, None),
        from: 0,
        received: 0,
    };
    Ok(Listing {
        pages: futures_util::stream::unfold(Some(relisting), |state| async move {
            let mut state = state?;
            match state.next_page().await {
                Ok(Some(page)) => Some((Ok(page), Some(state))),
                Ok(None) => None,
                // The error ends the stream.
                Err(e) => Some((Err(e), None)),
            }
        })
        .boxed(),
        total,
    })
}

/// The state of a [`list_retrying`] stream.
struct Relisting {
    vfs: VfsHandle,
    dir: VPath,
    cancel: CancellationToken,
    /// The listing being read; `None` after a failure, until it is opened again.
    pages: Option<ListStream>,
    /// Names already yielded.
    seen: HashSet<String>,
    /// Failures since a page last brought a new name.
    patience: Patience<'static>,
    /// Where the listing being read started (`Vfs::list_from`).
    from: u64,
    /// Entries it brought so far, names already seen included.
    received: u64,
}

/// How far before where a failed listing stopped the next one starts: entries removed
/// from the folder in between move the rest forward, and none may be passed over (the
/// names seen twice are dropped).
const RELIST_OVERLAP: u64 = 256;

impl Relisting {
    /// The next page of names not yielded yet; `None` at the end of the folder.
    async fn next_page(&mut self) -> VfsResult<Option<Vec<Entry>>> {
        loop {
            if self.cancel.is_cancelled() {
                return Err(VfsError::Cancelled);
            }
            let answer = match &mut self.pages {
                Some(pages) => tokio::select! {
                    page = pages.next() => page,
                    _ = self.cancel.cancelled() => return Err(VfsError::Cancelled),
                },
                None => {
                    match until_cancelled(&self.cancel, self.vfs.list_from(&self.dir, self.from))
                        .await
                    {
                        Ok(pages) => {
                            self.pages = Some(pages);
                            self.received = 0;
                            continue;
                        }
                        Err(e) => Some(Err(e)),
                    }
                }
            };
            match answer {
                None => return Ok(None),
                Some(Ok(page)) => {
                    self.received += page.len() as u64;
                    let fresh: Vec<Entry> = page
                        .into_iter()
                        .filter(|e| self.seen.insert(e.name.clone()))
                        .collect();
                    if !fresh.is_empty() {
                        self.patience.progressed();
                        return Ok(Some(fresh));
                    }
                }
                Some(Err(_)) if self.cancel.is_cancelled() => return Err(VfsError::Cancelled),
                Some(Err(e)) if e.is_transient() => {
                    // Again from a little before where this listing stopped (a failure
                    // while opening it keeps the same start).
                    if self.pages.take().is_some() {
                        self.from = (self.from + self.received).saturating_sub(RELIST_OVERLAP);
                    }
                    tracing::debug!(error = %e, retry = self.patience.retries(), from = self.from, "listing failed mid-way, listing again");
                    self.patience.wait_after(e, &self.cancel).await?;
                }
                Some(Err(e)) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick() -> RetryPolicy {
        RetryPolicy {
            retries: 3,
            retry_for: Duration::from_secs(60),
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
        }
    }

    #[test]
    fn delay_doubles_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0), Duration::from_millis(250));
        assert_eq!(p.delay(1), Duration::from_millis(500));
        assert_eq!(p.delay(30), Duration::from_secs(30));
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_success() {
        let calls = AtomicU32::new(0);
        let r = quick()
            .run(&CancellationToken::new(), || async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(VfsError::Network("reset".into()))
                } else {
                    Ok(42)
                }
            })
            .await;
        assert_eq!(r.unwrap(), 42);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn permanent_errors_and_exhaustion_fail() {
        let calls = AtomicU32::new(0);
        let r: VfsResult<()> = quick()
            .run(&CancellationToken::new(), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(VfsError::NotFound("x".into()))
            })
            .await;
        assert!(matches!(r, Err(VfsError::NotFound(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let r: VfsResult<()> = quick()
            .run(&CancellationToken::new(), || async {
                Err(VfsError::Network("down".into()))
            })
            .await;
        assert!(matches!(r, Err(VfsError::Network(_))));
    }

    /// A folder of `pages` pages of 10 names whose first listing fails after two pages
    /// with `failure`; later listings succeed, in reverse order (a server may order a
    /// second listing differently).
    struct FlakyFolder {
        pages: usize,
        failure: VfsError,
        lists: AtomicU32,
    }

    impl FlakyFolder {
        fn new(pages: usize, failure: VfsError) -> Arc<Self> {
            Arc::new(FlakyFolder {
                pages,
                failure,
                lists: AtomicU32::new(0),
            })
        }
    }

    fn file(name: String) -> Entry {
        Entry {
            name,
            kind: crate::vfs::EntryKind::File,
            size: 1,
            mtime: None,
            mode: None,
            readonly: false,
        }
    }

    #[async_trait::async_trait]
    impl crate::vfs::Vfs for FlakyFolder {
        fn label(&self) -> String {
            "flaky".into()
        }
        fn features(&self) -> crate::vfs::Features<'_> {
            crate::vfs::Features::default()
        }
        async fn list(&self, _dir: &VPath) -> VfsResult<ListStream> {
            let first = self.lists.fetch_add(1, Ordering::SeqCst) == 0;
            let mut pages: Vec<VfsResult<Vec<Entry>>> = (0..self.pages)
                .map(|p| Ok((0..10).map(|i| file(format!("f{p}-{i}"))).collect()))
                .collect();
            if first {
                pages.truncate(2);
                pages.push(Err(self.failure.clone()));
            } else {
                pages.reverse();
            }
            Ok(futures_util::stream::iter(pages).boxed())
        }
        async fn stat(&self, path: &VPath) -> VfsResult<Entry> {
            Err(VfsError::NotFound(path.to_string()))
        }
        async fn mkdir(&self, _: &VPath) -> VfsResult<()> {
            Err(VfsError::Unsupported("mkdir"))
        }
        async fn rename(&self, _: &VPath, _: &VPath, _: bool) -> VfsResult<()> {
            Err(VfsError::Unsupported("rename"))
        }
        async fn remove(&self, _: &VPath) -> VfsResult<()> {
            Err(VfsError::Unsupported("remove"))
        }
        async fn open_read(&self, _: &VPath, _: u64) -> VfsResult<crate::vfs::ByteReader> {
            Err(VfsError::Unsupported("read"))
        }
        async fn write_new(
            &self,
            _: &VPath,
            _: u64,
            _: crate::vfs::ByteReader,
            _: Option<i64>,
        ) -> VfsResult<Entry> {
            Err(VfsError::Unsupported("write"))
        }
    }

    async fn names_listed(folder: Arc<FlakyFolder>) -> (Vec<String>, Option<VfsError>) {
        let mut pages = list_retrying(folder, VPath::root(), quick(), CancellationToken::new())
            .await
            .unwrap();
        let mut names = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => names.extend(p.into_iter().map(|e| e.name)),
                Err(e) => return (names, Some(e)),
            }
        }
        (names, None)
    }

    #[tokio::test]
    async fn a_listing_failing_mid_way_is_listed_again_without_repeats() {
        let folder = FlakyFolder::new(5, VfsError::Network("reset".into()));
        let (names, error) = names_listed(folder.clone()).await;
        assert!(error.is_none(), "{error:?}");
        assert_eq!(names.len(), 50);
        let unique: HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), 50, "a name arrived twice");
        assert_eq!(folder.lists.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_permanent_failure_mid_way_is_not_retried() {
        let folder = FlakyFolder::new(5, VfsError::PermissionDenied("x".into()));
        let (names, error) = names_listed(folder.clone()).await;
        assert!(
            matches!(error, Some(VfsError::PermissionDenied(_))),
            "{error:?}"
        );
        assert_eq!(names.len(), 20);
        assert_eq!(folder.lists.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn cancel_ends_the_wait() {
        let cancel = CancellationToken::new();
        cancel.cancel();
        let r: VfsResult<()> = RetryPolicy::default()
            .run(&cancel, std::future::pending)
            .await;
        assert!(matches!(r, Err(VfsError::Cancelled)));
    }
}
