//! A `tokenizer.json` (and, after a NUL, a `fasttok.json` sidecar) from arbitrary text:
//! an error, or a tokenizer that encodes text and decodes it back.
#![no_main]

use fasttok::io::{hf, meta};
use libfuzzer_sys::fuzz_target;

const TEXT: &str = "Hello, world! 123 \u{e9}t\u{e9}\n  tabs\tand\u{1F600}";

fuzz_target!(|input: &str| {
    let (json, sidecar) = input.split_once('\0').unwrap_or((input, ""));
    let sidecar = match sidecar {
        "" => None,
        text => match meta::from_json(text, "fasttok.json") {
            Ok(sidecar) => Some(sidecar),
            Err(_) => return,
        },
    };
    if let Ok(tokenizer) = hf::from_json(json, "tokenizer.json", sidecar) {
        if let Ok(ids) = tokenizer.encode(TEXT) {
            assert_eq!(tokenizer.decode_bytes(&ids).unwrap(), TEXT.as_bytes());
        }
    }
});
