//! The decoder: rebuilds the codebook from the codes, one step behind the encoder.

use super::dictionary::Dictionary;
use super::{Codebook, LzwConfig};
use crate::{Error, Result};

/// The decoder's state between two codes.
#[derive(Debug, Default)]
struct DecodeState {
    dictionary: Dictionary,
    /// The pending match: the ids after which the next code's first id would be appended.
    pending: Vec<u32>,
    /// The trie node spelling `pending`, if there is one.
    pending_node: Option<u32>,
    /// Scratch: the ids of the code being decoded.
    current: Vec<u32>,
}

impl DecodeState {
    fn reset(&mut self, vocab_size: u32) {
        self.dictionary.reset(vocab_size);
        self.pending.clear();
        self.pending_node = None;
    }

    /// Decode `code` (at `position` in its stream), appending its ids to `out`.
    ///
    /// On a canonical stream this is textbook LZW: the new entry is the previous
    /// code's ids plus the first id of this one, and an unknown code is the entry
    /// the encoder made one step before (`cScSc`). A model can emit other streams, e.g.
    /// base ids where an entry exists; then, as zip2zip does, the pending match keeps
    /// absorbing this code's ids while it spells a known entry, registers the first
    /// sequence that is new, and continues from the rest.
    fn step(
        &mut self,
        config: &LzwConfig,
        code: u32,
        position: usize,
        strict: bool,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        if config.is_disabled(code) {
            self.pending.clear();
            self.pending_node = None;
            out.push(code);
            return Ok(());
        }
        let max_merge = config.max_merge as usize;
        let next_code = self.dictionary.codebook.next_code();
        let invalid = |reason: String| Error::InvalidSequence {
            id: code.into(),
            position,
            reason,
        };
        self.current.clear();
        let current_node = if code < config.vocab_size {
            self.current.push(code);
            Some(code)
        } else if code < next_code {
            self.current
                .extend_from_slice(self.dictionary.codebook.entry(code).unwrap_or_default());
            Some(self.dictionary.node_of_code(code))
        } else if code >= config.end_code() {
            return Err(invalid(format!(
                "not a base id (< {}), a disabled id or a code (< {})",
                config.vocab_size,
                config.end_code()
            )));
        } else if self.pending.len() == max_merge {
            // The encoder makes no entry after a full-length match, so no canonical
            // stream has an undefined code here; zip2zip reads it as that match again.
            if strict {
                return Err(invalid(format!(
                    "code not defined yet (next code {next_code}) after a match of max_merge ids"
                )));
            }
            self.current.extend_from_slice(&self.pending);
            self.pending_node
        } else if self.pending.is_empty() || code != next_code {
            return Err(invalid(format!(
                "code not defined yet (the next code would be {next_code}{})",
                if self.pending.is_empty() {
                    ", but no match precedes it"
                } else {
                    ""
                }
            )));
        } else {
            // cScSc: the entry the encoder made one step ago, pending + its first id.
            self.pending.push(self.pending[0]);
            let child = self
                .pending_node
                .and_then(|node| self.dictionary.child(node, self.pending[0]));
            let node = self
                .dictionary
                .register(self.pending_node, child, &self.pending)?;
            self.pending_node = Some(node);
            out.extend_from_slice(&self.pending);
            return Ok(());
        };
        out.extend_from_slice(&self.current);

        if self.dictionary.codebook.len() == config.codebook_size as usize {
            self.pending.clear();
            self.pending_node = None;
        } else if self.pending.is_empty() || self.pending.len() == max_merge {
            self.pending.clone_from(&self.current);
            self.pending_node = current_node;
        } else {
            self.absorb_current(max_merge, current_node)?;
        }
        Ok(())
    }

    /// Append the current code's ids to the pending match until it is new (register
    /// it) or full-length; the rest of the current code becomes the pending match.
    fn absorb_current(&mut self, max_merge: usize, current_node: Option<u32>) -> Result<()> {
        for (index, &id) in self.current.iter().enumerate() {
            let parent = self.pending_node;
            let child = parent.and_then(|node| self.dictionary.child(node, id));
            self.pending.push(id);
            if !child.is_some_and(|node| self.dictionary.is_code(node)) {
                self.dictionary.register(parent, child, &self.pending)?;
                self.pending.clear();
                self.pending.extend_from_slice(&self.current[index..]);
                // On canonical streams index is 0 and the node is the current code's.
                self.pending_node = if index == 0 {
                    current_node
                } else {
                    self.dictionary.find(&self.pending)
                };
                return Ok(());
            }
            self.pending_node = child;
            if self.pending.len() == max_merge {
                self.pending.clear();
                self.pending.extend_from_slice(&self.current[index + 1..]);
                self.pending_node = self.dictionary.find(&self.pending);
                return Ok(());
            }
        }
        Ok(())
    }
}

/// Decodes sequences one after another, reusing its codebook allocations.
#[derive(Debug, Default)]
pub struct Decoder {
    state: DecodeState,
}

impl Decoder {
    /// Append the base ids of `codes` to `out`; return the rebuilt codebook.
    ///
    /// `strict` rejects the one kind of undefined code that zip2zip's fault-tolerant
    /// decoder accepts (see [`StreamDecoder`]); other undefined codes are always errors.
    pub fn decode(
        &mut self,
        config: &LzwConfig,
        codes: &[u32],
        strict: bool,
        out: &mut Vec<u32>,
    ) -> Result<Codebook> {
        self.state.reset(config.vocab_size);
        for (position, &code) in codes.iter().enumerate() {
            self.state.step(config, code, position, strict, out)?;
        }
        Ok(std::mem::take(&mut self.state.dictionary.codebook))
    }
}

/// A decoder fed a stream piece by piece (a model generating codes), which reports the
/// entries created since it last reported. After an error its state is undefined:
/// start a new one.
#[derive(Debug)]
pub struct StreamDecoder {
    state: DecodeState,
    position: usize,
    reported: u32,
}

impl StreamDecoder {
    /// A decoder at the start of a sequence.
    pub fn new(config: &LzwConfig) -> Self {
        let mut state = DecodeState::default();
        state.reset(config.vocab_size);
        Self {
            state,
            position: 0,
            reported: config.vocab_size,
        }
    }

    /// Decode the next `codes` of the stream, appending their ids to `out`.
    pub fn feed(
        &mut self,
        config: &LzwConfig,
        codes: &[u32],
        strict: bool,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        for &code in codes {
            self.state.step(config, code, self.position, strict, out)?;
            self.position += 1;
        }
        Ok(())
    }

    /// The codebook so far.
    pub fn codebook(&self) -> &Codebook {
        &self.state.dictionary.codebook
    }

    /// The first code not reported yet; marks every entry so far as reported.
    pub fn take_unreported(&mut self) -> u32 {
        let next = self.codebook().next_code();
        std::mem::replace(&mut self.reported, next)
    }
}
