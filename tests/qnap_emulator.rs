//! Conformance of the QNAP emulator with `shared/protocols/qnap.md` Part C: one test per
//! row C01–C30, each as real HTTP requests to a server on loopback over a temp folder.

use crate::support;

use std::time::Duration;

use nascmd::emulator::qnap;
use reqwest::StatusCode;
use serde_json::Value;
use support::qnap::*;

// ---------------------------------------------------------------- C01–C06: login

#[tokio::test]
async fn c01_login_post_with_service_key() {
    let fx = fixture().await;
    let r = fx
        .http
        .post(fx.url("/cgi-bin/authLogin.cgi"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("user=alice&pwd={PW_EZ}&serviceKey=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/xml");
    let body = r.text().await.unwrap();
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<QDocRoot version=\"1.0\">")
    );
    assert_eq!(cdata(&body, "authPassed").as_deref(), Some("1"));
    let sid = cdata(&body, "authSid").unwrap();
    assert_eq!(sid.len(), 8);
    assert!(
        sid.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert_eq!(cdata(&body, "isAdmin").as_deref(), Some("1"));
    assert_eq!(cdata(&body, "username").as_deref(), Some("alice"));
    assert!(cdata(&body, "groupname").is_some());
}

#[tokio::test]
async fn c02_login_wrong_password() {
    let fx = fixture().await;
    let body = fx
        .http
        .get(fx.url("/cgi-bin/authLogin.cgi?user=alice&pwd=d3Jvbmc%3D&serviceKey=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(cdata(&body, "authPassed").as_deref(), Some("0"));
    assert_eq!(cdata(&body, "errorValue").as_deref(), Some("-1"));
    assert_eq!(cdata(&body, "username").as_deref(), Some(""));
    assert!(!body.contains("authSid"));
}

#[tokio::test]
async fn c03_login_get_without_service_key_and_plain_pwd() {
    let fx = fixture().await;
    for q in [
        format!("user=alice&pwd={PW_EZ}"),
        "user=alice&plain_pwd=pw".to_string(),
    ] {
        let r = fx
            .http
            .get(fx.url(&format!("/cgi-bin/authLogin.cgi?{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "text/xml");
        let body = r.text().await.unwrap();
        assert_eq!(cdata(&body, "authPassed").as_deref(), Some("1"), "{q}");
        assert_eq!(cdata(&body, "authSid").unwrap().len(), 8);
    }
}

#[tokio::test]
async fn c04_two_step_verification() {
    let fx = fixture().await;
    let first = fx
        .http
        .get(fx.url(&format!(
            "/cgi-bin/authLogin.cgi?user=carol&pwd={PW_EZ}&serviceKey=1"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(cdata(&first, "authPassed").as_deref(), Some("0"));
    assert_eq!(cdata(&first, "need_2sv").as_deref(), Some("1"));
    assert!(cdata(&first, "lost_phone").is_some());
    assert!(!first.contains("authSid"));
    let code = qnap::current_totp(TOTP_SECRET).unwrap();
    let second = fx
        .http
        .get(fx.url(&format!(
            "/cgi-bin/authLogin.cgi?user=carol&pwd={PW_EZ}&serviceKey=1&security_code={code}"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(cdata(&second, "authPassed").as_deref(), Some("1"));
    let sid = cdata(&second, "authSid").unwrap();
    let v = fx.util_as(&sid, "func=get_list&path=/Public").await;
    assert_eq!(v["total"], 3);
}

#[tokio::test]
async fn c05_session_check() {
    let fx = fixture().await;
    let ok = fx
        .http
        .get(fx.url(&format!("/cgi-bin/authLogin.cgi?sid={}", fx.sid)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(cdata(&ok, "authPassed").as_deref(), Some("1"));
    assert_eq!(cdata(&ok, "username").as_deref(), Some("alice"));
    assert!(cdata(&ok, "userid").is_some());
    let bad = fx
        .http
        .get(fx.url("/cgi-bin/authLogin.cgi?sid=bogus123"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        bad.ends_with(
            "<QDocRoot version=\"1.0\"><authPassed><![CDATA[0]]></authPassed></QDocRoot>"
        )
    );
}

#[tokio::test]
async fn c06_logout_then_status_3() {
    let fx = fixture().await;
    let r = fx
        .http
        .post(fx.url("/cgi-bin/authLogout.cgi"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("sid={}&logout=1", fx.sid))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v = fx.util("func=get_list&path=/Public").await;
    assert_eq!(status(&v), 3);
    assert_eq!(v["success"], "true");
    // The other logout variants.
    let s2 = fx.login("alice").await;
    fx.http
        .get(fx.url(&format!("/cgi-bin/authLogin.cgi?logout=1&sid={s2}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(&fx.util_as(&s2, "func=get_list&path=/Public").await),
        3
    );
    let s3 = fx.login("alice").await;
    let v = fx
        .http
        .get(fx.url(&format!("/cgi-bin/filemanager/wfm2Logout.cgi?sid={s3}")))
        .send()
        .await
        .unwrap();
    assert_eq!(v.status(), StatusCode::OK);
    assert_eq!(
        status(&fx.util_as(&s3, "func=get_list&path=/Public").await),
        3
    );
}

// ---------------------------------------------------------------- C07–C12: browsing

#[tokio::test]
async fn c07_get_tree_share_root() {
    let fx = fixture().await;
    let r = fx
        .util_raw(&fx.sid, "func=get_tree&is_iso=0&node=share_root")
        .await;
    let text = r.text().await.unwrap();
    assert!(text.ends_with("]\n"));
    assert!(text.contains("\"id\": \"\\/Public\""));
    let v: Value = serde_json::from_str(&text).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    for item in arr {
        assert!(item.get("status").is_none());
        assert_eq!(item["cls"], "w");
        assert_eq!(item["iconCls"], "folder");
        assert_eq!(item["draggable"], 0);
        assert!(item["recycle_bin"].is_string());
        assert!(item["recycle_folder"].is_string());
        assert!(item["max_item_limit"].is_i64());
        assert_eq!(item["real_total"], 2);
    }
    assert_eq!(arr[1]["text"], "Public");
    assert_eq!(arr[1]["id"], "/Public");
}

#[tokio::test]
async fn c08_get_list_root_is_status_5() {
    let fx = fixture().await;
    let r = fx
        .util_raw(
            &fx.sid,
            "func=get_list&path=/&list_mode=all&start=0&limit=100",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.text().await.unwrap(),
        "{ \"version\": \"5.5.6.5208\", \"build\": \"20250715\", \"status\": 5, \"success\": \"true\" }\n"
    );
}

#[tokio::test]
async fn c09_get_list_first_page() {
    let fx = fixture().await;
    let v = fx
        .util("func=get_list&path=/Public&list_mode=all&start=0&limit=2&sort=filename&dir=ASC")
        .await;
    assert!(v.get("status").is_none());
    assert_eq!(v["total"], 3);
    assert_eq!(v["real_total"], 3);
    let d = v["datas"].as_array().unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d[0]["filename"], "docs");
    assert_eq!(d[0]["isfolder"], 1);
    assert_eq!(d[0]["filesize"], "4096");
    assert_eq!(d[1]["filename"], "a.txt");
    assert_eq!(d[1]["filesize"], "10");
    assert!(d[1]["epochmt"].is_i64());
    let mt = d[1]["mt"].as_str().unwrap();
    assert_eq!(mt.len(), 19);
    assert_eq!(&mt[4..5], "/");
    assert_eq!(&mt[13..14], ":");
    let prv = d[1]["privilege"].as_str().unwrap();
    assert!(prv.len() == 3 && prv.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(d[1]["iscommpressed"], 0);
    assert_eq!(d[1]["exist"], 1);
}

#[tokio::test]
async fn c10_get_list_second_page() {
    let fx = fixture().await;
    let q = "func=get_list&path=/Public&list_mode=all&limit=2&sort=filename&dir=ASC";
    let p1 = fx.util(&format!("{q}&start=0")).await;
    let p2 = fx.util(&format!("{q}&start=2")).await;
    assert_eq!(p2["total"], 3);
    assert_eq!(names(&p2), vec!["b.txt"]);
    let mut all = names(&p1);
    all.extend(names(&p2));
    assert_eq!(all, vec!["docs", "a.txt", "b.txt"]);
}

#[tokio::test]
async fn c11_get_list_missing_folder() {
    let fx = fixture().await;
    assert_eq!(status(&fx.util("func=get_list&path=/Public/nope").await), 5);
}

#[tokio::test]
async fn c12_stat_existing_and_missing() {
    let fx = fixture().await;
    let v = fx
        .util("func=stat&path=/Public&file_name=a.txt&file_total=1")
        .await;
    assert!(v.get("status").is_none());
    assert_eq!(v["datas"][0]["exist"], 1);
    assert_eq!(v["datas"][0]["filesize"], "10");
    let listed = fx.util("func=get_list&path=/Public").await;
    let keys = |e: &Value| e.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&v["datas"][0]), keys(&listed["datas"][0]));
    let z = fx
        .util("func=stat&path=/Public&file_name=zzz&file_total=1")
        .await;
    assert!(z.get("status").is_none());
    assert_eq!(z["datas"][0]["filename"], "zzz");
    assert_eq!(z["datas"][0]["exist"], 0);
    // Path-only form, and settime.
    let item = fx.util("func=stat&path=/Public/a.txt").await;
    assert_eq!(item["datas"][0]["filesize"], "10");
    fx.util("func=stat&path=/Public&file_name=a.txt&file_total=1&settime=1&mtime=1000000000")
        .await;
    let after = fx
        .util("func=stat&path=/Public&file_name=a.txt&file_total=1")
        .await;
    assert_eq!(after["datas"][0]["epochmt"], 1_000_000_000);
}

// ---------------------------------------------------------------- C13–C20: operations

#[tokio::test]
async fn c13_createdir() {
    let fx = fixture().await;
    let q = "func=createdir&dest_path=/Public&dest_folder=new";
    assert_eq!(status(&fx.util(q).await), 1);
    assert!(fx.path("Public/new").is_dir());
    assert_eq!(status(&fx.util(q).await), 33);
    assert_eq!(
        status(
            &fx.util("func=createdir&dest_path=/Public/x/y&dest_folder=z")
                .await
        ),
        5
    );
}

#[tokio::test]
async fn c13_createdir_legacy_profile() {
    let fx = fixture_with(|c| c.legacy_profile = true).await;
    let q = "func=createdir&dest_path=/Public&dest_folder=new";
    assert_eq!(status(&fx.util(q).await), 1);
    assert_eq!(status(&fx.util(q).await), 2);
    // Older firmware prints nothing for a missing required parameter.
    let r = fx.util_raw(&fx.sid, "func=rename&path=/Public").await;
    assert_eq!(r.text().await.unwrap(), "");
}

#[tokio::test]
async fn c14_rename() {
    let fx = fixture().await;
    assert_eq!(
        status(
            &fx.util("func=rename&path=/Public&source_name=a.txt&dest_name=b.txt")
                .await
        ),
        2
    );
    assert_eq!(std::fs::read(fx.path("Public/b.txt")).unwrap(), b"bee");
    assert_eq!(
        status(
            &fx.util("func=rename&path=/Public&source_name=a.txt&dest_name=c.txt")
                .await
        ),
        1
    );
    assert!(fx.path("Public/c.txt").exists() && !fx.path("Public/a.txt").exists());
    assert_eq!(
        status(
            &fx.util("func=rename&path=/Public&filename=b.txt&dest_name=d.txt")
                .await
        ),
        20
    );
    assert!(fx.path("Public/b.txt").exists());
}

#[tokio::test]
async fn c15_delete() {
    let fx = fixture().await;
    std::fs::write(fx.path("Public/c.txt"), b"c").unwrap();
    let v = fx
        .util("func=delete&path=/Public&file_total=2&file_name=b.txt&file_name=c.txt")
        .await;
    assert_eq!(status(&v), 1);
    assert!(!fx.path("Public/b.txt").exists() && !fx.path("Public/c.txt").exists());
    assert_eq!(
        status(
            &fx.util("func=delete&path=/Public&file_name=ghost&file_total=1")
                .await
        ),
        0
    );
    assert_eq!(
        status(
            &fx.util("func=delete&path=/Public/nope&file_name=a.txt&file_total=1")
                .await
        ),
        5
    );
    // POST form body with extra parameters, deleting a folder.
    let r = fx
        .http
        .post(fx.url(&format!(
            "/cgi-bin/filemanager/utilRequest.cgi?func=delete&sid={}",
            fx.sid
        )))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("path=%2FPublic&file_total=1&file_name=docs&v=2&force=1")
        .send()
        .await
        .unwrap();
    assert_eq!(status(&r.json::<Value>().await.unwrap()), 1);
    assert!(!fx.path("Public/docs").exists());
}

#[tokio::test]
async fn c16_copy_async_with_progress() {
    let fx = fixture().await;
    let v = fx
        .util("func=copy&source_path=/Public&source_file=a.txt&source_total=1&dest_path=/Backups&mode=1")
        .await;
    assert_eq!(status(&v), 1);
    let pid = v["pid"].as_i64().unwrap();
    let p = fx.wait_job("get_copy_status", pid).await;
    assert!(p["the_num"].is_string() && p["filesize"].is_string() && p["files"].is_string());
    assert!(p["filename"].is_string());
    assert!(p["copying"].is_i64());
    assert_eq!(
        std::fs::read(fx.path("Backups/a.txt")).unwrap(),
        b"0123456789"
    );
}

#[tokio::test]
async fn c17_copy_mode_skip_and_overwrite() {
    let fx = fixture().await;
    std::fs::write(fx.path("Backups/a.txt"), b"changed").unwrap();
    let q = "func=copy&source_path=/Public&source_file=a.txt&source_total=1&dest_path=/Backups";
    let v = fx.util(&format!("{q}&mode=1")).await;
    fx.wait_job("get_copy_status", v["pid"].as_i64().unwrap())
        .await;
    assert_eq!(std::fs::read(fx.path("Backups/a.txt")).unwrap(), b"changed");
    let v = fx.util(&format!("{q}&mode=0")).await;
    fx.wait_job("get_copy_status", v["pid"].as_i64().unwrap())
        .await;
    assert_eq!(
        std::fs::read(fx.path("Backups/a.txt")).unwrap(),
        b"0123456789"
    );
}

#[tokio::test]
async fn c18_copy_into_itself_and_dup() {
    let fx = fixture().await;
    let v = fx
        .util(
            "func=copy&source_path=/Public&source_file=docs&source_total=1&dest_path=/Public/docs",
        )
        .await;
    assert_eq!(status(&v), 12);
    let v = fx
        .util("func=copy&source_path=/Public&source_file=a.txt&source_total=1&dest_path=/Public&dup=copy")
        .await;
    fx.wait_job("get_copy_status", v["pid"].as_i64().unwrap())
        .await;
    assert_eq!(
        std::fs::read(fx.path("Public/a-copy(1).txt")).unwrap(),
        b"0123456789"
    );
}

#[tokio::test]
async fn c19_move_needs_source_total_ignores_dest_file() {
    let fx = fixture().await;
    let v = fx
        .util("func=move&source_path=/Public&source_file=a.txt&dest_path=/Backups")
        .await;
    assert_eq!(status(&v), 1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(fx.path("Public/a.txt").exists());
    let v = fx
        .util("func=move&source_path=/Public&source_file=a.txt&dest_path=/Backups&source_total=1&dest_file=z.txt")
        .await;
    assert_eq!(status(&v), 1);
    fx.wait_job("get_move_status", v["pid"].as_i64().unwrap())
        .await;
    assert!(fx.path("Backups/a.txt").exists());
    assert!(!fx.path("Backups/z.txt").exists());
    assert!(!fx.path("Public/a.txt").exists());
}

#[tokio::test]
async fn c20_move_errors() {
    let fx = fixture().await;
    let q = "func=move&source_path=/Public&source_total=1";
    assert_eq!(
        status(
            &fx.util(&format!("{q}&source_file=a.txt&dest_path=/Nope"))
                .await
        ),
        25
    );
    assert_eq!(
        status(
            &fx.util(&format!("{q}&source_file=ghost&dest_path=/Backups"))
                .await
        ),
        5
    );
}

#[tokio::test]
async fn copy_cancel_and_unknown_pid() {
    let fx = fixture().await;
    let v = fx.util("func=get_copy_status&pid=999999").await;
    assert_eq!(status(&v), 1);
    assert_eq!(v["percent"], 0);
    let v = fx
        .util("func=copy&source_path=/Public&source_file=docs&source_total=1&dest_path=/Backups&mode=0")
        .await;
    let pid = v["pid"].as_i64().unwrap();
    assert_eq!(
        status(&fx.util(&format!("func=cancel_copy&pid={pid}")).await),
        1
    );
    fx.wait_job("get_copy_status", pid).await;
}

// ---------------------------------------------------------------- C21–C23: upload

#[tokio::test]
async fn c21_upload_any_part_name() {
    let fx = fixture().await;
    for (part, name) in [("file", "n.bin"), ("files[]", "m.bin"), ("", "o.bin")] {
        let data = vec![42u8; 100_000];
        let q = format!("dest_path=/Public&overwrite=1&progress=-Public-{name}");
        let r = fx.upload(&q, part, name, &data).await;
        assert_eq!(
            status(&r.json::<Value>().await.unwrap()),
            1,
            "part {part:?}"
        );
        let v = fx
            .util(&format!(
                "func=stat&path=/Public&file_name={name}&file_total=1"
            ))
            .await;
        assert_eq!(v["datas"][0]["filesize"], "100000");
        assert_eq!(
            std::fs::read(fx.path(&format!("Public/{name}"))).unwrap(),
            data
        );
    }
    // No temp file left behind.
    let leftovers: Vec<_> = std::fs::read_dir(fx.path("Public"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

#[tokio::test]
async fn c22_chunked_upload_is_411_html() {
    let fx = fixture().await;
    let (ct, body) = multipart("file", "n.bin", b"data");
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let r = fx
        .http
        .post(fx.url(&format!(
            "/cgi-bin/filemanager/utilRequest.cgi?func=upload&type=standard&sid={}&dest_path=/Public&overwrite=1",
            fx.sid
        )))
        .header("Content-Type", ct)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::LENGTH_REQUIRED);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().contains("<html>"));
    assert!(!fx.path("Public/n.bin").exists());
}

#[tokio::test]
async fn c23_upload_without_overwrite_keeps_file() {
    let fx = fixture().await;
    let r = fx
        .upload(
            "dest_path=/Public&overwrite=0",
            "file",
            "a.txt",
            b"new content",
        )
        .await;
    assert_eq!(status(&r.json::<Value>().await.unwrap()), 2);
    assert_eq!(
        std::fs::read(fx.path("Public/a.txt")).unwrap(),
        b"0123456789"
    );
}

// ---------------------------------------------------------------- C24–C30: download, search, misc

#[tokio::test]
async fn c24_download_file() {
    let fx = fixture().await;
    let r = fx.util_raw(&fx.sid, DL_A).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/force-download");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"a.txt\""
    );
    assert_eq!(r.headers()["content-length"], "10");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"0123456789");
}

#[tokio::test]
async fn c25_download_range() {
    let fx = fixture().await;
    let r = fx
        .http
        .get(fx.url(&format!(
            "/cgi-bin/filemanager/utilRequest.cgi?{DL_A}&sid={}",
            fx.sid
        )))
        .header("Range", "bytes=2-5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()["content-range"], "bytes 2-5/10");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"2345");
}

#[tokio::test]
async fn c26_download_with_expired_sid() {
    let fx = fixture_with(|c| c.faults.session_lifetime = Some(Duration::from_millis(300))).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = fx.util_raw(&fx.sid, DL_A).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(status(&v), 3);
}

#[tokio::test]
async fn c27_download_folder_as_zip() {
    let fx = fixture().await;
    let r = fx
        .util_raw(
            &fx.sid,
            "func=download&source_path=/Public&source_file=docs&isfolder=1&source_total=1",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"docs.zip\""
    );
    assert!(r.headers().get("content-length").is_none());
    let files = unzip(&r.bytes().await.unwrap());
    assert_eq!(
        files["docs/readme.md"],
        std::fs::read(fx.path("Public/docs/readme.md")).unwrap()
    );
    assert_eq!(
        files["docs/sub/deep.bin"],
        std::fs::read(fx.path("Public/docs/sub/deep.bin")).unwrap()
    );
    assert!(files.contains_key("docs/sub/"));
    // Several items: download_<time>.zip.
    let r = fx
        .util_raw(
            &fx.sid,
            "func=download&source_path=/Public&source_file=a.txt&source_file=b.txt&source_total=2",
        )
        .await;
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.starts_with("attachment; filename=\"download_"), "{cd}");
    let files = unzip(&r.bytes().await.unwrap());
    assert_eq!(files["a.txt"], b"0123456789");
    assert_eq!(files["b.txt"], b"bee");
}

#[tokio::test]
async fn c28_search() {
    let fx = fixture().await;
    let v = fx
        .util("func=search&source_path=/Public&keyword=A.T&start=0&limit=50&sort=filename&dir=ASC")
        .await;
    assert_eq!(v["total"], 1);
    assert_eq!(
        v["datas"][0]["filename"],
        "/share/CACHEDEV1_DATA/Public/a.txt"
    );
    let deep = fx
        .util("func=search&source_path=/Public&keyword=DEEP&start=0&limit=50")
        .await;
    assert_eq!(
        deep["datas"][0]["filename"],
        "/share/CACHEDEV1_DATA/Public/docs/sub/deep.bin"
    );
}

#[tokio::test]
async fn c28_search_volume_configurable() {
    let fx = fixture_with(|c| c.volume = "MD0_DATA".into()).await;
    let v = fx
        .util("func=search&source_path=/Public&keyword=a.t&start=0&limit=50")
        .await;
    assert_eq!(v["datas"][0]["filename"], "/share/MD0_DATA/Public/a.txt");
}

#[tokio::test]
async fn c29_unknown_func() {
    let fx = fixture().await;
    let v = fx.util("func=no_such_func").await;
    assert_eq!(status(&v), 20);
    assert_eq!(v["success"], "true");
}

#[tokio::test]
async fn c30_path_info_download_and_recycle_root() {
    let fx = fixture().await;
    let r = fx
        .http
        .get(fx.url(&format!(
            "/cgi-bin/filemanager/utilRequest.cgi/a.txt?{DL_A}&sid={}",
            fx.sid
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"a.txt\""
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"0123456789");
    assert_eq!(
        status(&fx.util("func=get_tree&node=recycle_root").await),
        16
    );
}

/// A FIFO in the served folder never holds a request: its download is refused at once,
/// and a folder zip leaves it out.
#[tokio::test]
async fn a_fifo_in_the_root_is_not_served() {
    let fx = fixture().await;
    support::fifo::mkfifo(fx.path("Public/docs/pipe"));
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        fx.util_raw(
            &fx.sid,
            "func=download&source_path=/Public/docs&source_file=pipe&isfolder=0&source_total=1",
        ),
    )
    .await
    .expect("the download waited on the FIFO");
    let body = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&body).expect("an error status, not file bytes");
    assert_ne!(status(&v), 1, "{v}");

    let r = tokio::time::timeout(
        Duration::from_secs(10),
        fx.util_raw(
            &fx.sid,
            "func=download&source_path=/Public&source_file=docs&isfolder=1&source_total=1",
        ),
    )
    .await
    .expect("the zip waited on the FIFO");
    let files = unzip(&r.bytes().await.unwrap());
    assert!(files.contains_key("docs/readme.md"), "{:?}", files.keys());
    assert!(!files.contains_key("docs/pipe"));
}
