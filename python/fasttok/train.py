"""Counting and training: ``fasttok.count`` and ``fasttok.train``."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from fasttok import _fasttok
from fasttok.corpus import Corpus, resolve
from fasttok.exceptions import ParameterError
from fasttok.tokenizer import Tokenizer

#: Algorithms ``train`` knows.
ALGORITHMS = ("bpe",)

WordCounts = _fasttok.WordCounts


def _show_progress(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


def count(
    corpus: Corpus,
    *,
    pretokenizer: str = "gpt2",
    num_threads: int | None = None,
    errors: str = "strict",
    text_field: str = "text",
    progress: bool | None = None,
) -> WordCounts:
    """Pretokenize ``corpus`` and count its unique pieces.

    Args:
        corpus: paths, globs, directories, ``.jsonl`` files, an iterable of ``str``/``bytes``
            documents, or a ``datasets`` object (see :func:`fasttok.corpus.resolve`).
        pretokenizer: ``"gpt2"``, ``"cl100k"``, ``"o200k"`` or a custom regex.
        num_threads: worker threads (default: one per core); the counts never depend on it.
        errors: ``"strict"`` (invalid UTF-8 raises ``CorpusError`` with file and offset) or
            ``"replace"`` (U+FFFD).
        text_field: the field of ``.jsonl`` records and the ``datasets`` column.
        progress: draw a progress bar on stderr (default: when stderr is a terminal).

    Returns:
        A ``WordCounts`` value; counts of shards add up with ``+``.
    """
    resolved = resolve(corpus, text_field)
    return _fasttok.count(
        _fasttok.Pretokenizer(pretokenizer),
        files=resolved.files,
        documents=resolved.documents,
        num_threads=num_threads,
        errors=errors,
        text_field=text_field,
        progress=_show_progress(progress),
    )


def train(
    corpus: Corpus | WordCounts,
    *,
    vocab_size: int,
    algorithm: str = "bpe",
    pretokenizer: str = "gpt2",
    special_tokens: Sequence[str] = (),
    min_frequency: int = 0,
    max_token_length: int | None = None,
    tie_break: str = "hf",
    num_threads: int | None = None,
    errors: str = "strict",
    text_field: str = "text",
    progress: bool | None = None,
) -> Tokenizer:
    """Train a tokenizer on ``corpus``.

    Args:
        corpus: what :func:`count` accepts, or a ``WordCounts`` from it (made with the
            same ``pretokenizer``).
        vocab_size: final vocabulary size: 256 byte tokens + learned tokens + special tokens.
        algorithm: ``"bpe"`` (byte-level BPE).
        pretokenizer: ``"gpt2"``, ``"cl100k"``, ``"o200k"`` or a custom regex.
        special_tokens: tokens appended after the learned ones; never produced by merges.
        min_frequency: stop when the best pair occurs fewer times.
        max_token_length: longest learned token, in bytes. (HF's ``BpeTrainer`` keeps tokens
            *shorter* than its ``max_token_length``: HF's ``L`` is fasttok's ``L - 1``.)
        tie_break: ``"hf"`` reproduces HF tokenizers' merge order exactly, ``"bytes"`` rustbpe's.
        num_threads: worker threads (default: one per core); the result never depends on it.
        errors, text_field, progress: as for :func:`count`.

    Returns:
        The trained :class:`Tokenizer`.
    """
    if algorithm not in ALGORITHMS:
        raise ParameterError(f"invalid value for `algorithm`: {algorithm!r} is not one of {ALGORITHMS}")
    if isinstance(corpus, WordCounts):
        counts = corpus
    else:
        counts = count(
            corpus,
            pretokenizer=pretokenizer,
            num_threads=num_threads,
            errors=errors,
            text_field=text_field,
            progress=progress,
        )
    parameters = {
        "vocab_size": vocab_size,
        "pretokenizer": pretokenizer,
        "special_tokens": list(special_tokens),
        "min_frequency": min_frequency,
        "max_token_length": max_token_length,
        "tie_break": tie_break,
    }
    core = _fasttok.train_bpe(
        counts,
        _fasttok.Pretokenizer(pretokenizer),
        vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(special_tokens),
        max_token_length=max_token_length,
        tie_break=tie_break,
        num_threads=num_threads,
        progress=_show_progress(progress),
        parameters=json.dumps(parameters),
    )
    return Tokenizer(core)
