//! CSV and UTF-16 text lists, as `homeward import` reads them.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    homeward_app::import::fuzzing::table("list.csv", data);
});
