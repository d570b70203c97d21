//! A tiktoken rank file from arbitrary text: an error, or a byte-level BPE that encodes
//! text and decodes it back.
#![no_main]

use fasttok::io::tiktoken;
use fasttok::{Model, Pretokenizer, Tokenizer, TrainingInfo};
use libfuzzer_sys::fuzz_target;

const TEXT: &str = "Hello, world! 123 \u{e9}t\u{e9}\n  tabs\tand\u{1F600}";

fuzz_target!(|text: &str| {
    if let Ok(model) = tiktoken::from_rank_file(text, "fuzz.tiktoken") {
        let pretokenizer = Pretokenizer::from_name_or_pattern("cl100k").unwrap();
        let tokenizer = Tokenizer::new(Model::Bpe(model), pretokenizer, TrainingInfo::default());
        let ids = tokenizer
            .encode(TEXT)
            .expect("a byte-level BPE encodes any text");
        assert_eq!(tokenizer.decode_bytes(&ids).unwrap(), TEXT.as_bytes());
    }
});
