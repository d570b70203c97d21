"""Counting on a Dask LocalCluster of two worker processes equals counting locally."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import fasttok
import fasttok.distributed

CORPORA = Path(__file__).resolve().parent.parent / "corpora"
FILES = sorted(CORPORA.glob("en/*")) + sorted(CORPORA.glob("code/*")) + sorted(CORPORA.glob("udhr/*"))


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with fasttok.distributed.connect("local:2") as client:
        yield client


@pytest.mark.parametrize(
    "options", [{}, {"pretokenizer": "o200k"}, {"unit": "line"}, {"unit": "document"}, {"lines": True}]
)
def test_distributed_counts_equal_local_counts(client, options) -> None:
    expected = fasttok.count(FILES, progress=False, **options)
    assert fasttok.distributed.count(FILES, client=client, progress=False, **options) == expected


def test_jsonl_parquet_and_datasets_shards(client, tmp_path) -> None:
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = [path.read_text(encoding="utf-8") for path in FILES]
    with open(tmp_path / "a.jsonl", "w", encoding="utf-8") as file:
        file.writelines(json.dumps({"text": text}) + "\n" for text in texts[:4])
    pq.write_table(pa.table({"text": texts[4:]}), tmp_path / "b.parquet")
    expected = fasttok.count(iter(texts), progress=False)
    assert fasttok.distributed.count(tmp_path, client=client, progress=False) == expected
    dataset = datasets.Dataset.from_dict({"text": texts})
    assert fasttok.distributed.count(dataset, client=client, num_shards=5, progress=False) == expected


def test_trained_merges_are_identical(client) -> None:
    for algorithm in ("bpe", "superbpe"):
        local = fasttok.train(FILES, algorithm=algorithm, vocab_size=900, progress=False)
        remote = fasttok.distributed.train(FILES, client=client, algorithm=algorithm, vocab_size=900, progress=False)
        assert remote.merges == local.merges, algorithm
        assert remote.pattern == local.pattern


def test_bounded_distributed_counts_honour_the_bound(client) -> None:
    exact = fasttok.count(FILES, progress=False)
    bounded = fasttok.distributed.count(FILES, client=client, max_unique=300, progress=False)
    assert len(bounded) <= 300 and bounded.max_error > 0
    for piece, true_count in exact.items():
        assert bounded.get(piece) <= true_count <= bounded.get(piece) + bounded.max_error


def test_no_files_count_nothing(client) -> None:
    assert fasttok.distributed.count([], client=client, progress=False) == fasttok.count([], progress=False)


def test_refusals_name_the_problem(client) -> None:
    with pytest.raises(fasttok.ParameterError, match="count in-memory texts with fasttok.count"):
        fasttok.distributed.count(iter(["a text"]), client=client)
    with pytest.raises(fasttok.ParameterError, match="`unit`"):
        fasttok.distributed.count(FILES, client=client, unit="sentence")
    with pytest.raises(fasttok.ParameterError, match="LiB"):
        fasttok.distributed.train(FILES, client=client, algorithm="lib")
    with pytest.raises(fasttok.ParameterError, match="local:N"):
        fasttok.distributed.connect("local:zero")


def test_cli_dask_local(tmp_path) -> None:
    from fasttok.cli import main

    out = tmp_path / "tok"
    args = ["train", *map(str, FILES), "--dask", "local:2", "-v", "700", "-o", str(out), "-q"]
    assert main(args) == 0
    assert fasttok.Tokenizer.load(out).merges == fasttok.train(FILES, vocab_size=700, progress=False).merges
