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
//! with cachegrind: rank scans against the starts to bump). A block that falls below a
//! quarter of that merges with a neighbour: without merging, the moves out of blocks
//! drained them to 24 ids on average in LiB training on 50,000 lines, and a move
//! crossed 47 blocks; with it, blocks hold 65 and a move crosses 18 (re-ranking 10 %
//! faster).

use crate::slots::place;

const NONE: u32 = u32::MAX;

/// Most ids in one block; a full block splits in two halves.
const BLOCK: usize = 128;
/// Ids compared at once when a block is scanned.
const LANE: usize = 16;
/// A block left with fewer ids merges with a neighbour.
const MERGE_BELOW: usize = BLOCK / 4;

/// The ids of one block, in place, with its length: a move reads both, and here one cache
/// miss brings the length and the first ids, where a `Vec` per block needs a load of its
/// header before the ids (re-ranking 7 % faster).
#[derive(Clone, Debug)]
struct Block {
    len: u32,
    /// Room for an insertion to overfill a block before it splits, in whole lanes.
    ids: [u32; BLOCK + LANE],
}

impl Default for Block {
    fn default() -> Self {
        Self {
            len: 0,
            ids: [NONE; BLOCK + LANE],
        }
    }
}

impl std::ops::Deref for Block {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        &self.ids[..self.len as usize]
    }
}

impl std::ops::DerefMut for Block {
    fn deref_mut(&mut self) -> &mut [u32] {
        &mut self.ids[..self.len as usize]
    }
}

impl Block {
    fn from_ids(ids: &[u32]) -> Self {
        let mut block = Self::default();
        block.ids[..ids.len()].copy_from_slice(ids);
        block.len = ids.len() as u32;
        block
    }

    fn insert(&mut self, offset: usize, id: u32) {
        let len = self.len as usize;
        self.ids.copy_within(offset..len, offset + 1);
        self.ids[offset] = id;
        self.len += 1;
    }

    fn remove(&mut self, offset: usize) -> u32 {
        let len = self.len as usize;
        let id = self.ids[offset];
        self.ids.copy_within(offset + 1..len, offset);
        self.truncate(len - 1);
        id
    }

    /// Index of `id`, which the block holds.
    ///
    /// Ranks are read at every move, so this scan is hot. Ids are unique in a block and
    /// the slots past its length hold `NONE`, so the offset is the sum, over whole
    /// lanes, of the indices where `id` is: a loop without a branch, which the compiler
    /// turns into vector compares and adds. Stopping at the lane of the first match
    /// takes fewer instructions but mispredicts where it stops: re-ranking took 9 %
    /// longer.
    fn offset_of(&self, id: u32) -> usize {
        let lanes = (self.len as usize).div_ceil(LANE);
        let offset: u32 = (self.ids[..lanes * LANE].iter().zip(0..))
            .map(|(&other, at)| if other == id { at } else { 0 })
            .sum();
        debug_assert_eq!(self.ids[offset as usize], id, "an id is in its block");
        offset as usize
    }

    /// Keep the first `len` ids.
    fn truncate(&mut self, len: usize) {
        self.ids[len..self.len as usize].fill(NONE);
        self.len = len as u32;
    }

    fn retain(&mut self, keep: impl Fn(u32) -> bool) {
        let mut kept = 0;
        for at in 0..self.len as usize {
            let id = self.ids[at];
            if keep(id) {
                self.ids[kept] = id;
                kept += 1;
            }
        }
        self.truncate(kept);
    }
}

/// Positions of unit ids in one sequence.
#[derive(Clone, Debug, Default)]
pub(crate) struct RankOrder {
    /// The ids of each block, in order; a block keeps its index while it lives.
    blocks: Vec<Block>,
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
        let offset = self.blocks[block as usize].offset_of(id);
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
            let block = self.new_block(Block::default());
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
                self.blocks[block as usize].retain(|id| block_of[id as usize] != NONE);
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
        if self.blocks[from_block].len() < MERGE_BELOW {
            self.merge(self.position[from_block] as usize);
        }
    }

    /// Merge the block at `at` in `sequence` with a neighbour, if the two fit in
    /// three quarters of a block (so that the merged block does not soon split).
    fn merge(&mut self, at: usize) {
        let fits = |order: &Self, left: usize| {
            let size = |at: usize| order.blocks[order.sequence[at] as usize].len();
            left + 1 < order.sequence.len() && size(left) + size(left + 1) <= BLOCK * 3 / 4
        };
        let left = if fits(self, at) {
            at
        } else if at > 0 && fits(self, at - 1) {
            at - 1
        } else {
            return;
        };
        let (kept, gone) = (self.sequence[left], self.sequence[left + 1]);
        let moved = std::mem::take(&mut self.blocks[gone as usize]);
        for &id in moved.iter() {
            self.block_of[id as usize] = kept;
        }
        let block = &mut self.blocks[kept as usize];
        let len = block.len as usize;
        block.ids[len..len + moved.len()].copy_from_slice(&moved);
        block.len += moved.len;
        self.free.push(gone);
        self.sequence.remove(left + 1);
        self.starts.remove(left + 1);
        self.reindex(left + 1);
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
            .map(|&block| &self.blocks[block as usize][..])
    }

    fn new_block(&mut self, ids: Block) -> u32 {
        place(&mut self.blocks, &mut self.free, ids)
    }

    /// Move the second half of the block at `at` into a new block after it.
    fn split(&mut self, at: usize) {
        let block = self.sequence[at] as usize;
        let half = self.blocks[block].len() / 2;
        let moved = Block::from_ids(&self.blocks[block][half..]);
        self.blocks[block].truncate(half);
        let new = self.new_block(moved);
        for &id in self.blocks[new as usize].iter() {
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

    /// Moving ids out of the tail to the head drains the tail blocks, which merge: no
    /// block is left small beside a neighbour it fits with.
    #[test]
    fn drained_blocks_merge() {
        let mut order = RankOrder::new();
        let mut list: Vec<u32> = (0..4 * BLOCK as u32).collect();
        list.iter().for_each(|&id| order.push(id));
        for _ in 0..2 * BLOCK {
            let rank = list.len() - 1;
            order.move_to(list[rank], rank, 0);
            list.rotate_right(1);
            let sizes: Vec<usize> = order.blocks_in_order().map(<[u32]>::len).collect();
            assert!(sizes.windows(2).all(|pair| {
                pair[0].min(pair[1]) >= MERGE_BELOW || pair[0] + pair[1] > BLOCK * 3 / 4
            }));
        }
        assert_eq!(order.in_order(), list);
        for (rank, &id) in list.iter().enumerate() {
            assert_eq!(order.rank(id), rank);
        }
    }
}
