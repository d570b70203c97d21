//! `MixtureProblem`: merge-list replay over category samples and violation sweeps.

use fasttok::mixture::{self, MergeList, MixtureProblem, Row, SweepLimits, Transcript};
use fasttok::Progress;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::count::PyCounts;
use crate::error::CoreError;
use crate::options::{self, thread_pool};
use crate::run::run_detached;

/// A sweep's rows as arrays: steps, pairs, first and last steps of each run, and the
/// pairs' counts (`rows × categories`).
type Rows<'py> = (
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray2<f64>>,
);

/// Pairs as an `(n, 2)` array of token ids.
fn pair_array<'py>(
    py: Python<'py>,
    pairs: impl Iterator<Item = (u32, u32)>,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    let flat: Vec<u32> = pairs.flat_map(|(left, right)| [left, right]).collect();
    let rows = flat.len() / 2;
    flat.into_pyarray(py).reshape([rows, 2])
}

/// The transcripts of a merge list over every category's sample, indexed for the LP.
#[pyclass(module = "fasttok._fasttok", name = "MixtureProblem")]
pub struct PyMixtureProblem {
    list: MergeList,
    transcripts: Vec<Transcript>,
    problem: MixtureProblem,
}

#[pymethods]
impl PyMixtureProblem {
    /// Replay `merges` (pairs of token bytes, in order) over each of `samples` (piece
    /// counts under the tokenizer's pretokenizer), skipping the first `skip` merges and
    /// recording up to `steps` (default: all the rest).
    #[new]
    #[pyo3(signature = (merges, samples, *, units = "bytes", skip = 0, steps = None,
                        num_threads = None, progress = false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        merges: Vec<(Vec<u8>, Vec<u8>)>,
        samples: Vec<PyRef<'_, PyCounts>>,
        units: &str,
        skip: usize,
        steps: Option<usize>,
        num_threads: Option<usize>,
        progress: bool,
    ) -> PyResult<Self> {
        let units = options::units(units)?;
        let pool = thread_pool(num_threads)?;
        let samples: Vec<_> = samples.iter().map(|sample| sample.inner.clone()).collect();
        let monitor = Progress::new();
        let (list, transcripts, problem) = run_detached(py, &monitor, progress, |monitor| {
            let samples: Vec<_> = samples.iter().map(|sample| &**sample).collect();
            let list = MergeList::new(&merges, units, &samples);
            let steps = steps.unwrap_or(usize::MAX);
            let transcripts = mixture::replay_all(&list, &samples, skip, steps, &pool, monitor)?;
            let problem = MixtureProblem::new(&list, skip, &transcripts)?;
            Ok((list, transcripts, problem))
        })?;
        Ok(Self {
            list,
            transcripts,
            problem,
        })
    }

    /// Number of categories.
    #[getter]
    fn categories(&self) -> usize {
        self.problem.categories()
    }

    /// Number of recorded merge steps.
    #[getter]
    fn steps(&self) -> usize {
        self.problem.steps()
    }

    /// Number of distinct pairs (the length of the pair-slack vector).
    #[getter]
    fn pair_count(&self) -> usize {
        self.problem.pair_count()
    }

    /// Runs of rows returned by sweeps so far.
    #[getter]
    fn rows_added(&self) -> usize {
        self.problem.rows_added()
    }

    /// Per step, the scaled counts of its merge just before it (`steps × categories`).
    fn merge_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let (steps, width) = (self.problem.steps(), self.problem.categories());
        self.problem
            .merge_counts()
            .into_pyarray(py)
            .reshape([steps, width])
    }

    /// Recorded steps whose merge occurs in no sample.
    fn missing_steps(&self) -> Vec<usize> {
        self.problem.missing_steps()
    }

    /// Per category: adjacent base-unit pairs of the sample before any merge (`Z`).
    fn sample_pairs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        let pairs: Vec<u64> = self.transcripts.iter().map(|t| t.pairs).collect();
        pairs.into_pyarray(py)
    }

    /// Per category: bytes of the sample.
    fn sample_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        let bytes: Vec<u64> = self.transcripts.iter().map(|t| t.bytes).collect();
        bytes.into_pyarray(py)
    }

    /// The token bytes `(left, right)` of pair `pair`.
    fn pair_tokens<'py>(
        &self,
        py: Python<'py>,
        pair: u32,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        if pair as usize >= self.problem.pair_count() {
            return Err(
                CoreError(fasttok::Error::argument("pair", format!("no pair {pair}"))).into(),
            );
        }
        let (left, right) = self.problem.pair(pair);
        Ok((
            PyBytes::new(py, self.list.token(left)),
            PyBytes::new(py, self.list.token(right)),
        ))
    }

    /// The bytes of token `id` of the replay's token table.
    fn token<'py>(&self, py: Python<'py>, id: u32) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.list.token(id))
    }

    /// Category `category`'s transcript as arrays: `initial_pairs` (n × 2 token ids),
    /// `initial_counts`, `step_offsets`, `change_pairs`, `change_counts`, `applied`.
    fn transcript<'py>(&self, py: Python<'py>, category: usize) -> PyResult<Bound<'py, PyDict>> {
        let transcript = self.transcripts.get(category).ok_or_else(|| {
            CoreError(fasttok::Error::argument(
                "category",
                format!("no category {category}"),
            ))
        })?;
        let dict = PyDict::new(py);
        dict.set_item(
            "initial_pairs",
            pair_array(py, transcript.initial.iter().map(|&(pair, _)| pair))?,
        )?;
        let counts: Vec<u64> = transcript.initial.iter().map(|&(_, count)| count).collect();
        dict.set_item("initial_counts", counts.into_pyarray(py))?;
        let offsets: Vec<u64> = transcript.step_offsets.iter().map(|&o| o as u64).collect();
        dict.set_item("step_offsets", offsets.into_pyarray(py))?;
        dict.set_item(
            "change_pairs",
            pair_array(py, transcript.changes.iter().map(|&(pair, _)| pair))?,
        )?;
        let counts: Vec<u64> = transcript.changes.iter().map(|&(_, count)| count).collect();
        dict.set_item("change_counts", counts.into_pyarray(py))?;
        dict.set_item("applied", transcript.applied.clone().into_pyarray(py))?;
        Ok(dict)
    }

    /// The rows that mixture `alpha` with slacks `step_slack`/`pair_slack` violates and no
    /// earlier sweep returned (see the core's `MixtureProblem::sweep`).
    #[pyo3(signature = (alpha, step_slack, pair_slack, *, per_step = 10, per_round = 100, tolerance = 1e-6))]
    #[allow(clippy::too_many_arguments)]
    fn sweep<'py>(
        &mut self,
        py: Python<'py>,
        alpha: PyReadonlyArray1<'py, f64>,
        step_slack: PyReadonlyArray1<'py, f64>,
        pair_slack: PyReadonlyArray1<'py, f64>,
        per_step: usize,
        per_round: usize,
        tolerance: f64,
    ) -> PyResult<Rows<'py>> {
        let limits = SweepLimits {
            per_step,
            per_round,
            tolerance,
        };
        let (alpha, step_slack, pair_slack) = (
            alpha.as_slice()?,
            step_slack.as_slice()?,
            pair_slack.as_slice()?,
        );
        let problem = &mut self.problem;
        let monitor = Progress::new();
        let rows = run_detached(py, &monitor, false, |monitor| {
            problem.sweep(alpha, step_slack, pair_slack, limits, monitor)
        })?;
        let column = |field: fn(&Row) -> u32| -> Vec<u32> { rows.iter().map(field).collect() };
        let (steps, pairs) = (column(|row| row.step), column(|row| row.pair));
        let (firsts, lasts) = (column(|row| row.first), column(|row| row.last));
        let width = self.problem.categories();
        let count = steps.len();
        let counts: Vec<f64> = rows.into_iter().flat_map(|row| row.counts).collect();
        Ok((
            steps.into_pyarray(py),
            pairs.into_pyarray(py),
            firsts.into_pyarray(py),
            lasts.into_pyarray(py),
            counts.into_pyarray(py).reshape([count, width])?,
        ))
    }
}

/// The bytes of a GPT-2 byte-level token string (`"Ġthe"` → `b" the"`), or `None` if a
/// character is not in the byte-level alphabet.
#[pyfunction]
pub fn byte_level_bytes(token: &str) -> Option<Vec<u8>> {
    fasttok::io::hf::string_to_bytes(token)
}
