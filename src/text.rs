//! Free text from the inputs (ids, names, values in messages) on its way to the reports and
//! the terminal: which characters an identifier may hold, and how text is shown safely.
//!
//! A control character (ESC, BEL, CR, ...) echoed to a terminal can move the cursor, rewrite
//! earlier lines or retitle the window, and a bidirectional override makes text display in an
//! order other than the bytes' (an id reading `abc` that is `cba`). Ids are refused with them;
//! everything printed shows them escaped.

use std::borrow::Cow;

/// The longest id, in bytes of UTF-8: an id is written into every report row of its
/// exposure, so a long one is multiplied many times over.
pub const MAX_ID_BYTES: usize = 200;

/// The longest `name`, `industry` or `data_types` cell (and a backtest case's text), in bytes.
pub const MAX_TEXT_BYTES: usize = 1_000;

/// Characters that a spreadsheet reads as the start of a formula at the start of a cell.
pub const FORMULA_STARTS: [char; 4] = ['=', '+', '-', '@'];

/// Whether `c` changes how text around it is shown rather than being shown itself: a
/// control character (Unicode category Cc: C0, DEL and C1, e.g. ESC, BEL, CR, CSI), a
/// bidirectional mark, embedding, override or isolate (U+061C, U+200E, U+200F,
/// U+202A–U+202E, U+2066–U+2069), or a line or paragraph separator (U+2028, U+2029).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` with every [`is_unsafe`] character escaped (`\n`, `\r`, `\t`, else `\u{1b}`), for
/// printing: the text unchanged (borrowed) when there is none.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// What is wrong with `id` as an identifier (1 to [`MAX_ID_BYTES`] bytes, no [`is_unsafe`]
/// character, not beginning with a [`FORMULA_STARTS`] character), as the end of an error
/// message; `None` when it is one. Empty ids are the caller's to refuse (with its own words).
pub fn id_problem(id: &str) -> Option<String> {
    const EXPECTED: &str = "an id is 1 to 200 bytes of text without control or bidirectional-formatting characters";
    // The length first, in bytes: nothing else looks at a long id.
    if id.len() > MAX_ID_BYTES {
        return Some(format!("is {} bytes long; {EXPECTED}", id.len()));
    }
    if let Some(problem) = character_problem(id) {
        return Some(format!("{problem}; {EXPECTED}"));
    }
    match id.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) => Some(format!(
            "begins with \"{c}\", which a spreadsheet reads as a formula; an id must not begin with =, +, - or @"
        )),
        _ => None,
    }
}

/// What is wrong with a descriptive text cell (at most `max_bytes` bytes, no [`is_unsafe`]
/// character), as the end of an error message; `None` when nothing is.
pub fn text_problem(text: &str, max_bytes: usize) -> Option<String> {
    let expected =
        format!("expected at most {max_bytes} bytes of text without control or bidirectional-formatting characters");
    if text.len() > max_bytes {
        return Some(format!("is {} bytes long; {expected}", text.len()));
    }
    character_problem(text).map(|problem| format!("{problem}; {expected}"))
}

/// "contains the control character U+001B" for the first [`is_unsafe`] character of `text`.
fn character_problem(text: &str) -> Option<String> {
    let c = text.chars().find(|c| is_unsafe(*c))?;
    let kind = if c.is_control() { "control" } else { "formatting" };
    Some(format!("contains the {kind} character U+{:04X}", u32::from(c)))
}

/// The start of `text` for an error message: at most `chars` characters, with `…` when cut,
/// and escaped ([`printable`]).
pub fn excerpt(text: &str, chars: usize) -> String {
    let mut iter = text.chars();
    let head: String = iter.by_ref().take(chars).collect();
    let cut = if iter.next().is_some() { "…" } else { "" };
    format!("{}{cut}", printable(&head))
}

/// A number for an error message: as written where that is short, else in scientific notation
/// (1e300, not three hundred digits).
pub fn figure(x: f64) -> String {
    let plain = x.to_string();
    if plain.len() <= 20 {
        plain
    } else {
        format!("{x:e}")
    }
}

/// `text`, cut to `max` characters with an ellipsis.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_control_and_bidi_characters_only() {
        assert!(matches!(printable("plain café ✓"), Cow::Borrowed(_)));
        assert_eq!(printable("a\u{1b}[31mb\u{7}c\r\n\t"), "a\\u{1b}[31mb\\u{7}c\\r\\n\\t");
        assert_eq!(printable("x\u{202e}y\u{2066}z\u{9b}"), "x\\u{202e}y\\u{2066}z\\u{9b}");
        assert_eq!(printable("C:\\dir"), "C:\\dir");
    }

    #[test]
    fn ids_are_short_printable_and_not_formulas() {
        for good in ["a", "ACME-1", "smith, jones", "café", "x=1", &"a".repeat(MAX_ID_BYTES)] {
            assert_eq!(id_problem(good), None, "{good}");
        }
        let long = "é".repeat(MAX_ID_BYTES / 2 + 1);
        assert!(id_problem(&long).is_some_and(|p| p.contains("202 bytes")));
        for bad in ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "a\u{1b}b", "a\u{202e}b", "a\u{200f}"] {
            assert!(id_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn excerpts_are_cut_and_escaped() {
        assert_eq!(excerpt("abc", 5), "abc");
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(excerpt("a\u{1b}", 5), "a\\u{1b}");
    }

    #[test]
    fn figures_are_short_in_messages() {
        assert_eq!(figure(1.08), "1.08");
        assert_eq!(figure(1e9), "1000000000");
        assert_eq!(figure(1e300), "1e300");
        assert_eq!(figure(1e-300), "1e-300");
        assert_eq!(figure(f64::INFINITY), "inf");
    }
}
