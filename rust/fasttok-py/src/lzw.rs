//! LZW hypertokens: the codec, codebooks and the streaming codebook manager.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use fasttok::lzw::{self, ChunkBoundary, LzwConfig, StreamDecoder};
use numpy::{PyArray1, PyArray2, PyArray3, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;

use crate::error::{CoreError, CoreResult};
use crate::options::thread_pool;

/// Ids from a `uint32` array or a sequence of ints.
fn ids_from(obj: &Bound<'_, PyAny>) -> CoreResult<Vec<u32>> {
    if let Ok(array) = obj.extract::<PyReadonlyArray1<'_, u32>>() {
        return Ok(array.as_array().to_vec());
    }
    let values: Vec<i64> = obj.extract().map_err(|err| {
        CoreError(fasttok::Error::argument(
            "ids",
            format!("expected a sequence of ints: {err}"),
        ))
    })?;
    values
        .into_iter()
        .enumerate()
        .map(|(position, value)| {
            u32::try_from(value).map_err(|_| {
                CoreError(fasttok::Error::InvalidSequence {
                    id: value as u64,
                    position,
                    reason: "ids are between 0 and 2^32 - 1".into(),
                })
            })
        })
        .collect()
}

/// Rows from a 2-D `uint32` array or an iterable of id sequences.
fn rows_from(obj: &Bound<'_, PyAny>) -> CoreResult<Vec<Vec<u32>>> {
    if let Ok(array) = obj.extract::<PyReadonlyArray2<'_, u32>>() {
        return Ok(array
            .as_array()
            .rows()
            .into_iter()
            .map(|row| row.to_vec())
            .collect());
    }
    let rows = obj.try_iter().map_err(|err| {
        CoreError(fasttok::Error::argument(
            "rows",
            format!("expected rows of ids: {err}"),
        ))
    })?;
    rows.map(|row| {
        let row =
            row.map_err(|err| CoreError(fasttok::Error::argument("rows", err.to_string())))?;
        ids_from(&row)
    })
    .collect()
}

/// A `rows × width` array from row-major `values`.
fn matrix<'py, T: numpy::Element>(
    py: Python<'py>,
    values: Vec<T>,
    rows: usize,
    width: usize,
) -> PyResult<Bound<'py, PyArray2<T>>> {
    PyArray1::from_vec(py, values).reshape([rows, width])
}

/// Codes and a codebook, or ids and the codebook rebuilt from codes.
type Coded<'py> = (Bound<'py, PyArray1<u32>>, PyCodebook);

/// Rows as a left-padded `rows × width` array with its attention mask, or as a list of
/// 1-D arrays (and no mask).
type ShapedRows<'py> = (Bound<'py, PyAny>, Option<Bound<'py, PyArray2<u8>>>);

/// Rows of a batch, each with its codebook.
type Batch<'py> = (
    Bound<'py, PyAny>,
    Option<Bound<'py, PyArray2<u8>>>,
    Vec<PyCodebook>,
);

/// Shape `rows` for Python: left-padded to `width` (the longest row if `None`) when
/// `padding`, else one array per row.
fn shape_rows<'py>(
    py: Python<'py>,
    config: &LzwConfig,
    rows: Vec<Vec<u32>>,
    padding: bool,
    width: Option<usize>,
) -> PyResult<ShapedRows<'py>> {
    if !padding {
        let arrays: Vec<_> = rows
            .into_iter()
            .map(|row| PyArray1::from_vec(py, row))
            .collect();
        return Ok((arrays.into_pyobject(py)?.into_any(), None));
    }
    let pad = config.require_pad_id("padding").map_err(CoreError)?;
    let (padded, mask, width) = lzw::pad_left(&rows, width, pad).map_err(CoreError)?;
    let codes = matrix(py, padded, rows.len(), width)?;
    Ok((codes.into_any(), Some(matrix(py, mask, rows.len(), width)?)))
}

/// One sequence's codebook: entry `i` is code `first_code + i`.
#[pyclass(frozen, eq, module = "fasttok._fasttok", name = "Codebook")]
#[derive(PartialEq)]
pub struct PyCodebook {
    inner: lzw::Codebook,
    config: Arc<LzwConfig>,
}

impl PyCodebook {
    fn new(inner: lzw::Codebook, config: &Arc<LzwConfig>) -> Self {
        Self {
            inner,
            config: Arc::clone(config),
        }
    }
}

#[pymethods]
impl PyCodebook {
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __contains__(&self, code: i64) -> bool {
        u32::try_from(code).is_ok_and(|code| self.inner.entry(code).is_some())
    }

    /// The base ids of `code`.
    fn __getitem__(&self, code: i64) -> PyResult<Vec<u32>> {
        u32::try_from(code)
            .ok()
            .and_then(|code| self.inner.entry(code))
            .map(<[u32]>::to_vec)
            .ok_or_else(|| PyKeyError::new_err(code))
    }

    /// The code of the first entry (the base vocabulary size).
    #[getter]
    fn first_code(&self) -> u32 {
        self.inner.first_code()
    }

    /// `{code: base ids}` for every entry.
    fn to_dict(&self) -> BTreeMap<u32, Vec<u32>> {
        self.inner
            .entries()
            .map(|(code, ids)| (code, ids.to_vec()))
            .collect()
    }

    /// The entries in code order.
    fn to_list(&self) -> Vec<Vec<u32>> {
        self.inner.entries().map(|(_, ids)| ids.to_vec()).collect()
    }

    /// A `codebook_size × max_merge` array: entries padded with the padding id, then
    /// padding rows.
    fn to_numpy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<u32>>> {
        let pad = self
            .config
            .require_pad_id("a padded codebook")
            .map_err(CoreError)?;
        let width = self.config.max_merge() as usize;
        let rows = self.config.codebook_size() as usize;
        let padded = self.inner.padded(self.inner.first_code(), width, rows, pad);
        matrix(py, padded, rows, width)
    }
}

/// An LZW codec over a base vocabulary (immutable; every sequence gets a fresh codebook).
#[pyclass(frozen, module = "fasttok._fasttok", name = "LzwCodec")]
pub struct PyLzwCodec {
    config: Arc<LzwConfig>,
}

#[pymethods]
impl PyLzwCodec {
    #[new]
    #[pyo3(signature = (vocab_size, codebook_size, max_merge, pad_id = None, disabled_ids = Vec::new()))]
    fn new(
        vocab_size: u32,
        codebook_size: u32,
        max_merge: u32,
        pad_id: Option<u32>,
        disabled_ids: Vec<u32>,
    ) -> CoreResult<Self> {
        let config = LzwConfig::new(vocab_size, codebook_size, max_merge, pad_id, &disabled_ids)?;
        Ok(Self {
            config: Arc::new(config),
        })
    }

    #[getter]
    fn vocab_size(&self) -> u32 {
        self.config.vocab_size()
    }

    #[getter]
    fn codebook_size(&self) -> u32 {
        self.config.codebook_size()
    }

    #[getter]
    fn max_merge(&self) -> u32 {
        self.config.max_merge()
    }

    #[getter]
    fn pad_id(&self) -> Option<u32> {
        self.config.pad_id()
    }

    #[getter]
    fn disabled_ids(&self) -> Vec<u32> {
        self.config.disabled_ids().to_vec()
    }

    /// The codes of `ids` and their codebook.
    fn encode<'py>(&self, py: Python<'py>, ids: &Bound<'py, PyAny>) -> CoreResult<Coded<'py>> {
        let ids = ids_from(ids)?;
        let (codes, codebook) = py.detach(|| {
            let mut codes = Vec::with_capacity(ids.len());
            lzw::Encoder::default()
                .encode(&self.config, &ids, &mut codes)
                .map(|codebook| (codes, codebook))
        })?;
        Ok((
            PyArray1::from_vec(py, codes),
            PyCodebook::new(codebook, &self.config),
        ))
    }

    /// The base ids of `codes` and the codebook rebuilt from them.
    #[pyo3(signature = (codes, strict = true))]
    fn decode<'py>(
        &self,
        py: Python<'py>,
        codes: &Bound<'py, PyAny>,
        strict: bool,
    ) -> CoreResult<Coded<'py>> {
        let codes = ids_from(codes)?;
        let (ids, codebook) = py.detach(|| {
            let mut ids = Vec::with_capacity(codes.len() * 2);
            lzw::Decoder::default()
                .decode(&self.config, &codes, strict, &mut ids)
                .map(|codebook| (ids, codebook))
        })?;
        Ok((
            PyArray1::from_vec(py, ids),
            PyCodebook::new(codebook, &self.config),
        ))
    }

    /// Encode rows in parallel, each keeping at most `max_codes` codes: `(codes, attention
    /// mask, codebook per row)`, the codes left-padded to `width` (default: the longest
    /// row) when `padding`, else a list of arrays and no mask.
    #[pyo3(signature = (rows, max_codes = None, padding = true, width = None, num_threads = None))]
    fn batch_encode<'py>(
        &self,
        py: Python<'py>,
        rows: &Bound<'py, PyAny>,
        max_codes: Option<usize>,
        padding: bool,
        width: Option<usize>,
        num_threads: Option<usize>,
    ) -> PyResult<Batch<'py>> {
        let rows = rows_from(rows)?;
        let pool = thread_pool(num_threads)?;
        let encoded = py
            .detach(|| lzw::batch_encode(&self.config, &rows, max_codes, &pool))
            .map_err(CoreError)?;
        self.batch(py, encoded, padding, width)
    }

    /// Decode rows in parallel: `(ids, attention mask, codebook per row)`, shaped as in
    /// `batch_encode`.
    #[pyo3(signature = (rows, strict = true, padding = true, num_threads = None))]
    fn batch_decode<'py>(
        &self,
        py: Python<'py>,
        rows: &Bound<'py, PyAny>,
        strict: bool,
        padding: bool,
        num_threads: Option<usize>,
    ) -> PyResult<Batch<'py>> {
        let rows = rows_from(rows)?;
        let pool = thread_pool(num_threads)?;
        let decoded = py
            .detach(|| lzw::batch_decode(&self.config, &rows, strict, &pool))
            .map_err(CoreError)?;
        self.batch(py, decoded, padding, None)
    }

    /// Cut rows into chunks of at most `max_length` codes, each with a fresh codebook:
    /// `(row of each chunk, codes, attention mask, codebook per chunk)`, the codes
    /// left-padded to `max_length` when `padding`.
    #[pyo3(signature = (rows, max_length, min_length = 0, lossless = true, padding = true, num_threads = None))]
    #[allow(clippy::too_many_arguments)] // the Python signature, keyword arguments
    fn continuous_encode<'py>(
        &self,
        py: Python<'py>,
        rows: &Bound<'py, PyAny>,
        max_length: usize,
        min_length: usize,
        lossless: bool,
        padding: bool,
        num_threads: Option<usize>,
    ) -> PyResult<(Bound<'py, PyArray1<u64>>, Batch<'py>)> {
        let rows = rows_from(rows)?;
        let pool = thread_pool(num_threads)?;
        let boundary = if lossless {
            ChunkBoundary::Lossless
        } else {
            ChunkBoundary::Zip2zip
        };
        let chunks = py
            .detach(|| {
                lzw::continuous_encode(&self.config, &rows, max_length, min_length, boundary, &pool)
            })
            .map_err(CoreError)?;
        let row_of = chunks.iter().map(|chunk| chunk.row as u64).collect();
        let pairs = chunks
            .into_iter()
            .map(|chunk| (chunk.codes, chunk.codebook))
            .collect();
        let batch = self.batch(py, pairs, padding, Some(max_length))?;
        Ok((PyArray1::from_vec(py, row_of), batch))
    }

    /// A streaming codebook manager for generation with this codec.
    #[pyo3(signature = (strict = false))]
    fn manager(&self, strict: bool) -> PyCodebookManager {
        PyCodebookManager {
            config: Arc::clone(&self.config),
            strict,
            rows: Mutex::new(None),
        }
    }
}

impl PyLzwCodec {
    /// Rows shaped for Python, with their codebooks.
    fn batch<'py>(
        &self,
        py: Python<'py>,
        pairs: Vec<(Vec<u32>, lzw::Codebook)>,
        padding: bool,
        width: Option<usize>,
    ) -> PyResult<Batch<'py>> {
        let (rows, codebooks): (Vec<_>, Vec<_>) = pairs
            .into_iter()
            .map(|(ids, codebook)| (ids, PyCodebook::new(codebook, &self.config)))
            .unzip();
        let (rows, mask) = shape_rows(py, &self.config, rows, padding, width)?;
        Ok((rows, mask, codebooks))
    }
}

/// Per-row stream decoders that report the entries each generation step creates.
#[pyclass(frozen, module = "fasttok._fasttok", name = "CodebookManager")]
pub struct PyCodebookManager {
    config: Arc<LzwConfig>,
    strict: bool,
    /// One decoder per batch row; `None` until the first update after a reset.
    rows: Mutex<Option<Vec<StreamDecoder>>>,
}

/// The entries new in each row, `rows × slots × max_merge`, and their slot indices.
type Updates<'py> = (Bound<'py, PyArray3<u32>>, Vec<Bound<'py, PyArray1<u32>>>);

#[pymethods]
impl PyCodebookManager {
    /// Decode the new codes of each row; return the entries they created, padded to
    /// `max_merge` ids, and their slots (code − vocab_size). The first update after a
    /// reset pads to `codebook_size` slots, later ones to the most entries in a row.
    /// A row whose only new code is the padding id is skipped.
    fn update<'py>(&self, py: Python<'py>, rows: &Bound<'py, PyAny>) -> PyResult<Updates<'py>> {
        let rows = rows_from(rows)?;
        let pad = self
            .config
            .require_pad_id("a codebook manager")
            .map_err(CoreError)?;
        let mut guard = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        let first = guard.is_none();
        let decoders = guard.get_or_insert_with(|| {
            rows.iter()
                .map(|_| StreamDecoder::new(&self.config))
                .collect()
        });
        if decoders.len() != rows.len() {
            let message = format!(
                "the manager tracks {} rows, got {}; reset it for a new batch",
                decoders.len(),
                rows.len()
            );
            return Err(CoreError(fasttok::Error::argument("rows", message)).into());
        }
        let mut new_from = Vec::with_capacity(rows.len());
        let mut ids = Vec::new();
        for (decoder, row) in decoders.iter_mut().zip(&rows) {
            if row.as_slice() != [pad] {
                decoder
                    .feed(&self.config, row, self.strict, &mut ids)
                    .map_err(CoreError)?;
            }
            new_from.push(decoder.take_unreported());
        }
        let width = self.config.max_merge() as usize;
        let slots = if first {
            self.config.codebook_size() as usize
        } else {
            decoders
                .iter()
                .zip(&new_from)
                .map(|(decoder, &from)| (decoder.codebook().next_code() - from) as usize)
                .max()
                .unwrap_or(0)
        };
        let mut updates = Vec::with_capacity(rows.len() * slots * width);
        let mut indices = Vec::with_capacity(rows.len());
        for (decoder, &from) in decoders.iter().zip(&new_from) {
            let codebook = decoder.codebook();
            updates.extend(codebook.padded(from, width, slots, pad));
            let first_slot = from - self.config.vocab_size();
            let last_slot = codebook.next_code() - self.config.vocab_size();
            indices.push(PyArray1::from_vec(py, (first_slot..last_slot).collect()));
        }
        let updates = PyArray1::from_vec(py, updates).reshape([rows.len(), slots, width])?;
        Ok((updates, indices))
    }

    /// The codebook of each row so far.
    fn codebooks(&self) -> Vec<PyCodebook> {
        let guard = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        guard
            .iter()
            .flatten()
            .map(|decoder| PyCodebook::new(decoder.codebook().clone(), &self.config))
            .collect()
    }

    /// Forget every row: the next update starts a new batch.
    fn reset(&self) {
        *self.rows.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}
