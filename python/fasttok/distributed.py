"""Counting on a Dask cluster: each shard of the corpus becomes ``Counts`` on a worker, the
shards' counts are added up in a tree on the workers, and training runs on the client.

Counting is the part of training that grows with the data; the merge loop and EM work on
the unique entries. So only counting is distributed, on an existing engine
(``dask.distributed``), and the result is exactly ``fasttok.count`` of the whole corpus.

>>> from dask.distributed import Client, LocalCluster  # doctest: +SKIP
>>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
>>> tokenizer = fasttok.distributed.train("shards/*.txt", client=client, vocab_size=32_000)  # doctest: +SKIP

Needs ``pip install 'fasttok[dask]'``. The workers must reach the files at the same paths
(a shared file system), and have fasttok installed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import fasttok
from fasttok.corpus import Corpus, paths
from fasttok.exceptions import ParameterError
from fasttok.train import DEFAULT_PRETOKENIZERS, MAX_PIECE_BYTES, Counts, count as count_locally

if TYPE_CHECKING:
    from distributed import Client

#: Counts added up per reduction task.
SPLIT_EVERY = 8


@dataclass(frozen=True)
class _Shard:
    """One partition of a corpus: files, or one shard of a ``datasets`` object."""

    files: Sequence[str] = ()
    dataset: Any = None
    index: int = 0
    num_shards: int = 1

    def corpus(self) -> Any:
        """What ``fasttok.count`` reads for this shard."""
        if self.dataset is None:
            return list(self.files)
        if type(self.dataset).__name__.startswith("Iterable"):
            return self.dataset.shard(num_shards=self.num_shards, index=self.index)
        return self.dataset.shard(num_shards=self.num_shards, index=self.index, contiguous=True)


def count(
    corpus: Corpus,
    *,
    client: Client | None = None,
    unit: str = "word",
    pretokenizer: str | None = None,
    lines: bool = False,
    prefix_space: bool = False,
    max_unique: int | None = None,
    max_piece_bytes: int = MAX_PIECE_BYTES,
    num_shards: int | None = None,
    threads_per_task: int = 1,
    errors: str = "strict",
    text_field: str = "text",
    progress: bool | None = None,
) -> Counts:
    """Count ``corpus`` on a Dask cluster: equal to :func:`fasttok.count` of the whole corpus.

    Args:
        corpus: paths, globs or directories (each file — text, ``.jsonl`` or ``.parquet``
            — is a partition), or a ``datasets.Dataset`` / ``IterableDataset`` (split into
            ``num_shards`` shards). In-memory iterables are refused: count them locally.
        client: a ``dask.distributed.Client`` (default: the current one).
        unit, pretokenizer, lines, prefix_space, max_piece_bytes, errors, text_field: as for
            :func:`fasttok.count`.
        max_unique: bound each worker's table as :func:`fasttok.count` does, and prune each
            sum to at most that many pieces; ``Counts.max_error`` bounds the loss.
        num_shards: partitions of a ``datasets`` object (default: its file shards for an
            ``IterableDataset``, else 4 per worker thread).
        threads_per_task: counting threads per task; Dask runs one task per worker thread.
        progress: show Dask's progress bar (default: when stderr is a terminal).

    Returns:
        The ``Counts`` of the whole corpus, on the client.
    """
    client = _client(client)
    options: dict[str, Any] = {
        "unit": unit,
        "pretokenizer": pretokenizer,
        "lines": lines,
        "prefix_space": prefix_space,
        "max_unique": max_unique,
        "max_piece_bytes": max_piece_bytes,
        "num_threads": threads_per_task,
        "errors": errors,
        "text_field": text_field,
        "progress": False,
    }
    # Check the options on the client, before any task runs.
    empty = count_locally(iter(()), **options)
    shards = _shards(corpus, num_shards or 4 * sum(client.nthreads().values()))
    if not shards:
        return empty
    futures: list[Any] = client.map(_count_shard, shards, options=options, pure=False)
    every = [*futures]
    while len(futures) > 1:
        groups = [futures[start : start + SPLIT_EVERY] for start in range(0, len(futures), SPLIT_EVERY)]
        futures = [client.submit(_sum, group, max_unique, pure=False) for group in groups]
        every.extend(futures)
    show = os.isatty(2) if progress is None else progress
    if show:
        from distributed import progress as show_progress

        show_progress(every)
    total: Counts = futures[0].result()
    return total


def train(
    corpus: Corpus,
    *,
    client: Client | None = None,
    algorithm: str = "bpe",
    pretokenizer: str | None = None,
    prefix_space: bool | None = None,
    lines: bool = True,
    max_unique: int | None = None,
    max_piece_bytes: int = MAX_PIECE_BYTES,
    num_shards: int | None = None,
    threads_per_task: int = 1,
    errors: str = "strict",
    text_field: str = "text",
    progress: bool | None = None,
    **options: Any,
) -> fasttok.Tokenizer:
    """Count ``corpus`` on a Dask cluster, then train on the client.

    The counts are what :func:`fasttok.train` would count itself (pretokenizer pieces;
    for SuperBPE, lines or documents), so the tokenizer is the one it would train.

    Args:
        corpus, client, max_unique, max_piece_bytes, num_shards, threads_per_task, errors,
            text_field, progress: as for :func:`count`.
        algorithm, pretokenizer, prefix_space, lines, options: as for :func:`fasttok.train` (every
            algorithm that trains from counts: not LiB).
    """
    if algorithm == "lib":
        raise ParameterError("invalid value for `algorithm`: LiB reads text in order, so it cannot train from counts")
    if algorithm == "superbpe":
        unit, spec = ("line" if lines else "document"), None
    else:
        unit, spec = "word", pretokenizer or DEFAULT_PRETOKENIZERS.get(algorithm)
    counts = count(
        corpus,
        client=client,
        unit=unit,
        pretokenizer=spec,
        prefix_space=bool(prefix_space) and unit == "word",
        max_unique=max_unique,
        max_piece_bytes=max_piece_bytes,
        num_shards=num_shards,
        threads_per_task=threads_per_task,
        errors=errors,
        text_field=text_field,
        progress=progress,
    )
    return fasttok.train(
        counts=counts,
        algorithm=algorithm,
        pretokenizer=pretokenizer,
        prefix_space=prefix_space,
        lines=lines,
        progress=progress,
        **options,
    )


def connect(address: str) -> Client:
    """A Dask client of the scheduler at ``address``, or, for ``"local:N"``, of a new
    ``LocalCluster`` of N single-threaded worker processes."""
    try:
        from distributed import Client
    except ImportError:
        raise ParameterError("fasttok.distributed needs Dask: pip install 'fasttok[dask]'") from None
    if not address.startswith("local:"):
        return Client(address)
    workers = address.removeprefix("local:")
    if not workers.isdigit() or int(workers) < 1:
        raise ParameterError(f"invalid Dask address {address!r}: expected local:N (N ≥ 1) or a scheduler address")
    # A client that starts its own cluster also shuts it down when closed.
    return Client(n_workers=int(workers), threads_per_worker=1, processes=True, dashboard_address=":0")


def _client(client: Client | None) -> Client:
    """``client``, or the current Dask client."""
    if client is not None:
        return client
    try:
        from distributed import get_client
    except ImportError:
        raise ParameterError("fasttok.distributed needs Dask: pip install 'fasttok[dask]'") from None
    try:
        return get_client()
    except ValueError:
        raise ParameterError(
            "no Dask client: pass `client=`, or create one (Client(address) or Client(LocalCluster()))"
        ) from None


def _shards(corpus: Corpus, num_shards: int) -> list[_Shard]:
    """The partitions of ``corpus``: its files, or shards of a ``datasets`` object."""
    if type(corpus).__module__.startswith("datasets."):
        dataset: Any = corpus
        if type(dataset).__name__.startswith("Iterable"):
            num_shards = dataset.num_shards
        return [_Shard(dataset=dataset, index=i, num_shards=num_shards) for i in range(num_shards)]
    files = paths(corpus)
    if files is None:
        raise ParameterError(
            "invalid value for `corpus`: distributed counting reads files or a `datasets` object; "
            "count in-memory texts with fasttok.count"
        )
    return [_Shard(files=[path]) for path in files]


def _count_shard(shard: _Shard, options: dict[str, Any]) -> Counts:
    """The counts of one shard (on a worker)."""
    return count_locally(shard.corpus(), **options)


def _sum(counts: list[Counts], max_unique: int | None) -> Counts:
    """The sum of ``counts``, pruned to ``max_unique`` pieces (on a worker)."""
    total = Counts.sum(counts)
    return total if max_unique is None else total.prune(top=max_unique)
