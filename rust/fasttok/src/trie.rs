//! A mutable byte trie of vocabulary units with prefix matching (LiB, Unigram).
//!
//! LiB adds and forgets units while it reads, so the trie is edited in place: a removed
//! unit clears its end mark and prunes the nodes no other unit needs, whose slots are
//! reused. Units are whole characters (or bytes), so an end mark can only fall on a
//! character boundary and matching can walk bytes in either unit mode.

use rustc_hash::FxHashMap;

const NONE: u32 = u32::MAX;
const ROOT: u32 = 0;

/// The longest and second-longest units that are prefixes of a text at some position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrefixMatch {
    /// `(unit, byte length)` of the longest unit.
    pub longest: Option<(u32, usize)>,
    /// `(unit, byte length)` of the next-shorter unit.
    pub shorter: Option<(u32, usize)>,
}

#[derive(Clone, Debug)]
struct Node {
    parent: u32,
    byte: u8,
    children: u32,
    unit: u32,
}

/// Byte strings → unit ids, with prefix matching.
#[derive(Clone, Debug)]
pub struct UnitTrie {
    nodes: Vec<Node>,
    edges: FxHashMap<u64, u32>,
    /// The root's children by byte (`NONE` if absent): every walk starts with a lookup
    /// there, and an array beats the hash map.
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
        Self {
            nodes: vec![Node {
                parent: NONE,
                byte: 0,
                children: 0,
                unit: NONE,
            }],
            edges: FxHashMap::default(),
            root_children: Box::new([NONE; 256]),
            free: Vec::new(),
        }
    }

    fn child(&self, node: u32, byte: u8) -> Option<u32> {
        if node == ROOT {
            let child = self.root_children[byte as usize];
            return (child != NONE).then_some(child);
        }
        self.edges.get(&edge(node, byte)).copied()
    }

    fn set_child(&mut self, node: u32, byte: u8, child: u32) {
        if node == ROOT {
            self.root_children[byte as usize] = child;
        } else if child == NONE {
            self.edges.remove(&edge(node, byte));
        } else {
            self.edges.insert(edge(node, byte), child);
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

    /// Mark `bytes` (non-empty) as unit `unit`, replacing any previous mark.
    pub fn insert(&mut self, bytes: &[u8], unit: u32) {
        let mut node = ROOT;
        for &byte in bytes {
            node = match self.child(node, byte) {
                Some(child) => child,
                None => {
                    let fresh = Node {
                        parent: node,
                        byte,
                        children: 0,
                        unit: NONE,
                    };
                    let child = match self.free.pop() {
                        Some(slot) => {
                            self.nodes[slot as usize] = fresh;
                            slot
                        }
                        None => {
                            self.nodes.push(fresh);
                            (self.nodes.len() - 1) as u32
                        }
                    };
                    self.nodes[node as usize].children += 1;
                    self.set_child(node, byte, child);
                    child
                }
            };
        }
        self.nodes[node as usize].unit = unit;
    }

    /// Forget the unit spelled `bytes` and the nodes only it needed.
    pub fn remove(&mut self, bytes: &[u8]) {
        let Some(mut node) = self.node_of(bytes) else {
            return;
        };
        self.nodes[node as usize].unit = NONE;
        while node != ROOT {
            let Node {
                parent,
                byte,
                children,
                unit,
            } = self.nodes[node as usize];
            if children > 0 || unit != NONE {
                break;
            }
            self.set_child(parent, byte, NONE);
            self.nodes[parent as usize].children -= 1;
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
        let mut node = ROOT;
        for (length, &byte) in text[at..].iter().take(max_bytes).enumerate() {
            match self.child(node, byte) {
                Some(child) => node = child,
                None => break,
            }
            let unit = self.nodes[node as usize].unit;
            if unit != NONE {
                visit(unit, length + 1);
            }
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
}
