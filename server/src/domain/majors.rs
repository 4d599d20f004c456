//! The school's majors, offered by the profile's major search (`GET /api/catalog`). A
//! student may still type a major that is not listed: this is a help, not a rule. The list is
//! `server/data/majors.txt`, compiled in, or a school's own file given with `--majors-file`.

use anyhow::Context;
use std::path::Path;
use storage::profile::Major;

/// The list compiled into the server.
const EMBEDDED_LIST: &str = include_str!("../../data/majors.txt");
/// The most majors a list may hold (the catalog carries them all on every first load).
pub const MAX_MAJORS: usize = 1_000;

/// The majors of `file`, or the embedded list without one.
pub fn load(file: Option<&Path>) -> anyhow::Result<Vec<String>> {
    match file {
        None => parse(EMBEDDED_LIST).context("server/data/majors.txt"),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("read --majors-file {}", path.display()))?;
            parse(&text).with_context(|| format!("--majors-file {}", path.display()))
        }
    }
}

/// One major a line, each a valid profile major; `#` lines and blank lines skipped;
/// duplicates dropped, the file's order kept.
fn parse(text: &str) -> anyhow::Result<Vec<String>> {
    let mut majors: Vec<String> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let major = Major::parse(line)
            .map_err(|e| anyhow::anyhow!("line {}: {line:?}: {}", number + 1, e.message))?;
        let name = major.as_str().to_owned();
        if !majors.contains(&name) {
            majors.push(name);
        }
        anyhow::ensure!(majors.len() <= MAX_MAJORS, "more than {MAX_MAJORS} majors");
    }
    anyhow::ensure!(!majors.is_empty(), "no majors");
    Ok(majors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_list_is_valid_and_a_bad_line_is_named() {
        let majors = load(None).unwrap();
        assert!(majors.len() > 100 && majors.contains(&"컴퓨터공학과".to_owned()));
        assert_eq!(
            parse("# 학과\n\n경영학과\n경영학과\n간호학과\n").unwrap(),
            ["경영학과", "간호학과"]
        );
        let long = "가".repeat(41);
        let error = parse(&format!("경영학과\n{long}\n")).unwrap_err();
        assert!(error.to_string().starts_with("line 2:"), "{error}");
        assert!(parse("# 빈 목록\n").is_err());
    }
}
