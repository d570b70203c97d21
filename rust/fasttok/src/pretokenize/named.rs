//! Hand-written splitters for the named patterns (gpt2, cl100k, o200k).
//!
//! # Why they are exact
//!
//! Each pattern is a leftmost-first alternation whose alternatives, taken together,
//! match at every position (letters, digits, whitespace and "other" each have one), so the
//! regex engine's pieces are consecutive matches anchored where the previous piece ended.
//! A splitter therefore only answers "where does the match starting at `i` end?". It does
//! so by trying the alternatives in the pattern's order, each reduced by hand to a few
//! runs over character classes (read from the regex crate's own tables, see
//! [`super::classes`]); where an alternative backtracks, the code names the position the
//! backtracking settles on:
//!
//! * `\s+(?!\S)` ends one character before a whitespace run that is followed by a
//!   non-space, fails on a one-character run there, and takes the run at the end of text;
//! * `\s*[\r\n]` and `\s*[\r\n]+` end just after the last `\r`/`\n` of the run;
//! * o200k's `[U]*[W]+` (the classes overlap in `Lm`, `Lo` and `\p{M}`) ends after the
//!   `W` run that follows a maximal `U` run, or else just after the last `W` character
//!   inside the `U` run; the optional prefix character is tried taken, then not taken.
//!
//! SuperBPE's paper-era pretokenizers are HF sequences rather than one regex:
//! `Digits(individual_digits=False)` isolates each `\p{N}+` run, then a zero-width
//! `(?=(\d{3})+(?!\d))` split cuts digit runs into groups of three from the right (stage
//! 2 stops there; stage 1 also splits the other runs with GPT-2's pattern minus
//! contractions). The split falls before every `\d` from which a multiple of three `\d`
//! characters runs to the end of the `\d` run, as Oniguruma's Unicode `\d` reads it.
//!
//! Two more details follow the regex crate rather than intuition: cl100k's `\s+$` means
//! the end of the text (no multi-line mode), and `(?i:…)` contractions use its simple case
//! folding, read from the same tables (so `'ſ`, with U+017F LONG S, is a contraction).
//!
//! A randomized differential test against the regex engine on tricky characters, and a
//! comparison over whole corpora, check this reasoning.
//!
//! # Why they are fast
//!
//! One pass, no allocation, no search: ASCII characters cost one table load, others a
//! UTF-8 decode and a two-level table load. The regex engine instead runs a DFA search
//! per piece plus a second pass to restore the look-ahead.

use super::classes::{CharClasses, DECIMAL, END, LETTER, LOWER, NEWLINE, NUMBER, SPACE, UPPER};

/// Which named pattern a [`NamedSplitter`] implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NamedPattern {
    /// [`super::GPT2_PATTERN`].
    Gpt2,
    /// [`super::CL100K_PATTERN`].
    Cl100k,
    /// [`super::O200K_PATTERN`].
    O200k,
    /// SuperBPE stage 1 (paper): digit groups, then GPT-2 words without contractions.
    SuperbpeStage1,
    /// SuperBPE stage 2 (paper): digit groups only.
    SuperbpeStage2,
}

/// A hand-written splitter for one named pattern.
#[derive(Clone, Copy)]
pub(super) struct NamedSplitter {
    /// The pattern it implements.
    pattern: NamedPattern,
    /// The process-wide class tables.
    classes: &'static CharClasses,
}

impl NamedSplitter {
    /// The splitter for `pattern` (builds the class tables on first use).
    pub(super) fn new(pattern: NamedPattern) -> Self {
        Self {
            pattern,
            classes: CharClasses::get(),
        }
    }

    /// Call `piece` on each piece of `text`, in order.
    pub(super) fn split<'t>(&self, text: &'t str, piece: impl FnMut(&'t str)) {
        match self.pattern {
            NamedPattern::Gpt2 => self.split_with(text, piece, Scanner::gpt2),
            NamedPattern::Cl100k => self.split_with(text, piece, Scanner::cl100k),
            NamedPattern::O200k => self.split_with(text, piece, Scanner::o200k),
            NamedPattern::SuperbpeStage1 => self.split_digit_runs(text, piece, true),
            NamedPattern::SuperbpeStage2 => self.split_digit_runs(text, piece, false),
        }
    }

    /// `Digits(individual_digits=False)`, then the digit-group split on `\p{N}` runs and,
    /// with `words`, GPT-2's pattern without contractions on the other runs (each run is a
    /// text of its own there, as HF splits every piece separately).
    fn split_digit_runs<'t>(&self, text: &'t str, mut piece: impl FnMut(&'t str), words: bool) {
        let scanner = Scanner {
            bytes: text.as_bytes(),
            classes: self.classes,
        };
        let mut start = 0;
        while start < text.len() {
            if scanner.at(start).0 & NUMBER != 0 {
                let end = scanner.run_of(start, NUMBER);
                scanner.digit_groups(start, end, |from, to| piece(&text[from..to]));
                start = end;
            } else {
                let end = scanner.run(start, |class| class & (NUMBER | END) == 0);
                if words {
                    self.split_with(&text[start..end], &mut piece, Scanner::gpt2_word);
                } else {
                    piece(&text[start..end]);
                }
                start = end;
            }
        }
    }

    /// Cut `text` into consecutive pieces, each ending where `piece_end` says.
    #[inline(always)]
    fn split_with<'t>(
        &self,
        text: &'t str,
        mut piece: impl FnMut(&'t str),
        piece_end: impl Fn(&Scanner<'t>, usize) -> usize,
    ) {
        let scanner = Scanner {
            bytes: text.as_bytes(),
            classes: self.classes,
        };
        let mut start = 0;
        while start < text.len() {
            let end = piece_end(&scanner, start);
            piece(&text[start..end]);
            start = end;
        }
    }
}

/// A whitespace run `\s+` and the positions its alternatives backtrack to.
struct SpaceRun {
    /// Where the run ends.
    end: usize,
    /// Where its last character starts.
    last: usize,
    /// Just after its last `\r` or `\n`, if it has one.
    after_newline: Option<usize>,
}

/// Class-level reading of one text (valid UTF-8; positions are byte offsets on
/// character boundaries).
struct Scanner<'t> {
    /// The text.
    bytes: &'t [u8],
    /// The process-wide class tables.
    classes: &'static CharClasses,
}

impl Scanner<'_> {
    /// The class and length of the character at `at` (`(END, 0)` at the end).
    #[inline(always)]
    fn at(&self, at: usize) -> (u8, usize) {
        self.classes.at(self.bytes, at)
    }

    /// The end of the run from `at` of characters whose class satisfies `keep`.
    #[inline(always)]
    fn run(&self, mut at: usize, keep: impl Fn(u8) -> bool) -> usize {
        loop {
            let (class, len) = self.at(at);
            if !keep(class) {
                return at;
            }
            at += len;
        }
    }

    /// The end of the run from `at` of characters in any class of `mask`.
    #[inline(always)]
    fn run_of(&self, at: usize, mask: u8) -> usize {
        self.run(at, |class| class & mask != 0)
    }

    /// The end of the run `[^\s\p{L}\p{N}]*` from `at`.
    #[inline(always)]
    fn other_run(&self, at: usize) -> usize {
        self.run(at, |class| class & (LETTER | NUMBER | SPACE | END) == 0)
    }

    /// The end of `\p{N}{1,3}` after its first digit, which ends at `at`.
    #[inline(always)]
    fn digits(&self, mut at: usize) -> usize {
        for _ in 0..2 {
            let (class, len) = self.at(at);
            if class & NUMBER == 0 {
                break;
            }
            at += len;
        }
        at
    }

    /// The whitespace run starting at `at` (a whitespace character).
    #[inline(always)]
    fn space_run(&self, at: usize) -> SpaceRun {
        let mut run = SpaceRun {
            end: at,
            last: at,
            after_newline: None,
        };
        loop {
            let (class, len) = self.at(run.end);
            if class & SPACE == 0 {
                return run;
            }
            run.last = run.end;
            run.end += len;
            if class & NEWLINE != 0 {
                run.after_newline = Some(run.end);
            }
        }
    }

    /// Where ` ?X` ends when `X` may start after an optional space: the position after
    /// the space and the class there, or `at` and its own class.
    #[inline(always)]
    fn after_optional_space(&self, at: usize, class: u8, len: usize) -> (u8, usize) {
        if self.bytes[at] == b' ' {
            let (next, next_len) = self.at(at + 1);
            if next & (SPACE | END) == 0 {
                return (next, at + 1 + next_len);
            }
        }
        (class, at + len)
    }

    /// The length of `(?i:[sdmt]|ll|ve|re)` at `at` (after an apostrophe), or 0.
    #[inline(always)]
    fn contraction_suffix(&self, at: usize) -> usize {
        let (first, first_len) = self.classes.folded_letter(self.bytes, at);
        match first {
            b's' | b'd' | b'm' | b't' => first_len,
            b'l' | b'v' | b'r' => {
                let (second, second_len) = self.classes.folded_letter(self.bytes, at + first_len);
                match (first, second) {
                    (b'l', b'l') | (b'v' | b'r', b'e') => first_len + second_len,
                    _ => 0,
                }
            }
            _ => 0,
        }
    }

    /// `at` plus the length of an optional `(?i:'s|'t|'re|'ve|'m|'ll|'d)` there.
    #[inline(always)]
    fn optional_contraction(&self, at: usize) -> usize {
        if self.bytes.get(at) == Some(&b'\'') {
            match self.contraction_suffix(at + 1) {
                0 => at,
                len => at + 1 + len,
            }
        } else {
            at
        }
    }

    /// The pieces `[start, end)` of the `\p{N}` run from `start` to `end`, cut before
    /// each `\d` from which a multiple of three `\d` characters runs to the end of its
    /// `\d` run (`(?=(\d{3})+(?!\d))`).
    fn digit_groups(&self, start: usize, end: usize, mut piece: impl FnMut(usize, usize)) {
        let mut cut = start;
        let mut at = start;
        while at < end {
            let (class, len) = self.at(at);
            if class & DECIMAL == 0 {
                at += len;
                continue;
            }
            let mut run_end = at;
            let mut digits = 0;
            while self.at(run_end).0 & DECIMAL != 0 {
                run_end += self.at(run_end).1;
                digits += 1;
            }
            for index in 0..digits {
                if (digits - index) % 3 == 0 && at > cut {
                    piece(cut, at);
                    cut = at;
                }
                at += self.at(at).1;
            }
        }
        piece(cut, end);
    }

    /// The end of the gpt2 match at `at`:
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    fn gpt2(&self, at: usize) -> usize {
        let bytes = self.bytes;
        if bytes[at] == b'\'' {
            match (bytes.get(at + 1), bytes.get(at + 2)) {
                (Some(b's' | b't' | b'm' | b'd'), _) => return at + 2,
                (Some(b'r' | b'v'), Some(b'e')) | (Some(b'l'), Some(b'l')) => return at + 3,
                _ => {}
            }
        }
        self.gpt2_word(at)
    }

    /// The end of the gpt2 match at `at` without the contraction alternatives:
    /// ` ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    fn gpt2_word(&self, at: usize) -> usize {
        let bytes = self.bytes;
        let (class, len) = self.at(at);
        let (class, from) = self.after_optional_space(at, class, len);
        if class & LETTER != 0 {
            self.run_of(from, LETTER)
        } else if class & NUMBER != 0 {
            self.run_of(from, NUMBER)
        } else if class & SPACE == 0 {
            self.other_run(from)
        } else {
            // `\s+(?!\S)|\s+`
            let run = self.space_run(at);
            if run.end < bytes.len() && run.last > at {
                run.last
            } else {
                run.end
            }
        }
    }

    /// The end of the cl100k match at `at` (see [`super::CL100K_PATTERN`]; its possessive
    /// quantifiers change no match).
    fn cl100k(&self, at: usize) -> usize {
        let bytes = self.bytes;
        if bytes[at] == b'\'' {
            let len = self.contraction_suffix(at + 1);
            if len > 0 {
                return at + 1 + len;
            }
        }
        // `[^\r\n\p{L}\p{N}]?\p{L}+`: letters, or one prefix character and letters.
        let (class, len) = self.at(at);
        if class & LETTER != 0 {
            return self.run_of(at + len, LETTER);
        }
        if class & (NUMBER | NEWLINE) == 0 {
            let (next, next_len) = self.at(at + len);
            if next & LETTER != 0 {
                return self.run_of(at + len + next_len, LETTER);
            }
        }
        if class & NUMBER != 0 {
            return self.digits(at + len);
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let (class, from) = self.after_optional_space(at, class, len);
        if class & (LETTER | NUMBER | SPACE) == 0 {
            return self.run_of(self.other_run(from), NEWLINE);
        }
        // `\s+$|\s*[\r\n]|\s+(?!\S)|\s`
        let run = self.space_run(at);
        if run.end == bytes.len() {
            run.end
        } else if let Some(end) = run.after_newline {
            end
        } else if run.last > at {
            run.last
        } else {
            run.end
        }
    }

    /// The end of the o200k match at `at` (see [`super::O200K_PATTERN`]).
    fn o200k(&self, at: usize) -> usize {
        let bytes = self.bytes;
        let (class, len) = self.at(at);
        let word = if class & LETTER != 0 {
            self.o200k_lower_word(at)
                .or_else(|| self.o200k_upper_word(at))
        } else if class & (NUMBER | NEWLINE) == 0
            && (class | self.at(at + len).0) & (UPPER | LOWER) != 0
        {
            // The optional prefix `[^\r\n\p{L}\p{N}]?`, taken first in each alternative.
            // (Without a letter or mark here or next, no word alternative matches.)
            let after = at + len;
            self.o200k_lower_word(after)
                .or_else(|| self.o200k_lower_word(at))
                .or_else(|| self.o200k_upper_word(after))
                .or_else(|| self.o200k_upper_word(at))
        } else {
            None
        };
        if let Some(end) = word {
            return end;
        }
        if class & NUMBER != 0 {
            return self.digits(at + len);
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
        let (class, from) = self.after_optional_space(at, class, len);
        if class & (LETTER | NUMBER | SPACE) == 0 {
            let mut end = self.other_run(from);
            while matches!(bytes.get(end), Some(b'\r' | b'\n' | b'/')) {
                end += 1;
            }
            return end;
        }
        // `\s*[\r\n]+|\s+(?!\S)|\s+`
        let run = self.space_run(at);
        if let Some(end) = run.after_newline {
            end
        } else if run.end < bytes.len() && run.last > at {
            run.last
        } else {
            run.end
        }
    }

    /// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+` plus the optional
    /// contraction, from `at`.
    #[inline(always)]
    fn o200k_lower_word(&self, at: usize) -> Option<usize> {
        let mut end = at;
        let mut after_last_lower = None;
        let (mut class, mut len) = self.at(end);
        while class & UPPER != 0 {
            end += len;
            if class & LOWER != 0 {
                after_last_lower = Some(end);
            }
            (class, len) = self.at(end);
        }
        let end = if class & LOWER != 0 {
            self.run_of(end + len, LOWER)
        } else {
            after_last_lower?
        };
        Some(self.optional_contraction(end))
    }

    /// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*` plus the optional
    /// contraction, from `at`.
    #[inline(always)]
    fn o200k_upper_word(&self, at: usize) -> Option<usize> {
        let end = self.run_of(at, UPPER);
        (end > at).then(|| self.optional_contraction(self.run_of(end, LOWER)))
    }
}

#[cfg(test)]
mod tests {
    use crate::pretokenize::{Pretokenizer, PretokenizerSpec};

    /// Characters that exercise every class boundary of the three patterns: ASCII letters
    /// (incl. the contraction letters), digits, punctuation, Unicode spaces and newlines,
    /// format characters, marks, letters of each case class, other digits, the characters
    /// that case-fold to ASCII (LONG S, KELVIN), astral letters, digits and emoji.
    const PALETTE: &str = concat!(
        "abzAZsStTdDmMlLvVeErRkK079''\".,!/-_(#   \t\r\n\n\x0b\x0c",
        "\u{a0}\u{85}\u{1680}\u{2028}\u{2029}\u{3000}\u{200b}\u{180e}\u{feff}\u{ad}",
        "\u{301}\u{300}\u{c3f}\u{345}\u{20dd}éßΩωяЯ中アكहǅʰª٣४Ⅻ½",
        "\u{17f}\u{212a}İẞﬅⒶ😀\u{200d}\u{1f1e6}𝐀𝐚𝟎\u{e0041}",
    );

    /// Characters drawn more often, so that runs, contractions and prefixes occur.
    const COMMON: &str = "asT'  \n1.\u{301}";

    /// xorshift64*: a small deterministic generator, enough for test inputs.
    struct XorShift(u64);

    impl XorShift {
        /// A pseudo-random number in `0..n`.
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
        }
    }

    /// Assert that both pretokenizers cut `text` into the same pieces.
    fn assert_same_pieces(fast: &Pretokenizer, oracle: &Pretokenizer, text: &str) {
        let expected = oracle.pieces(text).unwrap();
        let actual = fast.pieces(text).unwrap();
        assert_eq!(actual, expected, "{} on {text:?}", fast.spec().name());
    }

    /// The named splitter for `spec` and the regex engine's version of it.
    fn fast_and_oracle(spec: PretokenizerSpec) -> (Pretokenizer, Pretokenizer) {
        (
            Pretokenizer::new(spec.clone()).unwrap(),
            Pretokenizer::on_dfa_engine(spec),
        )
    }

    /// The specs with hand-written splitters.
    const SPECS: [PretokenizerSpec; 3] = [
        PretokenizerSpec::Gpt2,
        PretokenizerSpec::Cl100k,
        PretokenizerSpec::O200k,
    ];

    #[test]
    fn named_splitters_match_the_regex_engine_on_random_text() {
        for spec in SPECS {
            let (fast, oracle) = fast_and_oracle(spec);
            let palettes: [Vec<char>; 2] = [COMMON.chars().collect(), PALETTE.chars().collect()];
            let mut random = XorShift(0x9e37_79b9_7f4a_7c15);
            let mut text = String::new();
            for _ in 0..100_000 {
                text.clear();
                for _ in 0..random.below(12) {
                    // Mostly tricky characters, sometimes any code point at all.
                    let c = match random.below(16) {
                        0 => char::from_u32(random.below(0x11_0000) as u32).unwrap_or('?'),
                        draw => {
                            let palette = &palettes[draw % 2];
                            palette[random.below(palette.len())]
                        }
                    };
                    text.push(c);
                }
                assert_same_pieces(&fast, &oracle, &text);
            }
        }
    }

    #[test]
    fn named_splitters_match_the_regex_engine_on_chosen_cases() {
        let cases = [
            "'sa 'Sa 'ſa 'Ll 'lL 'rE 've 'd'",
            "don't DON'T Don'ſ x'\u{212a}",
            "a  b\t\tc \u{a0}d\n \ne\r\n\r\n f  ",
            "  \n  ",
            " \u{3000}x\u{3000}\u{3000}y",
            "123456 ٣٣٣٣ 12ab",
            "..a ..\n\n/x \u{301}a a\u{301}b \u{301}AB A\u{301}B",
            "ǅemo ʰa ªb HELLOworld HELLO World ABC'S AbC'll",
            "中文テキスト 😀\u{200d}😀 𝐀𝐚𝟎",
            "a\u{c3f}\u{c3f}b \u{c3f}\u{c3f} .\u{301}'s",
            "x\r\n/ a.\n/\n/ y",
        ];
        for spec in SPECS {
            let (fast, oracle) = fast_and_oracle(spec);
            for text in cases {
                assert_same_pieces(&fast, &oracle, text);
            }
        }
    }

    /// SuperBPE's paper specs, composed from regexes as HF runs them: `Digits` isolates
    /// `\p{N}+` runs, the digit-group look-ahead splits those, GPT-2 without contractions
    /// (stage 1) the others.
    struct SuperbpeOracle {
        digit_runs: Pretokenizer,
        groups: Pretokenizer,
        words: Pretokenizer,
    }

    impl SuperbpeOracle {
        fn new() -> Self {
            let compile = |pattern| Pretokenizer::from_name_or_pattern(pattern).unwrap();
            Self {
                digit_runs: compile(r"\p{N}+"),
                groups: compile(r"(?=(\d{3})+(?!\d))"),
                words: compile(r" ?\p{L}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"),
            }
        }

        fn pieces(&self, text: &str, stage1: bool) -> Vec<String> {
            let mut pieces = Vec::new();
            for run in self.digit_runs.pieces(text).unwrap() {
                let split = |pretokenizer: &Pretokenizer| {
                    let pieces = pretokenizer.pieces(&run).unwrap();
                    pieces.into_iter().map(String::from).collect::<Vec<_>>()
                };
                if run.chars().next().is_some_and(char::is_numeric) {
                    pieces.extend(split(&self.groups));
                } else if stage1 {
                    pieces.extend(split(&self.words));
                } else {
                    pieces.push(run.into_owned());
                }
            }
            pieces
        }
    }

    #[test]
    fn superbpe_splitters_match_their_regex_composition() {
        let stage1 = Pretokenizer::new(PretokenizerSpec::SuperbpeStage1).unwrap();
        let stage2 = Pretokenizer::new(PretokenizerSpec::SuperbpeStage2).unwrap();
        let oracle = SuperbpeOracle::new();
        let digits = "0123456789٣४𝟎½Ⅻ²";
        let palettes: [Vec<char>; 2] = [
            format!("{digits}{digits}{COMMON}").chars().collect(),
            format!("{digits}{PALETTE}").chars().collect(),
        ];
        let mut random = XorShift(0x5eed_cafe_f00d_beef);
        let mut text = String::new();
        for _ in 0..20_000 {
            text.clear();
            for _ in 0..random.below(16) {
                let palette = &palettes[random.below(2)];
                text.push(palette[random.below(palette.len())]);
            }
            assert_eq!(
                stage1.pieces(&text).unwrap(),
                oracle.pieces(&text, true),
                "{text:?}"
            );
            assert_eq!(
                stage2.pieces(&text).unwrap(),
                oracle.pieces(&text, false),
                "{text:?}"
            );
        }
        assert_eq!(
            stage2.pieces("By the way, 1234567 fans").unwrap(),
            ["By the way, ", "1", "234", "567", " fans"]
        );
    }

    /// `FASTTOK_SPLIT_FILES=a.txt:b.txt cargo test --release -- --ignored`: compare whole
    /// files (e.g. the benchmark corpora) against the regex engine.
    #[test]
    #[ignore = "reads the files named in FASTTOK_SPLIT_FILES"]
    fn named_splitters_match_the_regex_engine_on_files() {
        let paths = std::env::var_os("FASTTOK_SPLIT_FILES").expect("FASTTOK_SPLIT_FILES");
        for path in std::env::split_paths(&paths) {
            let text = std::fs::read_to_string(&path).unwrap();
            for spec in SPECS {
                let (fast, oracle) = fast_and_oracle(spec);
                let expected = oracle.pieces(&text).unwrap();
                let actual = fast.pieces(&text).unwrap();
                let first_difference = actual.iter().zip(&expected).position(|(a, b)| a != b);
                assert!(
                    actual == expected,
                    "{} on {}: {} vs {} pieces, first difference at {first_difference:?}",
                    fast.spec().name(),
                    path.display(),
                    actual.len(),
                    expected.len(),
                );
            }
        }
    }
}
