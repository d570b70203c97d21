//! The trained artifact: a model, its pretokenizer and the metadata of its training.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::bpe::BpeModel;
use crate::pretokenize::Pretokenizer;
use crate::Result;

/// The segmentation model of a tokenizer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Model {
    /// Byte-level BPE with ordered merges.
    Bpe(BpeModel),
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

    /// The BPE model (every model is BPE for now).
    pub fn bpe(&self) -> &BpeModel {
        match &self.model {
            Model::Bpe(bpe) => bpe,
        }
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
        self.bpe().vocab_size()
    }

    /// Token ids of `text` (special-token strings are encoded as ordinary text).
    ///
    /// Pieces that are not a single token are merged once per call: their ids are cached
    /// (as a range of the output) and copied when the piece repeats, as words do in text.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let bpe = self.bpe();
        let mut ids = Vec::with_capacity(text.len() / 3);
        let mut cache: FxHashMap<&str, (usize, usize)> = FxHashMap::default();
        self.pretokenizer.split(text, |piece| {
            if let Some(id) = bpe.single_token(piece.as_bytes()) {
                ids.push(id);
            } else if let Some(&(start, end)) = cache.get(piece) {
                ids.extend_from_within(start..end);
            } else {
                let start = ids.len();
                bpe.merge_piece(piece.as_bytes(), &mut ids);
                cache.insert(piece, (start, ids.len()));
            }
        })?;
        Ok(ids)
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
    pub fn decode_bytes(&self, ids: &[u32]) -> Result<Vec<u8>> {
        self.bpe().decode_bytes(ids)
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
        let bpe = self.bpe();
        bpe.token_id(token).or_else(|| {
            bpe.specials()
                .iter()
                .find(|(special, _)| special.as_bytes() == token)
                .map(|(_, id)| *id)
        })
    }

    /// Bytes of the token `id`.
    pub fn id_to_token(&self, id: u32) -> Option<&[u8]> {
        self.bpe().vocab().get(id as usize).map(Vec::as_slice)
    }
}
