"""Unigram LM: the EM step against the pure-Python reference, Viterbi optimality by brute
force, round trips, determinism, vocabulary size, HF ``tokenizers`` parity, sampling.

The oracle is ``tests/reference_unigram.py``.
"""

from __future__ import annotations

import functools
import math
import random
from pathlib import Path

import fasttok
import numpy as np
import pytest
import reference_unigram as oracle
from fasttok import _fasttok
from fasttok.cli import main
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer as HfTokenizer

CORPORA = Path(__file__).parent.parent / "corpora"
MAX_EXAMPLES = min(settings.default.max_examples, 40)


@functools.cache
def hamlet() -> str:
    return (CORPORA / "en" / "shakespeare_hamlet.txt").read_text(encoding="utf-8")


@functools.cache
def trained(units: str = "chars", vocab_size: int = 1_000) -> fasttok.Tokenizer:
    return fasttok.train(iter([hamlet()]), algorithm="unigram", vocab_size=vocab_size, units=units)


def toy_pieces(counts: fasttok.Counts, units: str, rng: random.Random) -> list[tuple[bytes, float]]:
    """Every unit of the words and some longer substrings, with random scores."""
    pieces: dict[bytes, float] = {}
    for word, _ in counts.items():
        cuts = oracle.boundaries(word, units)
        for a in range(len(cuts) - 1):
            for b in range(a + 1, min(a + 5, len(cuts))):
                piece = word[cuts[a] : cuts[b]]
                if b == a + 1 or rng.random() < 0.3:
                    pieces.setdefault(piece, math.log(rng.uniform(1e-4, 1.0)))
    return sorted(pieces.items())


@settings(max_examples=MAX_EXAMPLES)
@given(seed=st.integers(0, 2**32 - 1), units=st.sampled_from(["chars", "bytes"]), start=st.integers(0, 5_000))
def test_em_step_equals_the_reference(seed: int, units: str, start: int) -> None:
    text = hamlet()[start : start + 1_500] + " Grüße, ½ 日本"
    counts = fasttok.count(iter([text]))
    pieces = toy_pieces(counts, units, random.Random(seed))
    got, log_likelihood = _fasttok.unigram_em_step(counts, pieces, units=units)
    expected, reference_likelihood = oracle.em_step(dict(counts.items()), pieces, units)
    assert log_likelihood == pytest.approx(reference_likelihood, rel=1e-9, abs=1e-9)
    assert [piece for piece, _ in got] == [piece for piece, _ in expected]
    np.testing.assert_allclose([score for _, score in got], [score for _, score in expected], rtol=1e-9, atol=1e-9)


def test_em_step_needs_every_unit() -> None:
    counts = fasttok.count(iter(["abc"]))
    with pytest.raises(fasttok.ParameterError, match="pieces"):
        _fasttok.unigram_em_step(counts, [(b"a", -1.0), (b"b", -1.0)])


@settings(max_examples=MAX_EXAMPLES)
@given(
    scores=st.lists(st.floats(-12.0, -0.1), min_size=12, max_size=12),
    text=st.text(alphabet="ab é", min_size=1, max_size=9),
)
def test_viterbi_is_optimal(scores: list[float], text: str) -> None:
    vocab = ["a", "b", " ", "é", "ab", "ba", " a", "aé", "bab", "a b", "é ", "abab"]
    pieces = [(piece.encode(), score) for piece, score in zip(vocab, scores)]
    tokenizer = fasttok.Tokenizer.from_unigram_pieces(pieces, pretokenizer="none")
    best = max(
        sum(scores[i] for i in path) for path in oracle.segmentations(text.encode(), pieces, "chars")
    )
    ids = tokenizer.encode(text)
    assert sum(scores[i] for i in ids) == pytest.approx(best, abs=1e-9)
    assert tokenizer.log_probability(text) == pytest.approx(best, abs=1e-9)
    hf = HfTokenizer.from_str(tokenizer.to_hf_json())
    assert hf.encode(text).ids == ids


@settings(max_examples=MAX_EXAMPLES)
@given(text=st.text(max_size=200), units=st.sampled_from(["chars", "bytes"]))
def test_any_text_round_trips(text: str, units: str) -> None:
    tokenizer = trained(units)
    assert tokenizer.decode(tokenizer.encode(text)) == text
    assert tokenizer.decode(tokenizer.sample(text, alpha=0.2, seed=3)) == text


@settings(max_examples=MAX_EXAMPLES)
@given(text=st.text(max_size=200))
def test_hf_tokenizers_gives_the_same_ids(text: str) -> None:
    for units in ("chars", "bytes"):
        tokenizer = trained(units)
        hf = HfTokenizer.from_str(tokenizer.to_hf_json())
        ids = tokenizer.encode(text)
        assert hf.encode(text).ids == ids
        assert hf.decode(ids) == text


def test_hf_parity_on_the_corpus() -> None:
    tokenizer = trained()
    hf = HfTokenizer.from_str(tokenizer.to_hf_json())
    lines = (CORPORA / "sample.txt").read_text(encoding="utf-8").splitlines()[:2_000]
    assert [encoding.ids for encoding in hf.encode_batch(lines)] == [tokenizer.encode(line) for line in lines]


def test_training_does_not_depend_on_the_thread_count() -> None:
    text = hamlet()
    one = fasttok.train(iter([text]), algorithm="unigram", vocab_size=800, num_threads=1)
    two = fasttok.train(iter([text]), algorithm="unigram", vocab_size=800, num_threads=2)
    assert one == two
    np.testing.assert_array_equal(one.scores, two.scores)


@pytest.mark.parametrize(("units", "vocab_size"), [("chars", 700), ("chars", 1_200), ("bytes", 600)])
def test_vocab_size_is_exact(units: str, vocab_size: int) -> None:
    specials = ["<s>", "</s>"]
    tokenizer = fasttok.train(
        iter([hamlet()]), algorithm="unigram", vocab_size=vocab_size, units=units, special_tokens=specials
    )
    assert tokenizer.vocab_size == vocab_size
    assert tokenizer.special_tokens == {"<s>": vocab_size - 2, "</s>": vocab_size - 1}
    pieces = vocab_size - 2 - (257 if units == "chars" else 0)
    scores = tokenizer.scores[:pieces]
    assert np.all(np.diff(scores) <= 0), "pieces are in score order"
    assert np.all(tokenizer.scores[pieces:] < scores.min())
    # Every character of the corpus is a piece.
    assert all(tokenizer.token_to_id(char.encode()) < pieces for char in set(hamlet()) if units == "chars")


def test_pieces_respect_the_maximum_length_and_the_pretokenizer() -> None:
    tokenizer = fasttok.train(iter([hamlet()]), algorithm="unigram", vocab_size=900, max_token_length=4)
    pieces = [tokenizer.id_to_token(id).decode() for id in range(900 - 257)]
    assert max(len(piece) for piece in pieces) <= 4
    assert not any(" " in piece[1:] for piece in pieces), "gpt2 pieces hold a space only in front"


def test_too_small_a_vocabulary_names_the_parameter() -> None:
    with pytest.raises(fasttok.ParameterError, match="vocab_size.*distinct characters"):
        fasttok.train(iter([hamlet()]), algorithm="unigram", vocab_size=300)


def test_bad_options_name_the_parameter() -> None:
    for options, name in [({"shrinking_factor": 1.5}, "shrinking_factor"), ({"sub_iterations": 0}, "sub_iterations")]:
        with pytest.raises(fasttok.ParameterError, match=name):
            fasttok.train(iter(["a b c"]), algorithm="unigram", vocab_size=400, **options)


def test_save_load_and_pickle(tmp_path: Path) -> None:
    import pickle

    tokenizer = fasttok.train(iter([hamlet()]), algorithm="unigram", vocab_size=800, special_tokens=["<eos>"])
    tokenizer.save(tmp_path / "tok")
    loaded = fasttok.Tokenizer.load(tmp_path / "tok")
    assert loaded == tokenizer
    np.testing.assert_array_equal(loaded.scores, tokenizer.scores)
    assert loaded.algorithm == "unigram"
    assert pickle.loads(pickle.dumps(tokenizer)) == tokenizer


def test_sampling_is_seeded_and_spans_segmentations() -> None:
    tokenizer = trained()
    text = "the king of denmark is dead"
    assert tokenizer.sample(text, alpha=0.1, seed=5) == tokenizer.sample(text, alpha=0.1, seed=5)
    draws = {tuple(tokenizer.sample(text, alpha=0.1, seed=seed)) for seed in range(30)}
    assert len(draws) > 1
    # A sharp distribution concentrates on the best segmentation.
    assert tokenizer.sample(text, alpha=50.0, seed=1) == tokenizer.encode(text)
    with pytest.raises(fasttok.ParameterError, match="alpha"):
        tokenizer.sample(text, alpha=-1.0)


def test_bpe_only_and_unigram_only_operations_are_refused() -> None:
    with pytest.raises(fasttok.ParameterError, match="BPE"):
        trained().merges
    bpe = fasttok.train(iter([hamlet()]), vocab_size=300)
    with pytest.raises(fasttok.ParameterError, match="Unigram"):
        bpe.scores


def test_cli_trains_unigram(tmp_path: Path) -> None:
    out = tmp_path / "tok"
    corpus = CORPORA / "en" / "shakespeare_hamlet.txt"
    assert main(["train", str(corpus), "-a", "unigram", "--vocab-size", "800", "-o", str(out), "-q"]) == 0
    assert fasttok.Tokenizer.load(out).vocab_size == 800


# ------------------------------------------------------------------ SentencePiece's dummy prefix


@settings(max_examples=MAX_EXAMPLES)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab Éé1,.\n\t")), max_size=30), min_size=1, max_size=5))
def test_prefix_space_counts_every_line_as_if_it_began_with_a_space(documents: list[str]) -> None:
    """The oracle: a space before every line that is not empty, then the GPT-2 regex."""
    import regex

    from reference import PATTERNS

    expected: dict[bytes, int] = {}
    for document in documents:
        for line in document.splitlines(keepends=True):
            for piece in regex.findall(PATTERNS["gpt2"], line if line.startswith("\n") else " " + line):
                expected[piece.encode()] = expected.get(piece.encode(), 0) + 1
    counts = fasttok.count(iter(documents), prefix_space=True, progress=False)
    assert dict(counts.items()) == expected
    assert counts.pretokenizer == fasttok.Pretokenizer("gpt2", lines=True, prefix_space=True)


def test_prefix_space_trains_from_line_counts_and_survives_tokenizer_json(tmp_path: Path) -> None:
    text = hamlet()[:200_000]
    tokenizer = fasttok.train(iter([text]), algorithm="unigram", vocab_size=1_000, prefix_space=True)
    assert tokenizer.prefix_space and tokenizer.parameters["prefix_space"] is True
    lines = fasttok.count(iter([text]), unit="line", progress=False)
    assert fasttok.train(counts=lines, algorithm="unigram", vocab_size=1_000, prefix_space=True) == tokenizer
    # Word counts with the prefix train with it by default.
    words = fasttok.count(iter([text]), prefix_space=True, progress=False)
    assert fasttok.train(counts=words, algorithm="unigram", vocab_size=1_000) == tokenizer
    # A line's first word is the same token as elsewhere.
    first, inner = tokenizer.encode("The end"), tokenizer.encode("at The end")
    assert first == inner[-len(first) :] and tokenizer.decode(first) == "The end"
    # tokenizer.json alone (without fasttok.json) carries the prefix in its normalizer.
    (tmp_path / "tokenizer.json").write_text(tokenizer.to_hf_json(), encoding="utf-8")
    assert fasttok.Tokenizer.load(tmp_path / "tokenizer.json").prefix_space


def test_prefix_space_is_refused_where_tokenizer_json_cannot_add_it() -> None:
    for options in (
        {"algorithm": "bpe"},
        {"algorithm": "superbpe"},
        {"algorithm": "unigram", "units": "bytes"},
        {"algorithm": "compoundpiece", "compound_model": "bpe"},
    ):
        with pytest.raises(fasttok.ParameterError, match="prefix_space"):
            fasttok.train(iter(["a b c"]), vocab_size=400, prefix_space=True, **options)
    with pytest.raises(fasttok.ParameterError, match="prefix_space"):
        fasttok.count(iter(["a b"]), unit="line", prefix_space=True)


def test_cli_trains_with_a_prefix_space(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "hamlet.txt"
    corpus.write_text(hamlet()[:100_000], encoding="utf-8")
    assert main(["train", str(corpus), "-a", "unigram", "-v", "600", "--prefix-space", "-o", str(tmp_path / "tok"), "-q"]) == 0
    assert main(["info", str(tmp_path / "tok")]) == 0
    assert "prefix space" in capsys.readouterr().out
