use std::path::Path;
use std::time::{Duration, Instant};

/// Sum of the bytes the resume record (`.nascmd-part-….resume`) in `dir` claims as
/// written, or `None` while there is no readable record.
pub fn recorded(dir: &Path) -> Option<u64> {
    let record = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(".nascmd-part-") && n.ends_with(".resume")
        })?;
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(record.path()).ok()?).ok()?;
    let ranges = v["ranges"].as_array()?;
    Some(
        ranges
            .iter()
            .map(|r| r["done"].as_u64().unwrap_or(0) - r["start"].as_u64().unwrap_or(0))
            .sum(),
    )
}

/// Follows a value read again and again (a record's claim): settled once it is there
/// and has not changed for a while.
#[derive(Default)]
pub struct Stable {
    last: Option<(u64, Instant)>,
}

impl Stable {
    /// Takes the latest reading; true once `value` is some and was the same for `quiet`.
    pub fn settled(&mut self, value: Option<u64>, quiet: Duration) -> bool {
        let Some(v) = value else {
            self.last = None;
            return false;
        };
        match self.last {
            Some((seen, since)) if seen == v => since.elapsed() >= quiet,
            _ => {
                self.last = Some((v, Instant::now()));
                false
            }
        }
    }
}
