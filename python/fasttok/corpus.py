"""Corpus sources: paths, globs, directories, iterables and ``datasets`` objects.

A corpus is resolved into *files*, which the Rust core reads and streams itself, and/or
an iterable of *documents* (``str`` or ``bytes``), which the core buffers in large
batches. Each file is one document, except ``.jsonl``/``.ndjson`` files, where the
``text_field`` of each line's object is one, and ``.parquet`` files, whose ``text_field``
column is read in batches with ``pyarrow`` (the documents follow the other files).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Union, cast

from fasttok.exceptions import CorpusError

PathLike = Union[str, "os.PathLike[str]"]
#: What ``fasttok.train`` and ``fasttok.count`` accept as a corpus.
Corpus = Union[PathLike, Iterable[PathLike], Iterable[str], Iterable[bytes], Any]

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class ResolvedCorpus:
    """A corpus split into files for Rust to read and Python documents to stream."""

    files: list[str]
    documents: Iterable[str | bytes] | None


def resolve(corpus: Corpus, text_field: str = "text") -> ResolvedCorpus:
    """Resolve ``corpus`` into files and documents.

    ``str``/``PathLike`` values (alone or in a list or tuple) are paths: a file, a
    directory (all non-hidden files below it, sorted) or a glob. A ``datasets.Dataset``
    or ``IterableDataset`` yields its ``text_field`` column. Any other iterable yields
    documents (``str`` or ``bytes``); pass in-memory texts as ``iter(texts)``.
    """
    files = paths(corpus)
    if files is not None:
        return _files(files, text_field)
    if type(corpus).__module__.startswith("datasets."):
        return ResolvedCorpus([], _dataset_texts(corpus, text_field))
    if isinstance(corpus, Iterable):
        return ResolvedCorpus([], cast("Iterable[str | bytes]", corpus))
    raise TypeError(f"a corpus must be a path, a list of paths or an iterable of texts, not {type(corpus).__name__}")


def paths(corpus: Corpus) -> list[str] | None:
    """The files a path, or a list or tuple of paths, names (directories and globs expanded);
    ``None`` if ``corpus`` is something else."""
    if isinstance(corpus, (str, os.PathLike)):
        return _expand(corpus)
    if isinstance(corpus, (list, tuple)) and all(isinstance(p, (str, os.PathLike)) for p in corpus):
        return [f for path in corpus for f in _expand(path)]
    return None


def _files(paths: list[str], text_field: str) -> ResolvedCorpus:
    """Text and JSONL files for the core; Parquet files as documents."""
    parquet = [path for path in paths if path.endswith(".parquet")]
    others = [path for path in paths if not path.endswith(".parquet")]
    return ResolvedCorpus(others, _parquet_texts(parquet, text_field) if parquet else None)


def _parquet_texts(paths: list[str], text_field: str) -> Iterator[str]:
    """The ``text_field`` column of Parquet files, batch by batch (nulls skipped)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise CorpusError(f"reading {paths[0]} needs pyarrow (pip install pyarrow)") from None
    for path in paths:
        try:
            file = pq.ParquetFile(path)
        except Exception as err:  # pyarrow raises several types for unreadable files
            raise CorpusError(f"cannot read {path}: {err}") from None
        if text_field not in file.schema_arrow.names:
            raise CorpusError(f"{path} has no column {text_field!r} (columns: {file.schema_arrow.names})")
        for batch in file.iter_batches(columns=[text_field], batch_size=1024):
            yield from (text for text in batch.column(0).to_pylist() if text is not None)


def _expand(path: PathLike) -> list[str]:
    text = os.fspath(path)
    if os.path.isdir(text):
        files: list[str] = []
        for root, directories, names in os.walk(text):
            directories[:] = [name for name in directories if not name.startswith(".")]
            files.extend(os.path.join(root, name) for name in names if not name.startswith("."))
        files.sort()
        if not files:
            raise CorpusError(f"empty corpus: directory {text} contains no files")
        return files
    hint = " (to train on in-memory texts, pass an iterator: iter(texts))" if any(c.isspace() for c in text) else ""
    shown = text if len(text) <= 200 else f"{text[:200]}… ({len(text)} characters)"
    if _GLOB_CHARS & set(text) and not os.path.exists(text):
        files = sorted(f for f in glob.glob(text, recursive=True) if os.path.isfile(f))
        if not files:
            raise CorpusError(f"empty corpus: glob {shown!r} matches no file{hint}")
        return files
    if not os.path.exists(text):
        raise CorpusError(f"cannot read {shown}: no such file or directory{hint}")
    return [text]


def _dataset_texts(dataset: Any, text_field: str) -> Iterator[str]:
    """The ``text_field`` column of a ``datasets`` object, in column batches when possible."""
    if text_field not in (dataset.column_names or [text_field]):
        raise CorpusError(f"the dataset has no column {text_field!r} (columns: {dataset.column_names})")
    if hasattr(dataset, "iter") and not type(dataset).__name__.startswith("Iterable"):
        for batch in dataset.iter(batch_size=1024):
            yield from batch[text_field]
    else:
        for row in dataset:
            yield row[text_field]
