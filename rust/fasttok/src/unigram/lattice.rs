//! The lattice of a text's segmentations into pieces: Viterbi, forward-backward in log
//! space, and sampling.

use crate::model::Units;
use crate::trie::UnitTrie;

/// One token of a path: its id (`None`: an unknown character) and where it ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// The piece id, or `None` for an unknown character.
    pub id: Option<u32>,
    /// Byte offset after the token.
    pub end: usize,
}

/// One edge of the lattice: a piece (or unknown character) spanning `start..end`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Node {
    /// Byte offset of its first byte.
    pub start: usize,
    /// Byte offset after its last byte.
    pub end: usize,
    /// The piece id, or `None` for an unknown character.
    pub id: Option<u32>,
    /// Its log-probability.
    pub score: f64,
}

/// `ln(e^a + e^b)` without overflow; `-inf` is the neutral element.
pub fn log_add(a: f64, b: f64) -> f64 {
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    if low == f64::NEG_INFINITY {
        high
    } else {
        high + (low - high).exp().ln_1p()
    }
}

/// What lattices are built from: the pieces' trie and every id's score.
#[derive(Clone, Copy)]
pub(crate) struct PieceTable<'a> {
    /// Characters or bytes.
    pub units: Units,
    /// Pieces → ids.
    pub trie: &'a UnitTrie,
    /// Longest piece in bytes: bounds every trie walk.
    pub max_piece_bytes: usize,
    /// Score of every id.
    pub scores: &'a [f64],
    /// Score of an unknown character.
    pub unknown_score: f64,
}

impl PieceTable<'_> {
    /// Call `visit(node)` for every lattice edge of `text`, by start then length: each piece
    /// that is a prefix at a unit boundary, and an unknown-character node where no single
    /// unit is a piece (as SentencePiece and HF tokenizers do).
    fn for_each_node(self, text: &[u8], mut visit: impl FnMut(Node)) {
        let Self {
            units,
            trie,
            max_piece_bytes,
            scores,
            unknown_score,
        } = self;
        let mut start = 0;
        while start < text.len() {
            let symbol = units.symbol_len(text, start);
            let mut has_single = false;
            trie.for_each_prefix(text, start, max_piece_bytes, |id, length| {
                has_single |= length == symbol;
                visit(Node {
                    start,
                    end: start + length,
                    id: Some(id),
                    score: scores[id as usize],
                });
            });
            if !has_single {
                visit(Node {
                    start,
                    end: start + symbol,
                    id: None,
                    score: unknown_score,
                });
            }
            start += symbol;
        }
    }

    /// The best path through `text`'s lattice. Candidates are visited by start, then length,
    /// and one replaces the best path to its end only when strictly better: HF tokenizers'
    /// order, so ties resolve as there.
    pub(crate) fn viterbi(self, text: &[u8]) -> Vec<Step> {
        #[derive(Clone, Copy)]
        struct Best {
            score: f64,
            start: usize,
            id: Option<u32>,
        }
        const UNREACHED: usize = usize::MAX;
        let mut best = vec![
            Best {
                score: 0.0,
                start: UNREACHED,
                id: None,
            };
            text.len() + 1
        ];
        self.for_each_node(text, |node| {
            let candidate = node.score + best[node.start].score;
            let target = &mut best[node.end];
            if target.start == UNREACHED || candidate > target.score {
                *target = Best {
                    score: candidate,
                    start: node.start,
                    id: node.id,
                };
            }
        });
        let mut path = Vec::new();
        let mut end = text.len();
        while end > 0 {
            let Best { start, id, .. } = best[end];
            path.push(Step { id, end });
            end = start;
        }
        path.reverse();
        path
    }
}

/// A text's segmentation lattice, kept for forward-backward passes and sampling.
#[derive(Clone, Debug, Default)]
pub struct Lattice {
    len: usize,
    nodes: Vec<Node>,
}

impl Lattice {
    /// The lattice of `text` (see [`for_each_node`]).
    pub(crate) fn build(table: PieceTable, text: &[u8]) -> Self {
        let mut lattice = Self::default();
        lattice.refill(table, text);
        lattice
    }

    /// Replace the contents with the lattice of `text`, reusing the allocation.
    pub(crate) fn refill(&mut self, table: PieceTable, text: &[u8]) {
        self.len = text.len();
        self.nodes.clear();
        let nodes = &mut self.nodes;
        table.for_each_node(text, |node| nodes.push(node));
    }

    /// The edges, by start then length.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Forward log-sums with scores scaled by `scale`: `forward[i]` is the log of the
    /// summed probability of every path from 0 to byte offset `i`.
    fn forward(&self, scale: f64, forward: &mut Vec<f64>) {
        forward.clear();
        forward.resize(self.len + 1, f64::NEG_INFINITY);
        forward[0] = 0.0;
        // Nodes come by start, and every node ending at `start` starts before it: the
        // forward value of a node's start is final when the node is reached.
        for node in &self.nodes {
            forward[node.end] =
                log_add(forward[node.end], forward[node.start] + scale * node.score);
        }
    }

    /// The log-likelihood of the text (over all segmentations) and each node's marginal
    /// probability, written to `marginals` (by node). `scratch` holds the passes.
    pub fn marginals(&self, marginals: &mut Vec<f64>, scratch: &mut [Vec<f64>; 2]) -> f64 {
        let [forward, backward] = scratch;
        self.forward(1.0, forward);
        backward.clear();
        backward.resize(self.len + 1, f64::NEG_INFINITY);
        backward[self.len] = 0.0;
        for node in self.nodes.iter().rev() {
            backward[node.start] = log_add(backward[node.start], node.score + backward[node.end]);
        }
        let log_z = forward[self.len];
        marginals.clear();
        marginals.extend(
            self.nodes
                .iter()
                .map(|node| (forward[node.start] + node.score + backward[node.end] - log_z).exp()),
        );
        log_z
    }

    /// A path drawn with probability proportional to its likelihood raised to `alpha`
    /// (forward filtering, backward sampling).
    pub fn sample(&self, alpha: f64, rng: &mut impl rand_core::RngCore) -> Vec<Step> {
        let mut forward = Vec::new();
        self.forward(alpha, &mut forward);
        let mut by_end: Vec<&Node> = self.nodes.iter().collect();
        by_end.sort_by_key(|node| node.end);
        let mut path = Vec::new();
        let mut end = self.len;
        while end > 0 {
            let first = by_end.partition_point(|node| node.end < end);
            let last = by_end.partition_point(|node| node.end <= end);
            let ending = &by_end[first..last];
            let weight =
                |node: &Node| (forward[node.start] + alpha * node.score - forward[end]).exp();
            let mut draw = unit_interval(rng) * ending.iter().map(|node| weight(node)).sum::<f64>();
            let mut chosen = ending[ending.len() - 1];
            for node in ending {
                let node_weight = weight(node);
                if draw < node_weight {
                    chosen = node;
                    break;
                }
                draw -= node_weight;
            }
            path.push(Step { id: chosen.id, end });
            end = chosen.start;
        }
        path.reverse();
        path
    }
}

/// A uniform draw from [0, 1).
fn unit_interval(rng: &mut impl rand_core::RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}
