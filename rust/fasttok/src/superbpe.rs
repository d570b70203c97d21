//! SuperBPE (Liu et al. 2025): BPE whose late merges learn superwords across spaces.
//!
//! Stage 1 is ordinary BPE under a word-level pretokenizer up to the transition point `t`.
//! Stage 2 recounts the training sequences (lines by default) under a coarse pretokenizer
//! (the paper's cuts only digit groups), replays the first `t − 1` stage-1 merges in order,
//! then learns greedy merges up to the final size, refusing tokens of more than four words
//! or containing `": "` (the reference's constraints, on new merges only). `t − 1`, not `t`:
//! the reference keeps `head -n t` lines of a `merges.txt` whose first line is a header.
//!
//! # Replay as encoding
//!
//! Forcing merges `1..t−1` in order over every chunk gives the same symbols as encoding
//! each chunk with those merges by rank: a merge's token exists only once the merge has
//! run, so no merge can apply earlier than its turn, and both go left to right within a
//! rank. The replay therefore encodes each unique chunk on its own, in parallel, in
//! O(n log n) (a linked list and a heap, as the encoder's long-piece path), and the merge
//! engine starts from tokens rather than bytes. Its
//! arena (16 bytes per symbol) then holds about a quarter of the slots that whole lines
//! of bytes would need: that is what bounds stage 2's memory.
//!
//! # Inherited merges absent from the stage-2 data
//!
//! The reference (HF fork, `do_train_extend`) skips an inherited merge whose pair never
//! entered its replay queue: a pair enters when it occurs initially or when a merge leaves
//! new occurrences of it, so a pair that a merge forms and destroys within one rank (`aa a`
//! while `aaaa` becomes `aa aa`) does not count. The replay marks the pairs adjacent between
//! two ranks, so fasttok drops the same merges and lists them in the [`SuperBpeReport`];
//! `keep_absent_merges` keeps them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use memchr::memmem;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::bpe::trainer::MergeEngine;
use crate::bpe::{BpeModel, BpeTrainer};
use crate::count::{work_units, Counts, UNIT_BYTES};
use crate::pretokenize::Pretokenizer;
use crate::progress::{Phase, Progress};
use crate::{Error, Result};

/// Unique chunks encoded per parallel work unit of the replay.
const CHUNKS_PER_UNIT: usize = 4096;
/// An engine id not assigned (yet).
const UNMAPPED: u32 = u32::MAX;
/// No neighbour in a chunk being replayed.
const NONE: u32 = u32::MAX;
/// A symbol merged into its left neighbour during the replay.
const REMOVED: u32 = u32::MAX;

/// Which tokens stage 2 may create (inherited merges are never checked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeConstraints {
    /// Most space-separated words in a token: non-empty parts between `' '` bytes, as the
    /// reference counts them (other whitespace does not separate words). `None`: no limit.
    pub max_words: Option<usize>,
    /// Substrings no new token may contain.
    pub forbidden: Vec<String>,
}

impl Default for MergeConstraints {
    /// The reference's: at most 4 words, no `": "`.
    fn default() -> Self {
        Self {
            max_words: Some(4),
            forbidden: vec![": ".into()],
        }
    }
}

impl MergeConstraints {
    /// Whether stage 2 may create `token`.
    pub fn allows(&self, token: &[u8]) -> bool {
        let words = || token.split(|&byte| byte == b' ').filter(|w| !w.is_empty());
        self.max_words.is_none_or(|max| words().count() <= max)
            && !self
                .forbidden
                .iter()
                .any(|substring| memmem::find(token, substring.as_bytes()).is_some())
    }
}

/// Configuration of a SuperBPE run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuperBpeTrainer {
    /// The final vocabulary (size, special tokens), tie order, `min_frequency` and
    /// `max_token_length` (the last two apply to both stages' learned merges).
    pub bpe: BpeTrainer,
    /// The transition point `t`: the first `t − 1` stage-1 merges are inherited.
    pub transition: usize,
    /// Constraints on stage-2 merges.
    pub constraints: MergeConstraints,
    /// Keep inherited merges whose pair never occurs in the stage-2 data.
    pub keep_absent_merges: bool,
}

/// What stage 2 did with the inherited merges, and what it learned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuperBpeReport {
    /// Inherited merges offered to the replay (`t − 1`, or all of stage 1 if fewer).
    pub inherited: usize,
    /// Ranks (0-based) of the inherited merges dropped as absent from the stage-2 data.
    pub dropped: Vec<usize>,
    /// Merges learned in stage 2.
    pub learned: usize,
}

/// Part of the stage-2 chunks after the replay: runs of base-model ids with their counts.
#[derive(Default)]
struct ReplayedChunks {
    symbols: Vec<u32>,
    ends: Vec<usize>,
    counts: Vec<u64>,
}

impl ReplayedChunks {
    /// The chunks as `(symbols, count)`.
    fn iter(&self) -> impl Iterator<Item = (&[u32], u64)> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .zip(&self.counts)
            .map(|((start, &end), &count)| (&self.symbols[start..end], count))
    }
}

impl SuperBpeTrainer {
    /// Both stages on `sequences`, the counts of the training sequences (unique lines or
    /// documents, e.g. counted with the `none` pretokenizer): stage 1 splits them with
    /// `stage1`, stage 2 with `stage2`, which becomes the tokenizer's pretokenizer.
    pub fn train(
        &self,
        sequences: &Counts,
        stage1: &Pretokenizer,
        stage2: &Pretokenizer,
        pool: &rayon::ThreadPool,
        progress: &Progress,
    ) -> Result<(BpeModel, SuperBpeReport)> {
        let inherited = self.transition.saturating_sub(1);
        self.bpe.ordinary_tokens(inherited)?;
        let words = sequences.resplit(stage1, pool, progress)?;
        let stage1_trainer = BpeTrainer {
            vocab_size: 256 + inherited,
            special_tokens: Vec::new(),
            ..self.bpe.clone()
        };
        let base = stage1_trainer.train(&words, pool, progress)?;
        drop(words);
        let inherited = inherited.min(base.merges().len());
        self.stage2(&base, inherited, sequences, stage2, pool, progress)
    }

    /// Stage 2 only, on top of the first `t − 1` merges of an existing BPE tokenizer.
    pub fn extend(
        &self,
        base: &BpeModel,
        sequences: &Counts,
        stage2: &Pretokenizer,
        pool: &rayon::ThreadPool,
        progress: &Progress,
    ) -> Result<(BpeModel, SuperBpeReport)> {
        let inherited = self.transition.saturating_sub(1);
        if inherited > base.merges().len() {
            return Err(Error::argument(
                "transition",
                format!(
                    "{} inherits {inherited} merges but the base tokenizer has {}",
                    self.transition,
                    base.merges().len()
                ),
            ));
        }
        self.stage2(base, inherited, sequences, stage2, pool, progress)
    }

    /// Recount, replay the first `inherited` merges of `base`, learn the rest.
    fn stage2(
        &self,
        base: &BpeModel,
        inherited: usize,
        sequences: &Counts,
        pretokenizer: &Pretokenizer,
        pool: &rayon::ThreadPool,
        progress: &Progress,
    ) -> Result<(BpeModel, SuperBpeReport)> {
        // (Stage 1 of `train` fails the same way first.)
        if sequences.is_empty() {
            return Err(Error::EmptyCorpus("the corpus contains no text".into()));
        }
        let tokens = self.bpe.ordinary_tokens(inherited)?;
        let chunks = sequences.resplit(pretokenizer, pool, progress)?;
        let (replayed, occurred) =
            replay(&base.with_first_merges(inherited), &chunks, pool, progress)?;
        drop(chunks);

        let mut engine = MergeEngine::new(self.bpe.tie_break, self.bpe.max_token_length);
        // Base ids → engine ids: bytes by value, kept merges' tokens in creation order.
        let mut engine_ids = vec![UNMAPPED; base.vocab_size()];
        for byte in 0..=255u8 {
            if let Some(id) = base.single_token(&[byte]) {
                engine_ids[id as usize] = engine.byte_ids[byte as usize];
            }
        }
        let mut merges = Vec::with_capacity(tokens - 256);
        let mut report = SuperBpeReport {
            inherited,
            ..SuperBpeReport::default()
        };
        for (rank, &(left, right, merged)) in base.merges()[..inherited].iter().enumerate() {
            let (left_id, right_id) = (engine_ids[left as usize], engine_ids[right as usize]);
            let present = occurred[rank] || self.keep_absent_merges;
            if !present || left_id == UNMAPPED || right_id == UNMAPPED {
                report.dropped.push(rank);
                continue;
            }
            let id = engine.token(base.vocab()[merged as usize].clone());
            if engine_ids[merged as usize] == UNMAPPED {
                engine_ids[merged as usize] = id;
            }
            merges.push((left_id, right_id, id));
        }
        engine.reserve(replayed.iter().map(|part| part.symbols.len()).sum());
        engine.add_words(
            replayed
                .iter()
                .flat_map(ReplayedChunks::iter)
                .map(|(symbols, count)| {
                    let engine_ids = &engine_ids;
                    (
                        symbols.iter().map(move |&id| engine_ids[id as usize]),
                        count,
                    )
                }),
            progress,
        )?;
        drop(replayed);

        let kept = merges.len();
        let constraints = &self.constraints;
        let min_frequency = self.bpe.min_frequency;
        pool.install(|| {
            engine.learn(
                tokens,
                min_frequency,
                |token| constraints.allows(token),
                &mut merges,
                progress,
            )
        })?;
        report.learned = merges.len() - kept;
        Ok((engine.into_model(&merges, &self.bpe.special_tokens), report))
    }
}

/// Replay `model`'s merges (the inherited ones) over every chunk, in parallel; also
/// returns, per merge rank, whether its pair entered the reference's replay queue.
fn replay(
    model: &BpeModel,
    chunks: &Counts,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> Result<(Vec<ReplayedChunks>, Vec<bool>)> {
    let entries: Vec<(&[u8], u64)> = chunks.iter().collect();
    let joins = JoinedBytes::of(model);
    progress.start(Phase::Replaying, entries.len() as u64);
    let units = work_units(&entries, CHUNKS_PER_UNIT, UNIT_BYTES, |(chunk, _)| {
        chunk.len()
    });
    let workers: Vec<ReplayWorker> = pool.install(|| {
        units
            .par_iter()
            .try_fold(
                || ReplayWorker::new(model),
                |mut worker, unit| {
                    progress.check()?;
                    for &(chunk, count) in *unit {
                        worker.replay_chunk(&joins, chunk);
                        worker.part.ends.push(worker.part.symbols.len());
                        worker.part.counts.push(count);
                    }
                    progress.advance(unit.len() as u64);
                    Ok(worker)
                },
            )
            .collect::<Result<_>>()
    })?;
    // One part per fold (a few per thread), kept apart rather than copied together.
    let mut occurred = vec![false; model.merges().len()];
    let mut replayed = Vec::with_capacity(workers.len());
    for worker in workers {
        for (into, flag) in occurred.iter_mut().zip(worker.occurred) {
            *into |= flag;
        }
        replayed.push(worker.part);
    }
    Ok((replayed, occurred))
}

/// The byte pairs `(a, b)` that occur next to each other inside some merged token.
///
/// No merge can ever join across a point of a chunk where the bytes on either side form
/// none of these pairs: the token it made would contain them. So a chunk splits there into
/// segments replayed independently, with the same symbols and occurrences as the whole;
/// with word-level inherited merges that is before every space that follows a letter,
/// and the segments (words) repeat, so each is replayed once per worker and then copied.
struct JoinedBytes {
    bits: Vec<u64>,
}

impl JoinedBytes {
    /// The pairs inside the tokens that `model`'s merges make.
    fn of(model: &BpeModel) -> Self {
        let mut bits = vec![0u64; 1 << 10];
        for &(_, _, merged) in model.merges() {
            for pair in model.vocab()[merged as usize].windows(2) {
                let index = usize::from(pair[0]) << 8 | usize::from(pair[1]);
                bits[index / 64] |= 1 << (index % 64);
            }
        }
        Self { bits }
    }

    /// Whether some token holds `left` followed by `right`.
    fn contains(&self, left: u8, right: u8) -> bool {
        let index = usize::from(left) << 8 | usize::from(right);
        self.bits[index / 64] & (1 << (index % 64)) != 0
    }
}

/// Segments up to this many bytes are cached by a replay worker.
const CACHED_SEGMENT: usize = 64;
/// A worker's cache is emptied when it holds this many segments (bounded memory on text
/// whose segments never repeat).
const CACHE_ENTRIES: usize = 1 << 20;

/// One fold of the parallel replay: its output, occurrence flags, buffers and cache.
struct ReplayWorker<'m, 'c> {
    model: &'m BpeModel,
    part: ReplayedChunks,
    occurred: Vec<bool>,
    scratch: ReplayScratch,
    /// Replayed symbols of the short segments seen so far.
    cache: FxHashMap<&'c [u8], Box<[u32]>>,
}

impl<'m, 'c> ReplayWorker<'m, 'c> {
    fn new(model: &'m BpeModel) -> Self {
        Self {
            model,
            part: ReplayedChunks::default(),
            occurred: vec![false; model.merges().len()],
            scratch: ReplayScratch::default(),
            cache: FxHashMap::default(),
        }
    }

    /// Append the replayed symbols of `chunk`, segment by segment (see [`JoinedBytes`]).
    fn replay_chunk(&mut self, joins: &JoinedBytes, chunk: &'c [u8]) {
        let mut start = 0;
        for end in 1..=chunk.len() {
            if end < chunk.len() && joins.contains(chunk[end - 1], chunk[end]) {
                continue;
            }
            let segment = &chunk[start..end];
            start = end;
            let symbols = &mut self.part.symbols;
            match segment {
                [byte] => symbols.push(self.model.byte_id(*byte)),
                _ if segment.len() > CACHED_SEGMENT => {
                    self.scratch
                        .replay(self.model, segment, symbols, &mut self.occurred);
                }
                _ => match self.cache.get(segment) {
                    Some(cached) => symbols.extend_from_slice(cached),
                    None => {
                        let from = symbols.len();
                        self.scratch
                            .replay(self.model, segment, symbols, &mut self.occurred);
                        if self.cache.len() >= CACHE_ENTRIES {
                            self.cache.clear();
                        }
                        self.cache.insert(segment, symbols[from..].into());
                    }
                },
            }
        }
    }
}

/// The replay of one chunk: a linked list of symbols and a heap of `(rank, position)`,
/// O(n log n) in the chunk's length; the buffers are reused from chunk to chunk.
#[derive(Default)]
struct ReplayScratch {
    next: Vec<u32>,
    prev: Vec<u32>,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
    /// Left positions of the pairs formed while merging the current rank.
    formed: Vec<u32>,
}

impl ReplayScratch {
    /// Append the symbols of `chunk` after `model`'s merges, applied by rank (leftmost
    /// first within a rank), and mark in `occurred` the ranks whose pair is adjacent
    /// initially or once a rank is fully merged.
    fn replay(
        &mut self,
        model: &BpeModel,
        chunk: &[u8],
        out: &mut Vec<u32>,
        occurred: &mut [bool],
    ) {
        let start = out.len();
        out.extend(chunk.iter().map(|&byte| model.byte_id(byte)));
        let symbols = &mut out[start..];
        let n = symbols.len() as u32;
        self.next.clear();
        self.next
            .extend((1..=n).map(|i| if i == n { NONE } else { i }));
        self.prev.clear();
        self.prev
            .extend((0..n).map(|i| i.checked_sub(1).unwrap_or(NONE)));
        self.heap.clear();
        for at in 0..n.saturating_sub(1) {
            if let Some((rank, _)) = model.rank(symbols[at as usize], symbols[at as usize + 1]) {
                occurred[rank as usize] = true;
                self.heap.push(Reverse((rank, at)));
            }
        }
        let mut current = None;
        while let Some(Reverse((rank, at))) = self.heap.pop() {
            // Ranks come off the heap in order: a new one means the last one is done.
            if current != Some(rank) {
                self.mark_formed(model, symbols, occurred);
                current = Some(rank);
            }
            let second = self.next[at as usize];
            if symbols[at as usize] == REMOVED || second == NONE {
                continue;
            }
            match model.rank(symbols[at as usize], symbols[second as usize]) {
                Some((found, merged)) if found == rank => {
                    symbols[at as usize] = merged;
                    symbols[second as usize] = REMOVED;
                    let after = self.next[second as usize];
                    self.next[at as usize] = after;
                    if after != NONE {
                        self.prev[after as usize] = at;
                        self.push(model, symbols, at);
                    }
                    let before = self.prev[at as usize];
                    if before != NONE {
                        self.push(model, symbols, before);
                    }
                }
                _ => continue,
            }
        }
        self.mark_formed(model, symbols, occurred);
        let mut kept = start;
        for read in start..out.len() {
            if out[read] != REMOVED {
                out[kept] = out[read];
                kept += 1;
            }
        }
        out.truncate(kept);
    }

    /// Queue the pair whose left symbol is at `at`, if it is a merge.
    fn push(&mut self, model: &BpeModel, symbols: &[u32], at: u32) {
        let right = symbols[self.next[at as usize] as usize];
        if let Some((rank, _)) = model.rank(symbols[at as usize], right) {
            self.heap.push(Reverse((rank, at)));
            self.formed.push(at);
        }
    }

    /// Mark the merges whose pair, formed during the rank just finished, still stands.
    fn mark_formed(&mut self, model: &BpeModel, symbols: &[u32], occurred: &mut [bool]) {
        for at in self.formed.drain(..) {
            let next = self.next[at as usize];
            if symbols[at as usize] != REMOVED && next != NONE {
                if let Some((rank, _)) = model.rank(symbols[at as usize], symbols[next as usize]) {
                    occurred[rank as usize] = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Feed, FileFormat, Utf8Policy};

    #[test]
    fn constraints_count_space_separated_words_and_forbidden_substrings() {
        let constraints = MergeConstraints::default();
        assert!(constraints.allows(b" one of the most"));
        assert!(!constraints.allows(b" one of the most famous"));
        assert!(
            constraints.allows("a\u{a0}b c d e".as_bytes()),
            "NBSP separates no words"
        );
        assert!(!constraints.allows(b"Answer: yes"));
        let unlimited = MergeConstraints {
            max_words: None,
            forbidden: Vec::new(),
        };
        assert!(unlimited.allows(b"a b c d e f: g"));
    }

    /// Replaying segment by segment (with the cache) gives the symbols and occurrences of
    /// replaying each chunk whole.
    #[test]
    fn segmented_replay_equals_whole_chunks() {
        let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpora/sample.txt");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let progress = Progress::new();
        let words = Pretokenizer::from_name_or_pattern("superbpe-stage1").unwrap();
        let mut feed = Feed::new(&words, &pool, &progress);
        feed.add_file(sample.as_ref(), &FileFormat::Text, Utf8Policy::Strict)
            .unwrap();
        let model = BpeTrainer::new(1_500)
            .train(&feed.finish(), &pool, &progress)
            .unwrap()
            .with_first_merges(1_200);
        let lines = Pretokenizer::from_name_or_pattern("superbpe-stage2")
            .unwrap()
            .with_lines(true);
        let mut feed = Feed::new(&lines, &pool, &progress);
        feed.add_file(sample.as_ref(), &FileFormat::Text, Utf8Policy::Strict)
            .unwrap();
        let chunks = feed.finish();

        let (parts, occurred) = replay(&model, &chunks, &pool, &progress).unwrap();
        let mut segmented: Vec<Vec<u32>> = parts
            .iter()
            .flat_map(ReplayedChunks::iter)
            .map(|(symbols, _)| symbols.to_vec())
            .collect();
        let mut whole_occurred = vec![false; occurred.len()];
        let mut scratch = ReplayScratch::default();
        let mut whole: Vec<Vec<u32>> = chunks
            .iter()
            .map(|(chunk, _)| {
                let mut symbols = Vec::new();
                scratch.replay(&model, chunk, &mut symbols, &mut whole_occurred);
                symbols
            })
            .collect();
        segmented.sort();
        whole.sort();
        assert_eq!(segmented, whole);
        assert_eq!(occurred, whole_occurred);
    }
}
