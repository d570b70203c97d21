//! The character classes of the named patterns, with the regex crate's own Unicode tables.
//!
//! Every class is read from `regex-syntax` (the parser behind the regex engine), so the
//! hand-written splitters agree with the engine on every code point, whatever Unicode
//! version that crate ships. The tables are built once per process: one class byte per
//! code point, stored as 64-code-point blocks behind a block index (identical blocks are
//! shared: ~360 distinct blocks, ~60 KiB in all), plus a direct 128-entry table for ASCII.

use std::sync::OnceLock;

use regex_syntax::hir::{Class, HirKind};
use rustc_hash::FxHashMap;

/// `\p{L}`.
pub(super) const LETTER: u8 = 1;
/// `\p{N}`.
pub(super) const NUMBER: u8 = 2;
/// `\s` (Unicode `White_Space`).
pub(super) const SPACE: u8 = 4;
/// o200k's first word class `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`.
pub(super) const UPPER: u8 = 8;
/// o200k's second word class `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`.
pub(super) const LOWER: u8 = 16;
/// `[\r\n]`.
pub(super) const NEWLINE: u8 = 32;
/// Past the end of the text: no class bit matches there.
pub(super) const END: u8 = 64;
/// `\d` (Unicode `\p{Nd}`), for SuperBPE's digit groups.
pub(super) const DECIMAL: u8 = 128;

/// The classes and their regex-syntax sources.
const SOURCES: [(u8, &str); 7] = [
    (LETTER, r"\p{L}"),
    (NUMBER, r"\p{N}"),
    (SPACE, r"\s"),
    (UPPER, r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]"),
    (LOWER, r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]"),
    (NEWLINE, r"[\r\n]"),
    (DECIMAL, r"\d"),
];

/// The letters of the contractions `'(?i:[sdmt]|ll|ve|re)`.
const CONTRACTION_LETTERS: &[u8] = b"sdmtlver";

/// Code points per block of the two-level table.
const BLOCK: usize = 64;
/// One past the largest code point.
const CODE_POINTS: usize = 0x11_0000;

/// Class bytes for every code point, and case folding for the contraction letters.
pub(super) struct CharClasses {
    /// Classes of U+0000..U+007F.
    ascii: [u8; 128],
    /// For each block of [`BLOCK`] code points, the number of its classes in `blocks`.
    block_numbers: Vec<u16>,
    /// The distinct blocks of classes, concatenated.
    blocks: Vec<u8>,
    /// For each ASCII byte, the contraction letter it matches case-insensitively (or 0).
    ascii_folds: [u8; 128],
    /// The non-ASCII characters that match a contraction letter case-insensitively
    /// (U+017F LONG S for `s`), with that letter.
    other_folds: Vec<(char, u8)>,
}

impl CharClasses {
    /// The process-wide tables, built on first use.
    pub(super) fn get() -> &'static Self {
        static TABLES: OnceLock<CharClasses> = OnceLock::new();
        TABLES.get_or_init(Self::build)
    }

    /// Read every class from regex-syntax and pack the tables.
    fn build() -> Self {
        let mut flat = vec![0u8; CODE_POINTS];
        for (bit, source) in SOURCES {
            for (start, end) in unicode_ranges(source) {
                for class in &mut flat[start as usize..=end as usize] {
                    *class |= bit;
                }
            }
        }
        let mut ascii = [0u8; 128];
        ascii.copy_from_slice(&flat[..128]);
        let mut numbers: FxHashMap<&[u8], u16> = FxHashMap::default();
        let mut blocks = Vec::new();
        let block_numbers = flat
            .chunks(BLOCK)
            .map(|block| {
                *numbers.entry(block).or_insert_with(|| {
                    blocks.extend_from_slice(block);
                    u16::try_from(blocks.len() / BLOCK - 1).expect("fewer than 65536 blocks")
                })
            })
            .collect();

        let mut ascii_folds = [0u8; 128];
        let mut other_folds = Vec::new();
        for &letter in CONTRACTION_LETTERS {
            let source = format!("(?i:[{}])", char::from(letter));
            for (start, end) in unicode_ranges(&source) {
                for c in (start..=end).filter_map(char::from_u32) {
                    match u8::try_from(c) {
                        Ok(byte) if byte.is_ascii() => ascii_folds[usize::from(byte)] = letter,
                        _ => other_folds.push((c, letter)),
                    }
                }
            }
        }
        Self {
            ascii,
            block_numbers,
            blocks,
            ascii_folds,
            other_folds,
        }
    }

    /// The class of the character at byte `at` of `bytes` (valid UTF-8, `at` on a
    /// character boundary) and its length; `(END, 0)` at the end.
    #[inline(always)]
    pub(super) fn at(&self, bytes: &[u8], at: usize) -> (u8, usize) {
        match bytes.get(at) {
            None => (END, 0),
            Some(&byte) if byte.is_ascii() => (self.ascii[usize::from(byte)], 1),
            Some(_) => {
                let (code_point, len) = decode(bytes, at);
                (self.of(code_point), len)
            }
        }
    }

    /// The class of a code point.
    #[inline(always)]
    fn of(&self, code_point: u32) -> u8 {
        let code_point = code_point as usize;
        let number = usize::from(self.block_numbers[code_point / BLOCK]);
        self.blocks[number * BLOCK + code_point % BLOCK]
    }

    /// The contraction letter (`s`, `d`, …, lower-case ASCII) that the character at byte
    /// `at` matches under `(?i:…)`, or 0, and the character's length.
    #[inline(always)]
    pub(super) fn folded_letter(&self, bytes: &[u8], at: usize) -> (u8, usize) {
        match bytes.get(at) {
            None => (0, 0),
            Some(&byte) if byte.is_ascii() => (self.ascii_folds[usize::from(byte)], 1),
            Some(_) => {
                let (code_point, len) = decode(bytes, at);
                let letter = self
                    .other_folds
                    .iter()
                    .find(|&&(c, _)| u32::from(c) == code_point)
                    .map_or(0, |&(_, letter)| letter);
                (letter, len)
            }
        }
    }
}

/// Decode the multi-byte character starting at `at` of valid UTF-8.
#[inline(always)]
fn decode(bytes: &[u8], at: usize) -> (u32, usize) {
    let lead = u32::from(bytes[at]);
    let tail = |k: usize| u32::from(bytes[at + k] & 0x3F);
    if lead < 0xE0 {
        (((lead & 0x1F) << 6) | tail(1), 2)
    } else if lead < 0xF0 {
        (((lead & 0x0F) << 12) | (tail(1) << 6) | tail(2), 3)
    } else {
        (
            ((lead & 0x07) << 18) | (tail(1) << 12) | (tail(2) << 6) | tail(3),
            4,
        )
    }
}

/// The code-point ranges of a constant character-class expression, as the regex engine
/// compiles it.
fn unicode_ranges(source: &str) -> Vec<(u32, u32)> {
    let hir = regex_syntax::Parser::new()
        .parse(source)
        .expect("the class sources are valid regexes");
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .map(|range| (u32::from(range.start()), u32::from(range.end())))
            .collect(),
        kind => unreachable!("{source} is not a Unicode class: {kind:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_agree_with_the_regex_engine_on_every_code_point() {
        let classes = CharClasses::get();
        let engines: Vec<(u8, regex_automata::meta::Regex)> = SOURCES
            .iter()
            .map(|&(bit, source)| (bit, regex_automata::meta::Regex::new(source).unwrap()))
            .collect();
        let mut buffer = [0u8; 4];
        for c in (0..CODE_POINTS as u32)
            .step_by(7)
            .filter_map(char::from_u32)
        {
            let encoded = c.encode_utf8(&mut buffer).as_bytes();
            let (class, len) = classes.at(encoded, 0);
            assert_eq!(len, encoded.len());
            for (bit, engine) in &engines {
                assert_eq!(class & bit != 0, engine.is_match(encoded), "{c:?} {bit}");
            }
        }
    }

    #[test]
    fn long_s_folds_to_s() {
        let classes = CharClasses::get();
        assert_eq!(classes.folded_letter("ſ".as_bytes(), 0), (b's', 2));
        assert_eq!(classes.folded_letter(b"T", 0), (b't', 1));
        assert_eq!(classes.folded_letter("\u{212a}".as_bytes(), 0), (0, 3));
    }
}
