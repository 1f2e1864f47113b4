//! PFIF 1.4 XML documents, as `homeward pfif import` parses them.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    homeward_app::import::fuzzing::pfif(data);
});
