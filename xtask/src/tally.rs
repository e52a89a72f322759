//! Counting passed and failed tests from the closing lines of each test runner.

/// Passed and failed counts, summed over suites.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Reads one line of runner output: cargo test / wasm-bindgen-test (`test result: ok. 3 passed; 1 failed; …`)
/// or node's test runner, spec (`ℹ pass 3`) or TAP (`# pass 3`) reporter.
pub fn parse_line(line: &str) -> Option<Tally> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("test result: ") {
        let mut t = Tally::default();
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            // "ok. 3 passed" → [.., "3", "passed"]; take the number just before the label.
            for pair in words.windows(2) {
                match pair {
                    [n, "passed"] => t.passed = n.parse().ok()?,
                    [n, "failed"] => t.failed = n.parse().ok()?,
                    _ => {}
                }
            }
        }
        return Some(t);
    }
    let rest = line.strip_prefix("ℹ ").or_else(|| line.strip_prefix("# "))?;
    let mut words = rest.split_whitespace();
    let (label, n) = (words.next()?, words.next()?.parse().ok()?);
    if words.next().is_some() {
        return None;
    }
    match label {
        "pass" => Some(Tally { passed: n, failed: 0 }),
        "fail" => Some(Tally { passed: 0, failed: n }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_result_line() {
        let t = parse_line("test result: FAILED. 12 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s");
        assert_eq!(t, Some(Tally { passed: 12, failed: 2 }));
    }

    #[test]
    fn node_spec_and_tap_lines() {
        assert_eq!(parse_line("ℹ pass 7"), Some(Tally { passed: 7, failed: 0 }));
        assert_eq!(parse_line("# fail 1"), Some(Tally { passed: 0, failed: 1 }));
        assert_eq!(parse_line("ℹ skipped 0"), None);
        assert_eq!(parse_line("# pass the salt please"), None);
    }

    #[test]
    fn other_lines_count_nothing() {
        assert_eq!(parse_line("running 3 tests"), None);
        assert_eq!(parse_line("test foo ... ok"), None);
    }
}
