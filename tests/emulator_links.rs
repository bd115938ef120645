//! Issue 16 item 3: the emulators never follow a link out of their root. Each attack of
//! the issue, through the real emulators over HTTP: the outside file keeps its bytes and
//! mtime, and nothing new appears in the sentinel folder beside the root. Also: a link
//! inside the root still lists, and a link pointing out can be deleted (its target
//! survives). The rule is written in docs/EMULATOR.md, "Links and the root".

use crate::support;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use support::freebox_api::{Fbx, P, V, names as fbx_names, tok, ws_cmd, ws_connect, ws_reply};
use support::qnap::{Fx, fixture, names as qnap_names, status};

/// A folder beside the emulator's root holding one file the attacks aim at.
struct Outside {
    dir: tempfile::TempDir,
    secret: PathBuf,
    mtime: SystemTime,
}

const SECRET: &[u8] = b"outside the root: never to be read or written (31337)";

impl Outside {
    fn new() -> Outside {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, SECRET).unwrap();
        // An old, exact mtime: any write would change it.
        let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        std::fs::File::options()
            .write(true)
            .open(&secret)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        Outside { dir, secret, mtime }
    }

    /// A path in the sentinel folder that must never come to exist.
    fn fresh(&self) -> PathBuf {
        self.dir.path().join("fresh")
    }

    /// `../…/<sentinel folder>/secret` with `ups` times `..`: from a folder `ups` levels
    /// below the root it names a missing entry inside the root; one level higher, it
    /// reaches the outside file (the sentinel folder and the root are siblings).
    fn relative(&self, ups: usize) -> PathBuf {
        let mut p = PathBuf::new();
        for _ in 0..ups {
            p.push("..");
        }
        p.push(self.dir.path().file_name().unwrap());
        p.push("secret");
        p
    }

    #[track_caller]
    fn untouched(&self) {
        assert_eq!(std::fs::read(&self.secret).unwrap(), SECRET);
        let m = std::fs::metadata(&self.secret).unwrap();
        assert_eq!(m.modified().unwrap(), self.mtime);
        let names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["secret"], "something new appeared outside the root");
    }
}

/// Every link under `root` that resolves must resolve inside it.
#[track_caller]
fn no_link_leads_out(root: &Path) {
    let root = root.canonicalize().unwrap();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.file_type().is_symlink() {
                if let Ok(c) = p.canonicalize() {
                    assert!(
                        c.starts_with(&root),
                        "{} leads to {}",
                        p.display(),
                        c.display()
                    );
                }
            } else if m.is_dir() {
                stack.push(p);
            }
        }
    }
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

// ------------------------------------------------------------------------------ QNAP

async fn qnap_job(fx: &Fx, func: &str, query: &str) -> Value {
    let v = fx.util(&format!("func={func}&{query}")).await;
    let pid = v["pid"].as_i64().unwrap_or_else(|| panic!("no pid: {v}"));
    let status_func = if func == "copy" {
        "get_copy_status"
    } else {
        "get_move_status"
    };
    fx.wait_job(status_func, pid).await
}

fn qnap_tree(fx: &Fx, out: &Outside) {
    std::fs::create_dir_all(fx.path("Public/src")).unwrap();
    std::fs::create_dir_all(fx.path("Public/tgt")).unwrap();
    std::fs::write(fx.path("Public/src/evil"), b"EVIL").unwrap();
    symlink(&out.secret, fx.path("Public/tgt/evil")).unwrap();
}

#[tokio::test]
async fn qnap_copy_onto_a_link_out_replaces_the_link_never_the_outside_file() {
    for mode in ["mode=0", "overwrite=1"] {
        let fx = fixture().await;
        let out = Outside::new();
        qnap_tree(&fx, &out);
        qnap_job(
            &fx,
            "copy",
            &format!(
                "source_path=/Public/src&source_file=evil&source_total=1&dest_path=/Public/tgt&{mode}"
            ),
        )
        .await;
        out.untouched();
        assert!(!is_link(&fx.path("Public/tgt/evil")), "{mode}");
        assert_eq!(std::fs::read(fx.path("Public/tgt/evil")).unwrap(), b"EVIL");
    }
}

#[tokio::test]
async fn qnap_copy_onto_a_dangling_link_creates_nothing_outside() {
    for mode in ["mode=1", "mode=2"] {
        let fx = fixture().await;
        let out = Outside::new();
        std::fs::create_dir_all(fx.path("Public/src")).unwrap();
        std::fs::create_dir_all(fx.path("Public/tgt")).unwrap();
        std::fs::write(fx.path("Public/src/evil"), b"EVIL").unwrap();
        symlink(out.fresh(), fx.path("Public/tgt/evil")).unwrap();
        qnap_job(
            &fx,
            "copy",
            &format!(
                "source_path=/Public/src&source_file=evil&source_total=1&dest_path=/Public/tgt&{mode}"
            ),
        )
        .await;
        assert!(!out.fresh().exists(), "{mode}");
        out.untouched();
    }
}

#[tokio::test]
async fn qnap_folder_merge_copy_never_writes_through_a_link() {
    let fx = fixture().await;
    let out = Outside::new();
    std::fs::create_dir_all(fx.path("Public/src/d")).unwrap();
    std::fs::create_dir_all(fx.path("Public/tgt/d")).unwrap();
    std::fs::write(fx.path("Public/src/d/evil"), b"EVIL").unwrap();
    std::fs::write(fx.path("Public/src/d/new"), b"NEW").unwrap();
    symlink(&out.secret, fx.path("Public/tgt/d/evil")).unwrap();
    symlink(out.fresh(), fx.path("Public/tgt/d/new")).unwrap();
    qnap_job(
        &fx,
        "copy",
        "source_path=/Public/src&source_file=d&source_total=1&dest_path=/Public/tgt&mode=0",
    )
    .await;
    out.untouched();
    assert_eq!(
        std::fs::read(fx.path("Public/tgt/d/evil")).unwrap(),
        b"EVIL"
    );
    assert_eq!(std::fs::read(fx.path("Public/tgt/d/new")).unwrap(), b"NEW");
}

#[tokio::test]
async fn qnap_move_never_carries_a_link_that_would_point_out() {
    let fx = fixture().await;
    let out = Outside::new();
    // Public/m/deep/link points inside from there (to a missing name in the root)…
    std::fs::create_dir_all(fx.path("Public/m/deep")).unwrap();
    let target = out.relative(3);
    symlink(&target, fx.path("Public/m/deep/link")).unwrap();
    assert!(!fx.path("Public/m/deep/link").exists());
    // …and would reach the outside file one level higher.
    qnap_job(
        &fx,
        "move",
        "source_path=/Public/m&source_file=deep&source_total=1&dest_path=/Public&mode=0",
    )
    .await;
    assert!(
        is_link(&fx.path("Public/m/deep/link")),
        "the move went ahead"
    );
    assert!(!fx.path("Public/deep").exists());
    no_link_leads_out(&fx.root);
    // A link itself, moved up: refused the same way.
    qnap_job(
        &fx,
        "move",
        "source_path=/Public/m/deep&source_file=link&source_total=1&dest_path=/Public/m&mode=0",
    )
    .await;
    assert!(is_link(&fx.path("Public/m/deep/link")));
    no_link_leads_out(&fx.root);
    out.untouched();
}

#[tokio::test]
async fn qnap_a_link_out_is_deleted_as_a_link_and_its_target_survives() {
    let fx = fixture().await;
    let out = Outside::new();
    symlink(&out.secret, fx.path("Public/out")).unwrap();
    symlink(out.fresh(), fx.path("Public/dangling")).unwrap();
    for name in ["out", "dangling"] {
        let v = fx
            .util(&format!(
                "func=delete&path=/Public&file_name={name}&file_total=1"
            ))
            .await;
        assert_eq!(status(&v), 1, "{name}: {v}");
        assert!(std::fs::symlink_metadata(fx.path(&format!("Public/{name}"))).is_err());
    }
    out.untouched();
}

#[tokio::test]
async fn qnap_links_inside_still_list_and_read_links_out_do_not() {
    let fx = fixture().await;
    let out = Outside::new();
    symlink("a.txt", fx.path("Public/near")).unwrap();
    symlink(&out.secret, fx.path("Public/out")).unwrap();
    let listed = fx.util("func=get_list&path=/Public").await;
    let names = qnap_names(&listed);
    assert!(names.contains(&"near".to_string()), "{names:?}");
    assert!(names.contains(&"out".to_string()), "{names:?}");
    // Through the link inside: the file it names.
    let r = fx
        .util_raw(
            &fx.sid,
            "func=download&source_path=/Public&source_file=near&source_total=1",
        )
        .await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"0123456789");
    // Through the link out: never the outside bytes.
    let r = fx
        .util_raw(
            &fx.sid,
            "func=download&source_path=/Public&source_file=out&source_total=1",
        )
        .await;
    let body = r.bytes().await.unwrap();
    assert!(!body.windows(SECRET.len()).any(|w| w == SECRET));
    out.untouched();
}

#[tokio::test]
async fn qnap_reserved_names_cannot_be_made() {
    let fx = fixture().await;
    for q in [
        "func=rename&path=/Public&source_name=a.txt&dest_name=.nascmd-upload-abcdef012345",
        "func=rename&path=/Public&source_name=a.txt&dest_name=.@upload_cache",
        "func=createdir&dest_path=/Public&dest_folder=.@upload_cache",
        "func=createdir&dest_path=/Public&dest_folder=.nascmd-upload-0123456789ab",
    ] {
        assert_eq!(status(&fx.util(q).await), 12, "{q}");
    }
    let r = fx
        .upload(
            "dest_path=/Public&overwrite=1",
            "file",
            ".nascmd-upload-zzzzzzzzzzzz",
            b"x",
        )
        .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(status(&v), 12);
    assert!(fx.path("Public/a.txt").is_file());
    assert!(!fx.path("Public/.@upload_cache").exists());
}

// --------------------------------------------------------------------------- Freebox

const PLANTED: &str = ".fbxemu-upload.evil.txt.part";

/// What the old fixed temporary name would have been, planted as a link out (the state
/// the rename-then-move trick reached).
fn plant(dir: &Path, out: &Outside) {
    symlink(&out.secret, dir.join(PLANTED)).unwrap();
}

#[tokio::test]
async fn freebox_a_reserved_name_cannot_be_made_by_rename_mkdir_or_upload() {
    let f = Fbx::ready().await;
    let (_, v) = f
        .post(
            "/api/v8/fs/rename/",
            json!({"src": tok("/Disque dur/a.txt"), "dst": PLANTED}),
        )
        .await;
    assert_eq!(v["success"], false, "{v}");
    assert!(f.disk().join("a.txt").is_file());
    let (_, v) = f
        .post(
            "/api/v8/fs/mkdir/",
            json!({"parent": V, "dirname": PLANTED}),
        )
        .await;
    assert_eq!(v["success"], false, "{v}");
    let (_, v) = f
        .post(
            "/api/v3/upload/",
            json!({"dirname": V, "upload_name": PLANTED}),
        )
        .await;
    assert_eq!(v["success"], false, "{v}");
    let mut ws = ws_connect(&f).await;
    let v = ws_cmd(
        &mut ws,
        json!({"action":"upload_start","dirname":V,"filename":PLANTED,"force":"overwrite"}),
    )
    .await;
    assert_eq!(v["success"], false, "{v}");
    assert!(!f.disk().join(PLANTED).exists());
}

#[tokio::test]
async fn freebox_legacy_upload_never_writes_through_a_planted_temporary() {
    let f = Fbx::ready().await;
    let out = Outside::new();
    plant(f.disk(), &out);
    let (_, v) = f
        .post(
            "/api/v3/upload/",
            json!({"dirname": V, "upload_name": "evil.txt"}),
        )
        .await;
    let id = v["result"]["id"].as_u64().unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"EVIL".to_vec()).file_name("evil.txt"),
    );
    let (_, v) = f
        .send(
            f.http
                .post(f.url(&format!("/api/v3/upload/{id}/send")))
                .multipart(form),
            false,
        )
        .await;
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(std::fs::read(f.disk().join("evil.txt")).unwrap(), b"EVIL");
    out.untouched();
}

#[tokio::test]
async fn freebox_websocket_upload_never_writes_through_or_reports_a_planted_temporary() {
    let f = Fbx::ready().await;
    let out = Outside::new();
    plant(f.disk(), &out);
    let mut ws = ws_connect(&f).await;
    // `missing`: no conflict, and never the outside file's size.
    let v = ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":1,"dirname":V,"filename":"evil.txt"}),
    )
    .await;
    assert_ne!(v["file_size"], json!(SECRET.len()), "{v}");
    assert_eq!(v["success"], true, "{v}");
    ws_cmd(&mut ws, json!({"action":"upload_cancel","request_id":2})).await;
    for force in ["overwrite", "resume"] {
        let v = ws_cmd(
            &mut ws,
            json!({"action":"upload_start","request_id":3,"dirname":V,"filename":"evil.txt","force":force}),
        )
        .await;
        assert_eq!(v["success"], true, "{force}: {v}");
        ws.send(Message::Binary(b"EVIL".to_vec().into()))
            .await
            .unwrap();
        ws_reply(&mut ws).await;
        let v = ws_cmd(&mut ws, json!({"action":"upload_finalize","request_id":4})).await;
        assert_eq!(v["success"], true, "{force}: {v}");
        out.untouched();
    }
    // `resume` started from the file in place (EVIL), then added EVIL.
    assert_eq!(
        std::fs::read(f.disk().join("evil.txt")).unwrap(),
        b"EVILEVIL"
    );
    assert!(
        is_link(&f.disk().join(PLANTED)),
        "the planted link is left alone"
    );
}

#[tokio::test]
async fn freebox_copy_never_writes_through_a_planted_temporary() {
    let f = Fbx::ready().await;
    let out = Outside::new();
    std::fs::write(f.disk().join("evil.txt"), b"EVIL").unwrap();
    plant(&f.disk().join("Photos"), &out);
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [tok("/Disque dur/evil.txt")], "dst": P, "mode": "overwrite"}),
        )
        .await;
    let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(t["state"], "done", "{t}");
    assert_eq!(
        std::fs::read(f.disk().join("Photos/evil.txt")).unwrap(),
        b"EVIL"
    );
    out.untouched();
}

#[tokio::test]
async fn freebox_move_never_carries_a_link_that_would_point_out() {
    let f = Fbx::ready().await;
    let out = Outside::new();
    std::fs::create_dir_all(f.disk().join("m/deep")).unwrap();
    symlink(out.relative(2), f.disk().join("m/deep/link")).unwrap();
    let (_, v) = f
        .post(
            "/api/v8/fs/mv/",
            json!({"files": [tok("/Disque dur/m/deep")], "dst": V, "mode": "overwrite"}),
        )
        .await;
    let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(t["state"], "failed", "{t}");
    assert!(is_link(&f.disk().join("m/deep/link")));
    assert!(!f.disk().join("deep").exists());
    no_link_leads_out(f.disk());
    out.untouched();
}

#[tokio::test]
async fn freebox_copy_carries_inside_links_and_skips_those_that_would_point_out() {
    let f = Fbx::ready().await;
    let out = Outside::new();
    std::fs::create_dir_all(f.disk().join("m/deep")).unwrap();
    symlink(out.relative(2), f.disk().join("m/deep/link")).unwrap();
    symlink("../../a.txt", f.disk().join("m/deep/near")).unwrap();
    std::fs::write(f.disk().join("m/deep/file"), b"F").unwrap();
    std::fs::create_dir(f.disk().join("n")).unwrap();
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [tok("/Disque dur/m/deep")], "dst": tok("/Disque dur/n"), "mode": "overwrite"}),
        )
        .await;
    f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    // Same depth: both links copied as links (from there, both still point inside).
    assert!(is_link(&f.disk().join("n/deep/near")));
    assert!(is_link(&f.disk().join("n/deep/link")));
    assert_eq!(
        std::fs::read(f.disk().join("n/deep/near")).unwrap(),
        b"0123456789"
    );
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [tok("/Disque dur/m/deep")], "dst": V, "mode": "overwrite"}),
        )
        .await;
    let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(t["state"], "done", "{t}");
    // One level higher: the link that would point out is skipped, the rest copied.
    assert_eq!(std::fs::read(f.disk().join("deep/file")).unwrap(), b"F");
    assert!(std::fs::symlink_metadata(f.disk().join("deep/link")).is_err());
    no_link_leads_out(f.disk());
    out.untouched();
}

#[tokio::test]
async fn freebox_a_link_out_is_removed_as_a_link_and_its_target_survives() {
    let f = Fbx::ready().await;
    let out = Outside::new();
    symlink(&out.secret, f.disk().join("out")).unwrap();
    symlink(out.fresh(), f.disk().join("dangling")).unwrap();
    let (_, v) = f
        .post(
            "/api/v8/fs/rm/",
            json!({"files": [tok("/Disque dur/out"), tok("/Disque dur/dangling")]}),
        )
        .await;
    let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(t["state"], "done", "{t}");
    assert!(std::fs::symlink_metadata(f.disk().join("out")).is_err());
    assert!(std::fs::symlink_metadata(f.disk().join("dangling")).is_err());
    out.untouched();
}

#[tokio::test]
async fn freebox_links_inside_still_list_and_links_out_never_read() {
    let f = Fbx::ready().await;
    let out = Outside::new();
    symlink("a.txt", f.disk().join("near")).unwrap();
    symlink(&out.secret, f.disk().join("out")).unwrap();
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}")).await;
    let names = fbx_names(&v["result"]);
    assert!(names.contains(&"near".to_string()), "{names:?}");
    assert!(names.contains(&"out".to_string()), "{names:?}");
    let near = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "near")
        .unwrap();
    assert_eq!(near["size"], 10);
    let out_entry = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "out")
        .unwrap();
    assert_ne!(out_entry["size"], json!(SECRET.len()));
    let body = f
        .http
        .get(f.url(&format!("/api/v8/dl/{}", tok("/Disque dur/near"))))
        .header("X-Fbx-App-Auth", &f.session)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.as_ref(), b"0123456789");
    let body = f
        .http
        .get(f.url(&format!("/api/v8/dl/{}", tok("/Disque dur/out"))))
        .header("X-Fbx-App-Auth", &f.session)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(!body.windows(SECRET.len()).any(|w| w == SECRET));
    out.untouched();
}

// ------------------------------------------------------------------------ share pages

#[tokio::test]
async fn qnap_share_pages_never_serve_what_a_link_out_names() {
    let fx = fixture().await;
    let out = Outside::new();
    symlink(&out.secret, fx.path("Public/docs/out")).unwrap();
    std::fs::write(fx.path("Public/f"), b"F").unwrap();
    let mut urls = Vec::new();
    for name in ["docs", "f"] {
        let v = fx
            .util(&format!(
                "func=get_share_link&path=/Public&file_name={name}&file_total=1&valid_duration=forever"
            ))
            .await;
        urls.push(v["links"][0]["link_url"].as_str().unwrap().to_string());
    }
    // The shared file becomes a link out after the link was made.
    std::fs::remove_file(fx.path("Public/f")).unwrap();
    symlink(&out.secret, fx.path("Public/f")).unwrap();
    for url in &urls {
        let body = fx
            .http
            .get(url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(!body.windows(SECRET.len()).any(|w| w == SECRET), "{url}");
    }
    out.untouched();
}

#[tokio::test]
async fn freebox_share_pages_never_serve_what_a_link_out_names() {
    let f = Fbx::ready().await;
    let out = Outside::new();
    std::fs::create_dir(f.disk().join("d")).unwrap();
    std::fs::write(f.disk().join("d/in.txt"), b"IN").unwrap();
    symlink(&out.secret, f.disk().join("d/out")).unwrap();
    let (_, v) = f
        .post(
            "/api/v8/share_link/",
            json!({"path": tok("/Disque dur/d"), "expire": 0, "fullurl": ""}),
        )
        .await;
    let token = v["result"]["token"].as_str().unwrap().to_owned();
    let get = |path: String| {
        let http = f.http.clone();
        let url = f.url(&path);
        async move { http.get(url).send().await.unwrap().bytes().await.unwrap() }
    };
    let index = get(format!("/share/{token}/d/")).await;
    assert!(String::from_utf8_lossy(&index).contains("in.txt"));
    assert_eq!(
        get(format!("/share/{token}/d/in.txt")).await.as_ref(),
        b"IN"
    );
    let body = get(format!("/share/{token}/d/out")).await;
    assert!(!body.windows(SECRET.len()).any(|w| w == SECRET));
    out.untouched();
}
