//! A counts file from arbitrary bytes: an error, or counts whose binary form reads back
//! to the same counts and bytes.
#![no_main]

use fasttok::Counts;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(counts) = Counts::from_bytes(bytes, "fuzz") {
        let written = counts.to_bytes();
        let again = Counts::from_bytes(&written, "rewritten").expect("a written file reads back");
        assert_eq!(again.to_bytes(), written);
    }
});
