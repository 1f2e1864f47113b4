//! Scratch: print every published table's estimates.
use homeward_estimate::*;

#[test]
#[ignore]
fn print_all() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let mut names: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for p in names {
        let text = std::fs::read_to_string(&p).unwrap();
        let t = parse_table(&text).unwrap();
        let opts = EstimateOptions { methods: MethodSelection::All, ..Default::default() };
        let t0 = std::time::Instant::now();
        let e = estimate(&t, &opts).unwrap();
        println!("== {} ({:?})\n{}", p.display(), t0.elapsed(), render_table(&e));
        println!("sparsemse stepwise: {:?}", loglinear::sparsemse_stepwise(&t, 0.02));
    }
}

#[test]
#[ignore]
fn lcmcr_one_class_matches_independence() {
    for name in ["kosovo_1999.csv", "spina_bifida_3lists.csv", "hiv_rome.csv", "madigan_york_5lists.csv"] {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let t = parse_table(&std::fs::read_to_string(path).unwrap()).unwrap();
        let ind = loglinear::fit_model(&t, &[]);
        for k in [1usize, 2] {
            let o = LcmcrOptions { truncation: k, ..Default::default() };
            let r = lcmcr::lcmcr(&t, &o, 5, 0.95);
            println!("{name} K={k}: independence {:.1} lcmcr median {:.1} ({:.0}-{:.0})", ind.estimate, r.median, r.lower, r.upper);
        }
    }
}
