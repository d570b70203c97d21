//! The Unigram LM trainer, SentencePiece's procedure on counted words.
//!
//! 1. **Seed**: every unit (character or byte) and the most frequent substrings of 2 to
//!    `max_piece_length` units, scored by count × length, log-normalised.
//! 2. **EM** (`sub_iterations` rounds): the E-step runs forward-backward over each
//!    word's lattice and adds count × marginal to each piece's expected count; the
//!    M-step drops pieces expected fewer than 0.5 times and scores the others
//!    `ψ(count) − ψ(Σ counts)` (the Bayesian, sparsity-favouring update SentencePiece
//!    uses; ψ is the digamma function).
//! 3. **Prune** until the vocabulary is at most 1.1 × the target: each piece's loss is
//!    how much the corpus likelihood drops when its Viterbi uses go to the piece's best
//!    segmentation without it; the pieces with the highest losses are kept, at least
//!    `shrinking_factor` of them per round.
//! 4. **Finalize**: the best-scored pieces fill the vocabulary, every unit among them.
//!
//! Units are never dropped or pruned (SentencePiece drops rare characters and adds them
//! back at the end), so every word always has a segmentation.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::lattice::{Lattice, PieceTable};
use super::{portable, UnigramModel};
use crate::count::Counts;
use crate::model::Units;
use crate::progress::{Phase, Progress};
use crate::trie::UnitTrie;
use crate::{Error, Result};

/// Pieces expected fewer times than this are dropped in the M-step (SentencePiece's).
const EXPECTED_COUNT_THRESHOLD: f64 = 0.5;

/// Expected counts and likelihoods are summed as integers in units of 2⁻⁵²: integer sums
/// do not depend on which thread added which word, floating-point ones would, and
/// training must not depend on the thread count.
const FIXED_ONE: f64 = (1u64 << 52) as f64;

/// Learns a Unigram vocabulary from word counts.
#[derive(Clone, Debug)]
pub struct UnigramTrainer {
    /// Final vocabulary size: pieces, the 256 byte-fallback tokens and `<unk>` (character
    /// units), special tokens.
    pub vocab_size: usize,
    /// Characters (with byte fallback) or bytes.
    pub units: Units,
    /// Longest piece, in units.
    pub max_piece_length: usize,
    /// Most pieces in the seed vocabulary.
    pub seed_size: usize,
    /// Least fraction of the pieces kept by each pruning round.
    pub shrinking_factor: f64,
    /// EM iterations between pruning rounds.
    pub sub_iterations: usize,
    /// Tokens appended after the learned ones.
    pub special_tokens: Vec<String>,
}

impl Default for UnigramTrainer {
    fn default() -> Self {
        Self {
            vocab_size: 8000,
            units: Units::Chars,
            max_piece_length: 16,
            seed_size: 1_000_000,
            shrinking_factor: 0.75,
            sub_iterations: 2,
            special_tokens: Vec::new(),
        }
    }
}

/// A piece being learned: its bytes and score (log-probability).
pub type ScoredPiece = (Vec<u8>, f64);

/// The digamma function ψ (derivative of ln Γ): recurrence up to 7, then the asymptotic
/// series.
fn digamma(mut x: f64) -> f64 {
    let mut result = 0.0;
    while x < 7.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    x -= 0.5;
    let inverse = 1.0 / x;
    let inverse2 = inverse * inverse;
    let inverse4 = inverse2 * inverse2;
    result + x.ln() + inverse2 / 24.0 - 7.0 / 960.0 * inverse4 + 31.0 / 8064.0 * inverse4 * inverse2
        - 127.0 / 30720.0 * inverse4 * inverse4
}

/// The words and counts a trainer reads, in a fixed order.
struct Words<'a> {
    entries: Vec<(&'a [u8], u64)>,
    total: u64,
}

/// The pieces with a trie over them.
struct Vocabulary {
    scores: Vec<f64>,
    trie: UnitTrie,
    max_piece_bytes: usize,
    units: Units,
}

impl Vocabulary {
    fn new(pieces: &[ScoredPiece], units: Units) -> Self {
        let mut trie = UnitTrie::with_capacity(pieces.iter().map(|(bytes, _)| bytes.len()).sum());
        for (id, (bytes, _)) in pieces.iter().enumerate() {
            trie.insert(bytes, id as u32);
        }
        Self {
            scores: pieces.iter().map(|(_, score)| *score).collect(),
            trie,
            max_piece_bytes: pieces
                .iter()
                .map(|(bytes, _)| bytes.len())
                .max()
                .unwrap_or(0),
            units,
        }
    }

    fn table(&self) -> PieceTable<'_> {
        PieceTable {
            units: self.units,
            trie: &self.trie,
            max_piece_bytes: self.max_piece_bytes,
            scores: &self.scores,
            // Every unit is a piece, so no node is unknown and this is never read.
            unknown_score: f64::NEG_INFINITY,
        }
    }

    fn refill(&self, lattice: &mut Lattice, text: &[u8]) {
        lattice.refill(self.table(), text);
    }

    fn viterbi(&self, text: &[u8]) -> impl Iterator<Item = u32> {
        self.table()
            .viterbi(text)
            .into_iter()
            .filter_map(|step| step.id)
    }
}

/// Whether `bytes` is a single unit.
fn is_unit(units: Units, bytes: &[u8]) -> bool {
    units.symbol_len(bytes, 0) == bytes.len()
}

impl UnigramTrainer {
    /// Learn a Unigram model from `counts` (pretokenized words); the result does not
    /// depend on the number of threads in `pool`.
    pub fn train(
        &self,
        counts: &Counts,
        pool: &rayon::ThreadPool,
        progress: &Progress,
    ) -> Result<UnigramModel> {
        self.check()?;
        let words = self.words(counts)?;
        let mut pieces = self.seed(&words, pool);
        let unit_count = pieces
            .iter()
            .filter(|(bytes, _)| is_unit(self.units, bytes))
            .count();
        let budget = self.piece_budget(unit_count)?;
        let desired = budget + budget / 10;
        let rounds = ((desired as f64 / pieces.len() as f64).ln() / self.shrinking_factor.ln())
            .ceil()
            .max(0.0) as u64
            + 1;
        progress.start(Phase::Estimating, rounds * self.sub_iterations as u64);
        loop {
            for _ in 0..self.sub_iterations {
                progress.check()?;
                let (expected, _) = self.expected_counts(&words, &pieces, pool);
                pieces = self.maximize(&pieces, &expected);
                progress.advance(1);
            }
            if pieces.len() <= desired {
                break;
            }
            progress.check()?;
            pieces = self.prune(&words, &pieces, desired, pool);
        }
        self.finalize(pieces, budget)
    }

    /// One EM iteration on `counts` from `pieces` (which must include every unit of the
    /// words): the re-estimated pieces and the log-likelihood of the words (with counts)
    /// under `pieces`.
    pub fn em_step(
        &self,
        counts: &Counts,
        pieces: &[ScoredPiece],
        pool: &rayon::ThreadPool,
    ) -> Result<(Vec<ScoredPiece>, f64)> {
        self.check()?;
        let words = self.words(counts)?;
        let vocabulary = Vocabulary::new(pieces, self.units);
        let missing = words.entries.iter().find_map(|(word, _)| {
            let mut start = 0;
            while start < word.len() {
                let end = start + self.units.symbol_len(word, start);
                if vocabulary.trie.get(&word[start..end]).is_none() {
                    return Some(String::from_utf8_lossy(&word[start..end]).into_owned());
                }
                start = end;
            }
            None
        });
        if let Some(unit) = missing {
            return Err(Error::argument(
                "pieces",
                format!("the unit {unit:?} of the words is not a piece"),
            ));
        }
        let (expected, log_likelihood) = self.expected_counts(&words, pieces, pool);
        Ok((self.maximize(pieces, &expected), log_likelihood))
    }

    fn check(&self) -> Result<()> {
        if self.max_piece_length == 0 {
            return Err(Error::argument("max_piece_length", "must be at least 1"));
        }
        if !(self.shrinking_factor > 0.0 && self.shrinking_factor < 1.0) {
            return Err(Error::argument(
                "shrinking_factor",
                format!("{} is not in (0, 1)", self.shrinking_factor),
            ));
        }
        if self.sub_iterations == 0 {
            return Err(Error::argument("sub_iterations", "must be at least 1"));
        }
        Ok(())
    }

    /// The words in byte order (a deterministic order), checked for the unit kind.
    fn words<'c>(&self, counts: &'c Counts) -> Result<Words<'c>> {
        let entries = counts.sorted();
        if entries.is_empty() {
            return Err(Error::EmptyCorpus("no words to learn from".into()));
        }
        if self.units == Units::Chars {
            if let Some((word, _)) = entries
                .iter()
                .find(|(word, _)| std::str::from_utf8(word).is_err())
            {
                return Err(Error::argument(
                    "counts",
                    format!(
                        "{:?} is not UTF-8 text (character units; use units=\"bytes\")",
                        String::from_utf8_lossy(word)
                    ),
                ));
            }
        }
        let total = entries.iter().map(|(_, count)| count).sum();
        Ok(Words { entries, total })
    }

    /// How many pieces the vocabulary holds besides fallback, `<unk>` and specials.
    fn piece_budget(&self, unit_count: usize) -> Result<usize> {
        let reserved = self.special_tokens.len()
            + match self.units {
                Units::Chars => 257,
                // Bytes absent from the corpus are added by the model.
                Units::Bytes => 256 - unit_count,
            };
        let budget = self.vocab_size.saturating_sub(reserved);
        if budget < unit_count {
            let kind = match self.units {
                Units::Chars => "characters",
                Units::Bytes => "bytes",
            };
            return Err(Error::argument(
                "vocab_size",
                format!(
                    "{} is too small: the corpus has {unit_count} distinct {kind}, and {reserved} \
                     tokens are reserved (byte fallback, <unk>, special tokens)",
                    self.vocab_size
                ),
            ));
        }
        Ok(budget)
    }

    /// The seed vocabulary: all units with their counts, then the substrings of 2 to
    /// `max_piece_length` units seen at least twice, by count × length; log-normalised.
    fn seed(&self, words: &Words, pool: &rayon::ThreadPool) -> Vec<ScoredPiece> {
        let units = self.units;
        let max_length = self.max_piece_length;
        let substrings = pool.install(|| {
            words
                .entries
                .par_iter()
                .with_min_len(1024)
                .fold(
                    FxHashMap::<&[u8], u64>::default,
                    |mut table, &(word, count)| {
                        let mut boundaries = vec![0];
                        while let Some(&last) = boundaries.last().filter(|&&at| at < word.len()) {
                            boundaries.push(last + units.symbol_len(word, last));
                        }
                        for (index, &start) in boundaries.iter().enumerate() {
                            for &end in boundaries.iter().skip(index + 1).take(max_length) {
                                *table.entry(&word[start..end]).or_default() += count;
                            }
                        }
                        table
                    },
                )
                .reduce(FxHashMap::default, |mut left, mut right| {
                    if left.len() < right.len() {
                        std::mem::swap(&mut left, &mut right);
                    }
                    for (substring, count) in right {
                        *left.entry(substring).or_default() += count;
                    }
                    left
                })
        });
        let (unit_entries, mut longer): (Vec<_>, Vec<_>) = substrings
            .into_iter()
            .partition(|(substring, _)| is_unit(units, substring));
        let mut seed: Vec<(&[u8], u64)> = unit_entries;
        seed.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        longer.retain(|(_, count)| *count >= 2);
        let mut longer: Vec<(&[u8], u64)> = longer
            .into_iter()
            .map(|(substring, count)| {
                let length = (0..substring.len())
                    .filter(|&at| units == Units::Bytes || (substring[at] & 0xc0) != 0x80)
                    .count() as u64;
                (substring, count * length)
            })
            .collect();
        longer.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        longer.truncate(self.seed_size.saturating_sub(seed.len()));
        seed.extend(longer);
        let log_total = (seed.iter().map(|(_, score)| *score as f64).sum::<f64>()).ln();
        seed.into_iter()
            .map(|(bytes, score)| (bytes.to_vec(), (score as f64).ln() - log_total))
            .collect()
    }

    /// The E-step: each piece's expected count over the words, and the words'
    /// log-likelihood (with counts).
    fn expected_counts(
        &self,
        words: &Words,
        pieces: &[ScoredPiece],
        pool: &rayon::ThreadPool,
    ) -> (Vec<f64>, f64) {
        let vocabulary = Vocabulary::new(pieces, self.units);
        struct Scratch {
            expected: Vec<u128>,
            log_likelihood: i128,
            lattice: Lattice,
            marginals: Vec<f64>,
            passes: [Vec<f64>; 2],
        }
        let fresh = || Scratch {
            expected: vec![0; pieces.len()],
            log_likelihood: 0,
            lattice: Lattice::default(),
            marginals: Vec::new(),
            passes: [Vec::new(), Vec::new()],
        };
        let threads = pool.current_num_threads().max(1);
        let sums = pool.install(|| {
            words
                .entries
                .par_iter()
                .with_min_len(words.entries.len() / (4 * threads) + 1)
                .fold(fresh, |mut scratch, &(word, count)| {
                    vocabulary.refill(&mut scratch.lattice, word);
                    let log_z = scratch
                        .lattice
                        .marginals(&mut scratch.marginals, &mut scratch.passes);
                    scratch.log_likelihood += (count as f64 * log_z * FIXED_ONE).round() as i128;
                    for (node, marginal) in scratch.lattice.nodes().iter().zip(&scratch.marginals) {
                        if let Some(id) = node.id {
                            scratch.expected[id as usize] +=
                                (count as f64 * marginal * FIXED_ONE).round() as u128;
                        }
                    }
                    scratch
                })
                .map(|scratch| (scratch.expected, scratch.log_likelihood))
                .reduce(
                    || (vec![0; pieces.len()], 0),
                    |(mut left, left_likelihood), (right, right_likelihood)| {
                        for (sum, value) in left.iter_mut().zip(right) {
                            *sum += value;
                        }
                        (left, left_likelihood + right_likelihood)
                    },
                )
        });
        let (expected, log_likelihood) = sums;
        (
            expected
                .into_iter()
                .map(|sum| sum as f64 / FIXED_ONE)
                .collect(),
            log_likelihood as f64 / FIXED_ONE,
        )
    }

    /// The M-step: drop rarely expected pieces (never units, whose expected count is
    /// raised to the threshold instead) and rescore the rest with ψ(count) − ψ(total).
    fn maximize(&self, pieces: &[ScoredPiece], expected: &[f64]) -> Vec<ScoredPiece> {
        let kept: Vec<(&[u8], f64)> = pieces
            .iter()
            .zip(expected)
            .filter_map(|((bytes, _), &count)| {
                if is_unit(self.units, bytes) {
                    Some((bytes.as_slice(), count.max(EXPECTED_COUNT_THRESHOLD)))
                } else {
                    (count >= EXPECTED_COUNT_THRESHOLD).then_some((bytes.as_slice(), count))
                }
            })
            .collect();
        let log_total = digamma(kept.iter().map(|(_, count)| count).sum());
        kept.into_iter()
            .map(|(bytes, count)| (bytes.to_vec(), digamma(count) - log_total))
            .collect()
    }

    /// One pruning round: keep the units, the pieces that have no alternative
    /// segmentation, and the pieces whose removal would cost the most likelihood, down to
    /// `max(desired, shrinking_factor × len)` pieces.
    fn prune(
        &self,
        words: &Words,
        pieces: &[ScoredPiece],
        desired: usize,
        pool: &rayon::ThreadPool,
    ) -> Vec<ScoredPiece> {
        let vocabulary = Vocabulary::new(pieces, self.units);
        // How each piece would be segmented without itself: `None` when its own best
        // segmentation is already longer (then it only survives if the corpus uses it).
        let alternatives: Vec<Option<Vec<u32>>> = pool.install(|| {
            pieces
                .par_iter()
                .enumerate()
                .map_init(Lattice::default, |lattice, (id, (bytes, score))| {
                    if is_unit(self.units, bytes) {
                        return Some(Vec::new());
                    }
                    vocabulary.refill(lattice, bytes);
                    let (alternative_score, path) =
                        best_path_without(lattice, bytes.len(), id as u32);
                    (*score >= alternative_score).then_some(path)
                })
                .collect()
        });
        let threads = pool.current_num_threads().max(1);
        let uses = pool.install(|| {
            words
                .entries
                .par_iter()
                .with_min_len(words.entries.len() / (4 * threads) + 1)
                .fold(
                    || vec![0u64; pieces.len()],
                    |mut uses, &(word, count)| {
                        for id in vocabulary.viterbi(word) {
                            uses[id as usize] += count;
                        }
                        uses
                    },
                )
                .reduce(
                    || vec![0u64; pieces.len()],
                    |mut left, right| {
                        for (sum, value) in left.iter_mut().zip(right) {
                            *sum += value;
                        }
                        left
                    },
                )
        });
        let total_uses = uses.iter().sum::<u64>() as f64;
        let log_total = total_uses.ln();
        let mut keep = vec![false; pieces.len()];
        let mut candidates: Vec<(usize, f64)> = Vec::new();
        for (id, alternative) in alternatives.iter().enumerate() {
            let frequency = uses[id] as f64;
            match alternative {
                Some(path) if path.is_empty() => keep[id] = true,
                None if frequency > 0.0 => keep[id] = true,
                Some(path) if frequency > 0.0 => {
                    // The loss of likelihood if every use of the piece became its
                    // alternative: its uses move to the alternative's pieces, and the
                    // total grows by (alternative length − 1) per use.
                    let log_probability = frequency.ln() - log_total;
                    let log_total_without = (total_uses + frequency * (path.len() - 1) as f64).ln();
                    let log_probability_without: f64 = path
                        .iter()
                        .map(|&other| {
                            (uses[other as usize] as f64 + frequency).ln() - log_total_without
                        })
                        .sum();
                    let share = frequency / words.total as f64;
                    candidates.push((id, share * (log_probability - log_probability_without)));
                }
                _ => {}
            }
        }
        let target = desired.max((pieces.len() as f64 * self.shrinking_factor) as usize);
        let room = target.saturating_sub(keep.iter().filter(|&&kept| kept).count());
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for &(id, _) in candidates.iter().take(room) {
            keep[id] = true;
        }
        pieces
            .iter()
            .zip(keep)
            .filter(|(_, kept)| *kept)
            .map(|(piece, _)| piece.clone())
            .collect()
    }

    /// The best-scored pieces, every unit among them, best first.
    fn finalize(&self, mut pieces: Vec<ScoredPiece>, budget: usize) -> Result<UnigramModel> {
        pieces.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let units = pieces
            .iter()
            .filter(|(bytes, _)| is_unit(self.units, bytes))
            .count();
        let mut room = budget.saturating_sub(units);
        pieces.retain(|(bytes, _)| {
            if is_unit(self.units, bytes) {
                true
            } else if room > 0 {
                room -= 1;
                true
            } else {
                false
            }
        });
        for (_, score) in &mut pieces {
            *score = portable(*score);
        }
        UnigramModel::new(pieces, self.units, &self.special_tokens)
    }
}

/// The best path through `lattice` (of a text of `len` bytes) that does not use piece
/// `excluded`: its score and piece ids.
fn best_path_without(lattice: &Lattice, len: usize, excluded: u32) -> (f64, Vec<u32>) {
    let mut best: Vec<(f64, usize, u32)> = vec![(f64::NEG_INFINITY, 0, 0); len + 1];
    best[0].0 = 0.0;
    for node in lattice.nodes() {
        let Some(id) = node.id.filter(|&id| id != excluded) else {
            continue;
        };
        let candidate = best[node.start].0 + node.score;
        if candidate > best[node.end].0 {
            best[node.end] = (candidate, node.start, id);
        }
    }
    let mut path = Vec::new();
    let mut end = len;
    while end > 0 && best[end].0 > f64::NEG_INFINITY {
        let (_, start, id) = best[end];
        path.push(id);
        end = start;
    }
    path.reverse();
    (best[len].0, path)
}
