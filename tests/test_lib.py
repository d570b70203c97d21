"""LiB: lexicons identical to the pure-Python reference, segmentation, invariants, HF export.

The oracle is ``tests/reference_lib.py``, a readable re-statement of the authors' 2023
semantics with fasttok's documented changes; its sampler replays fasttok's PCG stream, so
lexicons must be identical for the same seed.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import fasttok
import pytest
import reference_lib as oracle
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer as HfTokenizer

CORPORA = Path(__file__).parent.parent / "corpora"
MAX_EXAMPLES = min(settings.default.max_examples, 60)


@functools.cache
def hamlet_lines(count: int = 1_500) -> tuple[str, ...]:
    """The first ``count`` non-empty lines of Hamlet, lowercased, each with its newline."""
    text = (CORPORA / "en" / "shakespeare_hamlet.txt").read_text(encoding="utf-8").lower()
    return tuple(line + "\n" for line in text.splitlines() if line.strip())[:count]


def units_of(tokenizer: fasttok.Tokenizer, as_text: bool = True) -> list:
    """The lexicon units in rank order (no byte fallback, no specials)."""
    count = tokenizer.vocab_size - len(tokenizer.special_tokens) - (256 if as_text else 0)
    units = [tokenizer.id_to_token(id) for id in range(count)]
    return [unit.decode() for unit in units] if as_text else units


def train(lines, **options) -> fasttok.Tokenizer:
    return fasttok.train(iter(["".join(lines)]), algorithm="lib", vocab_size=options.pop("vocab_size", None), **options)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"out_rate": 0.01, "life": 3},
        {"in_rate": 0.6, "update_rate": 0.3, "seed": 7},
        {"max_token_length": 4, "life": 2},
        {"inspect_context": False, "out_rate": 0.05},
    ],
)
def test_lexicon_equals_the_reference(options: dict) -> None:
    lines = hamlet_lines()
    tokenizer = train(lines, sentences_per_step=60, steps=40, **options)
    reference_options = dict(options)
    max_length = reference_options.pop("max_token_length", None)
    expected = oracle.train(lines, steps=40, sentences_per_step=60, max_unit_length=max_length, **reference_options)
    assert units_of(tokenizer) == expected


def test_bytes_and_presplit_words_equal_the_reference() -> None:
    lines = hamlet_lines(600)
    tokenizer = train(lines, units="bytes", pretokenizer="gpt2", sentences_per_step=50, steps=20, out_rate=0.01)
    gpt2 = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\w+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+""")
    expected = oracle.train(
        [line.encode() for line in lines],
        steps=20,
        sentences_per_step=50,
        out_rate=0.01,
        split=lambda line: [piece.encode() for piece in gpt2.findall(line.decode())],
    )
    # Byte models list the bytes never seen after the learned units.
    assert units_of(tokenizer, as_text=False)[: len(expected)] == expected
    assert tokenizer.vocab_size == len(expected) + 256 - sum(len(unit) == 1 for unit in expected)


def test_exact_vocab_size_keeps_atoms_and_best_ranks() -> None:
    lines = hamlet_lines()
    free = train(lines, sentences_per_step=60, steps=40)
    size = free.vocab_size - 150
    capped = train(lines, sentences_per_step=60, steps=40, vocab_size=size, special_tokens=["<|end|>"])
    assert capped.vocab_size == size
    assert capped.token_to_id(b"<|end|>") == size - 1
    symbols = set("".join(lines))
    assert symbols <= set(units_of(capped))
    with pytest.raises(fasttok.ParameterError, match="distinct symbols"):
        train(lines, sentences_per_step=60, steps=40, vocab_size=256 + len(symbols) - 1)
    # More than LiB learns: the vocabulary is smaller, as BPE's when pairs run out.
    assert train(lines, sentences_per_step=60, steps=40, vocab_size=10**6).vocab_size < 10**6


@given(
    text=st.text(alphabet="ab c\nd", max_size=60),
    seed=st.integers(0, 2**32),
    out_rate=st.sampled_from([1e-4, 0.1, 0.5]),
    life=st.integers(1, 4),
)
@settings(max_examples=MAX_EXAMPLES, deadline=None)
def test_atoms_are_never_forgotten_and_the_lexicon_equals_the_reference(
    text: str, seed: int, out_rate: float, life: int
) -> None:
    lines = [line for line in text.splitlines(keepends=True) if line]
    if not lines:
        return
    tokenizer = train(lines, sentences_per_step=2, steps=6, seed=seed, out_rate=out_rate, life=life)
    units = units_of(tokenizer)
    assert set(text) <= set(units)
    assert units == oracle.train(lines, steps=6, sentences_per_step=2, seed=seed, out_rate=out_rate, life=life)


@given(
    lexicon=st.lists(st.text(alphabet="abc ", min_size=1, max_size=4), min_size=1, max_size=25, unique=True),
    text=st.text(alphabet="abcd ", max_size=40),
    greedy=st.booleans(),
)
@settings(max_examples=MAX_EXAMPLES * 3, deadline=None)
def test_segmentation_equals_the_reference(lexicon: list[str], text: str, greedy: bool) -> None:
    model = fasttok.Tokenizer.from_lib_units(lexicon, pretokenizer="none")
    if greedy:
        model = model.with_segmenter("greedy")
    ids = model.encode(text)
    pieces = [model.id_to_token(id).decode("latin-1") for id in ids]
    expected = oracle.segment(lexicon, text, greedy=greedy)
    # Unknown symbols are byte-fallback tokens, one per UTF-8 byte: join them back.
    assert "".join(pieces) == "".join(expected)
    assert [p for p in pieces if p in lexicon] == [p for p in expected if p in lexicon]
    assert model.decode(ids) == text


@functools.cache
def hamlet_tokenizer(**options) -> fasttok.Tokenizer:
    return train(hamlet_lines(), sentences_per_step=100, steps=30, **options)


@given(text=st.text(max_size=80))
@settings(max_examples=MAX_EXAMPLES, deadline=None)
def test_any_text_round_trips(text: str) -> None:
    for tokenizer in (hamlet_tokenizer(), hamlet_tokenizer(units="bytes")):
        assert tokenizer.decode(tokenizer.encode(text)) == text
        assert tokenizer.with_segmenter("greedy").decode(tokenizer.with_segmenter("greedy").encode(text)) == text


def test_training_is_deterministic_per_seed_and_thread_count() -> None:
    lines = hamlet_lines(800)
    first, again = (train(lines, sentences_per_step=80, steps=10, seed=3, num_threads=n) for n in (1, 2))
    other = train(lines, sentences_per_step=80, steps=10, seed=4)
    assert first == again
    assert units_of(first) != units_of(other)


def test_save_load_and_hf_greedy_parity(tmp_path: Path) -> None:
    tokenizer = hamlet_tokenizer()
    tokenizer.save(tmp_path)
    loaded = fasttok.Tokenizer.load(tmp_path)
    assert loaded == tokenizer
    assert loaded.segmenter == "two-path"
    text = "".join(hamlet_lines()[-200:])
    assert loaded.encode(text) == tokenizer.encode(text)
    hf = HfTokenizer.from_file(str(tmp_path / "tokenizer.json"))
    greedy = tokenizer.with_segmenter("greedy")
    assert hf.encode(text).ids == greedy.encode(text)
    assert hf.decode(greedy.encode(text)) == text
    # Without the sidecar, the file means what HF does with it: greedy.
    (tmp_path / "fasttok.json").unlink()
    assert fasttok.Tokenizer.load(tmp_path).segmenter == "greedy"


def test_byte_units_export_to_hf(tmp_path: Path) -> None:
    tokenizer = hamlet_tokenizer(units="bytes").with_segmenter("greedy")
    tokenizer.save(tmp_path)
    hf = HfTokenizer.from_file(str(tmp_path / "tokenizer.json"))
    text = "To be, or not to be — ça va? 🙂\n"
    assert hf.encode(text).ids == tokenizer.encode(text)
    assert hf.decode(tokenizer.encode(text)) == text


def test_sidecar_records_the_options() -> None:
    parameters = hamlet_tokenizer(units="bytes").parameters
    assert parameters["units"] == "bytes"
    assert parameters["steps"] == 30
    sidecar = json.loads(hamlet_tokenizer()._core.to_sidecar_json())
    assert sidecar["segmenter"] == "two-path"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"in_rate": 1.5}, "in_rate"),
        ({"life": 0}, "life"),
        ({"sentences_per_step": 0}, "sentences_per_step"),
        ({"units": "words"}, "units"),
        ({"vocab_size": 200}, "vocab_size"),
        ({"steps": 0}, "steps"),
        ({"seed": -1}, "seed"),
        ({"life": -2}, "life"),
        ({"num_threads": 0}, "num_threads"),
    ],
)
def test_bad_options_name_the_parameter(options: dict, message: str) -> None:
    with pytest.raises(fasttok.ParameterError, match=message):
        train(hamlet_lines(50), **options)


def test_counts_and_bpe_only_operations_are_refused() -> None:
    counts = fasttok.count(iter(["a b c"]))
    with pytest.raises(fasttok.ParameterError, match="in order"):
        fasttok.train(counts=counts, algorithm="lib", vocab_size=None)
    with pytest.raises(fasttok.FasttokError, match="BPE"):
        _ = hamlet_tokenizer().merges


def test_cli_trains_lib(tmp_path: Path) -> None:
    from fasttok.cli import main

    corpus = tmp_path / "lines.txt"
    corpus.write_text("".join(hamlet_lines(400)), encoding="utf-8")
    out = tmp_path / "lib"
    argv = ["train", str(corpus), "-a", "lib", "-o", str(out), "--sentences-per-step", "50", "--steps", "8"]
    assert main([*argv, "--segmenter", "greedy", "-q"]) == 0
    tokenizer = fasttok.Tokenizer.load(out)
    assert tokenizer.algorithm == "lib" and tokenizer.segmenter == "greedy"
    assert tokenizer == train(hamlet_lines(400), sentences_per_step=50, steps=8).with_segmenter("greedy")
    assert main(["info", str(out)]) == 0
