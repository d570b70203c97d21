//! Pretokenizers: split text into the pieces that BPE merges never cross.
//!
//! # Engines
//!
//! * The named patterns (gpt2, cl100k, o200k) run on hand-written splitters (module
//!   `named`): one pass over character classes read from the regex crate's own Unicode
//!   tables, 3–4× faster than the regex engine and giving exactly its pieces (the regex
//!   engine is their oracle in the tests).
//! * Custom patterns run on the DFA engine (module `dfa`): a leftmost-first
//!   `regex_automata::meta::Regex` with the `\s+(?!\S)` look-ahead restored exactly.
//! * Patterns the DFA engine cannot express (other look-arounds, back-references) run on
//!   fancy-regex.
//!
//! All engines implement HF's `Split(behavior="Isolated")`: text between matches is kept
//! as a piece of its own, so no byte is ever lost.

mod classes;
mod dfa;
mod named;

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};
use dfa::DfaSplitter;
use named::{NamedPattern, NamedSplitter};

/// GPT-2's pattern (also r50k/p50k, and HF's `ByteLevel(use_regex=True)`).
pub const GPT2_PATTERN: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
/// GPT-4's `cl100k_base` pattern, as tiktoken ships it.
pub const CL100K_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";
/// GPT-4o's `o200k_base` pattern, as tiktoken ships it.
pub const O200K_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|",
    r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
);

/// cl100k without its possessive quantifiers, which the DFA engine lacks: the oracle of
/// the cl100k splitter. Each possessive quantifier there ends its alternative or is
/// followed by a disjoint class, so dropping it changes no match (checked against the
/// Python `regex` package in the test-suite).
#[cfg(test)]
const CL100K_DFA_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+$|\s*[\r\n]|\s+(?!\S)|\s";

/// SuperBPE's paper-era stage-1 `Split` pattern, applied after HF's `Digits`: GPT-2's
/// pattern without contractions, plus the digit-group split.
pub const SUPERBPE_STAGE1_PATTERN: &str =
    r"(?=(\d{3})+(?!\d))| ?\p{L}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";
/// SuperBPE's paper-era stage-2 `Split` pattern, applied after HF's `Digits`: only digit
/// runs are cut, into groups of three from the right.
pub const SUPERBPE_STAGE2_PATTERN: &str = r"(?=(\d{3})+(?!\d))";
/// SuperBPE's revised (2025) stage-1 pattern: o200k without contractions.
pub const SUPERBPE_2025_STAGE1_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|",
    r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
);
/// SuperBPE's revised (2025) stage-2 pattern: digits in threes from the left, runs of two
/// or more punctuation marks, and spaces but the one before a word.
pub const SUPERBPE_2025_STAGE2_PATTERN: &str = r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]{2,}[\r\n/]*| +(?!\S)";

/// Which pattern a pretokenizer applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "pattern")]
pub enum PretokenizerSpec {
    /// [`GPT2_PATTERN`].
    #[serde(rename = "gpt2")]
    Gpt2,
    /// [`CL100K_PATTERN`].
    #[serde(rename = "cl100k")]
    Cl100k,
    /// [`O200K_PATTERN`].
    #[serde(rename = "o200k")]
    O200k,
    /// SuperBPE stage 1 as in the paper: HF `Digits`, then [`SUPERBPE_STAGE1_PATTERN`].
    #[serde(rename = "superbpe-stage1")]
    SuperbpeStage1,
    /// SuperBPE stage 2 as in the paper: HF `Digits`, then [`SUPERBPE_STAGE2_PATTERN`].
    #[serde(rename = "superbpe-stage2")]
    SuperbpeStage2,
    /// [`SUPERBPE_2025_STAGE1_PATTERN`].
    #[serde(rename = "superbpe-2025-stage1")]
    Superbpe2025Stage1,
    /// [`SUPERBPE_2025_STAGE2_PATTERN`].
    #[serde(rename = "superbpe-2025-stage2")]
    Superbpe2025Stage2,
    /// No splitting: each text (each line, with [`Pretokenizer::with_lines`]) is a piece.
    #[serde(rename = "none")]
    Whole,
    /// Any other regex (Python `regex` / Oniguruma syntax, incl. `\p{..}` classes).
    #[serde(rename = "custom")]
    Custom(String),
}

/// Where the feed may cut a text at a `\n` without changing any piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NewlineCut {
    /// Before a `\n` that follows an ASCII letter or digit.
    Before,
    /// After every `\n` (lines become separate sequences).
    After,
    /// Nowhere: a text is one sequence.
    Never,
}

impl PretokenizerSpec {
    /// The named specs, in the order their names are listed to users.
    pub const NAMED: [Self; 8] = [
        Self::Gpt2,
        Self::Cl100k,
        Self::O200k,
        Self::SuperbpeStage1,
        Self::SuperbpeStage2,
        Self::Superbpe2025Stage1,
        Self::Superbpe2025Stage2,
        Self::Whole,
    ];

    /// A named spec (see [`Self::name`]; also `r50k`, `p50k`, `gpt4`, `gpt4o`) or else a
    /// custom pattern.
    pub fn from_name_or_pattern(name_or_pattern: &str) -> Self {
        match name_or_pattern {
            "r50k" | "p50k" => Self::Gpt2,
            "gpt4" => Self::Cl100k,
            "gpt4o" => Self::O200k,
            name => Self::NAMED
                .into_iter()
                .find(|spec| spec.name() == name)
                .unwrap_or_else(|| Self::Custom(name.to_owned())),
        }
    }

    /// The canonical `Split` pattern, as exported to HF `tokenizer.json` and tiktoken
    /// (empty for [`Self::Whole`]; the SuperBPE paper specs also need HF's `Digits`, see
    /// [`Self::isolates_digits`]).
    pub fn pattern(&self) -> &str {
        match self {
            Self::Gpt2 => GPT2_PATTERN,
            Self::Cl100k => CL100K_PATTERN,
            Self::O200k => O200K_PATTERN,
            Self::SuperbpeStage1 => SUPERBPE_STAGE1_PATTERN,
            Self::SuperbpeStage2 => SUPERBPE_STAGE2_PATTERN,
            Self::Superbpe2025Stage1 => SUPERBPE_2025_STAGE1_PATTERN,
            Self::Superbpe2025Stage2 => SUPERBPE_2025_STAGE2_PATTERN,
            Self::Whole => "",
            Self::Custom(pattern) => pattern,
        }
    }

    /// The short name (`gpt2`, `cl100k`, `o200k`, `superbpe-stage1`, …, `none`, `custom`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Gpt2 => "gpt2",
            Self::Cl100k => "cl100k",
            Self::O200k => "o200k",
            Self::SuperbpeStage1 => "superbpe-stage1",
            Self::SuperbpeStage2 => "superbpe-stage2",
            Self::Superbpe2025Stage1 => "superbpe-2025-stage1",
            Self::Superbpe2025Stage2 => "superbpe-2025-stage2",
            Self::Whole => "none",
            Self::Custom(_) => "custom",
        }
    }

    /// Whether HF's `Digits(individual_digits=False)` runs before the pattern.
    pub fn isolates_digits(&self) -> bool {
        matches!(self, Self::SuperbpeStage1 | Self::SuperbpeStage2)
    }

    /// Where the training feed may cut text at a `\n` without changing any piece.
    ///
    /// Before a `\n` that follows an ASCII letter or digit for the hand-written splitters:
    /// there every alternative that can end in a letter or digit stops before `\n`, and
    /// none looks behind (digit runs end at the `\n` too). Texts without whitespace
    /// splitting are never cut. Any other pattern gives no such guarantee, so the feed
    /// cuts it only at line ends (each line is a sequence, as in HF's `train(files)`).
    fn newline_cut(&self) -> NewlineCut {
        match self {
            Self::Gpt2 | Self::Cl100k | Self::O200k | Self::SuperbpeStage1 => NewlineCut::Before,
            Self::SuperbpeStage2 | Self::Whole => NewlineCut::Never,
            Self::Superbpe2025Stage1 | Self::Superbpe2025Stage2 | Self::Custom(_) => {
                NewlineCut::After
            }
        }
    }
}

/// What identifies a [`Pretokenizer`]: its spec and whether it cuts lines first. Counts
/// record it, so that pieces cut differently are never added together or trained on
/// under another pretokenizer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PretokenizerConfig {
    /// The pattern.
    pub spec: PretokenizerSpec,
    /// Whether texts are cut after each `\n` first.
    pub lines: bool,
    /// Whether a space is added before every line (see [`Pretokenizer::with_prefix_space`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prefix_space: bool,
}

impl fmt::Display for PretokenizerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.spec {
            PretokenizerSpec::Custom(pattern) => write!(f, "custom pattern {pattern:?}")?,
            spec => f.write_str(spec.name())?,
        }
        match (self.lines, self.prefix_space) {
            (_, true) => f.write_str(" (lines, prefix space)"),
            (true, false) => f.write_str(" (lines)"),
            (false, false) => Ok(()),
        }
    }
}

/// A compiled pretokenizer.
#[derive(Clone)]
pub struct Pretokenizer {
    spec: PretokenizerSpec,
    engine: Engine,
    /// Cut every text after each `\n` first (SuperBPE's line-level sequences).
    lines: bool,
    /// Add a space before every line (SentencePiece's dummy prefix); implies `lines`.
    prefix_space: bool,
}

/// The machinery behind a [`Pretokenizer`].
#[derive(Clone)]
enum Engine {
    /// A hand-written splitter for a named pattern.
    Named(NamedSplitter),
    /// The DFA engine, for custom patterns it can express.
    Dfa(Box<DfaSplitter>),
    /// fancy-regex, for the other custom patterns.
    Backtracking(Box<fancy_regex::Regex>),
    /// No splitting.
    Whole,
}

impl fmt::Debug for Pretokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let engine = match self.engine {
            Engine::Named(_) => "named",
            Engine::Dfa(_) => "dfa",
            Engine::Backtracking(_) => "backtracking",
            Engine::Whole => "whole",
        };
        f.debug_struct("Pretokenizer")
            .field("spec", &self.spec)
            .field("engine", &engine)
            .field("lines", &self.lines)
            .field("prefix_space", &self.prefix_space)
            .finish()
    }
}

impl PartialEq for Pretokenizer {
    fn eq(&self, other: &Self) -> bool {
        self.config() == other.config()
    }
}

impl Pretokenizer {
    /// Compile `spec`: a named spec on its hand-written splitter, other patterns on the
    /// DFA engine when they allow it.
    pub fn new(spec: PretokenizerSpec) -> Result<Self> {
        let named = |pattern| Engine::Named(NamedSplitter::new(pattern));
        let engine = match &spec {
            PretokenizerSpec::Gpt2 => named(NamedPattern::Gpt2),
            PretokenizerSpec::Cl100k => named(NamedPattern::Cl100k),
            PretokenizerSpec::O200k => named(NamedPattern::O200k),
            PretokenizerSpec::SuperbpeStage1 => named(NamedPattern::SuperbpeStage1),
            PretokenizerSpec::SuperbpeStage2 => named(NamedPattern::SuperbpeStage2),
            PretokenizerSpec::Whole => Engine::Whole,
            PretokenizerSpec::Superbpe2025Stage1
            | PretokenizerSpec::Superbpe2025Stage2
            | PretokenizerSpec::Custom(_) => match DfaSplitter::new(spec.pattern()) {
                Some(splitter) => Engine::Dfa(Box::new(splitter)),
                None => Engine::Backtracking(Box::new(
                    fancy_regex::Regex::new(spec.pattern()).map_err(|err| {
                        Error::InvalidPattern {
                            pattern: spec.pattern().to_owned(),
                            message: err.to_string(),
                        }
                    })?,
                )),
            },
        };
        Ok(Self {
            spec,
            engine,
            lines: false,
            prefix_space: false,
        })
    }

    /// The same pretokenizer, cutting every text after each `\n` first when `lines` is
    /// true, so that no piece spans a line end (SuperBPE's line-level sequences).
    pub fn with_lines(mut self, lines: bool) -> Self {
        self.lines = lines || self.prefix_space;
        self
    }

    /// Whether texts are cut after each `\n` first (see [`Self::with_lines`]).
    pub fn lines(&self) -> bool {
        self.lines
    }

    /// The same pretokenizer, splitting every line that is not empty as if it began with
    /// a space when `prefix_space` is true (and cutting lines first): SentencePiece's
    /// dummy prefix, so that a line's first word is the same piece as elsewhere
    /// (`" The"`, not `"The"`). The text after a special token counts as a new line, as
    /// in HF `tokenizers`, whose normalizer `Replace(^(?=[^\n]), " ")` says the same.
    /// [`Tokenizer::decode`](crate::Tokenizer::decode) removes the spaces again. (HF's
    /// `ByteLevel` step panics on text that normalizer changed, tokenizers 0.23: the
    /// Python API offers the flag for character units only.)
    pub fn with_prefix_space(mut self, prefix_space: bool) -> Self {
        self.prefix_space = prefix_space;
        self.lines |= prefix_space;
        self
    }

    /// Whether lines are split as if they began with a space (see
    /// [`Self::with_prefix_space`]).
    pub fn prefix_space(&self) -> bool {
        self.prefix_space
    }

    /// The same spec on the DFA engine: the oracle of the hand-written splitters.
    #[cfg(test)]
    fn on_dfa_engine(spec: PretokenizerSpec) -> Self {
        let pattern = match spec {
            PretokenizerSpec::Cl100k => CL100K_DFA_PATTERN,
            _ => spec.pattern(),
        };
        let splitter = DfaSplitter::new(pattern).expect("the DFA engine compiles the pattern");
        Self {
            spec,
            engine: Engine::Dfa(Box::new(splitter)),
            lines: false,
            prefix_space: false,
        }
    }

    /// Compile a named spec or custom pattern (see [`PretokenizerSpec::from_name_or_pattern`]).
    pub fn from_name_or_pattern(name_or_pattern: &str) -> Result<Self> {
        Self::new(PretokenizerSpec::from_name_or_pattern(name_or_pattern))
    }

    /// The spec this pretokenizer was compiled from.
    pub fn spec(&self) -> &PretokenizerSpec {
        &self.spec
    }

    /// The spec and the `lines` and `prefix_space` flags.
    pub fn config(&self) -> PretokenizerConfig {
        PretokenizerConfig {
            spec: self.spec.clone(),
            lines: self.lines,
            prefix_space: self.prefix_space,
        }
    }

    /// Compile `config`.
    pub fn from_config(config: &PretokenizerConfig) -> Result<Self> {
        Ok(Self::new(config.spec.clone())?
            .with_lines(config.lines)
            .with_prefix_space(config.prefix_space))
    }

    /// Call `piece` on each piece of `text`, in order. The pieces concatenate to `text`,
    /// with the added spaces of [`Self::with_prefix_space`]: a piece that holds one is
    /// owned, every other piece borrows from `text`.
    pub fn split<'t>(&self, text: &'t str, mut piece: impl FnMut(Cow<'t, str>)) -> Result<()> {
        if !self.lines {
            return self.split_text(text, |found| piece(Cow::Borrowed(found)));
        }
        let mut prefixed = String::new();
        let mut start = 0;
        while start < text.len() {
            let end = memchr::memchr(b'\n', &text.as_bytes()[start..])
                .map_or(text.len(), |newline| start + newline + 1);
            let line = &text[start..end];
            if self.prefix_space && !line.starts_with('\n') {
                prefixed.clear();
                prefixed.push(' ');
                prefixed.push_str(line);
                self.split_text(&prefixed, |found| {
                    // Offsets in `prefixed` are one past those in `line`.
                    let offset = found.as_ptr() as usize - prefixed.as_ptr() as usize;
                    piece(match offset {
                        0 => Cow::Owned(found.to_owned()),
                        _ => Cow::Borrowed(&line[offset - 1..offset - 1 + found.len()]),
                    });
                })?;
            } else {
                self.split_text(line, |found| piece(Cow::Borrowed(found)))?;
            }
            start = end;
        }
        Ok(())
    }

    /// [`Self::split`] without the line cuts.
    fn split_text<'t>(&self, text: &'t str, mut piece: impl FnMut(&'t str)) -> Result<()> {
        match &self.engine {
            Engine::Whole => {
                if !text.is_empty() {
                    piece(text);
                }
            }
            Engine::Named(splitter) => splitter.split(text, piece),
            Engine::Dfa(splitter) => splitter.split(text, piece),
            Engine::Backtracking(regex) => {
                let mut covered = 0;
                for found in regex.find_iter(text) {
                    let found = found.map_err(|err| Error::InvalidPattern {
                        pattern: self.spec.pattern().to_owned(),
                        message: err.to_string(),
                    })?;
                    if covered < found.start() {
                        piece(&text[covered..found.start()]);
                    }
                    if found.start() < found.end() {
                        piece(found.as_str());
                    }
                    covered = found.end().max(covered);
                }
                if covered < text.len() {
                    piece(&text[covered..]);
                }
            }
        }
        Ok(())
    }

    /// The pieces of `text` as a vector (convenience for tests and small inputs).
    pub fn pieces<'t>(&self, text: &'t str) -> Result<Vec<Cow<'t, str>>> {
        let mut pieces = Vec::new();
        self.split(text, |piece| pieces.push(piece))?;
        Ok(pieces)
    }

    /// The first position at or after `at` where `text` may be cut into two independently
    /// pretokenized parts without changing any piece; `text.len()` if there is none.
    pub fn next_cut(&self, text: &str, at: usize) -> usize {
        let bytes = text.as_bytes();
        let from = at.min(bytes.len());
        memchr::memchr_iter(b'\n', &bytes[from..])
            .find_map(|offset| self.cut_at_newline(bytes, from + offset))
            .unwrap_or(bytes.len())
    }

    /// The last position at or before `at` where `text` may be cut (see [`Self::next_cut`]);
    /// 0 if there is none.
    pub fn prev_cut(&self, text: &str, at: usize) -> usize {
        let bytes = &text.as_bytes()[..at.min(text.len())];
        memchr::memrchr_iter(b'\n', bytes)
            .find_map(|newline| self.cut_at_newline(bytes, newline))
            .unwrap_or(0)
    }

    /// The cut that the `\n` at `newline` allows, if any (see
    /// [`PretokenizerSpec::newline_cut`]).
    fn cut_at_newline(&self, bytes: &[u8], newline: usize) -> Option<usize> {
        match (self.lines, self.spec.newline_cut()) {
            (true, _) | (false, NewlineCut::After) => Some(newline + 1),
            (false, NewlineCut::Before)
                if newline > 0 && bytes[newline - 1].is_ascii_alphanumeric() =>
            {
                Some(newline)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces of `text` under `spec`, checked to concatenate back to `text`.
    fn pieces(spec: &str, text: &str) -> Vec<String> {
        let pretokenizer = Pretokenizer::from_name_or_pattern(spec).unwrap();
        let pieces = pretokenizer.pieces(text).unwrap();
        assert_eq!(pieces.concat(), text);
        pieces.into_iter().map(String::from).collect()
    }

    #[test]
    fn gpt2_keeps_one_space_for_the_next_word() {
        assert_eq!(
            pieces("gpt2", "Hello   world's 42!!\n\n  x"),
            ["Hello", "  ", " world", "'s", " 42", "!!", "\n\n ", " x"]
        );
    }

    #[test]
    fn prefix_space_adds_a_space_before_every_line_that_is_not_empty() {
        let pretokenizer = Pretokenizer::from_name_or_pattern("gpt2")
            .unwrap()
            .with_prefix_space(true);
        assert!(pretokenizer.lines());
        let pieces = pretokenizer.pieces("Hello world\n\n x\n").unwrap();
        assert_eq!(pieces, [" Hello", " world", "\n", "\n", " ", " x", "\n"]);
        // The pieces with an added space are owned; the others borrow from the text.
        let owned: Vec<bool> = pieces.iter().map(|p| matches!(p, Cow::Owned(_))).collect();
        assert_eq!(owned, [true, false, false, false, true, false, false]);
        assert_eq!(
            Pretokenizer::from_config(&pretokenizer.config()).unwrap(),
            pretokenizer
        );
    }

    #[test]
    fn single_space_before_word_falls_back_to_later_alternative() {
        assert_eq!(pieces("gpt2", "a \tb"), ["a", " ", "\t", "b"]);
        assert_eq!(pieces("cl100k", "a \tb  "), ["a", " ", "\tb", "  "]);
    }

    #[test]
    fn named_specs_use_their_splitters_and_custom_patterns_the_dfa_engine() {
        for name in ["gpt2", "cl100k", "o200k"] {
            let pretokenizer = Pretokenizer::from_name_or_pattern(name).unwrap();
            assert!(matches!(pretokenizer.engine, Engine::Named(_)), "{name}");
        }
        let custom = Pretokenizer::from_name_or_pattern(&GPT2_PATTERN.replace("'d|", "")).unwrap();
        assert!(matches!(custom.engine, Engine::Dfa(_)));
    }

    #[test]
    fn backtracking_fallback_and_gaps() {
        // A look-behind needs the backtracking engine; unmatched text stays as pieces.
        assert_eq!(pieces(r"(?<=a)b+", "abbcab"), ["a", "bb", "ca", "b"]);
    }

    #[test]
    fn bad_pattern_is_an_error() {
        let err = Pretokenizer::from_name_or_pattern("(unclosed").unwrap_err();
        assert!(matches!(err, Error::InvalidPattern { .. }));
    }

    #[test]
    fn cuts_do_not_change_pieces() {
        let text = "one two\n  three;\nfour 5\n\n six\n";
        for name in ["gpt2", "cl100k", "o200k"] {
            let pretokenizer = Pretokenizer::from_name_or_pattern(name).unwrap();
            let whole = pretokenizer.pieces(text).unwrap();
            let mut cut_pieces = Vec::new();
            let mut start = 0;
            while start < text.len() {
                let cut = pretokenizer.next_cut(text, start + 1).max(start + 1);
                let cut = cut.min(text.len());
                cut_pieces.extend(pretokenizer.pieces(&text[start..cut]).unwrap());
                start = cut;
            }
            assert_eq!(whole, cut_pieces, "{name}");
        }
    }
}
