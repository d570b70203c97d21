//! The rank order of LiB's lexicon: an implicit treap keyed by position.
//!
//! LiB moves units by `⌊rΔ⌋ + 1` places, deletes them past the tail and reads the rank
//! sum of competing segmentations. The authors keep a Python list, so every move shifts
//! O(|L|) entries; here each unit is a treap node whose key is its position (subtree
//! sizes), with parent links so that the rank of a unit is a walk to the root: rank,
//! select, insert-at and remove are O(log |L|) expected.
//!
//! Node priorities come from a hash of the unit id, not from the training RNG, so the
//! tree's shape never changes what LiB samples.

const NIL: u32 = u32::MAX;

/// One node; its fields together, so that a step of a walk touches one cache line.
#[derive(Clone, Copy, Debug, Default)]
struct Node {
    left: u32,
    right: u32,
    parent: u32,
    size: u32,
    priority: u32,
}

/// Positions of unit ids `0..capacity` in one sequence.
#[derive(Clone, Debug, Default)]
pub(crate) struct RankTree {
    nodes: Vec<Node>,
    root: u32,
}

/// A well-mixed priority for node `id` (SplitMix64's finalizer).
fn priority(id: u32) -> u32 {
    let mut z = u64::from(id).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as u32
}

impl RankTree {
    /// An empty sequence.
    pub(crate) fn new() -> Self {
        Self {
            root: NIL,
            ..Self::default()
        }
    }

    /// Number of ids in the sequence.
    pub(crate) fn len(&self) -> usize {
        self.size_of(self.root) as usize
    }

    fn size_of(&self, node: u32) -> u32 {
        if node == NIL {
            0
        } else {
            self.nodes[node as usize].size
        }
    }

    fn set_left(&mut self, node: u32, child: u32) {
        self.nodes[node as usize].left = child;
        if child != NIL {
            self.nodes[child as usize].parent = node;
        }
    }

    fn set_right(&mut self, node: u32, child: u32) {
        self.nodes[node as usize].right = child;
        if child != NIL {
            self.nodes[child as usize].parent = node;
        }
    }

    fn update(&mut self, node: u32) {
        let Node { left, right, .. } = self.nodes[node as usize];
        self.nodes[node as usize].size = 1 + self.size_of(left) + self.size_of(right);
    }

    /// Concatenate two trees (every position of `a` before those of `b`).
    fn merge(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL {
            return b;
        }
        if b == NIL {
            return a;
        }
        if self.nodes[a as usize].priority > self.nodes[b as usize].priority {
            let right = self.nodes[a as usize].right;
            let merged = self.merge(right, b);
            self.set_right(a, merged);
            self.update(a);
            a
        } else {
            let left = self.nodes[b as usize].left;
            let merged = self.merge(a, left);
            self.set_left(b, merged);
            self.update(b);
            b
        }
    }

    /// Split a tree into its first `k` positions and the rest.
    fn split(&mut self, node: u32, k: u32) -> (u32, u32) {
        if node == NIL {
            return (NIL, NIL);
        }
        let left = self.nodes[node as usize].left;
        let left_size = self.size_of(left);
        if k <= left_size {
            let (a, b) = self.split(left, k);
            self.set_left(node, b);
            self.update(node);
            if a != NIL {
                self.nodes[a as usize].parent = NIL;
            }
            (a, node)
        } else {
            let right = self.nodes[node as usize].right;
            let (a, b) = self.split(right, k - left_size - 1);
            self.set_right(node, a);
            self.update(node);
            if b != NIL {
                self.nodes[b as usize].parent = NIL;
            }
            (node, b)
        }
    }

    fn set_root(&mut self, root: u32) {
        self.root = root;
        if root != NIL {
            self.nodes[root as usize].parent = NIL;
        }
    }

    /// Insert `id` (not in the sequence) so that its position becomes `rank`
    /// (clamped to the end).
    pub(crate) fn insert(&mut self, id: u32, rank: usize) {
        let n = id as usize;
        if n >= self.nodes.len() {
            self.nodes.resize(n + 1, Node::default());
        }
        self.nodes[n] = Node {
            left: NIL,
            right: NIL,
            parent: NIL,
            size: 1,
            priority: priority(id),
        };
        let (a, b) = self.split(self.root, rank.min(self.len()) as u32);
        let front = self.merge(a, id);
        let root = self.merge(front, b);
        self.set_root(root);
    }

    /// Append `id` (not in the sequence) at the end.
    pub(crate) fn push(&mut self, id: u32) {
        self.insert(id, usize::MAX);
    }

    /// Position of `id`, which must be in the sequence.
    pub(crate) fn rank(&self, id: u32) -> usize {
        let mut node = id;
        let mut rank = self.size_of(self.nodes[node as usize].left);
        loop {
            let parent = self.nodes[node as usize].parent;
            if parent == NIL {
                return rank as usize;
            }
            let Node { left, right, .. } = self.nodes[parent as usize];
            if right == node {
                rank += self.size_of(left) + 1;
            }
            node = parent;
        }
    }

    /// The id at position `rank` (< `len()`).
    pub(crate) fn select(&self, rank: usize) -> u32 {
        let mut node = self.root;
        let mut k = rank as u32;
        loop {
            let left = self.nodes[node as usize].left;
            let left_size = self.size_of(left);
            if k < left_size {
                node = left;
            } else if k == left_size {
                return node;
            } else {
                k -= left_size + 1;
                node = self.nodes[node as usize].right;
            }
        }
    }

    /// Remove `id`, which must be in the sequence.
    pub(crate) fn remove(&mut self, id: u32) {
        self.remove_at(self.rank(id));
    }

    /// Remove the id at position `rank` (< `len()`).
    pub(crate) fn remove_at(&mut self, rank: usize) {
        let (a, rest) = self.split(self.root, rank as u32);
        let (_, b) = self.split(rest, 1);
        let root = self.merge(a, b);
        self.set_root(root);
    }

    /// The ids in position order.
    pub(crate) fn in_order(&self) -> Vec<u32> {
        let mut order = Vec::with_capacity(self.len());
        let mut stack = Vec::new();
        let mut node = self.root;
        while node != NIL || !stack.is_empty() {
            while node != NIL {
                stack.push(node);
                node = self.nodes[node as usize].left;
            }
            if let Some(top) = stack.pop() {
                order.push(top);
                node = self.nodes[top as usize].right;
            }
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random moves, inserts and removals agree with a plain vector.
    #[test]
    fn matches_a_vector() {
        let mut tree = RankTree::new();
        let mut list: Vec<u32> = Vec::new();
        let mut state = 12345u64;
        let mut next = |bound: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % bound.max(1)
        };
        let mut fresh = 0u32;
        for _ in 0..5_000 {
            match next(4) {
                0 | 1 => {
                    let rank = next(list.len() + 1);
                    tree.insert(fresh, rank);
                    list.insert(rank, fresh);
                    fresh += 1;
                }
                2 if !list.is_empty() => {
                    let id = list[next(list.len())];
                    tree.remove(id);
                    list.retain(|&x| x != id);
                }
                _ if !list.is_empty() => {
                    let id = list[next(list.len())];
                    let to = next(list.len());
                    tree.remove(id);
                    tree.insert(id, to);
                    list.retain(|&x| x != id);
                    list.insert(to, id);
                }
                _ => {}
            }
            assert_eq!(tree.len(), list.len());
        }
        assert_eq!(tree.in_order(), list);
        for (rank, &id) in list.iter().enumerate() {
            assert_eq!(tree.rank(id), rank);
            assert_eq!(tree.select(rank), id);
        }
    }
}
