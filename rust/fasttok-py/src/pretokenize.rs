//! `Pretokenizer`: named specs and custom patterns.

use fasttok::Pretokenizer;
use pyo3::prelude::*;

use crate::error::CoreResult;

/// A compiled pretokenizer (`gpt2`, `cl100k`, `o200k` or a custom regex).
#[pyclass(frozen, module = "fasttok._fasttok", name = "Pretokenizer")]
pub struct PyPretokenizer {
    pub inner: Pretokenizer,
}

#[pymethods]
impl PyPretokenizer {
    #[new]
    fn new(spec: &str) -> CoreResult<Self> {
        Ok(Self {
            inner: Pretokenizer::from_name_or_pattern(spec)?,
        })
    }

    /// The pieces of `text`, in order; they concatenate to `text`.
    fn split(&self, py: Python<'_>, text: &str) -> CoreResult<Vec<String>> {
        let pieces = py.detach(|| {
            self.inner
                .pieces(text)
                .map(|p| p.iter().map(|s| (*s).to_owned()).collect())
        })?;
        Ok(pieces)
    }

    /// The short name: `gpt2`, `cl100k`, `o200k` or `custom`.
    #[getter]
    fn name(&self) -> &'static str {
        self.inner.spec().name()
    }

    /// The regex, as exported to HF and tiktoken.
    #[getter]
    fn pattern(&self) -> &str {
        self.inner.spec().pattern()
    }

    fn __repr__(&self) -> String {
        match self.inner.spec().name() {
            "custom" => format!("Pretokenizer({:?})", self.inner.spec().pattern()),
            name => format!("Pretokenizer({name:?})"),
        }
    }
}
