//! A decompounder after Koehn & Knight (2003), over a corpus's own word counts, and the
//! constituent-split counts that CompoundPiece trains on.
//!
//! A word is split into known words ("parts", looked up case-insensitively), each but
//! the last optionally followed by a linking element of its language (German
//! Fugenelemente: `Bund·es`, `Verfassung·s`). Among the splits into parts of at least
//! `min_part_length` characters seen at least `min_part_count` times, the one with the
//! highest geometric mean of part counts wins if it beats the word's own count (the
//! unsplit word competes as a one-part split). Only words of at least `min_word_length`
//! characters seen at most `max_word_count` times are considered.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::count::Counts;
use crate::{Error, Result};

/// Linking elements by language (ISO 639-1), the empty link included; common ones from
/// the grammars of these languages, not an exhaustive list.
pub const LINKING_ELEMENTS: &[(&str, &[&str])] = &[
    ("de", &["", "s", "es", "n", "en", "e", "er", "ens"]),
    ("nl", &["", "s", "e", "en"]),
    ("sv", &["", "s", "a", "u", "o", "e"]),
    ("da", &["", "s", "e"]),
    ("no", &["", "s", "e"]),
    ("is", &["", "s", "a", "u"]),
];

/// One constituent of a word: byte ranges of its part and of the linking element after
/// it (empty for none); together the constituents spell the word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Constituent {
    /// Byte offset of the part's first byte in the word.
    pub start: usize,
    /// Byte offset where the linking element starts (the part's end).
    pub link_start: usize,
    /// Byte offset after the linking element.
    pub end: usize,
}

/// The options of a [`Decompounder`].
#[derive(Clone, Debug)]
pub struct DecompoundOptions {
    /// Linking elements allowed after a part (the empty one included).
    pub linking_elements: Vec<String>,
    /// Shortest part, in characters.
    pub min_part_length: usize,
    /// Least count of a part in the word counts.
    pub min_part_count: u64,
    /// Shortest word considered for splitting, in characters.
    pub min_word_length: usize,
    /// Words seen more often are never split (`None`: no limit).
    pub max_word_count: Option<u64>,
}

impl DecompoundOptions {
    /// The defaults for `language` (ISO 639-1; see [`LINKING_ELEMENTS`]).
    pub fn for_language(language: &str) -> Result<Self> {
        let linking = LINKING_ELEMENTS
            .iter()
            .find(|(code, _)| *code == language)
            .map(|(_, links)| links.iter().map(|link| (*link).to_owned()).collect())
            .ok_or_else(|| {
                let known: Vec<&str> = LINKING_ELEMENTS.iter().map(|(code, _)| *code).collect();
                Error::argument(
                    "lang",
                    format!("{language:?} is not one of {}", known.join(", ")),
                )
            })?;
        Ok(Self {
            linking_elements: linking,
            min_part_length: 4,
            min_part_count: 5,
            min_word_length: 8,
            max_word_count: None,
        })
    }
}

/// Splits words into constituents by the counts of their parts.
#[derive(Clone, Debug)]
pub struct Decompounder {
    /// Lowercased word → count.
    lexicon: FxHashMap<String, u64>,
    options: DecompoundOptions,
}

/// The alphabetic core of a counted piece: the text after its leading non-letters (a
/// pretokenizer's leading space), if everything after them is a letter.
fn word_core(piece: &str) -> Option<(usize, &str)> {
    let start = piece.find(char::is_alphabetic)?;
    let core = &piece[start..];
    core.chars()
        .all(char::is_alphabetic)
        .then_some((start, core))
}

impl Decompounder {
    /// A decompounder over `counts` (pieces as the feed counts them: a leading space is
    /// ignored, pieces that are not words skipped; counts are summed over case).
    pub fn new(counts: &Counts, options: DecompoundOptions) -> Result<Self> {
        if options.min_part_length == 0 {
            return Err(Error::argument("min_part_length", "must be at least 1"));
        }
        if !options.linking_elements.iter().any(String::is_empty) {
            return Err(Error::argument(
                "linking_elements",
                "must include the empty linking element",
            ));
        }
        let mut lexicon: FxHashMap<String, u64> = FxHashMap::default();
        for (piece, count) in counts.iter() {
            if let Some((_, core)) = std::str::from_utf8(piece).ok().and_then(word_core) {
                *lexicon.entry(core.to_lowercase()).or_default() += count;
            }
        }
        Ok(Self { lexicon, options })
    }

    /// The count of `word` (case-insensitive).
    pub fn count(&self, word: &str) -> u64 {
        self.lexicon.get(&word.to_lowercase()).copied().unwrap_or(0)
    }

    /// The constituents of `word` (one, spanning it, when it is not split).
    pub fn split(&self, word: &str) -> Vec<Constituent> {
        let whole = vec![Constituent {
            start: 0,
            link_start: word.len(),
            end: word.len(),
        }];
        let options = &self.options;
        let word_count = self.count(word);
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        if chars.len() < options.min_word_length
            || chars.len() < 2 * options.min_part_length
            || options
                .max_word_count
                .is_some_and(|limit| word_count > limit)
        {
            return whole;
        }
        // Lowercase per character, so that character i of `word` is
        // `lower[lower_offsets[i]..lower_offsets[i + 1]]` (lowercasing may change lengths).
        let mut lower = String::with_capacity(word.len());
        let mut lower_offsets = Vec::with_capacity(chars.len() + 1);
        for (_, c) in &chars {
            lower_offsets.push(lower.len());
            lower.extend(c.to_lowercase());
        }
        lower_offsets.push(lower.len());
        let offsets: Vec<usize> = chars
            .iter()
            .map(|(offset, _)| *offset)
            .chain([word.len()])
            .collect();
        let n = chars.len();
        let text = |from: usize, to: usize| &lower[lower_offsets[from]..lower_offsets[to]];
        // The known parts from each start: (end, ln count).
        let parts_from: Vec<Vec<(usize, f64)>> = (0..n)
            .map(|start| {
                (start + options.min_part_length..=n)
                    .filter_map(|end| {
                        let count = self.lexicon.get(text(start, end)).copied().unwrap_or(0);
                        (count >= options.min_part_count.max(1)).then(|| (end, (count as f64).ln()))
                    })
                    .collect()
            })
            .collect();
        let max_parts = n / options.min_part_length;
        // best[k][i]: the highest sum of ln counts of k parts (with links) spelling the
        // first i characters, and how: (previous cut, link start).
        let mut best = vec![vec![None::<(f64, usize, usize)>; n + 1]; max_parts + 1];
        best[0][0] = Some((0.0, 0, 0));
        for parts in 1..=max_parts {
            for start in 0..n {
                let Some((sum, _, _)) = best[parts - 1][start] else {
                    continue;
                };
                for &(part_end, log_count) in &parts_from[start] {
                    for link in &options.linking_elements {
                        let end = part_end + link.chars().count();
                        // The last part takes no linking element.
                        if end > n || (end == n && !link.is_empty()) || text(part_end, end) != link
                        {
                            continue;
                        }
                        let candidate = sum + log_count;
                        if best[parts][end].is_none_or(|(score, _, _)| candidate > score) {
                            best[parts][end] = Some((candidate, start, part_end));
                        }
                    }
                }
            }
        }
        let mut chosen = None;
        let mut chosen_score = (word_count as f64).ln();
        for (parts, row) in best.iter().enumerate().skip(2) {
            if let Some((sum, _, _)) = row[n] {
                let mean = sum / parts as f64;
                if mean > chosen_score {
                    chosen_score = mean;
                    chosen = Some(parts);
                }
            }
        }
        let Some(mut parts) = chosen else {
            return whole;
        };
        let mut constituents = Vec::with_capacity(parts);
        let mut end = n;
        while parts > 0 {
            let (_, start, link_start) = best[parts][end].expect("a chosen split is complete");
            constituents.push(Constituent {
                start: offsets[start],
                link_start: offsets[link_start],
                end: offsets[end],
            });
            end = start;
            parts -= 1;
        }
        constituents.reverse();
        constituents
    }

    /// Counts whose compound words are replaced by their constituents, each counted as a
    /// separate piece with the word's count: the first keeps the piece's leading
    /// characters (a space), the others are word-internal. A trainer on these counts
    /// learns no token that spans a constituent boundary (CompoundPiece).
    pub fn constituent_counts(&self, counts: &Counts, pool: &rayon::ThreadPool) -> Counts {
        let entries: Vec<(&[u8], u64)> = counts.iter().collect();
        let split: Vec<(Vec<Vec<u8>>, u64)> = pool.install(|| {
            entries
                .par_iter()
                .map(|&(piece, count)| (self.split_piece(piece), count))
                .collect()
        });
        let mut out = counts.derived();
        for (pieces, count) in split {
            for piece in pieces {
                out.add(&piece, count);
            }
        }
        out
    }

    /// The constituents of one counted piece, its leading characters kept on the first.
    fn split_piece(&self, piece: &[u8]) -> Vec<Vec<u8>> {
        let Some((prefix, core)) = std::str::from_utf8(piece).ok().and_then(word_core) else {
            return vec![piece.to_vec()];
        };
        self.split(core)
            .iter()
            .enumerate()
            .map(|(index, constituent)| {
                let start = if index == 0 {
                    0
                } else {
                    prefix + constituent.start
                };
                piece[start..prefix + constituent.end].to_vec()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decompounder(words: &[(&str, u64)]) -> Decompounder {
        let counts = words
            .iter()
            .map(|(word, count)| (word.as_bytes().to_vec(), *count))
            .collect();
        Decompounder::new(&counts, DecompoundOptions::for_language("de").unwrap()).unwrap()
    }

    fn surfaces(decompounder: &Decompounder, word: &str) -> Vec<String> {
        decompounder
            .split(word)
            .iter()
            .map(|part| word[part.start..part.end].to_owned())
            .collect()
    }

    #[test]
    fn splits_with_linking_elements() {
        let counts = [
            ("Bund", 900),
            (" Verfassung", 300),
            (" Gericht", 800),
            ("Bundesverfassungsgericht", 20),
            (" kinder", 700),
            (" Garten", 500),
            (" Kindergarten", 40),
            (" Beispiel", 1000),
            (" Tomate", 50),
        ];
        let de = decompounder(&counts);
        assert_eq!(
            surfaces(&de, "Bundesverfassungsgericht"),
            ["Bundes", "verfassungs", "gericht"]
        );
        let parts = de.split("Bundesverfassungsgericht");
        assert_eq!(
            &"Bundesverfassungsgericht"[parts[0].link_start..parts[0].end],
            "es"
        );
        assert_eq!(surfaces(&de, "Kindergarten"), ["Kinder", "garten"]);
        assert_eq!(surfaces(&de, "Beispiel"), ["Beispiel"]);
        assert_eq!(surfaces(&de, "Tomatengarten"), ["Tomaten", "garten"]);
    }

    #[test]
    fn frequent_words_and_unknown_parts_stay_whole() {
        let de = decompounder(&[("haus", 10), ("tür", 10), ("haustür", 1000), ("xyzwort", 3)]);
        assert_eq!(surfaces(&de, "Haustürschlüssel"), ["Haustürschlüssel"]);
        assert_eq!(surfaces(&de, "haustür"), ["haustür"]);
    }

    #[test]
    fn constituent_counts_keep_the_leading_space_on_the_first() {
        let counts: Counts = [
            (b" Garten".to_vec(), 50),
            (b" Kinder".to_vec(), 50),
            (b" Kindergarten".to_vec(), 3),
        ]
        .into_iter()
        .collect();
        let de =
            Decompounder::new(&counts, DecompoundOptions::for_language("de").unwrap()).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let split = de.constituent_counts(&counts, &pool);
        assert_eq!(split.get(b" Kinder"), 53);
        assert_eq!(split.get(b"garten"), 3);
        assert_eq!(split.get(b" Kindergarten"), 0);
        assert_eq!(split.total(), counts.total() + 3);
    }
}
