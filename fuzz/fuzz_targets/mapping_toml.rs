//! Mapping files (TOML) and their application to rows.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    homeward_app::import::fuzzing::mapping(data);
});
