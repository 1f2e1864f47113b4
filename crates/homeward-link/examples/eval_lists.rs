//! Error analysis of the engine on a CSV written by `gen_lists` (standard fields, `person`
//! and `errors` columns): precision, recall, blocking recall, and the missed and false pairs
//! by kind of variation. `eval_lists IN.csv [THRESHOLD]`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::error::Error;

use homeward_link::{LinkConfig, LinkRecord, Linker, PartialDate, Sex};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: eval_lists IN.csv [THRESHOLD]")?;
    let threshold: f64 = args.get(2).map_or(Ok(0.5), |t| t.parse())?;
    let mut rdr = csv::Reader::from_path(path)?;
    let headers: Vec<String> = rdr.headers()?.iter().map(str::to_owned).collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut records = Vec::new();
    let mut truth = Vec::new();
    let mut errors = Vec::new();
    let mut sources: HashMap<String, u32> = HashMap::new();
    let mut source_names = Vec::new();
    for row in rdr.records() {
        let row = row?;
        let get = |name: &str| {
            col(name)
                .and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let src = get("source").unwrap_or_default();
        let n = sources.len() as u32;
        let s = *sources.entry(src.clone()).or_insert_with(|| {
            source_names.push(src.clone());
            n
        });
        records.push(LinkRecord {
            source: s,
            record_id: get("record_id"),
            given_name: get("given_name"),
            family_name: get("family_name"),
            patronymic: get("patronymic"),
            full_name: get("full_name"),
            sex: get("sex").and_then(|v| Sex::parse(&v)),
            birth_date: get("birth_date").and_then(|v| PartialDate::parse(&v)),
            birth_place: get("birth_place"),
            residence: get("residence"),
            id_number: get("id_number"),
            capture_date: get("capture_date").and_then(|v| PartialDate::parse(&v)),
            capture_place: get("capture_place"),
        });
        truth.push(get("person").unwrap_or_default());
        errors.push(get("errors").unwrap_or_default());
    }
    // Every record is one source for the engine (de-duplication of the whole file).
    let src_of: Vec<u32> = records.iter().map(|r| r.source).collect();
    for r in &mut records {
        r.source = 0;
    }
    let mut config = LinkConfig {
        threshold,
        estimate_u_by_em: std::env::var("U_BY_EM").is_ok(),
        ..LinkConfig::default()
    };
    // Blocking limits to try (MAX_BUCKET, WINDOW).
    if let Some(v) = std::env::var("MAX_BUCKET")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.limits.max_bucket = v;
    }
    if let Some(v) = std::env::var("WINDOW").ok().and_then(|v| v.parse().ok()) {
        config.limits.window = v;
    }
    let t = std::time::Instant::now();
    let linker = Linker::new(&records, config)?;
    eprintln!(
        "features and blocking in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let out = linker.run(None);
    eprintln!("linked in {:.1} s", t.elapsed().as_secs_f64());
    for w in &out.report.warnings {
        eprintln!("warning: {w}");
    }
    for r in &out.report.blocking {
        eprintln!("rule {:?}: {} pairs, {} new", r.rule, r.pairs, r.new_pairs);
    }
    eprintln!(
        "lambda {:e} em {} {}",
        out.model.lambda, out.model.em_iterations, out.model.converged
    );
    let mut by_person: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, p) in truth.iter().enumerate() {
        by_person.entry(p.as_str()).or_default().push(i as u32);
    }
    let mut true_pairs = Vec::new();
    for v in by_person.values() {
        for (a, &i) in v.iter().enumerate() {
            for &j in &v[a + 1..] {
                true_pairs.push((i.min(j), i.max(j)));
            }
        }
    }
    true_pairs.sort_unstable();
    let cands: HashSet<(u32, u32)> = linker
        .candidates()
        .into_iter()
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    let found: HashSet<(u32, u32)> = out
        .pairs
        .iter()
        .map(|p| (p.left.min(p.right), p.left.max(p.right)))
        .collect();
    let tp = found
        .iter()
        .filter(|&&(a, b)| truth[a as usize] == truth[b as usize])
        .count();
    let fp = found.len() - tp;
    let blocked = true_pairs.iter().filter(|p| cands.contains(p)).count();
    let (p, r) = (
        tp as f64 / found.len().max(1) as f64,
        tp as f64 / true_pairs.len().max(1) as f64,
    );
    println!(
        "records {} true pairs {} candidates {} blocking recall {:.4}",
        records.len(),
        true_pairs.len(),
        cands.len(),
        blocked as f64 / true_pairs.len().max(1) as f64
    );
    println!(
        "precision {p:.4} recall {r:.4} F1 {:.4} (tp {tp} fp {fp})",
        2.0 * p * r / (p + r)
    );
    let kind = |i: u32, j: u32| -> Vec<String> {
        let (a, b) = (&records[i as usize], &records[j as usize]);
        let (sa, sb) = (
            &source_names[src_of[i as usize] as usize],
            &source_names[src_of[j as usize] as usize],
        );
        let mut k = vec![format!("{}~{}", sa.min(sb), sa.max(sb))];
        for e in [&errors[i as usize], &errors[j as usize]] {
            for x in e.split('|').filter(|x| !x.is_empty()) {
                k.push(x.to_owned());
            }
        }
        let prec = |d: Option<PartialDate>| match d {
            None => "none",
            Some(d) if d.day.is_some() => "day",
            Some(d) if d.month.is_some() => "month",
            _ => "year",
        };
        k.push(format!(
            "dates:{}/{}",
            prec(a.birth_date),
            prec(b.birth_date)
        ));
        k.sort();
        k.dedup();
        k
    };
    let mut fn_kinds: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut shown = 0;
    for &(i, j) in &true_pairs {
        if found.contains(&(i, j)) {
            continue;
        }
        let blocked = cands.contains(&(i, j));
        for k in kind(i, j) {
            let e = fn_kinds.entry(k).or_default();
            if blocked {
                e.0 += 1
            } else {
                e.1 += 1
            }
        }
        // SHOW_FN=1 shows the first misses, SHOW_FN=blocked or SHOW_FN=unblocked only those.
        let show = std::env::var("SHOW_FN").is_ok_and(|v| match v.as_str() {
            "blocked" => blocked,
            "unblocked" => !blocked,
            _ => true,
        });
        if shown < 25 && show {
            shown += 1;
            let e = linker.explain(&out.model, i as usize, j as usize)?;
            println!(
                "FN blocked={blocked} w={:.2}\n  {:?}\n  {:?}",
                e.weight, records[i as usize], records[j as usize]
            );
            for f in e.fields.iter().filter(|f| f.level.is_some()) {
                println!(
                    "    {} {} {:.2} tf {:.2}",
                    f.field.name(),
                    f.level_name,
                    f.weight,
                    f.tf_adjustment
                );
            }
        }
    }
    println!("false negatives by kind (scored below threshold, never blocked):");
    let mut v: Vec<_> = fn_kinds.into_iter().collect();
    v.sort_by_key(|(_, (a, b))| std::cmp::Reverse(a + b));
    for (k, (a, b)) in v.iter().take(40) {
        println!("  {k:<40} {a:>6} {b:>6}");
    }
    let mut fp_kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut shown = 0;
    for &(i, j) in &found {
        if truth[i as usize] == truth[j as usize] {
            continue;
        }
        for k in kind(i, j) {
            *fp_kinds.entry(k).or_default() += 1;
        }
        if shown < 25 && std::env::var("SHOW_FP").is_ok() {
            shown += 1;
            let e = linker.explain(&out.model, i as usize, j as usize)?;
            println!(
                "FP w={:.2}\n  {:?}\n  {:?}",
                e.weight, records[i as usize], records[j as usize]
            );
            for f in e.fields.iter().filter(|f| f.level.is_some()) {
                println!(
                    "    {} {} {:.2} tf {:.2}",
                    f.field.name(),
                    f.level_name,
                    f.weight,
                    f.tf_adjustment
                );
            }
        }
    }
    println!("false positives by kind:");
    let mut v: Vec<_> = fp_kinds.into_iter().collect();
    v.sort_by_key(|(_, a)| std::cmp::Reverse(*a));
    for (k, a) in v.iter().take(30) {
        println!("  {k:<40} {a:>6}");
    }
    if std::env::var("SHOW_LEVELS").is_ok() {
        // Levels of each field among the false positives and the blocked misses.
        let tally = |pairs: &mut dyn Iterator<Item = (u32, u32)>| -> Result<_, Box<dyn Error>> {
            let mut t: BTreeMap<(usize, String), usize> = BTreeMap::new();
            for (i, j) in pairs {
                let e = linker.explain(&out.model, i as usize, j as usize)?;
                for (k, f) in e.fields.iter().enumerate() {
                    *t.entry((k, f.level_name.clone())).or_default() += 1;
                }
            }
            Ok(t)
        };
        let fps = tally(
            &mut found
                .iter()
                .copied()
                .filter(|&(i, j)| truth[i as usize] != truth[j as usize]),
        )?;
        let fns = tally(
            &mut true_pairs
                .iter()
                .copied()
                .filter(|p| !found.contains(p) && cands.contains(p)),
        )?;
        for (name, t) in [("false positives", fps), ("blocked misses", fns)] {
            println!("levels among {name}:");
            for ((k, level), n) in t {
                if level != "missing" {
                    println!(
                        "  {:<14} {level:<45} {n:>6}",
                        homeward_link::Field::ALL[k].name()
                    );
                }
            }
        }
    }
    if std::env::var("SHOW_TRUE_M").is_ok() {
        // m measured on the true pairs, beside the fitted one.
        let mut counts: Vec<Vec<u64>> = homeward_link::Field::ALL
            .iter()
            .map(|f| vec![0; f.levels().len()])
            .collect();
        for &(i, j) in &true_pairs {
            let e = linker.explain(&out.model, i as usize, j as usize)?;
            if e.fields[2].level == Some(0) && std::env::var("SHOW_PATR").is_ok() {
                let r = |x: u32| {
                    let r = &records[x as usize];
                    format!(
                        "{:?} {:?} {:?} {:?}",
                        r.given_name, r.family_name, r.patronymic, r.full_name
                    )
                };
                println!("PATR {} | {}", r(i), r(j));
            }
            for (k, f) in e.fields.iter().enumerate() {
                if let Some(l) = f.level {
                    counts[k][l as usize] += 1;
                }
            }
        }
        for (k, f) in homeward_link::Field::ALL.iter().enumerate() {
            let tot: u64 = counts[k].iter().sum::<u64>().max(1);
            let fitted = &out.model.fields[k].m;
            println!(
                "{:<14} {}",
                f.name(),
                counts[k]
                    .iter()
                    .zip(fitted)
                    .map(|(c, m)| format!("{:.4}/{:.4}", *c as f64 / tot as f64, m))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    if std::env::var("SHOW_MODEL").is_ok() {
        println!("{}", out.model.to_json()?);
    }
    Ok(())
}
