//! Counting: files (read in Rust) and Python iterables (buffered) → `Counts`.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use fasttok::{read_lines, Counts, Feed, FileFormat, Phase, Pretokenizer, Progress, Utf8Policy};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::error::CoreResult;
use crate::options::{choice, thread_pool};
use crate::pretokenize::PyPretokenizer;
use crate::run::run_detached;

/// Bytes of Python text gathered under the GIL before counting them without it.
const BATCH_BYTES: usize = 8 * 1024 * 1024;

/// Counts of unique pieces: a value; shards add up with `+`, travel as bytes and pickle.
#[pyclass(frozen, module = "fasttok._fasttok", name = "Counts")]
pub struct PyCounts {
    pub inner: Arc<Counts>,
}

impl PyCounts {
    pub fn new_value(counts: Counts) -> Self {
        Self {
            inner: Arc::new(counts),
        }
    }

    /// The sum of `tables`: the largest is copied once and the others added into it.
    fn sum(py: Python<'_>, mut tables: Vec<Arc<Counts>>) -> CoreResult<Self> {
        let sum = py.detach(|| {
            let largest = (0..tables.len()).max_by_key(|&i| tables[i].len());
            let Some(largest) = largest else {
                return Ok(Counts::new());
            };
            let mut sum = (*tables.swap_remove(largest)).clone();
            for table in &tables {
                sum.merge(table)?;
            }
            Ok::<_, fasttok::Error>(sum)
        })?;
        Ok(Self::new_value(sum))
    }
}

#[pymethods]
impl PyCounts {
    #[new]
    fn new() -> Self {
        Self::new_value(Counts::new())
    }

    /// Counts from `(piece, count)` pairs (repeated pieces add up).
    #[staticmethod]
    fn from_items(items: Vec<(Vec<u8>, u64)>) -> Self {
        Self::new_value(items.into_iter().collect())
    }

    /// Counts from their binary form (see `to_bytes`); `source` names it in errors.
    #[staticmethod]
    #[pyo3(signature = (data, source = "bytes"))]
    fn from_bytes(py: Python<'_>, data: &[u8], source: &str) -> CoreResult<Self> {
        Ok(Self::new_value(
            py.detach(|| Counts::from_bytes(data, source))?,
        ))
    }

    /// The compact, versioned, checksummed binary form; equal counts give equal bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes = py.detach(|| self.inner.to_bytes());
        PyBytes::new(py, &bytes)
    }

    /// Write the binary form to `path` (through a temporary file renamed into place, so
    /// an interrupted save leaves no partial file).
    fn save(&self, py: Python<'_>, path: PathBuf) -> CoreResult<()> {
        py.detach(|| {
            let io_error = |source| fasttok::Error::Io {
                path: path.clone(),
                source,
            };
            let mut partial = path.clone().into_os_string();
            partial.push(format!(".partial-{}", std::process::id()));
            std::fs::write(&partial, self.inner.to_bytes()).map_err(io_error)?;
            std::fs::rename(&partial, &path).map_err(|err| {
                let _ = std::fs::remove_file(&partial);
                io_error(err)
            })
        })?;
        Ok(())
    }

    /// Counts saved by `save`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> CoreResult<Self> {
        let counts = py.detach(|| {
            let bytes = std::fs::read(&path).map_err(|source| fasttok::Error::Io {
                path: path.clone(),
                source,
            })?;
            Counts::from_bytes(&bytes, &path.display().to_string())
        })?;
        Ok(Self::new_value(counts))
    }

    /// The counts of the pieces `pretokenizer` cuts these texts into (for counts of
    /// lines or documents: `pretokenizer="none"`).
    #[pyo3(signature = (pretokenizer, *, num_threads = None, progress = false))]
    fn resplit(
        &self,
        py: Python<'_>,
        pretokenizer: &PyPretokenizer,
        num_threads: Option<usize>,
        progress: bool,
    ) -> PyResult<Self> {
        let pool = thread_pool(num_threads)?;
        let monitor = Progress::new();
        let counts = run_detached(py, &monitor, progress, |monitor| {
            self.inner.resplit(&pretokenizer.inner, &pool, monitor)
        })?;
        Ok(Self::new_value(counts))
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let from_bytes = slf.get_type().getattr("from_bytes")?;
        Ok((from_bytes, (slf.get().to_bytes(slf.py()),)))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Total number of pieces counted.
    #[getter]
    fn total(&self) -> u64 {
        self.inner.total()
    }

    /// The bound on the count any piece lost to pruning (0: exact counts).
    #[getter]
    fn max_error(&self) -> u64 {
        self.inner.max_error()
    }

    /// The pretokenizer that cut the pieces (`None` for counts built from items).
    #[getter]
    fn pretokenizer(&self) -> CoreResult<Option<PyPretokenizer>> {
        let Some(config) = self.inner.pretokenizer() else {
            return Ok(None);
        };
        Ok(Some(PyPretokenizer {
            inner: Pretokenizer::from_config(config)?,
        }))
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

    /// These counts without the pieces counted fewer than `min_count` times, and with at
    /// most `top` pieces; the largest dropped count is added to `max_error`.
    #[pyo3(signature = (*, min_count = 0, top = None))]
    fn prune(&self, py: Python<'_>, min_count: u64, top: Option<usize>) -> Self {
        Self::new_value(py.detach(|| {
            let mut pruned = (*self.inner).clone();
            pruned.prune(min_count, top);
            pruned
        }))
    }

    fn __add__(&self, py: Python<'_>, other: &PyCounts) -> CoreResult<Self> {
        Self::sum(py, vec![self.inner.clone(), other.inner.clone()])
    }

    /// The sum of `counts` (empty counts for none), copying only the largest table.
    #[staticmethod]
    #[pyo3(name = "sum")]
    fn sum_of(py: Python<'_>, counts: Vec<PyRef<'_, PyCounts>>) -> CoreResult<Self> {
        Self::sum(py, counts.iter().map(|c| c.inner.clone()).collect())
    }

    fn __eq__(&self, other: &PyCounts) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self) -> String {
        let pretokenizer = self
            .inner
            .pretokenizer()
            .map_or_else(|| "unrecorded".to_owned(), ToString::to_string);
        format!(
            "Counts(unique={}, total={}, pretokenizer={pretokenizer}, max_error={})",
            self.inner.len(),
            self.inner.total(),
            self.inner.max_error()
        )
    }
}

/// A document of an iterable: `str`, or `bytes` decoded under `policy`; borrowed where
/// it is valid UTF-8 already.
fn document<'a>(
    item: &'a Bound<'_, PyAny>,
    index: usize,
    policy: Utf8Policy,
) -> PyResult<Cow<'a, str>> {
    if let Ok(text) = item.cast::<PyString>() {
        return Ok(Cow::Borrowed(text.to_str()?));
    }
    if let Ok(bytes) = item.cast::<PyBytes>() {
        let bytes = bytes.as_bytes();
        return match (std::str::from_utf8(bytes), policy) {
            (Ok(text), _) => Ok(Cow::Borrowed(text)),
            (Err(_), Utf8Policy::Replace) => Ok(String::from_utf8_lossy(bytes)),
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
) -> PyResult<PyLines> {
    let policy = utf8_policy(errors)?;
    let limit = limit.unwrap_or(usize::MAX);
    let mut lines = PyLines::default();
    // Keep `line`; whether more are wanted.
    let take = |lines: &mut PyLines, line: &str| {
        lines.push(line);
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
            let item = item?;
            let text = document(&item, index, policy)?;
            lines.text.reserve(text.len());
            if !fasttok::lines(&text).all(|line| take(&mut lines, line)) {
                break;
            }
        }
    }
    Ok(lines)
}

/// Lines of a corpus, in order, kept on the Rust side: LiB reads them there, so they
/// need not become Python strings and back.
#[pyclass(frozen, module = "fasttok._fasttok", name = "Lines")]
#[derive(Default)]
pub struct PyLines {
    /// The lines one after another, in one buffer rather than one allocation each.
    text: String,
    /// Where each line ends in `text`.
    ends: Vec<usize>,
}

impl PyLines {
    fn push(&mut self, line: &str) {
        self.text.push_str(line);
        self.ends.push(self.text.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// The lines, in order.
    pub fn lines(&self) -> Vec<&str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.text[start..end])
            .collect()
    }
}

#[pymethods]
impl PyLines {
    fn __len__(&self) -> usize {
        self.len()
    }
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
                    errors = "strict", text_field = "text", max_unique = None,
                    max_piece_bytes = fasttok::count::MAX_PIECE_BYTES, progress = false))]
#[allow(clippy::too_many_arguments)]
pub fn count(
    py: Python<'_>,
    pretokenizer: &PyPretokenizer,
    files: Vec<PathBuf>,
    documents: Option<Bound<'_, PyAny>>,
    num_threads: Option<usize>,
    errors: &str,
    text_field: &str,
    max_unique: Option<usize>,
    max_piece_bytes: usize,
    progress: bool,
) -> PyResult<PyCounts> {
    let policy = utf8_policy(errors)?;
    let pool = thread_pool(num_threads)?;
    let monitor = Progress::new();
    // The sizes only scale the bar: no stat per file when none is drawn (many small files).
    let total_bytes = if progress {
        files
            .iter()
            .filter_map(|path| std::fs::metadata(path).ok())
            .map(|meta| meta.len())
            .sum()
    } else {
        0
    };
    monitor.start(Phase::Counting, total_bytes);
    let mut feed =
        Feed::new(&pretokenizer.inner, &pool, &monitor).with_max_piece_bytes(max_piece_bytes);
    if let Some(max_unique) = max_unique {
        feed = feed.with_max_unique(max_unique);
    }
    if !files.is_empty() {
        run_detached(py, &monitor, progress, |_| {
            feed.add_files(&files, text_field, policy)
        })?;
    }
    if let Some(documents) = documents {
        let mut batch: Vec<String> = Vec::new();
        let mut batch_bytes = 0;
        let mut items = documents.try_iter()?.enumerate().peekable();
        while let Some((index, item)) = items.next() {
            let text = document(&item?, index, policy)?.into_owned();
            batch_bytes += text.len();
            batch.push(text);
            if batch_bytes >= BATCH_BYTES || items.peek().is_none() {
                run_detached(py, &monitor, progress, |_| feed.add_documents(&batch))?;
                batch.clear();
                batch_bytes = 0;
            }
        }
    }
    Ok(PyCounts::new_value(feed.finish()))
}
