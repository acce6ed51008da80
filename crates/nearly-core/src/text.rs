//! Character rules shared by the text validators.

/// Whether `c` is refused in user text: control characters (C0, DEL and C1; `\n` only when
/// `allow_newline`), zero-width characters U+200B-U+200F, bidi embeddings and overrides
/// U+202A-U+202E, bidi isolates U+2066-U+2069 and the byte-order mark U+FEFF.
///
/// The reference refuses C0 and DEL; we also refuse the C1 controls U+0080-U+009F, which no
/// legitimate text needs.
pub(crate) fn is_unsafe_char(c: char, allow_newline: bool) -> bool {
    if c == '\n' {
        return !allow_newline;
    }
    c.is_control()
        || ('\u{200B}'..='\u{200F}').contains(&c)
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || c == '\u{FEFF}'
}

/// The first unsafe character of `s`, if any.
pub(crate) fn first_unsafe_char(s: &str, allow_newline: bool) -> Option<char> {
    s.chars().find(|&c| is_unsafe_char(c, allow_newline))
}

/// Length in Unicode scalar values.
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newline_only_where_allowed() {
        assert!(is_unsafe_char('\n', false));
        assert!(!is_unsafe_char('\n', true));
        assert!(is_unsafe_char('\r', true));
        assert!(is_unsafe_char('\t', true));
    }

    #[test]
    fn listed_invisible_and_control_characters_are_unsafe() {
        for c in [
            '\0', '\u{7F}', '\u{85}', '\u{200B}', '\u{200F}', '\u{202A}', '\u{202E}', '\u{2066}',
            '\u{2069}', '\u{FEFF}',
        ] {
            assert!(is_unsafe_char(c, true), "{c:?}");
        }
        for c in ['a', ' ', 'é', '😀', '\u{2010}', '\u{2065}', '\u{2070}'] {
            assert!(!is_unsafe_char(c, false), "{c:?}");
        }
    }
}
