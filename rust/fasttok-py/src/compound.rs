//! Decompounding: splits of words and constituent-split counts (CompoundPiece).

use fasttok::{DecompoundOptions, Decompounder};
use pyo3::prelude::*;

use crate::count::PyCounts;
use crate::error::CoreResult;
use crate::options::thread_pool;

/// A decompounder over `counts` with the defaults of `lang`, each option overridable.
fn decompounder(
    counts: &PyCounts,
    lang: &str,
    linking_elements: Option<Vec<String>>,
    min_part_length: Option<usize>,
    min_part_count: Option<u64>,
    min_word_length: Option<usize>,
    max_word_count: Option<u64>,
) -> CoreResult<Decompounder> {
    let defaults = DecompoundOptions::for_language(lang)?;
    let options = DecompoundOptions {
        linking_elements: linking_elements.unwrap_or(defaults.linking_elements),
        min_part_length: min_part_length.unwrap_or(defaults.min_part_length),
        min_part_count: min_part_count.unwrap_or(defaults.min_part_count),
        min_word_length: min_word_length.unwrap_or(defaults.min_word_length),
        max_word_count: max_word_count.or(defaults.max_word_count),
    };
    Ok(Decompounder::new(&counts.inner, options)?)
}

/// The constituents of each of `words` as `(part, linking element)` pairs.
#[pyfunction]
#[pyo3(signature = (words, counts, *, lang = "de", linking_elements = None, min_part_length = None,
                    min_part_count = None, min_word_length = None, max_word_count = None))]
#[allow(clippy::too_many_arguments)]
pub fn decompound(
    py: Python<'_>,
    words: Vec<String>,
    counts: &PyCounts,
    lang: &str,
    linking_elements: Option<Vec<String>>,
    min_part_length: Option<usize>,
    min_part_count: Option<u64>,
    min_word_length: Option<usize>,
    max_word_count: Option<u64>,
) -> PyResult<Vec<Vec<(String, String)>>> {
    let decompounder = decompounder(
        counts,
        lang,
        linking_elements,
        min_part_length,
        min_part_count,
        min_word_length,
        max_word_count,
    )?;
    Ok(py.detach(|| {
        words
            .iter()
            .map(|word| {
                decompounder
                    .split(word)
                    .iter()
                    .map(|part| {
                        (
                            word[part.start..part.link_start].to_owned(),
                            word[part.link_start..part.end].to_owned(),
                        )
                    })
                    .collect()
            })
            .collect()
    }))
}

/// `counts` with each compound replaced by its constituents (see the core's
/// `Decompounder::constituent_counts`).
#[pyfunction]
#[pyo3(signature = (counts, *, lang = "de", linking_elements = None, min_part_length = None,
                    min_part_count = None, min_word_length = None, max_word_count = None,
                    num_threads = None))]
#[allow(clippy::too_many_arguments)]
pub fn constituent_counts(
    py: Python<'_>,
    counts: &PyCounts,
    lang: &str,
    linking_elements: Option<Vec<String>>,
    min_part_length: Option<usize>,
    min_part_count: Option<u64>,
    min_word_length: Option<usize>,
    max_word_count: Option<u64>,
    num_threads: Option<usize>,
) -> PyResult<PyCounts> {
    let decompounder = decompounder(
        counts,
        lang,
        linking_elements,
        min_part_length,
        min_part_count,
        min_word_length,
        max_word_count,
    )?;
    let pool = thread_pool(num_threads)?;
    let split = py.detach(|| decompounder.constituent_counts(&counts.inner, &pool));
    Ok(PyCounts::new_value(split))
}
