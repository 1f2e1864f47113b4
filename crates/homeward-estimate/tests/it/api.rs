//! The public API: determinism from the seed, JSON shape, stratified totals, text table.
use homeward_estimate::*;
use proptest::prelude::*;

fn quick() -> EstimateOptions {
    EstimateOptions {
        lcmcr: LcmcrOptions {
            chains: 2,
            burnin: 200,
            samples: 100,
            thinning: 2,
            ..Default::default()
        },
        ..Default::default()
    }
}

const KOSOVO: &str = include_str!("../data/kosovo_1999.csv");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    /// The same seed gives the same numbers, whatever the table and the thread count.
    #[test]
    fn same_seed_same_numbers(counts in proptest::collection::vec(0u64..60, 7), seed in any::<u64>()) {
        let cells = counts.iter().enumerate().map(|(i, &c)| (i + 1, c + 1));
        let t = OverlapTable::from_counts(vec!["a".into(), "b".into(), "c".into()], cells).unwrap();
        let opts = EstimateOptions { seed, ..quick() };
        let a = estimate(&t, &opts).unwrap();
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let b = one.install(|| estimate(&t, &opts)).unwrap();
        prop_assert_eq!(a, b);
    }
}

#[test]
fn different_seeds_give_different_draws() {
    let t = parse_table(KOSOVO).unwrap();
    let o = EstimateOptions {
        methods: MethodSelection::Lcmcr,
        ..quick()
    };
    let a = estimate(
        &t,
        &EstimateOptions {
            seed: 1,
            ..o.clone()
        },
    )
    .unwrap();
    let b = estimate(&t, &EstimateOptions { seed: 2, ..o }).unwrap();
    assert_ne!(a[0].lower, b[0].lower);
}

#[test]
fn json_has_the_documented_shape() {
    let t = parse_table(KOSOVO).unwrap();
    let est = estimate(&t, &quick()).unwrap();
    let methods: Vec<&str> = est.iter().map(|e| e.method.as_str()).collect();
    assert_eq!(
        methods,
        [
            "independence",
            "loglinear-aic",
            "loglinear-bic",
            "loglinear-averaged",
            "lcmcr"
        ]
    );
    let json = serde_json::to_value(&est).unwrap();
    let first = json.as_array().unwrap()[0].as_object().unwrap();
    let mut keys: Vec<&String> = first.keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["estimate", "level", "lower", "method", "model", "observed", "upper", "warnings"]
    );
    assert_eq!(first["method"], "independence");
    assert_eq!(first["observed"], 4400);
    // Warnings serialise as their readable text.
    let lcmcr = &json.as_array().unwrap()[4];
    assert!(lcmcr["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|w| w.is_string()));
    for e in &est {
        assert!(e.lower <= e.estimate && e.estimate <= e.upper, "{e:?}");
        assert!(e.lower >= e.observed as f64);
    }
    let text = render_table(&est);
    assert!(text.contains("loglinear-averaged") && text.contains("95% interval"));
}

#[test]
fn unusable_tables_are_refused_and_empty_lists_dropped() {
    let t = parse_table("A,B,C,D,count\n1,0,0,0,5\n0,1,0,0,3\n1,1,0,0,2\n").unwrap();
    assert_eq!(
        estimate(&t, &quick()),
        Err(EstimateError::NotEstimable { nonempty: 2 })
    );
    let t = parse_table("A,B,C,D,count\n1,0,0,0,50\n0,1,0,0,30\n0,0,1,0,40\n1,1,0,0,12\n1,0,1,0,15\n0,1,1,0,10\n1,1,1,0,4\n").unwrap();
    let est = estimate(
        &t,
        &EstimateOptions {
            methods: MethodSelection::LogLinear,
            ..quick()
        },
    )
    .unwrap();
    assert!(est[0]
        .warnings
        .iter()
        .any(|w| matches!(w, Warning::EmptyListsDropped { .. })));
}

#[test]
fn saturated_and_boundary_fits_carry_warnings() {
    // Three lists, all pairs: the AIC search on spina bifida can consider the saturated
    // model; fitting it directly must warn.
    let t = parse_table(include_str!("../data/spina_bifida_3lists.csv")).unwrap();
    let fit = loglinear::fit_model(&t, &loglinear::pairs_of(3));
    assert!(fit.saturated);
    let t = parse_table(include_str!("../data/western_us.csv")).unwrap();
    let est = estimate(
        &t,
        &EstimateOptions {
            methods: MethodSelection::LogLinear,
            ..quick()
        },
    )
    .unwrap();
    let aic = &est[1];
    assert!(
        aic.warnings
            .iter()
            .any(|w| matches!(w, Warning::BoundaryInteraction { .. })),
        "{aic:?}"
    );
    assert!(
        aic.warnings
            .iter()
            .any(|w| matches!(w, Warning::ManyTimesObserved { .. })),
        "{aic:?}"
    );
}

#[test]
fn stratified_total_combines_strata() {
    // Two strata: the Kosovo table and the same table halved (rounded up).
    let t = parse_table(KOSOVO).unwrap();
    let mut csv = String::from("EXH,ABA,OSCE,HRW,stratum,count\n");
    for mask in 1..16usize {
        let bits: Vec<String> = (0..4).map(|j| ((mask >> j) & 1).to_string()).collect();
        let c = t.count(mask);
        csv.push_str(&format!("{},early,{}\n", bits.join(","), c));
        csv.push_str(&format!("{},late,{}\n", bits.join(","), c.div_ceil(2)));
    }
    csv.push_str("1,0,0,0,tiny,3\n0,1,0,0,tiny,1\n");
    let s = parse_stratified_table(&csv, None).unwrap();
    assert_eq!(s.strata.len(), 3);
    let r = estimate_stratified(&s, &quick()).unwrap();
    assert!(r.strata[2].refused.is_some());
    let per: Vec<&Estimate> = r.strata[..2].iter().map(|s| &s.estimates[0]).collect();
    let total = &r.total[0];
    assert_eq!(total.method, Method::Independence);
    assert_eq!(
        total.observed,
        t.observed() + s.strata[1].table.observed() + 4
    );
    let sum: f64 = per.iter().map(|e| e.estimate).sum::<f64>() + 4.0;
    assert!((total.estimate - sum).abs() < 1e-6);
    // The combined interval is narrower than the sum of the ends (errors partly cancel).
    let naive_width: f64 = per.iter().map(|e| e.upper - e.lower).sum();
    assert!(total.upper - total.lower < naive_width);
    assert!(total.lower < total.estimate && total.estimate < total.upper);
    assert!(total
        .warnings
        .iter()
        .any(|w| matches!(w, Warning::StratumNotEstimable { .. })));
    let lcmcr = r.total.iter().find(|e| e.method == Method::Lcmcr).unwrap();
    assert!(lcmcr.lower < lcmcr.estimate && lcmcr.estimate < lcmcr.upper);
}

#[test]
fn more_than_five_lists_are_searched_stepwise() {
    let t = parse_table(include_str!("../data/new_orleans.csv")).unwrap();
    assert_eq!(t.list_count(), 8);
    let search = loglinear::search_models(&t);
    assert!(!search.exhaustive);
    // Far fewer than the 2^28 models of an exhaustive search, and never an inadmissible pick.
    assert!(search.models.len() < 2_000);
    assert!(search.models[search.best_aic].admissible());
    assert!(search.models[search.best_bic].admissible());
    assert!(search.models[search.best_aic].aic <= search.models[0].aic);
    let est = estimate(
        &t,
        &EstimateOptions {
            methods: MethodSelection::LogLinear,
            ..quick()
        },
    )
    .unwrap();
    assert!(est[1]
        .warnings
        .iter()
        .any(|w| matches!(w, Warning::StepwiseSearch { .. })));
}

/// With one latent class LCMCR is the Bayesian independence model; under the 1/N prior its
/// posterior of N must agree with the independence MLE and its profile interval (a check
/// of the whole sampler: allocation, λ, n0 and the negative binomial step).
#[test]
fn one_class_lcmcr_agrees_with_the_independence_model() {
    for text in [KOSOVO, include_str!("../data/madigan_york_5lists.csv")] {
        let t = parse_table(text).unwrap();
        let fit = loglinear::fit_model(&t, &[]);
        let ci = loglinear::profile_interval(&t, &fit, 0.95);
        let opts = LcmcrOptions {
            truncation: 1,
            chains: 2,
            burnin: 500,
            samples: 1_000,
            thinning: 2,
            ..Default::default()
        };
        let r = lcmcr::lcmcr(&t, &opts, 11, 0.95);
        let close = |a: f64, b: f64, share: f64| (a - b).abs() <= share * b;
        assert!(
            close(r.median, fit.estimate, 0.01),
            "{} vs {}",
            r.median,
            fit.estimate
        );
        assert!(
            close(r.lower, ci.lower, 0.015) && close(r.upper, ci.upper, 0.015),
            "{r:?} vs {ci:?}"
        );
    }
}
