//! Helpers shared by the CLI test files: a private config folder, tree builders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_nascmd");

/// A private HOME / XDG_CONFIG_HOME, so no test reads or writes the user's config.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_dir(&self) -> PathBuf {
        self.path().join("config/nascmd")
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_STATE_HOME", self.path().join("state"))
            .env_remove("NASCMD_PASSWORD")
            .env_remove("NASCMD_OTP")
            .current_dir(self.path());
        c
    }

    /// Writes `config.toml`.
    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        std::fs::write(self.config_dir().join("config.toml"), text).unwrap();
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn ok(o: &Output) {
    assert_eq!(
        code(o),
        0,
        "stdout: {}\nstderr: {}",
        text(&o.stdout),
        text(&o.stderr)
    );
}

/// A nested tree with files of varied sizes and awkward names.
pub fn make_tree(root: &Path) {
    let files: &[(&str, usize)] = &[
        ("a.txt", 10),
        ("empty", 0),
        ("sub/b.bin", 300_000),
        ("sub/deeper/c d é.txt", 4097),
        ("sub/deeper/deepest/cat.jpg", 70_000),
        ("other/x+y=z.dat", 1),
    ];
    for (i, (rel, len)) in files.iter().enumerate() {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let bytes: Vec<u8> = (0..*len).map(|j| ((j * 31 + i * 7) % 251) as u8).collect();
        std::fs::write(&p, bytes).unwrap();
    }
    std::fs::create_dir_all(root.join("sub/empty dir")).unwrap();
}

/// Relative path → file bytes (folders as `None`), for comparing trees.
pub fn snapshot(root: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if e.file_type().unwrap().is_dir() {
                out.insert(rel, None);
                stack.push(e.path());
            } else {
                out.insert(rel, Some(std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out
}
