//! The reader's walks of the settled trie, made ahead of it on a second core.
//!
//! While an article is read, the trie of the units settled before it does not change:
//! the units admitted meanwhile go to a small trie of their own (see the trainer), and
//! nothing is forgotten until the article is consolidated. So the walks of the settled
//! trie at the positions the reader will ask for can be made in advance, on another
//! core, and the reader merges each with a walk of the small trie of fresh units, which
//! stays in its core's cache. A walk of the settled trie is a chain of dependent cache
//! misses; it was the largest part of reading.
//!
//! The positions are those of the greedy path through the settled units and the
//! alternative paths of the counterfactual tests opened along it. Where a unit admitted
//! during the article changes the path, the reader walks the settled trie itself, and
//! so it does in a piece the second core has not reached yet. In LiB training on 50,000
//! lines of English, four in five of the reader's lookups come from here, and the two
//! cores walk 2 % more than the reader asks for. Training took 7 % less time on two
//! cores when this came (before the [`LEAD`]); on one core, where the reader walks both
//! tries, it took about 18 % more.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};

use crate::model::Units;
use crate::trie::{PrefixMatch, UnitTrie};

const NONE: u32 = u32::MAX;

/// The two longest settled units that are prefixes of a text at one position, as
/// [`PrefixMatch`] without the node: 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SettledMatch {
    longest: u32,
    /// Byte length of the longest unit; [`NONE`] for a position not walked.
    longest_len: u32,
    shorter: u32,
    shorter_len: u32,
}

impl SettledMatch {
    const NOT_WALKED: Self = Self {
        longest: NONE,
        longest_len: NONE,
        shorter: NONE,
        shorter_len: 0,
    };

    /// Walk `settled` at `text[at..]`.
    pub(super) fn walk(settled: &UnitTrie, text: &[u8], at: usize) -> Self {
        Self::from(settled.prefixes(text, at, usize::MAX))
    }

    fn walked(self) -> bool {
        self.longest_len != NONE
    }

    /// The match, with no node (the reader inserts only into the trie of fresh units).
    pub(super) fn found(self) -> PrefixMatch {
        let unit = |unit: u32, len: u32| (unit != NONE).then_some((unit, len as usize));
        PrefixMatch {
            longest: unit(self.longest, self.longest_len),
            shorter: unit(self.shorter, self.shorter_len),
            longest_node: None,
        }
    }

    /// Where a greedy step from this position ends: after the longest unit, or after
    /// the single symbol at `at` when none matches.
    fn step_end(self, units: Units, text: &[u8], at: usize) -> usize {
        match self.longest {
            NONE => at + units.symbol_len(text, at),
            _ => at + self.longest_len as usize,
        }
    }
}

impl From<PrefixMatch> for SettledMatch {
    fn from(found: PrefixMatch) -> Self {
        let (longest, longest_len) = found.longest.unwrap_or((NONE, 0));
        let (shorter, shorter_len) = found.shorter.unwrap_or((NONE, 0));
        Self {
            longest,
            longest_len: longest_len as u32,
            shorter,
            shorter_len: shorter_len as u32,
        }
    }
}

/// The settled matches of one piece, by byte offset, at the positions walked ahead.
pub(super) struct PieceMatches(Vec<SettledMatch>);

impl PieceMatches {
    /// The match at `at`, if it was walked ahead.
    pub(super) fn get(&self, at: usize) -> Option<SettledMatch> {
        self.0.get(at).copied().filter(|found| found.walked())
    }
}

/// Where the walk of a piece stands.
#[derive(Clone, Copy)]
enum Stage {
    /// On the greedy path, at this position.
    Greedy(usize),
    /// On the alternative path of the test number `test`, at `at`.
    Alternative {
        test: usize,
        at: usize,
    },
    Done,
}

/// One piece walked as the reader would walk it if no unit were admitted: the greedy
/// path, then each test's alternative path (from the end of the shorter unit, greedily,
/// until it lands on a boundary of the greedy path).
struct PieceWalk<'t> {
    text: &'t [u8],
    units: Units,
    matches: Vec<SettledMatch>,
    /// The boundaries of the greedy path, by byte offset (the end included).
    on_path: Vec<bool>,
    /// Where the tests on the greedy path are opened, in order.
    tests: Vec<usize>,
    stage: Stage,
}

impl<'t> PieceWalk<'t> {
    fn new(text: &'t [u8], units: Units) -> Self {
        Self {
            text,
            units,
            matches: vec![SettledMatch::NOT_WALKED; text.len()],
            on_path: vec![false; text.len() + 1],
            tests: Vec::new(),
            stage: Stage::Greedy(0),
        }
    }

    /// The position of the next walk, if any is left.
    fn next_walk(&mut self) -> Option<usize> {
        loop {
            match self.stage {
                Stage::Greedy(at) if at < self.text.len() => return Some(at),
                Stage::Greedy(end) => {
                    self.on_path[end] = true;
                    self.stage = self.test_stage(0);
                }
                Stage::Alternative { test, at } if self.on_path[at] => {
                    self.stage = self.test_stage(test + 1);
                }
                Stage::Alternative { test, at } => {
                    let found = self.matches[at];
                    if !found.walked() {
                        return Some(at);
                    }
                    let at = found.step_end(self.units, self.text, at);
                    self.stage = Stage::Alternative { test, at };
                }
                Stage::Done => return None,
            }
        }
    }

    /// The start of the alternative path of test number `test`, if there is that test.
    fn test_stage(&self, test: usize) -> Stage {
        self.tests
            .get(test)
            .map_or(Stage::Done, |&start| Stage::Alternative {
                test,
                at: start + self.matches[start].shorter_len as usize,
            })
    }

    /// Record the match at `at`, the position [`next_walk`](Self::next_walk) gave.
    fn record(&mut self, at: usize, found: SettledMatch) {
        self.matches[at] = found;
        let end = found.step_end(self.units, self.text, at);
        self.stage = match self.stage {
            Stage::Greedy(_) => {
                self.on_path[at] = true;
                if found.shorter != NONE {
                    self.tests.push(at);
                }
                Stage::Greedy(end)
            }
            Stage::Alternative { test, .. } => Stage::Alternative { test, at: end },
            Stage::Done => unreachable!("a finished piece asks for no walk"),
        };
    }
}

/// How many pieces past the reader the walks go on when the reader catches up with them.
/// The reader walks the pieces between itself; going on right after it, the walks were
/// soon caught up with again, in the middle of a piece whose walks were then lost. With
/// a lead of 4 pieces, training took 9 % less time than with 1 (10 interleaved runs).
const LEAD: usize = 4;

/// Walk the pieces ahead of the reader, which stores the index of the piece it reads in
/// `reader`, and send each piece's matches with its index, in order. A piece the reader
/// reaches is left to it, and the walks go on [`LEAD`] pieces past the reader.
///
/// (Walking several pieces in lockstep, so that their misses overlap, took longer: the
/// walks of this trie branch on what they load, and mispredicted branches serialize
/// them.)
pub(super) fn walk_ahead(
    settled: &UnitTrie,
    units: Units,
    pieces: &[Cow<'_, str>],
    reader: &AtomicUsize,
    sender: &Sender<(usize, PieceMatches)>,
) {
    let mut next = 0;
    while let Some(piece) = pieces.get(next) {
        match walk_piece(settled, units, piece.as_bytes(), || {
            reader.load(Ordering::Relaxed) >= next
        }) {
            Some(matches) => {
                if sender.send((next, matches)).is_err() {
                    return;
                }
                next += 1;
            }
            None => next = reader.load(Ordering::Relaxed) + LEAD,
        }
    }
}

/// The matches of the piece `text`, or none once `reached` says the reader has got there.
fn walk_piece(
    settled: &UnitTrie,
    units: Units,
    text: &[u8],
    reached: impl Fn() -> bool,
) -> Option<PieceMatches> {
    let mut walk = PieceWalk::new(text, units);
    while let Some(at) = walk.next_walk() {
        if reached() {
            return None;
        }
        walk.record(at, SettledMatch::walk(settled, text, at));
    }
    Some(PieceMatches(walk.matches))
}

/// The reader's end of [`walk_ahead`]: the matches of the piece being read, if they were
/// sent.
pub(super) struct AheadOfReader {
    receiver: Receiver<(usize, PieceMatches)>,
    /// Matches of pieces after the one being read, sent early.
    early: Vec<(usize, PieceMatches)>,
}

impl AheadOfReader {
    pub(super) fn new(receiver: Receiver<(usize, PieceMatches)>) -> Self {
        Self {
            receiver,
            early: Vec::new(),
        }
    }

    /// The matches of piece `index`, if they have come; those of earlier pieces are
    /// dropped.
    pub(super) fn take(&mut self, index: usize) -> Option<PieceMatches> {
        self.early.extend(self.receiver.try_iter());
        self.early.retain(|&(piece, _)| piece >= index);
        let position = self.early.iter().position(|&(piece, _)| piece == index)?;
        Some(self.early.swap_remove(position).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie() -> UnitTrie {
        let mut trie = UnitTrie::new();
        for (id, unit) in ["a", "b", "c", " ", "ab", "abc", "bc", "c a", "ca"]
            .iter()
            .enumerate()
        {
            trie.insert(unit.as_bytes(), id as u32);
        }
        trie
    }

    /// The greedy path and every alternative path up to where it meets it are walked,
    /// and each walk agrees with a single walk of the trie.
    #[test]
    fn walks_the_paths_the_reader_takes() {
        let (trie, text) = (trie(), b"abc abca cab bcab".as_slice());
        let mut walk = PieceWalk::new(text, Units::Chars);
        while let Some(at) = walk.next_walk() {
            walk.record(at, SettledMatch::walk(&trie, text, at));
        }
        let matches = PieceMatches(walk.matches);
        for at in 0..text.len() {
            if let Some(found) = matches.get(at) {
                let single = trie.prefixes(text, at, usize::MAX);
                assert_eq!(
                    found.found(),
                    PrefixMatch {
                        longest_node: None,
                        ..single
                    }
                );
            }
        }
        let step = |at: usize| {
            let found = matches.get(at).expect("every position on a path is walked");
            found.step_end(Units::Chars, text, at)
        };
        let mut path = vec![0];
        while *path.last().unwrap() < text.len() {
            path.push(step(*path.last().unwrap()));
        }
        let mut alternatives = 0;
        for &start in &path[..path.len() - 1] {
            if let Some((_, shorter)) = matches.get(start).unwrap().found().shorter {
                let mut at = start + shorter;
                while !path.contains(&at) {
                    at = step(at);
                }
                alternatives += 1;
            }
        }
        assert!(alternatives >= 3);
    }

    /// The reader gets the matches of the pieces from [`LEAD`] pieces after the one it
    /// reads; a piece it has passed is dropped.
    #[test]
    fn sends_the_pieces_ahead_of_the_one_being_read() {
        let trie = trie();
        let pieces: Vec<Cow<'_, str>> = ["abc", "cab", "bca", "a b"]
            .repeat(2)
            .into_iter()
            .map(Cow::from)
            .collect();
        let (sender, receiver) = std::sync::mpsc::channel();
        walk_ahead(&trie, Units::Chars, &pieces, &AtomicUsize::new(0), &sender);
        let mut reader = AheadOfReader::new(receiver);
        assert!((0..LEAD).all(|piece| reader.take(piece).is_none()));
        assert!(reader.take(LEAD + 1).is_some());
        assert!(reader.take(LEAD).is_none());
        let last = reader.take(pieces.len() - 1).expect("sent");
        let single = trie.prefixes(b"a b", 2, usize::MAX);
        assert_eq!(
            last.get(2).map(SettledMatch::found),
            Some(PrefixMatch {
                longest_node: None,
                ..single
            })
        );
    }
}
