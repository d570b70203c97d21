//! Data-mixture inference (Hayase et al. 2024): the two hot loops of the attack.
//!
//! A BPE merge list is a transcript of argmax decisions: merge `t` was the most frequent
//! pair once merges `1..t−1` had been applied to the training data. Given a sample per
//! category, [`replay`] applies the merge list in order to each sample with the training
//! merge engine and records what the linear program needs: every pair count before the
//! first recorded step, then per step the pairs whose count changed and their new counts.
//! [`MixtureProblem`] holds the transcripts of all categories and, for a candidate
//! mixture, finds the LP rows it violates ([`MixtureProblem::sweep`]). The LP itself is
//! solved in Python (`fasttok.mixture`).
//!
//! Counts enter the LP normalised by the sample's initial pair count `Z` (the released
//! solver's default) and scaled to occurrences per million pairs, so that late merges'
//! coefficients stay far above the LP solver's absolute tolerances.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::bpe::trainer::{MergeEngine, PairChanges};
use crate::count::Counts;
use crate::model::Units;
use crate::progress::{Phase, Progress};
use crate::{Error, Result, TieBreak};

/// Scale of the LP's counts: occurrences per million initial pairs of the sample.
pub const SCALE: f64 = 1e6;

/// A merge list prepared for replay: one token table for all categories, so that a pair
/// has the same ids in every transcript.
#[derive(Clone, Debug)]
pub struct MergeList {
    units: Units,
    /// Token bytes by id: the 256 bytes, then (chars) the samples' other characters, then
    /// the tokens of the merges, each once.
    tokens: Vec<Vec<u8>>,
    token_ids: FxHashMap<Vec<u8>, u32>,
    /// The merges as token id pairs, in order.
    merges: Vec<(u32, u32)>,
}

impl MergeList {
    /// Prepare `merges` (pairs of token bytes, in order). With [`Units::Chars`] the base
    /// units are the characters that occur in `samples` (all categories' counts).
    pub fn new(merges: &[(Vec<u8>, Vec<u8>)], units: Units, samples: &[&Counts]) -> Self {
        let mut list = Self {
            units,
            tokens: Vec::new(),
            token_ids: FxHashMap::default(),
            merges: Vec::with_capacity(merges.len()),
        };
        for byte in 0..=255u8 {
            list.intern(&[byte]);
        }
        if units == Units::Chars {
            let mut chars: Vec<&str> = samples
                .iter()
                .flat_map(|counts| counts.iter())
                .flat_map(|(word, _)| {
                    word.utf8_chunks()
                        .flat_map(|chunk| split_chars(chunk.valid()))
                })
                .collect::<FxHashSet<_>>()
                .into_iter()
                .collect();
            chars.sort_unstable();
            chars
                .iter()
                .for_each(|char| _ = list.intern(char.as_bytes()));
        }
        for (left, right) in merges {
            let pair = (list.intern(left), list.intern(right));
            list.intern(&[left.as_slice(), right].concat());
            list.merges.push(pair);
        }
        list
    }

    /// Number of merges.
    pub fn len(&self) -> usize {
        self.merges.len()
    }

    /// Whether there are no merges.
    pub fn is_empty(&self) -> bool {
        self.merges.is_empty()
    }

    /// The bytes of token `id`.
    pub fn token(&self, id: u32) -> &[u8] {
        &self.tokens[id as usize]
    }

    /// The merge at `rank` as token ids.
    pub fn merge(&self, rank: usize) -> (u32, u32) {
        self.merges[rank]
    }

    fn intern(&mut self, bytes: &[u8]) -> u32 {
        if let Some(&id) = self.token_ids.get(bytes) {
            return id;
        }
        let id = self.tokens.len() as u32;
        self.tokens.push(bytes.to_vec());
        self.token_ids.insert(bytes.to_vec(), id);
        id
    }

    /// The base units of `word` as token ids; `None` when it has a character the list
    /// was not prepared with (a sample not given to [`MergeList::new`]).
    fn units_of(&self, word: &[u8]) -> Option<Vec<u32>> {
        match self.units {
            Units::Bytes => Some(word.iter().map(|&byte| u32::from(byte)).collect()),
            Units::Chars => word
                .utf8_chunks()
                .flat_map(|chunk| {
                    split_chars(chunk.valid())
                        .map(|char| self.token_ids.get(char.as_bytes()).copied())
                        .chain(chunk.invalid().iter().map(|&byte| Some(u32::from(byte))))
                })
                .collect(),
        }
    }

    /// A merge engine whose ids are this table's (the engine numbers new tokens in the
    /// order they are added, after the 256 bytes in byte order).
    fn engine(&self) -> MergeEngine {
        let mut engine = MergeEngine::new(TieBreak::Bytes, None);
        for (id, token) in self.tokens.iter().enumerate().skip(256) {
            let engine_id = engine.token(token.clone());
            debug_assert_eq!(engine_id as usize, id);
        }
        engine
    }
}

/// The characters of `text`, each as its own `&str`.
fn split_chars(text: &str) -> impl Iterator<Item = &str> {
    text.char_indices()
        .map(move |(at, char)| &text[at..at + char.len_utf8()])
}

/// The pair counts of one sample under a merge list, step by step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Count of every pair before the first recorded step, sorted by pair.
    pub initial: Vec<((u32, u32), u64)>,
    /// The recorded steps' changes, step after step: each pair whose count the step's
    /// merge changed, with its new count (0: gone), sorted by pair within a step.
    pub changes: Vec<((u32, u32), u64)>,
    /// Step `s` owns `changes[step_offsets[s]..step_offsets[s + 1]]`.
    pub step_offsets: Vec<usize>,
    /// Whether each recorded step's merge occurred in the sample (else it changed nothing).
    pub applied: Vec<bool>,
    /// Adjacent pairs of base units in the sample before any merge: the normaliser `Z`.
    pub pairs: u64,
    /// Bytes of the sample's pieces (with multiplicity).
    pub bytes: u64,
}

impl Transcript {
    /// Number of recorded steps.
    pub fn steps(&self) -> usize {
        self.applied.len()
    }

    /// The changes of recorded step `step`.
    pub fn step(&self, step: usize) -> &[((u32, u32), u64)] {
        &self.changes[self.step_offsets[step]..self.step_offsets[step + 1]]
    }
}

/// Replay `list` over one sample's piece counts: apply the first `skip` merges silently,
/// then record up to `steps` more (see [`Transcript`]). `progress` advances per merge.
pub fn replay(
    list: &MergeList,
    sample: &Counts,
    skip: usize,
    steps: usize,
    progress: &Progress,
) -> Result<Transcript> {
    let mut engine = list.engine();
    let mut pairs = 0u64;
    let mut bytes = 0u64;
    let words: Vec<(Vec<u32>, u64)> = sample
        .iter()
        .map(|(word, count)| {
            let units = list.units_of(word).ok_or_else(|| {
                Error::argument(
                    "sample",
                    "it has characters the merge list was not prepared with (pass every sample to MergeList::new)",
                )
            })?;
            pairs += units.len().saturating_sub(1) as u64 * count;
            bytes += word.len() as u64 * count;
            Ok((units, count))
        })
        .collect::<Result<_>>()?;
    engine.reserve(words.iter().map(|(units, _)| units.len()).sum());
    engine.add_words(
        words
            .into_iter()
            .map(|(units, count)| (units.into_iter(), count)),
        progress,
    )?;
    engine.count_pairs(progress)?;

    let end = list.len().min(skip.saturating_add(steps));
    let mut silent = PairChanges::new();
    for rank in 0..skip.min(end) {
        progress.check()?;
        engine.force(list.merge(rank), &mut silent);
        silent.clear();
        progress.advance(1);
    }
    let mut transcript = Transcript {
        initial: engine.pair_counts().collect(),
        step_offsets: vec![0],
        pairs,
        bytes,
        ..Transcript::default()
    };
    transcript.initial.sort_unstable();
    let mut changes = PairChanges::new();
    for rank in skip.min(end)..end {
        progress.check()?;
        transcript
            .applied
            .push(engine.force(list.merge(rank), &mut changes));
        changes.sort_unstable();
        transcript.changes.append(&mut changes);
        transcript.step_offsets.push(transcript.changes.len());
        progress.advance(1);
    }
    Ok(transcript)
}

/// [`replay`] every sample, in parallel on `pool`.
pub fn replay_all(
    list: &MergeList,
    samples: &[&Counts],
    skip: usize,
    steps: usize,
    pool: &rayon::ThreadPool,
    progress: &Progress,
) -> Result<Vec<Transcript>> {
    let per_sample = list.len().min(skip.saturating_add(steps)) as u64;
    progress.start(Phase::Transcribing, per_sample * samples.len() as u64);
    pool.install(|| {
        samples
            .par_iter()
            .map(|sample| replay(list, sample, skip, steps, progress))
            .collect()
    })
}

/// How many violated rows one [`MixtureProblem::sweep`] returns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepLimits {
    /// Most new rows per merge step (the paper's 10).
    pub per_step: usize,
    /// The sweep ends after the step at which this many new rows were found (the paper's 100).
    pub per_round: usize,
    /// A row counts as violated when it misses by more than this (scaled counts).
    pub tolerance: f64,
}

/// A violated run of LP rows: at `step`, `pair` outscores the step's merge under the
/// mixture, and its counts stay `counts` over the steps `first..=last`. Each step `t` of
/// the run has the row `Σ_i α_i · (merge_counts(t)[i] − counts[i]) + v_t + v_pair ≥ 0`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The merge step found violated (0 = the first recorded step).
    pub step: u32,
    /// The competing pair's id in the problem.
    pub pair: u32,
    /// The first step at which `pair` has these counts.
    pub first: u32,
    /// The last step at which `pair` has these counts.
    pub last: u32,
    /// Per category: the pair's scaled count over the run.
    pub counts: Vec<f64>,
}

/// The transcripts of all categories in one index, ready for violation sweeps.
///
/// A *slot* is one (pair, category) incidence; its scaled count is all the sweep reads.
#[derive(Clone, Debug)]
pub struct MixtureProblem {
    categories: usize,
    /// Token ids of each pair, by pair id.
    pairs: Vec<(u32, u32)>,
    /// Slots of each pair: `pair_slots[pair_offsets[p]..pair_offsets[p + 1]]`.
    pair_offsets: Vec<usize>,
    pair_slots: Vec<u32>,
    slot_pair: Vec<u32>,
    slot_category: Vec<u32>,
    /// Scaled count of each slot before the first step.
    initial: Vec<f64>,
    /// Per step, `(slot, new scaled count)`.
    step_offsets: Vec<usize>,
    step_changes: Vec<(u32, f64)>,
    /// Per step, the pair id of its merge where it occurs in some sample, else `None`
    /// (the merge constrains nothing: a missing merge).
    merge_pairs: Vec<Option<u32>>,
    /// Steps at which each pair's count changes in some category, ascending:
    /// `change_steps[change_offsets[p]..change_offsets[p + 1]]`.
    change_offsets: Vec<usize>,
    change_steps: Vec<u32>,
    /// Runs returned by earlier sweeps, as `(pair, first step)`.
    added: FxHashSet<(u32, u32)>,
}

impl MixtureProblem {
    /// Index the transcripts of `list`'s merges `skip..` (one per category, all from
    /// [`replay`] with the same `skip` and `steps`).
    pub fn new(list: &MergeList, skip: usize, transcripts: &[Transcript]) -> Result<Self> {
        let steps = transcripts.first().map_or(0, Transcript::steps);
        if transcripts.iter().any(|t| t.steps() != steps) {
            return Err(Error::argument(
                "transcripts",
                "every category must record the same merge steps",
            ));
        }
        if let Some(empty) = transcripts.iter().position(|t| t.pairs == 0) {
            return Err(Error::argument(
                "samples",
                format!("sample {empty} has no adjacent pair of base units (empty sample?)"),
            ));
        }
        let mut pair_ids: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        let mut pairs = Vec::new();
        let mut slot_pair = Vec::new();
        let mut slot_category = Vec::new();
        let mut initial = Vec::new();
        // Per step, `(slot, value)` of every category, gathered category by category.
        let mut per_step: Vec<Vec<(u32, f64)>> = vec![Vec::new(); steps];
        for (category, transcript) in transcripts.iter().enumerate() {
            let scale = SCALE / transcript.pairs as f64;
            let mut slots: FxHashMap<(u32, u32), u32> = FxHashMap::default();
            let mut slot_of = |pair: (u32, u32), initial: &mut Vec<f64>| -> u32 {
                *slots.entry(pair).or_insert_with(|| {
                    let id = *pair_ids.entry(pair).or_insert_with(|| {
                        pairs.push(pair);
                        (pairs.len() - 1) as u32
                    });
                    slot_pair.push(id);
                    slot_category.push(category as u32);
                    initial.push(0.0);
                    (slot_pair.len() - 1) as u32
                })
            };
            for &(pair, count) in &transcript.initial {
                let slot = slot_of(pair, &mut initial);
                initial[slot as usize] = count as f64 * scale;
            }
            for (step, changes) in per_step.iter_mut().enumerate() {
                for &(pair, count) in transcript.step(step) {
                    changes.push((slot_of(pair, &mut initial), count as f64 * scale));
                }
            }
        }
        let mut step_offsets = vec![0];
        let mut step_changes = Vec::with_capacity(per_step.iter().map(Vec::len).sum());
        for changes in per_step {
            step_changes.extend(changes);
            step_offsets.push(step_changes.len());
        }
        let merge_pairs = (0..steps)
            .map(|step| {
                let applied = transcripts.iter().any(|t| t.applied[step]);
                let pair = list.merge(skip + step);
                applied.then(|| pair_ids[&pair])
            })
            .collect();
        let (change_offsets, change_steps) =
            change_index(pairs.len(), &step_offsets, &step_changes, &slot_pair);
        let mut pair_offsets = vec![0usize; pairs.len() + 1];
        for &pair in &slot_pair {
            pair_offsets[pair as usize + 1] += 1;
        }
        for p in 0..pairs.len() {
            pair_offsets[p + 1] += pair_offsets[p];
        }
        let mut fill = pair_offsets.clone();
        let mut pair_slots = vec![0u32; slot_pair.len()];
        for (slot, &pair) in slot_pair.iter().enumerate() {
            pair_slots[fill[pair as usize]] = slot as u32;
            fill[pair as usize] += 1;
        }
        Ok(Self {
            categories: transcripts.len(),
            pairs,
            pair_offsets,
            pair_slots,
            slot_pair,
            slot_category,
            initial,
            step_offsets,
            step_changes,
            merge_pairs,
            change_offsets,
            change_steps,
            added: FxHashSet::default(),
        })
    }

    /// Number of categories.
    pub fn categories(&self) -> usize {
        self.categories
    }

    /// Number of merge steps.
    pub fn steps(&self) -> usize {
        self.merge_pairs.len()
    }

    /// Number of distinct pairs over all samples and steps.
    pub fn pair_count(&self) -> usize {
        self.pairs.len()
    }

    /// Token ids of pair `pair`.
    pub fn pair(&self, pair: u32) -> (u32, u32) {
        self.pairs[pair as usize]
    }

    /// Steps whose merge occurs in no sample: they give no rows.
    pub fn missing_steps(&self) -> Vec<usize> {
        (0..self.steps())
            .filter(|&step| self.merge_pairs[step].is_none())
            .collect()
    }

    /// Runs of rows returned by sweeps so far.
    pub fn rows_added(&self) -> usize {
        self.added.len()
    }

    /// Per step (row-major, `steps × categories`): the scaled counts of the step's merge
    /// just before it (zeros for a missing merge).
    pub fn merge_counts(&self) -> Vec<f64> {
        let mut counts = self.initial.clone();
        let mut table = vec![0.0; self.steps() * self.categories];
        for (step, merge) in self.merge_pairs.iter().enumerate() {
            if let Some(merge) = *merge {
                let row = &mut table[step * self.categories..(step + 1) * self.categories];
                self.pair_counts(merge, &counts, row);
            }
            for &(slot, count) in
                &self.step_changes[self.step_offsets[step]..self.step_offsets[step + 1]]
            {
                counts[slot as usize] = count;
            }
        }
        table
    }

    /// The steps `first..=last` around `step` over which `pair`'s counts stay the same
    /// (a change recorded at step `s` shows from step `s + 1`).
    fn run(&self, step: u32, pair: u32) -> (u32, u32) {
        let changes = &self.change_steps
            [self.change_offsets[pair as usize]..self.change_offsets[pair as usize + 1]];
        let next = changes.partition_point(|&change| change < step);
        let first = next
            .checked_sub(1)
            .map_or(0, |previous| changes[previous] + 1);
        let last = changes
            .get(next)
            .copied()
            .unwrap_or(self.steps() as u32 - 1);
        (first, last)
    }

    /// Add `pair`'s per-category counts in `counts` (per slot) to `out`.
    fn pair_counts(&self, pair: u32, counts: &[f64], out: &mut [f64]) {
        let slots = &self.pair_slots
            [self.pair_offsets[pair as usize]..self.pair_offsets[pair as usize + 1]];
        for &slot in slots {
            out[self.slot_category[slot as usize] as usize] += counts[slot as usize];
        }
    }

    /// Sweep the merge steps in order under mixture `alpha` and slacks (`step_slack` per
    /// step, `pair_slack` per pair id) and return the rows not yet returned that it
    /// violates: at each step the most violated first, at most `limits.per_step`, ending
    /// after the step at which `limits.per_round` rows were found. No row: the mixture
    /// with these slacks satisfies the whole LP.
    ///
    /// Each pair's mixed count lives in a lazy max-heap, updated only for the pairs each
    /// merge changes, so a step costs its changes and its pops, not the number of pairs.
    pub fn sweep(
        &mut self,
        alpha: &[f64],
        step_slack: &[f64],
        pair_slack: &[f64],
        limits: SweepLimits,
        progress: &Progress,
    ) -> Result<Vec<Row>> {
        if alpha.len() != self.categories
            || step_slack.len() != self.steps()
            || pair_slack.len() != self.pairs.len()
        {
            return Err(Error::argument(
                "sweep",
                format!(
                    "expected {} mixture weights, {} step slacks and {} pair slacks",
                    self.categories,
                    self.steps(),
                    self.pairs.len()
                ),
            ));
        }
        let mut counts = self.initial.clone();
        let mut scores = vec![0.0f64; self.pairs.len()];
        for (slot, &count) in counts.iter().enumerate() {
            scores[self.slot_pair[slot] as usize] +=
                alpha[self.slot_category[slot] as usize] * count;
        }
        for (score, slack) in scores.iter_mut().zip(pair_slack) {
            *score -= slack;
        }
        let mut versions = vec![0u32; self.pairs.len()];
        let mut heap: BinaryHeap<Scored> = (0..self.pairs.len() as u32)
            .map(|pair| Scored::new(scores[pair as usize], pair, 0))
            .collect();
        let mut rows = Vec::new();
        let mut popped = Vec::new();
        for (step, (&merge, &slack)) in self.merge_pairs.iter().zip(step_slack).enumerate() {
            if step % 1024 == 0 {
                progress.check()?;
            }
            if let Some(merge) = merge {
                let own = scores[merge as usize] + pair_slack[merge as usize];
                let cutoff = own + slack + limits.tolerance;
                let mut found = 0;
                while found < limits.per_step {
                    let Some(entry) = heap.pop() else { break };
                    if entry.version != versions[entry.pair as usize] {
                        continue;
                    }
                    popped.push(entry);
                    if entry.score <= cutoff {
                        break;
                    }
                    if entry.pair != merge {
                        let (first, last) = self.run(step as u32, entry.pair);
                        if self.added.insert((entry.pair, first)) {
                            let mut pair_counts = vec![0.0; self.categories];
                            self.pair_counts(entry.pair, &counts, &mut pair_counts);
                            rows.push(Row {
                                step: step as u32,
                                pair: entry.pair,
                                first,
                                last,
                                counts: pair_counts,
                            });
                            found += 1;
                        }
                    }
                }
                heap.extend(popped.drain(..));
            }
            let changes = &self.step_changes[self.step_offsets[step]..self.step_offsets[step + 1]];
            for &(slot, count) in changes {
                let slot = slot as usize;
                let pair = self.slot_pair[slot] as usize;
                scores[pair] += alpha[self.slot_category[slot] as usize] * (count - counts[slot]);
                counts[slot] = count;
                versions[pair] += 1;
                heap.push(Scored::new(scores[pair], pair as u32, versions[pair]));
            }
            if rows.len() >= limits.per_round {
                break;
            }
        }
        Ok(rows)
    }
}

/// Per pair, the distinct steps at which one of its slots changes, ascending, as offsets
/// into one array (the index [`MixtureProblem::sweep`] finds runs with).
fn change_index(
    pairs: usize,
    step_offsets: &[usize],
    step_changes: &[(u32, f64)],
    slot_pair: &[u32],
) -> (Vec<usize>, Vec<u32>) {
    let mut changed = Vec::new();
    let mut last_step = vec![u32::MAX; pairs];
    for step in 0..step_offsets.len() - 1 {
        for &(slot, _) in &step_changes[step_offsets[step]..step_offsets[step + 1]] {
            let pair = slot_pair[slot as usize];
            if last_step[pair as usize] != step as u32 {
                last_step[pair as usize] = step as u32;
                changed.push((pair, step as u32));
            }
        }
    }
    let mut offsets = vec![0usize; pairs + 1];
    for &(pair, _) in &changed {
        offsets[pair as usize + 1] += 1;
    }
    for pair in 0..pairs {
        offsets[pair + 1] += offsets[pair];
    }
    // Steps were visited in order, so a stable placement keeps each pair's ascending.
    let mut fill = offsets.clone();
    let mut steps = vec![0u32; changed.len()];
    for (pair, step) in changed {
        steps[fill[pair as usize]] = step;
        fill[pair as usize] += 1;
    }
    (offsets, steps)
}

/// A heap entry: a pair's mixed count when pushed (highest first, then smaller pair id),
/// stale once the pair's version moved on.
#[derive(Clone, Copy, Debug)]
struct Scored {
    score: f64,
    pair: u32,
    version: u32,
}

impl Scored {
    fn new(score: f64, pair: u32, version: u32) -> Self {
        Self {
            score,
            pair,
            version,
        }
    }
}

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Scored {}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.pair.cmp(&self.pair))
            .then_with(|| self.version.cmp(&other.version))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(words: &[(&str, u64)]) -> Counts {
        let mut counts = Counts::new();
        for &(word, count) in words {
            counts.add(word.as_bytes(), count);
        }
        counts
    }

    fn bytes_merges(merges: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        merges
            .iter()
            .map(|(l, r)| (l.as_bytes().to_vec(), r.as_bytes().to_vec()))
            .collect()
    }

    /// Every step's recorded counts equal a recount of the sample merged so far.
    #[test]
    fn transcript_matches_recount() {
        let sample = counts(&[("aaaa", 3), ("abab", 2), ("banana", 5), ("aab", 1)]);
        let merges = bytes_merges(&[
            ("a", "a"),
            ("a", "n"),
            ("b", "an"),
            ("x", "y"),
            ("ban", "an"),
            ("aa", "aa"),
        ]);
        let list = MergeList::new(&merges, Units::Bytes, &[&sample]);
        let transcript = replay(&list, &sample, 0, usize::MAX, &Progress::new()).unwrap();
        assert_eq!(transcript.applied, [true, true, true, false, true, true]);
        assert_eq!(transcript.pairs, 3 * 3 + 2 * 3 + 5 * 5 + 2);
        let mut current: FxHashMap<(u32, u32), u64> = transcript.initial.iter().copied().collect();
        let mut words: Vec<(Vec<Vec<u8>>, u64)> = sample
            .iter()
            .map(|(word, count)| (word.iter().map(|&b| vec![b]).collect(), count))
            .collect();
        for (step, (left, right)) in merges.iter().enumerate() {
            for (symbols, _) in &mut words {
                let mut merged = Vec::new();
                let mut i = 0;
                while i < symbols.len() {
                    if i + 1 < symbols.len() && symbols[i] == *left && symbols[i + 1] == *right {
                        merged.push([left.as_slice(), right].concat());
                        i += 2;
                    } else {
                        merged.push(symbols[i].clone());
                        i += 1;
                    }
                }
                *symbols = merged;
            }
            for &(pair, count) in transcript.step(step) {
                current.insert(pair, count);
            }
            current.retain(|_, count| *count > 0);
            let mut recount: FxHashMap<(u32, u32), u64> = FxHashMap::default();
            for (symbols, count) in &words {
                for window in symbols.windows(2) {
                    let id = |bytes: &Vec<u8>| list.token_ids[bytes.as_slice()];
                    *recount.entry((id(&window[0]), id(&window[1]))).or_default() += count;
                }
            }
            assert_eq!(current, recount, "after step {step}");
        }
    }

    /// Character units: a multi-byte character is one unit, so its bytes never pair up.
    #[test]
    fn char_units_keep_characters_whole() {
        let sample = counts(&[("ßa", 2)]);
        let list = MergeList::new(&bytes_merges(&[("ß", "a")]), Units::Chars, &[&sample]);
        let transcript = replay(&list, &sample, 0, 1, &Progress::new()).unwrap();
        assert_eq!(transcript.pairs, 2);
        assert_eq!(transcript.applied, [true]);
        let byte_list = MergeList::new(&bytes_merges(&[("ß", "a")]), Units::Bytes, &[&sample]);
        let by_bytes = replay(&byte_list, &sample, 0, 1, &Progress::new()).unwrap();
        assert_eq!(by_bytes.applied, [false]);
        // A sample the list was not prepared with is refused, not a panic.
        let other = counts(&[("ñ", 1)]);
        assert!(replay(&list, &other, 0, 1, &Progress::new()).is_err());
    }

    /// With one category and no slack, a pair more frequent than a step's merge is
    /// returned as a row; the true argmax order gives none.
    #[test]
    fn sweep_finds_exactly_the_violations() {
        let sample = counts(&[("abab", 4), ("cd", 1)]);
        let progress = Progress::new();
        let limits = SweepLimits {
            per_step: 10,
            per_round: 100,
            tolerance: 1e-9,
        };
        let solve = |merges: &[(&str, &str)]| {
            let list = MergeList::new(&bytes_merges(merges), Units::Bytes, &[&sample]);
            let transcripts = [replay(&list, &sample, 0, usize::MAX, &progress).unwrap()];
            let mut problem = MixtureProblem::new(&list, 0, &transcripts).unwrap();
            let steps = problem.steps();
            let pairs = problem.pair_count();
            let rows = problem
                .sweep(
                    &[1.0],
                    &vec![0.0; steps],
                    &vec![0.0; pairs],
                    limits,
                    &progress,
                )
                .unwrap();
            (problem, rows)
        };
        assert!(solve(&[("a", "b"), ("ab", "ab"), ("c", "d")]).1.is_empty());
        let (problem, rows) = solve(&[("c", "d"), ("a", "b")]);
        let found: Vec<_> = rows
            .iter()
            .map(|row| (row.step, problem.pair(row.pair), row.first, row.last))
            .collect();
        let id = |b: u8| u32::from(b);
        // At step 0, `a b` (8) and `b a` (4) beat `c d` (1); at step 1 nothing beats `a b`.
        // Both keep their counts until merging `a b` (step 1) changes them.
        assert_eq!(
            found,
            [
                (0, (id(b'a'), id(b'b')), 0, 1),
                (0, (id(b'b'), id(b'a')), 0, 1)
            ]
        );
        let scaled = |count: f64| count / (4.0 * 3.0 + 1.0) * SCALE;
        assert!((rows[0].counts[0] - scaled(8.0)).abs() < 1e-6);
        let merge_counts = problem.merge_counts();
        assert!((merge_counts[0] - scaled(1.0)).abs() < 1e-6);
        assert!((merge_counts[1] - scaled(8.0)).abs() < 1e-6);
    }
}
