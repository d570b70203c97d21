"""A small, readable pure-Python SuperBPE: the test oracle for ``fasttok.train(algorithm="superbpe")``.

It follows the reference implementation (the HF ``tokenizers`` fork behind the paper,
``BpeTrainer::do_train_extend``) step by step, with none of its machinery:

1. Sequences are the lines of every document, each with its ``\\n`` (or whole documents).
2. Stage 1: byte-level BPE (``reference.train_bpe_counts``) on the stage-1 pieces of the
   sequences; the first ``transition - 1`` merges are inherited.
3. Stage 2 counts the stage-2 pieces ("chunks") of the sequences and replays the inherited
   merges in order. A merge is skipped (dropped from the output) unless both its tokens exist
   and its pair is in the *replay queue*: the pairs present at the start, plus every pair that
   a merge step leaves with new occurrences (present after the step, with at least one
   occurrence formed by it). A replayed pair leaves the queue.
4. Then greedy BPE as in stage 1 up to ``vocab_size``, except that a pair whose token has more
   than ``max_words`` space-separated words, or contains a forbidden substring, is never taken.

Token ids follow ``reference.train_bpe``: the tie order of the 256 bytes, then creation order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from typing import Literal

import regex
from reference import Merges, Pair, hf_byte_ids, merge_word, train_bpe_counts

Splitter = Callable[[str], list[str]]

#: The paper's stage-1 ``Split`` pattern (after ``Digits``).
STAGE1_PATTERN = r"(?=(\d{3})+(?!\d))| ?\p{L}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
#: The paper's stage-2 ``Split`` pattern (after ``Digits``).
STAGE2_PATTERN = r"(?=(\d{3})+(?!\d))"


def split_isolated(text: str, pattern: str) -> list[str]:
    """HF's ``Split(pattern, behavior="isolated")``: matches and the text between them."""
    pieces, covered = [], 0
    for match in regex.finditer(pattern, text):
        if covered < match.start():
            pieces.append(text[covered : match.start()])
        if match.start() < match.end():
            pieces.append(match.group())
        covered = max(covered, match.end())
    if covered < len(text):
        pieces.append(text[covered:])
    return pieces


def split_digits_then(pattern: str) -> Splitter:
    """HF's ``Sequence([Digits(individual_digits=False), Split(pattern, "isolated")])``."""

    def split(text: str) -> list[str]:
        runs = regex.findall(r"\p{N}+|\P{N}+", text)
        return [piece for run in runs for piece in split_isolated(run, pattern)]

    return split


#: The paper's stage pretokenizers.
STAGE1 = split_digits_then(STAGE1_PATTERN)
STAGE2 = split_digits_then(STAGE2_PATTERN)


def sequences_of(documents: Iterable[str], lines: bool) -> list[str]:
    """Lines with their ``\\n`` (only ``\\n`` ends a line), or the documents themselves."""
    if not lines:
        return [doc for doc in documents if doc]
    return [line for doc in documents for line in regex.findall(r"[^\n]*\n|[^\n]+", doc)]


def train_superbpe(
    documents: Sequence[str],
    vocab_size: int,
    transition: int,
    tie_break: Literal["hf", "bytes"],
    stage1: Splitter = STAGE1,
    stage2: Splitter = STAGE2,
    lines: bool = True,
    max_words: int | None = 4,
    forbidden: Sequence[str] = (": ",),
    keep_absent_merges: bool = False,
) -> tuple[Merges, list[int]]:
    """Train SuperBPE; return the merges as byte pairs and the ranks of dropped inherited merges."""
    sequences = sequences_of(documents, lines)
    stage1_words = Counter(piece.encode() for seq in sequences for piece in stage1(seq))
    inherited = train_bpe_counts(stage1_words, 256 + max(transition - 1, 0), tie_break)

    chunks = Counter(piece.encode() for seq in sequences for piece in stage2(seq))
    byte_id = hf_byte_ids() if tie_break == "hf" else list(range(256))
    token_bytes = {byte_id[b]: bytes([b]) for b in range(256)}
    id_of_bytes = {token: i for i, token in token_bytes.items()}
    words = [[byte_id[b] for b in chunk] for chunk in chunks]
    counts = list(chunks.values())

    def pair_counts() -> Counter[Pair]:
        totals: Counter[Pair] = Counter()
        for word, count in zip(words, counts):
            for pair in pairwise(word):
                totals[pair] += count
        return totals

    def apply(pair: Pair) -> int:
        """Merge ``pair`` everywhere; queue the pairs it leaves with new occurrences (those with its token)."""
        merged = token_bytes[pair[0]] + token_bytes[pair[1]]
        if merged not in id_of_bytes:
            id_of_bytes[merged] = len(token_bytes)
            token_bytes[len(token_bytes)] = merged
        new_id = id_of_bytes[merged]
        formed = set()
        for i, word in enumerate(words):
            words[i] = merge_word(word, pair, new_id)
            formed |= {p for p in pairwise(words[i]) if new_id in p}
        queue.update(formed)
        return new_id

    merges: Merges = []
    dropped: list[int] = []
    queue = set(pair_counts())
    for rank, (left, right) in enumerate(inherited[: max(transition - 1, 0)]):
        pair = (id_of_bytes.get(left, -1), id_of_bytes.get(right, -1))
        if -1 in pair or (pair not in queue and not keep_absent_merges):
            dropped.append(rank)
            continue
        queue.discard(pair)
        apply(pair)
        merges.append((left, right))

    def allowed(token: bytes) -> bool:
        words_in_token = [w for w in token.split(b" ") if w]
        too_many = max_words is not None and len(words_in_token) > max_words
        return not too_many and not any(f.encode() in token for f in forbidden)

    while len(token_bytes) < vocab_size:
        candidates = [
            (-count, pair)
            for pair, count in pair_counts().items()
            if allowed(token_bytes[pair[0]] + token_bytes[pair[1]])
        ]
        if not candidates:
            break
        _, pair = min(candidates)
        merges.append((token_bytes[pair[0]], token_bytes[pair[1]]))
        apply(pair)
    return merges, dropped
