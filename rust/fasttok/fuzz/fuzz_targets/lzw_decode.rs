//! LZW decoding of arbitrary code streams, whole and streamed in chunks: the same
//! outcome both ways, base or disabled ids only, and ids the encoder maps to codes that decode back.
#![no_main]

use arbitrary::Arbitrary;
use fasttok::lzw::{Decoder, Encoder, LzwConfig, StreamDecoder};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    vocab_size: u16,
    codebook_size: u16,
    max_merge: u8,
    pad_id: Option<u16>,
    strict: bool,
    codes: Vec<u16>,
    chunk: u8,
}

fuzz_target!(|input: Input| {
    let Ok(config) = LzwConfig::new(
        u32::from(input.vocab_size),
        u32::from(input.codebook_size),
        u32::from(input.max_merge),
        input.pad_id.map(u32::from),
        &[],
    ) else {
        return;
    };
    let codes: Vec<u32> = input.codes.iter().map(|&code| u32::from(code)).collect();
    let mut whole = Vec::new();
    let decoded = Decoder::default().decode(&config, &codes, input.strict, &mut whole);

    let mut stream = StreamDecoder::new(&config);
    let mut streamed = Vec::new();
    let chunk = usize::from(input.chunk).max(1);
    let streamed_ok = codes.chunks(chunk).all(|part| {
        stream
            .feed(&config, part, input.strict, &mut streamed)
            .is_ok()
    });
    assert_eq!(
        decoded.is_ok(),
        streamed_ok,
        "whole and streamed decoding disagree"
    );
    let Ok(codebook) = decoded else {
        return;
    };
    assert_eq!(streamed, whole);
    assert_eq!(stream.codebook(), &codebook);
    // Disabled ids (the padding id) pass through as they are, whatever their value.
    assert!(whole
        .iter()
        .all(|&id| id < config.vocab_size() || config.disabled_ids().contains(&id)));

    let mut recoded = Vec::new();
    Encoder::default()
        .encode(&config, &whole, &mut recoded)
        .expect("decoded ids encode");
    let mut again = Vec::new();
    Decoder::default()
        .decode(&config, &recoded, true, &mut again)
        .expect("encoded codes decode strictly");
    assert_eq!(again, whole);
});
