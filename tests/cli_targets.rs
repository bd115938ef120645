//! Where a copy lands: a target that is a symbolic link to a folder, or that ends with a
//! slash, means "into that folder" (the real binary, local copies).

use crate::support;

use support::sandbox::{Sandbox, ok, text};

fn setup() -> Sandbox {
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("small.txt"), b"small").unwrap();
    std::fs::create_dir(sb.path().join("folder")).unwrap();
    std::os::unix::fs::symlink(sb.path().join("folder"), sb.path().join("lnk")).unwrap();
    sb
}

#[test]
fn a_link_to_a_folder_is_copied_into_with_or_without_a_slash() {
    for target in ["lnk", "lnk/"] {
        let sb = setup();
        ok(&sb.run(&["cp", "--overwrite", "small.txt", target]));
        let link = std::fs::symlink_metadata(sb.path().join("lnk")).unwrap();
        assert!(
            link.file_type().is_symlink(),
            "{target}: the link was replaced"
        );
        assert_eq!(
            std::fs::read(sb.path().join("folder/small.txt")).unwrap(),
            b"small",
            "{target}"
        );
    }
}

#[test]
fn a_trailing_slash_never_names_the_copy() {
    let sb = setup();
    // A missing folder with a slash is made and copied into.
    ok(&sb.run(&["cp", "small.txt", "newdir/"]));
    assert_eq!(
        std::fs::read(sb.path().join("newdir/small.txt")).unwrap(),
        b"small"
    );
    // An existing file with a slash is not a folder: refused, left alone.
    std::fs::write(sb.path().join("plain"), b"plain").unwrap();
    let o = sb.run(&["cp", "--overwrite", "small.txt", "plain/"]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("is not a folder"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(std::fs::read(sb.path().join("plain")).unwrap(), b"plain");
}
