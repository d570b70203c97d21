"""Counts as a value: addition, the binary form, pruning with its error bound, bounded
counting, and training from counts for every algorithm that learns from them."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fasttok

CORPORA = Path(__file__).resolve().parent.parent / "corpora"
FILES = sorted(CORPORA.glob("en/*")) + sorted(CORPORA.glob("code/*"))

pieces = st.binary(max_size=12)
tables = st.dictionaries(pieces, st.integers(1, 2**40), max_size=40)


def as_counts(table: dict[bytes, int]) -> fasttok.Counts:
    return fasttok.Counts.from_items(list(table.items()))


@given(tables, tables, tables)
def test_addition_is_associative_and_commutative(a, b, c) -> None:
    x, y, z = as_counts(a), as_counts(b), as_counts(c)
    assert (x + y) + z == x + (y + z) == fasttok.Counts.sum([z, x, y])
    assert x + y == y + x
    assert dict((x + y).items()) == dict(Counter(a) + Counter(b))
    assert fasttok.Counts.sum([]) == fasttok.Counts()


@given(tables, st.integers(0, 5), st.one_of(st.none(), st.integers(0, 50)))
def test_binary_form_and_pickle_round_trip(table, min_count, top) -> None:
    counts = as_counts(table).prune(min_count=min_count, top=top)
    assert fasttok.Counts.from_bytes(counts.to_bytes()) == counts
    assert pickle.loads(pickle.dumps(counts)) == counts
    # Equal counts, built in any order, give identical bytes.
    assert as_counts(dict(reversed(list(table.items())))).prune(min_count=min_count, top=top).to_bytes() == counts.to_bytes()


@given(tables, st.integers(0, 5), st.one_of(st.none(), st.integers(0, 50)))
def test_pruning_honours_its_bound(table, min_count, top) -> None:
    pruned = as_counts(table).prune(min_count=min_count, top=top)
    kept = dict(pruned.items())
    assert all(count >= min_count for count in kept.values())
    assert top is None or len(kept) <= top
    for piece, count in table.items():
        stored = kept.get(piece, 0)
        assert stored in (0, count)
        assert stored <= count <= stored + pruned.max_error
    # Pieces at least as frequent as a kept one are kept: the cut is by count alone.
    if kept:
        least = min(kept.values())
        assert all(piece in kept for piece, count in table.items() if count > least)


@pytest.mark.parametrize("max_unique", [50, 700])
def test_bounded_counting_honours_its_bound_for_any_thread_count(max_unique) -> None:
    exact = fasttok.count(FILES, progress=False)
    one, two = (fasttok.count(FILES, max_unique=max_unique, num_threads=n, progress=False) for n in (1, 2))
    assert one == two
    assert len(one) <= max_unique < len(exact) and one.max_error > 0
    stored = dict(one.items())
    for piece, true_count in exact.items():
        assert stored.get(piece, 0) <= true_count <= stored.get(piece, 0) + one.max_error
    # The bound composes: shards counted under it add up, bounds and all.
    halves = fasttok.count(FILES[:3], max_unique=max_unique, progress=False) + fasttok.count(
        FILES[3:], max_unique=max_unique, progress=False
    )
    assert halves.max_error >= 0 and all(halves.get(p) <= exact.get(p) for p, _ in halves.items())
    for piece, true_count in exact.items():
        assert halves.get(piece) <= true_count <= halves.get(piece) + halves.max_error


def test_save_load_and_corruption(tmp_path) -> None:
    counts = fasttok.count(FILES, progress=False)
    path = tmp_path / "corpus.counts"
    counts.save(path)
    assert fasttok.Counts.load(path) == counts
    assert [p.name for p in tmp_path.iterdir()] == ["corpus.counts"]  # no partial file left
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(fasttok.FormatError, match=r"corpus\.counts.*checksum"):
        fasttok.Counts.load(path)
    with pytest.raises(fasttok.FormatError, match="not a fasttok counts file"):
        fasttok.Counts.from_bytes(b"hello world, not counts")
    with pytest.raises(fasttok.CorpusError, match="missing.counts"):
        fasttok.Counts.load(tmp_path / "missing.counts")


def test_counts_record_their_pretokenizer_and_refuse_mixing() -> None:
    words = fasttok.count(FILES[:2], pretokenizer="cl100k", progress=False)
    assert words.pretokenizer == fasttok.Pretokenizer("cl100k")
    lines = fasttok.count(FILES[:2], unit="line", progress=False)
    assert lines.pretokenizer == fasttok.Pretokenizer("none", lines=True)
    texts = [path.read_text(encoding="utf-8") for path in FILES[:2]]
    assert lines.total == sum(text.count("\n") + (not text.endswith("\n")) for text in texts)
    with pytest.raises(fasttok.ParameterError, match=r"cannot add counts of none \(lines\) to counts of cl100k"):
        words + lines
    with pytest.raises(fasttok.ParameterError, match="unit='line' counts whole lines"):
        fasttok.count(FILES, unit="line", pretokenizer="gpt2")
    with pytest.raises(fasttok.ParameterError, match="`max_unique`"):
        fasttok.count(FILES, max_unique=0)


def test_line_counts_recut_equal_counting_with_lines() -> None:
    lines = fasttok.count(FILES, unit="line", progress=False)
    for spec in ("gpt2", "o200k"):
        expected = fasttok.count(FILES, pretokenizer=spec, lines=True, progress=False)
        assert lines.resplit(fasttok.Pretokenizer(spec, lines=True)) == expected
    documents = fasttok.count(FILES, unit="document", progress=False)
    assert documents.resplit(fasttok.Pretokenizer("gpt2")) == fasttok.count(FILES, progress=False)


@pytest.mark.parametrize("algorithm", ["bpe", "unigram", "compoundpiece"])
def test_training_from_counts_equals_training_from_the_corpus(algorithm) -> None:
    options = {"algorithm": algorithm, "vocab_size": 700, "progress": False}
    from_corpus = fasttok.train(FILES, pretokenizer="cl100k", **options)
    words = fasttok.count(FILES, pretokenizer="cl100k", progress=False)
    # The counts' pretokenizer is the default when none is given.
    from_words = fasttok.train(counts=words, **options)
    assert from_words.vocab == from_corpus.vocab
    assert from_words.pattern == from_corpus.pattern
    lines = fasttok.count(FILES, unit="line", progress=False)
    from_lines = fasttok.train(counts=lines, pretokenizer="cl100k", **options)
    within_lines = fasttok.count(FILES, pretokenizer="cl100k", lines=True, progress=False)
    assert from_lines.vocab == fasttok.train(counts=within_lines, **options).vocab
    assert from_lines.lines


def test_superbpe_trains_from_line_and_document_counts() -> None:
    options = {"algorithm": "superbpe", "vocab_size": 900, "progress": False}
    expected = fasttok.train(FILES, **options).merges
    assert fasttok.train(counts=fasttok.count(FILES, unit="line"), **options).merges == expected
    # Documents can be cut into lines exactly; words cannot become lines.
    assert fasttok.train(counts=fasttok.count(FILES, unit="document"), **options).merges == expected
    documents = fasttok.train(FILES, lines=False, **options).merges
    assert fasttok.train(counts=fasttok.count(FILES, unit="document"), lines=False, **options).merges == documents
    with pytest.raises(fasttok.ParameterError, match="count unit='line'"):
        fasttok.train(counts=fasttok.count(FILES), **options)
    with pytest.raises(fasttok.ParameterError, match="`counts`"):
        fasttok.train(counts=fasttok.count(FILES, unit="line"), lines=False, **options)
    base = fasttok.train(FILES, vocab_size=600, pretokenizer="superbpe-stage1", progress=False)
    extended = fasttok.extend(base, counts=fasttok.count(FILES, unit="line"), vocab_size=800, progress=False)
    assert extended.merges == fasttok.extend(base, FILES, vocab_size=800, progress=False).merges


def test_training_refuses_mismatched_or_ambiguous_sources() -> None:
    words = fasttok.count(FILES, pretokenizer="cl100k", progress=False)
    with pytest.raises(fasttok.ParameterError, match=r'cut by Pretokenizer\("cl100k"\).*Pretokenizer\("gpt2"\)'):
        fasttok.train(counts=words, pretokenizer="gpt2", vocab_size=600)
    with pytest.raises(fasttok.ParameterError, match="pass Counts as `counts=`"):
        fasttok.train(words, vocab_size=600)
    with pytest.raises(fasttok.ParameterError, match="either `corpus` or `counts`"):
        fasttok.train(FILES, counts=words, vocab_size=600)
    with pytest.raises(fasttok.ParameterError, match="either `corpus` or `counts`"):
        fasttok.train(vocab_size=600)
    with pytest.raises(fasttok.ParameterError, match="LiB reads text in order"):
        fasttok.train(counts=words, algorithm="lib", vocab_size=None)


def test_parquet_files_are_corpora(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = [path.read_text(encoding="utf-8") for path in FILES]
    pq.write_table(pa.table({"text": texts[:3] + [None], "id": [1, 2, 3, 4]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"text": texts[3:]}), tmp_path / "b.parquet", row_group_size=1)
    assert fasttok.count(tmp_path, progress=False) == fasttok.count(iter(texts), progress=False)
    with pytest.raises(fasttok.CorpusError, match=r"a\.parquet has no column 'content'"):
        fasttok.count(tmp_path / "a.parquet", text_field="content")


def test_cli_count_then_train_from_counts(tmp_path) -> None:
    from fasttok.cli import main

    halves = [tmp_path / "a.counts", tmp_path / "b.counts"]
    assert main(["count", *map(str, FILES[:3]), "-o", str(halves[0]), "-q"]) == 0
    assert main(["count", *map(str, FILES[3:]), "-o", str(halves[1]), "-q"]) == 0
    assert fasttok.Counts.load(halves[0]) + fasttok.Counts.load(halves[1]) == fasttok.count(FILES)
    out = tmp_path / "tok"
    args = ["train", "--counts", str(halves[0]), "--counts", str(halves[1]), "-v", "600", "-o", str(out), "-q"]
    assert main(args) == 0
    assert fasttok.Tokenizer.load(out).merges == fasttok.train(FILES, vocab_size=600, progress=False).merges
    assert main(["train", "-v", "600", "-o", str(out), "-q"]) == 2
