//! Properties trust rests on: idempotent normalisation, symmetric similarity, keys that do
//! not depend on case or Unicode normal form.

use homeward_names::{normalize, similarity, token_key, token_keys};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// Names drawn from the scripts we meet plus punctuation, marks and stray symbols.
fn name() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "Ռուբեն",
        "Վարդանյան",
        "Տեր-",
        "և",
        "ու",
        "Рубен",
        "Семён",
        "Ёлкин",
        "Наталья",
        "Григорій",
        "Ruben",
        "Ter-",
        "Əliyev",
        "İsmayılov",
        "ğ",
        "Müller",
        "O'Brien",
        "R.",
        " ",
        "  ",
        "-",
        "–",
        "’",
        "\u{301}",
        "e\u{301}",
        "ß",
        "ﬁ",
        "Ⅻ",
        "ǅ",
        "ʼ",
        "ვახტანგ",
        "١٢",
        "★",
        "K",
        "x",
        "j",
        "sch",
        "\u{00AD}",
        "İ",
        "Ǆ",
        "ẞ",
    ]);
    prop::collection::vec(pieces, 0..6).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn normalisation_is_idempotent(s in name()) {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn normalisation_is_idempotent_on_any_text(s in "\\PC{0,24}") {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn similarity_is_symmetric_and_bounded(a in name(), b in name()) {
        let ab = similarity(&a, &b);
        let ba = similarity(&b, &a);
        prop_assert_eq!(ab, ba);
        prop_assert!((0.0..=1.0).contains(&ab));
    }

    #[test]
    fn similarity_of_a_name_with_itself_is_one(a in name()) {
        prop_assert_eq!(similarity(&a, &a), 1.0);
    }

    #[test]
    fn keys_ignore_case_and_normal_form(a in name()) {
        let variants = [
            a.to_uppercase(),
            a.to_lowercase(),
            a.nfd().collect::<String>(),
            a.nfc().collect::<String>(),
            a.nfkd().collect::<String>(),
        ];
        let k = token_keys(&a.nfc().collect::<String>().to_lowercase());
        for v in &variants {
            prop_assert_eq!(&token_keys(v), &k, "variant {:?}", v);
        }
        prop_assert_eq!(token_key(&a.to_uppercase()), token_key(&a.to_lowercase()));
    }
}
