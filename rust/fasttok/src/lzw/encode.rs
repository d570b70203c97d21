//! The encoder: greedy longest match in a codebook that grows by one entry per code.

use super::dictionary::Dictionary;
use super::{Codebook, LzwConfig};
use crate::{Error, Result};

/// Where an encoding stopped because it reached its code limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stop {
    /// Index of the first input id that no emitted code represents.
    pub covered: usize,
    /// Index of the first input id not read (zip2zip resumes here; the ids between
    /// `covered` and `read`, at most one match, are in no code).
    pub read: usize,
}

/// Encodes sequences one after another, reusing its codebook allocations.
#[derive(Debug, Default)]
pub struct Encoder {
    dictionary: Dictionary,
}

impl Encoder {
    /// Append the codes of `ids` to `out`; return the sequence's codebook.
    pub fn encode(
        &mut self,
        config: &LzwConfig,
        ids: &[u32],
        out: &mut Vec<u32>,
    ) -> Result<Codebook> {
        self.encode_from(config, ids, 0, usize::MAX, out)?;
        Ok(self.take_codebook())
    }

    /// The codebook of the last sequence, leaving the encoder empty.
    pub(super) fn take_codebook(&mut self) -> Codebook {
        std::mem::take(&mut self.dictionary.codebook)
    }

    /// Encode `ids[start..]` with a fresh codebook, appending at most `limit` codes to
    /// `out`; say where it stopped when the limit cut it short.
    pub(super) fn encode_from(
        &mut self,
        config: &LzwConfig,
        ids: &[u32],
        start: usize,
        limit: usize,
        out: &mut Vec<u32>,
    ) -> Result<Option<Stop>> {
        let dictionary = &mut self.dictionary;
        dictionary.reset(config.vocab_size);
        let limit = out.len().saturating_add(limit);
        let max_merge = config.max_merge as usize;
        let can_grow =
            |dictionary: &Dictionary| dictionary.codebook.len() < config.codebook_size as usize;

        // The match is node `current` (= its code), spelling `ids[match_start..position]`.
        let mut current = 0u32;
        let mut match_len = 0usize;
        // Emit a code; report the stop if it was the last one allowed.
        macro_rules! emit {
            ($code:expr, covered = $covered:expr, read = $read:expr) => {
                out.push($code);
                if out.len() == limit {
                    return Ok(Some(Stop {
                        covered: $covered,
                        read: $read,
                    }));
                }
            };
        }
        for (position, &id) in ids.iter().enumerate().skip(start) {
            if config.is_disabled(id) {
                if match_len > 0 {
                    emit!(current, covered = position, read = position + 1);
                    match_len = 0;
                }
                emit!(id, covered = position + 1, read = position + 1);
                continue;
            }
            if id >= config.vocab_size {
                return Err(Error::InvalidSequence {
                    id: id.into(),
                    position,
                    reason: format!(
                        "not a base id (vocabulary size {}) nor a disabled id",
                        config.vocab_size
                    ),
                });
            }
            if match_len == 0 {
                current = id;
                match_len = 1;
            } else if let Some(node) = dictionary.child(current, id) {
                current = node;
                match_len += 1;
            } else {
                if can_grow(dictionary) {
                    dictionary.extend_code(current, id)?;
                }
                emit!(current, covered = position, read = position + 1);
                current = id;
                match_len = 1;
            }
            // A match of M ids is emitted at once, and no longer entry starts from it.
            if match_len == max_merge {
                emit!(current, covered = position + 1, read = position + 1);
                match_len = 0;
            }
        }
        if match_len > 0 {
            emit!(current, covered = ids.len(), read = ids.len());
        }
        Ok(None)
    }
}
