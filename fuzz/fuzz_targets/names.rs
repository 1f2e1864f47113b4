//! Names in any script: analysis, similarity and search.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    homeward_names::fuzzing::names(data);
});
