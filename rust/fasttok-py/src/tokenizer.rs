//! `Tokenizer`: encode, decode, inspect, save and export.

use std::path::PathBuf;
use std::sync::Arc;

use fasttok::{io, LibModel, Model, Segmenter, Tokenizer, TrainingInfo, UnigramModel};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::error::{CoreError, CoreResult};
use crate::options::{self, choice, thread_pool};
use crate::pretokenize::PyPretokenizer;

/// Concatenated ids of a batch and the offsets where each text's ids start.
type FlatIds<'py> = (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u64>>);

/// A trained or loaded tokenizer (immutable).
#[pyclass(frozen, module = "fasttok._fasttok", name = "Tokenizer")]
pub struct PyTokenizer {
    inner: Arc<Tokenizer>,
}

impl PyTokenizer {
    /// The core tokenizer.
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }
}

impl From<Tokenizer> for PyTokenizer {
    fn from(tokenizer: Tokenizer) -> Self {
        Self {
            inner: Arc::new(tokenizer),
        }
    }
}

/// Ids as `u32`, or a clear error for negative or oversized values.
/// A tokenizer of a model built outside fasttok's trainers.
fn imported(model: Model, pretokenizer: &PyPretokenizer) -> PyTokenizer {
    let info = TrainingInfo {
        algorithm: "imported".into(),
        parameters: serde_json::Value::Null,
    };
    Tokenizer::new(model, pretokenizer.inner.clone(), info).into()
}

fn checked_ids(ids: Vec<i64>, vocab_size: usize) -> CoreResult<Vec<u32>> {
    ids.into_iter()
        .map(|id| {
            u32::try_from(id)
                .ok()
                .filter(|&id| (id as usize) < vocab_size)
                .ok_or(CoreError(fasttok::Error::UnknownId {
                    id: id as u64,
                    vocab_size,
                }))
        })
        .collect()
}

#[pymethods]
impl PyTokenizer {
    /// Token ids of `text`; the special tokens named in `allowed_special` are matched
    /// in the text and encoded as their ids.
    #[pyo3(signature = (text, allowed_special = Vec::new()))]
    fn encode(
        &self,
        py: Python<'_>,
        text: &str,
        allowed_special: Vec<String>,
    ) -> CoreResult<Vec<u32>> {
        let encode = || {
            if allowed_special.is_empty() {
                self.inner.encode(text)
            } else {
                let allowed: Vec<&str> = allowed_special.iter().map(String::as_str).collect();
                self.inner.encode_with_specials(text, &allowed)
            }
        };
        // Short texts are not worth a GIL round trip.
        if text.len() < 4096 {
            return Ok(encode()?);
        }
        Ok(py.detach(encode)?)
    }

    /// Encode `texts` in parallel; returns `(ids, offsets)`: text `i` has
    /// `ids[offsets[i]:offsets[i+1]]`.
    #[pyo3(signature = (texts, num_threads = None))]
    fn encode_batch_flat<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        num_threads: Option<usize>,
    ) -> PyResult<FlatIds<'py>> {
        let pool = thread_pool(num_threads)?;
        let encoded = py
            .detach(|| self.inner.encode_batch(&texts, &pool))
            .map_err(CoreError)?;
        let mut offsets = Vec::with_capacity(encoded.len() + 1);
        offsets.push(0u64);
        let mut flat = Vec::with_capacity(encoded.iter().map(Vec::len).sum());
        for ids in encoded {
            flat.extend_from_slice(&ids);
            offsets.push(flat.len() as u64);
        }
        Ok((
            PyArray1::from_vec(py, flat),
            PyArray1::from_vec(py, offsets),
        ))
    }

    /// The bytes of `ids`.
    fn decode_bytes<'py>(&self, py: Python<'py>, ids: Vec<i64>) -> CoreResult<Bound<'py, PyBytes>> {
        let ids = checked_ids(ids, self.inner.vocab_size())?;
        Ok(PyBytes::new(py, &self.inner.decode_bytes(&ids)?))
    }

    /// The id of `token` (bytes, or text for special tokens), or `None`.
    fn token_to_id(&self, token: &[u8]) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// The bytes of token `id`, or `None`.
    fn id_to_token<'py>(&self, py: Python<'py>, id: i64) -> Option<Bound<'py, PyBytes>> {
        let id = u32::try_from(id).ok()?;
        self.inner
            .id_to_token(id)
            .map(|bytes| PyBytes::new(py, bytes))
    }

    /// Number of tokens, special tokens included.
    #[getter]
    fn vocab_size(&self) -> usize {
        self.inner.vocab_size()
    }

    /// Token bytes by id (special tokens as their UTF-8 text).
    fn vocab_list<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner
            .model()
            .vocab()
            .iter()
            .map(|bytes| PyBytes::new(py, bytes))
            .collect()
    }

    /// Merges in rank order as `(left id, right id, merged id)` (BPE only).
    fn merge_ids(&self) -> CoreResult<Vec<(u32, u32, u32)>> {
        Ok(self.inner.require_bpe("merges")?.merges().to_vec())
    }

    /// The model family: `BPE`, `LiB` or `Unigram`.
    #[getter]
    fn model_type(&self) -> &'static str {
        match self.inner.model() {
            Model::Bpe(_) => "BPE",
            Model::Lib(_) => "LiB",
            Model::Unigram(_) => "Unigram",
            _ => "unknown",
        }
    }

    /// Score (log-probability) of every id (Unigram only).
    fn scores(&self) -> CoreResult<Vec<f64>> {
        Ok(self.inner.require_unigram("scores")?.scores().to_vec())
    }

    /// Ids of `text` with sampled segmentations (Unigram's subword regularization).
    #[pyo3(signature = (text, alpha, seed))]
    fn encode_sampled(
        &self,
        py: Python<'_>,
        text: &str,
        alpha: f64,
        seed: u64,
    ) -> CoreResult<Vec<u32>> {
        Ok(py.detach(|| self.inner.encode_sampled(text, alpha, seed))?)
    }

    /// The log-probability of `text`'s best segmentation (Unigram only).
    fn log_probability(&self, py: Python<'_>, text: &str) -> CoreResult<f64> {
        Ok(py.detach(|| self.inner.log_probability(text))?)
    }

    /// How a LiB tokenizer segments (`two-path` or `greedy`); `None` for BPE.
    #[getter]
    fn segmenter(&self) -> Option<&'static str> {
        match self.inner.model() {
            Model::Lib(lib) => Some(match lib.segmenter() {
                Segmenter::TwoPath => "two-path",
                Segmenter::Greedy => "greedy",
            }),
            _ => None,
        }
    }

    /// The same LiB tokenizer with another segmenter (`two-path` or `greedy`).
    fn with_segmenter(&self, segmenter: &str) -> PyResult<Self> {
        let segmenter = choice(
            "segmenter",
            segmenter,
            &[
                ("two-path", Segmenter::TwoPath),
                ("greedy", Segmenter::Greedy),
            ],
        )?;
        let Model::Lib(lib) = self.inner.model() else {
            return Err(CoreError(fasttok::Error::argument(
                "segmenter",
                "only LiB tokenizers have a segmenter",
            ))
            .into());
        };
        let model = Model::Lib(lib.clone().with_segmenter(segmenter));
        Ok(Tokenizer::new(
            model,
            self.inner.pretokenizer().clone(),
            self.inner.info().clone(),
        )
        .into())
    }

    /// Special tokens as `{text: id}`.
    fn special_tokens<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (token, id) in self.inner.model().specials() {
            dict.set_item(token, id)?;
        }
        Ok(dict)
    }

    /// The pretokenizer's regex.
    #[getter]
    fn pattern(&self) -> &str {
        self.inner.pretokenizer().spec().pattern()
    }

    /// The pretokenizer's short name (`gpt2`, `cl100k`, `o200k`, `superbpe-stage2`, …,
    /// `custom`).
    #[getter]
    fn pretokenizer_name(&self) -> &'static str {
        self.inner.pretokenizer().spec().name()
    }

    /// Whether the pretokenizer cuts texts after each newline first.
    #[getter]
    fn pretokenizer_lines(&self) -> bool {
        self.inner.pretokenizer().lines()
    }

    /// Whether lines are split as if they began with a space.
    #[getter]
    fn pretokenizer_prefix_space(&self) -> bool {
        self.inner.pretokenizer().prefix_space()
    }

    /// The algorithm that made the tokenizer (`bpe`, or `imported`).
    #[getter]
    fn algorithm(&self) -> &str {
        &self.inner.info().algorithm
    }

    /// The training parameters, as a JSON string.
    #[getter]
    fn parameters(&self) -> String {
        self.inner.info().parameters.to_string()
    }

    /// Write `tokenizer.json` and `fasttok.json` into directory `path`.
    fn save(&self, py: Python<'_>, path: PathBuf) -> CoreResult<()> {
        Ok(py.detach(|| io::save(&self.inner, &path))?)
    }

    /// Load a directory written by `save`, or a BPE `tokenizer.json`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> CoreResult<Self> {
        Ok(py.detach(|| io::load(&path))?.into())
    }

    /// The HF `tokenizer.json` text.
    fn to_hf_json(&self) -> String {
        io::hf::to_json(&self.inner)
    }

    /// The `fasttok.json` sidecar text.
    fn to_sidecar_json(&self) -> String {
        io::meta::to_json(&self.inner)
    }

    /// Rebuild a tokenizer from `tokenizer.json` text and, optionally, sidecar text.
    #[staticmethod]
    #[pyo3(signature = (hf_json, sidecar_json = None))]
    fn from_json(hf_json: &str, sidecar_json: Option<&str>) -> CoreResult<Self> {
        let sidecar = sidecar_json
            .map(|json| io::meta::from_json(json, "sidecar"))
            .transpose()?;
        Ok(io::hf::from_json(hf_json, "tokenizer.json", sidecar)?.into())
    }

    /// Build a tokenizer from `.tiktoken` rank-file text (`what` names it in errors) and
    /// the pretokenizer the file does not record.
    #[staticmethod]
    fn from_rank_file(
        py: Python<'_>,
        text: &str,
        pretokenizer: &PyPretokenizer,
        what: &str,
    ) -> CoreResult<Self> {
        let bpe = py.detach(|| io::tiktoken::from_rank_file(text, what))?;
        Ok(imported(Model::Bpe(bpe), pretokenizer))
    }

    /// A LiB tokenizer from a ranked lexicon (best first; `units` is `chars` or `bytes`).
    #[staticmethod]
    #[pyo3(signature = (lexicon, pretokenizer, *, units = "chars", special_tokens = Vec::new()))]
    fn from_lib_units(
        lexicon: Vec<Vec<u8>>,
        pretokenizer: &PyPretokenizer,
        units: &str,
        special_tokens: Vec<String>,
    ) -> PyResult<Self> {
        let units = options::units(units)?;
        let model = LibModel::new(lexicon, units, &special_tokens).map_err(CoreError)?;
        Ok(imported(Model::Lib(model), pretokenizer))
    }

    /// A Unigram tokenizer from `(piece bytes, score)` pairs, ids in the given order.
    #[staticmethod]
    #[pyo3(signature = (pieces, pretokenizer, *, units = "chars", special_tokens = Vec::new()))]
    fn from_unigram_pieces(
        pieces: Vec<(Vec<u8>, f64)>,
        pretokenizer: &PyPretokenizer,
        units: &str,
        special_tokens: Vec<String>,
    ) -> PyResult<Self> {
        let units = options::units(units)?;
        let model = UnigramModel::new(pieces, units, &special_tokens).map_err(CoreError)?;
        Ok(imported(Model::Unigram(model), pretokenizer))
    }

    /// tiktoken's `mergeable_ranks`: `{token bytes: rank}`.
    fn mergeable_ranks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        let ranks = io::tiktoken::mergeable_ranks(&self.inner).map_err(CoreError)?;
        for (bytes, rank) in ranks {
            dict.set_item(PyBytes::new(py, &bytes), rank)?;
        }
        Ok(dict)
    }

    /// The `.tiktoken` rank file text.
    fn to_rank_file(&self) -> CoreResult<String> {
        Ok(io::tiktoken::to_rank_file(&self.inner)?)
    }

    fn __eq__(&self, other: &PyTokenizer) -> bool {
        self.inner == other.inner
    }
}
