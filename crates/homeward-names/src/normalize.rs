//! Unicode and punctuation normalisation of a whole name, in its own script(s).

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Whether `c` is one of the many hyphens and dashes found in names (Ter-Petrosyan).
fn is_hyphen(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            ..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' | '\u{058A}'
    )
}

/// Whether `c` is an apostrophe-like mark that is dropped without splitting the word
/// (O'Brien, Natal'ya, Armenian U+055A..U+055F emphasis and question marks, K'ocharyan).
fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '`'
            | '\u{00B4}'
            | '\u{02B9}'..='\u{02BF}'
            | '\u{02C8}'
            | '\u{2018}'..='\u{201B}'
            | '\u{2032}'
            | '\u{055A}'..='\u{055F}'
            | '\u{FF07}'
            // Invisible characters pasted with names: soft hyphen, zero-width spaces and
            // joiners, word joiner, byte order mark.
            | '\u{00AD}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// Whether `c` is a combining mark (kept after a letter, dropped when stray).
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0483}'..='\u{0489}' | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Whether `c` is a letter or digit of the scripts met most (ASCII, Latin-1 and Latin
/// Extended-A, Cyrillic, Armenian, ə), answered without Unicode tables.
fn is_fast_letter(c: char) -> bool {
    matches!(c, 'a'..='z' | 'A'..='Z' | '0'..='9' | '\u{00C0}'..='\u{00D6}' | '\u{00D8}'..='\u{00F6}'
        | '\u{00F8}'..='\u{017F}' | '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{052F}'
        | '\u{0531}'..='\u{0556}' | '\u{0561}'..='\u{0587}' | '\u{0259}' | '\u{018F}')
}

/// Whether `c` is in normal form on its own and lower-cases to a character that is too
/// (so a name of such characters needs no normalisation pass).
fn is_plain(c: char) -> bool {
    c.is_ascii()
        || matches!(c, '\u{00C0}'..='\u{00FF}' | '\u{0400}'..='\u{045F}' | '\u{0531}'..='\u{0556}'
            | '\u{0561}'..='\u{0586}' | '\u{0259}' | '\u{018F}' | 'ğ' | 'Ğ' | 'ş' | 'Ş' | 'ı')
}

/// Lower case of a character for which `is_plain` holds (always one character), without
/// the Unicode case tables: the upper-case ranges of the plain set map by a fixed offset,
/// and every other plain character is already lower case (or has no case).
fn lower_plain(c: char) -> char {
    let u = c as u32;
    let l = match u {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE | 0x410..=0x42F => u + 0x20,
        0x400..=0x40F => u + 0x50,
        0x531..=0x556 => u + 0x30,
        // Ğ, Ş (Latin Extended-A pairs: lower case is the next code point) and Ə.
        0x11E | 0x15E => u + 1,
        0x18F => 0x259,
        _ => return c,
    };
    char::from_u32(l).unwrap_or(c)
}

/// Normalises a name: Unicode NFKC (which also splits the Armenian ligature և into ե + ւ),
/// case folding, Russian ё to е, Turkish/Azerbaijani dotless ı to i, unified hyphens, dropped apostrophes, every other
/// punctuation mark or symbol as a word break (so initials "R.Vardanyan" become "r vardanyan"),
/// and single spaces. Idempotent; never fails.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    if name.is_ascii() {
        push_filtered(
            &mut out,
            name.bytes().map(|b| b.to_ascii_lowercase() as char),
        );
        return out;
    }
    // Optimistically in one pass: most names hold only plain characters; the first other
    // one stops the pass and the name is redone through Unicode normalisation.
    let mut plain = true;
    push_filtered(
        &mut out,
        name.chars().map_while(|c| {
            plain &= is_plain(c);
            plain.then(|| lower_plain(c))
        }),
    );
    if plain {
        return out;
    }
    out.clear();
    if is_nfkc_quick(name.chars()) == IsNormalized::Yes {
        push_filtered(&mut out, name.chars().flat_map(char::to_lowercase));
    } else {
        let composed: String = name.nfkc().collect();
        push_filtered(&mut out, composed.chars().flat_map(char::to_lowercase));
    }
    // Lower-casing, or dropping a stray character, can leave a sequence that is not in
    // normal form (a letter next to a mark it composes with).
    if !out.is_ascii() && is_nfkc_quick(out.chars()) != IsNormalized::Yes {
        out = out.nfkc().collect();
    }
    out
}

/// Appends the kept characters of an already case-folded stream, handling separators.
fn push_filtered(out: &mut String, chars: impl Iterator<Item = char>) {
    let mut pending_space = false;
    let mut pending_hyphen = false;
    let mut prev: Option<char> = None;
    for c in chars {
        // The common letters first; ʼ (U+02BC) is a letter to Unicode but an apostrophe here.
        let letter =
            is_fast_letter(c) || (!is_apostrophe(c) && !c.is_ascii() && c.is_alphanumeric());
        if letter {
            let c = match c {
                'ё' => 'е',
                // Upper case cannot carry Turkish/Azerbaijani dotless ı (ISMAYILOV), so
                // lower case folds it to i as well, and both spellings agree.
                'ı' => 'i',
                other => other,
            };
            if !out.is_empty() {
                if pending_hyphen {
                    out.push('-');
                } else if pending_space {
                    out.push(' ');
                }
            }
            pending_space = false;
            pending_hyphen = false;
            out.push(c);
            prev = Some(c);
            continue;
        }
        if is_apostrophe(c) {
            // Dropped without breaking the word.
            continue;
        }
        if is_mark(c) {
            // A mark is kept only right after a letter; U+0307 after i is the residue of
            // lower-casing Turkish/Azerbaijani İ and carries nothing.
            let attached = !pending_space && !pending_hyphen && prev.is_some();
            if attached && !(c == '\u{0307}' && prev == Some('i')) {
                out.push(c);
            }
        } else if is_hyphen(c) {
            if !out.is_empty() {
                pending_hyphen = true;
            }
        } else if !out.is_empty() {
            pending_space = true;
            prev = None;
        }
        if !is_mark(c) {
            prev = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_spaces_and_punctuation() {
        assert_eq!(normalize("  RUBEN   Vardanyan "), "ruben vardanyan");
        assert_eq!(normalize("R.Vardanyan"), "r vardanyan");
        assert_eq!(normalize("Vardanyan, Ruben"), "vardanyan ruben");
        assert_eq!(normalize("Natal'ya"), "natalya");
        assert_eq!(normalize("O’Brien"), "obrien");
    }

    #[test]
    fn unifies_hyphens() {
        assert_eq!(normalize("Ter–Petrosyan"), "ter-petrosyan");
        assert_eq!(normalize("Ter - Petrosyan"), "ter-petrosyan");
        assert_eq!(normalize("-Ruben-"), "ruben");
        assert_eq!(normalize("Տեր֊Պետրոսյան"), "տեր-պետրոսյան");
    }

    #[test]
    fn armenian_ligature_and_cyrillic_yo() {
        assert_eq!(normalize("Եւրոպա"), "եւրոպա");
        assert_eq!(normalize("Երևան"), "երեւան");
        assert_eq!(normalize("Семён"), "семен");
        assert_eq!(normalize("Артём"), normalize("Артем"));
    }

    #[test]
    fn decomposed_and_composed_agree() {
        assert_eq!(normalize("Mu\u{0308}ller"), normalize("Müller"));
        assert_eq!(normalize("İsmayılov"), "ismayilov");
        assert_eq!(normalize("İSMAYILOV"), "ismayilov");
        assert_eq!(normalize("ƏLİYEV"), "əliyev");
    }

    #[test]
    fn plain_lower_case_agrees_with_unicode() {
        let plain = (0u32..0x600)
            .filter_map(char::from_u32)
            .filter(|&c| is_plain(c));
        for c in plain {
            let mut unicode = c.to_lowercase();
            let expected = unicode.next().unwrap_or(c);
            assert!(
                unicode.next().is_none(),
                "{c:?} lowers to several characters"
            );
            assert_eq!(lower_plain(c), expected, "{c:?}");
        }
    }

    #[test]
    fn stray_marks_and_symbols() {
        assert_eq!(normalize("\u{0301}Ruben ★ Vardanyan"), "ruben vardanyan");
        assert_eq!(normalize("…"), "");
    }
}
