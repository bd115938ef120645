//! `nascmd emulate …` and Ctrl-C: open requests get a few seconds, a second Ctrl-C ends
//! it at once, and a stalled client never keeps it up.

use crate::support;

use std::process::Stdio;
use std::time::Duration;

use support::qnap::{PW_EZ, cdata};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStderr};

/// Hang guard only: the emulator gives open requests 3 s.
const DEADLINE: Duration = Duration::from_secs(30);

struct Served {
    child: Child,
    base: String,
    stderr: Lines<BufReader<ChildStderr>>,
    _root: tempfile::TempDir,
}

/// `nascmd emulate qnap` over a folder holding a file bigger than any socket buffer.
async fn emulate_qnap() -> Served {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("Public")).unwrap();
    // Sparse: 256 MiB of zeros that take no disk.
    let big = std::fs::File::create(root.path().join("Public/big.bin")).unwrap();
    big.set_len(256 << 20).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_nascmd"))
        .args([
            "emulate",
            "qnap",
            "--listen",
            "127.0.0.1:0",
            "--user",
            "alice",
        ])
        .arg("--root")
        .arg(root.path())
        .env("NASCMD_EMULATOR_PASSWORD", "pw")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = out.next_line().await.unwrap().unwrap();
    let base = line.strip_prefix("listening on ").unwrap().to_string();
    let stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    Served {
        child,
        base,
        stderr,
        _root: root,
    }
}

/// Starts downloading the big file on a raw connection and reads only the first bytes of
/// the reply: the server then waits for ever on a full socket.
async fn stalled_download(base: &str) -> TcpStream {
    let login = reqwest::get(format!(
        "{base}/cgi-bin/authLogin.cgi?user=alice&pwd={PW_EZ}"
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let sid = cdata(&login, "authSid").expect("login failed");
    let addr = base.strip_prefix("http://").unwrap();
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /cgi-bin/filemanager/utilRequest.cgi?func=download&source_path=/Public\
         &source_file=big.bin&isfolder=0&source_total=1&sid={sid} HTTP/1.1\r\n\
         Host: {addr}\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    tcp.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200", "the download started");
    tcp
}

fn interrupt(child: &Child) {
    let pid = child.id().expect("still running").to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Reads stderr until a line containing `needle`, within the hang guard.
async fn stderr_line(s: &mut Served, needle: &str) -> String {
    tokio::time::timeout(DEADLINE, async {
        loop {
            match s.stderr.next_line().await.unwrap() {
                Some(line) if line.contains(needle) => return line,
                Some(_) => {}
                None => panic!("stderr ended before a line with {needle:?}"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no line with {needle:?} on stderr"))
}

async fn exits(s: &mut Served) -> std::process::ExitStatus {
    tokio::time::timeout(DEADLINE, s.child.wait())
        .await
        .expect("the emulator is still running after Ctrl-C")
        .unwrap()
}

#[tokio::test]
async fn ctrl_c_gives_a_stalled_download_a_grace_period_then_exits() {
    let mut s = emulate_qnap().await;
    let _held = stalled_download(&s.base).await;
    interrupt(&s.child);
    stderr_line(&mut s, "Ctrl-C again stops now").await;
    stderr_line(&mut s, "still open after the grace period were dropped").await;
    assert!(exits(&mut s).await.success());
}

#[tokio::test]
async fn a_second_ctrl_c_stops_at_once() {
    let mut s = emulate_qnap().await;
    let _held = stalled_download(&s.base).await;
    interrupt(&s.child);
    // The first one was seen (two signals sent together would count as one).
    stderr_line(&mut s, "Ctrl-C again stops now").await;
    interrupt(&s.child);
    stderr_line(&mut s, "stopped at once").await;
    assert!(exits(&mut s).await.success());
}

#[tokio::test]
async fn ctrl_c_with_nothing_open_stops_quietly() {
    let mut s = emulate_qnap().await;
    interrupt(&s.child);
    stderr_line(&mut s, "Ctrl-C again stops now").await;
    assert!(exits(&mut s).await.success());
    // Nothing was dropped, so nothing more is said.
    assert_eq!(s.stderr.next_line().await.unwrap(), None);
}
