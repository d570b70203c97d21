//! The trained artifact: a model, its pretokenizer and the metadata of its training.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, MatchKind};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::bpe::BpeModel;
use crate::lib_model::LibModel;
use crate::pretokenize::Pretokenizer;
use crate::unigram::UnigramModel;
use crate::{Error, Result};

/// The base units a vocabulary is built from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Units {
    /// Bytes (byte-level BPE: GPT-2, tiktoken, fasttok).
    Bytes,
    /// Characters, each its UTF-8 bytes (character-level BPE, e.g. SentencePiece's;
    /// LiB); a merge list's bytes that are not valid UTF-8 stay single units.
    Chars,
}

impl Units {
    /// Byte length of the unit (character or byte) that starts at `text[at]`.
    pub fn symbol_len(self, text: &[u8], at: usize) -> usize {
        match self {
            Units::Bytes => 1,
            Units::Chars => match text[at] {
                byte if byte < 0xc0 => 1,
                byte if byte < 0xe0 => 2,
                byte if byte < 0xf0 => 3,
                _ => 4,
            }
            .min(text.len() - at),
        }
    }
}

/// Append `special_tokens` to `vocab` (ids after it, in order); their `(text, id)`.
pub(crate) fn append_specials(
    vocab: &mut Vec<Vec<u8>>,
    special_tokens: &[String],
) -> Vec<(String, u32)> {
    special_tokens
        .iter()
        .map(|token| {
            vocab.push(token.as_bytes().to_vec());
            (token.clone(), (vocab.len() - 1) as u32)
        })
        .collect()
}

/// The segmentation model of a tokenizer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Model {
    /// Byte-level BPE with ordered merges.
    Bpe(BpeModel),
    /// A LiB lexicon with ids in rank order.
    Lib(LibModel),
    /// A Unigram language model: pieces with log-probabilities, Viterbi segmentation.
    Unigram(UnigramModel),
}

impl Model {
    /// Token bytes by id, special tokens included.
    pub fn vocab(&self) -> &[Vec<u8>] {
        match self {
            Model::Bpe(bpe) => bpe.vocab(),
            Model::Lib(lib) => lib.vocab(),
            Model::Unigram(unigram) => unigram.vocab(),
        }
    }

    /// Special tokens and their ids.
    pub fn specials(&self) -> &[(String, u32)] {
        match self {
            Model::Bpe(bpe) => bpe.specials(),
            Model::Lib(lib) => lib.specials(),
            Model::Unigram(unigram) => unigram.specials(),
        }
    }

    /// The bytes of `ids`, concatenated.
    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            bytes.extend_from_slice(self.token(id)?);
        }
        Ok(bytes)
    }

    /// The bytes of token `id` (a special token's text).
    fn token(&self, id: u32) -> Result<&[u8]> {
        let vocab = self.vocab();
        vocab
            .get(id as usize)
            .map(Vec::as_slice)
            .ok_or(Error::UnknownId {
                id: id.into(),
                vocab_size: vocab.len(),
            })
    }
}

/// What produced a tokenizer: kept in the `fasttok.json` sidecar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Algorithm name (`bpe`), or `imported` for a tokenizer loaded from foreign files.
    pub algorithm: String,
    /// Training parameters as given (JSON object).
    pub parameters: serde_json::Value,
}

/// A tokenizer: pretokenizer + model, able to encode and decode.
#[derive(Clone, Debug, PartialEq)]
pub struct Tokenizer {
    model: Model,
    pretokenizer: Pretokenizer,
    info: TrainingInfo,
}

impl Tokenizer {
    /// Assemble a tokenizer.
    pub fn new(model: Model, pretokenizer: Pretokenizer, info: TrainingInfo) -> Self {
        Self {
            model,
            pretokenizer,
            info,
        }
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The BPE model, if the tokenizer is BPE.
    pub fn bpe(&self) -> Option<&BpeModel> {
        match &self.model {
            Model::Bpe(bpe) => Some(bpe),
            Model::Lib(_) | Model::Unigram(_) => None,
        }
    }

    /// The BPE model, or an error naming `operation` as one that needs BPE.
    pub fn require_bpe(&self, operation: &str) -> Result<&BpeModel> {
        self.bpe()
            .ok_or_else(|| self.wrong_model(operation, "a BPE"))
    }

    /// The Unigram model, or an error naming `operation` as one that needs Unigram.
    pub fn require_unigram(&self, operation: &str) -> Result<&UnigramModel> {
        match &self.model {
            Model::Unigram(unigram) => Ok(unigram),
            _ => Err(self.wrong_model(operation, "a Unigram")),
        }
    }

    fn wrong_model(&self, operation: &str, needed: &str) -> Error {
        Error::argument(
            "tokenizer",
            format!(
                "{operation} needs {needed} tokenizer, not {}",
                self.info.algorithm
            ),
        )
    }

    /// The pretokenizer.
    pub fn pretokenizer(&self) -> &Pretokenizer {
        &self.pretokenizer
    }

    /// How the tokenizer was made.
    pub fn info(&self) -> &TrainingInfo {
        &self.info
    }

    /// Number of tokens, special tokens included.
    pub fn vocab_size(&self) -> usize {
        self.model.vocab().len()
    }

    /// Token ids of `text` (special-token strings are encoded as ordinary text).
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let mut ids = Vec::with_capacity(text.len() / 3);
        self.encode_into(text, &mut ids, &mut FxHashMap::default())?;
        Ok(ids)
    }

    /// Token ids of `text` in which the special tokens named in `allowed` are matched
    /// first (leftmost, then longest) and become their ids, as HF tokenizers does with
    /// added tokens; names that are not special tokens are ignored.
    pub fn encode_with_specials(&self, text: &str, allowed: &[&str]) -> Result<Vec<u32>> {
        let specials: Vec<&(String, u32)> = self
            .model
            .specials()
            .iter()
            // An empty special token (a loaded file may hold one) would match between the
            // bytes of a character (found by the fuzz target `models`).
            .filter(|(special, _)| !special.is_empty() && allowed.contains(&special.as_str()))
            .collect();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(specials.iter().map(|(special, _)| special))
            .map_err(|err| Error::argument("allowed_special", err.to_string()))?;
        let mut ids = Vec::with_capacity(text.len() / 3);
        let mut cache = FxHashMap::default();
        let mut covered = 0;
        for found in matcher.find_iter(text) {
            self.encode_into(&text[covered..found.start()], &mut ids, &mut cache)?;
            ids.push(specials[found.pattern().as_usize()].1);
            covered = found.end();
        }
        self.encode_into(&text[covered..], &mut ids, &mut cache)?;
        Ok(ids)
    }

    /// Append the ids of `text` to `ids`.
    ///
    /// Pieces that are not a single token are merged once per `cache`: their ids are kept
    /// (as a range of the output) and copied when the piece repeats, as words do in text.
    fn encode_into<'t>(
        &self,
        text: &'t str,
        ids: &mut Vec<u32>,
        cache: &mut FxHashMap<&'t str, (usize, usize)>,
    ) -> Result<()> {
        let bpe = match &self.model {
            Model::Bpe(bpe) => bpe,
            Model::Lib(lib) => {
                return self
                    .pretokenizer
                    .split(text, |piece| lib.encode_piece(piece.as_bytes(), ids))
            }
            Model::Unigram(unigram) => {
                return self
                    .pretokenizer
                    .split(text, |piece| unigram.encode_piece(piece.as_bytes(), ids))
            }
        };
        self.pretokenizer.split(text, |piece| {
            if let Some(id) = bpe.single_token(piece.as_bytes()) {
                ids.push(id);
                return;
            }
            // Only pieces borrowed from `text` are cached; a line's first piece with an
            // added space is owned (see `Pretokenizer::with_prefix_space`).
            let Cow::Borrowed(piece) = piece else {
                return bpe.merge_piece(piece.as_bytes(), ids);
            };
            if let Some(&(start, end)) = cache.get(piece) {
                ids.extend_from_within(start..end);
            } else {
                let start = ids.len();
                bpe.merge_piece(piece.as_bytes(), ids);
                cache.insert(piece, (start, ids.len()));
            }
        })
    }

    /// Token ids of `text` with each piece's segmentation drawn with probability
    /// proportional to its likelihood to the power `alpha` (Unigram's subword
    /// regularization); the draws are a function of `seed`.
    pub fn encode_sampled(&self, text: &str, alpha: f64, seed: u64) -> Result<Vec<u32>> {
        let unigram = self.require_unigram("sampling")?;
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(Error::argument(
                "alpha",
                format!("{alpha} is not a finite number ≥ 0"),
            ));
        }
        let mut rng = rand_pcg::Pcg64Mcg::new(u128::from(seed) | 1);
        let mut ids = Vec::with_capacity(text.len() / 3);
        self.pretokenizer.split(text, |piece| {
            unigram.sample_piece(piece.as_bytes(), alpha, &mut rng, &mut ids)
        })?;
        Ok(ids)
    }

    /// The log-probability of `text`'s best segmentation under a Unigram model (unknown
    /// characters scored as in SentencePiece: 10 below the lowest piece).
    pub fn log_probability(&self, text: &str) -> Result<f64> {
        let unigram = self.require_unigram("log_probability")?;
        let mut total = 0.0;
        self.pretokenizer
            .split(text, |piece| total += unigram.best_score(piece.as_bytes()))?;
        Ok(total)
    }

    /// Encode many texts in parallel on `pool`; results are in input order.
    pub fn encode_batch<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        pool: &rayon::ThreadPool,
    ) -> Result<Vec<Vec<u32>>> {
        pool.install(|| {
            texts
                .par_iter()
                .map(|text| self.encode(text.as_ref()))
                .collect()
        })
    }

    /// The bytes of `ids`, concatenated.
    ///
    /// With [`Pretokenizer::with_prefix_space`], the added spaces are removed: the first
    /// byte of the first ordinary token of each line (at the start, after a token that
    /// ends with `\n`, after a special token) when it is a space.
    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        if !self.pretokenizer.prefix_space() {
            return self.model.decode_bytes(ids);
        }
        let specials = self.model.specials();
        let mut bytes = Vec::with_capacity(ids.len() * 4);
        let mut line_start = true;
        for &id in ids {
            let mut token = self.model.token(id)?;
            if specials.iter().any(|&(_, special)| special == id) {
                line_start = true;
            } else {
                if line_start {
                    token = token.strip_prefix(b" ").unwrap_or(token);
                }
                line_start = token.ends_with(b"\n");
            }
            bytes.extend_from_slice(token);
        }
        Ok(bytes)
    }

    /// The text of `ids`; invalid UTF-8 (possible for arbitrary ids) becomes U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        let bytes = self.decode_bytes(ids)?;
        Ok(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        })
    }

    /// Id of a token given its bytes (special tokens by their text).
    pub fn token_to_id(&self, token: &[u8]) -> Option<u32> {
        let ordinary = match &self.model {
            Model::Bpe(bpe) => bpe.token_id(token),
            Model::Lib(lib) => lib.unit_id(token),
            Model::Unigram(unigram) => unigram.piece_id(token),
        };
        ordinary.or_else(|| {
            self.model
                .specials()
                .iter()
                .find(|(special, _)| special.as_bytes() == token)
                .map(|(_, id)| *id)
        })
    }

    /// Bytes of the token `id`.
    pub fn id_to_token(&self, id: u32) -> Option<&[u8]> {
        self.model.vocab().get(id as usize).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzz target `models`: an empty special token matched between the two
    /// bytes of `ъ`, and slicing the text there panicked.
    #[test]
    fn an_empty_special_token_is_never_matched() {
        let model = UnigramModel::new(Vec::new(), Units::Chars, &[String::new()]).unwrap();
        let pretokenizer = Pretokenizer::from_name_or_pattern("gpt2").unwrap();
        let tokenizer =
            Tokenizer::new(Model::Unigram(model), pretokenizer, TrainingInfo::default());
        let ids = tokenizer.encode_with_specials("(ъ(ъ(", &[""]).unwrap();
        assert_eq!(ids, tokenizer.encode("(ъ(ъ(").unwrap());
    }
}
