"""Data-mixture inference: what a BPE merge list reveals about its training data.

Hayase et al. (NeurIPS 2024): merge ``t`` of a BPE tokenizer was the most frequent pair
of its training data once merges ``1..t-1`` had been applied. Replaying the merge list
over a sample of each candidate category (a language, a programming language, a domain)
gives every pair's count per category at every step; the mixture weights ``α`` must make
each chosen merge at least as frequent as every other pair. Sampling noise makes that
infeasible, so the linear program

    minimise Σ_t v_t + Σ_p v_p   subject to
    Σ_i α_i (c̃_i,merge(t) − c̃_i,p) + v_t + v_p ≥ 0   for every step t and pair p,
    α on the simplex, v ≥ 0

(``c̃``: counts per million initial pairs of the sample) is solved with lazily generated
rows: the Rust core sweeps the merges in order under the current solution and returns the
violated rows, each with the run of steps over which its pair's counts stay the same (at
most ``per_step`` per step, ending after ``per_round`` in the first round and twice as
many each round after); a run enters the LP through a segment tree over the steps
(:class:`_RowGeneration`), which is re-solved with a warm start until a sweep finds none. ``α`` is a mixture of *pair mass*
(each category's share of adjacent pairs before any merge); :attr:`MixtureResult.byte_shares`
converts it to shares of bytes.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from fasttok import _fasttok
from fasttok.corpus import Corpus, resolve
from fasttok.exceptions import FormatError, ParameterError
from fasttok.tokenizer import Tokenizer
from fasttok.train import count

if TYPE_CHECKING:
    from tokenizers import Tokenizer as HfTokenizer

#: What :func:`infer_mixture` accepts as the tokenizer under attack.
TokenizerSource = Union[Tokenizer, str, "os.PathLike[str]", "HfTokenizer"]
#: Solvers: ``"highspy"`` (HiGHS, warm-started), ``"scipy"`` (``linprog``, re-solved each round).
SOLVERS = ("auto", "highspy", "scipy")
#: tiktoken rank files whose name says which pretokenizer they go with.
_TIKTOKEN_PRETOKENIZERS = {"cl100k": "cl100k", "o200k": "o200k", "r50k": "gpt2", "p50k": "gpt2", "gpt2": "gpt2"}

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class MixtureResult:
    """The inferred mixture and how the LP got there.

    ``pair_shares`` is the LP's ``α`` (each category's share of adjacent pairs before any
    merge, the unit of the paper's commercial-tokenizer tables); ``byte_shares`` converts
    it with each sample's bytes per pair (the unit of the paper's controlled experiments).
    """

    categories: tuple[str, ...]
    pair_shares: FloatArray
    byte_shares: FloatArray
    #: Total slack of the optimum (0: the merge list is exactly explained).
    objective: float
    #: Sweep-and-solve rounds, and runs of LP rows (a pair against the steps over which its
    #: counts stay the same) generated in all.
    rounds: int
    rows: int
    #: Merge steps used (``T``), from merge ``start`` (0-based) on.
    steps: int
    start: int
    #: Ranks of merges (in the full list) that occur in no sample: they constrain nothing.
    missing_merges: tuple[int, ...]
    solver: str
    #: Wall seconds: counting and replay, then the LP loop.
    replay_seconds: float
    solve_seconds: float

    def as_dict(self, unit: str = "bytes") -> dict[str, float]:
        """``{category: share}`` in ``unit`` ``"bytes"`` or ``"pairs"``."""
        shares = {"bytes": self.byte_shares, "pairs": self.pair_shares}.get(unit)
        if shares is None:
            raise ParameterError(f"invalid value for `unit`: {unit!r} is not 'bytes' or 'pairs'")
        return dict(zip(self.categories, shares.tolist()))

    def records(self) -> list[dict[str, Any]]:
        """One row per category (``pandas.DataFrame(result.records())``)."""
        return [
            {"category": name, "byte_share": float(b), "pair_share": float(p)}
            for name, b, p in zip(self.categories, self.byte_shares, self.pair_shares)
        ]

    def table(self) -> str:
        """A plain-text table, largest share first, with the solve's summary."""
        width = max([len("category"), *map(len, self.categories)])
        lines = [f"{'category':<{width}}  {'bytes %':>8}  {'pairs %':>8}"]
        for row in sorted(self.records(), key=lambda row: -row["byte_share"]):
            lines.append(f"{row['category']:<{width}}  {100 * row['byte_share']:8.3f}  {100 * row['pair_share']:8.3f}")
        lines.append(
            f"objective {self.objective:.6g} · {self.steps} merges from {self.start} · "
            f"{len(self.missing_merges)} missing · {self.rounds} rounds · {self.rows} row runs · {self.solver} · "
            f"replay {self.replay_seconds:.1f} s, LP {self.solve_seconds:.1f} s"
        )
        return "\n".join(lines)

    def plot(self, path: str | os.PathLike[str]) -> None:
        """Draw the byte shares as a bar chart into ``path`` (needs ``matplotlib``)."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise ParameterError("plotting needs the `matplotlib` package") from None
        rows = sorted(self.records(), key=lambda row: -row["byte_share"])
        figure, axes = plt.subplots(figsize=(max(4.0, 0.6 * len(rows)), 3.5))
        axes.bar([row["category"] for row in rows], [100 * row["byte_share"] for row in rows])
        axes.set_ylabel("share of training bytes (%)")
        axes.set_title(f"Inferred mixture ({self.steps} merges)")
        axes.tick_params(axis="x", rotation=45)
        figure.tight_layout()
        figure.savefig(path, dpi=120)
        plt.close(figure)

    def __str__(self) -> str:
        return self.table()


def infer_mixture(
    tokenizer: TokenizerSource,
    samples: Mapping[str, Corpus | _fasttok.Counts],
    *,
    merges: int | None = 30_000,
    start: int = 0,
    pretokenizer: str | None = None,
    remove_redundant: bool = False,
    per_step: int = 10,
    per_round: int = 100,
    tolerance: float = 1e-6,
    solver: str = "auto",
    num_threads: int | None = None,
    errors: str = "strict",
    text_field: str = "text",
    progress: bool | None = None,
) -> MixtureResult:
    """Infer the category proportions of the data ``tokenizer``'s merges were learned on.

    Args:
        tokenizer: a fasttok :class:`Tokenizer`; a saved one or an HF ``tokenizer.json``
            (BPE, byte-level or character-level; the latter's normalizer and pre-tokenizer
            run through the ``tokenizers`` package); a ``.tiktoken`` rank file; a GPT-2
            style ``merges.txt``; or an HF ``tokenizers.Tokenizer``.
        samples: ``{category: sample}``, each sample what :func:`fasttok.count` accepts
            (paths, texts, a ``datasets`` object) or its ``Counts`` under the
            tokenizer's pretokenizer. Samples should come from the categories'
            distributions, not necessarily from the training text.
        merges: ``T``, the number of merges used (default: the paper's 30,000, or all).
        start: skip the first ``start`` merges (applied, not constrained): for a tokenizer
            that extends another one, attack its own merges only.
        pretokenizer: override the tokenizer's pretokenizer (a named spec or a regex);
            required for rank files whose name does not say (``cl100k``, ``o200k``, ...).
        remove_redundant: drop the redundant merges that converting a SentencePiece model
            to HF adds (several merges building one token: keep the one whose parts exist
            first, the longer left part on ties).
        per_step, per_round: violated rows (each bringing its run of steps) taken per step
            and in the first round (the paper's 10 and 100); each later round may take twice
            as many as the one before. The result does not depend on them, only the time
            it takes.
        tolerance: a row counts as violated when it misses by more than this, in
            occurrences per million pairs.
        solver: ``"highspy"``, ``"scipy"`` or ``"auto"`` (highspy when installed).
        num_threads: replay threads (default: one per core); the result never depends on it.
        errors, text_field, progress: as for :func:`fasttok.count`.

    Returns:
        A :class:`MixtureResult`.
    """
    if not samples:
        raise ParameterError("invalid value for `samples`: give at least one category")
    for name, value in {"merges": merges, "start": start, "per_step": per_step, "per_round": per_round}.items():
        if value is not None and value < (0 if name == "start" else 1):
            raise ParameterError(f"invalid value for `{name}`: {value}")
    solve = _solver(solver)
    shown = sys.stderr.isatty() if progress is None else progress
    began = time.perf_counter()
    source = _merge_source(tokenizer, pretokenizer)
    merge_list = _without_redundant(source.merges, source.units) if remove_redundant else source.merges
    if start > len(merge_list):
        raise ParameterError(f"invalid value for `start`: {start} exceeds the {len(merge_list)} merges")
    counted = [
        (sample, None) if isinstance(sample, _fasttok.Counts) else source.count(sample, num_threads, errors, text_field, shown)
        for sample in samples.values()
    ]
    counts = [sample_counts for sample_counts, _ in counted]
    problem = _fasttok.MixtureProblem(
        merge_list,
        counts,
        units=source.units,
        skip=start,
        steps=merges,
        num_threads=num_threads,
        progress=shown,
    )
    replayed = time.perf_counter()
    alpha, objective, rounds, name = solve(problem, per_step, per_round, tolerance)
    pair_shares = _on_simplex(alpha)
    sample_bytes = [piece_bytes if raw is None else raw for (_, raw), piece_bytes in zip(counted, problem.sample_bytes())]
    per_pair = np.array(sample_bytes, dtype=np.float64) / problem.sample_pairs().astype(np.float64)
    return MixtureResult(
        categories=tuple(samples),
        pair_shares=pair_shares,
        byte_shares=_on_simplex(pair_shares * per_pair),
        objective=objective,
        rounds=rounds,
        rows=problem.rows_added,
        steps=problem.steps,
        start=start,
        missing_merges=tuple(start + step for step in problem.missing_steps()),
        solver=name,
        replay_seconds=replayed - began,
        solve_seconds=time.perf_counter() - replayed,
    )


def _on_simplex(weights: FloatArray) -> FloatArray:
    """``weights`` clipped at 0 (solver round-off) and normalised to sum 1."""
    clipped: FloatArray = np.clip(weights, 0.0, None)
    normalised: FloatArray = clipped / clipped.sum()
    return normalised


# ==================== The tokenizer under attack


@dataclass(frozen=True)
class _MergeSource:
    """A merge list with what replaying it needs: its base units and how to count samples."""

    merges: list[tuple[bytes, bytes]]
    units: str
    pretokenizer: str
    lines: bool = False
    #: Character-level HF tokenizers: the ``tokenizers`` object that pre-tokenizes samples.
    hf: Any = None

    def count(
        self, sample: Corpus, num_threads: int | None, errors: str, text_field: str, progress: bool
    ) -> tuple[Any, int | None]:
        """The sample's piece counts under the tokenizer's pretokenizer, and its bytes when
        the pieces do not add up to the text (an HF normalizer or pre-tokenizer may drop some)."""
        if self.hf is None:
            counts = count(
                sample,
                pretokenizer=self.pretokenizer,
                lines=self.lines,
                num_threads=num_threads,
                errors=errors,
                text_field=text_field,
                progress=progress,
            )
            return counts, None
        texts = _HfPieces(self.hf, sample, text_field)
        counts = count(texts, pretokenizer="none", num_threads=num_threads, progress=progress)
        return counts, texts.bytes


def _merge_source(tokenizer: TokenizerSource, pretokenizer: str | None) -> _MergeSource:
    """Resolve what :func:`infer_mixture` accepts as a tokenizer."""
    if isinstance(tokenizer, Tokenizer):
        spec = tokenizer.pattern if tokenizer.pretokenizer == "custom" else tokenizer.pretokenizer
        return _MergeSource(tokenizer.merges, "bytes", pretokenizer or spec, tokenizer.lines)
    to_str = getattr(tokenizer, "to_str", None)
    if callable(to_str):
        return _from_hf_json(to_str(), "the HF tokenizer", pretokenizer)
    if not isinstance(tokenizer, (str, os.PathLike)):
        raise ParameterError(f"invalid value for `tokenizer`: {type(tokenizer).__name__} is not a tokenizer or a path")
    path = os.fspath(tokenizer)
    if os.path.isdir(path):
        return _merge_source(Tokenizer.load(path), pretokenizer)
    name = os.path.basename(path)
    if name.endswith(".json"):
        with open(path, encoding="utf-8") as file:
            return _from_hf_json(file.read(), path, pretokenizer)
    if name.endswith(".tiktoken"):
        named = next((s for key, s in _TIKTOKEN_PRETOKENIZERS.items() if key in name), None)
        if pretokenizer is None and named is None:
            raise ParameterError(f"{path}: a rank file does not record its pretokenizer; pass `pretokenizer=`")
        return _merge_source(Tokenizer.from_tiktoken(path, pretokenizer=pretokenizer or str(named)), None)
    return _MergeSource(_read_merges_txt(path), "bytes", pretokenizer or "gpt2")


def _from_hf_json(text: str, what: str, pretokenizer: str | None) -> _MergeSource:
    """A ``tokenizer.json``: byte-level BPE through fasttok where it can express the
    pre-tokenizer; otherwise the ``tokenizers`` package pre-tokenizes the samples and the
    merges are replayed over its pieces' characters (byte-level pieces are one character per
    byte, so this is exact for both kinds)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(f"{what}: not JSON: {error}") from None
    model = document.get("model") if isinstance(document, dict) else None
    kind = model.get("type") if isinstance(model, dict) else None
    if not isinstance(model, dict) or kind != "BPE":
        raise FormatError(f"{what}: model type {kind!r} is not BPE")
    if _is_byte_level(document):
        try:
            return _merge_source(Tokenizer(_fasttok.Tokenizer.from_json(text)), pretokenizer)
        except FormatError:
            pass  # a pre-tokenizer fasttok cannot express: run it through `tokenizers` below
    if model.get("continuing_subword_prefix") or model.get("end_of_word_suffix"):
        raise FormatError(f"{what}: BPE with a subword prefix or word suffix is not supported")
    if pretokenizer is not None:
        raise ParameterError(f"{what}: `pretokenizer` cannot override this tokenizer's pre-tokenizer")
    try:
        from tokenizers import Tokenizer as HfTokenizer
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ParameterError(f"{what}: its pre-tokenizer needs the `tokenizers` package") from error
    try:
        hf = HfTokenizer.from_str(text)
    except Exception as error:  # `tokenizers` raises a bare Exception for a malformed file
        raise FormatError(f"{what}: {error}") from None
    # `tokenizers` accepted the file: every merge is "left right" or [left, right].
    merges = [
        tuple(merge.split(" ", 1)) if isinstance(merge, str) else tuple(merge) for merge in model.get("merges", [])
    ]
    return _MergeSource([(left.encode(), right.encode()) for left, right in merges], "chars", "none", hf=hf)


def _is_byte_level(document: Mapping[str, Any]) -> bool:
    """Whether a ``tokenizer.json`` pre-tokenizes to bytes (a ``ByteLevel`` step)."""

    def steps(component: Any) -> list[Any]:
        if not isinstance(component, dict):
            return []
        inner = component.get("pretokenizers")
        return [component, *(s for part in (inner if isinstance(inner, list) else []) for s in steps(part))]

    return any(step.get("type") == "ByteLevel" for step in steps(document.get("pre_tokenizer")))


class _HfPieces:
    """The pieces of a sample after an HF tokenizer's normalizer and pre-tokenizer, one per
    item, counting the sample's bytes on the way."""

    def __init__(self, hf: Any, sample: Corpus, text_field: str) -> None:
        self.hf, self.resolved, self.bytes = hf, resolve(sample, text_field), 0

    def _texts(self) -> Iterator[str]:
        for path in self.resolved.files:
            with open(path, encoding="utf-8") as file:
                yield file.read()
        for document in self.resolved.documents or ():
            yield document.decode() if isinstance(document, bytes) else document

    def __iter__(self) -> Iterator[str]:
        for text in self._texts():
            self.bytes += len(text.encode())
            normalized = self.hf.normalizer.normalize_str(text) if self.hf.normalizer is not None else text
            if self.hf.pre_tokenizer is None:
                yield normalized
            else:
                yield from (piece for piece, _ in self.hf.pre_tokenizer.pre_tokenize_str(normalized))


def _read_merges_txt(path: str) -> list[tuple[bytes, bytes]]:
    """A GPT-2 ``merges.txt``: ``left right`` per line in byte-level characters."""
    merges = []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            line = line.rstrip("\n")
            if not line or (number == 1 and line.startswith("#version")):
                continue
            parts = [_fasttok.byte_level_bytes(part) for part in line.split(" ")]
            if len(parts) != 2 or None in parts:
                raise FormatError(f"{path}: line {number}: {line[:80]!r} is not a byte-level merge 'left right'")
            merges.append((bytes(parts[0] or b""), bytes(parts[1] or b"")))
    return merges


def _without_redundant(merges: Sequence[tuple[bytes, bytes]], units: str) -> list[tuple[bytes, bytes]]:
    """One merge per resulting token: the one BPE training actually made.

    SentencePiece → HF conversion lists every pair of tokens that concatenates to a token;
    training used one of them. Segmenting the token with the merges kept before it gives
    that one (its two final parts), as when tiktoken ranks are turned into merges; should
    the segmentation end elsewhere, the paper's rule decides: the merge whose parts were
    created first, the longer left part on ties. The kept merge takes the place of the
    first merge of its token.
    """
    by_result: dict[bytes, list[tuple[bytes, bytes]]] = {}
    for left, right in merges:
        by_result.setdefault(left + right, []).append((left, right))
    ranks: dict[tuple[bytes, bytes], int] = {}
    created: dict[bytes, int] = {}
    for result, candidates in by_result.items():

        def created_first(merge: tuple[bytes, bytes]) -> tuple[int, int]:
            # Base units exist from the start; a part no kept merge built, never.
            unbuilt = {part: -1 if len(_bpe_segments(part, {}, units)) == 1 else len(merges) for part in merge}
            return max(created.get(part, unbuilt[part]) for part in merge), -len(merge[0])

        parts = tuple(_bpe_segments(result, ranks, units))
        chosen = parts if len(candidates) > 1 and parts in candidates else min(candidates, key=created_first)
        ranks[chosen] = created[result] = len(ranks)
    return list(ranks)


def _bpe_segments(token: bytes, ranks: Mapping[tuple[bytes, bytes], int], units: str) -> list[bytes]:
    """``token`` split into its base units, then merged by ``ranks`` (lowest rank first)."""
    symbols = [bytes([b]) for b in token] if units == "bytes" else [c.encode() for c in token.decode(errors="replace")]
    while len(symbols) > 1:
        rank, at = min((ranks.get(pair, len(ranks)), i) for i, pair in enumerate(zip(symbols, symbols[1:])))
        if rank == len(ranks):
            break
        symbols[at : at + 2] = [symbols[at] + symbols[at + 1]]
    return symbols


# ==================== The LP


def _solver(name: str) -> Any:
    """The solve loop for solver ``name``."""
    if name not in SOLVERS:
        raise ParameterError(f"invalid value for `solver`: {name!r} is not one of {SOLVERS}")
    if name in ("auto", "highspy"):
        try:
            import highspy  # noqa: F401
        except ImportError:
            if name == "highspy":
                raise ParameterError("solver='highspy' needs the `highspy` package (pip install highspy)") from None
        else:
            return _solve_highspy
    return _solve_scipy


class _RowGeneration:
    """The lazy row generation both solvers share, over the columns ``[α | v_t | added]``.

    The LP has a row for every step ``t`` and competing pair ``p``:
    ``α·(c_m(t) − c_p(t)) + v_t + v_p ≥ 0``. A pair's counts change only at the steps whose
    merge touches it, so its rows come in runs of steps with the same counts ``c_p``, and
    a run's rows say ``α·c_p − v_p ≤ min(U_t)`` over its steps, with
    ``U_t = α·c_m(t) + v_t``. Real samples violate runs hundreds of steps long; adding
    them a row per step, as the paper does, leaves thousands of tight, degenerate rows
    (a pair against every step it beats) that the simplex crawls through. Instead a
    segment tree over the steps gives each internal node a free column ``M`` held below
    its children's (a leaf's ``M`` is ``U_t``), and a run enters as one row per node
    covering it: ``O(log T)`` rows and the same optimum. A sweep's first round returns
    ``per_round`` runs, each later one twice as many as the one before.
    """

    def __init__(self, problem: Any, per_step: int, per_round: int, tolerance: float) -> None:
        self.problem, self.per_step, self.per_round, self.tolerance = problem, per_step, per_round, tolerance
        n, steps = problem.categories, problem.steps
        self.merge_counts: FloatArray = problem.merge_counts()
        self.live = np.ones(steps, dtype=bool)
        self.live[problem.missing_steps()] = False
        self.alpha = np.full(n, 1.0 / n)
        self.step_slack = np.zeros(steps)
        self.pair_slack = np.zeros(problem.pair_count)
        self.objective, self.rounds = 0.0, 0
        #: Whether each added column is a pair slack (cost 1, ≥ 0) or a tree node (free).
        self.added_is_pair: list[bool] = []
        self.pair_column: dict[int, int] = {}
        self.node_column: dict[tuple[int, int], int] = {}
        self._rows = _Rows()

    @property
    def columns(self) -> int:
        """Columns of the LP so far."""
        return int(self.problem.categories + self.problem.steps) + len(self.added_is_pair)

    def next_rows(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], FloatArray] | None:
        """The rows of the runs the current solution violates, in CSR form (``None``: it
        is optimal); new columns are appended to :attr:`added_is_pair` first."""
        batch = self.per_round * 2 ** min(self.rounds, 40)
        _, pairs, firsts, lasts, counts = self.problem.sweep(
            self.alpha, self.step_slack, self.pair_slack, per_step=self.per_step, per_round=batch,
            tolerance=self.tolerance,
        )
        if len(pairs) == 0:
            return None
        n, every_category = self.problem.categories, list(range(self.problem.categories))
        for pair, first, last, pair_counts in zip(pairs.tolist(), firsts.tolist(), lasts.tolist(), counts):
            pair_slack = self._pair(pair)
            for low, high in _cover(0, self.problem.steps - 1, first, last):
                if low < high:
                    self._rows.add(every_category + [self._node(low, high), pair_slack], [*-pair_counts, 1.0, 1.0])
                elif self.live[low]:
                    values = [*(self.merge_counts[low] - pair_counts), 1.0, 1.0]
                    self._rows.add(every_category + [n + low, pair_slack], values)
        return self._rows.take()

    def solved(self, solution: FloatArray, objective: float) -> None:
        """Take the re-solved LP's columns and objective."""
        n, steps = self.problem.categories, self.problem.steps
        self.alpha = solution[:n].copy()
        self.step_slack = solution[n : n + steps].copy()
        self.pair_slack[list(self.pair_column)] = solution[list(self.pair_column.values())]
        self.objective = objective
        self.rounds += 1

    def _add_column(self, is_pair: bool) -> int:
        self.added_is_pair.append(is_pair)
        return self.columns - 1

    def _pair(self, pair: int) -> int:
        """The slack column of ``pair``."""
        if pair not in self.pair_column:
            self.pair_column[pair] = self._add_column(True)
        return self.pair_column[pair]

    def _node(self, low: int, high: int) -> int:
        """The column of the tree node over steps ``low..=high``, with the rows that hold
        it below its children (created with its subtree)."""
        if (low, high) in self.node_column:
            return self.node_column[low, high]
        column = self.node_column[low, high] = self._add_column(False)
        n, middle = self.problem.categories, (low + high) // 2
        for child_low, child_high in ((low, middle), (middle + 1, high)):
            if child_low < child_high:
                self._rows.add([self._node(child_low, child_high), column], [1.0, -1.0])
            elif self.live[child_low]:
                indices = [*range(n), n + child_low, column]
                self._rows.add(indices, [*self.merge_counts[child_low], 1.0, -1.0])
        return column


class _Rows:
    """Sparse rows collected for the next solve."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.indices: list[int] = []
        self.values: list[float] = []

    def add(self, indices: list[int], values: list[float]) -> None:
        self.starts.append(len(self.indices))
        self.indices += indices
        self.values += values

    def take(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], FloatArray]:
        """The rows in CSR form (starts, column indices, values); empties the collection."""
        rows = (
            np.array(self.starts, dtype=np.int32),
            np.array(self.indices, dtype=np.int32),
            np.array(self.values, dtype=np.float64),
        )
        self.starts, self.indices, self.values = [], [], []
        return rows


def _cover(low: int, high: int, first: int, last: int) -> Iterator[tuple[int, int]]:
    """The nodes of the segment tree over ``low..=high`` that cover ``first..=last`` exactly."""
    if last < low or high < first:
        return
    if first <= low and high <= last:
        yield low, high
        return
    middle = (low + high) // 2
    yield from _cover(low, middle, first, last)
    yield from _cover(middle + 1, high, first, last)


def _new_column_bounds(generation: _RowGeneration, start: int) -> tuple[FloatArray, FloatArray]:
    """Costs and lower bounds of the columns added from ``start`` on."""
    is_pair = np.array(generation.added_is_pair[start:], dtype=bool)
    return is_pair.astype(np.float64), np.where(is_pair, 0.0, -np.inf)


def _solve_highspy(problem: Any, per_step: int, per_round: int, tolerance: float) -> tuple[FloatArray, float, int, str]:
    """The lazy LP on one ``highspy.Highs`` whose basis carries over between rounds."""
    import highspy

    n, steps = problem.categories, problem.steps
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("solver", "simplex")
    highs.setOptionValue("simplex_strategy", 1)  # dual simplex: rows arrive, the basis stays dual feasible
    highs.setOptionValue("presolve", "off")  # presolve would discard the warm basis every round
    highs.addCols(n, np.zeros(n), np.zeros(n), np.ones(n), 0, np.array([]), np.array([]), np.array([]))
    highs.addCols(steps, np.ones(steps), np.zeros(steps), np.full(steps, highspy.kHighsInf), 0, [], [], [])
    highs.addRow(1.0, 1.0, n, np.arange(n, dtype=np.int32), np.ones(n))
    generation = _RowGeneration(problem, per_step, per_round, tolerance)
    while True:
        known = len(generation.added_is_pair)
        rows = generation.next_rows()
        if rows is None:
            return generation.alpha, generation.objective, generation.rounds, "highspy"
        costs, lower = _new_column_bounds(generation, known)
        if k := len(costs):
            lower = np.maximum(lower, -highspy.kHighsInf)
            highs.addCols(k, costs, lower, np.full(k, highspy.kHighsInf), 0, [], [], [])
        starts, indices, values = rows
        count = len(starts)
        highs.addRows(count, np.zeros(count), np.full(count, highspy.kHighsInf), len(values), starts, indices, values)
        highs.run()
        status = highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS stopped with status {highs.modelStatusToString(status)}")
        generation.solved(np.asarray(highs.getSolution().col_value), highs.getInfo().objective_function_value)


def _solve_scipy(problem: Any, per_step: int, per_round: int, tolerance: float) -> tuple[FloatArray, float, int, str]:
    """The lazy LP with ``scipy.optimize.linprog`` (HiGHS dual simplex), rebuilt each round."""
    from scipy import sparse
    from scipy.optimize import linprog

    n, steps = problem.categories, problem.steps
    generation = _RowGeneration(problem, per_step, per_round, tolerance)
    held = sparse.csr_matrix((0, n + steps))
    while True:
        rows = generation.next_rows()
        if rows is None:
            return generation.alpha, generation.objective, generation.rounds, "scipy"
        columns = generation.columns
        starts, indices, values = rows
        block = sparse.csr_matrix((values, indices, np.append(starts, len(values))), shape=(len(starts), columns))
        held.resize((held.shape[0], columns))
        held = sparse.vstack([held, block], format="csr")
        added_costs, added_lower = _new_column_bounds(generation, 0)
        cost = np.concatenate([np.zeros(n), np.ones(steps), added_costs])
        lower = np.concatenate([np.zeros(n + steps), added_lower])
        upper = np.concatenate([np.ones(n), np.full(columns - n, np.inf)])
        # linprog takes A_ub x ≤ b_ub: each "row ≥ 0" enters negated.
        result = linprog(
            cost,
            A_ub=-held,
            b_ub=np.zeros(held.shape[0]),
            A_eq=np.concatenate([np.ones(n), np.zeros(columns - n)])[None, :],
            b_eq=[1.0],
            bounds=np.column_stack([lower, upper]),
            method="highs-ds",
        )
        if result.status != 0:
            raise RuntimeError(f"linprog stopped: {result.message}")
        generation.solved(result.x, float(result.fun))
