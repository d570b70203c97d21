"""A small, readable LiB (Less-is-Better) in pure Python: the oracle for fasttok's LiB.

Semantics of the authors' 2023 code (ray306/The-Less-is-Better-Model), restated, with
fasttok's documented changes: single symbols are atoms that are never deleted (a punished
atom stays last), an optional cap on admission, and the admission
sampler is PCG-64 MCG so that fasttok's stream can be replayed exactly.

The lexicon is a plain list (rank = position), as in the authors' code: slow, and
obviously right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

_MASK128 = (1 << 128) - 1
_MULTIPLIER = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645


class Pcg64Mcg:
    """PCG XSL RR 128/64 (MCG), as ``rand_pcg::Pcg64Mcg``; uniform doubles from 53 bits."""

    def __init__(self, seed: int) -> None:
        self.state = ((seed << 64) | 0xCAFE_F00D_D15E_A5E5) | 1

    def next_u64(self) -> int:
        self.state = (self.state * _MULTIPLIER) & _MASK128
        rotation = self.state >> 122
        xored = ((self.state >> 64) ^ self.state) & ((1 << 64) - 1)
        return ((xored >> rotation) | (xored << (64 - rotation))) & ((1 << 64) - 1)

    def uniform(self) -> float:
        return (self.next_u64() >> 11) * 2.0**-53


@dataclass
class LiB:
    """LiB's state; ``units`` is ``"chars"`` or ``"bytes"`` (text given as ``str`` or ``bytes``)."""

    in_rate: float = 0.25
    out_rate: float = 1e-4
    life: int = 10
    update_rate: float = 0.1
    max_unit_length: int | None = None
    inspect_context: bool = True
    seed: int = 0
    admission_cap: int | None = None
    lexicon: list = field(default_factory=list)
    members: set = field(default_factory=set)  # the lexicon as a set, for fast lookups
    probation: dict = field(default_factory=dict)
    rewards: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sampler = Pcg64Mcg(self.seed)

    # ---------------------------------------------------------------- matching

    def matches(self, text, at):
        """All lexicon units that are prefixes of ``text[at:]``, shortest first."""
        return [text[at:end] for end in range(at + 1, len(text) + 1) if text[at:end] in self.members]

    def longest(self, text, at):
        found = self.matches(text, at)
        return found[-1] if found else text[:0]

    def forced(self, text, at):
        """The longest unit at ``at``, else the single symbol (empty at the end)."""
        return self.longest(text, at) or text[at : at + 1]

    def rank_cost(self, path):
        known = [chunk for chunk in path if chunk in self.members]
        return (len(path) - len(known), len(path), sum(self.lexicon.index(chunk) for chunk in known))

    # ---------------------------------------------------------------- memory

    def memorize(self, unit, context) -> None:
        if not unit or unit in self.members:
            return
        if self.max_unit_length is not None and len(unit) > self.max_unit_length:
            return
        if len(unit) > 1 and self.admission_cap is not None and len(self.lexicon) >= self.admission_cap:
            return
        self.lexicon.append(unit)
        self.members.add(unit)
        self.probation[unit] = [self.life, context]

    def inspect(self, chunk, last, before_last, text, end) -> None:
        """``chunk`` is on probation and met again: compare contexts."""
        life_and_context = self.probation[chunk]
        if not self.inspect_context or life_and_context[1] is None:
            del self.probation[chunk]
            return
        old_last, old_next = life_and_context[1]
        following = self.forced(text, end)
        if not (old_last or old_next or last or following):
            return
        extended = False
        if (old_last and last.endswith(old_last)) or (last and old_last.endswith(last)):
            self.memorize(last + chunk, (before_last, following))
            extended = True
        if (old_next and following.startswith(old_next)) or (following and old_next.startswith(following)):
            self.memorize(chunk + following, (last, self.forced(text, end + len(following))))
            extended = True
        if not extended:
            self.rewards.append((chunk, -1))
            del self.probation[chunk]

    # ---------------------------------------------------------------- reading

    def read(self, text) -> None:
        """Read one piece greedily, memorizing and opening counterfactual tests."""
        chunks: list = []
        tests: dict = {}  # unit -> [alternative end, default path, alternative path]
        at = 0
        empty = text[:0]
        while at < len(text):
            for unit, (alternative_end, default, alternative) in list(tests.items()):
                while alternative_end < at:
                    step = self.forced(text, alternative_end)
                    alternative.append(step)
                    alternative_end += len(step)
                tests[unit][0] = alternative_end
                if alternative_end == at:
                    if self.rank_cost(alternative) < self.rank_cost(default):
                        self.rewards += [(alternative[0], -1), (unit, 1)]
                    else:
                        self.rewards.append((unit, -1))
                    del tests[unit]
            found = self.matches(text, at)
            chunk = found[-1] if found else empty
            last = chunks[-1] if chunks else empty
            before_last = chunks[-2] if len(chunks) > 1 else empty
            if chunk and chunk in self.probation:
                self.inspect(chunk, last, before_last, text, at + len(chunk))
            if chunk:
                for test in tests.values():
                    test[1].append(chunk)
                if len(chunk) > 1 and len(found) > 1:
                    shorter = found[-2]
                    tests[chunk] = [at + len(shorter), [chunk], [shorter]]
                if self.sampler.uniform() < self.in_rate:
                    self.memorize(last + chunk, (before_last, self.forced(text, at + len(chunk))))
            else:
                chunk = text[at : at + 1]
                self.memorize(chunk, (last, self.forced(text, at + 1)))
                for test in tests.values():
                    test[1].append(chunk)
            chunks.append(chunk)
            at += len(chunk)

    def consolidate(self) -> None:
        """After an article: expire probation, re-rank, put the tail on probation."""
        for unit in list(self.probation):
            self.probation[unit][0] -= 1
            if self.probation[unit][0] < 1:
                del self.probation[unit]
                if len(unit) > 1:
                    self.lexicon.remove(unit)
                    self.members.discard(unit)
        rewards, self.rewards = self.rewards, []
        for unit, direction in rewards:
            if unit not in self.members:
                continue
            rank = self.lexicon.index(unit)
            if rank == 0:
                continue
            target = rank + direction * (int(rank * self.update_rate) + 1)
            self.lexicon.pop(rank)
            if target >= len(self.lexicon) + 1:
                if len(unit) > 1:
                    self.probation.pop(unit, None)
                    self.members.discard(unit)
                    continue
                target = len(self.lexicon)
            self.lexicon.insert(max(target, 0), unit)
        for rank in range(int((1 - self.out_rate) * len(self.lexicon)), len(self.lexicon)):
            self.probation.setdefault(self.lexicon[rank], [self.life, None])


def train(
    sentences: Sequence,
    *,
    steps: int,
    sentences_per_step: int,
    split=lambda sentence: [sentence],
    **options,
) -> list:
    """The ranked lexicon after ``steps`` articles (units still on probation removed)."""
    lib = LiB(**options)
    position = 0
    for _ in range(steps):
        article = sentences[position : position + sentences_per_step]
        position = position + len(article) if position + len(article) < len(sentences) else 0
        for sentence in article:
            for piece in split(sentence):
                lib.read(piece)
        lib.consolidate()
    return [unit for unit in lib.lexicon if unit not in lib.probation or len(unit) == 1]


def segment(lexicon: Sequence, text, *, greedy: bool = False) -> list:
    """The two-path (or greedy) segmentation of ``text`` by a ranked ``lexicon``;
    unknown symbols are single-symbol chunks."""
    ranked = LiB(lexicon=list(lexicon), members=set(lexicon))
    out: list = []
    at = 0
    while at < len(text):
        found = ranked.matches(text, at)
        if greedy or not (len(found) > 1 and len(found[-1]) > 1):
            chunk = found[-1] if (found and (greedy or len(found[-1]) == 1)) else text[at : at + 1]
            out.append(chunk)
            at += len(chunk)
            continue
        default, alternative = [found[-1]], [found[-2]]
        default_end, alternative_end = at + len(found[-1]), at + len(found[-2])
        while default_end != alternative_end:
            path, end = (default, default_end) if default_end < alternative_end else (alternative, alternative_end)
            step = ranked.forced(text, end)
            path.append(step)
            if path is default:
                default_end += len(step)
            else:
                alternative_end += len(step)
        better = alternative if ranked.rank_cost(alternative) < ranked.rank_cost(default) else default
        out += better
        at = default_end
    return out
