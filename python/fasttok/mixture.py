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
violated rows (at most ``per_step`` per step, ending after ``per_round`` in the first round
and twice as many each round after), the LP is re-solved with a warm start and sheds the
rows that hold with room to spare, until a sweep finds none. ``α`` is a mixture of *pair mass*
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
    #: Sweep-and-solve rounds, and LP rows generated in all (a dropped row generated again
    #: counts again).
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
            f"{len(self.missing_merges)} missing · {self.rounds} rounds · {self.rows} rows · {self.solver} · "
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
        per_step, per_round: rows added per step and in the first round (the paper's 10
            and 100); each later round may add twice as many as the one before. The result
            does not depend on them, only the time it takes.
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


class _Slacks:
    """The current solution's slacks, with a column index for each pair slack created."""

    def __init__(self, problem: Any) -> None:
        self.step = np.zeros(problem.steps)
        self.pair = np.zeros(problem.pair_count)
        self.pair_ids: list[int] = []
        self.column_of: dict[int, int] = {}

    def new_pairs(self, pairs: np.ndarray[Any, Any]) -> list[int]:
        """Register the pairs of new rows; returns those that had no slack column yet."""
        fresh = []
        for pair in dict.fromkeys(pairs.tolist()):
            if pair not in self.column_of:
                self.column_of[pair] = len(self.pair_ids)
                self.pair_ids.append(pair)
                fresh.append(pair)
        return fresh


def _row_matrix(
    categories: int, steps: int, rows: tuple[Any, Any, Any], slacks: _Slacks
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], FloatArray]:
    """Rows in CSR form over the columns ``[α | v_t | v_p]``."""
    row_steps, row_pairs, coefficients = rows
    count = len(row_steps)
    alpha_columns = np.broadcast_to(np.arange(categories), (count, categories))
    step_columns = categories + row_steps.astype(np.int64)
    pair_columns = categories + steps + np.array([slacks.column_of[p] for p in row_pairs.tolist()], dtype=np.int64)
    indices = np.concatenate([alpha_columns, step_columns[:, None], pair_columns[:, None]], axis=1)
    values = np.concatenate([coefficients, np.ones((count, 2))], axis=1)
    starts = np.arange(count, dtype=np.int32) * (categories + 2)
    return starts, indices.ravel().astype(np.int32), values.ravel()


class _RowGeneration:
    """The lazy row generation both solvers share: which rows the restricted LP holds,
    how many the next sweep may return, and which held rows to drop.

    Real samples violate hundreds of thousands of rows at T = 30,000, and a re-solve costs
    about the LP's size, so the paper's fixed rounds of 100 rows would need thousands of
    ever slower re-solves. Two standard cutting-plane rules keep the optimum and cut that:
    a round may return twice as many rows as the one before (a few rounds reach the bulk
    of the violated rows), and after a round that raised the objective above every earlier
    one, rows that hold with room to spare leave the LP (the sweep returns them again
    should they be violated later). The optima at which rows leave strictly increase, and
    finitely many row sets have finitely many optima, so the loop ends.
    """

    def __init__(self, problem: Any, per_step: int, per_round: int, tolerance: float) -> None:
        self.problem, self.per_step, self.per_round, self.tolerance = problem, per_step, per_round, tolerance
        self.slacks = _Slacks(problem)
        self.alpha = np.full(problem.categories, 1.0 / problem.categories)
        self.objective, self.rounds = 0.0, 0
        #: The highest objective so far.
        self.record = 0.0
        #: ``(step, pair)`` of the rows the LP holds, in its order.
        self.held_steps = np.zeros(0, dtype=np.uint32)
        self.held_pairs = np.zeros(0, dtype=np.uint32)

    def sweep(self) -> tuple[Any, Any, Any]:
        """The next violated rows (none: the solution is optimal), registered as held."""
        batch = self.per_round * 2 ** min(self.rounds, 40)
        rows: tuple[Any, Any, Any] = self.problem.sweep(
            self.alpha, self.slacks.step, self.slacks.pair, per_step=self.per_step, per_round=batch,
            tolerance=self.tolerance,
        )
        self.held_steps = np.concatenate([self.held_steps, rows[0]])
        self.held_pairs = np.concatenate([self.held_pairs, rows[1]])
        return rows

    def solved(self, solution: FloatArray, objective: float, activity: FloatArray) -> np.ndarray[Any, Any]:
        """Take the re-solved LP's columns, objective and row activities (held rows only);
        returns the positions of the held rows to drop."""
        n, steps = self.problem.categories, self.problem.steps
        self.alpha = solution[:n].copy()
        self.slacks.step = solution[n : n + steps].copy()
        self.slacks.pair[self.slacks.pair_ids] = solution[n + steps :]
        self.objective = objective
        self.rounds += 1
        if objective <= self.record * (1 + 1e-9):
            return np.zeros(0, dtype=np.int64)
        self.record = objective
        drop = np.flatnonzero(activity > self.tolerance)
        self.problem.forget(self.held_steps[drop], self.held_pairs[drop])
        keep = np.ones(len(self.held_steps), dtype=bool)
        keep[drop] = False
        self.held_steps, self.held_pairs = self.held_steps[keep], self.held_pairs[keep]
        return drop


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
        rows = generation.sweep()
        if len(rows[0]) == 0:
            return generation.alpha, generation.objective, generation.rounds, "highspy"
        fresh = generation.slacks.new_pairs(rows[1])
        if fresh:
            k = len(fresh)
            highs.addCols(k, np.ones(k), np.zeros(k), np.full(k, highspy.kHighsInf), 0, [], [], [])
        starts, indices, values = _row_matrix(n, steps, rows, generation.slacks)
        count = len(starts)
        highs.addRows(count, np.zeros(count), np.full(count, highspy.kHighsInf), len(values), starts, indices, values)
        highs.run()
        status = highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS stopped with status {highs.modelStatusToString(status)}")
        solution = highs.getSolution()
        # Row 0 is the simplex row; the held rows follow in order.
        drop = generation.solved(
            np.asarray(solution.col_value), highs.getInfo().objective_function_value, np.asarray(solution.row_value)[1:]
        )
        if len(drop):
            highs.deleteRows(len(drop), (drop + 1).astype(np.int32))


def _solve_scipy(problem: Any, per_step: int, per_round: int, tolerance: float) -> tuple[FloatArray, float, int, str]:
    """The lazy LP with ``scipy.optimize.linprog`` (HiGHS dual simplex), rebuilt each round."""
    from scipy import sparse
    from scipy.optimize import linprog

    n, steps = problem.categories, problem.steps
    generation = _RowGeneration(problem, per_step, per_round, tolerance)
    held = None
    while True:
        rows = generation.sweep()
        if len(rows[0]) == 0:
            return generation.alpha, generation.objective, generation.rounds, "scipy"
        generation.slacks.new_pairs(rows[1])
        columns = n + steps + len(generation.slacks.pair_ids)
        starts, indices, values = _row_matrix(n, steps, rows, generation.slacks)
        block = sparse.csr_matrix((values, indices, np.append(starts, len(values))), shape=(len(starts), columns))
        held = block if held is None else sparse.vstack([_widened(held, columns), block], format="csr")
        cost = np.concatenate([np.zeros(n), np.ones(columns - n)])
        bounds = [(0.0, 1.0)] * n + [(0.0, None)] * (columns - n)
        # linprog takes A_ub x ≤ b_ub: each "row ≥ 0" enters negated.
        result = linprog(
            cost,
            A_ub=-held,
            b_ub=np.zeros(held.shape[0]),
            A_eq=np.concatenate([np.ones(n), np.zeros(columns - n)])[None, :],
            b_eq=[1.0],
            bounds=bounds,
            method="highs-ds",
        )
        if result.status != 0:
            raise RuntimeError(f"linprog stopped: {result.message}")
        drop = generation.solved(result.x, float(result.fun), held @ result.x)
        if len(drop):
            keep = np.ones(held.shape[0], dtype=bool)
            keep[drop] = False
            held = held[keep]


def _widened(matrix: Any, columns: int) -> Any:
    """``matrix`` (CSR) with zero columns appended up to ``columns``."""
    matrix.resize((matrix.shape[0], columns))
    return matrix
