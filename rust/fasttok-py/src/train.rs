//! Training entry points.

use fasttok::{BpeTrainer, Model, Progress, TieBreak, Tokenizer, TrainingInfo};
use pyo3::prelude::*;

use crate::count::PyWordCounts;
use crate::options::{choice, thread_pool};
use crate::pretokenize::PyPretokenizer;
use crate::run::run_detached;
use crate::tokenizer::PyTokenizer;

/// Learn a byte-level BPE tokenizer from `counts`.
///
/// `parameters` is the JSON object of user-facing options, kept in the sidecar.
#[pyfunction]
#[pyo3(signature = (counts, pretokenizer, vocab_size, *, min_frequency = 0, special_tokens = Vec::new(),
                    max_token_length = None, tie_break = "hf", num_threads = None, progress = false,
                    parameters = "{}"))]
#[allow(clippy::too_many_arguments)]
pub fn train_bpe(
    py: Python<'_>,
    counts: &PyWordCounts,
    pretokenizer: &PyPretokenizer,
    vocab_size: usize,
    min_frequency: u64,
    special_tokens: Vec<String>,
    max_token_length: Option<usize>,
    tie_break: &str,
    num_threads: Option<usize>,
    progress: bool,
    parameters: &str,
) -> PyResult<PyTokenizer> {
    let trainer = BpeTrainer {
        vocab_size,
        min_frequency,
        special_tokens,
        max_token_length,
        tie_break: choice(
            "tie_break",
            tie_break,
            &[("hf", TieBreak::Hf), ("bytes", TieBreak::Bytes)],
        )?,
    };
    let parameters = serde_json::from_str(parameters).map_err(|err| {
        crate::error::CoreError(fasttok::Error::argument("parameters", err.to_string()))
    })?;
    let pool = thread_pool(num_threads)?;
    let monitor = Progress::new();
    let counts = &counts.inner;
    let model = run_detached(py, &monitor, progress, |monitor| {
        trainer.train(counts, &pool, monitor)
    })?;
    let info = TrainingInfo {
        algorithm: "bpe".into(),
        parameters,
    };
    Ok(PyTokenizer::from(Tokenizer::new(
        Model::Bpe(model),
        pretokenizer.inner.clone(),
        info,
    )))
}
