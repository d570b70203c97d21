//! The BPE model and its rank-ordered encoder.
//!
//! Within a piece, the adjacent pair with the lowest merge rank is merged first (the
//! leftmost one among equals), exactly as HF's `BPE` model and tiktoken do. Short pieces
//! use tiktoken's quadratic scan over a small vector, which wins below a few dozen bytes;
//! long pieces (minified code, SuperBPE lines) use a linked list and a heap of
//! `(rank, position)`, O(n log n).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use crate::model::append_specials;
use crate::{Error, Result};

/// Pieces up to this many bytes use the quadratic scan.
const SHORT_PIECE: usize = 48;
const NONE: usize = usize::MAX;

/// A byte-level BPE vocabulary with its ordered merges and special tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BpeModel {
    /// Token bytes by id, special tokens included.
    vocab: Vec<Vec<u8>>,
    /// Id of each ordinary token's bytes.
    token_ids: FxHashMap<Vec<u8>, u32>,
    /// Id of the single-byte token of each byte value.
    byte_ids: [u32; 256],
    /// Merges in rank order: `(left, right, merged)` ids.
    merges: Vec<(u32, u32, u32)>,
    /// `(left, right)` → `(rank, merged id)`.
    ranks: FxHashMap<u64, (u32, u32)>,
    /// Special tokens and their ids.
    specials: Vec<(String, u32)>,
    /// Emit a piece that is itself a token without merging (tiktoken; HF `ignore_merges`).
    whole_piece_lookup: bool,
}

fn pair_key(left: u32, right: u32) -> u64 {
    (u64::from(left) << 32) | u64::from(right)
}

impl BpeModel {
    /// Build a model from a vocabulary (id → bytes, without specials), merges by id and
    /// special tokens (given ids after the vocabulary, in order).
    pub(crate) fn from_parts(
        vocab: Vec<Vec<u8>>,
        merges: Vec<(u32, u32, u32)>,
        special_tokens: &[String],
    ) -> Self {
        let mut vocab = vocab;
        let specials = append_specials(&mut vocab, special_tokens);
        let ordinary = vocab.len() - special_tokens.len();
        Self::assemble(vocab, ordinary, merges, specials, true)
    }

    /// Build a model from foreign parts (a loaded file): merges are given as id pairs and
    /// their results are found by bytes. Every single byte must be a token.
    pub fn from_merges(
        vocab: Vec<Vec<u8>>,
        merges: &[(u32, u32)],
        specials: Vec<(String, u32)>,
        whole_piece_lookup: bool,
        what: &str,
    ) -> Result<Self> {
        let is_special: Vec<bool> = {
            let mut flags = vec![false; vocab.len()];
            for (_, id) in &specials {
                if let Some(flag) = flags.get_mut(*id as usize) {
                    *flag = true;
                }
            }
            flags
        };
        let mut token_ids: FxHashMap<&[u8], u32> = FxHashMap::default();
        for (id, bytes) in vocab.iter().enumerate() {
            if !is_special[id] {
                token_ids.entry(bytes).or_insert(id as u32);
            }
        }
        let mut resolved = Vec::with_capacity(merges.len());
        for (rank, &(left, right)) in merges.iter().enumerate() {
            let token = |id: u32| {
                vocab.get(id as usize).ok_or_else(|| {
                    Error::format(what, format!("merge {rank} refers to unknown id {id}"))
                })
            };
            let mut bytes = token(left)?.clone();
            bytes.extend_from_slice(token(right)?);
            let merged = *token_ids.get(bytes.as_slice()).ok_or_else(|| {
                Error::format(
                    what,
                    format!("the result of merge {rank} is not in the vocabulary"),
                )
            })?;
            resolved.push((left, right, merged));
        }
        for byte in 0..=255u8 {
            if !token_ids.contains_key([byte].as_slice()) {
                return Err(Error::format(
                    what,
                    format!("byte {byte:#04x} has no token: not a byte-level BPE vocabulary"),
                ));
            }
        }
        let ordinary = vocab.len();
        Ok(Self::assemble(
            vocab,
            ordinary,
            resolved,
            specials,
            whole_piece_lookup,
        ))
    }

    fn assemble(
        vocab: Vec<Vec<u8>>,
        ordinary: usize,
        merges: Vec<(u32, u32, u32)>,
        specials: Vec<(String, u32)>,
        whole_piece_lookup: bool,
    ) -> Self {
        let special_ids: Vec<u32> = specials.iter().map(|(_, id)| *id).collect();
        let mut token_ids = FxHashMap::default();
        for (id, bytes) in vocab.iter().enumerate().take(ordinary) {
            if !special_ids.contains(&(id as u32)) {
                token_ids.entry(bytes.clone()).or_insert(id as u32);
            }
        }
        let mut byte_ids = [0u32; 256];
        for (byte, slot) in byte_ids.iter_mut().enumerate() {
            *slot = token_ids.get([byte as u8].as_slice()).copied().unwrap_or(0);
        }
        // Later duplicates of a pair win, as when HF collects its merges into a map.
        let ranks = merges
            .iter()
            .enumerate()
            .map(|(rank, &(left, right, merged))| (pair_key(left, right), (rank as u32, merged)))
            .collect();
        Self {
            vocab,
            token_ids,
            byte_ids,
            merges,
            ranks,
            specials,
            whole_piece_lookup,
        }
    }

    /// Number of tokens, special tokens included.
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// Token bytes by id.
    pub fn vocab(&self) -> &[Vec<u8>] {
        &self.vocab
    }

    /// Merges in rank order as `(left, right, merged)` ids.
    pub fn merges(&self) -> &[(u32, u32, u32)] {
        &self.merges
    }

    /// Special tokens and their ids.
    pub fn specials(&self) -> &[(String, u32)] {
        &self.specials
    }

    /// Id of an ordinary token given its bytes.
    pub fn token_id(&self, bytes: &[u8]) -> Option<u32> {
        self.token_ids.get(bytes).copied()
    }

    /// Whether a piece that is itself a token is emitted without merging.
    pub fn whole_piece_lookup(&self) -> bool {
        self.whole_piece_lookup
    }

    /// The id of the single-byte token `byte`.
    pub(crate) fn byte_id(&self, byte: u8) -> u32 {
        self.byte_ids[byte as usize]
    }

    /// The rank of the merge `left right` and the id it makes.
    pub(crate) fn rank(&self, left: u32, right: u32) -> Option<(u32, u32)> {
        self.ranks.get(&pair_key(left, right)).copied()
    }

    /// Append the ids of one piece to `out`.
    pub fn encode_piece(&self, piece: &[u8], out: &mut Vec<u32>) {
        match self.single_token(piece) {
            Some(id) => out.push(id),
            None => self.merge_piece(piece, out),
        }
    }

    /// The id of a piece that needs no merging: one byte, or (with whole-piece lookup) a
    /// token itself.
    pub fn single_token(&self, piece: &[u8]) -> Option<u32> {
        match piece {
            [byte] => Some(self.byte_ids[*byte as usize]),
            _ if self.whole_piece_lookup => self.token_ids.get(piece).copied(),
            _ => None,
        }
    }

    /// Append the ids of `piece` found by applying the merges in rank order.
    pub fn merge_piece(&self, piece: &[u8], out: &mut Vec<u32>) {
        let start = out.len();
        out.extend(piece.iter().map(|&byte| self.byte_ids[byte as usize]));
        if piece.len() <= SHORT_PIECE {
            self.merge_short(out, start);
        } else {
            self.merge_long(out, start);
        }
    }

    /// The same vocabulary with only the first `count` merges and no specials, merging
    /// every piece (no whole-piece lookup): SuperBPE's replay of inherited merges.
    pub(crate) fn with_first_merges(&self, count: usize) -> Self {
        let ordinary = self.vocab.len() - self.specials.len();
        let merges = self.merges[..count.min(self.merges.len())].to_vec();
        Self::assemble(self.vocab.clone(), ordinary, merges, Vec::new(), false)
    }

    /// tiktoken-style scan: find the lowest-rank pair, merge it, repeat.
    fn merge_short(&self, ids: &mut Vec<u32>, start: usize) {
        let rank_at = |ids: &[u32], i: usize| -> u32 {
            self.rank(ids[i], ids[i + 1])
                .map_or(u32::MAX, |(rank, _)| rank)
        };
        let mut ranks: Vec<u32> = (start..ids.len() - 1).map(|i| rank_at(ids, i)).collect();
        while let Some((best, rank)) = ranks
            .iter()
            .copied()
            .enumerate()
            .min_by_key(|&(_, rank)| rank)
            .filter(|&(_, rank)| rank != u32::MAX)
        {
            let at = start + best;
            let (_, merged) = self.rank(ids[at], ids[at + 1]).unwrap_or((rank, ids[at]));
            ids[at] = merged;
            ids.remove(at + 1);
            ranks.remove(best);
            if best > 0 {
                ranks[best - 1] = rank_at(ids, at - 1);
            }
            if best < ranks.len() {
                ranks[best] = rank_at(ids, at);
            }
        }
    }

    /// Linked list plus a heap of `(rank, position)`: O(n log n) for long pieces.
    fn merge_long(&self, ids: &mut Vec<u32>, start: usize) {
        let symbols = &mut ids[start..];
        let n = symbols.len();
        let mut next: Vec<usize> = (1..=n).map(|i| if i == n { NONE } else { i }).collect();
        let mut prev: Vec<usize> = (0..n).map(|i| if i == 0 { NONE } else { i - 1 }).collect();
        let mut alive = vec![true; n];
        let mut heap: BinaryHeap<Reverse<(u32, usize)>> = (0..n - 1)
            .filter_map(|i| {
                self.rank(symbols[i], symbols[i + 1])
                    .map(|(rank, _)| Reverse((rank, i)))
            })
            .collect();
        while let Some(Reverse((rank, at))) = heap.pop() {
            let second = next[at];
            if !alive[at] || second == NONE {
                continue;
            }
            let Some((current, merged)) = self.rank(symbols[at], symbols[second]) else {
                continue;
            };
            if current != rank {
                continue;
            }
            symbols[at] = merged;
            alive[second] = false;
            next[at] = next[second];
            if next[at] != NONE {
                prev[next[at]] = at;
                if let Some((rank, _)) = self.rank(merged, symbols[next[at]]) {
                    heap.push(Reverse((rank, at)));
                }
            }
            if prev[at] != NONE {
                if let Some((rank, _)) = self.rank(symbols[prev[at]], merged) {
                    heap.push(Reverse((rank, prev[at])));
                }
            }
        }
        let mut write = start;
        for read in 0..n {
            if alive[read] {
                ids[write] = ids[start + read];
                write += 1;
            }
        }
        ids.truncate(write);
    }
}
