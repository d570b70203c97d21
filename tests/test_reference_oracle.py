"""Prove the pure-Python oracle (tests/reference.py) against the real peers.

* ``tie_break="hf"`` reproduces HF ``tokenizers``' ``BpeTrainer`` merge list, in order.
* ``tie_break="bytes"`` reproduces rustbpe's tokens, in order, for the GPT-2, cl100k and o200k
  patterns.
* ``reference.encode`` gives the same ids as a ``tiktoken.Encoding`` built from the merges.

Once these hold, the oracle can stand in for the peers in fasttok's own parity tests. The corpora
are small: about 200 KB of the committed corpora (code, UDHR samples, prose) and a synthetic,
tie-heavy corpus.
"""

from __future__ import annotations

import functools

import pytest
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from peers import hf_merges, real_documents, rustbpe_tokens, synthetic_documents
from reference import PATTERNS

REAL_VOCAB = 1000
SYNTHETIC_VOCAB = 700
MAX_EXAMPLES = min(settings.default.max_examples, 200)


CORPORA = {"real": (real_documents, REAL_VOCAB), "synthetic": (synthetic_documents, SYNTHETIC_VOCAB)}


@functools.cache
def reference_merges(corpus: str, pattern: str, tie_break: str, min_frequency: int = 0) -> reference.Merges:
    """The oracle's merges for a named corpus, cached across tests."""
    documents, vocab_size = CORPORA[corpus]
    return reference.train_bpe(documents(), vocab_size, PATTERNS[pattern], tie_break, min_frequency)


@functools.cache
def tiktoken_encoding(pattern: str, tie_break: str) -> tiktoken.Encoding:
    """tiktoken over the oracle's real-text merges; ranks are canonical ids (bytes, then 256 + k)."""
    ranks: dict[bytes, int] = {bytes([b]): b for b in range(256)}
    for k, (left, right) in enumerate(reference_merges("real", pattern, tie_break)):
        ranks.setdefault(left + right, 256 + k)
    return tiktoken.Encoding(name="reference", pat_str=PATTERNS[pattern], mergeable_ranks=ranks, special_tokens={})


@pytest.mark.parametrize("corpus", ["real", "synthetic"])
def test_hf_mode_reproduces_hf_merges(corpus: str) -> None:
    """tie_break="hf" gives HF BpeTrainer's merge list, in order."""
    documents, vocab_size = CORPORA[corpus]
    expected = hf_merges(documents(), vocab_size)
    merges = reference_merges(corpus, "gpt2", "hf")
    assert len(merges) == len(expected) > 400
    assert merges == expected


def test_hf_mode_reproduces_hf_min_frequency_stop() -> None:
    """With a large vocabulary and min_frequency=20 both stop on the count, at the same merge."""
    documents = real_documents()
    expected = hf_merges(documents, 20_000, min_frequency=20)
    merges = reference.train_bpe(documents, 20_000, PATTERNS["gpt2"], "hf", min_frequency=20)
    assert merges == expected
    assert 256 + len(merges) < 20_000


@pytest.mark.parametrize(
    ("corpus", "pattern"),
    [("real", "gpt2"), ("real", "cl100k"), ("real", "o200k"), ("synthetic", "gpt2")],
)
def test_bytes_mode_reproduces_rustbpe(corpus: str, pattern: str) -> None:
    """tie_break="bytes" gives rustbpe's tokens, in order, for each pretokenizer pattern."""
    documents, vocab_size = CORPORA[corpus]
    expected = rustbpe_tokens(documents(), vocab_size, PATTERNS[pattern])
    merges = reference_merges(corpus, pattern, "bytes")
    assert len(merges) == len(expected) > 400
    assert [left + right for left, right in merges] == expected


def test_tie_break_modes_differ_in_order_only() -> None:
    """The tie key is what separates HF from rustbpe: same corpus, different order."""
    hf, raw = reference_merges("real", "gpt2", "hf"), reference_merges("real", "gpt2", "bytes")
    assert hf != raw
    assert sum(a == b for a, b in zip(hf, raw, strict=True)) > 100  # they agree until the first contested tie


@pytest.mark.parametrize("tie_break", ["hf", "bytes"])
@pytest.mark.parametrize("pattern", ["gpt2", "cl100k", "o200k"])
def test_encode_matches_tiktoken_on_real_text(pattern: str, tie_break: str) -> None:
    """reference.encode == tiktoken on the training text itself; decode inverts it."""
    merges = reference_merges("real", pattern, tie_break)
    encoding = tiktoken_encoding(pattern, tie_break)
    for document in real_documents()[:4]:
        ids = reference.encode(document, merges, PATTERNS[pattern])
        assert ids == encoding.encode_ordinary(document)
        assert reference.decode(ids, merges) == document.encode("utf-8")


# Any text, plus text over frequent characters, where the learned merges actually fire.
TEXTS = st.text() | st.text(alphabet=st.sampled_from(list("etaoin shrdlu\n\t()=_.,'\"é")), max_size=200)


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(text=TEXTS)
def test_encode_matches_tiktoken_on_any_text(text: str) -> None:
    """reference.encode == tiktoken on arbitrary text; decode inverts it."""
    merges = reference_merges("real", "cl100k", "hf")
    encoding = tiktoken_encoding("cl100k", "hf")
    ids = reference.encode(text, merges, PATTERNS["cl100k"])
    assert ids == encoding.encode_ordinary(text)
    assert reference.decode(ids, merges) == text.encode("utf-8")


@pytest.mark.parametrize("pattern", ["gpt2", "cl100k", "o200k"])
def test_pretokenize_round_trips(pattern: str) -> None:
    """The pieces of every pattern cover the text exactly."""
    text = "Hello world's  end\n\n  x = 12345 + 6;\tÜber 東京 😀!!\r\n"
    assert b"".join(reference.pretokenize(text, PATTERNS[pattern])) == text.encode("utf-8")


def test_train_rejects_unknown_tie_break() -> None:
    """An unknown tie_break is an error, not a silent default."""
    with pytest.raises(ValueError, match="tie_break"):
        reference.train_bpe(["abc"], 300, PATTERNS["gpt2"], "lexicographic")  # type: ignore[arg-type]
