//! Every integration test in one binary (`[[test]] name = "suite"` in Cargo.toml):
//! `tests/support` is compiled once and one test executable is linked, instead of one
//! copy of each per file. Each `tests/NAME.rs` is a module here; run one file's tests
//! with `cargo test --test suite NAME::`.

mod support;

mod busy_move_screen;
mod cli;
mod cli_ctrl_c;
mod cli_nas;
mod cli_targets;
mod clipboard;
mod conformance;
mod demo_folder;
mod emulator_links;
mod emulator_stop;
mod flaky_reads;
mod freebox_client;
mod freebox_emulator;
mod freebox_emulator_transfers;
mod freebox_flaky_screen;
mod freebox_transfers;
mod fuzz_regressions;
mod habits_nas_screen;
mod habits_screen;
mod habits_share_screen;
mod hostile_freebox;
mod hostile_screen;
mod hostile_server;
mod huge_folder_screen;
mod huge_folders;
mod job_states;
mod jobs;
mod journal;
mod journal_engine;
mod journal_freebox;
mod journal_restore_screen;
mod journal_screen;
mod lost_answers;
mod mc_keys;
mod mkdir_screen;
mod nas_screen;
mod outage;
mod outage_freebox;
mod outage_screen;
mod pty_smoke;
mod qnap_chunked_upload;
mod qnap_client;
mod qnap_emulator;
mod qnap_emulator_chunked;
mod qnap_emulator_extra;
mod qnap_session_flaky;
mod quick_view;
mod resume;
mod screen;
mod search_flaky;
mod share_flaky;
mod share_screen;
mod shell_edit_pty;
mod stalled_upload_freebox;
mod sweep_status_screen;
mod sync;
mod sync_journal;
mod sync_paused_screen;
mod sync_screen;
mod text_fields_screen;
mod thumbnails;
mod tls;
mod verify_hash;
mod verify_hash_cancel;
mod viewer_screen;

/// With `autotests = false` a tests/*.rs file that is not a module here would never run
/// (a merge adding a test file must add its `mod` line).
#[test]
fn every_test_file_is_a_module_of_the_suite() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let suite = std::fs::read_to_string(dir.join("suite.rs")).unwrap();
    let mut missing = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(module) = name.strip_suffix(".rs") {
            let line = format!("mod {module};");
            if module != "suite" && !suite.lines().any(|l| l == line) {
                missing.push(name);
            }
        }
    }
    assert!(missing.is_empty(), "not in tests/suite.rs: {missing:?}");
}
