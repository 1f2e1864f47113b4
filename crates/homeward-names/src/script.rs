//! Script detection per character and per token (Armenian, Cyrillic, Latin, other).

/// The writing system of a character or of a name part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Script {
    /// Armenian alphabet (U+0530..U+058F and the Armenian ligatures U+FB13..U+FB17).
    Armenian,
    /// Cyrillic (Russian, Ukrainian, Belarusian, Azerbaijani Cyrillic and others).
    Cyrillic,
    /// Latin, including Azerbaijani, Turkish, German and French letters.
    Latin,
    /// Letters of a script this crate does not transliterate (kept as they are).
    Other,
    /// Letters from more than one script in the same token (often copy-paste homoglyphs).
    Mixed,
    /// No letters at all (digits only, or empty).
    None,
}

/// The script of one character, or `None` for characters that are not letters.
pub fn char_script(c: char) -> Option<Script> {
    match c {
        'a'..='z' | 'A'..='Z' => Some(Script::Latin),
        '\u{0531}'..='\u{0556}' | '\u{0561}'..='\u{0587}' | '\u{FB13}'..='\u{FB17}' => {
            Some(Script::Armenian)
        }
        '\u{0400}'..='\u{052F}'
        | '\u{1C80}'..='\u{1C88}'
        | '\u{2DE0}'..='\u{2DFF}'
        | '\u{A640}'..='\u{A69F}' => Some(Script::Cyrillic),
        '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' | '\u{0259}' => {
            if c == '\u{00D7}' || c == '\u{00F7}' {
                None
            } else {
                Some(Script::Latin)
            }
        }
        _ if c.is_alphabetic() => Some(Script::Other),
        _ => None,
    }
}

/// The script of a token: the one script of all its letters, `Mixed`, or `None`.
pub fn script_of(token: &str) -> Script {
    let mut found: Option<Script> = None;
    for c in token.chars() {
        if let Some(s) = char_script(c) {
            match found {
                None => found = Some(s),
                Some(f) if f == s => {}
                Some(_) => return Script::Mixed,
            }
        }
    }
    found.unwrap_or(Script::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_script() {
        assert_eq!(script_of("Վարդանյան"), Script::Armenian);
        assert_eq!(script_of("Варданян"), Script::Cyrillic);
        assert_eq!(script_of("Vardanyan"), Script::Latin);
        assert_eq!(script_of("Məmmədov"), Script::Latin);
        assert_eq!(script_of("ვარდანი"), Script::Other);
        assert_eq!(script_of("Vаrdanyan"), Script::Mixed); // Cyrillic а inside
        assert_eq!(script_of("123"), Script::None);
        assert_eq!(script_of(""), Script::None);
    }
}
