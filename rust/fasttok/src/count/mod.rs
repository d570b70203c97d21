//! Counts of unique pieces, the value every trainer learns from, and the feed that
//! makes them.
//!
//! [`Counts`] is what grows with the corpus; everything after it (merge loops, EM) works
//! on unique entries. So counts are a value of their own: shards counted anywhere add
//! up ([`Counts::merge`]), travel as compact bytes ([`Counts::to_bytes`]) and can be
//! pruned with a recorded error bound ([`Counts::prune`], [`Counts::max_error`]).

mod feed;
mod format;

pub use feed::{lines, read_lines, Feed, FileFormat, Utf8Policy, MAX_PIECE_BYTES};
pub(crate) use feed::{work_units, UNIT_BYTES};

use rustc_hash::FxHashMap;

use crate::pretokenize::{Pretokenizer, PretokenizerConfig};
use crate::progress::Progress;
use crate::{Error, Result};

/// Counts of unique pieces (pretokens, or whole lines for SuperBPE): a value that
/// shards build independently and [`merge`](Self::merge) afterwards.
///
/// # Error bound
///
/// Pruning (while counting under a memory bound, or afterwards) drops rare entries.
/// [`max_error`](Self::max_error) bounds what that lost: for every piece, its stored
/// count `c` (0 if absent) and its count in the corpus `n` satisfy
/// `c ≤ n ≤ c + max_error`. Exact counts have `max_error == 0`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    counts: FxHashMap<Box<[u8]>, u64>,
    /// How the pieces were cut, when known.
    pretokenizer: Option<PretokenizerConfig>,
    max_error: u64,
}

impl Counts {
    /// An empty table of pieces cut in an unrecorded way.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty table of pieces cut by `pretokenizer`.
    pub fn cut_by(pretokenizer: PretokenizerConfig) -> Self {
        Self {
            pretokenizer: Some(pretokenizer),
            ..Self::default()
        }
    }

    /// An empty table for counts derived from these pieces (split further, or
    /// filtered): the same pretokenizer record and error bound.
    pub fn derived(&self) -> Self {
        Self {
            counts: FxHashMap::default(),
            pretokenizer: self.pretokenizer.clone(),
            max_error: self.max_error,
        }
    }

    /// How the pieces were cut (`None` for counts built from bare items).
    pub fn pretokenizer(&self) -> Option<&PretokenizerConfig> {
        self.pretokenizer.as_ref()
    }

    /// The bound on the count each piece lost to pruning (see the type's docs).
    pub fn max_error(&self) -> u64 {
        self.max_error
    }

    /// Number of unique pieces.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether no piece was counted.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Total number of pieces counted (with multiplicity).
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The count of `piece` (0 if absent).
    pub fn get(&self, piece: &[u8]) -> u64 {
        self.counts.get(piece).copied().unwrap_or(0)
    }

    /// Add `count` occurrences of `piece`.
    pub fn add(&mut self, piece: &[u8], count: u64) {
        if let Some(existing) = self.counts.get_mut(piece) {
            *existing += count;
        } else {
            self.counts.insert(piece.into(), count);
        }
    }

    /// Add every count of `other`: shards add up, in any order and grouping. Their
    /// error bounds add too. Fails if the two were cut by different pretokenizers.
    pub fn merge(&mut self, other: &Counts) -> Result<()> {
        if self.pretokenizer != other.pretokenizer {
            let describe = |config: Option<&PretokenizerConfig>| {
                config.map_or_else(|| "unrecorded pieces".to_owned(), |c| c.to_string())
            };
            return Err(Error::InvalidArgument {
                name: "counts",
                message: format!(
                    "cannot add counts of {} to counts of {}",
                    describe(other.pretokenizer()),
                    describe(self.pretokenizer()),
                ),
            });
        }
        self.counts.reserve(other.len().saturating_sub(self.len()));
        for (piece, &count) in &other.counts {
            self.add(piece, count);
        }
        self.max_error += other.max_error;
        Ok(())
    }

    /// Drop the pieces counted fewer than `min_count` times, then keep at most `top`:
    /// those counted more often than the `top + 1`-th most frequent (ties at the cut
    /// are dropped together, so the result never depends on an order among equals).
    /// The largest dropped count is added to [`max_error`](Self::max_error).
    pub fn prune(&mut self, min_count: u64, top: Option<usize>) {
        let below_min = min_count.saturating_sub(1);
        let threshold = match top {
            Some(top) => below_min.max(keep_threshold(self.counts.values().copied(), top)),
            None => below_min,
        };
        self.drop_at_most(threshold);
    }

    /// Drop the entries counted at most `threshold` times; add the largest dropped count
    /// to the error bound.
    fn drop_at_most(&mut self, threshold: u64) {
        let mut largest_dropped = 0;
        self.counts.retain(|_, &mut count| {
            let keep = count > threshold;
            if !keep {
                largest_dropped = largest_dropped.max(count);
            }
            keep
        });
        self.max_error += largest_dropped;
    }

    /// Pieces and counts, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> + '_ {
        self.counts.iter().map(|(piece, &count)| (&**piece, count))
    }

    /// The counts of the pieces that `pretokenizer` cuts these texts into (see
    /// [`Feed::add_counts`]); the error bound carries over.
    pub fn resplit(
        &self,
        pretokenizer: &Pretokenizer,
        pool: &rayon::ThreadPool,
        progress: &Progress,
    ) -> Result<Counts> {
        let bytes = self.counts.keys().map(|text| text.len() as u64).sum();
        progress.start(crate::Phase::Counting, bytes);
        let mut feed = Feed::new(pretokenizer, pool, progress);
        feed.add_counts(self)?;
        let mut counts = feed.finish();
        counts.max_error = self.max_error;
        Ok(counts)
    }

    /// Pieces and counts sorted by piece bytes: a deterministic order for training.
    pub fn sorted(&self) -> Vec<(&[u8], u64)> {
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries
    }
}

impl FromIterator<(Vec<u8>, u64)> for Counts {
    fn from_iter<I: IntoIterator<Item = (Vec<u8>, u64)>>(iter: I) -> Self {
        let mut counts = Self::new();
        for (piece, count) in iter {
            counts.add(&piece, count);
        }
        counts
    }
}

/// The smallest threshold `t` such that at most `keep` of `counts` exceed it.
fn keep_threshold(counts: impl Iterator<Item = u64>, keep: usize) -> u64 {
    let mut counts: Vec<u64> = counts.collect();
    if counts.len() <= keep {
        return 0;
    }
    // Ascending, the entries above index `len - keep - 1` are the `keep` largest.
    let cut = counts.len() - keep - 1;
    *counts.select_nth_unstable(cut).1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(entries: &[(&str, u64)]) -> Counts {
        entries
            .iter()
            .map(|&(piece, count)| (piece.as_bytes().to_vec(), count))
            .collect()
    }

    #[test]
    fn keep_threshold_keeps_at_most_that_many() {
        let values = [5, 1, 3, 3, 2, 8];
        for keep in 0..=values.len() {
            let threshold = keep_threshold(values.iter().copied(), keep);
            let kept = values.iter().filter(|&&v| v > threshold).count();
            assert!(
                kept <= keep,
                "keep {keep}: threshold {threshold} keeps {kept}"
            );
            // One less would keep too many: the threshold is the smallest.
            if threshold > 0 {
                assert!(values.iter().filter(|&&v| v > threshold - 1).count() > keep);
            }
        }
    }

    #[test]
    fn prune_records_the_largest_dropped_count() {
        let mut table = counts(&[("a", 9), ("b", 4), ("c", 4), ("d", 1)]);
        table.prune(2, Some(2));
        assert_eq!(table, {
            let mut expected = counts(&[("a", 9)]);
            expected.max_error = 4;
            expected
        });
        let mut exact = counts(&[("a", 9), ("b", 4)]);
        exact.prune(0, None);
        assert_eq!(exact.max_error(), 0);
        assert_eq!(exact.len(), 2);
    }

    #[test]
    fn merge_refuses_pieces_cut_differently() {
        let config = |lines| PretokenizerConfig {
            spec: crate::PretokenizerSpec::Gpt2,
            lines,
            prefix_space: false,
        };
        let mut words = Counts::cut_by(config(false));
        words.add(b"a", 1);
        let lines = Counts::cut_by(config(true));
        let err = words.merge(&lines).unwrap_err().to_string();
        assert!(err.contains("gpt2 (lines)"), "{err}");
        words.merge(&Counts::cut_by(config(false))).unwrap();
        assert_eq!(words.get(b"a"), 1);
    }
}
