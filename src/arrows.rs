//! The arrows between modules, checked: the layers of `docs/ARCHITECTURE.md` only point
//! down (cli → runtime → ui → app → services and jobs → vfs → backends), and the
//! emulators depend on nothing of the client. A new `use` that points the wrong way fails
//! here with the file and line, instead of growing a cycle nobody notices.

use std::path::Path;

/// `(module, modules it must never name)`.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "vfs",
        &[
            "nas", "jobs", "services", "app", "ui", "runtime", "cli", "remotes", "emulator",
        ],
    ),
    (
        "nas",
        &[
            "jobs", "services", "app", "ui", "runtime", "cli", "remotes", "emulator", "demo",
        ],
    ),
    (
        "remotes",
        &["services", "app", "ui", "runtime", "cli", "emulator"],
    ),
    (
        "prompt",
        &[
            "vfs", "nas", "jobs", "services", "app", "ui", "runtime", "cli", "remotes",
        ],
    ),
    (
        "jobs",
        &[
            "nas", "services", "app", "ui", "runtime", "cli", "remotes", "emulator",
        ],
    ),
    (
        "services",
        &["app", "ui", "runtime", "cli", "emulator", "demo"],
    ),
    (
        "app",
        &["ui", "runtime", "cli", "nas", "remotes", "emulator", "demo"],
    ),
    (
        "ui",
        &["runtime", "cli", "nas", "remotes", "emulator", "demo"],
    ),
    (
        "viewer",
        &["app", "ui", "runtime", "cli", "nas", "emulator"],
    ),
    (
        "clipboard",
        &["config", "app", "ui", "runtime", "cli", "nas"],
    ),
    ("runtime", &["cli", "nas", "emulator"]),
    (
        "emulator",
        &[
            "vfs",
            "nas",
            "jobs",
            "services",
            "app",
            "ui",
            "runtime",
            "cli",
            "remotes",
            "clipboard",
            "config",
            "viewer",
            "demo",
        ],
    ),
];

/// Every `crate::NAME` a module's non-test code names, with where.
fn mentions(module: &str) -> Vec<(String, usize, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let dir = src.join(module);
    if dir.is_dir() {
        collect(&dir, &mut files);
    }
    let single = src.join(format!("{module}.rs"));
    if single.is_file() {
        files.push(single);
    }
    let mut out = Vec::new();
    for file in files {
        let name = file.display().to_string();
        if name.ends_with("tests.rs") || name.contains("/tests/") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        // Test modules at the end of a file may use anything.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let target: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.push((target, n + 1, name.clone()));
            }
        }
    }
    out
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, files);
        } else if p.extension().is_some_and(|x| x == "rs") {
            files.push(p);
        }
    }
}

#[test]
fn module_arrows_point_down() {
    let mut wrong = Vec::new();
    for (module, forbidden) in FORBIDDEN {
        for (target, line, file) in mentions(module) {
            if forbidden.contains(&target.as_str()) {
                wrong.push(format!("{file}:{line}: {module} → {target}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows pointing up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_arrows() {
    // The app does use the vfs: if this finds nothing, the scan itself is broken.
    assert!(mentions("app").iter().any(|(t, _, _)| t == "vfs"));
}

/// Inside `app/`, state modules (types, key tables, their own logic) never reach up to
/// `App` or to the modules that act on it: that is what keeps the files of `app/` out
/// of import circles (ARCHITECTURE.md, the `app/` row).
#[test]
fn app_state_modules_never_import_the_app() {
    const STATE: &[&str] = &[
        "ids",
        "pane",
        "sort",
        "dialog",
        "layers",
        "jobs",
        "search",
        "share_form",
        "share_panel",
        "share_state",
        "share_text",
        "connect",
        "problem",
        "layout",
        "msg",
    ];
    const ACTING: &[&str] = &[
        "actions",
        "keys",
        "results",
        "share",
        "share_actions",
        "search_actions",
        "connect_actions",
    ];
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
    let mut wrong = Vec::new();
    for module in STATE {
        let file = app.join(format!("{module}.rs"));
        let Ok(text) = std::fs::read_to_string(&file) else {
            wrong.push(format!("{}: missing (update this list)", file.display()));
            continue;
        };
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            let names_app = line.contains("super::App")
                || line.contains("crate::app::App")
                || (line.starts_with("use super::{") && line.contains("App"));
            let names_acting = ACTING.iter().any(|a| {
                line.contains(&format!("super::{a}::")) || line.contains(&format!("super::{a};"))
            });
            if names_app || names_acting {
                wrong.push(format!("src/app/{module}.rs:{}: {line}", n + 1));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "state modules reaching up:\n{}",
        wrong.join("\n")
    );
}
