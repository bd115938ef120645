#![no_main]
// See fuzz/README.md; the checks themselves are in src/fuzzing.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| nascmd::fuzzing::emulator_multipart(data));
