//! Behaviour through the public API: analysis, totality, search.

use homeward_names::{analyse, same_name, script_of, similarity, Diagnostic, NameIndex, Script};

#[test]
fn analysis_of_a_name_in_three_scripts_agrees() {
    let a = analyse("Ռուբեն Վարդանյան");
    let b = analyse("Рубен Варданян");
    let c = analyse("RUBEN  VARDANYAN");
    assert_eq!(a.canonical, "ruben vardanyan");
    assert_eq!(a.keys, b.keys);
    assert_eq!(b.keys, c.keys);
    assert_eq!(a.scripts, vec![Script::Armenian, Script::Armenian]);
    assert_eq!(a.tokens.len(), a.keys.len());
}

#[test]
fn totality_on_hostile_input() {
    for s in [
        "",
        "   ",
        "★★★",
        "\u{301}\u{301}",
        "١٢٣",
        "ვახტანგ",
        "a\u{0}b",
        "𝔄𝔯𝔪𝔢𝔫",
        "Ⅻ",
    ] {
        let a = analyse(s);
        assert_eq!(a.tokens.len(), a.keys.len());
        let _ = similarity(s, "Armen");
    }
    assert_eq!(analyse("★").issues, vec![Diagnostic::Empty]);
    assert!(
        analyse("𝔄𝔯𝔪𝔢𝔫").keys == analyse("Armen").keys,
        "NFKC folds mathematical letters"
    );
}

#[test]
fn mixed_script_homoglyphs_are_reported_and_matched() {
    let a = analyse("Vаrdanyan"); // Cyrillic а
    assert_eq!(script_of("Vаrdanyan"), Script::Mixed);
    assert!(a.issues.contains(&Diagnostic::MixedScripts { token: 0 }));
    assert!(same_name("Vаrdanyan", "Vardanyan"));
}

#[test]
fn search_ranks_across_scripts_deterministically() {
    let people = [
        (10u64, "Armen Petrosyan"),
        (11, "Армен Петросян"),
        (12, "Armen Bedrosian"),
        (13, "Arman Petrosyan"),
        (14, "Armen Vardanyan"),
        (15, "Petrosyan Armen Samveli"),
        (16, "Aram Petrosov"),
    ];
    let ix = NameIndex::new(people);
    let hits = ix.search("Արմեն Պետրոսյան", 4);
    let ids: Vec<u64> = hits.iter().map(|h| h.0).collect();
    assert_eq!(ids, vec![10, 11, 12, 15]);
    assert_eq!(hits, ix.scan("Արմեն Պետրոսյան", 4));
}

#[test]
fn search_ranks_the_given_name_above_a_fathers_name() {
    // Ids chosen so that a tie would put the sons of an Armen first.
    let people = [
        (1u64, "Петросян Давид Армен"),
        (2, "Petrosyan Tigran Armen"),
        (3, "Петросян Ашот Арменович"),
        (4, "Petrosyan Armen Davit"),
        (5, "Петросян Армен"),
        (6, "Petrosyan Gor Armeni"),
    ];
    let ix = NameIndex::new(people);
    let hits = ix.search("Петросян Армен", 6);
    let ids: Vec<u64> = hits.iter().map(|h| h.0).collect();
    assert_eq!(&ids[..2], &[5, 4], "{hits:?}");
    for h in &hits[2..] {
        assert!(h.1 < homeward_names::SAME_NAME_THRESHOLD, "{hits:?}");
    }
    assert_eq!(hits, ix.scan("Петросян Армен", 6));
}
