//! The rank order of LiB's lexicon: a list of short blocks with their starting ranks.
//!
//! LiB moves units by `⌊rΔ⌋ + 1` places, deletes them past the tail and reads the rank
//! sum of competing segmentations. The authors keep a Python list, so every move shifts
//! O(|L|) entries. Here the order is cut into blocks of at most [`BLOCK`] ids: a move
//! shifts within two blocks and bumps the starting ranks of the blocks between, and the
//! rank of a unit is its block's start plus a scan of one block. With |L| = 50,000 that is
//! one or two hundred contiguous words per operation, which beats a balanced tree's
//! pointer-chasing walk (a treap here spent 30 % of training in splits and merges).
//! Blocks of 128 ids cost 5 % fewer instructions in training than 512 or 64 (measured
//! with cachegrind: rank scans against the starts to bump).

use crate::slots::place;

const NONE: u32 = u32::MAX;

/// Most ids in one block; a full block splits in two halves.
const BLOCK: usize = 128;

/// Positions of unit ids in one sequence.
#[derive(Clone, Debug, Default)]
pub(crate) struct RankOrder {
    /// The ids of each block, in order; a block keeps its index while it lives.
    blocks: Vec<Vec<u32>>,
    /// Indices of the non-empty blocks, in order.
    sequence: Vec<u32>,
    /// Rank of the first id of each block of `sequence`.
    starts: Vec<u32>,
    /// Position in `sequence` of each block.
    position: Vec<u32>,
    /// Block of each id (`NONE`: not in the sequence).
    block_of: Vec<u32>,
    /// Indices of emptied blocks, for reuse.
    free: Vec<u32>,
    len: usize,
}

/// Index of `id` in `block`, which holds it.
///
/// Ranks are read several times per counterfactual test, so this scan is hot: it
/// compares a fixed-width lane of ids at a time without an early exit, which the
/// compiler turns into vector compares, and only then finds the id within the lane.
fn offset_of(block: &[u32], id: u32) -> usize {
    const LANE: usize = 16;
    let lanes = block.chunks_exact(LANE);
    let rest = lanes.remainder();
    for (index, lane) in lanes.enumerate() {
        if lane
            .iter()
            .fold(false, |found, &other| found | (other == id))
        {
            return index * LANE + lane.iter().position(|&other| other == id).unwrap_or(0);
        }
    }
    let start = block.len() - rest.len();
    start
        + rest
            .iter()
            .position(|&other| other == id)
            .expect("an id is in the block it is recorded in")
}

impl RankOrder {
    /// An empty sequence.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Number of ids in the sequence.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Read where `id` is kept, so that a [`rank`](Self::rank) of it soon after finds
    /// that in the cache.
    pub(crate) fn warm(&self, id: u32) {
        if let Some(&block) = self.block_of.get(id as usize) {
            if let Some(ids) = self.blocks.get(block as usize) {
                std::hint::black_box(ids.first());
            }
        }
    }

    /// Whether `id` is in the sequence.
    pub(crate) fn contains(&self, id: u32) -> bool {
        self.block_of
            .get(id as usize)
            .is_some_and(|&block| block != NONE)
    }

    /// Position of `id`, which must be in the sequence.
    pub(crate) fn rank(&self, id: u32) -> usize {
        let block = self.block_of[id as usize];
        let offset = offset_of(&self.blocks[block as usize], id);
        self.starts[self.position[block as usize] as usize] as usize + offset
    }

    /// Position in `sequence` of the block holding rank `rank` (< `len()`).
    fn locate(&self, rank: usize) -> usize {
        self.starts.partition_point(|&start| start as usize <= rank) - 1
    }

    /// [`locate`](Self::locate) by a search that gallops out from the block at position
    /// `from` in `sequence`: a rank a few blocks away costs a few loads, not the binary
    /// search's ten.
    fn locate_from(&self, rank: usize, from: usize) -> usize {
        let starts = &self.starts;
        let (mut low, mut high) = (from, from + 1);
        let mut step = 1;
        while starts[low] as usize > rank {
            high = low;
            low = low.saturating_sub(step);
            step *= 2;
        }
        while starts
            .get(high)
            .is_some_and(|&start| start as usize <= rank)
        {
            low = high;
            high = (high + step).min(starts.len());
            step *= 2;
        }
        low + starts[low..high].partition_point(|&start| start as usize <= rank) - 1
    }

    /// The id at position `rank` (< `len()`).
    pub(crate) fn select(&self, rank: usize) -> u32 {
        let at = self.locate(rank);
        self.blocks[self.sequence[at] as usize][rank - self.starts[at] as usize]
    }

    /// Append `id` (not in the sequence) at the end.
    pub(crate) fn push(&mut self, id: u32) {
        self.insert(id, usize::MAX);
    }

    /// Insert `id` (not in the sequence) so that its position becomes `rank`
    /// (clamped to the end).
    pub(crate) fn insert(&mut self, id: u32, rank: usize) {
        let rank = rank.min(self.len);
        if self.sequence.is_empty() {
            let block = self.new_block(Vec::new());
            self.sequence.push(block);
            self.starts.push(0);
            self.reindex(0);
        }
        // The end of the sequence belongs to the last block.
        let at = if rank == self.len {
            self.sequence.len() - 1
        } else {
            self.locate(rank)
        };
        let block = self.sequence[at];
        let offset = rank - self.starts[at] as usize;
        self.blocks[block as usize].insert(offset, id);
        if id as usize >= self.block_of.len() {
            self.block_of.resize(id as usize + 1, NONE);
        }
        self.block_of[id as usize] = block;
        for start in &mut self.starts[at + 1..] {
            *start += 1;
        }
        self.len += 1;
        if self.blocks[block as usize].len() > BLOCK {
            self.split(at);
        }
    }

    /// Remove `ids`, which must all be in the sequence.
    ///
    /// LiB forgets thousands of units at the end of an article; one by one, each would
    /// scan its block and shift the starts of all later blocks. Here the ids are unmarked,
    /// each block they were in is compacted once, and the starts are recomputed once.
    pub(crate) fn remove_all(&mut self, ids: &[u32]) {
        let mut touched = vec![false; self.blocks.len()];
        for &id in ids {
            let block = std::mem::replace(&mut self.block_of[id as usize], NONE);
            touched[block as usize] = true;
        }
        self.len -= ids.len();
        let mut start = 0;
        let mut kept = 0;
        for at in 0..self.sequence.len() {
            let block = self.sequence[at];
            if touched[block as usize] {
                let block_of = &self.block_of;
                self.blocks[block as usize].retain(|&id| block_of[id as usize] != NONE);
            }
            let size = self.blocks[block as usize].len() as u32;
            if size == 0 {
                self.free.push(block);
                continue;
            }
            self.sequence[kept] = block;
            self.starts[kept] = start;
            start += size;
            kept += 1;
        }
        self.sequence.truncate(kept);
        self.starts.truncate(kept);
        self.reindex(0);
    }

    /// Remove `id`, which must be in the sequence.
    pub(crate) fn remove(&mut self, id: u32) {
        self.remove_at(self.rank(id));
    }

    /// Remove the id at position `rank` (< `len()`).
    fn remove_at(&mut self, rank: usize) {
        let at = self.locate(rank);
        let block = self.sequence[at];
        let id = self.blocks[block as usize].remove(rank - self.starts[at] as usize);
        self.block_of[id as usize] = NONE;
        for start in &mut self.starts[at + 1..] {
            *start -= 1;
        }
        self.len -= 1;
        if self.blocks[block as usize].is_empty() {
            self.sequence.remove(at);
            self.starts.remove(at);
            self.free.push(block);
            self.reindex(at);
        }
    }

    /// Move `id`, at position `rank` (as [`rank`](Self::rank) gives it), to position
    /// `target` (clamped to the end); the ids between shift by one.
    ///
    /// LiB re-ranks on every test, so this is the hot update. Done as a removal and an
    /// insertion it would shift the start of every block after either end, twice; here
    /// only the blocks between the two ends shift, and a move within one block is a
    /// rotation.
    pub(crate) fn move_to(&mut self, id: u32, rank: usize, target: usize) {
        let target = target.min(self.len - 1);
        // The caller has the rank, so the block is found without a search or a scan.
        let from_block = self.block_of[id as usize] as usize;
        let from = self.position[from_block] as usize;
        let from_offset = rank - self.starts[from] as usize;
        let to = self.locate_from(target, from);
        let to_offset = target - self.starts[to] as usize;
        if to == from {
            let ids = &mut self.blocks[from_block];
            if target < rank {
                ids.copy_within(to_offset..from_offset, to_offset + 1);
            } else {
                ids.copy_within(from_offset + 1..=to_offset, from_offset);
            }
            ids[to_offset] = id;
            return;
        }
        if self.blocks[from_block].len() == 1 {
            // The block would empty: let removal take it out of the sequence.
            self.remove_at(rank);
            self.insert(id, target);
            return;
        }
        self.blocks[from_block].remove(from_offset);
        let to_block = self.sequence[to];
        if target < rank {
            self.blocks[to_block as usize].insert(to_offset, id);
            for start in &mut self.starts[to + 1..=from] {
                *start += 1;
            }
        } else {
            // Rank `target` counts the moved id: it goes after the id now there.
            self.blocks[to_block as usize].insert(to_offset + 1, id);
            for start in &mut self.starts[from + 1..=to] {
                *start -= 1;
            }
        }
        self.block_of[id as usize] = to_block;
        if self.blocks[to_block as usize].len() > BLOCK {
            self.split(to);
        }
    }

    /// The ids in position order.
    pub(crate) fn in_order(&self) -> Vec<u32> {
        self.iter().collect()
    }

    /// The ids in position order, lazily.
    pub(crate) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.blocks_in_order().flatten().copied()
    }

    /// The blocks of ids in position order.
    pub(crate) fn blocks_in_order(&self) -> impl Iterator<Item = &[u32]> + '_ {
        self.sequence
            .iter()
            .map(|&block| self.blocks[block as usize].as_slice())
    }

    fn new_block(&mut self, ids: Vec<u32>) -> u32 {
        place(&mut self.blocks, &mut self.free, ids)
    }

    /// Move the second half of the block at `at` into a new block after it.
    fn split(&mut self, at: usize) {
        let block = self.sequence[at] as usize;
        let half = self.blocks[block].len() / 2;
        let moved = self.blocks[block].split_off(half);
        let new = self.new_block(moved);
        for &id in &self.blocks[new as usize] {
            self.block_of[id as usize] = new;
        }
        self.sequence.insert(at + 1, new);
        self.starts.insert(at + 1, self.starts[at] + half as u32);
        self.reindex(at + 1);
    }

    /// Record the positions of the blocks from `at` on in `sequence`.
    fn reindex(&mut self, at: usize) {
        if self.position.len() < self.blocks.len() {
            self.position.resize(self.blocks.len(), NONE);
        }
        for (offset, &block) in self.sequence[at..].iter().enumerate() {
            self.position[block as usize] = (at + offset) as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random moves, inserts and removals agree with a plain vector, across block splits
    /// and emptied blocks.
    #[test]
    fn matches_a_vector() {
        let mut order = RankOrder::new();
        let mut list: Vec<u32> = Vec::new();
        let mut state = 12345u64;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % bound.max(1)
        };
        let mut fresh = 0u32;
        for round in 0..20_000 {
            // Grow past several blocks, shrink (emptying blocks), grow again.
            let shrinking = (5_000..8_000).contains(&round);
            if round % 1_000 == 999 && !list.is_empty() {
                // Forget a batch at once, as at the end of an article.
                let mut ids: Vec<u32> = (0..BLOCK).map(|_| list[next(list.len())]).collect();
                ids.sort_unstable();
                ids.dedup();
                order.remove_all(&ids);
                list.retain(|id| ids.binary_search(id).is_err());
            }
            match next(4) {
                0 | 1 if !shrinking => {
                    let rank = next(list.len() + 1);
                    order.insert(fresh, rank);
                    list.insert(rank, fresh);
                    fresh += 1;
                }
                0..=2 if !list.is_empty() => {
                    let id = list[next(list.len())];
                    order.remove(id);
                    list.retain(|&x| x != id);
                }
                _ if !list.is_empty() => {
                    let rank = next(list.len());
                    // Mostly short moves, within a block or to the next; some long ones.
                    let distance = if next(4) == 0 { list.len() } else { BLOCK / 2 };
                    let to = if next(2) == 0 {
                        rank.saturating_sub(next(distance))
                    } else {
                        rank + next(distance)
                    };
                    order.move_to(list[rank], rank, to);
                    let id = list.remove(rank);
                    list.insert(to.min(list.len()), id);
                }
                _ => {}
            }
            assert_eq!(order.len(), list.len());
        }
        assert!(list.len() > 2 * BLOCK);
        assert_eq!(order.in_order(), list);
        for (rank, &id) in list.iter().enumerate() {
            assert_eq!(order.rank(id), rank);
            assert_eq!(order.select(rank), id);
        }
    }
}
