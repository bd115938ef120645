//! "1 item", "2 items": counts in messages read as English, not as `item(s)`.

/// `n` followed by `one` or `many`.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_and_many() {
        assert_eq!(count(1u64, "item", "items"), "1 item");
        assert_eq!(count(0u64, "item", "items"), "0 items");
        assert_eq!(count(2u32, "entry", "entries"), "2 entries");
    }
}
