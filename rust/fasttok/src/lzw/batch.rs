//! Many sequences at once: rows in parallel, one codebook per row, buffers per thread.

use rayon::prelude::*;

use super::{Codebook, Decoder, Encoder, LzwConfig};
use crate::{Error, Result};

/// Encode each row with its own codebook, in parallel on `pool`; a row keeps at most
/// `max_codes` codes (`None`: all).
pub fn batch_encode<R: AsRef<[u32]> + Sync>(
    config: &LzwConfig,
    rows: &[R],
    max_codes: Option<usize>,
    pool: &rayon::ThreadPool,
) -> Result<Vec<(Vec<u32>, Codebook)>> {
    let limit = max_codes.unwrap_or(usize::MAX);
    per_row(pool, rows, Encoder::default, |encoder, row| {
        let mut codes = Vec::with_capacity(row.len().min(limit));
        encoder.encode_from(config, row, 0, limit, &mut codes)?;
        Ok((codes, encoder.take_codebook()))
    })
}

/// Decode each row, in parallel on `pool`; see [`Decoder::decode`] for `strict`.
pub fn batch_decode<R: AsRef<[u32]> + Sync>(
    config: &LzwConfig,
    rows: &[R],
    strict: bool,
    pool: &rayon::ThreadPool,
) -> Result<Vec<(Vec<u32>, Codebook)>> {
    per_row(pool, rows, Decoder::default, |decoder, row| {
        let mut ids = Vec::with_capacity(row.len() * 2);
        let codebook = decoder.decode(config, row, strict, &mut ids)?;
        Ok((ids, codebook))
    })
}

/// Where the next chunk of [`continuous_encode`] starts when a chunk is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkBoundary {
    /// At the first id no code of the chunk represents: nothing is lost.
    Lossless,
    /// After the last id read, as zip2zip 0.3.4 does: the match pending when the chunk
    /// filled up (usually one id) is in no chunk.
    Zip2zip,
}

/// One training chunk: at most `max_length` codes with their own codebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The row the chunk comes from.
    pub row: usize,
    /// The chunk's codes.
    pub codes: Vec<u32>,
    /// The chunk's codebook.
    pub codebook: Codebook,
}

/// Cut each row into consecutive chunks of at most `max_length` codes, each encoded with
/// a fresh codebook, while more than `min_length` ids of the row remain. Chunks come in
/// row order.
pub fn continuous_encode<R: AsRef<[u32]> + Sync>(
    config: &LzwConfig,
    rows: &[R],
    max_length: usize,
    min_length: usize,
    boundary: ChunkBoundary,
    pool: &rayon::ThreadPool,
) -> Result<Vec<Chunk>> {
    if max_length == 0 {
        return Err(Error::argument("max_length", "must be at least 1"));
    }
    let per_row = per_row(pool, rows, Encoder::default, |encoder, row| {
        let mut chunks = Vec::new();
        let mut start = 0;
        while row.len() - start > min_length {
            let mut codes = Vec::with_capacity(max_length);
            let stop = encoder.encode_from(config, row, start, max_length, &mut codes)?;
            start = match (stop, boundary) {
                (None, _) => row.len(),
                (Some(stop), ChunkBoundary::Lossless) => stop.covered,
                (Some(stop), ChunkBoundary::Zip2zip) => stop.read,
            };
            chunks.push((codes, encoder.take_codebook()));
        }
        Ok(chunks)
    })?;
    Ok(per_row
        .into_iter()
        .enumerate()
        .flat_map(|(row, chunks)| {
            chunks.into_iter().map(move |(codes, codebook)| Chunk {
                row,
                codes,
                codebook,
            })
        })
        .collect())
}

/// Left-pad `rows` with `pad` into one row-major `rows.len() × width` array (`width`:
/// the longest row when `None`); also return the attention mask (1 for a real
/// position) and the width. A row longer than `width` is an error.
pub fn pad_left<R: AsRef<[u32]>>(
    rows: &[R],
    width: Option<usize>,
    pad: u32,
) -> Result<(Vec<u32>, Vec<u8>, usize)> {
    let longest = rows.iter().map(|row| row.as_ref().len()).max().unwrap_or(0);
    let width = width.unwrap_or(longest);
    if let Some(index) = rows.iter().position(|row| row.as_ref().len() > width) {
        return Err(Error::argument(
            "max_length",
            format!(
                "row {index} has {} codes, more than {width}; truncate it",
                rows[index].as_ref().len()
            ),
        ));
    }
    let mut padded = Vec::with_capacity(rows.len() * width);
    let mut mask = Vec::with_capacity(rows.len() * width);
    for row in rows {
        let row = row.as_ref();
        let padding = width - row.len();
        padded.extend(std::iter::repeat_n(pad, padding).chain(row.iter().copied()));
        mask.extend(std::iter::repeat_n(0, padding).chain(std::iter::repeat_n(1, row.len())));
    }
    Ok((padded, mask, width))
}

/// Apply `work` to every row in parallel; the results in row order, or the error of the
/// first failing row.
///
/// Rows go to the threads in one contiguous run each, so that a thread builds one
/// `state` (its codebook tables) and reuses it: with rayon's finer splitting, tables
/// were rebuilt and regrown per job, which cost more than the encoding of a 2,048-id row.
fn per_row<R, S, T, F>(
    pool: &rayon::ThreadPool,
    rows: &[R],
    state: fn() -> S,
    work: F,
) -> Result<Vec<T>>
where
    R: AsRef<[u32]> + Sync,
    T: Send,
    F: Fn(&mut S, &[u32]) -> Result<T> + Sync,
{
    let run = rows.len().div_ceil(pool.current_num_threads()).max(1);
    let runs: Vec<Vec<Result<T>>> = pool.install(|| {
        rows.par_chunks(run)
            .enumerate()
            .map(|(run_index, run_rows)| {
                let mut state = state();
                run_rows
                    .iter()
                    .enumerate()
                    .map(|(offset, row)| {
                        work(&mut state, row.as_ref())
                            .map_err(|err| in_row(err, run_index * run + offset))
                    })
                    .collect()
            })
            .collect()
    });
    runs.into_iter().flatten().collect()
}

/// `err`, saying which row it comes from.
fn in_row(err: Error, row: usize) -> Error {
    match err {
        Error::InvalidSequence {
            id,
            position,
            reason,
        } => Error::InvalidSequence {
            id,
            position,
            reason: format!("{reason} (row {row})"),
        },
        other => other,
    }
}
