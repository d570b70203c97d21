"""BPE training: exact parity with HF tokenizers, rustbpe and the pure-Python oracle."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fasttok
import reference
from peers import CORPORA, hf_merges, real_documents, rustbpe_tokens, synthetic_documents
from reference import PATTERNS

DOCUMENTS = {"real": real_documents, "synthetic": synthetic_documents}


def train(documents: tuple[str, ...], vocab_size: int, **options: object) -> fasttok.Tokenizer:
    return fasttok.train(iter(documents), vocab_size=vocab_size, progress=False, **options)


@pytest.mark.parametrize("corpus, vocab_size", [("real", 2000), ("synthetic", 700)])
def test_hf_tie_break_reproduces_hf_tokenizers(corpus: str, vocab_size: int) -> None:
    documents = DOCUMENTS[corpus]()
    assert train(documents, vocab_size, tie_break="hf").merges == hf_merges(documents, vocab_size)


def test_special_tokens_take_vocabulary_slots_as_in_hf() -> None:
    documents, specials = real_documents(), ("<s>", "</s>", "<pad>")
    tokenizer = train(documents, 1500, special_tokens=list(specials))
    assert tokenizer.merges == hf_merges(documents, 1500, special_tokens=specials)


def test_min_frequency_stops_where_hf_stops() -> None:
    documents = real_documents()
    merges = train(documents, 20_000, tie_break="hf", min_frequency=20).merges
    assert merges == hf_merges(documents, 20_000, min_frequency=20)
    assert len(merges) < 20_000 - 256


@pytest.mark.parametrize("corpus", ["real", "synthetic"])
@pytest.mark.parametrize("spec", ["gpt2", "cl100k", "o200k"])
def test_bytes_tie_break_reproduces_rustbpe(corpus: str, spec: str) -> None:
    documents = DOCUMENTS[corpus]()
    tokenizer = train(documents, 1500, tie_break="bytes", pretokenizer=spec)
    assert [left + right for left, right in tokenizer.merges] == rustbpe_tokens(documents, 1500, PATTERNS[spec])


SMALL_CORPORA = st.lists(
    st.text(alphabet=st.sampled_from(list("ab c\n'é1")), max_size=40), min_size=1, max_size=20
)


@given(documents=SMALL_CORPORA, vocab_size=st.integers(256, 330), tie_break=st.sampled_from(["hf", "bytes"]))
def test_merges_equal_the_reference_trainer(documents: list[str], vocab_size: int, tie_break: str) -> None:
    if not "".join(documents):
        return
    expected = reference.train_bpe(documents, vocab_size, PATTERNS["gpt2"], tie_break)
    assert train(tuple(documents), vocab_size, tie_break=tie_break).merges == expected


@given(documents=SMALL_CORPORA, vocab_size=st.integers(256, 400))
def test_result_does_not_depend_on_thread_count(documents: list[str], vocab_size: int) -> None:
    if not "".join(documents):
        return
    results = {threads: train(tuple(documents), vocab_size, num_threads=threads) for threads in (1, 2, 3)}
    assert results[1] == results[2] == results[3]


def test_thread_count_invariance_on_the_sample_corpus() -> None:
    sample = CORPORA / "sample.txt"
    one, two = (fasttok.train(sample, vocab_size=3000, num_threads=n, progress=False) for n in (1, 2))
    assert one.merges == two.merges
    assert len(one.merges) == 3000 - 256


def test_vocab_size_and_special_tokens() -> None:
    tokenizer = train(real_documents(), 1000, special_tokens=["<|endoftext|>", "<pad>"])
    assert tokenizer.vocab_size == 1000
    assert tokenizer.special_tokens == {"<|endoftext|>": 998, "<pad>": 999}
    assert tokenizer.token_to_id("<pad>") == 999


def test_max_token_length_caps_every_token() -> None:
    tokenizer = train(real_documents(), 3000, max_token_length=4)
    assert max(len(token) for token in tokenizer.vocab) == 4
    assert len(tokenizer.merges) == 3000 - 256


@pytest.mark.parametrize("length", [3, 6])
def test_max_token_length_matches_hf_one_below(length: int) -> None:
    """HF's BpeTrainer(max_token_length=L) keeps tokens shorter than L: fasttok's L - 1."""
    documents = real_documents()
    merges = train(documents, 1500, max_token_length=length - 1).merges
    assert merges == hf_merges(documents, 1500, max_token_length=length)


def test_counts_are_mergeable_values() -> None:
    files = sorted(CORPORA.glob("code/*"))
    whole = fasttok.count(files, progress=False)
    halves = fasttok.count(files[:4], progress=False) + fasttok.count(files[4:], progress=False)
    assert whole == halves
    assert whole.total == sum(count for _, count in whole.items())
    trained_on_counts = fasttok.train(counts=whole, vocab_size=800, progress=False)
    assert trained_on_counts.merges == fasttok.train(files, vocab_size=800, progress=False).merges


def test_inputs_files_globs_directories_iterables_bytes_jsonl(tmp_path) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("udhr/*"))]
    (tmp_path / "docs").mkdir()
    for i, text in enumerate(texts):
        (tmp_path / "docs" / f"{i:02}.txt").write_text(text, encoding="utf-8")
    with open(tmp_path / "docs.jsonl", "w", encoding="utf-8") as file:
        for text in texts:
            file.write(json.dumps({"text": text, "id": 1}) + "\n")
    expected = fasttok.count(iter(texts), progress=False)
    assert fasttok.count(tmp_path / "docs", progress=False) == expected
    assert fasttok.count(str(tmp_path / "docs" / "*.txt"), progress=False) == expected
    assert fasttok.count([tmp_path / "docs.jsonl"], progress=False) == expected
    assert fasttok.count((t.encode() for t in texts), progress=False) == expected


def test_datasets_column() -> None:
    import datasets  # a test extra: fail, never skip, when missing
    texts = list(real_documents())
    dataset = datasets.Dataset.from_dict({"content": texts})
    expected = fasttok.count(iter(texts), progress=False)
    assert fasttok.count(dataset, text_field="content", progress=False) == expected
    assert fasttok.count(dataset.to_iterable_dataset(), text_field="content", progress=False) == expected


def test_invalid_utf8_names_file_and_offset(tmp_path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"hello world\n" * 10 + b"caf\xe9\n")
    with pytest.raises(fasttok.CorpusError, match=r"bad\.txt at byte offset 123"):
        fasttok.count(path, progress=False)
    counts = fasttok.count(path, errors="replace", progress=False)
    assert counts.get("\ufffd".encode()) == 1 and counts.get(b"caf") == 1
    with pytest.raises(fasttok.CorpusError, match="item 1 of the corpus iterable at byte offset 2"):
        fasttok.count(iter([b"ok", b"no\xff"]), progress=False)


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"vocab_size": 100}, fasttok.ParameterError, "vocab_size"),
        ({"vocab_size": 300, "special_tokens": ["x"] * 50}, fasttok.ParameterError, "special tokens"),
        ({"vocab_size": 300, "tie_break": "alphabetical"}, fasttok.ParameterError, "tie_break"),
        ({"vocab_size": 300, "algorithm": "wordpiece"}, fasttok.ParameterError, "algorithm"),
        ({"vocab_size": 300, "num_threads": 0}, fasttok.ParameterError, "num_threads"),
        ({"vocab_size": 300, "max_token_length": 0}, fasttok.ParameterError, "max_token_length"),
        ({"vocab_size": 300, "pretokenizer": "[a-"}, fasttok.PatternError, "pattern"),
        ({"vocab_size": 300, "errors": "ignore"}, fasttok.ParameterError, "errors"),
    ],
)
def test_bad_parameters_raise_clear_errors(options: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        fasttok.train(iter(["some text"]), progress=False, **options)


def test_bad_corpora_raise_corpus_errors(tmp_path) -> None:
    with pytest.raises(fasttok.CorpusError, match="no such file"):
        fasttok.train(tmp_path / "missing.txt", vocab_size=300)
    with pytest.raises(fasttok.CorpusError, match="matches no file"):
        fasttok.train(str(tmp_path / "*.nothing"), vocab_size=300)
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(fasttok.CorpusError, match="empty corpus"):
        fasttok.train(tmp_path / "empty.txt", vocab_size=300)
    with pytest.raises(fasttok.CorpusError, match="empty corpus"):
        fasttok.train(iter([]), vocab_size=300)
    with pytest.raises(TypeError, match="item 0 .* int"):
        fasttok.train(iter([3]), vocab_size=300)
    with pytest.raises(fasttok.FormatError, match="line 2"):
        (tmp_path / "bad.jsonl").write_text('{"text": "a"}\n{not json}\n')
        fasttok.train(tmp_path / "bad.jsonl", vocab_size=300)


def test_vocab_larger_than_the_corpus_supports_stops_early() -> None:
    tokenizer = train(("abcabc",), 10_000)
    assert len(tokenizer.merges) == 3  # ab, abc (or ca...), abcabc: every pair merged
    assert tokenizer.decode(tokenizer.encode("abcabc")) == "abcabc"
