//! Unigram language-model tokenization (Kudo 2018; SentencePiece's default).
//!
//! A vocabulary of pieces with log-probabilities; a text is segmented into the pieces
//! whose scores sum highest (Viterbi), or sampled from the lattice of all segmentations
//! (subword regularization). [`UnigramTrainer`] learns the pieces by EM with pruning.

pub mod lattice;
pub mod trainer;

use crate::model::{append_specials, Units};
use crate::trie::UnitTrie;
use crate::{Error, Result};

pub use lattice::Lattice;
use lattice::PieceTable;
pub use trainer::UnigramTrainer;

/// The score penalty of an unknown character below the lowest score in the vocabulary:
/// SentencePiece's and HF tokenizers' value, so that Viterbi paths agree with theirs.
pub const UNKNOWN_PENALTY: f64 = 10.0;

/// How far below the lowest piece score the byte-fallback tokens, `<unk>` and the
/// special tokens are scored. HF's Unigram model matches every token of its vocabulary
/// against the text, these included; this score keeps it from preferring, say, the token
/// `<0x41>` to the pieces that spell the text "<0x41>".
pub const NON_PIECE_PENALTY: f64 = 1000.0;

/// The unknown token of character-unit models (HF's Unigram needs one; fasttok never
/// emits it: unknown characters fall back to their bytes).
pub const UNKNOWN_TOKEN: &str = "<unk>";

/// A Unigram vocabulary: pieces by id with their scores (log-probabilities); for
/// character units 256 byte-fallback tokens and `<unk>` follow; then the special tokens.
#[derive(Clone, Debug)]
pub struct UnigramModel {
    vocab: Vec<Vec<u8>>,
    /// Scores of every id (pieces, fallback tokens, `<unk>`, specials), as HF stores them.
    scores: Vec<f64>,
    piece_count: usize,
    units: Units,
    trie: UnitTrie,
    /// Longest piece in bytes: bounds every trie walk.
    max_piece_bytes: usize,
    /// Score of an unknown character in the lattice (HF's: below every score it holds).
    unknown_score: f64,
    /// The lowest piece score.
    lowest_piece_score: f64,
    /// Id of the fallback token of each byte (character units).
    fallback_ids: Option<Box<[u32; 256]>>,
    specials: Vec<(String, u32)>,
}

impl PartialEq for UnigramModel {
    fn eq(&self, other: &Self) -> bool {
        self.vocab == other.vocab
            && self.scores == other.scores
            && self.piece_count == other.piece_count
            && self.units == other.units
    }
}

/// The double nearest to `score` written with 15 significant digits. JSON readers that
/// do not round 17-digit numbers correctly (HF tokenizers' reads some an ulp off) read
/// such a score exactly, so Viterbi ties between equal sums break alike in both (found by
/// the `slow` hypothesis profile: `"\x08%%%"` as `%%·%` here, `%·%%` in HF).
pub(crate) fn portable(score: f64) -> f64 {
    format!("{score:.14e}").parse().unwrap_or(score)
}

impl UnigramModel {
    /// A model of `pieces` (distinct, non-empty byte strings with finite scores), ids in
    /// the given order. Byte units gain the bytes missing among them (scored
    /// [`UNKNOWN_PENALTY`] below the lowest piece); character units gain 256 byte-fallback
    /// tokens and `<unk>`.
    pub fn new(
        pieces: Vec<(Vec<u8>, f64)>,
        units: Units,
        special_tokens: &[String],
    ) -> Result<Self> {
        let mut trie = UnitTrie::with_capacity(pieces.iter().map(|(piece, _)| piece.len()).sum());
        for (id, (piece, score)) in pieces.iter().enumerate() {
            if piece.is_empty() || trie.get(piece).is_some() {
                return Err(Error::argument(
                    "pieces",
                    format!("piece {id} is empty or repeated"),
                ));
            }
            if !score.is_finite() {
                return Err(Error::argument(
                    "pieces",
                    format!("piece {id} has the score {score}"),
                ));
            }
            if units == Units::Chars && std::str::from_utf8(piece).is_err() {
                return Err(Error::argument(
                    "pieces",
                    format!("piece {id} is not UTF-8 text (character units)"),
                ));
            }
            trie.insert(piece, id as u32);
        }
        let lowest_piece = pieces
            .iter()
            .map(|(_, score)| *score)
            .reduce(f64::min)
            .unwrap_or(0.0);
        let (mut vocab, mut scores): (Vec<Vec<u8>>, Vec<f64>) = pieces.into_iter().unzip();
        let mut fallback_ids = None;
        match units {
            Units::Bytes => {
                for byte in 0..=255u8 {
                    if trie.get(&[byte]).is_none() {
                        trie.insert(&[byte], vocab.len() as u32);
                        vocab.push(vec![byte]);
                        scores.push(portable(lowest_piece - UNKNOWN_PENALTY));
                    }
                }
            }
            Units::Chars => {
                let first = vocab.len() as u32;
                fallback_ids = Some(Box::new(std::array::from_fn(|byte| first + byte as u32)));
                vocab.extend((0..=255u8).map(|byte| vec![byte]));
                vocab.push(UNKNOWN_TOKEN.as_bytes().to_vec());
            }
        }
        let piece_count = scores.len();
        // Computed after the missing bytes are added, so that a model read back from its
        // export (where those bytes are ordinary pieces) gets the same scores.
        let lowest = scores.iter().copied().reduce(f64::min).unwrap_or(0.0);
        let max_piece_bytes = vocab[..piece_count].iter().map(Vec::len).max().unwrap_or(0);
        let specials = append_specials(&mut vocab, special_tokens);
        scores.resize(vocab.len(), portable(lowest - NON_PIECE_PENALTY));
        // HF derives the unknown score from every score its vocabulary holds.
        let unknown_score = scores.iter().copied().fold(lowest, f64::min) - UNKNOWN_PENALTY;
        Ok(Self {
            vocab,
            scores,
            piece_count,
            units,
            trie,
            max_piece_bytes,
            unknown_score,
            lowest_piece_score: lowest,
            fallback_ids,
            specials,
        })
    }

    /// Whether pieces are made of characters or bytes.
    pub fn unit_kind(&self) -> Units {
        self.units
    }

    /// Token bytes by id (byte-fallback tokens are their byte; specials their text).
    pub fn vocab(&self) -> &[Vec<u8>] {
        &self.vocab
    }

    /// Score (log-probability) of every id; non-pieces are scored
    /// [`NON_PIECE_PENALTY`] below the lowest piece.
    pub fn scores(&self) -> &[f64] {
        &self.scores
    }

    /// Number of pieces (ids `0..piece_count()`).
    pub fn piece_count(&self) -> usize {
        self.piece_count
    }

    /// Special tokens and their ids.
    pub fn specials(&self) -> &[(String, u32)] {
        &self.specials
    }

    /// Id of the byte-fallback token of `byte` (character units only).
    pub fn fallback_id(&self, byte: u8) -> Option<u32> {
        self.fallback_ids.as_ref().map(|ids| ids[byte as usize])
    }

    /// Id of the piece spelled `bytes`.
    pub fn piece_id(&self, bytes: &[u8]) -> Option<u32> {
        self.trie.get(bytes)
    }

    /// The lattice of every segmentation of `text` into pieces (unknown characters as
    /// single nodes without an id).
    pub fn lattice(&self, text: &[u8]) -> Lattice {
        Lattice::build(self.table(), text)
    }

    fn table(&self) -> PieceTable<'_> {
        PieceTable {
            units: self.units,
            trie: &self.trie,
            max_piece_bytes: self.max_piece_bytes,
            scores: &self.scores,
            unknown_score: self.unknown_score,
        }
    }

    /// Append the ids of the best segmentation of one piece of text (Viterbi; ties go as
    /// in HF tokenizers: the path first reached).
    pub fn encode_piece(&self, piece: &[u8], ids: &mut Vec<u32>) {
        let path = self.table().viterbi(piece);
        self.emit(piece, &path, ids);
    }

    /// Append the ids of a segmentation of `piece` drawn with probability proportional
    /// to its likelihood raised to `alpha` (subword regularization).
    pub fn sample_piece(
        &self,
        piece: &[u8],
        alpha: f64,
        rng: &mut impl rand_core::RngCore,
        ids: &mut Vec<u32>,
    ) {
        let path = self.lattice(piece).sample(alpha, rng);
        self.emit(piece, &path, ids);
    }

    /// The log-probability of the best segmentation of `piece`; an unknown character
    /// scores [`UNKNOWN_PENALTY`] below the lowest piece, as in SentencePiece.
    pub fn best_score(&self, piece: &[u8]) -> f64 {
        self.table()
            .viterbi(piece)
            .iter()
            .map(|step| {
                step.id
                    .map_or(self.lowest_piece_score - UNKNOWN_PENALTY, |id| {
                        self.scores[id as usize]
                    })
            })
            .sum()
    }

    /// Append the ids of `path` over `piece`: unknown characters become their bytes'
    /// fallback tokens.
    fn emit(&self, piece: &[u8], path: &[lattice::Step], ids: &mut Vec<u32>) {
        let mut start = 0;
        for step in path {
            match (step.id, &self.fallback_ids) {
                (Some(id), _) => ids.push(id),
                (None, Some(fallback)) => ids.extend(
                    piece[start..step.end]
                        .iter()
                        .map(|&byte| fallback[byte as usize]),
                ),
                // Byte units hold every byte: no character is unknown.
                (None, None) => {}
            }
            start = step.end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Feed, Pretokenizer, Progress};

    fn model(pieces: &[(&str, f64)]) -> UnigramModel {
        let pieces = pieces
            .iter()
            .map(|(piece, score)| (piece.as_bytes().to_vec(), *score))
            .collect();
        UnigramModel::new(pieces, Units::Chars, &[]).unwrap()
    }

    #[test]
    fn viterbi_takes_the_best_sum_and_falls_back_to_bytes() {
        let unigram = model(&[("a", -1.0), ("b", -1.0), ("ab", -3.0), ("abb", -2.5)]);
        let mut ids = Vec::new();
        unigram.encode_piece(b"abab", &mut ids);
        assert_eq!(ids, [0, 1, 0, 1]); // 4 × −1 beats "ab" twice (−6)
        ids.clear();
        unigram.encode_piece("abbé".as_bytes(), &mut ids);
        let e_acute = "é".as_bytes();
        let fallback = |byte| unigram.fallback_id(byte).unwrap();
        assert_eq!(ids, [3, fallback(e_acute[0]), fallback(e_acute[1])]);
        let model = crate::Model::Unigram(unigram.clone());
        assert_eq!(model.decode_bytes(&ids).unwrap(), "abbé".as_bytes());
        assert_eq!(unigram.best_score(b"abb"), -2.5);
    }

    #[test]
    fn training_is_exact_in_size_and_independent_of_threads() {
        let text = "the cat sat on the mat, the dog sat on the log; cats and dogs ".repeat(50);
        let pretokenizer = Pretokenizer::from_name_or_pattern("gpt2").unwrap();
        let progress = Progress::new();
        let train = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut feed = Feed::new(&pretokenizer, &pool, &progress);
            feed.add_documents(&[text.as_str()]).unwrap();
            let counts = feed.finish();
            let trainer = UnigramTrainer {
                vocab_size: 280,
                special_tokens: vec!["<s>".into()],
                ..UnigramTrainer::default()
            };
            trainer.train(&counts, &pool, &progress).unwrap()
        };
        let one = train(1);
        assert_eq!(one.vocab().len(), 280);
        assert_eq!(one, train(3));
        // Learned scores survive 15 significant digits, so every JSON reader gets them.
        for &score in &one.scores()[..one.piece_count()] {
            assert_eq!(format!("{score:.14e}").parse::<f64>().unwrap(), score);
        }
        let mut ids = Vec::new();
        one.encode_piece(b" cats", &mut ids);
        let model = crate::Model::Unigram(one);
        assert_eq!(model.decode_bytes(&ids).unwrap(), b" cats");
    }
}
