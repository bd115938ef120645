//! Which paths a sync looks at: `--exclude` and `--include` globs (`globset`, the
//! matcher ripgrep uses). A glob without `/` matches a name at any depth (`*.tmp`,
//! `.git`); one with `/` matches the path from the synced folder (`photos/raw/**`). An
//! excluded folder is not listed at all; with includes, only files matching one are
//! synced (folders are always walked).

use globset::{GlobSet, GlobSetBuilder};

#[derive(Debug, thiserror::Error)]
#[error("bad pattern {pattern:?}: {reason}")]
pub struct FilterError {
    pub pattern: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct Filter {
    exclude_names: Option<GlobSet>,
    exclude_paths: Option<GlobSet>,
    include_names: Option<GlobSet>,
    include_paths: Option<GlobSet>,
}

impl Filter {
    pub fn new(excludes: &[String], includes: &[String]) -> Result<Self, FilterError> {
        let (exclude_names, exclude_paths) = sets(excludes)?;
        let (include_names, include_paths) = sets(includes)?;
        Ok(Filter {
            exclude_names,
            exclude_paths,
            include_names,
            include_paths,
        })
    }

    /// Whether the entry at `rel` (`a/b/name`, from the synced folder) is left out,
    /// with everything below it when it is a folder.
    pub fn excludes(&self, rel: &str, is_dir: bool) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if matches(&self.exclude_names, name) || matches(&self.exclude_paths, rel) {
            return true;
        }
        let has_includes = self.include_names.is_some() || self.include_paths.is_some();
        !is_dir
            && has_includes
            && !matches(&self.include_names, name)
            && !matches(&self.include_paths, rel)
    }
}

fn matches(set: &Option<GlobSet>, text: &str) -> bool {
    set.as_ref().is_some_and(|s| s.is_match(text))
}

/// The patterns split into name globs and path globs; `None` for an empty group.
fn sets(patterns: &[String]) -> Result<(Option<GlobSet>, Option<GlobSet>), FilterError> {
    let mut names = GlobSetBuilder::new();
    let mut paths = GlobSetBuilder::new();
    let (mut n, mut p) = (0, 0);
    for pattern in patterns {
        let trimmed = pattern.trim_start_matches('/');
        let glob = globset::GlobBuilder::new(trimmed)
            .literal_separator(true)
            .build()
            .map_err(|e| FilterError {
                pattern: pattern.clone(),
                reason: e.kind().to_string(),
            })?;
        if trimmed.contains('/') {
            paths.add(glob);
            p += 1;
        } else {
            names.add(glob);
            n += 1;
        }
    }
    let build = |b: GlobSetBuilder, count: usize| -> Result<Option<GlobSet>, FilterError> {
        if count == 0 {
            return Ok(None);
        }
        b.build().map(Some).map_err(|e| FilterError {
            pattern: patterns.join(" "),
            reason: e.to_string(),
        })
    };
    Ok((build(names, n)?, build(paths, p)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(ex: &[&str], inc: &[&str]) -> Filter {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Filter::new(&s(ex), &s(inc)).unwrap()
    }

    #[test]
    fn a_name_glob_matches_at_any_depth_and_a_path_glob_from_the_top() {
        let filter = f(&["*.tmp", "raw/**"], &[]);
        assert!(filter.excludes("a.tmp", false));
        assert!(filter.excludes("x/y/a.tmp", false));
        assert!(filter.excludes("raw/a.jpg", false));
        assert!(!filter.excludes("x/raw/a.jpg", false));
        assert!(!filter.excludes("a.txt", false));
    }

    #[test]
    fn includes_keep_only_matching_files_but_walk_every_folder() {
        let filter = f(&[], &["*.jpg"]);
        assert!(!filter.excludes("a/b.jpg", false));
        assert!(filter.excludes("a/b.txt", false));
        assert!(!filter.excludes("a", true));
    }

    #[test]
    fn a_bad_pattern_is_refused_by_name() {
        let e = Filter::new(&["a[".to_owned()], &[]).unwrap_err();
        assert_eq!(e.pattern, "a[");
    }
}
