//! The non-interactive subcommands against the QNAP and Freebox emulators (real HTTP
//! servers on loopback over temp folders), run as the real binary.

use crate::support;

use std::os::unix::fs::PermissionsExt;

use nascmd::emulator::qnap::{QnapEmulatorConfig, QnapUser};
use support::sandbox::{Sandbox, code, make_tree, ok, snapshot, text};
use support::served::Served;

const USER: &str = "alice";
const PASS: &str = "correct horse 7";

/// A QNAP emulator with a `Public` share, kept running by its runtime.
struct Qnap {
    served: Served,
    root: tempfile::TempDir,
    outbox: nascmd::emulator::qnap::Outbox,
}

impl Qnap {
    fn start_with(users: Vec<QnapUser>) -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("Public")).unwrap();
        let mut cfg = QnapEmulatorConfig::new(root.path(), USER, PASS);
        cfg.users = users;
        let outbox = cfg.outbox.clone();
        Qnap {
            served: Served::qnap(cfg),
            root,
            outbox,
        }
    }

    fn start() -> Self {
        Self::start_with(vec![QnapUser::new(USER, PASS)])
    }

    fn url(&self) -> String {
        self.served.url()
    }

    fn public(&self) -> std::path::PathBuf {
        self.root.path().join("Public")
    }

    /// Adds `[[remote]] nas` to the sandbox's config (no secret stored).
    fn profile(&self, sb: &Sandbox) {
        sb.write_config(&format!(
            "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"{USER}\"\n",
            self.url()
        ));
    }

    fn http_get(&self, url: &str) -> (u16, Vec<u8>) {
        self.served.http_get(url)
    }

    /// A TLS front with a self-signed certificate of its own before the emulator.
    fn tls_front(&self) -> support::tls_front::TlsFront {
        let addr = self.served.addr();
        self.served
            .rt
            .block_on(support::tls_front::TlsFront::start(addr))
    }
}

/// `nascmd ARGS` in `sb`, the NAS password in the environment, nothing on stdin.
fn run_with_pass(sb: &Sandbox, args: &[&str]) -> std::process::Output {
    sb.cmd()
        .env("NASCMD_PASSWORD", PASS)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn qnap_round_trip_of_a_nested_tree() {
    let nas = Qnap::start();
    let sb = Sandbox::new();
    nas.profile(&sb);
    let src = sb.path().join("photos");
    make_tree(&src);
    let want = snapshot(&src);
    let run = |args: &[&str]| {
        sb.cmd()
            .env("NASCMD_PASSWORD", PASS)
            .args(args)
            .output()
            .unwrap()
    };

    // put -r, as a new user would.
    ok(&run(&["put", "-r", "photos", "nas:/Public/"]));
    assert_eq!(snapshot(&nas.public().join("photos")), want);

    // ls --json sees it.
    let o = run(&["ls", "--json", "nas:/Public"]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let photos = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "photos")
        .unwrap();
    assert_eq!(photos["kind"], "dir");
    let o = run(&["ls", "-l", "nas:/Public/photos/sub"]);
    ok(&o);
    assert!(text(&o.stdout).contains(" 300000 "), "{}", text(&o.stdout));

    // get -r back, bytes equal.
    ok(&run(&["get", "-r", "nas:/Public/photos", "back"]));
    assert_eq!(snapshot(&sb.path().join("back")), want);

    // cp within the NAS, mv within the NAS, mkdir, rm.
    ok(&run(&["mkdir", "-p", "nas:/Public/a/b"]));
    assert!(nas.public().join("a/b").is_dir());
    ok(&run(&["cp", "-r", "nas:/Public/photos", "nas:/Public/a/b"]));
    assert_eq!(snapshot(&nas.public().join("a/b/photos")), want);
    ok(&run(&[
        "mv",
        "nas:/Public/photos/a.txt",
        "nas:/Public/a/moved.txt",
    ]));
    assert!(!nas.public().join("photos/a.txt").exists());
    assert_eq!(
        std::fs::read(nas.public().join("a/moved.txt")).unwrap(),
        std::fs::read(src.join("a.txt")).unwrap()
    );
    ok(&run(&["rm", "-r", "nas:/Public/a"]));
    assert!(!nas.public().join("a").exists());

    // search finds a file three levels down.
    let o = run(&["search", "nas:/Public", "cat"]);
    ok(&o);
    assert!(
        text(&o.stdout)
            .lines()
            .any(|l| l == "/Public/photos/sub/deeper/deepest/cat.jpg"),
        "{}",
        text(&o.stdout)
    );

    // share prints a URL that serves the photo.
    let o = run(&["share", "nas:/Public/photos/sub/deeper/deepest/cat.jpg"]);
    ok(&o);
    let url = text(&o.stdout).lines().next().unwrap().to_owned();
    let (status, body) = nas.http_get(&url);
    assert_eq!(status, 200, "{url}");
    assert_eq!(
        body,
        std::fs::read(src.join("sub/deeper/deepest/cat.jpg")).unwrap()
    );

    // The URL form works too, without a profile.
    let o = sb
        .cmd()
        .env("NASCMD_PASSWORD", PASS)
        .args([
            "ls",
            &format!(
                "qnap://{USER}@{}/Public/photos",
                nas.url().trim_start_matches("http://")
            ),
        ])
        .output()
        .unwrap();
    ok(&o);
    assert!(text(&o.stdout).lines().any(|l| l == "sub"));
}

/// A QNAP on https with a self-signed certificate: without a terminal the command
/// refuses and says how to pin it; pinned by `remote add --cert-sha256` or trusted
/// earlier (`known_certs.toml`), it works; a changed certificate is refused.
#[test]
fn self_signed_https_is_refused_until_pinned() {
    let nas = Qnap::start();
    let front = nas.tls_front();
    let https = format!("https://{}", front.addr);
    let sb = Sandbox::new();
    std::fs::write(nas.public().join("over-tls.txt"), b"tls").unwrap();
    let run = |args: &[&str]| run_with_pass(&sb, args);
    let url_target = format!("qnaps://{USER}@{}/Public", front.addr);
    let o = run(&["ls", &url_target]);
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains(&front.fingerprint), "{err}");
    assert!(err.contains("--cert-sha256"), "{err}");
    assert!(o.stdout.is_empty());

    // Pinned in a profile.
    let o = run(&[
        "remote",
        "add",
        "tls",
        "--qnap",
        &https,
        "--user",
        USER,
        "--cert-sha256",
        &front.fingerprint,
    ]);
    ok(&o);
    let o = run(&["ls", "tls:/Public"]);
    ok(&o);
    assert!(text(&o.stdout).contains("over-tls.txt"));

    // Trusted earlier for that URL (what a "yes" at the prompt writes).
    std::fs::write(
        sb.config_dir().join("known_certs.toml"),
        format!("\"{https}\" = \"{}\"\n", front.fingerprint),
    )
    .unwrap();
    let o = run(&["ls", &url_target]);
    ok(&o);
    assert!(text(&o.stdout).contains("over-tls.txt"));

    // Another certificate at the same address: refused, whatever was trusted before.
    let other = nas.tls_front();
    std::fs::write(
        sb.config_dir().join("known_certs.toml"),
        format!("\"https://{}\" = \"{}\"\n", other.addr, front.fingerprint),
    )
    .unwrap();
    let o = run(&["ls", &format!("qnaps://{USER}@{}/Public", other.addr)]);
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("not the one trusted"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn qnap_exit_codes_auth_and_not_found() {
    let nas = Qnap::start();
    let sb = Sandbox::new();
    nas.profile(&sb);
    let o = sb
        .cmd()
        .env("NASCMD_PASSWORD", "not-the-pass-9")
        .args(["ls", "nas:/Public"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    assert_eq!(text(&o.stderr).lines().count(), 1, "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("not-the-pass-9"));
    // No password at all and no terminal: auth failure too, never a hang.
    let o = sb
        .cmd()
        .args(["ls", "nas:/Public"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));

    let o = sb
        .cmd()
        .env("NASCMD_PASSWORD", PASS)
        .args(["get", "nas:/Public/nope.txt", "."])
        .output()
        .unwrap();
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));

    // Partial: one good, one missing.
    std::fs::write(nas.public().join("good.txt"), b"good").unwrap();
    let o = sb
        .cmd()
        .env("NASCMD_PASSWORD", PASS)
        .args(["get", "nas:/Public/good.txt", "nas:/Public/nope.txt", "."])
        .output()
        .unwrap();
    assert_eq!(code(&o), 5, "{}", text(&o.stderr));
    assert_eq!(std::fs::read(sb.path().join("good.txt")).unwrap(), b"good");
}

#[test]
fn remote_add_list_remove_keeps_the_password_secret() {
    let nas = Qnap::start();
    let sb = Sandbox::new();
    // Wrong password: refused, nothing stored.
    let o = sb
        .cmd()
        .env("NASCMD_PASSWORD", "nope-nope")
        .args(["remote", "add", "nas", "--qnap", &nas.url(), "--user", USER])
        .output()
        .unwrap();
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    assert!(!sb.config_dir().join("secrets.toml").exists());

    let o = sb
        .cmd()
        .env("NASCMD_PASSWORD", PASS)
        .args(["remote", "add", "nas", "--qnap", &nas.url(), "--user", USER])
        .output()
        .unwrap();
    ok(&o);
    let all_output = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(!all_output.contains(PASS));
    let secrets = sb.config_dir().join("secrets.toml");
    let mode = std::fs::metadata(&secrets).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(std::fs::read_to_string(&secrets).unwrap().contains(PASS));
    let config = std::fs::read_to_string(sb.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("name = \"nas\""), "{config}");
    assert!(!config.contains(PASS), "{config}");

    // list shows it, with the secret stored but not printed.
    let o = sb.run(&["remote", "list", "--json"]);
    ok(&o);
    assert!(!text(&o.stdout).contains(PASS));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["name"], "nas");
    assert_eq!(v[0]["kind"], "qnap");
    assert_eq!(v[0]["secret_stored"], true);

    // The stored password is used: no env var needed.
    std::fs::write(nas.public().join("x.txt"), b"x").unwrap();
    let o = sb.run(&["ls", "nas:/Public"]);
    ok(&o);
    assert_eq!(text(&o.stdout), "x.txt\n");

    ok(&sb.run(&["remote", "remove", "nas"]));
    assert!(!std::fs::read_to_string(&secrets).unwrap().contains(PASS));
    let o = sb.run(&["remote", "list"]);
    ok(&o);
    assert!(o.stdout.is_empty());
}

/// `share list|update|revoke|revoke-all` on the links `share` made: what a script sees
/// (#18). `run` runs the binary with the NAS's credentials, `place` is `REMOTE:`, `dir`
/// the NAS folder holding `a.txt` and `sub/b.txt`, `fetch` a plain HTTP GET's status.
fn manage_links(
    run: &dyn Fn(&[&str]) -> std::process::Output,
    place: &str,
    dir: &str,
    fetch: &dyn Fn(&str) -> u16,
) {
    let a = format!("{place}{dir}/a.txt");
    let b = format!("{place}{dir}/sub/b.txt");
    // --qr draws the code under the URL (plain blocks: stdout is no terminal).
    let o = run(&["share", "--qr", &a]);
    ok(&o);
    let out = text(&o.stdout);
    let made_a = out.lines().next().unwrap().to_owned();
    assert!(!out.contains('\x1b'), "colours in a pipe");
    let rows = support::qr::rows_in(&out);
    assert_eq!(
        support::qr::decode(&rows).as_deref(),
        Some(made_a.as_str()),
        "{out}"
    );
    let made_b = text(&run(&["share", "--expire", "2h", &b]).stdout)
        .trim()
        .to_owned();
    assert_eq!(fetch(&made_a), 200, "{made_a}");

    // --json: one object per link; only the links below the path asked for.
    let o = run(&["share", "list", "--json", &format!("{place}{dir}/sub")]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 1, "{v}");
    assert_eq!(items[0]["url"], made_b.as_str());
    assert_eq!(items[0]["access_code"], false);
    assert!(items[0]["expires"].as_i64().unwrap() > 1_600_000_000, "{v}");
    let id_b = items[0]["id"].as_str().unwrap().to_owned();

    // Plain list: a line per link, tab-separated, id first.
    let o = run(&["share", "list", place]);
    ok(&o);
    let listed = text(&o.stdout);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(
        listed.lines().any(|l| l.starts_with(&format!("{id_b}\t"))),
        "{listed}"
    );

    // update: a later expiry. It prints the link's URL, which a Freebox changes (it
    // has no update: a new link replaces the old one).
    let o = run(&["share", "update", "--expire", "30d", place, &id_b]);
    ok(&o);
    let made_b = text(&o.stdout).trim().to_owned();
    let o = run(&["share", "list", "--json", place]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let b_now = v
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["url"] == made_b.as_str());
    let b_now = b_now.unwrap_or_else(|| panic!("{made_b} not in {v}"));
    let in_days = (b_now["expires"].as_i64().unwrap() - now()) / 86_400;
    assert!((29..=30).contains(&in_days), "{b_now}");

    // revoke by URL: that link stops working; an unknown link fails the exit code.
    let o = run(&["share", "revoke", place, &made_a, "no-such-link"]);
    assert_eq!(code(&o), 5, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("no-such-link: no such link"),
        "{}",
        text(&o.stderr)
    );
    assert_ne!(fetch(&made_a), 200, "revoked link still serves");
    assert_eq!(fetch(&made_b), 200);

    // revoke-all without a terminal needs --yes, and then leaves none.
    let o = run(&["share", "revoke-all", place]);
    assert_eq!(code(&o), 1);
    assert!(text(&o.stderr).contains("--yes"), "{}", text(&o.stderr));
    assert_eq!(fetch(&made_b), 200, "revoke-all acted without --yes");
    ok(&run(&["share", "revoke-all", "--yes", place]));
    assert_ne!(fetch(&made_b), 200);
    let o = run(&["share", "list", place]);
    ok(&o);
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn qnap_share_links_are_listed_updated_and_revoked() {
    let nas = Qnap::start();
    let sb = Sandbox::new();
    nas.profile(&sb);
    std::fs::create_dir_all(nas.public().join("sub")).unwrap();
    std::fs::write(nas.public().join("a.txt"), b"a").unwrap();
    std::fs::write(nas.public().join("sub/b.txt"), b"b").unwrap();
    let run = |args: &[&str]| run_with_pass(&sb, args);
    manage_links(&run, "nas:", "/Public", &|url| nas.http_get(url).0);

    // --mail: the NAS (the emulator's outbox, which sends nothing) mails the new link.
    let o = run(&[
        "share",
        "--mail",
        "ann@example.org",
        "--mail",
        "bob@example.net",
        "--subject",
        "Photos",
        "--message",
        "Here they are",
        "nas:/Public/a.txt",
    ]);
    ok(&o);
    let url = text(&o.stdout).trim().to_owned();
    assert!(text(&o.stderr).contains("e-mails the link to ann@example.org, bob@example.net"));
    let sent = nas.outbox.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].to, ["ann@example.org", "bob@example.net"]);
    assert_eq!(
        (sent[0].subject.as_str(), sent[0].message.as_str()),
        ("Photos", "Here they are")
    );
    assert_eq!(sent[0].links, std::slice::from_ref(&url));
    assert_eq!(nas.http_get(&url).0, 200);
    let o = run(&["share", "--mail", "not an address", "nas:/Public/a.txt"]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o.stderr).contains("not an e-mail address"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(nas.outbox.sent().len(), 1);
}

/// A Freebox emulator over a temp disk, kept running by its runtime.
struct Freebox {
    served: Served,
    disk: tempfile::TempDir,
}

impl Freebox {
    fn start(grant: nascmd::emulator::freebox::auth::GrantMode) -> Self {
        let disk = tempfile::tempdir().unwrap();
        let mut cfg = nascmd::emulator::freebox::FreeboxEmulatorConfig::new(disk.path());
        cfg.grant = grant;
        Freebox {
            served: Served::freebox(cfg),
            disk,
        }
    }

    fn url(&self) -> String {
        self.served.url()
    }

    fn http_get(&self, url: &str) -> (u16, Vec<u8>) {
        self.served.http_get(url)
    }
}

#[test]
fn freebox_register_then_round_trip_and_share() {
    use nascmd::emulator::freebox::auth::GrantMode;
    let fbx = Freebox::start(GrantMode::After(std::time::Duration::from_millis(1500)));
    let sb = Sandbox::new();

    // Registration: pending until the (emulated) button press, then the token is stored.
    let o = sb.run(&["remote", "add", "box", "--freebox", &fbx.url()]);
    ok(&o);
    let err = text(&o.stderr);
    assert!(err.to_lowercase().contains("press the ✓ button"), "{err}");
    assert!(err.contains("granted"), "{err}");
    let secrets = sb.config_dir().join("secrets.toml");
    let mode = std::fs::metadata(&secrets).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let stored = std::fs::read_to_string(&secrets).unwrap();
    assert!(stored.contains("app_token"), "token not stored");
    let config = std::fs::read_to_string(sb.config_dir().join("config.toml")).unwrap();
    assert!(!config.contains("app_token"), "{config}");

    let src = sb.path().join("photos");
    make_tree(&src);
    let want = snapshot(&src);
    ok(&sb.run(&["put", "-r", "photos", "box:/Disque dur/"]));
    assert_eq!(snapshot(&fbx.disk.path().join("photos")), want);

    let o = sb.run(&["ls", "--json", "box:/Disque dur/photos"]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"sub") && names.contains(&"a.txt"),
        "{names:?}"
    );

    ok(&sb.run(&["get", "-r", "box:/Disque dur/photos", "back"]));
    assert_eq!(snapshot(&sb.path().join("back")), want);

    ok(&sb.run(&["mkdir", "box:/Disque dur/new dir"]));
    ok(&sb.run(&[
        "mv",
        "box:/Disque dur/photos/a.txt",
        "box:/Disque dur/new dir",
    ]));
    assert!(fbx.disk.path().join("new dir/a.txt").is_file());
    assert!(!fbx.disk.path().join("photos/a.txt").exists());

    let o = sb.run(&["search", "box:/Disque dur", "cat"]);
    ok(&o);
    assert!(
        text(&o.stdout)
            .lines()
            .any(|l| l == "/Disque dur/photos/sub/deeper/deepest/cat.jpg"),
        "{}",
        text(&o.stdout)
    );

    let o = sb.run(&["share", "box:/Disque dur/photos/sub/deeper/deepest/cat.jpg"]);
    ok(&o);
    let url = text(&o.stdout).lines().next().unwrap().to_owned();
    let (status, body) = fbx.http_get(&url);
    assert_eq!(status, 200, "{url}");
    assert_eq!(
        body,
        std::fs::read(src.join("sub/deeper/deepest/cat.jpg")).unwrap()
    );

    // The links as a script manages them (#18).
    std::fs::create_dir_all(fbx.disk.path().join("links/sub")).unwrap();
    std::fs::write(fbx.disk.path().join("links/a.txt"), b"a").unwrap();
    std::fs::write(fbx.disk.path().join("links/sub/b.txt"), b"b").unwrap();
    ok(&sb.run(&["share", "revoke-all", "--yes", "box:"]));
    let run = |args: &[&str]| {
        sb.cmd()
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    manage_links(&run, "box:", "/Disque dur/links", &|url| {
        fbx.http_get(url).0
    });
    // A Freebox cannot mail a link: said, and nothing is made.
    let o = run(&[
        "share",
        "--mail",
        "ann@example.org",
        "box:/Disque dur/links/a.txt",
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o.stderr).contains("cannot e-mail share links"),
        "{}",
        text(&o.stderr)
    );

    // The same box as a URL without a profile: refused with a hint until a token is
    // kept under the URL (as the commander does after registering it), then used.
    let url_form = format!(
        "{}/Disque dur/photos",
        fbx.url().replacen("http://", "freebox://", 1)
    );
    let o = sb.run(&["ls", &url_form]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("remote add"),
        "{}",
        text(&o.stderr)
    );
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(&secrets).unwrap()).unwrap();
    let token = table["remote"]["box"]["app_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut with_url = std::fs::read_to_string(&secrets).unwrap();
    with_url.push_str(&format!(
        "\n[remote.\"{}\"]\napp_token = \"{token}\"\n",
        fbx.url()
    ));
    std::fs::write(&secrets, with_url).unwrap();
    let o = sb.run(&["ls", &url_form]);
    ok(&o);
    assert!(text(&o.stdout).contains("sub"), "{}", text(&o.stdout));

    ok(&sb.run(&["rm", "-r", "box:/Disque dur/photos"]));
    assert!(!fbx.disk.path().join("photos").exists());

    // Removing the remote forgets its token (the URL's own entry is another key).
    ok(&sb.run(&["remote", "remove", "box"]));
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(&secrets).unwrap()).unwrap();
    assert!(table["remote"].get("box").is_none(), "{table:?}");
    assert!(table["remote"].get(fbx.url()).is_some(), "{table:?}");
}

#[test]
fn freebox_denied_registration_stores_nothing() {
    use nascmd::emulator::freebox::auth::GrantMode;
    let fbx = Freebox::start(GrantMode::Deny);
    let sb = Sandbox::new();
    let o = sb.run(&["remote", "add", "box", "--freebox", &fbx.url()]);
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("refused"), "{}", text(&o.stderr));
    assert!(!sb.config_dir().join("secrets.toml").exists());
    let o = sb.run(&["remote", "list"]);
    ok(&o);
    assert!(o.stdout.is_empty());
}

#[test]
fn qnap_two_step_verification_code_from_the_environment() {
    const TOTP: &str = "JBSWY3DPEHPK3PXP";
    let mut user = QnapUser::new(USER, PASS);
    user.totp_secret = Some(TOTP.to_owned());
    let nas = Qnap::start_with(vec![user]);
    let sb = Sandbox::new();
    nas.profile(&sb);
    std::fs::write(nas.public().join("x.txt"), b"x").unwrap();
    // No code and no terminal: auth failure with the way out named.
    let o = sb
        .cmd()
        .env("NASCMD_PASSWORD", PASS)
        .args(["ls", "nas:/Public"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("NASCMD_OTP"),
        "{}",
        text(&o.stderr)
    );
    let otp = nascmd::emulator::qnap::current_totp(TOTP).unwrap();
    let o = sb
        .cmd()
        .env("NASCMD_PASSWORD", PASS)
        .env("NASCMD_OTP", &otp)
        .args(["ls", "nas:/Public"])
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(text(&o.stdout), "x.txt\n");
}

/// Runs the binary with arguments that may hold bytes that are not UTF-8, as a shell
/// passes `$'caf\xe9.txt'`.
fn run_os(sb: &Sandbox, args: &[&std::ffi::OsStr]) -> std::process::Output {
    sb.cmd()
        .env("NASCMD_PASSWORD", PASS)
        .args(args)
        .output()
        .unwrap()
}

/// A Latin-1 name (`caf\xe9.txt`, not UTF-8) in the folder `d` of `share` (`disk` on
/// the NAS's side): it lists next to the rest of its folder, shown as its bytes; `get -r`
/// and a `get` by its own bytes fetch it under a terminal-safe local name; `mv` and `rm`
/// reach it. `put -r` of a local folder holding one sends its bytes where the API takes
/// bytes (QNAP) and U+FFFD where names travel as text (Freebox, `text_names`), saying so.
fn check_a_name_that_is_not_utf8(
    sb: &Sandbox,
    share: &str,
    disk: &std::path::Path,
    text_names: bool,
) {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = &format!("{share}/d");
    let disk = &disk.join("d");
    std::fs::create_dir(disk).unwrap();
    let latin1 = OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(disk.join(latin1), b"latin one").unwrap();
    std::fs::write(disk.join("plain.txt"), b"plain").unwrap();
    let s = |t: &str| std::ffi::OsString::from(t);
    let on_nas = |rest: &[u8]| {
        let mut p = format!("{dir}/").into_bytes();
        p.extend_from_slice(rest);
        std::ffi::OsString::from(OsStr::from_bytes(&p))
    };

    let o = run_os(sb, &[&s("ls"), &s(dir)]);
    ok(&o);
    let out = text(&o.stdout);
    assert!(out.lines().any(|l| l == "caf\\xe9.txt"), "{out}");
    assert!(out.lines().any(|l| l == "plain.txt"), "{out}");
    let o = run_os(sb, &[&s("ls"), &s("--json"), &s(dir)]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let cafe = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "caf\u{fffd}.txt")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(cafe["name_base64"], "Y2Fm6S50eHQ=");

    std::fs::create_dir(sb.path().join("back")).unwrap();
    let o = run_os(sb, &[&s("get"), &s("-r"), &s(dir), &s("back")]);
    ok(&o);
    let back = sb.path().join("back/d");
    assert_eq!(std::fs::read(back.join("caf_.txt")).unwrap(), b"latin one");
    assert_eq!(std::fs::read(back.join("plain.txt")).unwrap(), b"plain");

    std::fs::create_dir(sb.path().join("one")).unwrap();
    let o = run_os(sb, &[&s("get"), &on_nas(b"caf\xe9.txt"), &s("one")]);
    ok(&o);
    assert_eq!(
        std::fs::read(sb.path().join("one/caf_.txt")).unwrap(),
        b"latin one"
    );

    ok(&run_os(sb, &[&s("mkdir"), &on_nas(b"sub")]));
    ok(&run_os(
        sb,
        &[&s("mv"), &on_nas(b"caf\xe9.txt"), &on_nas(b"sub")],
    ));
    let moved = disk.join("sub").join(latin1);
    assert_eq!(std::fs::read(&moved).unwrap(), b"latin one");
    assert!(!disk.join(latin1).exists());
    ok(&run_os(sb, &[&s("rm"), &on_nas(b"sub/caf\xe9.txt")]));
    assert!(!moved.exists());
    assert!(disk.join("plain.txt").exists());

    let up = sb.path().join("up");
    std::fs::create_dir(&up).unwrap();
    std::fs::write(up.join(OsStr::from_bytes(b"up\xe9.txt")), b"from here").unwrap();
    let o = run_os(sb, &[&s("put"), &s("-r"), up.as_os_str(), &s(dir)]);
    ok(&o);
    let arrived = if text_names {
        assert!(text(&o.stderr).contains("renamed"), "{}", text(&o.stderr));
        disk.join("up/up\u{fffd}.txt")
    } else {
        disk.join("up").join(OsStr::from_bytes(b"up\xe9.txt"))
    };
    assert_eq!(std::fs::read(&arrived).unwrap(), b"from here");
}

#[test]
fn names_that_are_not_utf8_stay_operable_on_both_nas_kinds() {
    let nas = Qnap::start();
    let sb = Sandbox::new();
    nas.profile(&sb);
    check_a_name_that_is_not_utf8(&sb, "nas:/Public", &nas.public(), false);

    use nascmd::emulator::freebox::auth::GrantMode;
    let fbx = Freebox::start(GrantMode::Auto);
    let sb = Sandbox::new();
    ok(&sb.run(&["remote", "add", "box", "--freebox", &fbx.url()]));
    check_a_name_that_is_not_utf8(&sb, "box:/Disque dur", fbx.disk.path(), true);
}
