//! Models built from arbitrary pieces (Unigram, LiB) or vocabularies and merges (BPE),
//! with or without the prefix space: an error, or a tokenizer that round-trips arbitrary
//! text (with its special tokens matched or not) and refuses exactly the out-of-range ids
//! when decoding.
#![no_main]

use arbitrary::Arbitrary;
use fasttok::{
    BpeModel, LibModel, Model, Pretokenizer, Tokenizer, TrainingInfo, UnigramModel, Units,
};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Kind {
    Unigram,
    Lib,
    Bpe,
}

#[derive(Arbitrary, Debug)]
struct Input {
    kind: Kind,
    byte_units: bool,
    prefix_space: bool,
    pieces: Vec<(Vec<u8>, f64)>,
    merges: Vec<(u16, u16)>,
    specials: Vec<String>,
    text: String,
    ids: Vec<u32>,
}

fn model(input: Input) -> Option<(Model, String, Vec<u32>, bool)> {
    let units = if input.byte_units {
        Units::Bytes
    } else {
        Units::Chars
    };
    let model = match input.kind {
        Kind::Unigram => {
            Model::Unigram(UnigramModel::new(input.pieces, units, &input.specials).ok()?)
        }
        Kind::Lib => {
            let pieces = input.pieces.into_iter().map(|(piece, _)| piece).collect();
            Model::Lib(LibModel::new(pieces, units, &input.specials).ok()?)
        }
        Kind::Bpe => {
            // Every byte first, as a byte-level vocabulary must have them, then the pieces.
            let vocab = (0..=255u8)
                .map(|byte| vec![byte])
                .chain(input.pieces.into_iter().map(|(piece, _)| piece));
            let merges: Vec<(u32, u32)> = input
                .merges
                .iter()
                .map(|&(left, right)| (u32::from(left), u32::from(right)))
                .collect();
            Model::Bpe(
                BpeModel::from_merges(vocab.collect(), &merges, Vec::new(), true, "fuzz").ok()?,
            )
        }
    };
    Some((model, input.text, input.ids, input.prefix_space))
}

fuzz_target!(|input: Input| {
    let Some((model, text, ids, prefix_space)) = model(input) else {
        return;
    };
    let tokenizer = Tokenizer::new(
        model,
        Pretokenizer::from_name_or_pattern("gpt2")
            .unwrap()
            .with_prefix_space(prefix_space),
        TrainingInfo::default(),
    );
    let encoded = tokenizer
        .encode(&text)
        .expect("every model encodes any text");
    assert_eq!(tokenizer.decode_bytes(&encoded).unwrap(), text.as_bytes());
    let specials: Vec<&str> = tokenizer
        .model()
        .specials()
        .iter()
        .map(|(s, _)| s.as_str())
        .collect();
    if let Ok(encoded) = tokenizer.encode_with_specials(&text, &specials) {
        assert_eq!(tokenizer.decode_bytes(&encoded).unwrap(), text.as_bytes());
    }
    let in_range = ids.iter().all(|&id| (id as usize) < tokenizer.vocab_size());
    assert_eq!(tokenizer.decode_bytes(&ids).is_ok(), in_range);
});
