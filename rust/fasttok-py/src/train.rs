//! Training entry points.

use fasttok::{
    BpeTrainer, LibTrainer, MergeConstraints, Model, Progress, SuperBpeTrainer, TieBreak,
    Tokenizer, TrainingInfo, UnigramTrainer,
};
use pyo3::prelude::*;

use fasttok::unigram::trainer::ScoredPiece;

use crate::count::{PyCounts, PyLines};
use crate::error::CoreError;
use crate::options::{self, choice, thread_pool};
use crate::pretokenize::PyPretokenizer;
use crate::run::run_detached;
use crate::tokenizer::PyTokenizer;

/// The BPE options shared by every trainer.
fn bpe_trainer(
    vocab_size: usize,
    min_frequency: u64,
    special_tokens: Vec<String>,
    max_token_length: Option<usize>,
    tie_break: &str,
) -> PyResult<BpeTrainer> {
    Ok(BpeTrainer {
        vocab_size,
        min_frequency,
        special_tokens,
        max_token_length,
        tie_break: choice(
            "tie_break",
            tie_break,
            &[("hf", TieBreak::Hf), ("bytes", TieBreak::Bytes)],
        )?,
    })
}

/// The JSON object of user-facing options, kept in the sidecar.
fn parameters_object(parameters: &str) -> PyResult<serde_json::Value> {
    serde_json::from_str(parameters)
        .map_err(|err| CoreError(fasttok::Error::argument("parameters", err.to_string())).into())
}

/// Learn a byte-level BPE tokenizer from `counts`.
///
/// `parameters` is the JSON object of user-facing options, kept in the sidecar.
#[pyfunction]
#[pyo3(signature = (counts, pretokenizer, vocab_size, *, min_frequency = 0, special_tokens = Vec::new(),
                    max_token_length = None, tie_break = "hf", num_threads = None, progress = false,
                    algorithm = "bpe", parameters = "{}"))]
#[allow(clippy::too_many_arguments)]
pub fn train_bpe(
    py: Python<'_>,
    counts: &PyCounts,
    pretokenizer: &PyPretokenizer,
    vocab_size: usize,
    min_frequency: u64,
    special_tokens: Vec<String>,
    max_token_length: Option<usize>,
    tie_break: &str,
    num_threads: Option<usize>,
    progress: bool,
    algorithm: &str,
    parameters: &str,
) -> PyResult<PyTokenizer> {
    let trainer = bpe_trainer(
        vocab_size,
        min_frequency,
        special_tokens,
        max_token_length,
        tie_break,
    )?;
    let parameters = parameters_object(parameters)?;
    let pool = thread_pool(num_threads)?;
    let monitor = Progress::new();
    let counts = &counts.inner;
    let model = run_detached(py, &monitor, progress, |monitor| {
        trainer.train(counts, &pool, monitor)
    })?;
    let info = TrainingInfo {
        algorithm: algorithm.into(),
        parameters,
    };
    Ok(PyTokenizer::from(Tokenizer::new(
        Model::Bpe(model),
        pretokenizer.inner.clone(),
        info,
    )))
}

/// Learn a SuperBPE tokenizer from `sequences` (counts of unique lines or documents):
/// both stages, or stage 2 only on top of `base`'s first `transition − 1` merges.
///
/// The sidecar's parameters gain `"stage2"`: inherited, dropped and learned merges.
#[pyfunction]
#[pyo3(signature = (sequences, stage1, stage2, vocab_size, transition, *, base = None,
                    min_frequency = 0, special_tokens = Vec::new(), max_token_length = None,
                    tie_break = "hf", max_words = Some(4), forbidden = vec![": ".to_owned()],
                    keep_absent_merges = false, num_threads = None, progress = false,
                    parameters = "{}"))]
#[allow(clippy::too_many_arguments)]
pub fn train_superbpe(
    py: Python<'_>,
    sequences: &PyCounts,
    stage1: &PyPretokenizer,
    stage2: &PyPretokenizer,
    vocab_size: usize,
    transition: usize,
    base: Option<&PyTokenizer>,
    min_frequency: u64,
    special_tokens: Vec<String>,
    max_token_length: Option<usize>,
    tie_break: &str,
    max_words: Option<usize>,
    forbidden: Vec<String>,
    keep_absent_merges: bool,
    num_threads: Option<usize>,
    progress: bool,
    parameters: &str,
) -> PyResult<PyTokenizer> {
    let trainer = SuperBpeTrainer {
        bpe: bpe_trainer(
            vocab_size,
            min_frequency,
            special_tokens,
            max_token_length,
            tie_break,
        )?,
        transition,
        constraints: MergeConstraints {
            max_words,
            forbidden,
        },
        keep_absent_merges,
    };
    let mut parameters = parameters_object(parameters)?;
    let pool = thread_pool(num_threads)?;
    let monitor = Progress::new();
    let sequences = &sequences.inner;
    let base = base
        .map(|base| base.inner().require_bpe("SuperBPE's stage 2"))
        .transpose()
        .map_err(CoreError)?;
    let (model, report) = run_detached(py, &monitor, progress, |monitor| match base {
        Some(base) => trainer.extend(base, sequences, &stage2.inner, &pool, monitor),
        None => trainer.train(sequences, &stage1.inner, &stage2.inner, &pool, monitor),
    })?;
    if let Some(object) = parameters.as_object_mut() {
        object.insert(
            "stage2".into(),
            serde_json::to_value(&report).unwrap_or_default(),
        );
    }
    let info = TrainingInfo {
        algorithm: "superbpe".into(),
        parameters,
    };
    Ok(PyTokenizer::from(Tokenizer::new(
        Model::Bpe(model),
        stage2.inner.clone(),
        info,
    )))
}

/// Learn a LiB lexicon from `sentences` (read in order), each split by `pretokenizer`.
#[pyfunction]
#[pyo3(signature = (sentences, pretokenizer, *, units = "chars", in_rate = 0.25, out_rate = 1e-4,
                    life = 10, update_rate = 0.1, max_unit_length = None, inspect_context = true,
                    sentences_per_step = 500, steps = 100, seed = 0, vocab_size = None,
                    special_tokens = Vec::new(), num_threads = None, progress = false,
                    parameters = "{}"))]
#[allow(clippy::too_many_arguments)]
pub fn train_lib(
    py: Python<'_>,
    sentences: &PyLines,
    pretokenizer: &PyPretokenizer,
    units: &str,
    in_rate: f64,
    out_rate: f64,
    life: u32,
    update_rate: f64,
    max_unit_length: Option<usize>,
    inspect_context: bool,
    sentences_per_step: usize,
    steps: usize,
    seed: u64,
    vocab_size: Option<usize>,
    special_tokens: Vec<String>,
    num_threads: Option<usize>,
    progress: bool,
    parameters: &str,
) -> PyResult<PyTokenizer> {
    let trainer = LibTrainer {
        units: options::units(units)?,
        in_rate,
        out_rate,
        life,
        update_rate,
        max_unit_length,
        inspect_context,
        sentences_per_step,
        steps,
        seed,
        vocab_size,
        special_tokens,
        num_threads,
    };
    let parameters = parameters_object(parameters)?;
    let monitor = Progress::new();
    let model = run_detached(py, &monitor, progress, |monitor| {
        trainer.train(&sentences.lines(), &pretokenizer.inner, monitor)
    })?;
    let info = TrainingInfo {
        algorithm: "lib".into(),
        parameters,
    };
    Ok(PyTokenizer::from(Tokenizer::new(
        Model::Lib(model),
        pretokenizer.inner.clone(),
        info,
    )))
}

/// The Unigram options.
#[allow(clippy::too_many_arguments)]
fn unigram_trainer(
    vocab_size: usize,
    units: &str,
    max_piece_length: usize,
    seed_size: usize,
    shrinking_factor: f64,
    sub_iterations: usize,
    special_tokens: Vec<String>,
) -> PyResult<UnigramTrainer> {
    Ok(UnigramTrainer {
        vocab_size,
        units: options::units(units)?,
        max_piece_length,
        seed_size,
        shrinking_factor,
        sub_iterations,
        special_tokens,
    })
}

/// Learn a Unigram LM tokenizer from `counts` (words cut by `pretokenizer`).
#[pyfunction]
#[pyo3(signature = (counts, pretokenizer, vocab_size, *, units = "chars", max_piece_length = 16,
                    seed_size = 1_000_000, shrinking_factor = 0.75, sub_iterations = 2,
                    special_tokens = Vec::new(), num_threads = None, progress = false,
                    algorithm = "unigram", parameters = "{}"))]
#[allow(clippy::too_many_arguments)]
pub fn train_unigram(
    py: Python<'_>,
    counts: &PyCounts,
    pretokenizer: &PyPretokenizer,
    vocab_size: usize,
    units: &str,
    max_piece_length: usize,
    seed_size: usize,
    shrinking_factor: f64,
    sub_iterations: usize,
    special_tokens: Vec<String>,
    num_threads: Option<usize>,
    progress: bool,
    algorithm: &str,
    parameters: &str,
) -> PyResult<PyTokenizer> {
    let trainer = unigram_trainer(
        vocab_size,
        units,
        max_piece_length,
        seed_size,
        shrinking_factor,
        sub_iterations,
        special_tokens,
    )?;
    let parameters = parameters_object(parameters)?;
    let pool = thread_pool(num_threads)?;
    let monitor = Progress::new();
    let counts = &counts.inner;
    let model = run_detached(py, &monitor, progress, |monitor| {
        trainer.train(counts, &pool, monitor)
    })?;
    let info = TrainingInfo {
        algorithm: algorithm.into(),
        parameters,
    };
    Ok(PyTokenizer::from(Tokenizer::new(
        Model::Unigram(model),
        pretokenizer.inner.clone(),
        info,
    )))
}

/// One Unigram EM iteration on `counts` from `pieces` (`(bytes, score)`, every unit of
/// the words among them): the re-estimated pieces and the words' log-likelihood.
#[pyfunction]
#[pyo3(signature = (counts, pieces, *, units = "chars", num_threads = None))]
pub fn unigram_em_step(
    py: Python<'_>,
    counts: &PyCounts,
    pieces: Vec<ScoredPiece>,
    units: &str,
    num_threads: Option<usize>,
) -> PyResult<(Vec<ScoredPiece>, f64)> {
    let trainer = UnigramTrainer {
        units: options::units(units)?,
        ..UnigramTrainer::default()
    };
    let pool = thread_pool(num_threads)?;
    let counts = &counts.inner;
    Ok(py
        .detach(|| trainer.em_step(counts, &pieces, &pool))
        .map_err(CoreError)?)
}
