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
