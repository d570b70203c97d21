//! `Pretokenizer`: named specs and custom patterns.

use fasttok::Pretokenizer;
use pyo3::prelude::*;

use crate::error::CoreResult;

/// A compiled pretokenizer (a named spec or a custom regex), optionally line-level.
#[pyclass(frozen, module = "fasttok._fasttok", name = "Pretokenizer")]
pub struct PyPretokenizer {
    pub inner: Pretokenizer,
}

#[pymethods]
impl PyPretokenizer {
    #[new]
    #[pyo3(signature = (spec, lines = false, prefix_space = false))]
    fn new(spec: &str, lines: bool, prefix_space: bool) -> CoreResult<Self> {
        Ok(Self {
            inner: Pretokenizer::from_name_or_pattern(spec)?
                .with_lines(lines)
                .with_prefix_space(prefix_space),
        })
    }

    /// The pieces of `text`, in order; they concatenate to `text` (with a space before
    /// every line that is not empty, when `prefix_space`).
    fn split(&self, py: Python<'_>, text: &str) -> CoreResult<Vec<String>> {
        let pieces = py.detach(|| {
            self.inner
                .pieces(text)
                .map(|p| p.into_iter().map(String::from).collect())
        })?;
        Ok(pieces)
    }

    /// The short name: `gpt2`, `cl100k`, `o200k`, `superbpe-stage1`, …, `none` or `custom`.
    #[getter]
    fn name(&self) -> &'static str {
        self.inner.spec().name()
    }

    /// Whether texts are cut after each newline first.
    #[getter]
    fn lines(&self) -> bool {
        self.inner.lines()
    }

    /// Whether every line that is not empty is split as if it began with a space.
    #[getter]
    fn prefix_space(&self) -> bool {
        self.inner.prefix_space()
    }

    /// The regex, as exported to HF and tiktoken.
    #[getter]
    fn pattern(&self) -> &str {
        self.inner.spec().pattern()
    }

    fn __eq__(&self, other: &PyPretokenizer) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self) -> String {
        let spec = match self.inner.spec().name() {
            "custom" => format!("{:?}", self.inner.spec().pattern()),
            name => format!("{name:?}"),
        };
        let flags = match (self.inner.lines(), self.inner.prefix_space()) {
            (_, true) => ", lines=True, prefix_space=True",
            (true, false) => ", lines=True",
            (false, false) => "",
        };
        format!("Pretokenizer({spec}{flags})")
    }
}
