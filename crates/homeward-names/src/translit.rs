//! Transliteration of one normalised name part to a canonical Latin (ASCII) form.
//!
//! Standards, per script:
//! * Armenian: BGN/PCGN 1981 (Eastern Armenian), written without the aspiration
//!   apostrophes: ե is "ye" word-initially and after vowels, else "e"; ո is "vo"
//!   word-initially; ու is "u"; եւ (և) is "yev" initially, else "ev"; ը is "y".
//! * Russian Cyrillic: BGN/PCGN 1947 (е is "ye" initially and after vowels, ъ and ь
//!   dropped, ы "y", й "y", х "kh", ц "ts", щ "shch", ю "yu", я "ya").
//! * Ukrainian Cyrillic: BGN/PCGN 1965 (г "h", ґ "g", и "y", і "i", ї "yi", є "ye"),
//!   chosen when the token holds і, ї, є or ґ.
//! * Belarusian Cyrillic: BGN/PCGN 1979 (г "h", ў "w"), chosen when the token holds ў.
//! * Azerbaijani Cyrillic (1958 alphabet): ә "a", ғ "gh", һ "h", ү "u", ө "o", ҹ "j",
//!   ҝ "g", ј "y".
//! * Azerbaijani (and Turkish) Latin: the English-language practice of official
//!   Azerbaijani sites (Məmmədov -> Mammadov): ə "a", ı "i", ğ "gh", ş "sh", ç "ch",
//!   ö "o", ü "u", x "kh", q "g", c "j", j "zh"; used when the token holds ə, ğ or ş
//!   (or ç, ö, ü together with c, q or x); ı is folded to i by normalisation, because
//!   upper case cannot carry it.
//! * Other Latin: diacritics removed (ISO 9 and ISO 9985 letters such as č š ž ǰ are
//!   written as digraphs ch sh zh j), other letters kept as written.
//! * Any other script is kept as it is, with a diagnostic.

use crate::script::{char_script, Script};
use unicode_normalization::UnicodeNormalization;

/// Cyrillic alphabets told apart by their own letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cyr {
    Russian,
    Ukrainian,
    Belarusian,
    Azerbaijani,
}

/// The transliteration of one token and what was noticed on the way.
#[derive(Debug, Clone, Default)]
pub(crate) struct Translit {
    /// Lowercase Latin text (ASCII unless the token held letters of other scripts).
    pub text: String,
    /// The token was Azerbaijani (or Turkish) Latin, so x, q, c, j are already resolved.
    pub azerbaijani: bool,
    /// The token held a Cyrillic г (read "g" in Russian, "h" in Ukrainian; Armenian and
    /// Azerbaijani h is written г in Russian, so both readings are worth keying).
    pub has_cyrillic_g: bool,
    /// A Cyrillic г has already been read the other way in this token.
    pub flipped_g: bool,
    /// The token held an Azerbaijani ə, written a (Mammadov) or e (Мамедов, Veliyev).
    pub has_schwa: bool,
    /// Letters of a script without a table were kept unchanged.
    pub unknown: bool,
    /// Letters of a known script had no table entry and were dropped or kept as is.
    pub lossy: bool,
}

fn is_arm_vowel(c: char) -> bool {
    matches!(c, 'ա' | 'ե' | 'է' | 'ը' | 'ի' | 'ո' | 'օ')
}

fn is_cyr_vowel(c: char) -> bool {
    matches!(
        c,
        'а' | 'е'
            | 'ё'
            | 'и'
            | 'о'
            | 'у'
            | 'ы'
            | 'э'
            | 'ю'
            | 'я'
            | 'і'
            | 'ї'
            | 'є'
            | 'ә'
            | 'ө'
            | 'ү'
    )
}

/// Transliterates one normalised token; `other_way` flips the reading of Cyrillic г
/// (g or h) and of Azerbaijani ə (a or e).
pub(crate) fn translit_token(token: &str, other_way: bool) -> Translit {
    let mut t = Translit {
        text: String::with_capacity(token.len() + 4),
        ..Translit::default()
    };
    if token.is_ascii() {
        t.text.push_str(token);
        return t;
    }
    // Name parts are short: their characters fit a stack buffer (a token of at most 64
    // bytes has at most 64 characters), so no allocation per token.
    let mut stack = ['\0'; 64];
    let heap: Vec<char>;
    let chars: &[char] = if token.len() <= stack.len() {
        let mut n = 0;
        for (slot, c) in stack.iter_mut().zip(token.chars()) {
            *slot = c;
            n += 1;
        }
        &stack[..n]
    } else {
        heap = token.chars().collect();
        &heap
    };
    let (cyr, az) = classify(chars);
    t.azerbaijani = az;
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i == 0 {
            None
        } else {
            chars.get(i - 1).copied()
        };
        let next = chars.get(i + 1).copied();
        let initial = prev.is_none() || prev == Some('-');
        match char_script(c) {
            Some(Script::Armenian) => armenian(c, prev, next, initial, &mut t),
            Some(Script::Cyrillic) => cyrillic(c, prev, next, initial, cyr, other_way, &mut t),
            Some(Script::Latin) => latin(c, az, other_way, &mut t),
            Some(_) => {
                t.unknown = true;
                t.text.push(c);
            }
            None => {
                if c == '-' || c.is_ascii_digit() {
                    t.text.push(c);
                } else if !is_combining(c) {
                    t.unknown = true;
                    t.text.push(c);
                }
            }
        }
    }
    t
}

fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// The Cyrillic alphabet of a token (by the letters only some alphabets have) and whether
/// it is Azerbaijani or Turkish Latin (ə, ğ or ş; or ç, ö or ü beside c, q or x), in one pass.
fn classify(chars: &[char]) -> (Cyr, bool) {
    let (mut belarusian, mut ukrainian, mut azerbaijani_cyr) = (false, false, false);
    let (mut strong, mut weak, mut ambiguous) = (false, false, false);
    for &c in chars {
        match c {
            'ў' => belarusian = true,
            'і' | 'ї' | 'є' | 'ґ' => ukrainian = true,
            'ә' | 'ғ' | 'һ' | 'ү' | 'ө' | 'ҹ' | 'ҝ' | 'ј' => azerbaijani_cyr = true,
            'ə' | 'ğ' | 'ş' => strong = true,
            'ç' | 'ö' | 'ü' => weak = true,
            'c' | 'q' | 'x' => ambiguous = true,
            _ => {}
        }
    }
    let cyr = if belarusian {
        Cyr::Belarusian
    } else if ukrainian {
        Cyr::Ukrainian
    } else if azerbaijani_cyr {
        Cyr::Azerbaijani
    } else {
        Cyr::Russian
    };
    (cyr, strong || (weak && ambiguous))
}

fn armenian(c: char, prev: Option<char>, next: Option<char>, initial: bool, t: &mut Translit) {
    let after_vowel = prev.is_some_and(|p| is_arm_vowel(p) || p == 'ւ');
    let s: &str = match c {
        'ա' => "a",
        'բ' => "b",
        'գ' => "g",
        'դ' => "d",
        'ե' => {
            if initial || after_vowel {
                "ye"
            } else {
                "e"
            }
        }
        'զ' => "z",
        'է' => "e",
        'ը' => "y",
        'թ' => "t",
        'ժ' => "zh",
        'ի' => "i",
        'լ' => "l",
        'խ' => "kh",
        'ծ' => "ts",
        'կ' => "k",
        'հ' => "h",
        'ձ' => "dz",
        'ղ' => "gh",
        'ճ' => "ch",
        'մ' => "m",
        'յ' => "y",
        'ն' => "n",
        'շ' => "sh",
        'ո' => {
            if next == Some('ւ') {
                "u"
            } else if initial {
                "vo"
            } else {
                "o"
            }
        }
        'չ' => "ch",
        'պ' => "p",
        'ջ' => "j",
        'ռ' => "r",
        'ս' => "s",
        'վ' => "v",
        'տ' => "t",
        'ր' => "r",
        'ց' => "ts",
        'ւ' => {
            if prev == Some('ո') {
                ""
            } else {
                "v"
            }
        }
        'փ' => "p",
        'ք' => "k",
        'օ' => "o",
        'ֆ' => "f",
        // Ligatures survive only when NFKC was skipped; spelled out for totality.
        'և' => {
            if initial {
                "yev"
            } else {
                "ev"
            }
        }
        _ => {
            t.lossy = true;
            ""
        }
    };
    t.text.push_str(s);
}

fn cyrillic(
    c: char,
    prev: Option<char>,
    next: Option<char>,
    initial: bool,
    cyr: Cyr,
    g_flip: bool,
    t: &mut Translit,
) {
    let soft_before = prev.is_some_and(|p| is_cyr_vowel(p) || matches!(p, 'ъ' | 'ь' | 'й' | 'ј'));
    let g_is_h = matches!(cyr, Cyr::Ukrainian | Cyr::Belarusian);
    let s: &str = match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => {
            // Armenian and Azerbaijani h is written г in Russian (Оганесян, Гусейнов, Гайк).
            // Only the first such г is flipped: Гагик is not Hayk. Before р too: Hrant,
            // Zohrab and Ghahraman are Грант, Зограб, Каграман.
            let flippable = next.is_some_and(|n| is_cyr_vowel(n) || n == 'р');
            let flip = g_flip && flippable && !t.flipped_g;
            t.flipped_g |= flip;
            t.has_cyrillic_g |= flippable;
            if g_is_h != flip {
                "h"
            } else {
                "g"
            }
        }
        'ґ' => "g",
        'д' => "d",
        'е' => {
            if cyr != Cyr::Ukrainian && (initial || soft_before) {
                "ye"
            } else {
                "e"
            }
        }
        'є' => "ye",
        'ж' => "zh",
        'з' => "z",
        'и' => {
            if cyr == Cyr::Ukrainian {
                "y"
            } else {
                "i"
            }
        }
        'і' => "i",
        'ї' => "yi",
        'й' | 'ј' => "y",
        'к' | 'ҝ' => {
            if c == 'ҝ' {
                "g"
            } else {
                "k"
            }
        }
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' | 'ө' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ү' => "u",
        'ў' => "w",
        'ф' => "f",
        'х' => "kh",
        'һ' => "h",
        'ц' => "ts",
        'ч' => "ch",
        'ҹ' => "j",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        'ё' => "yo",
        'ә' => {
            t.has_schwa = true;
            if g_flip {
                "e"
            } else {
                "a"
            }
        }
        'ғ' => "gh",
        'ђ' => "dj",
        'ћ' => "c",
        'џ' => "dzh",
        'љ' => "lj",
        'њ' => "nj",
        'ѕ' => "dz",
        _ => {
            t.lossy = true;
            ""
        }
    };
    t.text.push_str(s);
}

fn latin(c: char, az: bool, schwa_e: bool, t: &mut Translit) {
    if c == 'ə' {
        t.has_schwa = true;
        t.text.push(if schwa_e { 'e' } else { 'a' });
        return;
    }
    if az {
        let s: Option<&str> = match c {
            'ı' => Some("i"),
            'ğ' => Some("gh"),
            'ş' => Some("sh"),
            'ç' => Some("ch"),
            'ö' => Some("o"),
            'ü' => Some("u"),
            'x' => Some("kh"),
            'q' => Some("g"),
            'c' => Some("j"),
            'j' => Some("zh"),
            _ => None,
        };
        if let Some(s) = s {
            t.text.push_str(s);
            return;
        }
    }
    if c.is_ascii() {
        t.text.push(c);
        return;
    }
    let s: Option<&str> = match c {
        'ä' | 'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => Some("a"),
        'ß' => Some("ss"),
        'æ' => Some("ae"),
        'œ' => Some("oe"),
        'ø' => Some("o"),
        'ł' => Some("l"),
        'đ' | 'ð' => Some("d"),
        'þ' => Some("th"),
        'ı' => Some("i"),
        'č' | 'ć' | 'ç' => Some("ch"),
        'š' | 'ş' | 'ŝ' => Some("sh"),
        'ž' | 'ż' => Some("zh"),
        'ǰ' => Some("j"),
        'ğ' => Some("gh"),
        'ĵ' => Some("j"),
        _ => None,
    };
    if let Some(s) = s {
        t.text.push_str(s);
        return;
    }
    // Remaining accented letters lose their marks (é -> e, ü -> u, ṙ -> r).
    let mut any = false;
    for d in c.to_string().nfd() {
        if d.is_ascii_alphabetic() {
            t.text.push(d);
            any = true;
        }
    }
    if !any {
        t.lossy = true;
        t.text.push(c);
    }
}

/// Transliterates a whole name to its canonical Latin form (see the module docs for the
/// standard used per script). The name is normalised first; total: never fails.
pub fn transliterate(name: &str) -> String {
    let normalized = crate::normalize::normalize(name);
    let mut out = String::with_capacity(normalized.len() + 8);
    for (i, tok) in normalized.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&translit_token(tok, false).text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(s: &str) -> String {
        transliterate(s)
    }

    #[test]
    fn armenian_bgn_pcgn() {
        assert_eq!(tr("Ռուբեն Վարդանյան"), "ruben vardanyan");
        assert_eq!(tr("Խաչատրյան"), "khachatryan");
        assert_eq!(tr("Եղիազարյան"), "yeghiazaryan");
        assert_eq!(tr("Հովհաննիսյան"), "hovhannisyan");
        assert_eq!(tr("Ոսկանյան"), "voskanyan");
        assert_eq!(tr("Երևան"), "yerevan");
        assert_eq!(tr("Ծատուրյան"), "tsaturyan");
        assert_eq!(tr("Ղազարյան"), "ghazaryan");
        assert_eq!(tr("Գայանե"), "gayane");
        assert_eq!(tr("Տեր-Պետրոսյան"), "ter-petrosyan");
    }

    #[test]
    fn russian_bgn_pcgn() {
        assert_eq!(tr("Рубен Варданян"), "ruben vardanyan");
        assert_eq!(tr("Андрей"), "andrey");
        assert_eq!(tr("Наталья"), "natalya");
        assert_eq!(tr("Елена"), "yelena");
        assert_eq!(tr("Сергеев"), "sergeyev");
        assert_eq!(tr("Щукин"), "shchukin");
        assert_eq!(tr("Алиев"), "aliyev");
        assert_eq!(tr("Хачатрян"), "khachatryan");
        assert_eq!(tr("Цатурян"), "tsaturyan");
    }

    #[test]
    fn ukrainian_and_belarusian() {
        assert_eq!(tr("Григорій"), "hryhoriy");
        assert_eq!(tr("Євген"), "yevhen");
        assert_eq!(tr("Ўладзімір"), "wladzimir");
    }

    #[test]
    fn azerbaijani_latin_and_cyrillic() {
        assert_eq!(tr("Məmmədov"), "mammadov");
        assert_eq!(tr("Əliyev"), "aliyev");
        assert_eq!(tr("Xəlilov"), "khalilov");
        assert_eq!(tr("Cəfərov"), "jafarov");
        assert_eq!(tr("Vüqar"), "vugar");
        assert_eq!(tr("Hüseynov"), "huseynov");
        assert_eq!(tr("İsmayılov"), "ismayilov");
        assert_eq!(tr("Рәшид"), "rashid");
    }

    #[test]
    fn other_latin_diacritics() {
        assert_eq!(tr("Müller"), "muller");
        assert_eq!(tr("Chačaturjan"), "chachaturjan");
        assert_eq!(tr("Kʼočaryan"), "kocharyan");
    }

    #[test]
    fn unknown_script_is_kept_and_flagged() {
        let t = translit_token("ვარდანი", false);
        assert!(t.unknown);
        assert_eq!(t.text, "ვარდანი");
    }
}
