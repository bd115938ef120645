//! Share links over a link that drops requests: a person waits on each, so every
//! request is tried again (`services::share`), and a try whose answer was lost after
//! the NAS carried it out is not done twice — one link per file, a revoked link gone.

use crate::support;

use std::sync::Arc;

use nascmd::emulator::faults::FaultConfig;
use nascmd::services::share::{self, CodeChoice, ShareRequest};
use nascmd::vfs::{VPath, Vfs, VfsHandle};
use support::outage::OutageRelay;

fn p(s: &str) -> VPath {
    VPath::parse(s).unwrap()
}

/// New links (not reused) with an expiry and a generated access code: the hardest
/// kind to recognise when an answer is lost.
fn new_links() -> ShareRequest {
    ShareRequest {
        expire_secs: Some(3600),
        code: CodeChoice::Generate,
        host: None,
        reuse: false,
    }
}

/// Makes a link to each of `paths`, checks each was made, then revokes them all.
/// Returns how many links the NAS listed between the two.
async fn make_and_revoke(vfs: &dyn Vfs, paths: &[VPath]) -> usize {
    let created = share::create_or_reuse(vfs, paths.to_vec(), &new_links())
        .await
        .unwrap();
    let made: Vec<_> = created
        .results
        .into_iter()
        .map(|(path, r)| r.unwrap_or_else(|e| panic!("{path}: {e}")))
        .collect();
    assert_eq!(made.len(), paths.len());
    let listed = share::list(vfs, None).await.unwrap();
    for link in &made {
        assert!(
            listed
                .iter()
                .any(|l| l.id == link.id && l.path == link.path),
            "{link:?} is not among the NAS's links {listed:?}"
        );
    }
    for (link, r) in share::revoke_each(vfs, made).await {
        r.unwrap_or_else(|e| panic!("revoke {}: {e}", link.path));
    }
    assert_eq!(share::list(vfs, None).await.unwrap(), Vec::new());
    listed.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_links_are_made_and_revoked_through_server_errors() {
    let nas = support::qnap_client::start(
        FaultConfig {
            http500_every: Some(3),
            ..Default::default()
        },
        None,
    )
    .await;
    let paths: Vec<VPath> = (0..6)
        .map(|i| {
            std::fs::write(nas.root.join(format!("Public/f{i}.txt")), b"shared").unwrap();
            p(&format!("/Public/f{i}.txt"))
        })
        .collect();
    let qnap = support::qnap_client::connect(&nas).await;
    assert_eq!(make_and_revoke(&qnap, &paths).await, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_a_link_whose_answer_is_lost_is_made_once() {
    let nas = support::qnap_client::start(FaultConfig::default(), None).await;
    let paths: Vec<VPath> = (0..3)
        .map(|i| {
            std::fs::write(nas.root.join(format!("Public/f{i}.txt")), b"shared").unwrap();
            p(&format!("/Public/f{i}.txt"))
        })
        .collect();
    let relay = OutageRelay::start(nas.emu.addr, None).await;
    let qnap = nascmd::nas::qnap::QnapVfs::connect(nascmd::nas::qnap::QnapConfig {
        base_url: relay.url(),
        ..support::qnap_client::config(&nas, "alice", "pw")
    })
    .await
    .unwrap();
    relay.lose_answers_to("func=get_share_link", 2);
    let created = share::create_or_reuse(&qnap, paths.clone(), &new_links())
        .await
        .unwrap();
    assert_eq!(relay.lost(), 2, "the answers were not lost");
    assert!(
        created.results.iter().all(|(_, r)| r.is_ok()),
        "{created:?}"
    );
    // One link per file: the lost answers' links were found, not made again.
    let listed = share::list(&qnap, None).await.unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    for (path, r) in &created.results {
        let link = r.as_ref().unwrap();
        assert!(link.access_code.is_some(), "{link:?}");
        assert!(
            listed.iter().any(|l| l.id == link.id && l.path == *path),
            "{link:?} not listed"
        );
    }
    relay.lose_answers_to("func=delete_share", 2);
    let links = created.results.into_iter().map(|(_, r)| r.unwrap());
    for (link, r) in share::revoke_each(&qnap, links.collect()).await {
        r.unwrap_or_else(|e| panic!("revoke {}: {e}", link.path));
    }
    assert_eq!(relay.lost(), 4, "the revokes' answers were not lost");
    assert_eq!(share::list(&qnap, None).await.unwrap(), Vec::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_a_link_whose_answer_is_lost_is_made_once() {
    let fx = support::freebox::start(|_| {}).await;
    let paths: Vec<VPath> = (0..3)
        .map(|i| {
            std::fs::write(fx.root.path().join(format!("f{i}.txt")), b"shared").unwrap();
            p(&format!("/Disque dur/f{i}.txt"))
        })
        .collect();
    let relay = OutageRelay::start(fx.emu.addr, None).await;
    let token = support::freebox::registered_token(&fx.emu.base_url).await;
    let fbx: VfsHandle = Arc::new(
        support::freebox::connect_to(&relay.url(), token)
            .await
            .unwrap(),
    );
    relay.lose_answers_to("POST /api/", 2);
    let created = share::create_or_reuse(fbx.as_ref(), paths.clone(), &new_links())
        .await
        .unwrap();
    assert_eq!(relay.lost(), 2, "the answers were not lost");
    assert!(
        created.results.iter().all(|(_, r)| r.is_ok()),
        "{created:?}"
    );
    let listed = share::list(fbx.as_ref(), None).await.unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    relay.lose_answers_to("DELETE /api/", 2);
    let links = created.results.into_iter().map(|(_, r)| r.unwrap());
    for (link, r) in share::revoke_each(fbx.as_ref(), links.collect()).await {
        r.unwrap_or_else(|e| panic!("revoke {}: {e}", link.path));
    }
    assert_eq!(relay.lost(), 4, "the revokes' answers were not lost");
    assert_eq!(share::list(fbx.as_ref(), None).await.unwrap(), Vec::new());
}
