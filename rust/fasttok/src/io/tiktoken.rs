//! tiktoken export: mergeable ranks (`base64(token) rank` lines) and the pattern.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::model::Tokenizer;

/// `(token bytes, rank)` of every ordinary token, in id order: tiktoken's
/// `mergeable_ranks`. Ranks are fasttok ids, so tiktoken and fasttok give the same ids.
pub fn mergeable_ranks(tokenizer: &Tokenizer) -> Vec<(Vec<u8>, u32)> {
    let bpe = tokenizer.bpe();
    let is_special = |id: u32| bpe.specials().iter().any(|(_, special)| *special == id);
    bpe.vocab()
        .iter()
        .enumerate()
        .filter(|&(id, _)| !is_special(id as u32))
        .map(|(id, bytes)| (bytes.clone(), id as u32))
        .collect()
}

/// The `.tiktoken` rank file of `tokenizer` (tiktoken's `load_tiktoken_bpe` reads it).
pub fn to_rank_file(tokenizer: &Tokenizer) -> String {
    mergeable_ranks(tokenizer)
        .iter()
        .map(|(bytes, rank)| format!("{} {rank}\n", STANDARD.encode(bytes)))
        .collect()
}
