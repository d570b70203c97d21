//! LiB's segmentation: greedy steps and the two-path comparison shared by training
//! (counterfactual evaluation) and encoding (the two-path segmenter).

use super::Units;
use crate::trie::PrefixMatch;

/// What segmentation needs from a lexicon: prefix matches and ranks.
pub(crate) trait RankedUnits {
    /// The two longest units that are prefixes of `text[at..]`.
    fn prefixes(&self, text: &[u8], at: usize) -> PrefixMatch;
    /// Rank of a unit (0 = head, the most valuable).
    fn rank(&self, unit: u32) -> usize;
    /// Whether units are characters or bytes.
    fn units(&self) -> Units;
}

/// One chunk of a path: a unit, or an unknown symbol (`None`), ending at `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub unit: Option<u32>,
    pub end: usize,
}

/// The greedy step at `at`: the longest unit, or the single symbol when none matches.
pub(crate) fn greedy_step(lexicon: &impl RankedUnits, text: &[u8], at: usize) -> Chunk {
    match lexicon.prefixes(text, at).longest {
        Some((unit, len)) => Chunk {
            unit: Some(unit),
            end: at + len,
        },
        None => Chunk {
            unit: None,
            end: at + lexicon.units().symbol_len(text, at),
        },
    }
}

/// Extend `path` greedily from `at` until it reaches `until` or beyond; the new end.
pub(crate) fn extend_to(
    lexicon: &impl RankedUnits,
    text: &[u8],
    path: &mut Vec<Chunk>,
    mut at: usize,
    until: usize,
) -> usize {
    while at < until {
        let chunk = greedy_step(lexicon, text, at);
        path.push(chunk);
        at = chunk.end;
    }
    at
}

/// Whether the alternative path is better than the default one over the same span:
/// fewer unknown symbols, then fewer chunks, then a lower sum of ranks (of known units);
/// a full tie keeps the default.
pub(crate) fn alternative_is_better(
    lexicon: &impl RankedUnits,
    default: &[Chunk],
    alternative: &[Chunk],
) -> bool {
    let unknown = |path: &[Chunk]| path.iter().filter(|chunk| chunk.unit.is_none()).count();
    let shape = |path: &[Chunk]| (unknown(path), path.len());
    // Ranks are the costly part (a lookup each): sum them only on a tie of the rest.
    let rank_sum = |path: &[Chunk]| -> usize {
        path.iter()
            .filter_map(|chunk| chunk.unit)
            .map(|unit| lexicon.rank(unit))
            .sum()
    };
    match shape(alternative).cmp(&shape(default)) {
        std::cmp::Ordering::Equal => rank_sum(alternative) < rank_sum(default),
        order => order.is_lt(),
    }
}

/// Segment `text` with the two-path procedure, appending its chunks to `out`.
///
/// At each position where the longest unit spans several symbols and a shorter unit
/// also matches, both are rolled out greedily until their boundaries meet, and the whole
/// better path up to that point is kept.
pub(crate) fn two_path(lexicon: &impl RankedUnits, text: &[u8], out: &mut Vec<Chunk>) {
    let units = lexicon.units();
    let mut default = Vec::new();
    let mut alternative = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let found = lexicon.prefixes(text, at);
        let symbol = units.symbol_len(text, at);
        match (found.longest, found.shorter) {
            (Some((long, long_len)), Some((short, short_len))) if long_len > symbol => {
                default.clear();
                alternative.clear();
                default.push(Chunk {
                    unit: Some(long),
                    end: at + long_len,
                });
                alternative.push(Chunk {
                    unit: Some(short),
                    end: at + short_len,
                });
                let (mut default_end, mut alternative_end) = (at + long_len, at + short_len);
                while default_end != alternative_end {
                    // Extend whichever path is behind by one greedy step.
                    let (path, end) = if default_end < alternative_end {
                        (&mut default, &mut default_end)
                    } else {
                        (&mut alternative, &mut alternative_end)
                    };
                    let chunk = greedy_step(lexicon, text, *end);
                    path.push(chunk);
                    *end = chunk.end;
                }
                let better = if alternative_is_better(lexicon, &default, &alternative) {
                    &alternative
                } else {
                    &default
                };
                out.extend_from_slice(better);
                at = default_end;
            }
            // A single-symbol unit; or, as in the reference, the first symbol alone when
            // only a longer unit matches (the symbol is then unknown).
            (longest, _) => {
                let unit = longest
                    .filter(|&(_, len)| len == symbol)
                    .map(|(unit, _)| unit);
                at += symbol;
                out.push(Chunk { unit, end: at });
            }
        }
    }
}

/// Segment `text` by greedy longest match, appending its chunks to `out`.
pub(crate) fn greedy(lexicon: &impl RankedUnits, text: &[u8], out: &mut Vec<Chunk>) {
    extend_to(lexicon, text, out, 0, text.len());
}
