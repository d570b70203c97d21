//! The BPE merge engine.
//!
//! # Data structures
//!
//! Unique words live in one arena of 16-byte slots, a doubly linked list per word (`next`,
//! `prev`), so a merge rewrites two slots and never shifts a word: the cost of a merge is
//! the number of occurrences it touches, even in very long words. A pair's occurrences
//! are the arena positions of its left symbol, appended when the pair appears and
//! validated lazily when the pair is merged (stale positions are skipped). The maximum
//! is a lazy binary heap of `(count, pair)` keys: a count that grows gets a new entry, a
//! count that shrinks is re-keyed when its stale entry surfaces, so every pop is exact.
//!
//! # Parallelism
//!
//! The initial pair count runs over arena ranges on all threads. A merge with at least
//! 4,096 occurrences (a few hundred merges, but a large share of the rewrites) is split
//! at word boundaries into disjoint arena ranges rewritten in parallel, each collecting
//! its own count deltas; the rest of the loop is sequential, as every step depends on
//! the previous one. None of this changes a result: counts are sums, and the order in
//! which words are visited never matters.
//!
//! # Ties
//!
//! Equal counts go to the smallest `(left id, right id)`. In [`TieBreak::Bytes`] the
//! initial ids are byte values (rustbpe, bpeasy); in [`TieBreak::Hf`] they are the ranks
//! of the GPT-2 byte-level characters in code-point order, as HF's `BpeTrainer` assigns
//! them. Merged tokens take ids 256, 257, … in creation order in both, and the output is
//! always in fasttok's canonical ids (byte value, then creation order).

use std::collections::hash_map::Entry;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::BpeModel;
use crate::count::Counts;
use crate::io::hf::byte_to_char;
use crate::progress::{Phase, Progress};
use crate::{Error, Result};

/// How ties between equally frequent pairs are broken (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TieBreak {
    /// HF tokenizers' order: byte-level characters sorted by code point.
    #[default]
    Hf,
    /// Raw byte values (rustbpe, bpeasy, tiktoken-style ids).
    Bytes,
}

/// Configuration of a BPE training run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BpeTrainer {
    /// Final vocabulary size: 256 bytes + merged tokens + special tokens.
    pub vocab_size: usize,
    /// Stop when the best pair occurs fewer times than this.
    pub min_frequency: u64,
    /// Tokens added after the learned ones, never produced by merges.
    pub special_tokens: Vec<String>,
    /// Longest token in bytes; longer merges are never counted. (HF's `BpeTrainer` keeps
    /// tokens shorter than its `max_token_length`, so HF's `L` is this `L - 1`.)
    pub max_token_length: Option<usize>,
    /// Tie-breaking order.
    pub tie_break: TieBreak,
}

impl BpeTrainer {
    /// A trainer for `vocab_size` tokens with neutral defaults.
    pub fn new(vocab_size: usize) -> Self {
        Self {
            vocab_size,
            min_frequency: 0,
            special_tokens: Vec::new(),
            max_token_length: None,
            tie_break: TieBreak::Hf,
        }
    }

    /// Learn merges from `counts` on the threads of `pool`.
    pub fn train(
        &self,
        counts: &Counts,
        pool: &rayon::ThreadPool,
        progress: &Progress,
    ) -> Result<BpeModel> {
        self.train_with(counts, pool, progress, PARALLEL_OCCURRENCES)
    }

    /// [`Self::train`], splitting merges of at least `parallel_threshold` occurrences.
    fn train_with(
        &self,
        counts: &Counts,
        pool: &rayon::ThreadPool,
        progress: &Progress,
        parallel_threshold: usize,
    ) -> Result<BpeModel> {
        if counts.is_empty() {
            return Err(Error::EmptyCorpus("the corpus contains no text".into()));
        }
        let tokens = self.ordinary_tokens(0)?;
        let mut engine = MergeEngine::new(self.tie_break, self.max_token_length);
        let byte_ids = engine.byte_ids;
        engine.reserve(counts.iter().map(|(word, _)| word.len()).sum());
        engine.add_words(
            counts.iter().map(|(word, count)| {
                (word.iter().map(move |&byte| byte_ids[byte as usize]), count)
            }),
            progress,
        )?;
        engine.parallel_threshold = parallel_threshold;
        let mut merges = Vec::with_capacity(tokens - 256);
        pool.install(|| engine.learn(tokens, self.min_frequency, |_| true, &mut merges, progress))?;
        Ok(engine.into_model(&merges, &self.special_tokens))
    }

    /// The number of ordinary tokens to reach (bytes + learned), after checking the
    /// options; `inherited` merged tokens come before the learned ones.
    pub(crate) fn ordinary_tokens(&self, inherited: usize) -> Result<usize> {
        let minimum = 256 + inherited + self.special_tokens.len();
        if self.vocab_size < minimum {
            let inherited = match inherited {
                0 => String::new(),
                n => format!(", {n} inherited tokens"),
            };
            return Err(Error::argument(
                "vocab_size",
                format!(
                    "{} is below the 256 byte tokens{inherited} plus {} special tokens",
                    self.vocab_size,
                    self.special_tokens.len()
                ),
            ));
        }
        if self.max_token_length == Some(0) {
            return Err(Error::argument("max_token_length", "must be at least 1"));
        }
        Ok(self.vocab_size - self.special_tokens.len())
    }
}

/// Occurrences from which a merge is worth splitting across threads.
const PARALLEL_OCCURRENCES: usize = 1 << 12;

const NONE: u32 = u32::MAX;
const REMOVED: u32 = u32::MAX;

fn pair_key(left: u32, right: u32) -> u64 {
    (u64::from(left) << 32) | u64::from(right)
}

fn split_key(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

/// What one merge rewrites: `left right` → `merged`, with what it reads to do so.
struct Rewrite<'e> {
    left: u32,
    right: u32,
    merged: u32,
    tokens: &'e [Vec<u8>],
    word_counts: &'e [u64],
    max_token_length: usize,
}

impl Rewrite<'_> {
    /// Merge the occurrences at `positions` inside `slots`, the arena range starting at
    /// position `base` (whole words only), recording pair count changes in `deltas`.
    fn apply(
        &self,
        slots: &mut [Slot],
        base: u32,
        positions: &[u32],
        deltas: &mut FxHashMap<u64, Delta>,
    ) {
        let index = |position: u32| (position - base) as usize;
        for &position in positions {
            let slot = slots[index(position)];
            if slot.symbol != self.left || slot.next == NONE {
                continue;
            }
            let second = slots[index(slot.next)];
            if second.symbol != self.right {
                continue;
            }
            let count = self.word_counts[slot.word as usize] as i64;
            if slot.prev != NONE {
                let neighbour = slots[index(slot.prev)].symbol;
                self.note(deltas, neighbour, self.left, -count, None);
                self.note(deltas, neighbour, self.merged, count, Some(slot.prev));
            }
            if second.next != NONE {
                let neighbour = slots[index(second.next)].symbol;
                self.note(deltas, self.right, neighbour, -count, None);
                self.note(deltas, self.merged, neighbour, count, Some(position));
                slots[index(second.next)].prev = position;
            }
            slots[index(slot.next)].symbol = REMOVED;
            let first = &mut slots[index(position)];
            first.symbol = self.merged;
            first.next = second.next;
        }
    }

    /// Record `change` occurrences more (or fewer) of `left right`; `position` is the left
    /// slot of a new occurrence.
    fn note(
        &self,
        deltas: &mut FxHashMap<u64, Delta>,
        left: u32,
        right: u32,
        change: i64,
        position: Option<u32>,
    ) {
        if fits(self.tokens, self.max_token_length, left, right) {
            let delta = deltas.entry(pair_key(left, right)).or_default();
            delta.change += change;
            delta.positions.extend(position);
        }
    }
}

/// Split the arena into about `parts` disjoint ranges of whole words, each with the
/// (sorted) positions that fall in it: `(range, first position of the range, positions)`.
fn split_at_words<'s, 'p>(
    slots: &'s mut [Slot],
    word_starts: &[u32],
    positions: &'p [u32],
    parts: usize,
) -> Vec<(&'s mut [Slot], u32, &'p [u32])> {
    let mut ranges = Vec::with_capacity(parts);
    let (mut rest, mut base, mut from) = (slots, 0u32, 0usize);
    for part in 1..parts {
        let target = positions.len() * part / parts;
        let Some(&position) = positions.get(target) else {
            break;
        };
        let boundary = word_starts[rest[(position - base) as usize].word as usize];
        let until = positions.partition_point(|&p| p < boundary);
        if until <= from || boundary <= base {
            continue;
        }
        let (head, tail) = std::mem::take(&mut rest).split_at_mut((boundary - base) as usize);
        ranges.push((head, base, &positions[from..until]));
        (rest, base, from) = (tail, boundary, until);
    }
    ranges.push((rest, base, &positions[from..]));
    ranges
}

/// Whether `left right` makes a token of at most `max` bytes.
fn fits(tokens: &[Vec<u8>], max: usize, left: u32, right: u32) -> bool {
    tokens[left as usize].len() + tokens[right as usize].len() <= max
}

/// The shard (of `shards`) that counts the pair `key`.
fn shard_of(key: u64, shards: u64) -> u64 {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) % shards
}

/// Pairs whose count a merge changed, with their new counts.
pub(crate) type PairChanges = Vec<((u32, u32), u64)>;

/// Heap entry: larger count first, then smaller pair key.
fn heap_entry(count: u64, key: u64) -> u128 {
    (u128::from(count) << 64) | u128::from(!key)
}

/// The merge loop's state: tokens, the arena of words, the pair table and the heap.
pub(crate) struct MergeEngine {
    /// Token bytes by internal id (tie-order ids, see the module docs).
    tokens: Vec<Vec<u8>>,
    /// Internal id of each token's bytes, to reuse an id when a merge rebuilds a token.
    token_ids: FxHashMap<Vec<u8>, u32>,
    /// Internal id of each byte value.
    pub(crate) byte_ids: [u32; 256],
    max_token_length: usize,
    /// The arena of symbols, one slot per symbol of every unique word.
    slots: Vec<Slot>,
    /// Count of each word.
    word_counts: Vec<u64>,
    /// Arena position of each word's first slot.
    word_starts: Vec<u32>,
    /// Merges with at least this many occurrences rewrite the arena in parallel.
    parallel_threshold: usize,
    /// Count and occurrences of every pair that currently occurs.
    pairs: FxHashMap<u64, PairStats>,
    heap: BinaryHeap<u128>,
    /// Pair count changes of the merge in progress, applied at its end: far fewer
    /// lookups in the large pair table than one per occurrence touched.
    deltas: FxHashMap<u64, Delta>,
}

/// The net change of one pair's count during a merge, and its new occurrences.
#[derive(Default)]
struct Delta {
    change: i64,
    positions: Vec<u32>,
}

/// One arena position: 16 bytes, so a merge touches one cache line per occurrence.
#[derive(Clone, Copy)]
struct Slot {
    /// Token id at this position; `REMOVED` once merged into its left neighbour.
    symbol: u32,
    /// Next and previous live positions of the same word, or `NONE`.
    next: u32,
    prev: u32,
    /// Index of the word, for its count.
    word: u32,
}

/// A pair's total count and the arena positions of its left symbol (some may be stale).
#[derive(Default)]
struct PairStats {
    count: u64,
    positions: Vec<u32>,
}

/// Pair tables larger than this are freed on a thread of their own.
const FREE_IN_BACKGROUND: usize = 100_000;

impl Drop for MergeEngine {
    /// Frees a large pair table on another thread: its millions of occurrence lists take
    /// seconds to free, and a cancelled training (Ctrl-C) should return at once.
    fn drop(&mut self) {
        if self.pairs.len() > FREE_IN_BACKGROUND {
            let pairs = std::mem::take(&mut self.pairs);
            // A failed spawn drops the closure, and with it the table, here.
            let _detached = std::thread::Builder::new().spawn(move || drop(pairs));
        }
    }
}

impl MergeEngine {
    /// An engine with the 256 byte tokens (ids in `tie_break` order) and no words.
    pub(crate) fn new(tie_break: TieBreak, max_token_length: Option<usize>) -> Self {
        let mut byte_ids = [0u32; 256];
        let mut order: Vec<u8> = (0..=255).collect();
        if tie_break == TieBreak::Hf {
            order.sort_by_key(|&byte| byte_to_char(byte));
        }
        let tokens: Vec<Vec<u8>> = order.iter().map(|&byte| vec![byte]).collect();
        for (id, &byte) in order.iter().enumerate() {
            byte_ids[byte as usize] = id as u32;
        }
        let token_ids = tokens
            .iter()
            .enumerate()
            .map(|(id, bytes)| (bytes.clone(), id as u32))
            .collect();
        Self {
            tokens,
            token_ids,
            byte_ids,
            max_token_length: max_token_length.unwrap_or(usize::MAX),
            slots: Vec::new(),
            word_counts: Vec::new(),
            word_starts: Vec::new(),
            parallel_threshold: PARALLEL_OCCURRENCES,
            pairs: FxHashMap::default(),
            heap: BinaryHeap::new(),
            deltas: FxHashMap::default(),
        }
    }

    /// The internal id of the token `bytes`, added after the existing ones if new (HF
    /// reuses the id of a token that a different merge already built).
    pub(crate) fn token(&mut self, bytes: Vec<u8>) -> u32 {
        match self.token_ids.get(&bytes) {
            Some(&id) => id,
            None => {
                let id = self.tokens.len() as u32;
                self.token_ids.insert(bytes.clone(), id);
                self.tokens.push(bytes);
                id
            }
        }
    }

    /// Make room for `symbols` more arena slots (one allocation instead of regrowth).
    pub(crate) fn reserve(&mut self, symbols: usize) {
        self.slots.reserve(symbols);
    }

    /// Append words (internal symbol ids) with their counts to the arena. Word order
    /// never matters: counts are sums and ties break by pair ids.
    pub(crate) fn add_words<S: ExactSizeIterator<Item = u32>>(
        &mut self,
        words: impl IntoIterator<Item = (S, u64)>,
        progress: &Progress,
    ) -> Result<()> {
        /// Words added between polls of the cancel flag.
        const POLL_WORDS: usize = 1 << 16;
        let words = words.into_iter();
        self.word_counts.reserve(words.size_hint().0);
        for (index, (symbols, count)) in words.enumerate() {
            if index % POLL_WORDS == 0 {
                progress.check()?;
            }
            let start = self.slots.len();
            let len = symbols.len();
            if start + len >= NONE as usize {
                return Err(Error::argument(
                    "corpus",
                    "the symbols of the unique words exceed the 2^32 arena limit",
                ));
            }
            let start = start as u32;
            for (offset, symbol) in symbols.enumerate() {
                let position = start + offset as u32;
                self.slots.push(Slot {
                    symbol,
                    next: if offset + 1 == len {
                        NONE
                    } else {
                        position + 1
                    },
                    prev: if offset == 0 { NONE } else { position - 1 },
                    word: self.word_counts.len() as u32,
                });
            }
            self.word_counts.push(count);
            self.word_starts.push(start);
        }
        Ok(())
    }

    /// Learn merges until there are `tokens` tokens or no pair occurs `min_frequency`
    /// times (at least once), appending them to `merges` as internal ids. A pair whose
    /// token `accept` refuses is skipped: it keeps its count but leaves the heap until a
    /// later merge makes it occur more often (SuperBPE's constraints, as the reference).
    pub(crate) fn learn(
        &mut self,
        tokens: usize,
        min_frequency: u64,
        accept: impl Fn(&[u8]) -> bool,
        merges: &mut Vec<(u32, u32, u32)>,
        progress: &Progress,
    ) -> Result<()> {
        progress.start(
            Phase::Merging,
            tokens.saturating_sub(self.tokens.len()) as u64,
        );
        self.count_pairs(progress)?;
        while self.tokens.len() < tokens {
            progress.check()?;
            let Some(((left, right), count)) = self.pop_best() else {
                break;
            };
            if count < min_frequency.max(1) {
                break;
            }
            let mut bytes = self.tokens[left as usize].clone();
            bytes.extend_from_slice(&self.tokens[right as usize]);
            if !accept(&bytes) {
                continue;
            }
            let merged = self.merge((left, right), bytes, None);
            merges.push((left, right, merged));
            progress.advance(1);
        }
        Ok(())
    }

    fn fits(&self, left: u32, right: u32) -> bool {
        fits(&self.tokens, self.max_token_length, left, right)
    }

    /// Count every adjacent pair of every word, in parallel by pair.
    ///
    /// Each thread scans the whole arena but keeps only the pairs of its own hash shard,
    /// so no two tables ever hold the same pair: the tables are moved into one at the end
    /// instead of merged entry by entry (with millions of distinct pairs, as SuperBPE's
    /// stage 2 has, merging per-range tables and their position lists cost more than the
    /// counting), and every pair's positions come out in arena order.
    pub(crate) fn count_pairs(&mut self, progress: &Progress) -> Result<()> {
        /// Slots scanned between polls of the cancel flag.
        const POLL_SLOTS: usize = 1 << 20;
        let this = &*self;
        let shards = rayon::current_num_threads().max(1) as u64;
        let tables: Vec<FxHashMap<u64, PairStats>> = (0..shards)
            .into_par_iter()
            .map(|shard| {
                let mut pairs: FxHashMap<u64, PairStats> = FxHashMap::default();
                for (position, slot) in this.slots.iter().enumerate() {
                    if position % POLL_SLOTS == 0 {
                        progress.check()?;
                    }
                    if slot.next == NONE {
                        continue;
                    }
                    let (left, right) = (slot.symbol, this.slots[slot.next as usize].symbol);
                    let key = pair_key(left, right);
                    if shard_of(key, shards) == shard && this.fits(left, right) {
                        let stats = pairs.entry(key).or_default();
                        stats.count += this.word_counts[slot.word as usize];
                        stats.positions.push(position as u32);
                    }
                }
                Ok(pairs)
            })
            .collect::<Result<_>>()?;
        let mut pairs = FxHashMap::default();
        pairs.reserve(tables.iter().map(|table| table.len()).sum());
        tables.into_iter().for_each(|table| pairs.extend(table));
        self.heap = pairs
            .iter()
            .map(|(&key, stats)| heap_entry(stats.count, key))
            .collect();
        self.pairs = pairs;
        Ok(())
    }

    /// The most frequent pair and its count, or `None` when no pair is left.
    fn pop_best(&mut self) -> Option<((u32, u32), u64)> {
        while let Some(entry) = self.heap.pop() {
            let (count, key) = ((entry >> 64) as u64, !(entry as u64));
            let current = self.pairs.get(&key).map_or(0, |stats| stats.count);
            if current == count && count > 0 {
                return Some((split_key(key), count));
            }
            // A count that shrank since its entry was pushed goes back with its true
            // value; a count that grew already has a newer entry, so this one is dropped.
            if current > 0 && current < count {
                self.heap.push(heap_entry(current, key));
            }
        }
        None
    }

    /// The count of every pair that occurs, in no particular order.
    pub(crate) fn pair_counts(&self) -> impl Iterator<Item = ((u32, u32), u64)> + '_ {
        self.pairs
            .iter()
            .map(|(&key, stats)| (split_key(key), stats.count))
    }

    /// Merge `pair` because a given merge list says so (mixture replay, after
    /// [`count_pairs`](Self::count_pairs)), appending every pair whose count changed with its
    /// new count (0: gone) to `changes`. Returns `false`, changing nothing, when the pair
    /// does not occur.
    pub(crate) fn force(&mut self, (left, right): (u32, u32), changes: &mut PairChanges) -> bool {
        if !self.pairs.contains_key(&pair_key(left, right)) {
            return false;
        }
        let mut bytes = self.tokens[left as usize].clone();
        bytes.extend_from_slice(&self.tokens[right as usize]);
        changes.push(((left, right), 0));
        self.merge((left, right), bytes, Some(changes));
        true
    }

    /// Apply the deltas of one merge to the pair table, and push grown counts on the heap;
    /// `changes` receives every new count.
    fn apply_deltas(&mut self, mut changes: Option<&mut PairChanges>) {
        let mut record = |key: u64, count: u64| {
            if let Some(changes) = changes.as_deref_mut() {
                changes.push((split_key(key), count));
            }
        };
        for (key, delta) in self.deltas.drain() {
            match self.pairs.entry(key) {
                Entry::Occupied(mut entry) => {
                    let stats = entry.get_mut();
                    stats.count = stats.count.saturating_add_signed(delta.change);
                    if delta.change != 0 {
                        record(key, stats.count);
                    }
                    if stats.count == 0 {
                        // A pair that no longer occurs has only stale positions: drop it.
                        entry.remove();
                        continue;
                    }
                    stats.positions.extend(delta.positions);
                    if delta.change > 0 {
                        self.heap.push(heap_entry(stats.count, key));
                    }
                }
                Entry::Vacant(entry) if delta.change > 0 => {
                    let count = delta.change.unsigned_abs();
                    record(key, count);
                    entry.insert(PairStats {
                        count,
                        positions: delta.positions,
                    });
                    self.heap.push(heap_entry(count, key));
                }
                Entry::Vacant(_) => {}
            }
        }
    }

    /// Replace every occurrence of `pair` by the token `bytes`, left to right within each
    /// word; returns the internal id of the merged token. `changes` receives every new
    /// pair count.
    ///
    /// A merge with many occurrences (the first few hundred merges) is split at word
    /// boundaries into disjoint arena ranges that the pool's threads rewrite at once, each
    /// collecting its own deltas; word order never matters, so the result is the same.
    fn merge(
        &mut self,
        (left, right): (u32, u32),
        bytes: Vec<u8>,
        changes: Option<&mut PairChanges>,
    ) -> u32 {
        let key = pair_key(left, right);
        let merged = self.token(bytes);
        // Taking the merged pair out of the table also drops its stale count for good.
        let mut positions = self
            .pairs
            .remove(&key)
            .map(|stats| stats.positions)
            .unwrap_or_default();
        positions.sort_unstable();
        positions.dedup();
        let Self {
            slots,
            tokens,
            word_counts,
            word_starts,
            deltas,
            max_token_length,
            ..
        } = self;
        let rewrite = Rewrite {
            left,
            right,
            merged,
            tokens,
            word_counts,
            max_token_length: *max_token_length,
        };
        let threads = rayon::current_num_threads();
        if positions.len() < self.parallel_threshold || threads == 1 {
            rewrite.apply(slots, 0, &positions, deltas);
        } else {
            let partials: Vec<FxHashMap<u64, Delta>> =
                split_at_words(slots, word_starts, &positions, threads)
                    .into_par_iter()
                    .map(|(range, base, positions)| {
                        let mut partial = FxHashMap::default();
                        rewrite.apply(range, base, positions, &mut partial);
                        partial
                    })
                    .collect();
            for (key, delta) in partials.into_iter().flatten() {
                let total = deltas.entry(key).or_default();
                total.change += delta.change;
                total.positions.extend(delta.positions);
            }
        }
        self.apply_deltas(changes);
        merged
    }

    /// Translate internal ids to canonical ids and build the model.
    pub(crate) fn into_model(
        mut self,
        merges: &[(u32, u32, u32)],
        special_tokens: &[String],
    ) -> BpeModel {
        // Canonical id: byte value for the 256 initial tokens, creation order afterwards
        // (the same numbers as the internal ids from 256 on).
        let canonical = |id: u32| -> u32 {
            if id < 256 {
                u32::from(self.tokens[id as usize][0])
            } else {
                id
            }
        };
        let merges = merges
            .iter()
            .map(|&(left, right, merged)| (canonical(left), canonical(right), canonical(merged)))
            .collect();
        let mut vocab: Vec<Vec<u8>> = (0..=255u8).map(|byte| vec![byte]).collect();
        vocab.extend(std::mem::take(&mut self.tokens).into_iter().skip(256));
        BpeModel::from_parts(vocab, merges, special_tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Feed, FileFormat, Pretokenizer, Utf8Policy};

    /// Every merge split across threads (threshold 1) gives the sequential result.
    #[test]
    fn parallel_merges_equal_sequential_ones() {
        let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpora/sample.txt");
        let pretokenizer = Pretokenizer::from_name_or_pattern("gpt2").unwrap();
        let progress = Progress::new();
        let train = |threads: usize, threshold: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut feed = Feed::new(&pretokenizer, &pool, &progress);
            feed.add_file(sample.as_ref(), &FileFormat::Text, Utf8Policy::Strict)
                .unwrap();
            BpeTrainer::new(2_000)
                .train_with(&feed.finish(), &pool, &progress, threshold)
                .unwrap()
        };
        let sequential = train(1, usize::MAX);
        assert_eq!(train(3, 1), sequential);
        assert_eq!(train(2, 64), sequential);
    }
}
