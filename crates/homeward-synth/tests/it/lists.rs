//! Coverage, truth vectors, names and formats of the source lists.

use homeward_synth::{generate, list_to_csv, ScenarioConfig, Status};

#[test]
fn every_list_covers_a_plausible_fraction() {
    let s = generate(&ScenarioConfig::new(20_000, 7));
    assert_eq!(s.lists.len(), 6);
    for list in &s.lists {
        let mut named: Vec<u32> = list.truth.clone();
        named.sort_unstable();
        named.dedup();
        let coverage = named.len() as f64 / s.persons.len() as f64;
        assert!(
            (0.08..=0.9).contains(&coverage),
            "{} covers {coverage:.3}",
            list.code
        );
    }
    // Most people are on at least one list, some on none (that is what estimation is for).
    let on_some = s
        .persons
        .iter()
        .filter(|p| s.lists.iter().any(|l| l.truth.contains(&p.id)))
        .count();
    let share = on_some as f64 / s.persons.len() as f64;
    assert!((0.75..0.99).contains(&share), "{share}");
}

#[test]
fn lists_are_positively_dependent() {
    let s = generate(&ScenarioConfig::new(30_000, 8));
    let n = s.persons.len() as f64;
    let on = |li: usize| {
        let mut v = vec![false; s.persons.len()];
        for &id in &s.lists[li].truth {
            v[id as usize] = true;
        }
        v
    };
    // Humanitarian registry and Russian-language list of detainees both favour those held.
    let (a, b) = (on(0), on(2));
    let pa = a.iter().filter(|x| **x).count() as f64 / n;
    let pb = b.iter().filter(|x| **x).count() as f64 / n;
    let pab = a.iter().zip(&b).filter(|(x, y)| **x && **y).count() as f64 / n;
    assert!(pab > pa * pb * 1.1, "pab {pab} pa {pa} pb {pb}");
}

#[test]
fn truth_ids_in_range_and_rows_well_formed() {
    let s = generate(&ScenarioConfig::new(5_000, 9));
    for list in &s.lists {
        assert_eq!(list.rows.len(), list.truth.len());
        assert_eq!(list.rows.len(), list.flags.len());
        assert_eq!(list.columns.len(), list.fields.len());
        for (row, &id) in list.rows.iter().zip(&list.truth) {
            assert!((id as usize) < s.persons.len());
            assert_eq!(row.len(), list.columns.len());
            let has_name = ["family_name", "given_name", "full_name"]
                .iter()
                .filter_map(|f| list.column_of(f))
                .any(|i| !row[i].trim().is_empty());
            assert!(has_name, "{} row without a name: {row:?}", list.code);
        }
    }
}

#[test]
fn record_ids_are_unique_within_a_list() {
    let s = generate(&ScenarioConfig::new(5_000, 10));
    for list in &s.lists {
        if let Some(ci) = list.column_of("record_id") {
            let mut ids: Vec<&str> = list.rows.iter().map(|r| r[ci].as_str()).collect();
            let n = ids.len();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), n, "{}", list.code);
            assert!(list.rows.iter().all(|r| !r[ci].is_empty()));
        }
    }
    assert!(
        s.lists
            .iter()
            .filter(|l| l.column_of("record_id").is_some())
            .count()
            >= 4
    );
}

#[test]
fn scripts_and_headers_match_the_list_language() {
    let s = generate(&ScenarioConfig::new(3_000, 12));
    let armenian = |t: &str| t.chars().any(|c| ('\u{0531}'..='\u{058F}').contains(&c));
    let cyrillic = |t: &str| t.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
    let mut scripts = std::collections::BTreeSet::new();
    for list in &s.lists {
        scripts.insert(list.script);
        let name_col = list
            .column_of("family_name")
            .or_else(|| list.column_of("full_name"))
            .unwrap();
        let in_script = list
            .rows
            .iter()
            .filter(|r| match list.script {
                "Armn" => armenian(&r[name_col]),
                "Cyrl" => cyrillic(&r[name_col]),
                _ => r[name_col].is_ascii(),
            })
            .count();
        assert!(
            in_script as f64 >= 0.97 * list.rows.len() as f64,
            "{}",
            list.code
        );
        if list.script == "Armn" {
            assert!(list.columns.iter().any(|h| h == "Ազգանուն"));
        }
        if list.script == "Cyrl" {
            assert!(list.columns.iter().any(|h| h == "Фамилия"));
        }
    }
    assert_eq!(scripts.len(), 3);
}

#[test]
fn russian_list_uses_russian_patronymics() {
    let s = generate(&ScenarioConfig::new(3_000, 13));
    let ru = s.lists.iter().find(|l| l.script == "Cyrl").unwrap();
    let ci = ru.column_of("patronymic").unwrap();
    let filled: Vec<&str> = ru
        .rows
        .iter()
        .map(|r| r[ci].as_str())
        .filter(|p| !p.is_empty())
        .collect();
    let ovich = filled
        .iter()
        .filter(|p| ["вич", "вна", "ич", "ична"].iter().any(|e| p.ends_with(e)))
        .count();
    assert!(ovich as f64 > 0.95 * filled.len() as f64);
}

#[test]
fn family_reports_mostly_concern_the_missing() {
    let s = generate(&ScenarioConfig::new(10_000, 14));
    let fam = s.lists.iter().find(|l| l.code == "FAM").unwrap();
    let missing = fam
        .truth
        .iter()
        .filter(|&&id| s.persons[id as usize].status == Status::Missing)
        .count();
    assert!(missing as f64 > 0.4 * fam.truth.len() as f64);
    assert!(fam.column_of("record_id").is_none());
}

#[test]
fn csv_round_trips() {
    let s = generate(&ScenarioConfig::new(300, 15));
    for list in &s.lists {
        let text = list_to_csv(list).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(headers, list.columns);
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|rec| rec.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(rows, list.rows);
    }
}

#[test]
fn there_are_namesakes_across_different_persons() {
    let s = generate(&ScenarioConfig::new(10_000, 16));
    let hrg = &s.lists[0];
    let (sc, gc) = (
        hrg.column_of("family_name").unwrap(),
        hrg.column_of("given_name").unwrap(),
    );
    let mut by_name: std::collections::BTreeMap<(String, String), std::collections::BTreeSet<u32>> =
        Default::default();
    for (row, &id) in hrg.rows.iter().zip(&hrg.truth) {
        by_name
            .entry((row[sc].clone(), row[gc].clone()))
            .or_default()
            .insert(id);
    }
    let shared = by_name.values().filter(|ids| ids.len() > 1).count();
    assert!(
        shared > 20,
        "only {shared} names shared by different persons"
    );
}
