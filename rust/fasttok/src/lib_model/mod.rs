//! LiB (Less-is-Better; Yang, van den Bosch, Frank): a lexicon learned by reading,
//! memorizing adjacent chunks and forgetting what does not pay, with a two-path
//! segmenter.
//!
//! [`LibTrainer`] learns a ranked lexicon ([`trainer`]); [`LibModel`] holds it with ids in
//! rank order and segments text with the two-path procedure or greedy longest match.

mod ahead;
mod ranks;
mod segment;
pub mod trainer;

use serde::{Deserialize, Serialize};

pub use trainer::LibTrainer;

use crate::model::{append_specials, Units};
use crate::trie::{PrefixMatch, UnitTrie};
use crate::{Error, Result};
use segment::{Chunk, RankedUnits};

/// How a LiB model segments text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Segmenter {
    /// The reference's two-path procedure: at each multi-symbol match, the longest and
    /// the next-shorter start are rolled out until they meet; fewer unknowns, then fewer
    /// chunks, then the lower rank sum wins.
    #[default]
    TwoPath,
    /// Greedy longest match (what HF's `WordPiece` does).
    Greedy,
}

/// A LiB vocabulary: units in rank order (id = rank), then, for character units, 256
/// byte-fallback tokens, then the special tokens.
#[derive(Clone, Debug)]
pub struct LibModel {
    vocab: Vec<Vec<u8>>,
    unit_count: usize,
    units: Units,
    segmenter: Segmenter,
    trie: UnitTrie,
    /// Longest unit in bytes: bounds every trie walk.
    max_unit_bytes: usize,
    /// Id of the fallback token of byte 0 (character units); ids of the byte units
    /// otherwise.
    byte_ids: [u32; 256],
    specials: Vec<(String, u32)>,
}

impl PartialEq for LibModel {
    fn eq(&self, other: &Self) -> bool {
        self.vocab == other.vocab
            && self.unit_count == other.unit_count
            && self.units == other.units
            && self.segmenter == other.segmenter
    }
}

impl Eq for LibModel {}

impl RankedUnits for LibModel {
    fn prefixes(&self, text: &[u8], at: usize) -> PrefixMatch {
        self.trie.prefixes(text, at, self.max_unit_bytes)
    }

    fn rank(&self, unit: u32) -> usize {
        unit as usize
    }

    fn units(&self) -> Units {
        self.units
    }
}

/// The text of byte-fallback token `byte`, as SentencePiece and HF write it.
pub fn fallback_token(byte: u8) -> String {
    format!("<0x{byte:02X}>")
}

impl LibModel {
    /// A model of `units` (distinct byte strings, best first). Byte units gain the bytes
    /// not among them at the end; character units gain 256 byte-fallback tokens.
    pub fn new(units: Vec<Vec<u8>>, unit_kind: Units, special_tokens: &[String]) -> Result<Self> {
        let mut trie = UnitTrie::with_capacity(units.iter().map(Vec::len).sum());
        for (id, unit) in units.iter().enumerate() {
            if unit.is_empty() || trie.insert(unit, id as u32).is_none() {
                return Err(Error::argument(
                    "units",
                    format!("unit {id} is empty or repeated"),
                ));
            }
        }
        Self::with_trie(units, trie, unit_kind, special_tokens)
    }

    /// [`new`](Self::new) with `trie` holding each of `units` (distinct and not empty)
    /// by its index: the trainer's own trie, renumbered, needs no second one built.
    pub(crate) fn with_trie(
        units: Vec<Vec<u8>>,
        mut trie: UnitTrie,
        unit_kind: Units,
        special_tokens: &[String],
    ) -> Result<Self> {
        let mut vocab = units;
        let mut byte_ids = [0u32; 256];
        match unit_kind {
            Units::Bytes => {
                for byte in 0..=255u8 {
                    let id = trie.get(&[byte]).unwrap_or_else(|| {
                        vocab.push(vec![byte]);
                        let id = (vocab.len() - 1) as u32;
                        trie.insert(&[byte], id);
                        id
                    });
                    byte_ids[byte as usize] = id;
                }
            }
            Units::Chars => {
                if let Some(unit) = vocab
                    .iter()
                    .position(|unit| std::str::from_utf8(unit).is_err())
                {
                    return Err(Error::argument(
                        "units",
                        format!("unit {unit} is not UTF-8 text (character units)"),
                    ));
                }
                for byte in 0..=255u8 {
                    byte_ids[byte as usize] = vocab.len() as u32;
                    vocab.push(vec![byte]);
                }
            }
        }
        let unit_count = match unit_kind {
            Units::Bytes => vocab.len(),
            Units::Chars => vocab.len() - 256,
        };
        let max_unit_bytes = vocab[..unit_count].iter().map(Vec::len).max().unwrap_or(0);
        let specials = append_specials(&mut vocab, special_tokens);
        Ok(Self {
            vocab,
            unit_count,
            units: unit_kind,
            segmenter: Segmenter::default(),
            trie,
            max_unit_bytes,
            byte_ids,
            specials,
        })
    }

    /// The same model with another segmenter.
    pub fn with_segmenter(mut self, segmenter: Segmenter) -> Self {
        self.segmenter = segmenter;
        self
    }

    /// The segmenter.
    pub fn segmenter(&self) -> Segmenter {
        self.segmenter
    }

    /// Whether units are characters or bytes.
    pub fn unit_kind(&self) -> Units {
        self.units
    }

    /// Token bytes by id (byte-fallback tokens are their byte; specials their text).
    pub fn vocab(&self) -> &[Vec<u8>] {
        &self.vocab
    }

    /// Number of lexicon units (ids `0..unit_count()`, in rank order).
    pub fn unit_count(&self) -> usize {
        self.unit_count
    }

    /// Number of tokens, special tokens included.
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// Special tokens and their ids.
    pub fn specials(&self) -> &[(String, u32)] {
        &self.specials
    }

    /// Id of the byte-fallback token of `byte` (character units only).
    pub fn fallback_id(&self, byte: u8) -> Option<u32> {
        (self.units == Units::Chars).then_some(self.byte_ids[byte as usize])
    }

    /// Id of the unit spelled `bytes`.
    pub fn unit_id(&self, bytes: &[u8]) -> Option<u32> {
        self.trie.get(bytes)
    }

    /// Append the ids of one piece of text.
    pub fn encode_piece(&self, piece: &[u8], ids: &mut Vec<u32>) {
        let mut chunks: Vec<Chunk> = Vec::with_capacity(piece.len() / 2);
        match self.segmenter {
            Segmenter::TwoPath => segment::two_path(self, piece, &mut chunks),
            Segmenter::Greedy => segment::greedy(self, piece, &mut chunks),
        }
        let mut start = 0;
        for chunk in chunks {
            match chunk.unit {
                Some(unit) => ids.push(unit),
                None => ids.extend(
                    piece[start..chunk.end]
                        .iter()
                        .map(|&byte| self.byte_ids[byte as usize]),
                ),
            }
            start = chunk.end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(units: &[&str]) -> LibModel {
        let units = units.iter().map(|unit| unit.as_bytes().to_vec()).collect();
        LibModel::new(units, Units::Chars, &[]).unwrap()
    }

    fn pieces(model: &LibModel, text: &str) -> Vec<String> {
        let mut ids = Vec::new();
        model.encode_piece(text.as_bytes(), &mut ids);
        ids.iter()
            .map(|&id| String::from_utf8_lossy(&model.vocab()[id as usize]).into_owned())
            .collect()
    }

    #[test]
    fn two_path_prefers_fewer_chunks() {
        // Greedy takes "ab" and then needs "c", "d"; the shorter start "a" reaches
        // "bcd" in one unit: 2 chunks against 3.
        let lib = model(&["a", "b", "c", "d", "ab", "bcd"]);
        assert_eq!(pieces(&lib, "abcd"), ["a", "bcd"]);
        let greedy = lib.clone().with_segmenter(Segmenter::Greedy);
        assert_eq!(pieces(&greedy, "abcd"), ["ab", "c", "d"]);
    }

    #[test]
    fn ties_go_to_the_lower_rank_sum_then_the_longest() {
        // "ab|c" and "a|bc" both have 2 chunks; ranks 4+2 against 0+5.
        let lib = model(&["a", "b", "c", "x", "ab", "bc"]);
        assert_eq!(pieces(&lib, "abc"), ["a", "bc"]);
        let lib = model(&["ab", "a", "b", "c", "bc"]);
        assert_eq!(pieces(&lib, "abc"), ["ab", "c"]);
    }

    #[test]
    fn unknown_characters_fall_back_to_bytes() {
        let lib = model(&["a", "b", "ab"]);
        let mut ids = Vec::new();
        lib.encode_piece("aé b".as_bytes(), &mut ids);
        let model = crate::Model::Lib(lib.clone());
        assert_eq!(model.decode_bytes(&ids).unwrap(), "aé b".as_bytes());
        assert_eq!(ids[1], lib.fallback_id(0xc3).unwrap());
    }
}
