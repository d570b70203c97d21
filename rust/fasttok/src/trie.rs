//! A mutable byte trie of vocabulary units with prefix matching (LiB, Unigram).
//!
//! LiB adds and forgets units while it reads, so the trie is edited in place: a removed
//! unit clears its end mark and prunes the nodes no other unit needs, whose slots are
//! reused. Units are whole characters (or bytes), so an end mark can only fall on a
//! character boundary and matching can walk bytes in either unit mode.
//!
//! Paths are compressed: a node's edge from its parent is a label of up to 16
//! bytes, so a unit's own tail below its last branch is one node, not a node a byte. In
//! LiB training three nodes in four were such links; compressed, 65,000 live nodes
//! stand for what took 250,000, the nodes and their links take 3 MB instead of 7, and
//! training meets 12 % fewer simulated L2 misses with 3 % fewer instructions. Removing a
//! unit merges a node left with one child and no unit into that child, so the labels
//! stay as long as insertion made them.
//!
//! Children are a singly linked sibling list, a new child last (a new unit is most often
//! a rare one); an edit finds a node's previous sibling by scanning from the parent.
//! Walks do not edit the trie, so that several threads can walk it at once (LiB walks
//! ahead of its reader on a second core). Nodes with many children (the root, the first bytes of
//! common words) are *wide*: a 256-entry table finds their children in one load, where a
//! hash map of edges cost two cache misses and some forty instructions at a third of all
//! walk steps. Wide nodes are few (2 % of nodes in LiB training), so their tables take
//! less memory than the nodes do.
//! A walk is bound by memory latency, so what it reads of a node (unit, first child, next
//! sibling, label, a filter of its children's bytes) is 32 bytes apart from what only
//! edits need (the parent).

use crate::slots::place;

const NONE: u32 = u32::MAX;
const ROOT: u32 = 0;

/// A node that reaches this many children becomes wide. With the node filter, short
/// sibling lists cost few loads; 9 gave 7 % fewer simulated L2 misses in LiB training
/// than 6 (cachegrind), and 4 or 16 more.
const WIDE: u32 = 9;
/// A wide node (not the root) that falls to this many children goes back to a sibling
/// list: the gap between the two sizes keeps a node from switching at every edit.
const NARROW: u32 = 3;

/// The longest and second-longest units that are prefixes of a text at some position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrefixMatch {
    /// `(unit, byte length)` of the longest unit.
    pub longest: Option<(u32, usize)>,
    /// `(unit, byte length)` of the next-shorter unit.
    pub shorter: Option<(u32, usize)>,
    /// The node of the longest unit, to insert its extensions from. Inserting keeps it:
    /// a split puts the new node above.
    pub longest_node: Option<UnitNode>,
}

/// The node where a unit ends, from [`UnitTrie::insert`]: removing the unit from there
/// skips a walk from the root through cold nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitNode(u32);

/// The longest edge label: with it a node takes 32 bytes, two to a cache line.
const LABEL: usize = 16;

/// What a walk reads of a node: 32 bytes, two to a cache line (aligned, so that a
/// node never straddles two).
#[derive(Clone, Debug)]
#[repr(align(32))]
struct Node {
    unit: u32,
    /// The first child in the sibling list, or for a wide node the index of its table.
    first_child: u32,
    next_sibling: u32,
    /// Its children are found in a table, not a sibling list.
    wide: bool,
    /// The length of `label` (0 at the root only).
    len: u8,
    /// The byte of the first child (narrow nodes).
    first_byte: u8,
    /// The children's bytes hashed to one bit each (narrow nodes; see [`filter_bit`]).
    filter: u8,
    /// The bytes of the edge from the parent; the first is the node's byte among its
    /// siblings.
    label: [u8; LABEL],
}

impl Node {
    /// The node's byte among its siblings.
    fn byte(&self) -> u8 {
        self.label[0]
    }

    fn label(&self) -> &[u8] {
        &self.label[..usize::from(self.len)]
    }

    /// Whether the node's label is spelled by `text` from its start, whose first byte
    /// is known to be the label's.
    #[inline(always)]
    fn label_matches(&self, text: &[u8]) -> bool {
        let len = usize::from(self.len);
        // Most nodes a walk passes are branches, one byte long.
        if len == 1 {
            return true;
        }
        // One 16-byte compare where the text has that many bytes left.
        match text.first_chunk::<LABEL>() {
            Some(window) => {
                let differ = u128::from_le_bytes(self.label) ^ u128::from_le_bytes(*window);
                differ & (u128::MAX >> (8 * (LABEL - len))) == 0
            }
            None => text.get(..len) == Some(self.label()),
        }
    }
}

/// The bit of `byte` in a node's [`Node::filter`].
///
/// A walk ends at a node with no child for its next byte, and finding that in a sibling
/// list loads every child: a quarter of a walk's loads in LiB training. The filter and
/// the first child's byte answer most of those lookups from the node itself.
fn filter_bit(byte: u8) -> u8 {
    1 << (byte & 7)
}

/// What only edits read of a node, kept apart so that walks touch fewer cache lines.
#[derive(Clone, Debug)]
struct Links {
    parent: u32,
}

/// The children of a wide node by byte (`NONE` if absent).
type Table = [u32; 256];

/// Byte strings → unit ids, with prefix matching.
#[derive(Clone, Debug)]
pub struct UnitTrie {
    nodes: Vec<Node>,
    /// The [`Links`] of each node, by the same index.
    links: Vec<Links>,
    free: Vec<u32>,
    /// The tables of wide nodes; the root's is the first.
    tables: Vec<Table>,
    /// The number of children in each table. A narrow node counts its children when it
    /// walks its sibling list, so it keeps no count: adding a child then reads nothing
    /// of the parent but its node, which the walk down has just read.
    table_children: Vec<u32>,
    free_tables: Vec<u32>,
}

impl Default for UnitTrie {
    fn default() -> Self {
        Self::new()
    }
}

impl UnitTrie {
    /// An empty trie.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty trie with room for `nodes` nodes (at most the total bytes of the units
    /// it will hold): a trie built from a whole vocabulary is not copied as it grows.
    pub fn with_capacity(nodes: usize) -> Self {
        let mut trie = Self {
            nodes: Vec::with_capacity(nodes + 1),
            links: Vec::with_capacity(nodes + 1),
            free: Vec::new(),
            tables: Vec::new(),
            table_children: Vec::new(),
            free_tables: Vec::new(),
        };
        trie.fresh_node(NONE, &[]);
        // Every walk starts at the root, and most of its bytes have children.
        trie.nodes[ROOT as usize].wide = true;
        trie.nodes[ROOT as usize].first_child = trie.new_table([NONE; 256], 0);
        trie
    }

    /// A new childless node without a unit, by the edge `label` (1 to [`LABEL`] bytes);
    /// its index.
    fn fresh_node(&mut self, parent: u32, label: &[u8]) -> u32 {
        let mut bytes = [0; LABEL];
        bytes[..label.len()].copy_from_slice(label);
        let node = Node {
            unit: NONE,
            first_child: NONE,
            next_sibling: NONE,
            wide: false,
            len: label.len() as u8,
            first_byte: 0,
            filter: 0,
            label: bytes,
        };
        let links = Links { parent };
        let index = place(&mut self.nodes, &mut self.free, node);
        match self.links.get_mut(index as usize) {
            Some(slot) => *slot = links,
            None => self.links.push(links),
        }
        index
    }

    fn child(&self, node: u32, byte: u8) -> Option<u32> {
        let child = self.child_below(&self.nodes[node as usize], byte);
        (child != NONE).then_some(child)
    }

    /// The child of `parent` by `byte`, or `NONE`.
    #[inline(always)]
    fn child_below(&self, parent: &Node, byte: u8) -> u32 {
        if parent.wide {
            return self.tables[parent.first_child as usize][byte as usize];
        }
        if parent.filter & filter_bit(byte) == 0 {
            return NONE;
        }
        if parent.first_byte == byte {
            return parent.first_child;
        }
        let mut child = self.nodes[parent.first_child as usize].next_sibling;
        while child != NONE {
            let candidate = &self.nodes[child as usize];
            if candidate.byte() == byte {
                break;
            }
            child = candidate.next_sibling;
        }
        child
    }

    /// The children of the narrow node `node`, in sibling order.
    fn siblings_below(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
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
        let Node {
            wide, first_child, ..
        } = self.nodes[parent as usize];
        let byte = self.nodes[child as usize].byte();
        if wide {
            self.tables[first_child as usize][byte as usize] = child;
            self.table_children[first_child as usize] += 1;
            return;
        }
        // A new child goes last: a new unit is most often a rare one.
        let (count, last) = self
            .siblings_below(parent)
            .fold((0, None), |(count, _), sibling| (count + 1, Some(sibling)));
        match last {
            Some(last) => self.link_after(last, child),
            None => self.set_first_child(parent, child),
        }
        self.nodes[parent as usize].filter |= filter_bit(byte);
        if count + 1 == WIDE {
            self.widen(parent);
        }
    }

    /// A new table holding `children` children; its index.
    fn new_table(&mut self, table: Table, children: u32) -> u32 {
        let index = place(&mut self.tables, &mut self.free_tables, table);
        match self.table_children.get_mut(index as usize) {
            Some(count) => *count = children,
            None => self.table_children.push(children),
        }
        index
    }

    /// Whether `node` has a child.
    fn has_children(&self, node: u32) -> bool {
        let Node {
            wide, first_child, ..
        } = self.nodes[node as usize];
        if wide {
            self.table_children[first_child as usize] > 0
        } else {
            first_child != NONE
        }
    }

    /// Make `child` (or none) the head of the narrow node `parent`'s sibling list.
    fn set_first_child(&mut self, parent: u32, child: u32) {
        let first_byte = if child == NONE {
            0
        } else {
            self.nodes[child as usize].byte()
        };
        let parent = &mut self.nodes[parent as usize];
        parent.first_child = child;
        parent.first_byte = first_byte;
    }

    /// Recompute the filter of the narrow node `node` from its children.
    fn refilter(&mut self, node: u32) {
        let filter = self.siblings_below(node).fold(0, |filter, child| {
            filter | filter_bit(self.nodes[child as usize].byte())
        });
        self.nodes[node as usize].filter = filter;
    }

    /// Put `child` after `previous` in their sibling list.
    fn link_after(&mut self, previous: u32, child: u32) {
        self.nodes[previous as usize].next_sibling = child;
    }

    /// The sibling before `child` (a child of a narrow node), or `NONE` if it is first.
    fn previous_sibling(&self, child: u32) -> u32 {
        let parent = self.links[child as usize].parent;
        let mut previous = NONE;
        for sibling in self.siblings_below(parent) {
            if sibling == child {
                break;
            }
            previous = sibling;
        }
        previous
    }

    /// Move the children of the narrow node `node` from its sibling list to a table.
    fn widen(&mut self, node: u32) {
        let mut table = [NONE; 256];
        let children: Vec<u32> = self.siblings_below(node).collect();
        for child in children {
            table[self.nodes[child as usize].byte() as usize] = child;
            self.nodes[child as usize].next_sibling = NONE;
        }
        let index = self.new_table(table, WIDE);
        let node = &mut self.nodes[node as usize];
        node.wide = true;
        node.first_child = index;
    }

    /// Move the children of the wide node `node` from its table to a sibling list.
    fn narrow(&mut self, node: u32) {
        let index = self.nodes[node as usize].first_child;
        self.free_tables.push(index);
        let children: Vec<u32> = self.tables[index as usize]
            .iter()
            .copied()
            .filter(|&child| child != NONE)
            .collect();
        self.nodes[node as usize].wide = false;
        self.set_first_child(node, children.first().copied().unwrap_or(NONE));
        for pair in children.windows(2) {
            self.link_after(pair[0], pair[1]);
        }
        self.refilter(node);
    }

    /// Unlink `child` (childless, no unit) from its parent.
    fn remove_child(&mut self, child: u32) {
        let Node { next_sibling, .. } = self.nodes[child as usize];
        let byte = self.nodes[child as usize].byte();
        let parent = self.links[child as usize].parent;
        let Node {
            wide, first_child, ..
        } = self.nodes[parent as usize];
        if wide {
            self.tables[first_child as usize][byte as usize] = NONE;
            let count = &mut self.table_children[first_child as usize];
            *count -= 1;
            if parent != ROOT && *count == NARROW {
                self.narrow(parent);
            }
        } else {
            let previous_sibling = self.previous_sibling(child);
            if previous_sibling == NONE {
                self.set_first_child(parent, next_sibling);
            } else {
                self.nodes[previous_sibling as usize].next_sibling = next_sibling;
            }
            self.refilter(parent);
        }
    }

    /// Put `new` (not linked) where its parent's child `old` is, with the same first
    /// byte: `old` is left unlinked.
    fn substitute(&mut self, old: u32, new: u32) {
        let parent = self.links[old as usize].parent;
        let Node {
            wide, first_child, ..
        } = self.nodes[parent as usize];
        self.links[new as usize].parent = parent;
        if wide {
            let byte = self.nodes[old as usize].byte();
            self.tables[first_child as usize][byte as usize] = new;
            return;
        }
        let previous = self.previous_sibling(old);
        let next = std::mem::replace(&mut self.nodes[old as usize].next_sibling, NONE);
        if previous == NONE {
            self.nodes[parent as usize].first_child = new;
        } else {
            self.link_after(previous, new);
        }
        self.nodes[new as usize].next_sibling = next;
    }

    /// Cut the label of `node` after `at` bytes (0 < `at` < its length): a new node
    /// with the first part takes its place and becomes its parent; the new node.
    fn split(&mut self, node: u32, at: usize) -> u32 {
        let head = self.nodes[node as usize].label;
        let upper = self.fresh_node(NONE, &head[..at]);
        self.substitute(node, upper);
        let lower = &mut self.nodes[node as usize];
        lower.label.copy_within(at.., 0);
        lower.len -= at as u8;
        let byte = lower.byte();
        self.links[node as usize].parent = upper;
        self.set_first_child(upper, node);
        self.nodes[upper as usize].filter = filter_bit(byte);
        upper
    }

    /// Fold `node` (not the root) into its only child if it spells no unit and their
    /// labels fit in one: the compression insertions keep, restored after a removal.
    fn merge_into_child(&mut self, node: u32) {
        let Node {
            unit,
            wide,
            first_child: child,
            len,
            ..
        } = self.nodes[node as usize];
        if node == ROOT || unit != NONE || wide || child == NONE {
            return;
        }
        let lower = &self.nodes[child as usize];
        if lower.next_sibling != NONE || usize::from(len + lower.len) > LABEL {
            return;
        }
        let mut label = self.nodes[node as usize].label;
        label[usize::from(len)..usize::from(len + lower.len)].copy_from_slice(lower.label());
        let lower = &mut self.nodes[child as usize];
        lower.label = label;
        lower.len += len;
        self.substitute(node, child);
        self.nodes[node as usize].first_child = NONE;
        self.free.push(node);
    }

    /// The node spelling `bytes`, if any.
    fn node_of(&self, bytes: &[u8]) -> Option<u32> {
        let mut node = ROOT;
        let mut at = 0;
        while at < bytes.len() {
            node = self.child(node, bytes[at])?;
            let label = self.nodes[node as usize].label();
            if !bytes[at..].starts_with(label) {
                return None;
            }
            at += label.len();
        }
        Some(node)
    }

    /// The unit spelled `bytes`, if any.
    pub fn get(&self, bytes: &[u8]) -> Option<u32> {
        self.node_of(bytes)
            .map(|node| self.nodes[node as usize].unit)
            .filter(|&unit| unit != NONE)
    }

    /// Mark `bytes` (non-empty) as unit `unit` unless it is a unit already: the node
    /// that holds the new mark, or `None` (the trie unchanged).
    pub fn insert(&mut self, bytes: &[u8], unit: u32) -> Option<UnitNode> {
        self.insert_below(UnitNode(ROOT), bytes, unit)
    }

    /// [`insert`](Self::insert) of a unit's bytes followed by `rest`, from the unit's node
    /// `below`: no walk down the unit's bytes.
    pub fn insert_below(
        &mut self,
        UnitNode(below): UnitNode,
        mut rest: &[u8],
        unit: u32,
    ) -> Option<UnitNode> {
        let mut node = below;
        while let Some(&byte) = rest.first() {
            node = match self.child(node, byte) {
                Some(child) => {
                    let label = self.nodes[child as usize].label();
                    let common = label
                        .iter()
                        .zip(rest)
                        .take_while(|(ours, theirs)| ours == theirs)
                        .count();
                    rest = &rest[common..];
                    if common < label.len() {
                        self.split(child, common)
                    } else {
                        child
                    }
                }
                None => {
                    let (label, after) = rest.split_at(rest.len().min(LABEL));
                    rest = after;
                    let child = self.fresh_node(node, label);
                    self.add_child(node, child);
                    child
                }
            };
        }
        let mark = &mut self.nodes[node as usize].unit;
        if *mark != NONE || node == ROOT {
            return None;
        }
        *mark = unit;
        Some(UnitNode(node))
    }

    /// Call `visit(unit, bytes)` for every unit, those that share a prefix one after
    /// another: one walk of the whole trie, where spelling each unit up from its node
    /// would read the nodes near the root again for every unit.
    pub fn for_each_unit(&self, mut visit: impl FnMut(u32, &[u8])) {
        let mut bytes = Vec::new();
        // Nodes to visit, with the length of their parent's spelling.
        let mut pending = vec![(ROOT, 0)];
        while let Some((node, depth)) = pending.pop() {
            let Node {
                unit,
                wide,
                first_child,
                ..
            } = self.nodes[node as usize];
            bytes.truncate(depth);
            bytes.extend_from_slice(self.nodes[node as usize].label());
            if unit != NONE {
                visit(unit, &bytes);
            }
            let depth = bytes.len();
            if wide {
                let children = self.tables[first_child as usize].iter().copied();
                pending.extend(
                    children
                        .filter(|&child| child != NONE)
                        .map(|child| (child, depth)),
                );
            } else {
                pending.extend(self.siblings_below(node).map(|child| (child, depth)));
            }
        }
    }

    /// A copy with the nodes in depth-first order, leaving out the free slots.
    ///
    /// A trie edited in place, as in LiB training, has its nodes wherever freed slots
    /// were: a walk's nodes then lie far apart. In depth-first order a node's first
    /// child is next to it and a subtree is in one run of memory, so that encoding with
    /// a trained LiB lexicon took 12 % less time.
    pub fn compacted(&self) -> Self {
        // Depth-first order, children in the order walks find them; a node's new index
        // is its place in it.
        let mut order = Vec::with_capacity(self.nodes.len() - self.free.len());
        let mut new_index = vec![NONE; self.nodes.len()];
        let mut pending = vec![ROOT];
        let mut children = Vec::new();
        while let Some(node) = pending.pop() {
            new_index[node as usize] = order.len() as u32;
            order.push(node);
            let Node {
                wide, first_child, ..
            } = self.nodes[node as usize];
            children.clear();
            if wide {
                let table = &self.tables[first_child as usize];
                children.extend(table.iter().copied().filter(|&child| child != NONE));
            } else {
                children.extend(self.siblings_below(node));
            }
            pending.extend(children.iter().rev());
        }
        let moved = |index: u32| {
            if index == NONE {
                NONE
            } else {
                new_index[index as usize]
            }
        };
        let mut tables = Vec::with_capacity(self.tables.len() - self.free_tables.len());
        let mut table_children = Vec::with_capacity(tables.capacity());
        let mut nodes = Vec::with_capacity(order.len());
        let mut links = Vec::with_capacity(order.len());
        for &old in &order {
            let mut node = self.nodes[old as usize].clone();
            node.next_sibling = moved(node.next_sibling);
            if node.wide {
                let table = &self.tables[node.first_child as usize];
                tables.push(table.map(moved));
                table_children.push(self.table_children[node.first_child as usize]);
                node.first_child = (tables.len() - 1) as u32;
            } else {
                node.first_child = moved(node.first_child);
            }
            nodes.push(node);
            links.push(Links {
                parent: moved(self.links[old as usize].parent),
            });
        }
        Self {
            nodes,
            links,
            free: Vec::new(),
            tables,
            table_children,
            free_tables: Vec::new(),
        }
    }

    /// Give every unit the id `renumber(unit)`, and forget those it gives none.
    pub fn renumber(&mut self, renumber: impl Fn(u32) -> Option<u32>) {
        let mut forgotten = Vec::new();
        for (index, node) in self.nodes.iter_mut().enumerate() {
            if node.unit == NONE {
                continue;
            }
            match renumber(node.unit) {
                Some(unit) => node.unit = unit,
                // Marked until removed: pruning keeps the nodes of marked units.
                None => forgotten.push(UnitNode(index as u32)),
            }
        }
        for node in forgotten {
            self.remove_at(node);
        }
    }

    /// The bytes spelled by the path to `node`.
    #[cfg(test)]
    pub fn spelling(&self, UnitNode(mut node): UnitNode) -> Vec<u8> {
        let mut bytes = Vec::new();
        while node != ROOT {
            bytes.extend(self.nodes[node as usize].label().iter().rev());
            node = self.links[node as usize].parent;
        }
        bytes.reverse();
        bytes
    }

    /// Forget the unit spelled `bytes` and the nodes only it needed.
    pub fn remove(&mut self, bytes: &[u8]) {
        if let Some(node) = self.node_of(bytes).filter(|&node| node != ROOT) {
            self.remove_at(UnitNode(node));
        }
    }

    /// Forget the unit marked at `node` (as [`insert`](Self::insert) gave it, the mark
    /// still there) and the nodes only it needed.
    pub fn remove_at(&mut self, UnitNode(mut node): UnitNode) {
        self.nodes[node as usize].unit = NONE;
        while node != ROOT {
            if self.has_children(node) || self.nodes[node as usize].unit != NONE {
                break;
            }
            let parent = self.links[node as usize].parent;
            self.remove_child(node);
            self.free.push(node);
            node = parent;
        }
        self.merge_into_child(node);
    }

    /// The child of `node` whose label `text[at..end]` spells from its start, and the
    /// position after that label.
    #[inline(always)]
    fn descend(
        &self,
        node: &Node,
        text: &[u8],
        at: usize,
        end: usize,
    ) -> Option<(u32, &Node, usize)> {
        let index = self.child_below(node, text[at]);
        if index == NONE {
            return None;
        }
        let child = &self.nodes[index as usize];
        child
            .label_matches(&text[at..end])
            .then_some((index, child, at + usize::from(child.len)))
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
        self.for_each_unit_node(text, at, max_bytes, |unit, length, _| visit(unit, length));
    }

    /// [`for_each_prefix`](Self::for_each_prefix), with the node of each unit.
    fn for_each_unit_node(
        &self,
        text: &[u8],
        at: usize,
        max_bytes: usize,
        mut visit: impl FnMut(u32, usize, UnitNode),
    ) {
        // The hottest loop of LiB and Unigram: each node is read once, for its unit and
        // then for its children.
        let end = at.saturating_add(max_bytes).min(text.len());
        let mut node = &self.nodes[ROOT as usize];
        let mut position = at;
        while position < end {
            let Some((index, child, after)) = self.descend(node, text, position, end) else {
                return;
            };
            (node, position) = (child, after);
            if node.unit != NONE {
                visit(node.unit, position - at, UnitNode(index));
            }
        }
    }

    /// The two longest units that are prefixes of `text[at..]`, walking at most
    /// `max_bytes` bytes.
    pub fn prefixes(&self, text: &[u8], at: usize, max_bytes: usize) -> PrefixMatch {
        let mut found = PrefixMatch::default();
        self.for_each_unit_node(text, at, max_bytes, |unit, length, node| {
            found.shorter = found.longest;
            found.longest = Some((unit, length));
            found.longest_node = Some(node);
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
        // The node of "abc" was pruned and is reused; "xyz" takes one node.
        let before = trie.nodes.len();
        trie.insert(b"xyz", 9);
        assert_eq!(trie.nodes.len(), before);
        assert_eq!(trie.prefixes(b"xyz", 0, 2).longest, None);
        assert_eq!(trie.prefixes(b"xyz", 0, 3).longest, Some((9, 3)));
    }

    /// Random inserts and removals agree with a map, as nodes cross the size at which
    /// they turn wide and back.
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
        // Units of a long shared stem and a random tail: labels longer than a node's,
        // split and merged at every offset.
        let stem = b"abcdefghijklabcdefghijklabcdefghijkl";
        let random = |next: &mut dyn FnMut(u64) -> u64, length: u64| -> Vec<u8> {
            let mut bytes = if next(4) == 0 {
                stem[..1 + next(stem.len() as u64) as usize].to_vec()
            } else {
                Vec::new()
            };
            // Twelve letters: early nodes have many children, deep ones few.
            bytes.extend((0..length).map(|_| b'a' + next(12) as u8));
            bytes
        };
        for id in 0..20_000u32 {
            let length = 1 + next(5);
            let unit = random(&mut next, length);
            if next(3) == 0 {
                trie.remove(&unit);
                units.remove(&unit);
            } else {
                // Every other unit goes in below the longest unit it starts with.
                let prefix = (1..unit.len())
                    .rev()
                    .find(|&len| units.contains_key(&unit[..len]));
                let inserted = match prefix.filter(|_| id % 2 == 0) {
                    Some(len) => {
                        let below = UnitNode(trie.node_of(&unit[..len]).unwrap());
                        trie.insert_below(below, &unit[len..], id)
                    }
                    None => trie.insert(&unit, id),
                }
                .is_some();
                assert_eq!(inserted, !units.contains_key(&unit));
                units.entry(unit).or_insert(id);
            }
            let probe = random(&mut next, 6);
            let expected: Vec<(u32, usize)> = (1..=probe.len())
                .filter_map(|end| units.get(&probe[..end]).map(|&unit| (unit, end)))
                .collect();
            let mut found = Vec::new();
            trie.for_each_prefix(&probe, 0, usize::MAX, |unit, length| {
                found.push((unit, length))
            });
            assert_eq!(found, expected);
            let two = trie.prefixes(&probe, 0, usize::MAX);
            assert_eq!(two.longest, expected.last().copied());
            let spelled = two.longest_node.map(|node| trie.spelling(node));
            let longest = two.longest.map(|(_, len)| probe[..len].to_vec());
            assert_eq!(spelled, longest);
        }
        for (unit, &id) in &units {
            assert_eq!(trie.get(unit), Some(id));
            let node = UnitNode(trie.node_of(unit).unwrap());
            assert_eq!(&trie.spelling(node), unit);
        }
        let listed = |trie: &UnitTrie| {
            let mut listed = Vec::new();
            trie.for_each_unit(|id, unit| listed.push((unit.to_vec(), id)));
            listed.sort();
            listed
        };
        let expected: Vec<(Vec<u8>, u32)> =
            units.iter().map(|(unit, &id)| (unit.clone(), id)).collect();
        assert_eq!(listed(&trie), expected);
        // Renumbering keeps a third of the units under new ids and forgets the rest.
        let mut renumbered = trie.clone();
        renumbered.renumber(|id| (id % 3 == 0).then_some(id / 3));
        let kept: Vec<(Vec<u8>, u32)> = expected
            .into_iter()
            .filter(|(_, id)| id % 3 == 0)
            .map(|(unit, id)| (unit, id / 3))
            .collect();
        assert_eq!(listed(&renumbered), kept);
        for (unit, &id) in &units {
            assert_eq!(renumbered.get(unit), (id % 3 == 0).then_some(id / 3));
        }
        // Compacting keeps every unit and its matches, in fewer nodes where some were
        // free, and the trie can still be edited.
        let mut compacted = trie.compacted();
        assert_eq!(listed(&compacted), listed(&trie));
        assert_eq!(compacted.nodes.len(), trie.nodes.len() - trie.free.len());
        for (unit, &id) in &units {
            assert_eq!(compacted.get(unit), Some(id));
            let spelled = compacted.prefixes(unit, 0, usize::MAX).longest_node;
            assert_eq!(
                spelled.map(|node| compacted.spelling(node)),
                Some(unit.clone())
            );
        }
        let (first, _) = units.iter().next().expect("units");
        compacted.remove(first);
        compacted.insert(b"a fresh unit", 1 << 20);
        assert_eq!(compacted.get(first), None);
        assert_eq!(compacted.get(b"a fresh unit"), Some(1 << 20));
        // Forgetting everything frees every node but the root and empties the index.
        for (count, (unit, _)) in units.iter().enumerate() {
            trie.remove(unit);
            if count % 50 == 0 {
                assert_eq!(trie.get(unit), None);
            }
        }
        assert_eq!(trie.free.len(), trie.nodes.len() - 1);
        assert_eq!(trie.free_tables.len(), trie.tables.len() - 1);
        assert!(trie.tables[0].iter().all(|&child| child == NONE));
    }
}
