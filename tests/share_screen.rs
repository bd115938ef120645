//! Share links from the commander, end to end: the real runtime loop, App and ui on
//! ratatui's `TestBackend`, a NAS pane on the project's QNAP or Freebox emulator
//! (loopback, real temp folders), an injected clipboard. Keys are typed as a user would;
//! each URL that reaches the clipboard is then fetched over HTTP like a recipient would.

use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nascmd::clipboard::{ClipboardEnv, ClipboardMode};
use std::time::Duration;
use support::share::*;

/// The NAS's share links, through its declared share-link feature.
async fn links_on(vfs: &nascmd::vfs::VfsHandle) -> Vec<nascmd::vfs::ShareLink> {
    let links = vfs.features().share_links.expect("a NAS with share links");
    links.share_list().await.unwrap()
}

async fn key_copies_a_serving_url(nas: Nas) {
    write(&nas.disk, "photo.jpg", b"\xff\xd8 not really a jpeg");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("photo.jpg").await;
    s.press(k(KeyCode::F(2))).await;
    let url = s.clipboard.last().expect("a URL in the clipboard");
    assert!(url.starts_with("http"), "{url}");
    assert!(!url.contains('\n'));
    assert_eq!(
        s.status(),
        "Link to photo.jpg copied to the system clipboard"
    );
    assert!(s.screen().contains("copied to the system clipboard"));
    assert!(serves(&url, b"\xff\xd8 not really a jpeg").await);
    // Nothing went to the terminal on the system route.
    assert!(s.terminal_out.0.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_key_copies_a_url_that_serves_the_file() {
    key_copies_a_serving_url(qnap_nas().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_key_copies_a_url_that_serves_the_file() {
    key_copies_a_serving_url(freebox_nas(true).await).await;
}

async fn osc52_route(nas: Nas) {
    write(&nas.disk, "report.pdf", b"%PDF-1.7 pretend");
    let mut s = start(&nas, ClipboardMode::Osc52, desktop()).await;
    s.go_to("report.pdf").await;
    let frames = s.rt.frames;
    s.press(k(KeyCode::F(2))).await;
    assert!(s.clipboard.texts().is_empty(), "the system route was used");
    let bytes = s.terminal_out.0.lock().unwrap().clone();
    let url = osc52_text(&bytes);
    assert!(s.rt.frames > frames, "written after a frame");
    assert_eq!(
        s.status(),
        "Link to report.pdf sent to your terminal's clipboard (OSC 52)"
    );
    assert!(serves(&url, b"%PDF-1.7 pretend").await, "{url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_osc52_bytes_written_by_the_runtime_decode_to_the_url() {
    osc52_route(qnap_nas().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_osc52_bytes_written_by_the_runtime_decode_to_the_url() {
    osc52_route(freebox_nas(true).await).await;
}

async fn three_selected_give_three_urls(nas: Nas) {
    for n in ["a.txt", "b.txt", "c.txt"] {
        write(&nas.disk, n, format!("content of {n}").as_bytes());
    }
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("a.txt").await;
    // Insert selects and moves down: a, b, c.
    s.keys(vec![k(KeyCode::Insert); 3]).await;
    s.press(k(KeyCode::F(2))).await;
    let text = s.clipboard.last().expect("URLs in the clipboard");
    let urls: Vec<&str> = text.lines().collect();
    assert_eq!(urls.len(), 3, "{text}");
    assert!(s.status().starts_with("3 links copied"), "{}", s.status());
    let mut served = Vec::new();
    for url in urls {
        served.push(String::from_utf8(fetch(url).await.unwrap()).unwrap());
    }
    served.sort();
    assert_eq!(
        served,
        ["content of a.txt", "content of b.txt", "content of c.txt"]
    );
    // The selection is done with.
    assert!(s.rt.app.active_pane().selected.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_selection_of_three_files_gives_three_urls() {
    three_selected_give_three_urls(qnap_nas().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_selection_of_three_files_gives_three_urls() {
    three_selected_give_three_urls(freebox_nas(true).await).await;
}

async fn panel_lists_and_revokes(nas: Nas) {
    write(&nas.disk, "keep.bin", b"keep me");
    write(&nas.disk, "gone.bin", b"revoke me");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("gone.bin").await;
    s.press(k(KeyCode::F(2))).await;
    let gone_url = s.clipboard.last().unwrap();
    s.go_to("keep.bin").await;
    s.press(k(KeyCode::F(2))).await;
    let keep_url = s.clipboard.last().unwrap();

    s.press(ctrl('l')).await;
    let screen = s.screen();
    assert!(screen.contains("Share links on"), "{screen}");
    for name in ["gone.bin", "keep.bin"] {
        let row = screen
            .lines()
            .find(|l| l.contains(name) && l.contains("in 7 days"))
            .unwrap_or_else(|| panic!("no row for {name} with \"in 7 days\":\n{screen}"));
        assert!(row.contains("http"), "{row}");
    }
    // Sorted by path: gone.bin first, under the cursor. Enter copies it again.
    s.press(k(KeyCode::Enter)).await;
    assert_eq!(s.clipboard.last().unwrap(), gone_url);

    // Q draws its QR code, which reads back to the URL; Esc returns to the panel.
    s.press(k(KeyCode::Char('Q'))).await;
    let screen = s.screen();
    assert!(screen.contains("QR code — Link to gone.bin"), "{screen}");
    let rows = support::qr::rows_in(&screen);
    assert_eq!(
        support::qr::decode(&rows).as_deref(),
        Some(gone_url.as_str()),
        "{screen}"
    );
    s.press(k(KeyCode::Esc)).await;
    assert!(!s.screen().contains("QR code —"));
    assert!(
        s.rt.app.layers.share_panel().is_some(),
        "Esc closed the panel too"
    );

    // Del asks; "y" revokes.
    s.press(k(KeyCode::Delete)).await;
    assert!(s.screen().contains("Revoke the link to"), "{}", s.screen());
    s.press(k(KeyCode::Char('y'))).await;
    assert_eq!(s.status(), "Revoked 1 link(s)");
    assert!(
        !serves(&gone_url, b"revoke me").await,
        "a revoked link serves"
    );
    assert!(serves(&keep_url, b"keep me").await);
    let panel = s.rt.app.layers.share_panel().unwrap();
    assert_eq!(panel.links.len(), 1);
    assert!(!s.screen().contains("gone.bin  "), "{}", s.screen());

    // g jumps the pane to the shared file and closes the panel.
    s.go_to_panel_link_and_jump().await;
    assert_eq!(
        s.rt.app.active_pane().current_entry().unwrap().name,
        "keep.bin"
    );

    // Revoke all: D, confirm. On a QNAP that is one delete_share_all, not one
    // delete_share per link.
    s.press(ctrl('l')).await;
    s.press(k(KeyCode::Char('D'))).await;
    assert!(s.screen().contains("Revoke all 1 links"), "{}", s.screen());
    nas.requests.clear();
    s.press(k(KeyCode::Char('y'))).await;
    assert!(!serves(&keep_url, b"keep me").await);
    assert!(links_on(&nas.vfs).await.is_empty());
    assert!(s.screen().contains("No share links on this NAS."));
    let asked = nas.requests.lines();
    if nas.vfs.label().starts_with("qnap") {
        assert!(
            asked.iter().any(|l| l.ends_with("func=delete_share_all")),
            "{asked:?}"
        );
        assert!(
            !asked.iter().any(|l| l.ends_with("func=delete_share")),
            "{asked:?}"
        );
    } else {
        assert!(asked.iter().any(|l| l.starts_with("DELETE ")), "{asked:?}");
    }
}

impl Screen {
    async fn go_to_panel_link_and_jump(&mut self) {
        // Away from the file first, so the jump has something to do.
        self.press(k(KeyCode::Esc)).await;
        self.press(k(KeyCode::Home)).await;
        self.press(ctrl('l')).await;
        self.press(k(KeyCode::Char('g'))).await;
        assert!(self.rt.app.layers.share_panel().is_none());
    }
}

/// QR codes of every size read back to their text (odd and even module counts, the
/// narrow quiet zone).
#[test]
fn qr_codes_of_every_size_read_back() {
    for len in [10, 30, 50, 70, 100, 150, 300] {
        let url = format!("http://n/{}", "a1".repeat(len / 2));
        let rows = nascmd::share_qr::half_blocks(&url).unwrap();
        assert_eq!(
            support::qr::decode(&rows).as_deref(),
            Some(url.as_str()),
            "{len}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_panel_lists_copies_and_revokes() {
    panel_lists_and_revokes(qnap_nas().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_panel_lists_copies_and_revokes() {
    panel_lists_and_revokes(freebox_nas(true).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_access_code_from_the_config_is_enforced() {
    let nas = qnap_nas().await;
    write(&nas.disk, "secret.txt", b"for your eyes");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.rt.app.share.access_code = true;
    s.go_to("secret.txt").await;
    s.press(k(KeyCode::F(2))).await;
    let url = s.clipboard.last().unwrap();
    let links = links_on(&nas.vfs).await;
    let code = links[0].access_code.clone().expect("an access code");
    assert!(
        s.status().contains(&format!("access code {code}")),
        "{}",
        s.status()
    );
    assert!(
        !serves(&url, b"for your eyes").await,
        "served without the code"
    );
    assert!(serves(&format!("{url}&access_code={code}"), b"for your eyes").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_options_dialog_and_panel_change_set_expiry_and_code() {
    let nas = qnap_nas().await;
    write(&nas.disk, "doc.txt", b"doc");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("doc.txt").await;
    // Alt-L: the form; expiry 2d, code "Sesame42".
    s.press(alt('l')).await;
    assert!(s.screen().contains("Share doc.txt"), "{}", s.screen());
    let mut keys = vec![ctrl('u')];
    keys.extend(vec![k(KeyCode::Backspace); 4]);
    keys.extend(text("2d"));
    keys.push(k(KeyCode::Tab));
    keys.extend(text("Sesame42"));
    keys.push(k(KeyCode::Enter));
    s.keys(keys).await;
    let url = s.clipboard.last().unwrap();
    let link = links_on(&nas.vfs).await.remove(0);
    assert_eq!(link.access_code.as_deref(), Some("Sesame42"));
    assert!(
        s.status().contains("access code Sesame42"),
        "{}",
        s.status()
    );
    assert!(serves(&format!("{url}&access_code=Sesame42"), b"doc").await);

    // Panel: e, expiry never, empty code → changed in place, open link.
    s.press(ctrl('l')).await;
    assert!(s.screen().contains("in 2 days"), "{}", s.screen());
    s.press(k(KeyCode::Char('e'))).await;
    let mut keys = vec![KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)];
    keys.extend(vec![k(KeyCode::Backspace); 6]);
    keys.extend(text("never"));
    keys.push(k(KeyCode::Tab));
    keys.extend(vec![k(KeyCode::Backspace); 10]);
    keys.push(k(KeyCode::Enter));
    s.keys(keys).await;
    assert!(
        s.status()
            .starts_with("Link to doc.txt changed: expires never"),
        "{}",
        s.status()
    );
    let link = links_on(&nas.vfs).await.remove(0);
    assert_eq!((link.expires, link.access_code), (None, None));
    assert!(serves(&url, b"doc").await);
    // A bad expiry keeps the form open and says why.
    s.change_expiry("soon").await;
    assert!(s.rt.app.layers.share_form().is_some());
    assert!(s.screen().contains("Expiry:"), "{}", s.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_expired_link_no_longer_serves_and_change_recreates() {
    let nas = freebox_nas(true).await;
    write(&nas.disk, "brief.txt", b"short lived");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.rt.app.share.expire = "2s".into();
    s.go_to("brief.txt").await;
    s.press(k(KeyCode::F(2))).await;
    let url = s.clipboard.last().unwrap();
    assert!(serves(&url, b"short lived").await);
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    assert!(
        !serves(&url, b"short lived").await,
        "an expired link serves"
    );
    s.press(ctrl('l')).await;
    assert!(s.screen().contains("expired"), "{}", s.screen());

    // Changing the expiry on a Freebox re-creates the link: said, and the new URL copied.
    s.change_expiry("7d").await;
    let new_url = s.clipboard.last().unwrap();
    assert_ne!(new_url, url);
    assert!(
        s.status().contains("Re-created link to brief.txt"),
        "{}",
        s.status()
    );
    assert!(serves(&new_url, b"short lived").await);
    assert!(s.screen().contains("in 7 days"), "{}", s.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_without_remote_access_says_how_to_turn_it_on() {
    let nas = freebox_nas(false).await;
    write(&nas.disk, "a.txt", b"a");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("a.txt").await;
    s.press(k(KeyCode::F(2))).await;
    assert!(s.clipboard.texts().is_empty());
    assert!(s.status().contains("Remote access"), "{}", s.status());
    assert!(
        s.screen().contains("remote access is off"),
        "{}",
        s.screen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_clipboard_shows_the_url_to_select() {
    let nas = qnap_nas().await;
    write(&nas.disk, "x.txt", b"x");
    // System only, and no display: no route at all.
    let mut s = start(&nas, ClipboardMode::System, ClipboardEnv::default()).await;
    s.go_to("x.txt").await;
    s.press(k(KeyCode::F(2))).await;
    let url = links_on(&nas.vfs).await.remove(0).url;
    let screen = s.screen();
    assert!(screen.contains(&url), "{screen}");
    assert!(screen.contains("copy it by hand"), "{screen}");
    assert!(
        s.status().contains("no clipboard available"),
        "{}",
        s.status()
    );
    s.press(k(KeyCode::Esc)).await;
    assert!(s.rt.app.layers.revealed().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_pane_says_it_has_no_share_links() {
    let nas = qnap_nas().await;
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.press(k(KeyCode::Tab)).await;
    s.reload().await;
    for key in [k(KeyCode::F(2)), ctrl('l')] {
        s.press(key).await;
        assert!(
            s.status().starts_with("No share links on this pane"),
            "{}",
            s.status()
        );
    }
    assert!(s.clipboard.texts().is_empty());
    // F1 help and the key bar document the keys.
    assert!(s.screen().contains("2Link"), "{}", s.screen());
    s.press(k(KeyCode::F(1))).await;
    assert!(
        s.screen().contains("share link(s) for the selection"),
        "{}",
        s.screen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_default_access_code_is_left_out_and_said() {
    let nas = freebox_nas(true).await;
    write(&nas.disk, "open.txt", b"open");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.rt.app.share.access_code = true;
    s.go_to("open.txt").await;
    s.press(k(KeyCode::F(2))).await;
    let url = s.clipboard.last().expect("a URL despite the default code");
    assert!(
        s.status()
            .contains("without access code: this NAS has none"),
        "{}",
        s.status()
    );
    assert!(serves(&url, b"open").await);
    // The form offers no code at all (#18: only what the backend can do), so none can
    // be typed and then refused after OK.
    s.press(alt('l')).await;
    assert!(!s.screen().contains("Access code"), "{}", s.screen());
    s.press(k(KeyCode::Esc)).await;
    assert_eq!(links_on(&nas.vfs).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_options_dialog_offers_the_names_the_nas_reports() {
    let nas = qnap_nas_with(|cfg| {
        cfg.ddns_name = Some("nas.ddns.example".into());
        cfg.mycloud_name = Some("nas.myqnapcloud.example".into());
    })
    .await;
    let port = nas._emu.addr.port();
    write(&nas.disk, "holiday.jpg", b"\xff\xd8 beach");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("holiday.jpg").await;
    s.press(alt('l')).await;
    // The connection's address is the default; the NAS's names follow.
    let screen = s.screen();
    assert!(screen.contains("Host in the URL"), "{screen}");
    assert!(
        screen.contains(&format!("127.0.0.1:{port} (the address nascmd uses)")),
        "{screen}"
    );
    let form = s.rt.app.layers.share_form().unwrap();
    let offered: Vec<&str> = form.hosts.iter().map(|h| h.source.as_str()).collect();
    // (Its LAN IP is the loopback address nascmd uses: offered once.)
    assert_eq!(offered, ["the address nascmd uses", "myQNAPcloud", "DDNS"]);
    // Tab twice to the host row, Right twice: the DDNS name.
    s.keys(vec![
        k(KeyCode::Tab),
        k(KeyCode::Tab),
        k(KeyCode::Right),
        k(KeyCode::Right),
    ])
    .await;
    let ddns = format!("nas.ddns.example:{port}");
    assert!(
        s.screen().contains(&format!("{ddns} (DDNS)")),
        "{}",
        s.screen()
    );
    s.press(k(KeyCode::Enter)).await;
    let url = s.clipboard.last().expect("a URL");
    assert!(
        url.starts_with(&format!("http://{ddns}/share.cgi?ssid=")),
        "{url}"
    );
    // A recipient whose DNS sends the name to the NAS (Host: nas.ddns.example:PORT)…
    let resolving = reqwest::Client::builder()
        .resolve("nas.ddns.example", nas._emu.addr)
        .build()
        .unwrap();
    let body = resolving.get(&url).send().await.unwrap().bytes().await;
    assert_eq!(body.unwrap().as_ref(), b"\xff\xd8 beach");
    // …and one reaching it by its loopback address (another Host header): share.cgi
    // goes by the ssid alone.
    let loopback = url.replace("nas.ddns.example", "127.0.0.1");
    assert!(serves(&loopback, b"\xff\xd8 beach").await, "{loopback}");
    // The panel lists the link with the chosen host, and changing it keeps that host.
    s.press(ctrl('l')).await;
    assert!(s.screen().contains("nas.ddns.example"), "{}", s.screen());
    s.change_expiry("3d").await;
    assert!(s.status().contains("expires"), "{}", s.status());
    let panel = s.rt.app.layers.share_panel().unwrap();
    assert_eq!(panel.links.len(), 1);
    assert!(
        panel.links[0].url.starts_with(&format!("http://{ddns}/")),
        "{}",
        panel.links[0].url
    );
    assert!(s.screen().contains("in 3 days"), "{}", s.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_expired_link_no_longer_serves() {
    let nas = qnap_nas().await;
    write(&nas.disk, "brief.txt", b"short lived");
    // The NAS's clock starts two hours behind; a 1-hour link made now by its clock…
    nas.clock.set_offset_secs(-2 * 3_600);
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.rt.app.share.expire = "1h".into();
    s.go_to("brief.txt").await;
    s.press(k(KeyCode::F(2))).await;
    let url = s.clipboard.last().unwrap();
    assert!(serves(&url, b"short lived").await, "a fresh link serves");
    // …is dead once the NAS's clock catches up: two hours pass for it.
    nas.clock.advance(Duration::from_secs(2 * 3_600));
    assert!(
        !serves(&url, b"short lived").await,
        "an expired link serves"
    );
    let body = fetch_text(&url).await;
    assert!(body.contains("expired"), "{body}");
    s.press(ctrl('l')).await;
    let screen = s.screen();
    let row = screen
        .lines()
        .find(|l| l.contains("brief.txt") && l.contains("http"))
        .unwrap_or_else(|| panic!("no row for brief.txt:\n{screen}"));
    assert!(row.contains("expired"), "{row}");
    // F2 again makes a new link: an expired one is never copied.
    s.press(k(KeyCode::Esc)).await;
    s.press(k(KeyCode::F(2))).await;
    let fresh = s.clipboard.last().unwrap();
    assert_ne!(fresh, url);
    assert!(serves(&fresh, b"short lived").await);
}

async fn second_key_press_copies_the_same_link(nas: Nas) {
    write(&nas.disk, "twice.txt", b"once is enough");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.go_to("twice.txt").await;
    s.press(k(KeyCode::F(2))).await;
    let first = s.clipboard.last().unwrap();
    s.press(k(KeyCode::F(2))).await;
    assert_eq!(s.clipboard.texts().len(), 2, "copied a second time");
    assert_eq!(s.clipboard.last().unwrap(), first);
    assert!(
        s.status().starts_with(
            "twice.txt is already shared: copied the existing link (in 7 days) to the system clipboard"
        ),
        "{}",
        s.status()
    );
    assert_eq!(links_on(&nas.vfs).await.len(), 1);
    assert!(serves(&first, b"once is enough").await);
    // Asking for options (Alt-L, Enter) makes a new link on purpose.
    s.press(alt('l')).await;
    s.press(k(KeyCode::Enter)).await;
    let other = s.clipboard.last().unwrap();
    assert_ne!(other, first);
    assert_eq!(links_on(&nas.vfs).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qnap_second_key_press_copies_the_existing_link() {
    second_key_press_copies_the_same_link(qnap_nas().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_second_key_press_copies_the_existing_link() {
    second_key_press_copies_the_same_link(freebox_nas(true).await).await;
}

/// `nascmd share --host`: `list` prints the names the NAS reports; a name puts it in the
/// URL, which serves the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_share_takes_a_host() {
    let nas = qnap_nas_with(|cfg| cfg.ddns_name = Some("nas.ddns.example".into())).await;
    write(&nas.disk, "cli.txt", b"from the command line");
    let base = nas._emu.base_url.clone();
    let port = nas._emu.addr.port();
    let run = move |args: Vec<String>| {
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            let sb = support::sandbox::Sandbox::new();
            sb.write_config(&format!(
                "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{base}\"\nuser = \"alice\"\n"
            ));
            let o = sb
                .cmd()
                .env("NASCMD_PASSWORD", "pw")
                .args(&args)
                .output()
                .unwrap();
            support::sandbox::ok(&o);
            support::sandbox::text(&o.stdout)
        })
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let listed = run(args(&["share", "--host", "list", "nas:/Public"]))
        .await
        .unwrap();
    assert!(
        listed.contains(&format!("nas.ddns.example:{port}\tDDNS")),
        "{listed}"
    );
    let host = format!("nas.ddns.example:{port}");
    let out = run(args(&["share", "--host", &host, "nas:/Public/cli.txt"]))
        .await
        .unwrap();
    let url = out.lines().next().unwrap();
    assert!(
        url.starts_with(&format!("http://{host}/share.cgi?ssid=")),
        "{url}"
    );
    let loopback = url.replace("nas.ddns.example", "127.0.0.1");
    assert!(serves(&loopback, b"from the command line").await);
}

/// A Freebox picks its URLs' host itself; a profile's `share_host` replaces it in new
/// links, in the reused one and in the panel alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freebox_share_host_is_kept_by_reuse_and_panel() {
    let nas = freebox_nas(true).await;
    write(&nas.disk, "far.txt", b"far away");
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    let label = nas.vfs.label();
    s.rt.app
        .share
        .hosts
        .insert(label, "fbx.example.net:8443".into());
    s.go_to("far.txt").await;
    s.press(k(KeyCode::F(2))).await;
    let url = s.clipboard.last().unwrap();
    assert!(
        url.starts_with("http://fbx.example.net:8443/share/"),
        "{url}"
    );
    s.press(k(KeyCode::F(2))).await;
    assert_eq!(s.clipboard.last().unwrap(), url);
    assert!(s.status().contains("already shared"), "{}", s.status());
    assert_eq!(links_on(&nas.vfs).await.len(), 1);
    s.press(ctrl('l')).await;
    assert!(
        s.screen().contains("fbx.example.net:8443"),
        "{}",
        s.screen()
    );
    let port = nas._emu.addr.port();
    let local = url.replace("fbx.example.net:8443", &format!("127.0.0.1:{port}"));
    assert!(serves(&local, b"far away").await, "{local}");
}
