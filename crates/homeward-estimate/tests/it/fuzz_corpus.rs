//! Replays every file of the fuzz corpus (`fuzz/corpus/estimate_table/`) through the fuzz target's
//! entry point, so that `cargo test` on stable checks what the fuzzer found or was seeded with.

#[test]
fn fuzz_corpus_replays_without_panics() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/estimate_table");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        homeward_estimate::fuzzing::overlap_table(&bytes);
        n += 1;
    }
    assert!(n > 0, "{} is empty", dir.display());
}
