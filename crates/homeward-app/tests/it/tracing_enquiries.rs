//! Family tracing: the enquirer with a wrong passphrase learns nothing, and matching finds
//! the sought person from a misspelt enquiry in another script.

use homeward_app::enquiry::{self, EnquiryIntake};
use std::time::{Duration, Instant};

fn intake() -> EnquiryIntake {
    EnquiryIntake {
        received: "2024-07-01".into(),
        enquirer_name: Some("Synthetic Enquirer".into()),
        relation: Some("brother".into()),
        contact: Some("+000 00 000 002".into()),
        consent_to_share: true,
        sought: vec![
            ("family_name".into(), "Тестян".into()),
            ("given_name".into(), "Армен".into()),
            ("birth_date".into(), "1975".into()),
        ],
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::test]
async fn a_wrong_passphrase_learns_nothing_and_takes_the_same_time() {
    let (store, _dir) = crate::store().await;
    let h = crate::hasher();
    let mut rng = rand::rngs::OsRng;
    let r = enquiry::add(&store, &h, &mut rng, &intake()).await.unwrap();
    assert_eq!(r.passphrase.split(' ').count(), enquiry::PASSPHRASE_WORDS);

    // The right pair shows the state, and spacing or case of the passphrase do not matter.
    let typed = format!("  {}\n", r.passphrase.to_uppercase());
    let ok = enquiry::family_status(&store, &h, &r.reference, &typed)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((ok.state.as_str(), ok.answer), ("open", None));

    let unknown_ref = "enq_zzzzzzzzzzzzzzzz";
    let wrong = enquiry::family_status(&store, &h, &r.reference, "apple banana")
        .await
        .unwrap();
    let missing = enquiry::family_status(&store, &h, unknown_ref, &r.passphrase)
        .await
        .unwrap();
    let malformed = enquiry::family_status(&store, &h, "not a reference", &r.passphrase)
        .await
        .unwrap();
    assert_eq!(wrong, missing);
    assert_eq!(wrong, malformed);
    assert_eq!(
        wrong.unwrap_err().to_string(),
        missing.unwrap_err().to_string()
    );

    // Timing: the medians of wrong-passphrase and unknown-reference requests are within 35%
    // of each other (both do one lookup and one Argon2id verification, tens of ms).
    let mut t_wrong = Vec::new();
    let mut t_missing = Vec::new();
    for i in 0..9 {
        let start = Instant::now();
        let _ = enquiry::family_status(&store, &h, &r.reference, &format!("wrong {i}")).await;
        t_wrong.push(start.elapsed());
        let start = Instant::now();
        let _ = enquiry::family_status(&store, &h, unknown_ref, &format!("wrong {i}")).await;
        t_missing.push(start.elapsed());
    }
    let (a, b) = (median(t_wrong), median(t_missing));
    let ratio = a.as_secs_f64() / b.as_secs_f64();
    assert!(
        (0.65..=1.35).contains(&ratio),
        "wrong passphrase {a:?} vs unknown reference {b:?} (ratio {ratio:.2})"
    );
}

/// Drops the second letter of the longest word: a plausible misspelling.
fn misspell(name: &str) -> String {
    let longest = name
        .split(' ')
        .max_by_key(|w| w.chars().count())
        .unwrap_or(name)
        .to_owned();
    let mut chars: Vec<char> = longest.chars().collect();
    if chars.len() > 3 {
        chars.remove(1);
    }
    let fixed: String = chars.into_iter().collect();
    name.replacen(&longest, &fixed, 1)
}

#[tokio::test]
async fn matching_finds_the_sought_person_from_a_misspelt_other_script_enquiry() {
    let (store, _dir, scenario, summary) = crate::demo(300).await;
    let h = crate::hasher();
    let mut rng = rand::rngs::OsRng;
    // Enquiries written in Armenian or Cyrillic about persons on the lists, misspelt once more.
    let cases: Vec<_> = scenario
        .enquiries
        .iter()
        .filter(|e| e.script != "Latn")
        .filter_map(|e| e.person.map(|p| (p, e)))
        .filter(|(p, _)| summary.truth_of.values().any(|t| t == p))
        .take(10)
        .collect();
    assert!(cases.len() >= 5, "the demo has enough such enquiries");
    let mut found = 0;
    for (truth, e) in &cases {
        let written = misspell(&e.name_written);
        assert_ne!(written, e.name_written);
        let mut i = EnquiryIntake {
            received: "2026-10-01".into(),
            consent_to_share: true,
            sought: vec![("full_name".into(), written.clone())],
            ..EnquiryIntake::default()
        };
        if let Some(y) = e.birth_year {
            i.sought.push(("birth_date".into(), y.to_string()));
        }
        let r = enquiry::add(&store, &h, &mut rng, &i).await.unwrap();
        let cands = enquiry::match_enquiry(&store, &r.reference, 5, "cw", "2026-11-01T00:00:00Z")
            .await
            .unwrap();
        let hit = cands.iter().find(|c| {
            let id = homeward_domain::Id::parse_kind(&c.person_id, homeward_domain::IdKind::Person)
                .unwrap();
            summary.truth_of.get(&id) == Some(truth)
        });
        if let Some(c) = hit {
            found += 1;
            assert!(c.evidence.iter().any(|f| f.field == "name"));
            // The demo's linked imports kept a model: it weighs every candidate.
            let m = c
                .model
                .as_ref()
                .expect("the registry's model scores candidates");
            assert!(m.fields.iter().any(|f| f.field.contains("name")), "{m:?}");
        }
        if !cands.is_empty() {
            let s = enquiry::show(&store, &r.reference).await.unwrap();
            assert_eq!(s.state, "under_review");
        }
    }
    assert!(
        found * 10 >= cases.len() * 8,
        "found {found} of {} misspelt other-script enquiries in the top 5",
        cases.len()
    );
}
