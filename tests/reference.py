"""A small, readable pure-Python byte-level BPE: the test oracle for fasttok.

Nothing here is fast; everything here is meant to be obviously right. The trainer reproduces,
merge for merge and in order:

* ``tie_break="hf"``: HF ``tokenizers``' ``BpeTrainer`` behind a ``ByteLevel`` pre-tokenizer with
  ``initial_alphabet=ByteLevel.alphabet()`` and no special tokens;
* ``tie_break="bytes"``: rustbpe (and bpeasy, which breaks ties the same way).

Training semantics (shared by both modes):

1. Every document is pretokenized as a whole with ``pattern``; the pieces (UTF-8 bytes) are
   counted across all documents. These pieces are the "words".
2. Every word starts as its bytes. Each step counts the adjacent symbol pairs of every word
   (overlapping: ``aaa`` holds the pair ``(a, a)`` twice), weighted by the word's count.
3. The pair with the highest count wins. Ties go to the smallest ``(left_id, right_id)``:

   * ``"bytes"``: a byte's id is its value; merged tokens get 256, 257, ... in creation order.
   * ``"hf"``: the 256 byte ids are the ranks of the GPT-2 byte-level characters
     (``bytes_to_unicode``) sorted by Unicode code point, as HF's ``compute_alphabet`` orders its
     alphabet (so the space byte, shown as ``Ġ`` = U+0120, sorts after all printable ASCII).
     Merged tokens again get 256, 257, ... in creation order.

4. The winning pair is merged left to right, non-overlapping, in every word.
5. Training stops when the vocabulary holds ``vocab_size`` tokens or when the best count is
   below ``max(1, min_frequency)``.

The one place the two peers differ beyond the tie key: a merge can produce a byte string that is
already a token (``ab + c`` and later ``a + bc``). HF then reuses the existing id, and the merge
consumes no vocabulary slot. rustbpe gives it a fresh id (and a vocabulary slot), so both tokens
live on as different ids with different later merges. Both behaviours are implemented here,
although with every word starting from single bytes no such merge turned up in 3,000 random
tie-heavy corpora.

``encode``/``decode`` use fasttok's canonical ids: bytes are 0-255 and merge ``k`` makes token
``256 + k``. Where a merge repeats an existing byte string, its output takes the id of the first
token with those bytes (as HF does and as a ``{bytes: rank}`` table such as tiktoken's must).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Literal

import regex

PATTERNS: dict[str, str] = {
    "gpt2": r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""",
    "cl100k": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",  # noqa: E501
    "o200k": "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
}

Merges = list[tuple[bytes, bytes]]
Pair = tuple[int, int]


def pretokenize(text: str, pattern: str) -> list[bytes]:
    """Split ``text`` into pieces with ``pattern`` (``regex.findall`` semantics), UTF-8 encoded."""
    return [m.group().encode("utf-8") for m in regex.finditer(pattern, text)]


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte-level table: byte value -> printable character standing for it."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    others = [b for b in range(256) if b not in printable]
    table = {b: chr(b) for b in printable}
    table.update({b: chr(256 + n) for n, b in enumerate(others)})
    return table


def hf_byte_ids() -> list[int]:
    """HF's initial id of each byte value: the rank of its byte-level character by code point."""
    table = bytes_to_unicode()
    order = sorted(range(256), key=lambda b: table[b])
    ids = [0] * 256
    for rank, b in enumerate(order):
        ids[b] = rank
    return ids


def merge_word(symbols: Sequence[int], pair: Pair, new_id: int) -> list[int]:
    """Replace each occurrence of ``pair`` in ``symbols``, left to right, non-overlapping."""
    out: list[int] = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def train_bpe(
    documents: Iterable[str],
    vocab_size: int,
    pattern: str,
    tie_break: Literal["hf", "bytes"],
    min_frequency: int = 0,
) -> Merges:
    """Train byte-level BPE; return the ordered merges as ``(left_bytes, right_bytes)``.

    See the module docstring for the exact semantics of ``tie_break`` and the stopping rule.
    Pair counts are kept incrementally: each merge re-counts only the words that contain the
    winning pair, and a heap with lazy deletion yields the (count desc, pair asc) maximum.
    """
    word_counts = Counter(piece for doc in documents for piece in pretokenize(doc, pattern))
    return train_bpe_counts(word_counts, vocab_size, tie_break, min_frequency)


def train_bpe_counts(
    word_counts: Counter[bytes],
    vocab_size: int,
    tie_break: Literal["hf", "bytes"],
    min_frequency: int = 0,
) -> Merges:
    """:func:`train_bpe` on words already counted."""
    if tie_break not in ("hf", "bytes"):
        raise ValueError(f"tie_break must be 'hf' or 'bytes', not {tie_break!r}")
    byte_id = hf_byte_ids() if tie_break == "hf" else list(range(256))
    token_bytes = {byte_id[b]: bytes([b]) for b in range(256)}
    id_of_bytes = {tok: i for i, tok in token_bytes.items()}
    words = [[byte_id[b] for b in word] for word in word_counts]
    counts = list(word_counts.values())

    pair_counts: Counter[Pair] = Counter()
    words_with: defaultdict[Pair, set[int]] = defaultdict(set)  # may hold stale word indices

    def add_word(i: int, sign: int) -> set[Pair]:
        """Add (sign=1) or remove (sign=-1) word ``i``'s pairs; return the pairs touched."""
        pairs = set(pairwise(words[i]))
        for pair in pairwise(words[i]):
            pair_counts[pair] += sign * counts[i]
            if pair_counts[pair] == 0:
                del pair_counts[pair]
        for pair in pairs:
            words_with[pair].add(i)
        return pairs

    for i in range(len(words)):
        add_word(i, +1)
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)

    merges: Merges = []
    next_id = 256
    while next_id < vocab_size and heap:
        neg_count, pair = heapq.heappop(heap)
        if pair_counts.get(pair) != -neg_count:
            continue  # stale entry: a fresh one was pushed when the count changed
        if -neg_count < max(1, min_frequency):
            break
        merged = token_bytes[pair[0]] + token_bytes[pair[1]]
        merges.append((token_bytes[pair[0]], token_bytes[pair[1]]))
        if tie_break == "hf" and merged in id_of_bytes:
            new_id = id_of_bytes[merged]  # HF reuses the id; no vocabulary slot is consumed
        else:
            new_id, next_id = next_id, next_id + 1
            token_bytes[new_id] = merged
            id_of_bytes.setdefault(merged, new_id)
        touched: set[Pair] = set()
        for i in words_with.pop(pair):
            if pair in pairwise(words[i]):
                touched |= add_word(i, -1)
                words[i] = merge_word(words[i], pair, new_id)
                touched |= add_word(i, +1)
        for p in touched:
            if p in pair_counts:
                heapq.heappush(heap, (-pair_counts[p], p))
    return merges


def _canonical_tables(merges: Merges) -> tuple[list[bytes], dict[Pair, tuple[int, int]]]:
    """Return (id -> bytes, (left_id, right_id) -> (rank, new_id)) in canonical ids."""
    vocab = [bytes([b]) for b in range(256)]
    id_of_bytes = {tok: i for i, tok in enumerate(vocab)}
    ranks: dict[Pair, tuple[int, int]] = {}
    for rank, (left, right) in enumerate(merges):
        vocab.append(left + right)
        new_id = id_of_bytes.setdefault(left + right, 256 + rank)
        ranks.setdefault((id_of_bytes[left], id_of_bytes[right]), (rank, new_id))
    return vocab, ranks


def encode(text: str, merges: Merges, pattern: str) -> list[int]:
    """Encode ``text``: pretokenize, then in each piece apply the lowest-rank merge until none applies."""
    _, ranks = _canonical_tables(merges)
    ids: list[int] = []
    for piece in pretokenize(text, pattern):
        symbols = list(piece)
        while True:
            candidates = [(ranks[p], p) for p in pairwise(symbols) if p in ranks]
            if not candidates:
                break
            (_, new_id), pair = min(candidates)
            symbols = merge_word(symbols, pair, new_id)
        ids.extend(symbols)
    return ids


def decode(ids: Iterable[int], merges: Merges) -> bytes:
    """Concatenate the bytes of canonical ids (0-255: that byte; 256 + k: merge k's token)."""
    vocab, _ = _canonical_tables(merges)
    return b"".join(vocab[i] for i in ids)
