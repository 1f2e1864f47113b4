//! PFIF 1.4: an export validates against the schema and imports back into an empty
//! database with the same persons and notes; hostile files are refused and change nothing.

use homeward_app::pfif::{self, ExportPolicy};
use homeward_store::{MonitoringStore, Store};

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

#[tokio::test]
async fn export_is_schema_valid_and_imports_back_with_the_same_persons_and_notes() {
    let (a, dir, _scenario, _summary) = crate::demo(120).await;
    let xml = pfif::export(&a, ALL, AT).await.unwrap();
    assert!(xml.contains("<pfif:note>") && xml.contains("believed_alive"));
    // Health findings and enquirer contacts are never exported.
    assert!(!xml.contains("+374 00"), "no enquirer contact");
    assert!(!xml.contains("no complaints"), "no health finding");

    let file = dir.path().join("export.xml");
    std::fs::write(&file, &xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd())
        .arg(&file)
        .output()
        .expect("xmllint (Debian libxml2-utils) validates the export against the PFIF 1.4 schema");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

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
