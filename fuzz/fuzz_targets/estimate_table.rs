//! Overlap tables for `homeward estimate --table`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    homeward_estimate::fuzzing::overlap_table(data);
});
