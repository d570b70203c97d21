//! The regex engine for custom patterns, and the oracle of the named splitters.
//!
//! The GPT-style patterns use one look-around, `\s+(?!\S)` ("a whitespace run, but leave
//! its last character to the next word"). Backtracking engines (fancy-regex, Oniguruma)
//! support it and run at ~17 MB/s; DFA engines run 3–5× faster but have no look-ahead.
//! [`DfaSplitter`] compiles every top-level alternative of the pattern into one
//! leftmost-first [`regex_automata::meta::Regex`] (the DFA-class engine), with the
//! look-ahead alternative replaced by its run `\s+`, and restores the look-ahead semantics
//! exactly in [`DfaSplitter::resolve`]: a run followed by a non-space loses its last
//! character, and a one-character run followed by a non-space defers to the later
//! alternatives.

use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input, PatternID};

/// The byte offset of the character after the one starting at `at`.
fn next_char_boundary(text: &str, at: usize) -> usize {
    let mut next = at + 1;
    while next < text.len() && !text.is_char_boundary(next) {
        next += 1;
    }
    next
}

/// The look-ahead alternative `X+(?!\S)` of a pattern, compiled as `X+`.
#[derive(Clone)]
struct TrailingRun {
    /// The pattern id of the alternative inside [`DfaSplitter::regex`].
    id: PatternID,
    /// The alternatives after it, tried when it fails (one-character run before a non-space).
    fallback: Option<Regex>,
}

/// Leftmost-first search over the top-level alternatives, with `\s+(?!\S)` restored.
#[derive(Clone)]
pub(super) struct DfaSplitter {
    /// One pattern per top-level alternative, searched leftmost-first.
    regex: Regex,
    /// The `\s+(?!\S)` alternative, if the pattern has one.
    trailing_run: Option<TrailingRun>,
}

impl DfaSplitter {
    /// `None` when the pattern needs a backtracking engine.
    pub(super) fn new(pattern: &str) -> Option<Self> {
        let alternatives = top_level_alternatives(pattern);
        let mut compiled: Vec<String> = Vec::with_capacity(alternatives.len());
        let mut trailing_index = None;
        for (index, alternative) in alternatives.iter().enumerate() {
            match alternative.strip_suffix(r"(?!\S)") {
                Some(run @ (r"\s+" | " +")) if trailing_index.is_none() => {
                    trailing_index = Some(index);
                    compiled.push(run.to_owned());
                }
                _ => compiled.push((*alternative).to_owned()),
            }
        }
        let regex = Regex::new_many(&compiled).ok()?;
        let trailing_run = match trailing_index {
            None => None,
            Some(index) => {
                let rest = &compiled[index + 1..];
                let fallback = if rest.is_empty() {
                    None
                } else {
                    Some(Regex::new_many(rest).ok()?)
                };
                Some(TrailingRun {
                    id: PatternID::new(index).ok()?,
                    fallback,
                })
            }
        };
        Some(Self {
            regex,
            trailing_run,
        })
    }

    /// Call `piece` on each piece of `text`, in order, keeping the text between matches
    /// as pieces of its own (HF's `Split(behavior="Isolated")`).
    pub(super) fn split<'t>(&self, text: &'t str, mut piece: impl FnMut(&'t str)) {
        let mut emit = |start: usize, end: usize| {
            if start < end {
                piece(&text[start..end]);
            }
        };
        let (mut covered, mut from) = (0, 0);
        while let Some((start, end)) = self.next_match(text, from) {
            emit(covered, start);
            emit(start, end);
            covered = end;
            from = if end > start {
                end
            } else {
                next_char_boundary(text, start)
            };
            if from >= text.len() {
                break;
            }
        }
        emit(covered, text.len());
    }

    /// The exact leftmost match starting at or after `from`.
    fn next_match(&self, text: &str, from: usize) -> Option<(usize, usize)> {
        let bytes = text.as_bytes();
        let mut at = from;
        while at < bytes.len() {
            // Almost every piece starts where the previous one ended: an anchored search
            // needs only the forward DFA, so try it before the general search.
            let found = self
                .regex
                .search(&Input::new(bytes).range(at..).anchored(Anchored::Yes))
                .or_else(|| self.regex.search(&Input::new(bytes).range(at..)))?;
            match self.resolve(text, found) {
                Some(end) => return Some((found.start(), end)),
                None => at = next_char_boundary(text, found.start()),
            }
        }
        None
    }

    /// The end of the true match for a DFA match, or `None` if the pattern has no match
    /// starting there.
    fn resolve(&self, text: &str, found: regex_automata::Match) -> Option<usize> {
        let Some(run) = self
            .trailing_run
            .as_ref()
            .filter(|run| run.id == found.pattern())
        else {
            return Some(found.end());
        };
        let followed_by_non_space = text[found.end()..]
            .chars()
            .next()
            .is_some_and(|next| !next.is_whitespace());
        if !followed_by_non_space {
            return Some(found.end());
        }
        let matched = &text[found.start()..found.end()];
        let last_char = matched.chars().next_back().map_or(0, char::len_utf8);
        if matched.len() > last_char {
            // Backtrack by one character: the look-ahead then sees that (space) character.
            return Some(found.end() - last_char);
        }
        let fallback = run.fallback.as_ref()?;
        fallback
            .search(
                &Input::new(text.as_bytes())
                    .range(found.start()..)
                    .anchored(Anchored::Yes),
            )
            .map(|m| m.end())
    }
}

/// Split a pattern at its top-level `|` (outside groups and classes, not escaped).
fn top_level_alternatives(pattern: &str) -> Vec<&str> {
    let mut alternatives = Vec::new();
    let (mut depth, mut in_class, mut escaped, mut start) = (0usize, false, false, 0);
    for (index, c) in pattern.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth = depth.saturating_sub(1),
            '|' if !in_class && depth == 0 => {
                alternatives.push(&pattern[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    alternatives.push(&pattern[start..]);
    alternatives
}
