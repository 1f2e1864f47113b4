//! PFIF 1.4: an export validates against the schema and imports back into an empty
//! database with the same persons and notes; hostile files are refused and change nothing.

use homeward_app::pfif::{self, ExportPolicy};
use homeward_store::{MonitoringStore, Store};

mod rules;

const AT: &str = "2026-11-01T00:00:00Z";
const ALL: ExportPolicy = ExportPolicy {
    birth_dates: true,
    locations: true,
    descriptions: true,
};

/// Each person element with the notes that follow it, as a sorted list of text blocks.
fn blocks(xml: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in xml.lines() {
        if line.trim() == "<pfif:person>" {
            out.push(String::new());
        }
        if let Some(b) = out.last_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    // The last block ends with the closing root element.
    if let Some(b) = out.last_mut() {
        *b = b.replace("</pfif:pfif>\n", "");
    }
    out.sort();
    out
}

fn xsd() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/pfif-1.4.xsd")
}

/// Validates a document with `xmllint --schema docs/pfif-1.4.xsd`: Ok, or xmllint's errors.
fn schema_check(dir: &std::path::Path, name: &str, xml: &str) -> Result<(), String> {
    let file = dir.join(name);
    std::fs::write(&file, xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd())
        .arg(&file)
        .output()
        .expect("xmllint (Debian libxml2-utils) validates the export against the PFIF 1.4 schema");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Asserts the document breaks none of the maintainers' rules, not even a warning.
fn assert_rules_hold(what: &str, xml: &str) {
    let v = rules::check(xml, AT);
    assert!(v.is_empty(), "{what} breaks PFIF rules: {v:#?}");
}

#[tokio::test]
async fn export_is_schema_valid_and_imports_back_with_the_same_persons_and_notes() {
    let (a, dir, _scenario, _summary) = crate::demo(120).await;
    let xml = pfif::export(&a, ALL, AT).await.unwrap();
    assert!(xml.contains("<pfif:note>") && xml.contains("believed_alive"));
    // Health findings and enquirer contacts are never exported.
    assert!(!xml.contains("+374 00"), "no enquirer contact");
    assert!(!xml.contains("no complaints"), "no health finding");

    if let Err(e) = schema_check(dir.path(), "export.xml", &xml) {
        panic!("{e}");
    }
    // And against the rules of the PFIF maintainers' validator (tests/it/pfif/rules.rs).
    assert_rules_hold("the demo export", &xml);

    let (b, _dir_b) = crate::store().await;
    let mut rng = rand::rngs::OsRng;
    let r = pfif::import(&b, "export.xml", xml.as_bytes(), &mut rng, AT)
        .await
        .unwrap();
    let persons_a = a.all_person_names().await.unwrap().len();
    assert_eq!(r.persons, persons_a);
    assert_eq!(b.all_person_names().await.unwrap().len(), persons_a);
    let back = pfif::export(&b, ALL, AT).await.unwrap();
    assert_eq!(blocks(&back), blocks(&xml), "same persons and notes");
    assert_rules_hold("the export after a round trip", &back);
    // Importing the same file again changes nothing.
    let again = pfif::import(&b, "export.xml", xml.as_bytes(), &mut rng, AT)
        .await
        .unwrap();
    assert!(again.already_imported);
    assert_eq!(b.all_person_names().await.unwrap().len(), persons_a);

    // The default policy withholds birth dates and locations.
    let withheld = pfif::export(&a, ExportPolicy::default(), AT).await.unwrap();
    assert!(xml.contains("<pfif:date_of_birth>"));
    assert!(!withheld.contains("<pfif:date_of_birth>") && !withheld.contains("<pfif:home_city>"));
    assert_rules_hold("the default-policy export", &withheld);
    schema_check(dir.path(), "withheld.xml", &withheld).unwrap();
}

const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
  <pfif:person>
    <pfif:person_record_id>example.org/p1</pfif:person_record_id>
    <pfif:source_date>2024-01-02T03:04:05Z</pfif:source_date>
    <pfif:full_name>Testyan Anna</pfif:full_name>
  </pfif:person>
  <pfif:person>
    <pfif:person_record_id>example.org/p2</pfif:person_record_id>
    <pfif:source_date>2024-01-02T03:04:05Z</pfif:source_date>
    <pfif:full_name>Sampleyan Gor</pfif:full_name>
  </pfif:person>
  <pfif:note>
    <pfif:note_record_id>example.org/n1</pfif:note_record_id>
    <pfif:person_record_id>example.org/p2</pfif:person_record_id>
    <pfif:author_name>Tester</pfif:author_name>
    <pfif:source_date>2024-01-03T00:00:00Z</pfif:source_date>
    <pfif:text>Seen</pfif:text>
  </pfif:note>
</pfif:pfif>
"#;

#[tokio::test]
async fn hostile_or_malformed_pfif_is_refused_and_changes_nothing() {
    let (store, _dir) = crate::store().await;
    let mut rng = rand::rngs::OsRng;
    let bomb = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE pfif [<!ENTITY a \"aaaaaaaaaa\">{}]>\n{}",
        (1..8)
            .map(|i| format!(
                "<!ENTITY a{i} \"{}\">",
                format!(
                    "&a{};",
                    if i == 1 {
                        String::new()
                    } else {
                        (i - 1).to_string()
                    }
                )
                .repeat(10)
            ))
            .collect::<String>(),
        GOOD.split_once('\n').unwrap().1.replace("Tester", "&a7;")
    );
    let deep = GOOD.replace(
        "<pfif:full_name>Sampleyan Gor</pfif:full_name>",
        &format!(
            "{}x{}",
            "<pfif:full_name>".repeat(64),
            "</pfif:full_name>".repeat(64)
        ),
    );
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "wrong namespace",
            GOOD.replace("pfif/1.4", "pfif/1.1"),
            "line 2",
        ),
        (
            "huge text",
            GOOD.replace("Sampleyan Gor", &"Ա".repeat(40_000)),
            "<full_name>",
        ),
        ("entity expansion", bomb, "DOCTYPE"),
        ("undeclared entity", GOOD.replace("Seen", "&lol;"), "&lol;"),
        (
            "missing required field",
            GOOD.replace("<pfif:full_name>Sampleyan Gor</pfif:full_name>", ""),
            "line 8, element <person>: required field <full_name>",
        ),
        ("deep nesting", deep, "nesting too deep"),
        (
            "note about nobody",
            GOOD.replace(
                ">example.org/p2</pfif:person_record_id>\n    <pfif:author",
                ">example.org/p9</pfif:person_record_id>\n    <pfif:author",
            ),
            "example.org/p9",
        ),
        (
            "record id without a domain name",
            GOOD.replace("example.org/n1", "example_org/n1"),
            "domain-name/local-id",
        ),
        (
            "nested note about another person",
            GOOD.replace(
                "    <pfif:full_name>Testyan Anna</pfif:full_name>\n",
                "    <pfif:full_name>Testyan Anna</pfif:full_name>\n    <pfif:note>\n      \
                 <pfif:note_record_id>example.org/n0</pfif:note_record_id>\n      \
                 <pfif:person_record_id>example.org/p2</pfif:person_record_id>\n      \
                 <pfif:author_name>T</pfif:author_name>\n      \
                 <pfif:source_date>2024-01-03T00:00:00Z</pfif:source_date>\n      \
                 <pfif:text>x</pfif:text>\n    </pfif:note>\n",
            ),
            "nested in person 'example.org/p1' names person 'example.org/p2'",
        ),
        (
            "not XML",
            GOOD.replace(
                "</pfif:person>\n  <pfif:note>",
                "</pfif:persn>\n  <pfif:note>",
            ),
            "malformed XML",
        ),
    ];
    for (what, text, expect) in cases {
        let err = pfif::import(&store, "hostile.xml", text.as_bytes(), &mut rng, AT)
            .await
            .expect_err(what)
            .to_string();
        assert!(err.starts_with("hostile.xml: line "), "{what}: {err}");
        assert!(err.contains(expect), "{what}: {err}");
        assert_eq!(
            store.counts().await.unwrap(),
            Default::default(),
            "{what} changed nothing"
        );
        assert!(store
            .person_by_record_id("example.org/p1")
            .await
            .unwrap()
            .is_none());
    }
    // The good file itself imports: two persons, one note.
    let r = pfif::import(&store, "good.xml", GOOD.as_bytes(), &mut rng, AT)
        .await
        .unwrap();
    assert_eq!((r.persons, r.notes), (2, 1));
    assert_eq!(r.sources, vec!["PFIF example.org".to_owned()]);
}

/// A document that keeps every rule: all PFIF 1.4 fields of a person and of a note, a
/// nested and a top-level note, a symmetric link, and an expired record reduced to its
/// placeholder within a day of expiry. Synthetic people only.
const FULL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
  <pfif:person>
    <pfif:person_record_id>example.org/p1</pfif:person_record_id>
    <pfif:entry_date>2024-01-02T03:04:05Z</pfif:entry_date>
    <pfif:expiry_date>2030-01-01T00:00:00Z</pfif:expiry_date>
    <pfif:author_name>Tester Sample</pfif:author_name>
    <pfif:author_email>tester@example.org</pfif:author_email>
    <pfif:author_phone>+1 (555) 010-0000 x12</pfif:author_phone>
    <pfif:source_name>example.org</pfif:source_name>
    <pfif:source_date>2024-01-02T03:04:05Z</pfif:source_date>
    <pfif:source_url>https://example.org/p1</pfif:source_url>
    <pfif:full_name>Anna Testyan</pfif:full_name>
    <pfif:given_name>Anna</pfif:given_name>
    <pfif:family_name>Testyan</pfif:family_name>
    <pfif:alternate_names>Ani Testyan</pfif:alternate_names>
    <pfif:description>Synthetic.</pfif:description>
    <pfif:sex>female</pfif:sex>
    <pfif:date_of_birth>1990-02</pfif:date_of_birth>
    <pfif:age>30-35</pfif:age>
    <pfif:home_street>Sample Street</pfif:home_street>
    <pfif:home_neighborhood>Centre</pfif:home_neighborhood>
    <pfif:home_city>Sampletown</pfif:home_city>
    <pfif:home_state>AM-ER</pfif:home_state>
    <pfif:home_postal_code>0001</pfif:home_postal_code>
    <pfif:home_country>AM</pfif:home_country>
    <pfif:photo_url>http://example.org/p1.jpg</pfif:photo_url>
    <pfif:profile_urls>https://example.org/anna</pfif:profile_urls>
    <pfif:note>
      <pfif:note_record_id>example.org/n1</pfif:note_record_id>
      <pfif:person_record_id>example.org/p1</pfif:person_record_id>
      <pfif:linked_person_record_id>example.org/p2</pfif:linked_person_record_id>
      <pfif:entry_date>2024-01-03T00:00:00Z</pfif:entry_date>
      <pfif:author_name>Tester</pfif:author_name>
      <pfif:author_email>tester@example.org</pfif:author_email>
      <pfif:author_phone>555 0100</pfif:author_phone>
      <pfif:source_date>2024-01-03T00:00:00Z</pfif:source_date>
      <pfif:author_made_contact>false</pfif:author_made_contact>
      <pfif:status>believed_alive</pfif:status>
      <pfif:email_of_found_person>anna@example.org</pfif:email_of_found_person>
      <pfif:phone_of_found_person>555-0101</pfif:phone_of_found_person>
      <pfif:last_known_location>Sampletown</pfif:last_known_location>
      <pfif:text>Seen; same person as example.org/p2.</pfif:text>
      <pfif:photo_url>https://example.org/n1.jpg</pfif:photo_url>
    </pfif:note>
  </pfif:person>
  <pfif:person>
    <pfif:person_record_id>example.org/p2</pfif:person_record_id>
    <pfif:source_date>2024-01-02T03:04:05Z</pfif:source_date>
    <pfif:full_name>Ani Testyan</pfif:full_name>
  </pfif:person>
  <pfif:person>
    <pfif:person_record_id>example.org/p3</pfif:person_record_id>
    <pfif:entry_date>2026-10-01T12:00:00Z</pfif:entry_date>
    <pfif:expiry_date>2026-10-01T00:00:00Z</pfif:expiry_date>
    <pfif:source_date>2026-10-01T12:00:00Z</pfif:source_date>
    <pfif:full_name></pfif:full_name>
  </pfif:person>
  <pfif:note>
    <pfif:note_record_id>example.org/n2</pfif:note_record_id>
    <pfif:person_record_id>example.org/p2</pfif:person_record_id>
    <pfif:linked_person_record_id>example.org/p1</pfif:linked_person_record_id>
    <pfif:author_name>Tester</pfif:author_name>
    <pfif:source_date>2024-01-03T00:00:00Z</pfif:source_date>
    <pfif:text>Same person as example.org/p1.</pfif:text>
  </pfif:note>
</pfif:pfif>
"#;

#[test]
fn the_rule_check_passes_a_good_document_and_catches_each_broken_rule() {
    use rules::Rule as R;
    // The placeholder's empty full_name is the one warning PFIF expects of it.
    let v = rules::check(FULL, AT);
    assert_eq!(
        v.iter().map(|v| (v.rule, v.line)).collect::<Vec<_>>(),
        vec![(R::EmptyField, 57)],
        "{v:#?}"
    );
    let dir = tempfile::tempdir().unwrap();
    schema_check(dir.path(), "full.xml", FULL).unwrap();

    let nested_note = |from: &str, to: &str| FULL.replacen(from, to, 1);
    // (what, broken document, the rule that must catch it, whether the schema must too)
    let cases: Vec<(&str, String, R, bool)> = vec![
        (
            "a note without author_name",
            nested_note("      <pfif:author_name>Tester</pfif:author_name>\n", ""),
            R::Required,
            true,
        ),
        (
            "a source_date without Z",
            FULL.replacen("2024-01-02T03:04:05Z</pfif:source_date>", "2024-01-02T03:04:05</pfif:source_date>", 1),
            R::Format,
            true,
        ),
        (
            "a source_date with an offset",
            FULL.replacen("2024-01-03T00:00:00Z</pfif:source_date>", "2024-01-03T00:00:00+04:00</pfif:source_date>", 1),
            R::Format,
            true,
        ),
        (
            "a date that is no date",
            FULL.replacen("2024-01-02T03:04:05Z</pfif:entry_date>", "2024-02-30T03:04:05Z</pfif:entry_date>", 1),
            R::Format,
            false, // the schema checks the form only
        ),
        (
            "fields out of order",
            FULL.replacen(
                "    <pfif:sex>female</pfif:sex>\n    <pfif:date_of_birth>1990-02</pfif:date_of_birth>\n",
                "    <pfif:date_of_birth>1990-02</pfif:date_of_birth>\n    <pfif:sex>female</pfif:sex>\n",
                1,
            ),
            R::FieldOrder,
            true,
        ),
        (
            "a field after the notes",
            FULL.replacen(
                "    </pfif:note>\n  </pfif:person>",
                "    </pfif:note>\n    <pfif:age>31</pfif:age>\n  </pfif:person>",
                1,
            ),
            R::FieldOrder,
            true,
        ),
        (
            "a person without full_name",
            FULL.replacen("    <pfif:full_name>Ani Testyan</pfif:full_name>\n", "", 1),
            R::Required,
            true,
        ),
        (
            "a person without source_date",
            FULL.replacen("    <pfif:source_date>2024-01-02T03:04:05Z</pfif:source_date>\n    <pfif:full_name>Ani", "    <pfif:full_name>Ani", 1),
            R::Required,
            true,
        ),
        (
            "a top-level note without person_record_id",
            FULL.replacen(
                "    <pfif:person_record_id>example.org/p2</pfif:person_record_id>\n    <pfif:linked",
                "    <pfif:linked",
                1,
            ),
            R::Required,
            true,
        ),
        (
            "a note without text",
            FULL.replacen("    <pfif:text>Same person as example.org/p1.</pfif:text>\n", "", 1),
            R::Required,
            true,
        ),
        ("sex outside PFIF's values", FULL.replacen(">female<", ">unknown<", 1), R::Format, true),
        ("status outside PFIF's values", FULL.replacen(">believed_alive<", ">alive<", 1), R::Format, true),
        ("author_made_contact not a boolean", FULL.replacen(">false<", ">no<", 1), R::Format, true),
        ("a date_of_birth with a day 31 in February", FULL.replacen(">1990-02<", ">1990-02-31<", 1), R::Format, false),
        ("an age that is no number", FULL.replacen(">30-35<", ">about 30<", 1), R::Format, true),
        ("a lower-case country", FULL.replacen(">AM<", ">am<", 1), R::Format, true),
        ("a record id without a domain", FULL.replacen(">example.org/n1<", ">n1<", 1), R::Format, true),
        ("a record id whose domain is no domain name", FULL.replacen(">example.org/n1<", ">example_org/n1<", 1), R::Format, true),
        ("a record id with nothing after the slash", FULL.replacen(">example.org/n1<", ">example.org/<", 1), R::Format, true),
        ("a photo_url that is not http(s)", FULL.replacen(">http://example.org/p1.jpg<", ">ftp://example.org/p1.jpg<", 1), R::Format, false),
        ("an e-mail without @", FULL.replacen(">anna@example.org<", ">anna<", 1), R::Format, false),
        ("a phone without digits", FULL.replacen(">555 0100<", ">call me<", 1), R::Format, false),
        (
            "a duplicated field",
            FULL.replacen("    <pfif:age>30-35</pfif:age>\n", "    <pfif:age>30-35</pfif:age>\n    <pfif:age>31</pfif:age>\n", 1),
            R::DuplicateField,
            true,
        ),
        (
            "a field PFIF 1.4 does not have",
            FULL.replacen("<pfif:given_name>Anna</pfif:given_name>", "<pfif:first_name>Anna</pfif:first_name>", 1),
            R::KnownField,
            true,
        ),
        (
            "a field in another namespace",
            FULL.replacen("<pfif:age>30-35</pfif:age>", "<x:age xmlns:x=\"urn:x\">30</x:age>", 1),
            R::KnownField,
            true,
        ),
        (
            "two persons with one id",
            FULL.replacen(">example.org/p3<", ">example.org/p2<", 1),
            R::UniqueId,
            false,
        ),
        (
            "two notes with one id",
            FULL.replacen(">example.org/n2<", ">example.org/n1<", 1),
            R::UniqueId,
            false,
        ),
        (
            "a nested note naming another person",
            FULL.replacen(
                "      <pfif:person_record_id>example.org/p1</pfif:person_record_id>",
                "      <pfif:person_record_id>example.org/p2</pfif:person_record_id>",
                1,
            ),
            R::NoteBelongsToPerson,
            false,
        ),
        (
            "an expired record that still has a name",
            FULL.replacen("<pfif:full_name></pfif:full_name>", "<pfif:full_name>Gor Sampleyan</pfif:full_name>", 1),
            R::Expiry,
            false,
        ),
        (
            "an expired record whose placeholder came late",
            FULL.replace("2026-10-01T12:00:00Z", "2026-10-03T12:00:00Z"),
            R::Expiry,
            false,
        ),
        (
            "a link that is not returned",
            FULL.replacen("    <pfif:linked_person_record_id>example.org/p1</pfif:linked_person_record_id>\n", "", 1),
            R::LinkedRecords,
            false,
        ),
        (
            "an empty root",
            "<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\"/>".to_owned(),
            R::RootChildren,
            true,
        ),
        (
            "a foreign element at the top",
            FULL.replacen("  <pfif:note>\n    <pfif:note_record_id>example.org/n2", "  <pfif:other/>\n  <pfif:note>\n    <pfif:note_record_id>example.org/n2", 1),
            R::RootChildren,
            true,
        ),
        ("another PFIF version", FULL.replace("pfif/1.4", "pfif/1.3"), R::Root, true),
    ];
    for (i, (what, xml, rule, schema_too)) in cases.into_iter().enumerate() {
        assert_ne!(xml, FULL, "{what}: the mutation applies");
        let v = rules::check(&xml, AT);
        assert!(
            v.iter().any(|v| v.rule == rule),
            "{what}: expected {rule:?}, got {v:#?}"
        );
        if rule.is_warning() {
            assert!(v.iter().all(|v| v.rule.is_warning()), "{what}: {v:#?}");
        }
        if schema_too {
            assert!(
                schema_check(dir.path(), &format!("broken-{i}.xml"), &xml).is_err(),
                "{what}: the schema lets it through"
            );
        }
    }
}

#[tokio::test]
async fn export_keeps_pfif_ids_and_expiry_and_leaves_out_expired_records() {
    let (store, dir) = crate::store().await;
    let mut rng = rand::rngs::OsRng;
    let file = FULL
        // Homeward reads only placeholders' complete records; give the expired one a name
        // as its home repository had it before expiry.
        .replace(
            "<pfif:full_name></pfif:full_name>",
            "<pfif:full_name>Gor Sampleyan</pfif:full_name>",
        );
    let r = pfif::import(&store, "full.xml", file.as_bytes(), &mut rng, AT)
        .await
        .unwrap();
    assert_eq!((r.persons, r.notes), (3, 2));
    let xml = pfif::export(&store, ALL, AT).await.unwrap();
    assert_rules_hold("an export of imported PFIF records", &xml);
    schema_check(dir.path(), "export.xml", &xml).unwrap();
    assert!(xml.contains("<pfif:person_record_id>example.org/p1</pfif:person_record_id>"));
    assert!(xml.contains("<pfif:expiry_date>2030-01-01T00:00:00Z</pfif:expiry_date>"));
    assert!(
        !xml.contains("example.org/p3") && !xml.contains("Gor Sampleyan"),
        "an expired record is not exported"
    );
    // Nested notes name the person they are nested in.
    assert!(xml.contains("<pfif:note_record_id>example.org/n2</pfif:note_record_id>"));

    // An empty registry has nothing to export: PFIF has no empty document.
    let (empty, _d) = crate::store().await;
    let e = pfif::export(&empty, ALL, AT).await.unwrap_err().to_string();
    assert!(e.contains("at least one record"), "{e}");
    // The export time is a PFIF date-time.
    let e = pfif::export(&store, ALL, "2026-11-01 00:00")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a PFIF date-time"), "{e}");
}
