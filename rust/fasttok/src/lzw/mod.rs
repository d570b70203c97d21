//! LZW hypertokens (zip2zip): per-sequence LZW over token ids.
//!
//! A base tokenizer with `V` ids (special tokens included) produces a sequence of ids;
//! the codec compresses runs of at most `M` ids into *codes* `V, V+1, …, V+C−1`, in
//! creation order, with a codebook that starts empty for every sequence and freezes
//! when it holds `C` entries. Disabled ids (special tokens, padding) pass through and
//! never enter an entry. The decoder rebuilds the codebook from the codes alone.
//!
//! The semantics are those of `zip2zip-compression` 0.3.4, bit for bit, including its
//! fault-tolerant decoder for streams a model generates; where that package panics or
//! silently invents an entry (an undefined code out of order), fasttok returns
//! [`Error::InvalidSequence`](crate::Error::InvalidSequence).
//!
//! # Example
//!
//! ```
//! use fasttok::lzw::{LzwConfig, Encoder, Decoder};
//!
//! let config = LzwConfig::new(6, 100, 4, None, &[])?;
//! let ids = [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5];
//! let mut codes = Vec::new();
//! let codebook = Encoder::default().encode(&config, &ids, &mut codes)?;
//! assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 8, 10]);
//! assert_eq!(codebook.entry(12), Some(&[0, 1, 2][..]));
//!
//! let mut decoded = Vec::new();
//! let rebuilt = Decoder::default().decode(&config, &codes, true, &mut decoded)?;
//! assert_eq!(decoded, ids);
//! assert_eq!(rebuilt, codebook);
//! # Ok::<(), fasttok::Error>(())
//! ```

mod batch;
mod decode;
mod dictionary;
mod encode;

pub use batch::{batch_decode, batch_encode, continuous_encode, pad_left, Chunk, ChunkBoundary};
pub use decode::{Decoder, StreamDecoder};
pub use encode::Encoder;

use crate::{Error, Result};

/// The parameters of a codec: base vocabulary, codebook capacity, entry length, disabled ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LzwConfig {
    vocab_size: u32,
    codebook_size: u32,
    max_merge: u32,
    pad_id: Option<u32>,
    /// Sorted, without duplicates; the padding id included.
    disabled_ids: Vec<u32>,
    /// `disabled[id]` for ids up to the largest disabled one: a lookup per input id.
    disabled: Vec<bool>,
}

impl LzwConfig {
    /// A codec for base ids `0..vocab_size`, codes `vocab_size..vocab_size+codebook_size`,
    /// entries of at most `max_merge` base ids; `pad_id` and `disabled_ids` never merge.
    pub fn new(
        vocab_size: u32,
        codebook_size: u32,
        max_merge: u32,
        pad_id: Option<u32>,
        disabled_ids: &[u32],
    ) -> Result<Self> {
        if vocab_size == 0 {
            return Err(Error::argument("vocab_size", "must be at least 1"));
        }
        if max_merge == 0 {
            return Err(Error::argument("max_merge", "must be at least 1"));
        }
        if vocab_size.checked_add(codebook_size).is_none() {
            return Err(Error::argument(
                "codebook_size",
                format!("vocab_size + codebook_size must stay below 2^32, got {vocab_size} + {codebook_size}"),
            ));
        }
        let mut sorted: Vec<u32> = disabled_ids.iter().copied().chain(pad_id).collect();
        sorted.sort_unstable();
        sorted.dedup();
        // A disabled id among the codes would be read as a code by the decoder.
        if let Some(&clash) = sorted
            .iter()
            .find(|&&id| id >= vocab_size && id - vocab_size < codebook_size)
        {
            return Err(Error::argument(
                "disabled_ids",
                format!(
                    "id {clash} lies in the code range {vocab_size}..{}",
                    vocab_size + codebook_size
                ),
            ));
        }
        let mut disabled = vec![false; sorted.last().map_or(0, |&id| id as usize + 1)];
        for &id in &sorted {
            disabled[id as usize] = true;
        }
        Ok(Self {
            vocab_size,
            codebook_size,
            max_merge,
            pad_id,
            disabled_ids: sorted,
            disabled,
        })
    }

    /// Number of base ids, `V`; the first code.
    pub fn vocab_size(&self) -> u32 {
        self.vocab_size
    }

    /// Most entries a codebook holds, `C`.
    pub fn codebook_size(&self) -> u32 {
        self.codebook_size
    }

    /// Most base ids in one entry, `M`.
    pub fn max_merge(&self) -> u32 {
        self.max_merge
    }

    /// The padding id, if any.
    pub fn pad_id(&self) -> Option<u32> {
        self.pad_id
    }

    /// The ids that never merge, sorted (the padding id included).
    pub fn disabled_ids(&self) -> &[u32] {
        &self.disabled_ids
    }

    /// One past the last code, `V + C`.
    fn end_code(&self) -> u32 {
        self.vocab_size + self.codebook_size
    }

    fn is_disabled(&self, id: u32) -> bool {
        self.disabled.get(id as usize).copied().unwrap_or(false)
    }

    /// The padding id, or an error naming what needs one.
    pub fn require_pad_id(&self, purpose: &str) -> Result<u32> {
        self.pad_id
            .ok_or_else(|| Error::argument("pad_id", format!("{purpose} needs a padding id")))
    }
}

/// The entries of one sequence's codebook: entry `i` is code `V + i`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Codebook {
    first_code: u32,
    /// Entry `i` is `ids[ends[i-1]..ends[i]]`.
    ends: Vec<u32>,
    ids: Vec<u32>,
}

impl Codebook {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether no entry was created.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The code of the first entry, `V`.
    pub fn first_code(&self) -> u32 {
        self.first_code
    }

    /// The code the next entry would get.
    pub fn next_code(&self) -> u32 {
        self.first_code + self.ends.len() as u32
    }

    /// The base ids of `code`, if it is an entry.
    pub fn entry(&self, code: u32) -> Option<&[u32]> {
        let index = code.checked_sub(self.first_code)? as usize;
        (index < self.ends.len()).then(|| &self.ids[self.range(index)])
    }

    /// Where entry `index` lies in `ids`.
    fn range(&self, index: usize) -> std::ops::Range<usize> {
        let start = if index == 0 {
            0
        } else {
            self.ends[index - 1] as usize
        };
        start..self.ends[index] as usize
    }

    /// `(code, base ids)` of every entry, in code order.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = (u32, &[u32])> + '_ {
        (0..self.ends.len()).map(move |index| {
            let code = self.first_code + index as u32;
            (code, self.entry(code).unwrap_or_default())
        })
    }

    /// The entries from `from_code` on, each padded with `pad` to `width` ids, then
    /// `rows` rows at least (pad rows added): the layout a model's embedding cache takes.
    pub fn padded(&self, from_code: u32, width: usize, rows: usize, pad: u32) -> Vec<u32> {
        let entries = self
            .entries()
            .skip(from_code.saturating_sub(self.first_code) as usize);
        let mut out = Vec::with_capacity(entries.len().max(rows) * width);
        for (_, ids) in entries {
            out.extend_from_slice(ids);
            out.resize(out.len() + width - ids.len(), pad);
        }
        out.resize(out.len().max(rows * width), pad);
        out
    }

    fn clear(&mut self, first_code: u32) {
        self.first_code = first_code;
        self.ends.clear();
        self.ids.clear();
    }

    fn push(&mut self, ids: impl IntoIterator<Item = u32>) {
        self.ids.extend(ids);
        self.ends.push(self.ids.len() as u32);
    }

    /// Push the entry `code` (a base id or an entry) followed by `id`.
    fn push_extension(&mut self, code: u32, id: u32) {
        match code.checked_sub(self.first_code) {
            Some(index) => self.ids.extend_from_within(self.range(index as usize)),
            None => self.ids.push(code),
        }
        self.push([id]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
    }

    fn encode(config: &LzwConfig, ids: &[u32]) -> (Vec<u32>, Codebook) {
        let mut codes = Vec::new();
        let codebook = Encoder::default().encode(config, ids, &mut codes).unwrap();
        (codes, codebook)
    }

    fn decode(config: &LzwConfig, codes: &[u32]) -> (Vec<u32>, Codebook) {
        let mut ids = Vec::new();
        let codebook = Decoder::default()
            .decode(config, codes, true, &mut ids)
            .unwrap();
        (ids, codebook)
    }

    /// Ids drawn from a few repeated phrases, so that long entries form.
    fn phrases(seed: u64, len: usize, vocab_size: u32) -> Vec<u32> {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        let phrases: Vec<Vec<u32>> = (0..8)
            .map(|_| (0..1 + next() % 6).map(|_| next() % vocab_size).collect())
            .collect();
        let mut ids = Vec::with_capacity(len);
        while ids.len() < len {
            ids.extend_from_slice(&phrases[(next() % 8) as usize]);
        }
        ids.truncate(len);
        ids
    }

    #[test]
    fn worked_example_with_and_without_a_disabled_id() {
        let config = LzwConfig::new(6, 100, 4, None, &[]).unwrap();
        let ids = [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5];
        let (codes, codebook) = encode(&config, &ids);
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6, 8, 10]);
        let entries: Vec<_> = codebook.entries().map(|(_, ids)| ids.to_vec()).collect();
        assert_eq!(
            entries,
            [
                vec![0, 1],
                vec![1, 2],
                vec![2, 3],
                vec![3, 4],
                vec![4, 5],
                vec![5, 0],
                vec![0, 1, 2],
                vec![2, 3, 4]
            ]
        );

        let disabled = LzwConfig::new(6, 100, 4, None, &[0]).unwrap();
        let (codes, codebook) = encode(&disabled, &ids);
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 0, 6, 8, 5]);
        assert!(codebook.entries().all(|(_, ids)| !ids.contains(&0)));
    }

    #[test]
    fn decoding_inverts_encoding_and_rebuilds_the_codebook() {
        for (seed, (codebook_size, max_merge)) in [(0, 2), (3, 3), (16, 4), (1000, 6), (7, 1)]
            .into_iter()
            .enumerate()
        {
            for disabled in [&[][..], &[3, 9]] {
                let config = LzwConfig::new(12, codebook_size, max_merge, None, disabled).unwrap();
                let ids = phrases(seed as u64, 500, 12);
                let (codes, codebook) = encode(&config, &ids);
                let (decoded, rebuilt) = decode(&config, &codes);
                assert_eq!(decoded, ids);
                assert_eq!(rebuilt, codebook);
                assert!(codebook.len() <= codebook_size as usize);
                assert!(codebook
                    .entries()
                    .all(|(_, entry)| entry.len() <= max_merge as usize));
            }
        }
    }

    #[test]
    fn lossless_chunks_cover_the_row_and_zip2zip_chunks_skip_pending_ids() {
        let config = LzwConfig::new(6, 100, 4, None, &[]).unwrap();
        let ids = [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5];
        let chunks =
            |boundary| continuous_encode(&config, &[ids], 3, 0, boundary, &pool()).unwrap();
        let zip2zip: Vec<Vec<u32>> = chunks(ChunkBoundary::Zip2zip)
            .into_iter()
            .map(|chunk| chunk.codes)
            .collect();
        assert_eq!(zip2zip, [[0, 1, 2], [4, 5, 0], [2, 3, 4]]);
        let mut joined = Vec::new();
        for chunk in chunks(ChunkBoundary::Lossless) {
            assert!(chunk.codes.len() <= 3);
            let mut decoded = Vec::new();
            Decoder::default()
                .decode(&config, &chunk.codes, true, &mut decoded)
                .unwrap();
            joined.extend(decoded);
        }
        assert_eq!(joined, ids);
    }

    #[test]
    fn batches_equal_rows_encoded_alone() {
        let config = LzwConfig::new(20, 64, 4, Some(19), &[]).unwrap();
        let rows: Vec<Vec<u32>> = (0..9)
            .map(|seed| phrases(seed, 300 + seed as usize * 7, 19))
            .collect();
        let batch = batch_encode(&config, &rows, None, &pool()).unwrap();
        for (row, (codes, codebook)) in rows.iter().zip(&batch) {
            assert_eq!((codes.clone(), codebook.clone()), encode(&config, row));
        }
        let code_rows: Vec<&Vec<u32>> = batch.iter().map(|(codes, _)| codes).collect();
        let decoded = batch_decode(&config, &code_rows, true, &pool()).unwrap();
        assert!(decoded.iter().zip(&rows).all(|((ids, _), row)| ids == row));
    }

    #[test]
    fn a_stream_fed_in_pieces_decodes_like_the_whole() {
        let config = LzwConfig::new(10, 40, 3, None, &[]).unwrap();
        let (codes, codebook) = encode(&config, &phrases(5, 400, 10));
        let mut stream = StreamDecoder::new(&config);
        let mut ids = Vec::new();
        let mut reported = 0;
        for piece in codes.chunks(7) {
            stream.feed(&config, piece, true, &mut ids).unwrap();
            let first = stream.take_unreported();
            reported += (stream.codebook().next_code() - first) as usize;
        }
        assert_eq!(stream.codebook(), &codebook);
        assert_eq!(reported, codebook.len());
    }

    #[test]
    fn invalid_ids_and_codes_are_errors_naming_their_position() {
        let config = LzwConfig::new(6, 4, 4, Some(99), &[]).unwrap();
        let err = Encoder::default()
            .encode(&config, &[1, 2, 7], &mut Vec::new())
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidSequence {
                    id: 7,
                    position: 2,
                    ..
                }
            ),
            "{err}"
        );
        for codes in [&[6][..], &[1, 7], &[1, 10]] {
            let err = Decoder::default()
                .decode(&config, codes, true, &mut Vec::new())
                .unwrap_err();
            assert!(matches!(err, Error::InvalidSequence { .. }), "{err}");
        }
        assert!(LzwConfig::new(6, 4, 0, None, &[]).is_err());
        assert!(LzwConfig::new(6, 4, 2, Some(7), &[]).is_err());
    }
}
