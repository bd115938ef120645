//! Issue 18's habits on a NAS pane: the demo's emulator-backed QNAP (`DemoNas`), driven
//! through the real runtime loop, App and ui on ratatui's `TestBackend`.

use crate::support;

use std::path::Path;

use crossterm::event::KeyCode;
use nascmd::app::Side;
use nascmd::demo::nas::DemoNas;
use nascmd::runtime::ConnectContext;
use support::screen::*;

async fn start(local: &Path) -> Rt {
    start_with_context(local, local, ConnectContext::isolated()).await
}

/// The right pane on the demo QNAP's `/Public/Documents/Reports/2025`, active.
async fn open_demo_reports(rt: &mut Rt, demo: &DemoNas) {
    press(rt, &[KeyCode::Tab]).await;
    settle(rt, vec![alt('n')]).await;
    let mut keys = text(&format!(
        "qnap://demo@{}/Public/Documents/Reports/2025",
        demo.qnap.addr
    ));
    keys.push(k(KeyCode::Enter));
    settle(rt, keys).await;
    let mut keys = text(demo.password.expose());
    keys.push(k(KeyCode::Enter));
    settle(rt, keys).await;
    assert_eq!(
        rt.app.pane(Side::Right).cwd.as_str(),
        "/Public/Documents/Reports/2025",
        "{}",
        screen(rt)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_demo_nas_delete_names_the_place_and_the_cursor_stays_in_place() {
    let qroot = tempfile::tempdir().unwrap();
    let froot = tempfile::tempdir().unwrap();
    let demo = DemoNas::start(qroot.path(), froot.path()).await.unwrap();
    let local = tempfile::tempdir().unwrap();
    let mut rt = start(local.path()).await;
    open_demo_reports(&mut rt, &demo).await;
    let reports = qroot.path().join("Public/Documents/Reports/2025");

    go_to(&mut rt, "quarterly-report-Q2.txt").await;
    press(&mut rt, &[KeyCode::F(8)]).await;
    let s = screen(&rt);
    assert!(s.contains("Delete \"quarterly-report-Q2.txt\"?"), "{s}");
    assert!(
        s.contains("from /Public/Documents/Reports/2025 on qnap demo@127.0.0.1"),
        "{s}"
    );
    press(&mut rt, &[KeyCode::Char('y')]).await;
    assert!(!reports.join("quarterly-report-Q2.txt").exists());
    assert_eq!(
        cursor_name(&rt).as_deref(),
        Some("quarterly-report-Q3.txt"),
        "{}",
        screen(&rt)
    );

    go_to(&mut rt, "quarterly-report-Q4.txt").await;
    press(&mut rt, &[KeyCode::F(8), KeyCode::Char('y')]).await;
    assert_eq!(
        cursor_name(&rt).as_deref(),
        Some("quarterly-report-Q3.txt"),
        "{}",
        screen(&rt)
    );

    // A rename in place: the cursor follows the file.
    go_to(&mut rt, "quarterly-report-Q1.txt").await;
    let mut keys = vec![k(KeyCode::F(6)), ctrl('u')];
    keys.extend(text("z-final.txt"));
    keys.push(k(KeyCode::Enter));
    settle(&mut rt, keys).await;
    assert!(reports.join("z-final.txt").exists(), "{}", screen(&rt));
    assert_eq!(
        cursor_name(&rt).as_deref(),
        Some("z-final.txt"),
        "{}",
        screen(&rt)
    );
    demo.shutdown().await;
}

async fn start_with(local: &Path, ctx: ConnectContext) -> Rt {
    start_with_context(local, local, ctx).await
}

async fn type_enter(rt: &mut Rt, s: &str) {
    let mut keys = text(s);
    keys.push(k(KeyCode::Enter));
    settle(rt, keys).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_asked_again_three_times_then_alt_n_offers_the_target() {
    let qroot = tempfile::tempdir().unwrap();
    let froot = tempfile::tempdir().unwrap();
    let demo = DemoNas::start(qroot.path(), froot.path()).await.unwrap();
    let local = tempfile::tempdir().unwrap();
    let mut rt = start(local.path()).await;
    let target = format!("qnap://demo@{}/Public", demo.qnap.addr);
    press(&mut rt, &[KeyCode::Tab]).await;
    settle(&mut rt, vec![alt('n')]).await;
    type_enter(&mut rt, &target).await;
    assert!(
        screen(&rt).contains("Password for demo on"),
        "{}",
        screen(&rt)
    );
    type_enter(&mut rt, "wrong one").await;
    let s = screen(&rt);
    assert!(s.contains("Password for demo on"), "{s}");
    assert!(s.contains("refused the password: try 2 of 3"), "{s}");
    type_enter(&mut rt, "wrong two").await;
    assert!(screen(&rt).contains("try 3 of 3"), "{}", screen(&rt));
    type_enter(&mut rt, "wrong three").await;
    let s = screen(&rt);
    assert!(s.contains("Cannot connect"), "{s}");
    assert!(s.contains("wrong user name or password"), "{s}");
    // Alt-N opens with what failed, to correct it.
    press(&mut rt, &[KeyCode::Enter]).await;
    settle(&mut rt, vec![alt('n')]).await;
    let s = screen(&rt);
    assert!(s.contains(&target), "{s}");
    press(&mut rt, &[KeyCode::Enter]).await;
    type_enter(&mut rt, "still wrong").await;
    type_enter(&mut rt, demo.password.expose()).await;
    assert_eq!(
        rt.app.pane(Side::Right).cwd.as_str(),
        "/Public",
        "{}",
        screen(&rt)
    );
    demo.shutdown().await;
}

/// A password found without asking (here handed over in-process, as `NASCMD_PASSWORD`
/// or the secrets store would) that the NAS refuses leads to the dialog.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_stored_password_opens_the_password_dialog() {
    let qroot = tempfile::tempdir().unwrap();
    let froot = tempfile::tempdir().unwrap();
    let demo = DemoNas::start(qroot.path(), froot.path()).await.unwrap();
    let local = tempfile::tempdir().unwrap();
    let ctx = ConnectContext::isolated().with_password(
        &format!("http://{}", demo.qnap.addr),
        "demo",
        nascmd::secret::Secret::new("an old password"),
    );
    let mut rt = start_with(local.path(), ctx).await;
    press(&mut rt, &[KeyCode::Tab]).await;
    settle(&mut rt, vec![alt('n')]).await;
    type_enter(&mut rt, &format!("qnap://demo@{}/Public", demo.qnap.addr)).await;
    let s = screen(&rt);
    assert!(s.contains("refused the password: try 1 of 3"), "{s}");
    type_enter(&mut rt, demo.password.expose()).await;
    assert_eq!(
        rt.app.pane(Side::Right).cwd.as_str(),
        "/Public",
        "{}",
        screen(&rt)
    );
    demo.shutdown().await;
}
