//! The private extension `fasttok._fasttok`: conversions only, no algorithms.
//!
//! The public API is the Python package `fasttok`; see `python/fasttok/__init__.py`.

/// mimalloc serves the many small, short-lived allocations of training (millions of
/// unique pieces, position lists and cached segments, freed at once) markedly faster than
/// the system allocator; the core crate leaves the choice to its user. It is built without
/// transparent huge pages: where the kernel grants them on request, each first touch
/// zeroed 2 MB, and that cost a tenth of the CPU time of BPE and LiB training.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod compound;
mod count;
mod error;
mod lzw;
mod mixture;
mod options;
mod pretokenize;
mod run;
mod tokenizer;
mod train;

#[pyo3::pymodule(gil_used = false)]
mod _fasttok {
    #[pymodule_export]
    use crate::compound::{constituent_counts, decompound};
    #[pymodule_export]
    use crate::count::{corpus_lines, count, PyCounts, PyLines};
    #[pymodule_export]
    use crate::error::{
        CorpusError, FasttokError, FormatError, ParameterError, PatternError, TokenIdError,
    };
    #[pymodule_export]
    use crate::lzw::{PyCodebook, PyCodebookManager, PyLzwCodec};
    #[pymodule_export]
    use crate::mixture::{byte_level_bytes, PyMixtureProblem};
    #[pymodule_export]
    use crate::pretokenize::PyPretokenizer;
    #[pymodule_export]
    use crate::tokenizer::PyTokenizer;
    #[pymodule_export]
    use crate::train::{train_bpe, train_lib, train_superbpe, train_unigram, unigram_em_step};

    #[pymodule_init]
    fn init(module: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        module.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
