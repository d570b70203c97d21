"""Counting and training: ``fasttok.count`` and ``fasttok.train``."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Union

from fasttok import _fasttok
from fasttok.compound import DecompoundOptions, constituent_counts
from fasttok.corpus import Corpus, resolve
from fasttok.exceptions import ParameterError
from fasttok.tokenizer import Tokenizer

if TYPE_CHECKING:
    from tokenizers import Tokenizer as HfTokenizer

#: Algorithms ``train`` knows.
ALGORITHMS = ("bpe", "superbpe", "lib", "unigram", "compoundpiece")

#: The pretokenizer each algorithm uses by default (stage 1 for SuperBPE; LiB reads whole
#: lines, so its units may span words).
DEFAULT_PRETOKENIZERS = {"bpe": "gpt2", "superbpe": "superbpe-stage1", "lib": "none", "unigram": "gpt2", "compoundpiece": "gpt2"}

Counts = _fasttok.Counts
Pretokenizer = _fasttok.Pretokenizer

#: What the tokenizer to extend may be: a fasttok tokenizer, a saved one, or an HF one.
BaseTokenizer = Union[Tokenizer, str, "os.PathLike[str]", "HfTokenizer"]


def _show_progress(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


#: The longest piece ``count`` accepts by default (256 MiB).
MAX_PIECE_BYTES = 256 << 20

#: What ``count`` counts: pretokenizer pieces, or whole lines or documents.
UNITS = ("word", "line", "document")


def count(
    corpus: Corpus,
    *,
    unit: str = "word",
    pretokenizer: str | None = None,
    lines: bool = False,
    prefix_space: bool = False,
    max_unique: int | None = None,
    max_piece_bytes: int = MAX_PIECE_BYTES,
    num_threads: int | None = None,
    errors: str = "strict",
    text_field: str = "text",
    progress: bool | None = None,
) -> Counts:
    """Pretokenize ``corpus`` and count its unique pieces.

    Args:
        corpus: paths, globs, directories, ``.jsonl`` files, an iterable of ``str``/``bytes``
            documents, or a ``datasets`` object (see :func:`fasttok.corpus.resolve`).
        unit: ``"word"`` (the pieces of ``pretokenizer``), ``"line"`` (unique lines with
            their newline: SuperBPE's sequences, and re-cut by any pretokenizer when BPE,
            Unigram or CompoundPiece train on them) or ``"document"``.
        pretokenizer: for ``unit="word"``: a named spec (``"gpt2"``, the default,
            ``"cl100k"``, ``"o200k"``, ``"superbpe-stage1"``, ``"superbpe-stage2"``,
            ``"superbpe-2025-stage1"``, ``"superbpe-2025-stage2"``, ``"none"``) or a custom
            regex.
        lines: for ``unit="word"``: cut every document after each newline first, so that no
            piece spans lines.
        prefix_space: for ``unit="word"``: split every line that is not empty as if it
            began with a space (SentencePiece's dummy prefix: a line's first word is the
            same piece as elsewhere, ``" The"``); implies ``lines``.
        max_unique: keep at most this many pieces, pruning the rarest while counting so
            that memory stays bounded (about 3 × ``max_unique`` entries at the peak);
            ``Counts.max_error`` then bounds the count any piece lost. Default: exact.
        max_piece_bytes: a longer piece (text the pretokenizer does not split, such as a
            gigabyte line without spaces) raises ``CorpusError`` naming the file: training
            needs about 23 bytes of memory per byte of a piece. Default 256 MiB.
        num_threads: worker threads (default: one per core); the counts never depend on it.
        errors: ``"strict"`` (invalid UTF-8 raises ``CorpusError`` with file and offset) or
            ``"replace"`` (U+FFFD).
        text_field: the field of ``.jsonl`` records and the ``datasets`` column.
        progress: draw a progress bar on stderr (default: when stderr is a terminal).

    Returns:
        A ``Counts`` value: shards add up with ``+``; ``save``/``load``, ``to_bytes`` and
        pickling keep them; ``prune`` drops rare pieces with a recorded error bound.
    """
    spec, lines = _unit_pretokenizer(unit, pretokenizer, lines)
    if prefix_space and unit != "word":
        raise ParameterError(f"invalid value for `prefix_space`: unit={unit!r} counts whole {unit}s")
    if max_unique is not None and max_unique < 1:
        raise ParameterError(f"invalid value for `max_unique`: {max_unique} is not positive")
    resolved = resolve(corpus, text_field)
    return _fasttok.count(
        _fasttok.Pretokenizer(spec, lines, prefix_space),
        files=resolved.files,
        documents=resolved.documents,
        num_threads=num_threads,
        errors=errors,
        text_field=text_field,
        max_unique=max_unique,
        max_piece_bytes=max_piece_bytes,
        progress=_show_progress(progress),
    )


def _unit_pretokenizer(unit: str, pretokenizer: str | None, lines: bool) -> tuple[str, bool]:
    """The pretokenizer spec and ``lines`` flag that count ``unit``s."""
    if unit not in UNITS:
        raise ParameterError(f"invalid value for `unit`: {unit!r} is not one of {UNITS}")
    if unit == "word":
        return pretokenizer or "gpt2", lines
    if pretokenizer is not None:
        raise ParameterError(f"invalid value for `pretokenizer`: unit={unit!r} counts whole {unit}s")
    return "none", unit == "line"


def spec_of(pretokenizer: Pretokenizer) -> str:
    """The name or custom pattern that makes ``pretokenizer`` (with its ``lines`` flag)."""
    return pretokenizer.pattern if pretokenizer.name == "custom" else pretokenizer.name


class _Counting(NamedTuple):
    """How ``train`` gets the counts it learns from."""

    max_unique: int | None
    max_piece_bytes: int
    num_threads: int | None
    errors: str
    text_field: str
    progress: bool | None

    def pieces(
        self,
        corpus: Corpus | None,
        counts: Counts | None,
        spec: str,
        lines: bool,
        exact_lines: bool = False,
        prefix_space: bool = False,
    ) -> Counts:
        """The counts of the pieces that ``spec`` (with ``prefix_space``) cuts: counted
        from ``corpus``, or ``counts`` themselves, re-cut when they hold lines or documents.

        Counts of lines stay within lines when re-cut (``lines`` is implied), unless
        ``exact_lines`` asks for exactly ``lines`` (SuperBPE's sequences).
        """
        if isinstance(corpus, Counts):
            raise ParameterError("invalid value for `corpus`: pass Counts as `counts=`")
        if (corpus is None) == (counts is None):
            raise ParameterError("give either `corpus` or `counts`")
        if counts is None:
            return count(corpus, pretokenizer=spec, lines=lines, prefix_space=prefix_space, **self._asdict())
        source = counts.pretokenizer
        if source is None:
            return counts
        wanted = Pretokenizer(spec, lines or (source.lines and not exact_lines), prefix_space)
        if source == wanted:
            return counts
        if source.name == "none" and (wanted.lines or not source.lines):
            return counts.resplit(wanted, num_threads=self.num_threads, progress=_show_progress(self.progress))
        raise ParameterError(
            f"invalid value for `counts`: its pieces were cut by {source!r} and training needs {wanted!r}; "
            "count with that pretokenizer, or count unit='line' (lines can be re-cut by any pretokenizer)"
        )


def _check_special_tokens(special_tokens: Sequence[str]) -> None:
    """Refuse an empty special token: no text could ever be matched as it."""
    if isinstance(special_tokens, str) or "" in special_tokens:
        raise ParameterError(
            f"invalid value for `special_tokens`: {special_tokens!r} is not a list of non-empty strings"
        )


def _default_pretokenizer(algorithm: str, counts: Counts | None) -> str:
    """The pretokenizer ``train`` uses when none is given: the counts' own, if they are
    pretokenizer pieces, else the algorithm's default."""
    source = None if counts is None else counts.pretokenizer
    if source is not None and source.name != "none" and algorithm in ("bpe", "unigram", "compoundpiece"):
        return spec_of(source)
    return DEFAULT_PRETOKENIZERS[algorithm]


def train(
    corpus: Corpus | None = None,
    *,
    counts: Counts | None = None,
    vocab_size: int | None,
    algorithm: str = "bpe",
    pretokenizer: str | None = None,
    prefix_space: bool | None = None,
    special_tokens: Sequence[str] = (),
    min_frequency: int = 0,
    max_token_length: int | None = None,
    tie_break: str = "hf",
    transition: int | None = None,
    stage2_pretokenizer: str = "superbpe-stage2",
    lines: bool = True,
    max_words: int | None = 4,
    forbidden: Sequence[str] = (": ",),
    keep_absent_merges: bool = False,
    units: str = "chars",
    in_rate: float = 0.25,
    out_rate: float = 1e-4,
    life: int = 10,
    update_rate: float = 0.1,
    inspect_context: bool = True,
    sentences_per_step: int = 500,
    steps: int | None = None,
    seed: int = 0,
    seed_size: int = 1_000_000,
    shrinking_factor: float = 0.75,
    sub_iterations: int = 2,
    lang: str = "de",
    compound_model: str = "unigram",
    decompound: Mapping[str, Any] | None = None,
    max_unique: int | None = None,
    max_piece_bytes: int = MAX_PIECE_BYTES,
    num_threads: int | None = None,
    errors: str = "strict",
    text_field: str = "text",
    progress: bool | None = None,
) -> Tokenizer:
    """Train a tokenizer on ``corpus`` (or on ``counts`` of one).

    Args:
        corpus: what :func:`count` accepts. LiB reads the text itself, in order.
        counts: instead of ``corpus``, a ``Counts`` from :func:`count` (summed over shards,
            loaded, pruned...), for every algorithm but LiB. Pieces of a pretokenizer train
            BPE, Unigram and CompoundPiece under that pretokenizer (the default then);
            counts of ``unit="line"`` train every one of them (they are re-cut by the
            pretokenizer, within lines) and SuperBPE (with ``lines=True``);
            ``unit="document"`` counts train SuperBPE with ``lines=False`` too.
        vocab_size: final vocabulary size: 256 byte tokens + learned tokens + special tokens.
            LiB: units + 256 byte-fallback tokens (character units) + special tokens, or
            ``None`` for the size LiB settles at (see ``out_rate``, ``life``); a size is
            exact when LiB learns at least that many units (admission stops 10 % above it
            and the best-ranked units are kept, every character or byte among them), else the
            vocabulary is smaller, as BPE's is when pairs run out.
        algorithm: ``"bpe"`` (byte-level BPE), ``"superbpe"`` (BPE up to ``transition``,
            then superword merges across spaces; Liu et al. 2025), ``"lib"`` (LiB, a
            lexicon learned by reading, memorizing and forgetting; Yang et al.) or
            ``"unigram"`` (Unigram LM, SentencePiece's default: EM over the word counts
            with pruning; Kudo 2018). Unigram's ``vocab_size`` counts its pieces, then,
            for character units, 256 byte-fallback tokens and ``<unk>``, then the special
            tokens; it is exact unless the corpus has fewer distinct substrings.
            ``"compoundpiece"`` (Minixhofer et al. 2023) splits the corpus's compound
            words into constituents first (see :func:`fasttok.decompound`), so that no
            token spans a constituent boundary, then trains ``compound_model`` on the
            split counts; encoding is plain, with no decompounder.
        pretokenizer: a named spec or a custom regex (see :func:`count`); default ``"gpt2"``
            for BPE and Unigram, the paper's ``"superbpe-stage1"`` for SuperBPE's stage 1, and
            ``"none"`` for LiB (units span words: supra-word units; ``"gpt2"`` pre-splits
            words so that no unit spans two).
        prefix_space: split every line that is not empty as if it began with a space, as
            SentencePiece does (its dummy prefix): a line's first word is the same token
            as elsewhere (``" The"``), which gives Unigram SentencePiece's held-out
            likelihood; ``decode`` removes the spaces, ``tokenizer.json`` adds them with a
            normalizer. Unigram, CompoundPiece and LiB with character units (HF's
            byte-level step cannot follow that normalizer); default: the counts' own, else
            off.
        special_tokens: tokens appended after the learned ones; never produced by merges.
        min_frequency: BPE: stop when the best pair occurs fewer times.
        max_token_length: longest learned token, in bytes (LiB, Unigram: in units, i.e.
            characters or bytes; Unigram's default is SentencePiece's 16). (HF's ``BpeTrainer`` keeps tokens *shorter* than its
            ``max_token_length``: HF's ``L`` is fasttok's ``L - 1``.)
        tie_break: ``"hf"`` reproduces HF tokenizers' merge order exactly, ``"bytes"`` rustbpe's.
        transition: SuperBPE's transition point ``t``: the first ``t - 1`` stage-1 merges are
            inherited, as in the paper's released tokenizers (``t = 180000`` of 200k keeps
            179,999 merges). Default: 90 % of the learned merges, the paper's headline
            model; its compression peaks with about 40 % inherited.
        stage2_pretokenizer: SuperBPE's stage-2 pretokenizer, the final tokenizer's:
            ``"superbpe-stage2"`` (the paper's: only digit groups are cut),
            ``"superbpe-2025-stage2"`` (the revised one) or a custom regex.
        lines: SuperBPE: each line is a training sequence (no token spans a newline), as in
            the reference; ``False`` makes each document one.
        max_words: SuperBPE: most space-separated words in a new stage-2 token (``None``: any).
        forbidden: SuperBPE: substrings no new stage-2 token may contain.
        keep_absent_merges: SuperBPE: keep inherited merges whose pair never occurs in the
            stage-2 data (the reference drops them; they are listed in
            ``tokenizer.parameters["stage2"]["dropped"]`` either way).
        units: LiB, Unigram: ``"chars"`` (characters, with byte fallback for unseen ones)
            or ``"bytes"``.
        in_rate, out_rate, life, update_rate: LiB's α (chance of memorizing the previous
            chunk + the current one), ω (fraction of the lexicon's tail put on probation
            after each article), τ0 (probation, in articles) and Δ (a reward or punishment
            moves a unit of rank r by ⌊rΔ⌋ + 1); defaults of the authors' 2023 code.
        inspect_context: LiB: release a unit from probation only when it recurs in another
            context (else memorize it with the context that stayed).
        sentences_per_step, steps: LiB reads ``steps`` articles of ``sentences_per_step``
            lines, in corpus order, from the start again when done; default ``steps``:
            one pass over the corpus.
        seed: LiB's admission sampler; the result is a function of the seed.
        lang, compound_model, decompound: CompoundPiece: the corpus's language (linking
            elements; ``"de"``, ``"nl"``, ``"sv"``, ``"da"``, ``"no"``, ``"is"``), the model
            trained on the constituents (``"unigram"``, as in the paper, or ``"bpe"``), and
            further :func:`fasttok.decompound` options (e.g. ``{"min_part_count": 10}``).
        seed_size, shrinking_factor, sub_iterations: Unigram: most pieces in the seed
            vocabulary (frequent substrings), least share of pieces kept per pruning
            round, EM iterations per round (SentencePiece's defaults).
        max_unique, max_piece_bytes: bound the counting's memory (see :func:`count`).
        num_threads: worker threads (default: one per core; LiB uses two at most); the result never
            depends on it.
        errors, text_field, progress: as for :func:`count`.

    Returns:
        The trained :class:`Tokenizer`.
    """
    if algorithm not in ALGORITHMS:
        raise ParameterError(f"invalid value for `algorithm`: {algorithm!r} is not one of {ALGORITHMS}")
    _check_special_tokens(special_tokens)
    if algorithm != "superbpe" and transition is not None:
        raise ParameterError("invalid value for `transition`: it applies to algorithm='superbpe' only")
    pretokenizer = pretokenizer or _default_pretokenizer(algorithm, counts)
    if prefix_space is None:
        prefix_space = counts is not None and counts.pretokenizer is not None and counts.pretokenizer.prefix_space
    byte_level = algorithm in ("bpe", "superbpe") or units == "bytes"
    if prefix_space and (byte_level or (algorithm == "compoundpiece" and compound_model == "bpe")):
        # The normalizer that adds the spaces in tokenizer.json makes HF tokenizers'
        # ByteLevel step panic (tokenizers 0.23), so byte-level vocabularies go without.
        raise ParameterError(
            "invalid value for `prefix_space`: it is for character units (Unigram, CompoundPiece, LiB); "
            "tokenizer.json cannot add the spaces before a byte-level vocabulary"
        )
    if algorithm == "lib":
        if counts is not None:
            raise ParameterError("invalid value for `counts`: LiB reads text in order, so it cannot learn from counts")
        lib = _LibOptions(units, in_rate, out_rate, life, update_rate, inspect_context, sentences_per_step, steps, seed)
        cut_by = Pretokenizer(pretokenizer, True, prefix_space)
        return _train_lib(
            corpus, vocab_size, cut_by, lib, special_tokens, max_token_length, num_threads, errors, text_field, progress
        )
    if vocab_size is None:
        raise ParameterError(f"invalid value for `vocab_size`: {algorithm} needs one")
    counting = _Counting(max_unique, max_piece_bytes, num_threads, errors, text_field, progress)
    options = _Options(special_tokens, min_frequency, max_token_length, tie_break, num_threads, progress)
    if algorithm == "superbpe":
        superbpe = _SuperBpeOptions(stage2_pretokenizer, lines, max_words, forbidden, keep_absent_merges)
        if transition is None:
            transition = 1 + round(0.9 * (vocab_size - 256 - len(special_tokens)))
        sequences = counting.pieces(corpus, counts, "none", lines, exact_lines=True)
        return _train_superbpe(sequences, vocab_size, transition, pretokenizer, None, superbpe, options)
    pieces = counting.pieces(corpus, counts, pretokenizer, False, prefix_space=prefix_space)
    cut_by = pieces.pretokenizer or Pretokenizer(pretokenizer, prefix_space, prefix_space)
    unigram = _UnigramOptions(units, max_token_length or 16, seed_size, shrinking_factor, sub_iterations)
    if algorithm == "unigram":
        return _train_unigram(pieces, vocab_size, cut_by, unigram, special_tokens, num_threads, progress)
    recorded: dict[str, Any] = {}
    if algorithm == "compoundpiece":
        if compound_model not in ("unigram", "bpe"):
            raise ParameterError(f"invalid value for `compound_model`: {compound_model!r} is not 'unigram' or 'bpe'")
        decompounding = DecompoundOptions(lang=lang, **(decompound or {}))
        pieces = constituent_counts(pieces, decompounding, num_threads=num_threads)
        recorded = {"compound_model": compound_model, "decompound": decompounding._asdict()}
        if compound_model == "unigram":
            return _train_unigram(
                pieces, vocab_size, cut_by, unigram, special_tokens, num_threads, progress,
                algorithm=algorithm, recorded=recorded,
            )  # fmt: skip
    parameters = {
        "vocab_size": vocab_size,
        "pretokenizer": pretokenizer,
        "prefix_space": prefix_space,
        **options.recorded(),
        **recorded,
    }
    core = _fasttok.train_bpe(
        pieces,
        cut_by,
        vocab_size,
        **options.core(),
        algorithm=algorithm,
        parameters=json.dumps(parameters),
    )
    return Tokenizer(core)


def extend(
    base: BaseTokenizer,
    corpus: Corpus | None = None,
    *,
    counts: Counts | None = None,
    vocab_size: int,
    transition: int | None = None,
    stage2_pretokenizer: str = "superbpe-stage2",
    lines: bool = True,
    max_words: int | None = 4,
    forbidden: Sequence[str] = (": ",),
    keep_absent_merges: bool = False,
    special_tokens: Sequence[str] = (),
    min_frequency: int = 0,
    max_token_length: int | None = None,
    tie_break: str = "hf",
    max_unique: int | None = None,
    max_piece_bytes: int = MAX_PIECE_BYTES,
    num_threads: int | None = None,
    errors: str = "strict",
    text_field: str = "text",
    progress: bool | None = None,
) -> Tokenizer:
    """Turn an existing BPE tokenizer into a SuperBPE one: SuperBPE's stage 2 on ``corpus``.

    Args:
        base: a fasttok :class:`Tokenizer`, a path to a saved one or to an HF
            ``tokenizer.json``, or an HF ``tokenizers.Tokenizer`` (byte-level BPE).
        transition: inherit the first ``transition - 1`` merges of ``base`` (default: all).
        corpus, counts, vocab_size, and the other options: as for :func:`train` with
            ``algorithm="superbpe"``; ``base``'s special tokens are not carried over.

    Returns:
        The SuperBPE :class:`Tokenizer`; its pretokenizer is ``stage2_pretokenizer``.
    """
    _check_special_tokens(special_tokens)
    base = _as_tokenizer(base)
    if transition is None:
        transition = len(base.merges) + 1
    options = _Options(special_tokens, min_frequency, max_token_length, tie_break, num_threads, progress)
    superbpe = _SuperBpeOptions(stage2_pretokenizer, lines, max_words, forbidden, keep_absent_merges)
    counting = _Counting(max_unique, max_piece_bytes, num_threads, errors, text_field, progress)
    sequences = counting.pieces(corpus, counts, "none", lines, exact_lines=True)
    return _train_superbpe(sequences, vocab_size, transition, None, base, superbpe, options)


class _Options(NamedTuple):
    """The options every trainer takes."""

    special_tokens: Sequence[str]
    min_frequency: int
    max_token_length: int | None
    tie_break: str
    num_threads: int | None
    progress: bool | None

    def core(self) -> dict[str, Any]:
        """Keyword arguments of the core's training functions."""
        return {
            "special_tokens": list(self.special_tokens),
            "min_frequency": self.min_frequency,
            "max_token_length": self.max_token_length,
            "tie_break": self.tie_break,
            "num_threads": self.num_threads,
            "progress": _show_progress(self.progress),
        }

    def recorded(self) -> dict[str, Any]:
        """The options kept in the sidecar (those that shape the result)."""
        return {
            "special_tokens": list(self.special_tokens),
            "min_frequency": self.min_frequency,
            "max_token_length": self.max_token_length,
            "tie_break": self.tie_break,
        }


class _SuperBpeOptions(NamedTuple):
    """SuperBPE's stage-2 options."""

    stage2_pretokenizer: str
    lines: bool
    max_words: int | None
    forbidden: Sequence[str]
    keep_absent_merges: bool


def _train_superbpe(
    sequences: Counts,
    vocab_size: int,
    transition: int,
    stage1: str | None,
    base: Tokenizer | None,
    superbpe: _SuperBpeOptions,
    options: _Options,
) -> Tokenizer:
    """Both SuperBPE stages (``stage1`` given) or stage 2 on top of ``base``."""
    if transition < 0:
        raise ParameterError(f"invalid value for `transition`: {transition} is negative")
    parameters = {
        "vocab_size": vocab_size,
        "transition": transition,
        **({"pretokenizer": stage1} if base is None else {"base": base.algorithm}),
        "stage2_pretokenizer": superbpe.stage2_pretokenizer,
        "lines": superbpe.lines,
        "max_words": superbpe.max_words,
        "forbidden": list(superbpe.forbidden),
        "keep_absent_merges": superbpe.keep_absent_merges,
        **options.recorded(),
    }
    core = _fasttok.train_superbpe(
        sequences,
        _fasttok.Pretokenizer(stage1 or "none"),
        _fasttok.Pretokenizer(superbpe.stage2_pretokenizer, superbpe.lines),
        vocab_size,
        transition,
        base=None if base is None else base._core,
        max_words=superbpe.max_words,
        forbidden=list(superbpe.forbidden),
        keep_absent_merges=superbpe.keep_absent_merges,
        **options.core(),
        parameters=json.dumps(parameters),
    )
    return Tokenizer(core)


class _LibOptions(NamedTuple):
    """LiB's hyperparameters."""

    units: str
    in_rate: float
    out_rate: float
    life: int
    update_rate: float
    inspect_context: bool
    sentences_per_step: int
    steps: int | None
    seed: int


def _train_lib(
    corpus: Corpus | None,
    vocab_size: int | None,
    pretokenizer: Pretokenizer,
    lib: _LibOptions,
    special_tokens: Sequence[str],
    max_unit_length: int | None,
    num_threads: int | None,
    errors: str,
    text_field: str,
    progress: bool | None,
) -> Tokenizer:
    """LiB on the lines of ``corpus``, read in order."""
    if corpus is None:
        raise ParameterError("invalid value for `corpus`: LiB needs one")
    if lib.sentences_per_step < 1:
        raise ParameterError(f"invalid value for `sentences_per_step`: {lib.sentences_per_step} is not positive")
    if lib.steps is not None and lib.steps < 1:
        raise ParameterError(f"invalid value for `steps`: {lib.steps} is not positive")
    if lib.life < 1:
        raise ParameterError(f"invalid value for `life`: {lib.life} articles; it must be at least 1")
    if not 0 <= lib.seed < 2**64:
        raise ParameterError(f"invalid value for `seed`: {lib.seed} is not in [0, 2**64)")
    limit = None if lib.steps is None else lib.steps * lib.sentences_per_step
    resolved = resolve(corpus, text_field)
    sentences = _fasttok.corpus_lines(
        resolved.files, resolved.documents, limit=limit, errors=errors, text_field=text_field
    )
    steps = lib.steps or max(1, -(-len(sentences) // lib.sentences_per_step))
    parameters = {
        "vocab_size": vocab_size,
        "pretokenizer": spec_of(pretokenizer),
        "prefix_space": pretokenizer.prefix_space,
        **lib._asdict(),
        "steps": steps,
        "max_token_length": max_unit_length,
        "special_tokens": list(special_tokens),
    }
    core = _fasttok.train_lib(
        sentences,
        pretokenizer,
        units=lib.units,
        in_rate=lib.in_rate,
        out_rate=lib.out_rate,
        life=lib.life,
        update_rate=lib.update_rate,
        max_unit_length=max_unit_length,
        inspect_context=lib.inspect_context,
        sentences_per_step=lib.sentences_per_step,
        steps=steps,
        seed=lib.seed,
        vocab_size=vocab_size,
        special_tokens=list(special_tokens),
        num_threads=num_threads,
        progress=_show_progress(progress),
        parameters=json.dumps(parameters),
    )
    return Tokenizer(core)


class _UnigramOptions(NamedTuple):
    """Unigram's hyperparameters."""

    units: str
    max_piece_length: int
    seed_size: int
    shrinking_factor: float
    sub_iterations: int


def _train_unigram(
    counts: Counts,
    vocab_size: int,
    pretokenizer: Pretokenizer,
    unigram: _UnigramOptions,
    special_tokens: Sequence[str],
    num_threads: int | None,
    progress: bool | None,
    *,
    algorithm: str = "unigram",
    recorded: dict[str, Any] | None = None,
) -> Tokenizer:
    """Unigram on ``counts``; ``recorded`` adds entries to the sidecar's parameters."""
    parameters = {
        "vocab_size": vocab_size,
        "pretokenizer": spec_of(pretokenizer),
        "prefix_space": pretokenizer.prefix_space,
        **unigram._asdict(),
        "special_tokens": list(special_tokens),
        **(recorded or {}),
    }
    core = _fasttok.train_unigram(
        counts,
        pretokenizer,
        vocab_size,
        units=unigram.units,
        max_piece_length=unigram.max_piece_length,
        seed_size=unigram.seed_size,
        shrinking_factor=unigram.shrinking_factor,
        sub_iterations=unigram.sub_iterations,
        special_tokens=list(special_tokens),
        num_threads=num_threads,
        progress=_show_progress(progress),
        algorithm=algorithm,
        parameters=json.dumps(parameters),
    )
    return Tokenizer(core)


def _as_tokenizer(base: BaseTokenizer) -> Tokenizer:
    """A fasttok tokenizer from what :func:`extend` accepts."""
    if isinstance(base, Tokenizer):
        return base
    if isinstance(base, (str, os.PathLike)):
        return Tokenizer.load(base)
    to_str = getattr(base, "to_str", None)
    if callable(to_str):
        return Tokenizer(_fasttok.Tokenizer.from_json(to_str()))
    raise ParameterError(f"invalid value for `base`: {type(base).__name__} is not a tokenizer or a path")
