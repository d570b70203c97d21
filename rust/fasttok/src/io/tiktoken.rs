//! tiktoken rank files (`base64(token) rank` lines): export, and import as a BPE model.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rustc_hash::FxHashMap;

use crate::bpe::BpeModel;
use crate::model::Tokenizer;
use crate::{Error, Result};

/// `(token bytes, rank)` of every ordinary token, in id order: tiktoken's
/// `mergeable_ranks`. Ranks are fasttok ids, so tiktoken and fasttok give the same ids.
pub fn mergeable_ranks(tokenizer: &Tokenizer) -> Result<Vec<(Vec<u8>, u32)>> {
    let bpe = tokenizer.require_bpe("a tiktoken export")?;
    let is_special = |id: u32| bpe.specials().iter().any(|(_, special)| *special == id);
    Ok(bpe
        .vocab()
        .iter()
        .enumerate()
        .filter(|&(id, _)| !is_special(id as u32))
        .map(|(id, bytes)| (bytes.clone(), id as u32))
        .collect())
}

/// The `.tiktoken` rank file of `tokenizer` (tiktoken's `load_tiktoken_bpe` reads it).
pub fn to_rank_file(tokenizer: &Tokenizer) -> Result<String> {
    Ok(mergeable_ranks(tokenizer)?
        .iter()
        .map(|(bytes, rank)| format!("{} {rank}\n", STANDARD.encode(bytes)))
        .collect())
}

/// Parse a `.tiktoken` rank file into a BPE model whose ids are the ranks; `what` names
/// the file in errors.
///
/// tiktoken stores no merges: a token's merge is the last step of byte-pair merging its
/// bytes with the lower-ranked tokens only, which must leave exactly two parts (how HF
/// converts tiktoken files). A token that cannot be built that way gets no merge: only
/// tiktoken's whole-piece lookup (kept on) can emit it.
pub fn from_rank_file(text: &str, what: &str) -> Result<BpeModel> {
    let bad = |line: usize, message: String| Error::format(what, format!("line {line}: {message}"));
    let entries: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .collect();
    // Ranks are 0..n for n entries: a larger one is refused before it sizes a table
    // (a forged rank of 10^9 would otherwise allocate gigabytes).
    let mut vocab: Vec<Option<Vec<u8>>> = vec![None; entries.len()];
    for (index, line) in entries {
        let (token, rank) = line
            .split_once(' ')
            .ok_or_else(|| bad(index + 1, "expected \"<base64 token> <rank>\"".into()))?;
        let token = STANDARD
            .decode(token)
            .map_err(|err| bad(index + 1, format!("bad base64: {err}")))?;
        let rank: usize = rank
            .trim()
            .parse()
            .ok()
            .ok_or_else(|| bad(index + 1, format!("bad rank {rank:?}")))?;
        let slot = vocab.get_mut(rank).ok_or_else(|| {
            bad(
                index + 1,
                format!("rank {rank} is not below the number of tokens"),
            )
        })?;
        if slot.replace(token).is_some() {
            return Err(bad(index + 1, format!("rank {rank} appears twice")));
        }
    }
    // n distinct ranks below n: every slot is filled.
    let vocab: Vec<Vec<u8>> = vocab.into_iter().flatten().collect();
    let merges: Vec<(u32, u32)> = {
        let mut ranks: FxHashMap<&[u8], u32> = FxHashMap::default();
        for (rank, token) in vocab.iter().enumerate() {
            if let Some(first) = ranks.insert(token.as_slice(), rank as u32) {
                return Err(Error::format(
                    what,
                    format!("token {token:?} has ranks {first} and {rank}"),
                ));
            }
        }
        vocab
            .iter()
            .enumerate()
            .filter(|(_, token)| token.len() > 1)
            .filter_map(
                |(rank, token)| match last_merge(token, rank as u32, &ranks)[..] {
                    // Parts start as single bytes, which a malformed file may lack.
                    [left, right] => Some((*ranks.get(left)?, *ranks.get(right)?)),
                    _ => None,
                },
            )
            .collect()
    };
    BpeModel::from_merges(vocab, &merges, Vec::new(), true, what)
}

/// The parts of `token` after byte-pair merging with the tokens ranked below `rank`.
fn last_merge<'t>(token: &'t [u8], rank: u32, ranks: &FxHashMap<&[u8], u32>) -> Vec<&'t [u8]> {
    let mut bounds: Vec<usize> = (0..=token.len()).collect();
    loop {
        let best = (0..bounds.len().saturating_sub(2))
            .filter_map(|i| {
                let joined = ranks.get(&token[bounds[i]..bounds[i + 2]])?;
                (*joined < rank).then_some((*joined, i))
            })
            .min();
        let Some((_, at)) = best else { break };
        bounds.remove(at + 1);
    }
    bounds.windows(2).map(|w| &token[w[0]..w[1]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        BpeTrainer, Feed, FileFormat, Model, Pretokenizer, Progress, TrainingInfo, Utf8Policy,
    };

    /// Found by tests/test_robustness.py: a two-byte token whose bytes have no rank
    /// panicked; a token listed twice was silently collapsed.
    #[test]
    fn malformed_rank_files_are_format_errors() {
        let two_bytes_only = format!("{} 0\n", STANDARD.encode(b"ab"));
        assert!(matches!(
            from_rank_file(&two_bytes_only, "f"),
            Err(Error::Format { .. })
        ));
        let twice = format!("{} 0\n{} 1\n", STANDARD.encode(b"a"), STANDARD.encode(b"a"));
        let err = from_rank_file(&twice, "f").unwrap_err().to_string();
        assert!(err.contains("ranks 0 and 1"), "{err}");
        // Found by the fuzz target `tiktoken_ranks`: a forged rank sized a table of
        // gigabytes before the missing ranks were noticed.
        let err = from_rank_file("YQ== 900000000\n", "f")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1: rank 900000000 is not below"), "{err}");
    }

    /// A trained model written as a rank file reads back with the same merges.
    #[test]
    fn rank_file_round_trip_recovers_the_merges() {
        let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpora/sample.txt");
        let pretokenizer = Pretokenizer::from_name_or_pattern("gpt2").unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let progress = Progress::new();
        let mut feed = Feed::new(&pretokenizer, &pool, &progress);
        feed.add_file(sample.as_ref(), &FileFormat::Text, Utf8Policy::Strict)
            .unwrap();
        let bpe = BpeTrainer::new(1_000)
            .train(&feed.finish(), &pool, &progress)
            .unwrap();
        let tokenizer = Tokenizer::new(
            Model::Bpe(bpe.clone()),
            pretokenizer,
            TrainingInfo::default(),
        );
        let loaded = from_rank_file(&to_rank_file(&tokenizer).unwrap(), "test").unwrap();
        assert_eq!(loaded.merges(), bpe.merges());
        assert_eq!(loaded.vocab(), bpe.vocab());
    }

    #[test]
    fn bad_lines_name_the_line() {
        let error = from_rank_file("YQ== 0\nnot-a-line\n", "x.tiktoken").unwrap_err();
        assert!(error.to_string().contains("line 2"), "{error}");
    }
}
