//! Writes the source lists of a seeded homeward-synth scenario (the generator behind
//! `homeward demo --write-lists`) as one CSV in the standard fields, with a `source` column
//! and the true `person`, for the linkage benchmarks: `gen_lists PERSONS SEED OUT.csv`.

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(persons), Some(seed), Some(out)) = (args.get(1), args.get(2), args.get(3)) else {
        return Err("usage: gen_lists PERSONS SEED OUT.csv".into());
    };
    let cfg = homeward_synth::ScenarioConfig::new(persons.parse()?, seed.parse()?);
    let scenario = homeward_synth::generate(&cfg);
    let fields = [
        "given_name",
        "family_name",
        "patronymic",
        "full_name",
        "sex",
        "birth_date",
        "birth_place",
        "capture_date",
        "capture_place",
        "detention_place",
    ];
    let mut w = csv::Writer::from_path(out)?;
    let mut header = vec!["record_id", "source"];
    header.extend(fields);
    header.push("person");
    header.push("errors");
    w.write_record(&header)?;
    let mut rows = 0usize;
    for list in &scenario.lists {
        let id_col = list.column_of("record_id");
        let cols: Vec<Option<usize>> = fields.iter().map(|f| list.column_of(f)).collect();
        for (i, ((row, person), flags)) in list
            .rows
            .iter()
            .zip(&list.truth)
            .zip(&list.flags)
            .enumerate()
        {
            let rid = id_col
                .and_then(|c| row.get(c))
                .filter(|v| !v.is_empty())
                .cloned();
            let rid = format!(
                "{}:{}",
                list.code,
                rid.unwrap_or_else(|| (i + 1).to_string())
            );
            let mut rec = vec![rid, list.code.clone()];
            rec.extend(
                cols.iter()
                    .map(|c| c.and_then(|c| row.get(c)).cloned().unwrap_or_default()),
            );
            rec.push(person.to_string());
            // The errors the generator applied to the row, for error analysis.
            let errors: Vec<&str> = homeward_synth::ErrorKind::ALL
                .iter()
                .filter(|k| flags.contains(**k))
                .map(|k| k.as_str())
                .collect();
            rec.push(errors.join("|"));
            w.write_record(&rec)?;
            rows += 1;
        }
    }
    w.flush()?;
    eprintln!(
        "{rows} rows from {} lists of {} persons",
        scenario.lists.len(),
        scenario.persons.len()
    );
    Ok(())
}
