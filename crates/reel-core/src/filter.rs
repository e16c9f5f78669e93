//! Escaping for filter graphs: the one place that turns a value into filter-graph text.
//!
//! A filter graph has two levels of quoting (libavfilter's graph parser, then each
//! filter's option parser). [`escape_value`] produces text that survives both, so a path
//! or a colour can never end an option or start another filter.

/// Escapes an option value for use inside a filter graph (`key=VALUE`).
///
/// The value is quoted for the option parser (`'…'`, with `'` written as `'\''`), and the
/// result's special characters are backslash-escaped for the graph parser.
pub fn escape_value(value: &str) -> String {
    // Level 1: option value. Inside single quotes everything is literal except `'`.
    let mut level1 = String::with_capacity(value.len() + 2);
    level1.push('\'');
    for c in value.chars() {
        if c == '\'' {
            level1.push_str("'\\''");
        } else {
            level1.push(c);
        }
    }
    level1.push('\'');
    // Level 2: the graph parser treats `[ ] , ; '` and `\` specially.
    let mut level2 = String::with_capacity(level1.len() + 8);
    for c in level1.chars() {
        if matches!(c, '\\' | '\'' | '[' | ']' | ',' | ';') {
            level2.push('\\');
        }
        level2.push(c);
    }
    level2
}

/// Formats seconds for filter options and expressions: fixed, microsecond precision,
/// no exponent, trailing zeros removed.
pub fn secs(value: f64) -> String {
    let mut s = format!("{value:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" {
        s = "0".to_owned();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_both_levels() {
        assert_eq!(escape_value("a.txt"), r"\'a.txt\'");
        assert_eq!(escape_value("it's"), r"\'it\'\\\'\'s\'");
        assert_eq!(escape_value("a,b;[c]"), r"\'a\,b\;\[c\]\'");
    }

    #[test]
    fn seconds() {
        assert_eq!(secs(1.5), "1.5");
        assert_eq!(secs(2.0), "2");
        assert_eq!(secs(0.000_000_1), "0");
        assert_eq!(secs(3.366_666_666), "3.366667");
    }
}
