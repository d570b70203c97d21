//! A mutable byte trie of vocabulary units with prefix matching (LiB, Unigram).
//!
//! LiB adds and forgets units while it reads, so the trie is edited in place: a removed
//! unit clears its end mark and prunes the nodes no other unit needs, whose slots are
//! reused. Units are whole characters (or bytes), so an end mark can only fall on a
//! character boundary and matching can walk bytes in either unit mode.
//!
//! Children are a doubly linked sibling list. Most nodes below the first bytes are links
//! of one unit's chain, created together and so adjacent in memory, with one child: a
//! walk there is a byte compare, and pruning is an unlink. Nodes with many children (the
//! first bytes of common words) also index them in a hash map, and the root in an array.
//! A walk is bound by memory latency, so what it reads of a node (unit, first child, next
//! sibling, byte) is 16 bytes apart from what only edits need (parent, previous sibling,
//! child count): 10 % fewer cache misses in LiB training than one 28-byte node.

use rustc_hash::FxHashMap;

use crate::slots::place;

const NONE: u32 = u32::MAX;
const ROOT: u32 = 0;

/// A node with at least this many children also finds them through the hash map.
const INDEXED: u32 = 6;

/// The longest and second-longest units that are prefixes of a text at some position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrefixMatch {
    /// `(unit, byte length)` of the longest unit.
    pub longest: Option<(u32, usize)>,
    /// `(unit, byte length)` of the next-shorter unit.
    pub shorter: Option<(u32, usize)>,
}

/// The node where a unit ends, from [`UnitTrie::insert`]: removing the unit from there
/// skips a walk from the root through cold nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitNode(u32);

/// What a walk reads of a node: 16 bytes, four to a cache line.
#[derive(Clone, Debug)]
struct Node {
    unit: u32,
    first_child: u32,
    next_sibling: u32,
    byte: u8,
    /// Its children are found through the hash map.
    indexed: bool,
}

/// What only edits read of a node, kept apart so that walks touch fewer cache lines.
#[derive(Clone, Debug)]
struct Links {
    parent: u32,
    previous_sibling: u32,
    children: u32,
}

/// Byte strings → unit ids, with prefix matching.
#[derive(Clone, Debug)]
pub struct UnitTrie {
    nodes: Vec<Node>,
    /// The [`Links`] of each node, by the same index.
    links: Vec<Links>,
    /// `(node, byte)` → child, for the children of nodes with [`INDEXED`] or more.
    edges: FxHashMap<u64, u32>,
    /// The root's children by byte (`NONE` if absent): every walk starts with a lookup
    /// there.
    root_children: Box<[u32; 256]>,
    free: Vec<u32>,
}

impl Default for UnitTrie {
    fn default() -> Self {
        Self::new()
    }
}

fn edge(node: u32, byte: u8) -> u64 {
    (u64::from(node) << 8) | u64::from(byte)
}

impl UnitTrie {
    /// An empty trie.
    pub fn new() -> Self {
        let mut trie = Self {
            nodes: Vec::new(),
            links: Vec::new(),
            edges: FxHashMap::default(),
            root_children: Box::new([NONE; 256]),
            free: Vec::new(),
        };
        trie.fresh_node(NONE, 0);
        trie
    }

    /// A new childless node without a unit; its index.
    fn fresh_node(&mut self, parent: u32, byte: u8) -> u32 {
        let node = Node {
            unit: NONE,
            first_child: NONE,
            next_sibling: NONE,
            byte,
            indexed: false,
        };
        let links = Links {
            parent,
            previous_sibling: NONE,
            children: 0,
        };
        let index = place(&mut self.nodes, &mut self.free, node);
        match self.links.get_mut(index as usize) {
            Some(slot) => *slot = links,
            None => self.links.push(links),
        }
        index
    }

    fn child(&self, node: u32, byte: u8) -> Option<u32> {
        let child = if node == ROOT {
            self.root_children[byte as usize]
        } else {
            self.child_below(node, &self.nodes[node as usize], byte)
        };
        (child != NONE).then_some(child)
    }

    /// The child of `parent` (node `node`, not the root) by `byte`, or `NONE`.
    #[inline(always)]
    fn child_below(&self, node: u32, parent: &Node, byte: u8) -> u32 {
        if parent.indexed {
            return self.edges.get(&edge(node, byte)).copied().unwrap_or(NONE);
        }
        let mut child = parent.first_child;
        while child != NONE {
            let candidate = &self.nodes[child as usize];
            if candidate.byte == byte {
                break;
            }
            child = candidate.next_sibling;
        }
        child
    }

    /// The children of `node` (not the root).
    fn children_of(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        let mut child = self.nodes[node as usize].first_child;
        std::iter::from_fn(move || {
            let current = child;
            (current != NONE).then(|| {
                child = self.nodes[current as usize].next_sibling;
                current
            })
        })
    }

    /// Link `child` (a fresh node) under `parent` by its byte.
    fn add_child(&mut self, parent: u32, child: u32) {
        let byte = self.nodes[child as usize].byte;
        if parent == ROOT {
            self.root_children[byte as usize] = child;
            return;
        }
        if self.nodes[parent as usize].indexed {
            let first = self.nodes[parent as usize].first_child;
            self.nodes[child as usize].next_sibling = first;
            self.links[first as usize].previous_sibling = child;
            self.nodes[parent as usize].first_child = child;
        } else {
            // Walks compare siblings in order: older children, more often the ones that
            // survived forgetting, come first.
            match self.children_of(parent).last() {
                Some(last) => {
                    self.nodes[last as usize].next_sibling = child;
                    self.links[child as usize].previous_sibling = last;
                }
                None => self.nodes[parent as usize].first_child = child,
            }
        }
        let links = &mut self.links[parent as usize];
        links.children += 1;
        match links.children {
            INDEXED => {
                self.nodes[parent as usize].indexed = true;
                let indexed: Vec<u32> = self.children_of(parent).collect();
                for sibling in indexed {
                    let key = edge(parent, self.nodes[sibling as usize].byte);
                    self.edges.insert(key, sibling);
                }
            }
            count if count > INDEXED => {
                self.edges.insert(edge(parent, byte), child);
            }
            _ => {}
        }
    }

    /// Unlink `child` (childless, no unit) from its parent.
    fn remove_child(&mut self, child: u32) {
        let Node {
            next_sibling, byte, ..
        } = self.nodes[child as usize];
        let Links {
            parent,
            previous_sibling,
            ..
        } = self.links[child as usize];
        if parent == ROOT {
            self.root_children[byte as usize] = NONE;
            return;
        }
        let before = self.links[parent as usize].children;
        if before >= INDEXED {
            self.edges.remove(&edge(parent, byte));
        }
        if previous_sibling == NONE {
            self.nodes[parent as usize].first_child = next_sibling;
        } else {
            self.nodes[previous_sibling as usize].next_sibling = next_sibling;
        }
        if next_sibling != NONE {
            self.links[next_sibling as usize].previous_sibling = previous_sibling;
        }
        self.links[parent as usize].children -= 1;
        if before == INDEXED {
            self.nodes[parent as usize].indexed = false;
            let unindexed: Vec<u32> = self.children_of(parent).collect();
            for sibling in unindexed {
                let key = edge(parent, self.nodes[sibling as usize].byte);
                self.edges.remove(&key);
            }
        }
    }

    fn node_of(&self, bytes: &[u8]) -> Option<u32> {
        bytes
            .iter()
            .try_fold(ROOT, |node, &byte| self.child(node, byte))
    }

    /// The unit spelled `bytes`, if any.
    pub fn get(&self, bytes: &[u8]) -> Option<u32> {
        self.node_of(bytes)
            .map(|node| self.nodes[node as usize].unit)
            .filter(|&unit| unit != NONE)
    }

    /// Mark `bytes` (non-empty) as unit `unit`, replacing any previous mark; the node
    /// that holds the mark.
    pub fn insert(&mut self, bytes: &[u8], unit: u32) -> UnitNode {
        let mut node = ROOT;
        for &byte in bytes {
            node = match self.child(node, byte) {
                Some(child) => child,
                None => {
                    let child = self.fresh_node(node, byte);
                    self.add_child(node, child);
                    child
                }
            };
        }
        self.nodes[node as usize].unit = unit;
        UnitNode(node)
    }

    /// Forget the unit spelled `bytes` and the nodes only it needed.
    pub fn remove(&mut self, bytes: &[u8]) {
        if let Some(node) = self.node_of(bytes) {
            self.remove_at(UnitNode(node));
        }
    }

    /// Forget the unit marked at `node` (as [`insert`](Self::insert) gave it, the mark
    /// still there) and the nodes only it needed.
    pub fn remove_at(&mut self, UnitNode(mut node): UnitNode) {
        self.nodes[node as usize].unit = NONE;
        while node != ROOT {
            let Links {
                parent, children, ..
            } = self.links[node as usize];
            if children > 0 || self.nodes[node as usize].unit != NONE {
                break;
            }
            self.remove_child(node);
            self.free.push(node);
            node = parent;
        }
    }

    /// Call `visit(unit, byte length)` for every unit that is a prefix of `text[at..]`,
    /// shortest first, walking at most `max_bytes` bytes.
    pub fn for_each_prefix(
        &self,
        text: &[u8],
        at: usize,
        max_bytes: usize,
        mut visit: impl FnMut(u32, usize),
    ) {
        // The hottest loop of LiB and Unigram: each node is read once, for its unit and
        // then for its children.
        let end = at.saturating_add(max_bytes).min(text.len());
        let mut bytes = text[at..end].iter();
        let Some(&first) = bytes.next() else {
            return;
        };
        let mut node = self.root_children[first as usize];
        let mut length = 1;
        while node != NONE {
            let current = &self.nodes[node as usize];
            if current.unit != NONE {
                visit(current.unit, length);
            }
            let Some(&byte) = bytes.next() else {
                break;
            };
            node = self.child_below(node, current, byte);
            length += 1;
        }
    }

    /// The two longest units that are prefixes of `text[at..]`, walking at most
    /// `max_bytes` bytes.
    pub fn prefixes(&self, text: &[u8], at: usize, max_bytes: usize) -> PrefixMatch {
        let mut found = PrefixMatch::default();
        self.for_each_prefix(text, at, max_bytes, |unit, length| {
            found.shorter = found.longest;
            found.longest = Some((unit, length));
        });
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_match_remove() {
        let mut trie = UnitTrie::new();
        for (id, unit) in ["a", "ab", "abc", "b"].iter().enumerate() {
            trie.insert(unit.as_bytes(), id as u32);
        }
        let found = trie.prefixes(b"abcd", 0, usize::MAX);
        assert_eq!(found.longest, Some((2, 3)));
        assert_eq!(found.shorter, Some((1, 2)));
        trie.remove(b"ab");
        let found = trie.prefixes(b"abcd", 0, usize::MAX);
        assert_eq!(found.shorter, Some((0, 1)));
        trie.remove(b"abc");
        assert_eq!(trie.get(b"abc"), None);
        assert_eq!(trie.get(b"a"), Some(0));
        // "ab" and "abc" nodes were pruned and are reused.
        let before = trie.nodes.len();
        trie.insert(b"xyz", 9);
        assert_eq!(trie.nodes.len(), before + 1);
        assert_eq!(trie.prefixes(b"xyz", 0, 2).longest, None);
        assert_eq!(trie.prefixes(b"xyz", 0, 3).longest, Some((9, 3)));
    }

    /// Random inserts and removals agree with a map, as nodes cross the size at which
    /// their children are indexed, both ways.
    #[test]
    fn matches_a_map() {
        let mut trie = UnitTrie::new();
        let mut units: std::collections::BTreeMap<Vec<u8>, u32> = Default::default();
        let mut state = 7u64;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % bound
        };
        for id in 0..20_000u32 {
            let length = 1 + next(5) as usize;
            // Twelve letters: early nodes have many children, deep ones few.
            let unit: Vec<u8> = (0..length).map(|_| b'a' + next(12) as u8).collect();
            if next(3) == 0 {
                trie.remove(&unit);
                units.remove(&unit);
            } else {
                trie.insert(&unit, id);
                units.insert(unit, id);
            }
            let probe: Vec<u8> = (0..6).map(|_| b'a' + next(12) as u8).collect();
            let expected: Vec<(u32, usize)> = (1..=probe.len())
                .filter_map(|end| units.get(&probe[..end]).map(|&unit| (unit, end)))
                .collect();
            let mut found = Vec::new();
            trie.for_each_prefix(&probe, 0, usize::MAX, |unit, length| {
                found.push((unit, length))
            });
            assert_eq!(found, expected);
        }
        for (unit, &id) in &units {
            assert_eq!(trie.get(unit), Some(id));
        }
        // Forgetting everything frees every node but the root and empties the index.
        for (count, (unit, _)) in units.iter().enumerate() {
            trie.remove(unit);
            if count % 50 == 0 {
                assert_eq!(trie.get(unit), None);
            }
        }
        assert_eq!(trie.free.len(), trie.nodes.len() - 1);
        assert!(trie.edges.is_empty());
        assert!(trie.root_children.iter().all(|&child| child == NONE));
    }
}
