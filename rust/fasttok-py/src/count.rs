//! Counting: files (read in Rust) and Python iterables (buffered) → `WordCounts`.

use std::path::PathBuf;
use std::sync::Arc;

use fasttok::{read_lines, Feed, FileFormat, Phase, Progress, Utf8Policy, WordCounts};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::options::{choice, thread_pool};
use crate::pretokenize::PyPretokenizer;
use crate::run::run_detached;

/// Bytes of Python text gathered under the GIL before counting them without it.
const BATCH_BYTES: usize = 8 * 1024 * 1024;

/// Counts of unique pieces: a value; shards add up with `+`.
#[pyclass(frozen, module = "fasttok._fasttok", name = "WordCounts")]
pub struct PyWordCounts {
    pub inner: Arc<WordCounts>,
}

#[pymethods]
impl PyWordCounts {
    #[new]
    fn new() -> Self {
        Self {
            inner: Arc::new(WordCounts::new()),
        }
    }

    /// Counts from `(piece, count)` pairs (repeated pieces add up).
    #[staticmethod]
    fn from_items(items: Vec<(Vec<u8>, u64)>) -> Self {
        Self {
            inner: Arc::new(items.into_iter().collect()),
        }
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Total number of pieces counted.
    #[getter]
    fn total(&self) -> u64 {
        self.inner.total()
    }

    /// The count of `piece`.
    fn get(&self, piece: &[u8]) -> u64 {
        self.inner.get(piece)
    }

    /// `(piece, count)` pairs sorted by piece.
    fn items<'py>(&self, py: Python<'py>) -> Vec<(Bound<'py, PyBytes>, u64)> {
        self.inner
            .sorted()
            .into_iter()
            .map(|(piece, count)| (PyBytes::new(py, piece), count))
            .collect()
    }

    fn __add__(&self, other: &PyWordCounts) -> Self {
        let mut sum = (*self.inner).clone();
        sum.merge(&other.inner);
        Self {
            inner: Arc::new(sum),
        }
    }

    fn __eq__(&self, other: &PyWordCounts) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self) -> String {
        format!(
            "WordCounts(unique={}, total={})",
            self.inner.len(),
            self.inner.total()
        )
    }
}

/// A document of an iterable: `str`, or `bytes` decoded under `policy`.
fn document(item: &Bound<'_, PyAny>, index: usize, policy: Utf8Policy) -> PyResult<String> {
    if let Ok(text) = item.cast::<PyString>() {
        return Ok(text.to_str()?.to_owned());
    }
    if let Ok(bytes) = item.cast::<PyBytes>() {
        let bytes = bytes.as_bytes();
        return match (std::str::from_utf8(bytes), policy) {
            (Ok(text), _) => Ok(text.to_owned()),
            (Err(_), Utf8Policy::Replace) => Ok(String::from_utf8_lossy(bytes).into_owned()),
            (Err(err), Utf8Policy::Strict) => {
                Err(crate::error::CoreError(fasttok::Error::InvalidUtf8 {
                    source_name: format!("item {index} of the corpus iterable"),
                    offset: err.valid_up_to() as u64,
                })
                .into())
            }
        };
    }
    Err(PyTypeError::new_err(format!(
        "item {index} of the corpus iterable is {}, not str or bytes",
        item.get_type().name()?
    )))
}

/// The lines of `files` (read in Rust) and then of `documents` (an iterable of
/// `str`/`bytes`), in order, each with its `\n`; at most `limit`.
#[pyfunction]
#[pyo3(signature = (files = Vec::new(), documents = None, *, limit = None, errors = "strict",
                    text_field = "text"))]
pub fn corpus_lines(
    py: Python<'_>,
    files: Vec<PathBuf>,
    documents: Option<Bound<'_, PyAny>>,
    limit: Option<usize>,
    errors: &str,
    text_field: &str,
) -> PyResult<Vec<String>> {
    let policy = utf8_policy(errors)?;
    let limit = limit.unwrap_or(usize::MAX);
    let mut lines: Vec<String> = Vec::new();
    // Keep `line`; whether more are wanted.
    let take = |lines: &mut Vec<String>, line: &str| {
        lines.push(line.to_owned());
        lines.len() < limit
    };
    for path in &files {
        if lines.len() >= limit {
            break;
        }
        let format = FileFormat::for_path(path, text_field);
        py.detach(|| read_lines(path, &format, policy, |line| take(&mut lines, line)))
            .map_err(crate::error::CoreError)?;
    }
    if let Some(documents) = documents {
        for (index, item) in documents.try_iter()?.enumerate() {
            if lines.len() >= limit {
                break;
            }
            let text = document(&item?, index, policy)?;
            if !text
                .split_inclusive('\n')
                .all(|line| take(&mut lines, line))
            {
                break;
            }
        }
    }
    Ok(lines)
}

fn utf8_policy(errors: &str) -> PyResult<Utf8Policy> {
    Ok(choice(
        "errors",
        errors,
        &[
            ("strict", Utf8Policy::Strict),
            ("replace", Utf8Policy::Replace),
        ],
    )?)
}

/// Count the pieces of `files` (read in Rust, streamed) and of `documents` (any Python
/// iterable of `str`/`bytes`, buffered in batches).
#[pyfunction]
#[pyo3(signature = (pretokenizer, *, files = Vec::new(), documents = None, num_threads = None,
                    errors = "strict", text_field = "text", progress = false))]
#[allow(clippy::too_many_arguments)]
pub fn count(
    py: Python<'_>,
    pretokenizer: &PyPretokenizer,
    files: Vec<PathBuf>,
    documents: Option<Bound<'_, PyAny>>,
    num_threads: Option<usize>,
    errors: &str,
    text_field: &str,
    progress: bool,
) -> PyResult<PyWordCounts> {
    let policy = utf8_policy(errors)?;
    let pool = thread_pool(num_threads)?;
    let monitor = Progress::new();
    let total_bytes = files
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|meta| meta.len())
        .sum();
    monitor.start(Phase::Counting, total_bytes);
    let mut feed = Feed::new(&pretokenizer.inner, &pool, &monitor);
    if !files.is_empty() {
        run_detached(py, &monitor, progress, |_| {
            for path in &files {
                feed.add_file(path, &FileFormat::for_path(path, text_field), policy)?;
            }
            Ok(())
        })?;
    }
    if let Some(documents) = documents {
        let mut batch: Vec<String> = Vec::new();
        let mut batch_bytes = 0;
        let mut items = documents.try_iter()?.enumerate().peekable();
        while let Some((index, item)) = items.next() {
            let text = document(&item?, index, policy)?;
            batch_bytes += text.len();
            batch.push(text);
            if batch_bytes >= BATCH_BYTES || items.peek().is_none() {
                run_detached(py, &monitor, progress, |_| feed.add_documents(&batch))?;
                batch.clear();
                batch_bytes = 0;
            }
        }
    }
    Ok(PyWordCounts {
        inner: Arc::new(feed.finish()),
    })
}
