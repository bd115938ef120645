//! Thumbnails and picture previews (issue 17, part 1): the QNAP emulator's `get_thumb`
//! over HTTP, the backends' `Thumbnails` capability, and the quick view drawing a picture
//! as colour half-blocks.

use crate::support;

use image::{DynamicImage, GenericImageView, ImageFormat, Rgb, RgbImage};
use support::qnap::*;

/// A `w`×`h` picture, top half red, bottom half blue.
fn red_over_blue(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |_, y| {
        if y < h / 2 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    })
}

fn encoded(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img.clone())
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

async fn thumb(fx: &Fx, name: &str, size: &str) -> (reqwest::StatusCode, Option<String>, Vec<u8>) {
    let r = fx
        .util_raw(
            &fx.sid,
            &format!("func=get_thumb&path=/Public&name={name}{size}"),
        )
        .await;
    let status = r.status();
    let ctype = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, ctype, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn get_thumb_scales_each_format_to_the_asked_size_as_jpeg() {
    let fx = fixture().await;
    let pic = red_over_blue(1000, 500);
    for (name, format) in [
        ("p.png", ImageFormat::Png),
        ("p.gif", ImageFormat::Gif),
        ("p.webp", ImageFormat::WebP),
        ("p.jpg", ImageFormat::Jpeg),
    ] {
        std::fs::write(fx.path(&format!("Public/{name}")), encoded(&pic, format)).unwrap();
        for (size, want) in [("80", (80, 40)), ("320", (320, 160)), ("640", (640, 320))] {
            let (status, ctype, body) = thumb(&fx, name, &format!("&size={size}")).await;
            assert_eq!(status, 200, "{name} {size}");
            assert_eq!(ctype.as_deref(), Some("image/jpeg"), "{name} {size}");
            assert_eq!(image::guess_format(&body).unwrap(), ImageFormat::Jpeg);
            let got = image::load_from_memory(&body).unwrap();
            assert_eq!(got.dimensions(), want, "{name} at {size}");
            // Still red over blue (JPEG is lossy: roughly).
            let top = got.get_pixel(want.0 / 2, want.1 / 4);
            let bottom = got.get_pixel(want.0 / 2, want.1 * 3 / 4);
            assert!(top[0] > 200 && top[2] < 60, "{name}: top {top:?}");
            assert!(
                bottom[2] > 200 && bottom[0] < 60,
                "{name}: bottom {bottom:?}"
            );
        }
    }
    // A small picture is not enlarged; no size means 320.
    std::fs::write(
        fx.path("Public/small.png"),
        encoded(&red_over_blue(40, 20), ImageFormat::Png),
    )
    .unwrap();
    let (_, _, body) = thumb(&fx, "small.png", "").await;
    assert_eq!(
        image::load_from_memory(&body).unwrap().dimensions(),
        (40, 20)
    );
    let (_, _, body) = thumb(&fx, "p.png", "").await;
    assert_eq!(
        image::load_from_memory(&body).unwrap().dimensions(),
        (320, 160)
    );
}

#[tokio::test]
async fn get_thumb_of_a_non_image_is_an_empty_body_and_bad_sizes_are_refused() {
    let fx = fixture().await;
    let (status, _, body) = thumb(&fx, "a.txt", "&size=80").await;
    assert_eq!(status, 200);
    assert!(body.is_empty(), "{body:?}");
    // An image name over bytes that are not one: empty too.
    std::fs::write(fx.path("Public/fake.png"), b"not a picture").unwrap();
    let (_, _, body) = thumb(&fx, "fake.png", "&size=80").await;
    assert!(body.is_empty());
    let v = fx
        .util("func=get_thumb&path=/Public&name=a.txt&size=100")
        .await;
    assert_eq!(status_of(&v), 20);
    let v = fx
        .util("func=get_thumb&path=/Public&name=missing.png&size=80")
        .await;
    assert_eq!(status_of(&v), 5);
}

fn status_of(v: &serde_json::Value) -> i64 {
    support::qnap::status(v)
}

// ---------------------------------------------------------------- the backends

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::{App, Pane};
use nascmd::clipboard::ClipboardMode;
use nascmd::keymap::Keymap;
use nascmd::runtime::Runtime;
use nascmd::theme::Theme;
use nascmd::thumbnail::ThumbnailError;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn png(w: u32, h: u32) -> Vec<u8> {
    encoded(&red_over_blue(w, h), ImageFormat::Png)
}

async fn thumbnail_of(
    vfs: &VfsHandle,
    path: &str,
    max_side: u32,
) -> Result<Arc<DynamicImage>, ThumbnailError> {
    let feats = vfs.features();
    let t = feats.thumbnails.expect("declares thumbnails");
    t.thumbnail(&VPath::parse(path).unwrap(), max_side)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_qnap_pane_asks_get_thumb_and_never_downloads_the_file() {
    let nas = support::share::qnap_nas().await;
    std::fs::write(nas.disk.join("photo.png"), png(2000, 1000)).unwrap();
    std::fs::write(nas.disk.join("notes.txt"), b"hello").unwrap();
    nas.requests.clear();
    let img = thumbnail_of(&nas.vfs, "/Public/photo.png", 300)
        .await
        .unwrap();
    // QTS makes 320 (the smallest size covering 300), shrunk here to 300.
    assert_eq!(img.dimensions(), (300, 150));
    let log = nas.requests.lines().join("\n");
    assert!(log.contains("get_thumb"), "{log}");
    assert!(!log.contains("download"), "{log}");
    assert_eq!(
        thumbnail_of(&nas.vfs, "/Public/notes.txt", 80)
            .await
            .unwrap_err(),
        ThumbnailError::NotAnImage
    );
}

#[tokio::test]
async fn a_freebox_pane_reads_a_bounded_part_and_says_when_too_large() {
    let nas = support::share::freebox_nas(false).await;
    std::fs::write(nas.disk.join("photo.png"), png(400, 200)).unwrap();
    // Past the bound: a big file named like a picture is never read.
    let big = vec![0u8; (nascmd::thumbnail::MAX_SOURCE_BYTES + 1) as usize];
    std::fs::write(nas.disk.join("huge.jpg"), big).unwrap();
    let dir = nas.dir.as_str().to_owned();
    let img = thumbnail_of(&nas.vfs, &format!("{dir}/photo.png"), 100)
        .await
        .unwrap();
    assert_eq!(img.dimensions(), (100, 50));
    nas.requests.clear();
    let err = thumbnail_of(&nas.vfs, &format!("{dir}/huge.jpg"), 100)
        .await
        .unwrap_err();
    assert_eq!(err, ThumbnailError::TooLarge);
    assert!(err.to_string().contains("too large to preview"), "{err}");
    let log = nas.requests.lines().join("\n");
    assert!(
        !log.contains("/dl/"),
        "the big file was not downloaded: {log}"
    );
}

#[tokio::test]
async fn the_local_disk_scales_locally() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.webp"),
        encoded(&red_over_blue(90, 30), ImageFormat::WebP),
    )
    .unwrap();
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let p = dir.path().join("p.webp");
    let img = thumbnail_of(&vfs, p.to_str().unwrap(), 45).await.unwrap();
    assert_eq!(img.dimensions(), (45, 15));
}

// ---------------------------------------------------------------- quick view on screen

fn close(c: Color, want: (u8, u8, u8)) -> bool {
    match c {
        Color::Rgb(r, g, b) => {
            r.abs_diff(want.0) < 40 && g.abs_diff(want.1) < 40 && b.abs_diff(want.2) < 40
        }
        _ => false,
    }
}

/// The colours a half-block cell shows on its top and bottom halves.
fn halves(buf: &Buffer, x: u16, y: u16) -> Option<(Color, Color)> {
    let cell = &buf[(x, y)];
    match cell.symbol() {
        "▀" => Some((cell.fg, cell.bg)),
        "▄" => Some((cell.bg, cell.fg)),
        " " => Some((cell.bg, cell.bg)),
        _ => None,
    }
}

/// Rows (within columns `x0..x1`) whose cells show red, and rows showing blue: the
/// picture is red over blue when there are both and every red row is above every blue.
fn red_over_blue_on_screen(buf: &Buffer, x0: u16, x1: u16) -> Result<(), String> {
    const RED: (u8, u8, u8) = (255, 0, 0);
    const BLUE: (u8, u8, u8) = (0, 0, 255);
    let (mut red, mut blue) = (Vec::new(), Vec::new());
    for y in 0..buf.area.height {
        for x in x0..x1 {
            let Some((top, bottom)) = halves(buf, x, y) else {
                continue;
            };
            if close(top, RED) || close(bottom, RED) {
                red.push(y);
            }
            if close(top, BLUE) || close(bottom, BLUE) {
                blue.push(y);
            }
        }
    }
    let show = || format!("red rows {red:?}, blue rows {blue:?}");
    if red.len() < 20 || blue.len() < 20 {
        return Err(format!("too few picture cells: {}", show()));
    }
    if red.iter().max() > blue.iter().min() {
        return Err(format!("not red over blue: {}", show()));
    }
    Ok(())
}

/// The commander at 80×24 with both panes on the local folder `dir`, its listings in.
async fn local_commander(dir: &std::path::Path) -> Runtime<TestBackend> {
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let here = VPath::parse(dir.to_str().unwrap()).unwrap();
    let (app, cmds) = App::new(
        Pane::new(vfs.clone(), here.clone()),
        Pane::new(vfs, here),
        Keymap::default(),
        Theme::built_in_default(),
    );
    let terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut rt = Runtime::new(terminal, app, cmds).unwrap();
    // The listings first, so that Down lands on the file.
    rt.run_until_idle(
        futures_util::stream::iter(Vec::<std::io::Result<Event>>::new()),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    rt
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_view_draws_a_local_picture_in_half_blocks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("photo.png"), png(64, 64)).unwrap();
    let mut rt = local_commander(dir.path()).await;
    // Down to photo.png (below ".."), then Ctrl-Q: the right pane shows it.
    let keys = [KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), ctrl('q')];
    let input = futures_util::stream::iter(keys.into_iter().map(|k| Ok(Event::Key(k))));
    rt.run_until_idle(input, Duration::from_secs(60))
        .await
        .unwrap();
    let buf = rt.terminal.backend().buffer().clone();
    let right: String = (0..buf.area.height)
        .map(|y| (40..80).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
        .collect();
    assert!(right.contains("photo.png"), "{right}");
    assert!(right.contains("picture"), "{right}");
    red_over_blue_on_screen(&buf, 41, 79).unwrap_or_else(|e| panic!("{e}\n{right}"));
    // Nothing of it in the active (left) pane.
    assert!(red_over_blue_on_screen(&buf, 0, 40).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_view_draws_a_qnap_picture_from_its_thumbnail() {
    let nas = support::share::qnap_nas().await;
    std::fs::write(nas.disk.join("photo.png"), png(640, 640)).unwrap();
    std::fs::write(nas.disk.join("notes.txt"), b"just text").unwrap();
    let mut s = support::share::start(&nas, ClipboardMode::System, support::share::desktop()).await;
    s.reload().await;
    s.go_to("photo.png").await;
    nas.requests.clear();
    s.press(ctrl('q')).await;
    let buf = s.rt.terminal.backend().buffer().clone();
    // The NAS pane is on the right (140 columns): the view stands on the left.
    red_over_blue_on_screen(&buf, 1, 69).unwrap_or_else(|e| panic!("{e}\n{}", s.screen()));
    assert!(s.screen().contains("picture"), "{}", s.screen());
    let log = nas.requests.lines().join("\n");
    assert!(log.contains("get_thumb"), "{log}");
    assert!(!log.contains("download"), "{log}");
    // A text file next to it is text again.
    s.go_to("notes.txt").await;
    assert!(s.screen().contains("just text"), "{}", s.screen());
}

/// The answer to the thumbnail request is lost on the way (the connection is cut as
/// it starts): the thumbnail is asked again and the picture shows (it said "network
/// error").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_view_asks_a_lost_thumbnail_again() {
    let mut nas = support::share::qnap_nas().await;
    std::fs::write(nas.disk.join("photo.png"), png(640, 640)).unwrap();
    let relay = support::outage::OutageRelay::start(nas._emu.addr, None).await;
    nas.vfs = std::sync::Arc::new(
        nascmd::nas::qnap::QnapVfs::connect(nascmd::nas::qnap::QnapConfig {
            base_url: relay.url(),
            user: "alice".into(),
            password: nascmd::secret::Secret::new("pw"),
            ..Default::default()
        })
        .await
        .unwrap(),
    );
    let mut s = support::share::start(&nas, ClipboardMode::System, support::share::desktop()).await;
    s.reload().await;
    s.go_to("photo.png").await;
    relay.lose_answers_to("func=get_thumb", 1);
    s.press(ctrl('q')).await;
    let buf = s.rt.terminal.backend().buffer().clone();
    red_over_blue_on_screen(&buf, 1, 69).unwrap_or_else(|e| panic!("{e}\n{}", s.screen()));
    assert_eq!(relay.lost(), 1, "the answer was not lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f3_on_a_picture_shows_it_and_f4_shows_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("photo.png"), png(64, 64)).unwrap();
    let mut rt = local_commander(dir.path()).await;
    let press = |keys: Vec<KeyEvent>| {
        futures_util::stream::iter(keys.into_iter().map(|k| Ok(Event::Key(k))))
    };
    let down = KeyEvent::new(KeyCode::Down, KeyModifiers::NONE);
    let f3 = KeyEvent::new(KeyCode::F(3), KeyModifiers::NONE);
    rt.run_until_idle(press(vec![down, f3]), Duration::from_secs(60))
        .await
        .unwrap();
    let buf = rt.terminal.backend().buffer().clone();
    let title: String = (0..80).map(|x| buf[(x, 0)].symbol()).collect();
    assert!(title.contains("picture"), "{title}");
    red_over_blue_on_screen(&buf, 0, 80).unwrap();
    let f4 = KeyEvent::new(KeyCode::F(4), KeyModifiers::NONE);
    rt.run_until_idle(press(vec![f4]), Duration::from_secs(60))
        .await
        .unwrap();
    let buf = rt.terminal.backend().buffer().clone();
    let screen: String = (0..24)
        .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
        .collect();
    // The PNG signature, in hex.
    assert!(
        screen.contains("89 50 4e 47") || screen.contains("89 50 4E 47"),
        "{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_f3_picture_is_laid_out_again_after_a_resize() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("photo.png"), png(64, 64)).unwrap();
    let mut rt = local_commander(dir.path()).await;
    let down = KeyEvent::new(KeyCode::Down, KeyModifiers::NONE);
    let f3 = KeyEvent::new(KeyCode::F(3), KeyModifiers::NONE);
    rt.run_until_idle(
        futures_util::stream::iter([down, f3].map(|k| Ok(Event::Key(k)))),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    let lowest_picture_row = |buf: &Buffer| {
        (0..buf.area.height)
            .filter(|&y| {
                (0..buf.area.width).any(|x| {
                    halves(buf, x, y)
                        .is_some_and(|(t, b)| close(t, (0, 0, 255)) || close(b, (0, 0, 255)))
                })
            })
            .max()
    };
    let before = lowest_picture_row(rt.terminal.backend().buffer()).unwrap();
    assert!(before < 23, "{before}");
    // The terminal grows to 120×40: the picture is fitted to it, not left at 80×22.
    rt.terminal.backend_mut().resize(120, 40);
    rt.run_until_idle(
        futures_util::stream::iter([Ok(Event::Resize(120, 40))]),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    let buf = rt.terminal.backend().buffer().clone();
    red_over_blue_on_screen(&buf, 0, 120).unwrap();
    let after = lowest_picture_row(&buf).unwrap();
    assert!(after > 30, "the picture still ends at row {after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hex_rows_of_a_narrow_quick_view_are_whole() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..=255u8).collect();
    std::fs::write(dir.path().join("bin.dat"), &bytes).unwrap();
    let mut rt = local_commander(dir.path()).await;
    let keys = [KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), ctrl('q')];
    let input = futures_util::stream::iter(keys.into_iter().map(|k| Ok(Event::Key(k))));
    rt.run_until_idle(input, Duration::from_secs(60))
        .await
        .unwrap();
    let buf = rt.terminal.backend().buffer().clone();
    let right: Vec<String> = (0..buf.area.height)
        .map(|y| (40..80).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect();
    let all = right.join("\n");
    assert!(all.contains("hex"), "{all}");
    // 38 columns inside the border: 8 bytes a row without the text column (16 with it
    // would not fit), each row whole, ending before the border.
    let first = right
        .iter()
        .find(|l| l.contains("00000000"))
        .unwrap_or_else(|| panic!("{all}"));
    assert!(
        first.contains("00000000  00 01 02 03 04 05 06 07 "),
        "{all}"
    );
    assert!(first.ends_with('│'), "{all}");
    assert!(all.contains("00000008  08 09 0a 0b 0c 0d 0e 0f"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_tab_gives_the_keys_to_the_quick_view_which_scrolls() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..200).map(|i| format!("line number {i}\n")).collect();
    std::fs::write(dir.path().join("a.txt"), &text).unwrap();
    std::fs::write(dir.path().join("b.txt"), b"bravo file\n").unwrap();
    let mut rt = local_commander(dir.path()).await;
    let key = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    let run = |keys: Vec<KeyEvent>| {
        futures_util::stream::iter(keys.into_iter().map(|k| Ok(Event::Key(k))))
    };
    let right = |rt: &Runtime<TestBackend>| -> String {
        let buf = rt.terminal.backend().buffer();
        (0..buf.area.height)
            .map(|y| (40..80).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
            .collect()
    };
    rt.run_until_idle(
        run(vec![key(KeyCode::Down), ctrl('q')]),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert!(right(&rt).contains("line number 0"), "{}", right(&rt));
    // The keys go to the view: PgDn scrolls it, the pane's cursor stays on a.txt.
    rt.run_until_idle(
        run(vec![
            key(KeyCode::BackTab),
            key(KeyCode::PageDown),
            key(KeyCode::Down),
        ]),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    let view = right(&rt);
    assert!(
        !view.contains("line number 0\n") && !view.contains("line number 0 "),
        "{view}"
    );
    assert!(view.contains("line number 30"), "{view}");
    assert!(view.contains("a.txt"), "{view}");
    // Shift-Tab again: the pane has the keys, Down moves to b.txt.
    rt.run_until_idle(
        run(vec![key(KeyCode::BackTab), key(KeyCode::Down)]),
        Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert!(right(&rt).contains("bravo file"), "{}", right(&rt));
}

// ---------------------------------------------------------------- share panel: mail

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_share_panel_mails_a_link_through_the_nas() {
    use support::share::{desktop, k, start, text};
    let mut outbox = None;
    let nas = support::share::qnap_nas_with(|cfg| outbox = Some(cfg.outbox.clone())).await;
    let outbox = outbox.unwrap();
    std::fs::write(nas.disk.join("report.pdf"), b"the report").unwrap();
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.reload().await;
    s.go_to("report.pdf").await;
    s.press(k(KeyCode::F(2))).await;
    s.press(ctrl('l')).await;
    s.press(KeyEvent::new(KeyCode::Char('m'), KeyModifiers::NONE))
        .await;
    let screen = s.screen();
    assert!(screen.contains("E-mail a link to report.pdf"), "{screen}");
    // A wrong address is refused in the form; then two good ones, a subject, a message.
    let mut keys = text("nobody");
    keys.push(k(KeyCode::Enter));
    s.keys(keys).await;
    assert!(outbox.sent().is_empty());
    assert!(
        s.screen().contains("E-mail a link to report.pdf"),
        "{}",
        s.screen()
    );
    let mut keys = vec![ctrl('u')];
    keys.extend(text("ann@example.com, bob@example.org"));
    keys.push(k(KeyCode::Tab));
    keys.push(ctrl('u'));
    keys.extend(text("The report"));
    keys.push(k(KeyCode::Tab));
    keys.extend(text("Here it is."));
    keys.push(k(KeyCode::Enter));
    s.keys(keys).await;
    let sent = outbox.sent();
    assert_eq!(sent.len(), 1, "{}", s.screen());
    let mail = &sent[0];
    assert_eq!(mail.to, ["ann@example.com", "bob@example.org"]);
    assert_eq!(mail.subject, "The report");
    assert_eq!(mail.message, "Here it is.");
    assert_eq!(mail.links.len(), 1);
    assert!(
        s.screen().contains("e-mailed a link to report.pdf"),
        "{}",
        s.screen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_freebox_the_mail_key_says_the_box_cannot() {
    use support::share::{desktop, k, start};
    let nas = support::share::freebox_nas(true).await;
    std::fs::write(nas.disk.join("a.bin"), b"abc").unwrap();
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.reload().await;
    s.go_to("a.bin").await;
    s.press(k(KeyCode::F(2))).await;
    s.press(ctrl('l')).await;
    s.press(KeyEvent::new(KeyCode::Char('m'), KeyModifiers::NONE))
        .await;
    let screen = s.screen();
    assert!(screen.contains("cannot e-mail links"), "{screen}");
    assert!(!screen.contains("E-mail a link to"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_key_is_share_mail_in_keys_and_works_from_a_nas_pane() {
    use support::share::{alt, desktop, k, start};
    let nas = support::share::qnap_nas().await;
    std::fs::write(nas.disk.join("report.pdf"), b"the report").unwrap();
    let mut s = start(&nas, ClipboardMode::System, desktop()).await;
    s.reload().await;
    s.go_to("report.pdf").await;
    // The default key, m, in the pane: the share panel opens with the mail form.
    s.press(KeyEvent::new(KeyCode::Char('m'), KeyModifiers::NONE))
        .await;
    assert!(
        s.screen().contains("E-mail a link to report.pdf"),
        "{}",
        s.screen()
    );
    s.press(k(KeyCode::Esc)).await;
    s.press(k(KeyCode::Esc)).await;
    // [keys] share_mail = "alt-w": m is no longer the mail key, Alt-W is (pane and panel).
    let mut o = std::collections::BTreeMap::new();
    o.insert("share_mail".to_owned(), "alt-w".to_owned());
    s.rt.app.keymap = nascmd::keymap::Keymap::with_overrides(&o).0;
    s.press(KeyEvent::new(KeyCode::Char('m'), KeyModifiers::NONE))
        .await;
    assert!(!s.screen().contains("E-mail a link to"), "{}", s.screen());
    s.press(k(KeyCode::F(2))).await;
    s.press(ctrl('l')).await;
    s.press(KeyEvent::new(KeyCode::Char('m'), KeyModifiers::NONE))
        .await;
    assert!(!s.screen().contains("E-mail a link to"), "{}", s.screen());
    s.press(alt('w')).await;
    assert!(
        s.screen().contains("E-mail a link to report.pdf"),
        "{}",
        s.screen()
    );
}
