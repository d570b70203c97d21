"""Tokenizer: lossless round trips, identical ids in HF tokenizers / tiktoken / transformers,
save → load, pickling, batches, and foreign tokenizer.json files."""

from __future__ import annotations

import functools
import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
import tiktoken
import tokenizers
from hypothesis import given
from hypothesis import strategies as st

import fasttok
import reference
from peers import CORPORA, TEXTS, real_documents
from reference import PATTERNS

SPECS = ("gpt2", "cl100k", "o200k")
CORPUS_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("*/*")) if p.suffix != ".md"]
#: Where Oniguruma (HF) reads tiktoken's cl100k spelling differently: digit runs, final spaces.
EDGE_TEXTS = ["** 2000-05-17 12345678", "end\n  ", "a \n\n  ", "x\r\n\t ", "1234 ", "'S 'LL\n"]


@functools.cache
def trained(spec: str = "gpt2", tie_break: str = "hf") -> fasttok.Tokenizer:
    return fasttok.train(CORPORA / "sample.txt", vocab_size=3000, pretokenizer=spec, tie_break=tie_break, progress=False)


@functools.cache
def hf_loaded(spec: str) -> tokenizers.Tokenizer:
    return tokenizers.Tokenizer.from_str(trained(spec).to_hf_json())


@functools.cache
def tiktoken_loaded(spec: str) -> tiktoken.Encoding:
    return tiktoken.Encoding(**trained(spec).to_tiktoken())


@given(text=TEXTS)
def test_decode_inverts_encode(text: str) -> None:
    for spec in SPECS:
        assert trained(spec).decode(trained(spec).encode(text)) == text


@pytest.mark.parametrize("spec", SPECS)
def test_ids_equal_hf_and_tiktoken_on_corpora(spec: str) -> None:
    tokenizer = trained(spec)
    for text in CORPUS_TEXTS + EDGE_TEXTS:
        ids = tokenizer.encode(text)
        assert hf_loaded(spec).encode(text).ids == ids
        assert tiktoken_loaded(spec).encode_ordinary(text) == ids


@pytest.mark.parametrize("spec", SPECS)
@given(text=TEXTS)
def test_ids_equal_hf_and_tiktoken_on_any_text(spec: str, text: str) -> None:
    ids = trained(spec).encode(text)
    assert hf_loaded(spec).encode(text).ids == ids
    assert tiktoken_loaded(spec).encode_ordinary(text) == ids


def test_ids_equal_the_reference_encoder() -> None:
    tokenizer = trained("gpt2", "bytes")
    for text in CORPUS_TEXTS[:5]:
        assert tokenizer.encode(text) == reference.encode(text, tokenizer.merges, PATTERNS["gpt2"])


def test_long_pieces_encode_like_short_ones() -> None:
    """Pieces beyond the quadratic-scan size take the heap path: same ids as HF."""
    tokenizer = trained()
    long_word = "".join(w.strip() for w in CORPUS_TEXTS[0].split()[:400])
    assert len(long_word) > 1000
    assert tokenizer.encode(long_word) == hf_loaded("gpt2").encode(long_word).ids


def test_save_and_load_round_trip(tmp_path) -> None:
    tokenizer = fasttok.train(iter(real_documents()), vocab_size=900, special_tokens=["<eos>"], progress=False)
    tokenizer.save(tmp_path / "tok")
    loaded = fasttok.Tokenizer.load(tmp_path / "tok")
    assert loaded == tokenizer
    assert loaded.algorithm == "bpe" and loaded.parameters["vocab_size"] == 900
    assert loaded.special_tokens == {"<eos>": 899}
    assert sorted(p.name for p in (tmp_path / "tok").iterdir()) == ["fasttok.json", "tokenizer.json"]
    hf = tokenizers.Tokenizer.from_file(str(tmp_path / "tok" / "tokenizer.json"))
    assert hf.encode("hello <eos> world").ids == tokenizer.encode("hello ") + [899] + tokenizer.encode(" world")


@given(text=TEXTS, positions=st.lists(st.integers(0, 80), max_size=4))
def test_allowed_special_tokens_match_hf(text: str, positions: list[int]) -> None:
    """With allowed_special="all", special-token strings in the text give HF's ids."""
    tokenizer = special_tokenizer()
    for position in sorted(positions, reverse=True):
        text = text[:position] + ["<eos>", "<|pad|>", "<eos><eos>"][position % 3] + text[position:]
    ids = tokenizer.encode(text, allowed_special="all")
    assert ids == tokenizers.Tokenizer.from_str(tokenizer.to_hf_json()).encode(text).ids
    assert tokenizer.decode(ids) == text
    if "<eos>" in text:
        assert 898 not in tokenizer.encode(text)


@functools.cache
def special_tokenizer() -> fasttok.Tokenizer:
    return fasttok.train(iter(real_documents()), vocab_size=900, special_tokens=["<eos>", "<|pad|>"], progress=False)


def test_pickle_round_trip() -> None:
    tokenizer = trained("cl100k")
    clone = pickle.loads(pickle.dumps(tokenizer))
    assert clone == tokenizer and clone.pretokenizer == "cl100k"


def test_tiktoken_rank_file(tmp_path) -> None:
    from tiktoken.load import load_tiktoken_bpe

    tokenizer = trained()
    tokenizer.save_tiktoken(tmp_path / "tok.tiktoken")
    assert load_tiktoken_bpe(str(tmp_path / "tok.tiktoken")) == tokenizer.to_tiktoken()["mergeable_ranks"]


def test_transformers_gives_the_same_ids() -> None:
    import transformers  # noqa: F401  (a test extra: fail, never skip, when missing)
    tokenizer = trained()
    fast = tokenizer.to_transformers()
    text = CORPUS_TEXTS[0][:2000]
    assert fast(text)["input_ids"] == tokenizer.encode(text)


def test_loads_a_tokenizer_json_made_by_hf(tmp_path) -> None:
    """A byte-level BPE trained and saved by HF tokenizers gives the same ids in fasttok."""
    hf = tokenizers.Tokenizer(tokenizers.models.BPE())
    hf.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=800, initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<s>"], show_progress=False,
    )
    hf.train_from_iterator(real_documents(), trainer)
    hf.save(str(tmp_path / "tokenizer.json"))
    loaded = fasttok.Tokenizer.load(tmp_path / "tokenizer.json")
    assert loaded.algorithm == "imported" and loaded.pretokenizer == "gpt2"
    for text in CORPUS_TEXTS[:6]:
        assert loaded.encode(text) == hf.encode(text).ids


def test_encode_batch_matches_encode() -> None:
    tokenizer = trained()
    texts = CORPUS_TEXTS[:8] + ["", "x"]
    expected = [tokenizer.encode(text) for text in texts]
    assert tokenizer.encode_batch(texts) == expected
    assert tokenizer.encode_batch(texts, num_threads=1) == expected
    arrays = tokenizer.encode_batch(texts, return_numpy=True)
    assert all(a.dtype == np.uint32 and a.tolist() == e for a, e in zip(arrays, expected))
    assert tokenizer.decode(arrays[0]) == texts[0]


def test_vocabulary_accessors() -> None:
    tokenizer = trained()
    assert tokenizer.vocab_size == len(tokenizer.vocab) == 3000
    assert tokenizer.id_to_token(32) == b" " and tokenizer.token_to_id(b" ") == 32
    left, right = tokenizer.merges[0]
    assert tokenizer.token_to_id(left + right) == 256
    assert tokenizer.id_to_token(10**9) is None and tokenizer.token_to_id("\x00never") is None


def test_bad_ids_and_files_raise_clear_errors(tmp_path) -> None:
    tokenizer = trained()
    with pytest.raises(fasttok.TokenIdError, match="3000"):
        tokenizer.decode([1, 3000])
    with pytest.raises(fasttok.TokenIdError):
        tokenizer.decode([-1])
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(fasttok.FormatError, match="broken.json"):
        fasttok.Tokenizer.load(tmp_path / "broken.json")
    document = json.loads(tokenizer.to_hf_json())
    document["model"]["type"] = "WordPiece"
    (tmp_path / "wp.json").write_text(json.dumps(document))
    with pytest.raises(fasttok.FormatError, match="WordPiece"):
        fasttok.Tokenizer.load(tmp_path / "wp.json")
    document["model"]["type"] = "BPE"
    document["model"]["merges"][5] = ["nope", "zzz"]
    (tmp_path / "merge.json").write_text(json.dumps(document))
    with pytest.raises(fasttok.FormatError, match="merge 5"):
        fasttok.Tokenizer.load(tmp_path / "merge.json")
    with pytest.raises(fasttok.CorpusError, match="missing"):
        fasttok.Tokenizer.load(tmp_path / "missing")


def test_many_python_threads_share_a_tokenizer_and_a_codec_safely() -> None:
    """The extension runs without the GIL: concurrent calls must not interfere."""
    from concurrent.futures import ThreadPoolExecutor

    documents = list(real_documents(60_000))
    tokenizer = fasttok.train(iter(documents), vocab_size=600, progress=False)
    codec = fasttok.lzw.Codec.for_tokenizer(tokenizer, 256, 4)
    expected = [(tokenizer.encode(d), codec.encode_text(d).codes.tolist()) for d in documents]

    def work(index: int) -> tuple[list[int], list[int]]:
        document = documents[index % len(documents)]
        return tokenizer.encode(document), codec.encode_text(document).codes.tolist()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8 * len(documents))))
    assert results == [expected[i % len(documents)] for i in range(len(results))]


def test_import_and_lib_training_leave_numpy_unimported() -> None:
    """numpy (and its BLAS threads) comes with the first feature that needs it, not with
    ``import fasttok``; the lazily imported names still resolve."""
    code = (
        "import sys, fasttok\n"
        "fasttok.train(iter(['the cat sat on the mat\\n'] * 50), algorithm='lib', vocab_size=None, steps=2, progress=False)\n"
        "assert 'numpy' not in sys.modules, 'numpy was imported'\n"
        "assert fasttok.lzw.Codec and fasttok.infer_mixture and fasttok.MixtureResult\n"
        "assert 'numpy' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
