use std::path::Path;

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
