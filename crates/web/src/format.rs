//! Small formatting helpers shared by the pages: dates, query strings, text shortening.

use std::time::{Duration, UNIX_EPOCH};

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters escaped in a query value (everything but unreserved characters and `/`).
const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\'')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']')
    .add(b';')
    .add(b':')
    .add(b'@')
    .add(b'$')
    .add(b',');

/// Characters escaped in a path segment list (as [`QUERY_VALUE`], keeping `/` and `:`).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']');

/// A query value, percent-encoded.
pub(crate) fn query_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// A path (with its slashes), percent-encoded.
pub(crate) fn path(value: &str) -> String {
    utf8_percent_encode(value, PATH).to_string()
}

/// `?a=1&b=2` from the pairs whose value is present (empty when none are).
pub(crate) fn query_string(pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", query_value(v))))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Unix seconds as `2026-12-02 00:33:05 UTC`, and as the RFC 3339 `datetime` attribute.
pub(crate) fn date(secs: u64) -> (String, String) {
    let at = UNIX_EPOCH + Duration::from_secs(secs);
    let rfc = humantime::format_rfc3339_seconds(at).to_string();
    let human = format!("{} UTC", rfc.replace('T', " ").trim_end_matches('Z'));
    (human, rfc)
}

/// The first `max` characters of `s`, with an ellipsis when cut.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc() {
        assert_eq!(
            date(1_700_000_000),
            (
                "2023-11-14 22:13:20 UTC".to_owned(),
                "2023-11-14T22:13:20Z".to_owned()
            )
        );
    }

    #[test]
    fn query_values_cannot_break_out() {
        assert_eq!(query_value("a b&c=d\"<"), "a%20b%26c%3Dd%22%3C");
        assert_eq!(query_value("skills/rust"), "skills/rust");
        assert_eq!(
            query_string(&[
                ("tag", Some("x")),
                ("cursor", None),
                ("sort", Some("newest"))
            ]),
            "?tag=x&sort=newest"
        );
        assert_eq!(query_string(&[("tag", None)]), "");
    }

    #[test]
    fn paths_keep_slashes() {
        assert_eq!(
            path("endorsing/bob.near/tags/a b"),
            "endorsing/bob.near/tags/a%20b"
        );
    }

    #[test]
    fn shorten_counts_characters() {
        assert_eq!(shorten("héllo", 10), "héllo");
        assert_eq!(shorten("héllo world", 4), "hél…");
    }
}
