//! The sample tree `nascmd --demo` opens on: nested folders, a few hundred small files,
//! a few larger ones, and one hostile name (shown escaped).

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Fills `dir` with the sample tree.
pub fn build_sample_tree(dir: &Path) -> io::Result<()> {
    let projects = ["alpha", "beta", "gamma"];
    for p in projects {
        let src = dir.join("projects").join(p).join("src");
        fs::create_dir_all(&src)?;
        for i in 1..=40 {
            fs::write(
                src.join(format!("module{i}.rs")),
                format!("// {p} module {i}\npub fn f{i}() -> u32 {{ {i} }}\n"),
            )?;
        }
        fs::write(
            dir.join("projects").join(p).join("README.md"),
            format!("# {p}\n\nA sample project.\n"),
        )?;
    }
    for year in [2023, 2024, 2025] {
        let d = dir.join("photos").join(year.to_string());
        fs::create_dir_all(&d)?;
        for i in 1..=30 {
            // Not real JPEGs: bytes that look binary in the viewer.
            let data: Vec<u8> = (0..2048u32)
                .map(|k| (k.wrapping_mul(31).wrapping_add(i * 7)) as u8)
                .collect();
            fs::write(d.join(format!("IMG_{year}{i:04}.jpg")), data)?;
        }
    }
    let docs = dir.join("documents");
    fs::create_dir_all(docs.join("letters"))?;
    for i in 1..=60 {
        fs::write(
            docs.join(format!("note{i}.txt")),
            format!("Note number {i}.\n").repeat(i as usize),
        )?;
    }
    for i in 1..=20 {
        fs::write(
            docs.join("letters").join(format!("letter{i}.txt")),
            format!("Dear reader {i},\n"),
        )?;
    }
    let mut log = fs::File::create(dir.join("documents").join("server.log"))?;
    for i in 0..50_000 {
        writeln!(
            log,
            "2025-01-01T00:{:02}:{:02}Z INFO request {i} served in {} ms",
            (i / 60) % 60,
            i % 60,
            i % 97
        )?;
    }
    let big = dir.join("big");
    fs::create_dir_all(&big)?;
    for (name, mb) in [
        ("disk-image.bin", 24usize),
        ("video.mkv", 12),
        ("backup.tar", 6),
    ] {
        let mut f = io::BufWriter::new(fs::File::create(big.join(name))?);
        let block: Vec<u8> = (0..1024 * 1024)
            .map(|k: usize| (k * 131 % 251) as u8)
            .collect();
        for _ in 0..mb {
            f.write_all(&block)?;
        }
        f.flush()?;
    }
    fs::write(dir.join(".hidden-settings"), "shown with Alt-.\n")?;
    fs::write(
        dir.join("evil\x1b[31mname.txt"),
        "a name with an escape sequence\n",
    )?;
    Ok(())
}

pub mod nas;
