//! The codebook as a trie: `(parent node, id) → node`, so no sequence is ever hashed.
//!
//! Base id `x < V` is node `x`; every other node is `V + k` in creation order. The
//! encoder's codebook is prefix-closed (an entry is a known code plus one id), so each
//! of its nodes is a code and node numbers equal codes. The fault-tolerant decoder can
//! register a sequence whose prefix is no entry; its missing prefixes become nodes
//! without a code, which is why codes and nodes are mapped both ways.

use rustc_hash::FxHashMap;

use super::Codebook;
use crate::{Error, Result};

/// Marks a node that is a prefix only, not an entry.
const NO_CODE: u32 = u32::MAX;

/// A trie of entries plus the entries in code order. Cleared, not dropped, between
/// sequences, so a thread reuses its allocations row after row.
#[derive(Debug, Default)]
pub(super) struct Dictionary {
    children: FxHashMap<u64, u32>,
    /// Code of node `V + k`, or [`NO_CODE`].
    node_codes: Vec<u32>,
    /// Node of code `V + i`.
    code_nodes: Vec<u32>,
    pub(super) codebook: Codebook,
}

impl Dictionary {
    /// Empty it for a new sequence with base vocabulary `vocab_size`.
    pub(super) fn reset(&mut self, vocab_size: u32) {
        self.children.clear();
        self.node_codes.clear();
        self.code_nodes.clear();
        self.codebook.clear(vocab_size);
    }

    fn vocab_size(&self) -> u32 {
        self.codebook.first_code()
    }

    /// The child of `node` along `id`, whether or not it is an entry.
    #[inline]
    pub(super) fn child(&self, node: u32, id: u32) -> Option<u32> {
        self.children.get(&key(node, id)).copied()
    }

    /// The node of `code` (a base id is its own node).
    pub(super) fn node_of_code(&self, code: u32) -> u32 {
        match code.checked_sub(self.vocab_size()) {
            Some(index) => self.code_nodes[index as usize],
            None => code,
        }
    }

    /// Whether `node` is a base id or an entry.
    pub(super) fn is_code(&self, node: u32) -> bool {
        match node.checked_sub(self.vocab_size()) {
            Some(index) => self.node_codes[index as usize] != NO_CODE,
            None => true,
        }
    }

    /// The node spelling `ids`, if every prefix of it is in the trie.
    pub(super) fn find(&self, ids: &[u32]) -> Option<u32> {
        let (&first, rest) = ids.split_first()?;
        rest.iter()
            .try_fold(first, |node, &id| self.child(node, id))
    }

    /// Make code `code` (a base id or an entry) followed by `id` the next entry: the
    /// encoder's step, where the new entry's node is new and equals its code.
    pub(super) fn extend_code(&mut self, code: u32, id: u32) -> Result<()> {
        let node = self.add_node(code, id)?;
        self.codebook.push_extension(code, id);
        self.assign_code(node);
        Ok(())
    }

    /// Make `ids` (at least two base ids) the next entry. `parent` is the node of `ids`
    /// without its last id when known, and `child` the node of `ids` if it exists.
    pub(super) fn register(
        &mut self,
        parent: Option<u32>,
        child: Option<u32>,
        ids: &[u32],
    ) -> Result<u32> {
        let node = match child {
            Some(node) => node,
            None => {
                let (&last, prefix) = ids.split_last().expect("an entry has two ids at least");
                let parent = match parent {
                    Some(node) => node,
                    None => self.insert_path(prefix)?,
                };
                match self.child(parent, last) {
                    Some(node) => node,
                    None => self.add_node(parent, last)?,
                }
            }
        };
        self.codebook.push(ids.iter().copied());
        self.assign_code(node);
        Ok(node)
    }

    /// Give `node` the code of the entry just pushed to the codebook.
    fn assign_code(&mut self, node: u32) {
        let code = self.codebook.next_code() - 1;
        // A duplicate entry (only in non-canonical streams) points the trie at its newest
        // code, as zip2zip's map does; the older code still decodes.
        let index = (node - self.vocab_size()) as usize;
        self.node_codes[index] = code;
        self.code_nodes.push(node);
    }

    /// The node of `ids`, adding prefix-only nodes where the path is missing.
    fn insert_path(&mut self, ids: &[u32]) -> Result<u32> {
        let (&first, rest) = ids.split_first().expect("a path has one id at least");
        rest.iter()
            .try_fold(first, |node, &id| match self.child(node, id) {
                Some(child) => Ok(child),
                None => self.add_node(node, id),
            })
    }

    fn add_node(&mut self, parent: u32, id: u32) -> Result<u32> {
        let node = u32::try_from(self.node_codes.len())
            .ok()
            .and_then(|index| self.vocab_size().checked_add(index))
            .ok_or_else(|| {
                Error::argument("codebook_size", "the codebook outgrew 2^32 trie nodes")
            })?;
        self.node_codes.push(NO_CODE);
        self.children.insert(key(parent, id), node);
        Ok(node)
    }
}

#[inline]
fn key(node: u32, id: u32) -> u64 {
    (u64::from(node) << 32) | u64::from(id)
}
