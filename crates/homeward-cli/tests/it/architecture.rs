//! The crate graph is a layered DAG: each crate may depend only on the crates
//! ARCHITECTURE.md allows it. Read from `cargo metadata`, so a new edge fails here first.

use std::collections::{BTreeMap, BTreeSet};

/// Allowed internal (homeward-*) normal dependencies per crate. Dev-dependencies may also
/// use `homeward-testkit` and the SQL store (to run the conformance suite).
const ALLOWED: &[(&str, &[&str])] = &[
    ("homeward-domain", &[]),
    ("homeward-names", &[]),
    ("homeward-estimate", &[]),
    ("homeward-synth", &[]),
    ("homeward-trust", &[]),
    ("homeward-link", &["homeward-names"]),
    ("homeward-store", &["homeward-domain"]),
    (
        "homeward-store-sql",
        &["homeward-domain", "homeward-store", "homeward-trust"],
    ),
    ("homeward-testkit", &["homeward-domain", "homeward-store"]),
    (
        "homeward-app",
        &[
            "homeward-domain",
            "homeward-names",
            "homeward-link",
            "homeward-estimate",
            "homeward-synth",
            "homeward-trust",
            "homeward-store",
        ],
    ),
    (
        "homeward-web",
        &[
            "homeward-app",
            "homeward-domain",
            "homeward-store",
            "homeward-trust",
        ],
    ),
    (
        "homeward-cli",
        &[
            "homeward-app",
            "homeward-domain",
            "homeward-names",
            "homeward-link",
            "homeward-estimate",
            "homeward-synth",
            "homeward-trust",
            "homeward-store",
            "homeward-store-sql",
            "homeward-web",
        ],
    ),
];

const DEV_EXTRA: &[&str] = &["homeward-testkit", "homeward-store-sql", "homeward-synth"];

#[test]
fn crate_graph_matches_architecture() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(k, v)| (*k, v.iter().copied().collect()))
        .collect();
    let mut seen = BTreeSet::new();
    for pkg in meta["packages"].as_array().unwrap() {
        let name = pkg["name"].as_str().unwrap();
        seen.insert(name.to_owned());
        let Some(ok) = allowed.get(name) else {
            panic!("crate {name} is not in the architecture allow-list (ARCHITECTURE.md and this test)");
        };
        for dep in pkg["dependencies"].as_array().unwrap() {
            let d = dep["name"].as_str().unwrap();
            if !d.starts_with("homeward-") {
                continue;
            }
            let dev = dep["kind"].as_str() == Some("dev");
            assert!(
                ok.contains(d) || (dev && DEV_EXTRA.contains(&d)),
                "{name} may not depend on {d} (see ARCHITECTURE.md)"
            );
        }
    }
    for engine in ["homeward-domain", "homeward-names", "homeward-store"] {
        assert!(seen.contains(engine), "{engine} exists");
    }
}

/// The pure engines must not reach for I/O: no std::fs, std::net or process in their source.
#[test]
fn engines_do_no_io() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for engine in [
        "homeward-domain",
        "homeward-names",
        "homeward-link",
        "homeward-estimate",
        "homeward-synth",
        "homeward-trust",
    ] {
        let src = root.join(engine).join("src");
        if !src.exists() {
            continue;
        }
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    for banned in [
                        "std::fs",
                        "std::net",
                        "std::process",
                        "std::env::var",
                        "SystemTime::now",
                        "thread_rng",
                        "File::open",
                    ] {
                        assert!(
                            !text.contains(banned),
                            "{} uses {banned}: engines do no I/O",
                            p.display()
                        );
                    }
                }
            }
        }
    }
}
