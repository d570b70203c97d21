"""A small, readable Unigram LM reference: lattices, forward-backward, one EM step and
brute-force segmentation. The oracle of ``test_unigram.py``.

Semantics (as fasttok documents them): the E-step adds count × marginal probability of
every lattice node of every word; the M-step keeps single units (characters or bytes)
with their expected count raised to 0.5, drops other pieces expected fewer than 0.5
times, and scores the kept ones ψ(count) − ψ(Σ counts), ψ being the digamma function.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence

Piece = tuple[bytes, float]


def boundaries(word: bytes, units: str) -> list[int]:
    """Byte offsets where units (characters or bytes) start, and the end."""
    if units == "bytes":
        return list(range(len(word) + 1))
    offsets, at = [], 0
    for char in word.decode():
        offsets.append(at)
        at += len(char.encode())
    return [*offsets, at]


def lattice(word: bytes, pieces: Sequence[Piece], units: str) -> list[tuple[int, int, int, float]]:
    """Every ``(start, end, piece index, score)`` whose piece spells ``word[start:end]``."""
    index = {piece: (i, score) for i, (piece, score) in enumerate(pieces)}
    cuts = boundaries(word, units)
    nodes = []
    for a, start in enumerate(cuts):
        for end in cuts[a + 1 :]:
            if word[start:end] in index:
                i, score = index[word[start:end]]
                nodes.append((start, end, i, score))
    return nodes


def log_add(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))``."""
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high, low = max(a, b), min(a, b)
    return high + math.log1p(math.exp(low - high))


def forward_backward(word: bytes, pieces: Sequence[Piece], units: str) -> tuple[float, dict[int, float]]:
    """log Z of ``word`` over all segmentations, and each piece's expected uses in it."""
    nodes = lattice(word, pieces, units)
    n = len(word)
    alpha = [-math.inf] * (n + 1)
    beta = [-math.inf] * (n + 1)
    alpha[0] = beta[n] = 0.0
    for start, end, _, score in sorted(nodes):
        alpha[end] = log_add(alpha[end], alpha[start] + score)
    for start, end, _, score in sorted(nodes, reverse=True):
        beta[start] = log_add(beta[start], score + beta[end])
    log_z = alpha[n]
    expected: dict[int, float] = {}
    for start, end, i, score in nodes:
        expected[i] = expected.get(i, 0.0) + math.exp(alpha[start] + score + beta[end] - log_z)
    return log_z, expected


def digamma(x: float) -> float:
    """ψ(x): the recurrence ψ(x) = ψ(x + 1) − 1/x up to 20, then the asymptotic series in 1/x."""
    result = 0.0
    while x < 20.0:
        result -= 1.0 / x
        x += 1.0
    inverse2 = 1.0 / (x * x)
    series = inverse2 * (1 / 12 - inverse2 * (1 / 120 - inverse2 * (1 / 252 - inverse2 * (1 / 240 - inverse2 / 132))))
    return result + math.log(x) - 0.5 / x - series


def is_unit(piece: bytes, units: str) -> bool:
    return len(boundaries(piece, units)) == 2


def em_step(counts: Mapping[bytes, int], pieces: Sequence[Piece], units: str) -> tuple[list[Piece], float]:
    """One EM iteration: the re-estimated pieces (in their order) and the log-likelihood."""
    expected = [0.0] * len(pieces)
    log_likelihood = 0.0
    for word, count in counts.items():
        log_z, uses = forward_backward(word, pieces, units)
        log_likelihood += count * log_z
        for i, value in uses.items():
            expected[i] += count * value
    kept = []
    for (piece, _), value in zip(pieces, expected):
        if is_unit(piece, units):
            kept.append((piece, max(value, 0.5)))
        elif value >= 0.5:
            kept.append((piece, value))
    total = digamma(sum(value for _, value in kept))
    return [(piece, digamma(value) - total) for piece, value in kept], log_likelihood


def segmentations(text: bytes, pieces: Sequence[Piece], units: str) -> Iterator[list[int]]:
    """Every segmentation of ``text`` into pieces, as piece indices."""
    index = {piece: i for i, (piece, _) in enumerate(pieces)}
    cuts = boundaries(text, units)

    def from_cut(a: int) -> Iterator[list[int]]:
        if a == len(cuts) - 1:
            yield []
            return
        for b in range(a + 1, len(cuts)):
            piece = text[cuts[a] : cuts[b]]
            if piece in index:
                for rest in from_cut(b):
                    yield [index[piece], *rest]

    return from_cut(0)
