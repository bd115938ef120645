//! Replays, through the same entry points the fuzz targets use (`src/fuzzing.rs`), every
//! input kept in `fuzz/regressions/<target>/` (each once made a parser fail) and the
//! seeds in `fuzz/seeds/<target>/`, then a few thousand deterministic mutations of the
//! seeds, so a parser that starts panicking again fails CI without a fuzzer. The long
//! runs are `fuzz/run.sh` (see fuzz/README.md).

use std::path::Path;

use nascmd::fuzzing::TARGETS;

fn inputs(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = read
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n != ".keep"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn every_kept_input_and_seed_passes() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut seen = 0;
    for (name, run) in TARGETS {
        let seeds = inputs(&fuzz.join("seeds").join(name));
        assert!(!seeds.is_empty(), "{name}: no seeds");
        for input in seeds
            .iter()
            .chain(&inputs(&fuzz.join("regressions").join(name)))
        {
            run(input);
            seen += 1;
        }
    }
    assert!(seen >= TARGETS.len());
}

/// A small xorshift, so every CI run tries the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that tend to matter to these parsers.
const INTERESTING: &[&[u8]] = &[
    b"\0",
    b"\xff",
    b"\x1b[2J",
    b"\xc2\x9b",
    b"\xe2\x80\xae",
    b"..",
    b"/",
    b"%",
    b"%2F",
    b"\"",
    b"\\",
    b"<",
    b"]]>",
    b"{",
    b"[",
    b"}",
    b"]",
    b"-1",
    b"18446744073709551616",
    b"1e999",
    b"\r\n",
    b"--B",
    b"=",
    b"&",
    b":",
    b"@",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(4) {
            0 if !out.is_empty() => {
                let end = (at + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            1 if at < out.len() => out[at] = rng.next() as u8,
            2 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(at..at, piece.iter().copied());
            }
            _ => {
                let from = rng.below(out.len());
                let len = rng.below(32).min(out.len() - from.min(out.len()));
                let copy = out[from..from + len].to_vec();
                out.splice(at..at, copy);
            }
        }
    }
    out
}

#[test]
fn mutated_seeds_do_not_break_a_parser() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (name, run) in TARGETS {
        let seeds = inputs(&fuzz.join("seeds").join(name));
        for _ in 0..1500 {
            let seed = &seeds[rng.below(seeds.len())];
            run(&mutate(&mut rng, seed));
        }
    }
}
