"""Corpora, text strategies and peer trainers (HF tokenizers, rustbpe) shared by the tests."""

from __future__ import annotations

import functools
import json
import random
import signal
import subprocess
import sys
import unicodedata
from pathlib import Path

import reference
import rustbpe
from hypothesis import strategies as st
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

CORPORA = Path(__file__).resolve().parent.parent / "corpora"

#: Text of assigned characters (see test_pretokenize.ASSIGNED_TEXT), plus a tricky palette.
TEXTS = st.text(alphabet=st.characters(exclude_categories=("Cn", "Cs")).filter(lambda c: unicodedata.category(c) != "Cn")) | st.text(
    alphabet=st.sampled_from(list("ab 'sS\n\t\r  .,é中😀\u0301012")), max_size=80
)


def start_cli(args: list[str], **popen: object) -> subprocess.Popen:
    """``python -m fasttok ARGS`` in a child that takes SIGINT as Ctrl-C, even when the
    tests run as a background job (whose children inherit SIGINT ignored, so Python would
    not install its handler)."""
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-m", "fasttok", *args],
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 (tests start no threads)
        **popen,
    )


@functools.cache
def real_documents(limit: int = 200_000) -> tuple[str, ...]:
    """About ``limit`` bytes of the committed corpora (prose, code, UDHR), one document per file."""
    files = sorted(CORPORA.glob("code/*")) + sorted(CORPORA.glob("udhr/*")) + sorted(CORPORA.glob("en/*"))
    documents: list[str] = []
    size = 0
    for path in files:
        if size >= limit:
            break
        text = path.read_text(encoding="utf-8")[: limit - size]
        documents.append(text)
        size += len(text.encode("utf-8"))
    return tuple(documents)


@functools.cache
def synthetic_documents(seed: int = 1234) -> tuple[str, ...]:
    """Random words over a 3-letter alphabet: almost every merge step is decided by a tie."""
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choices("abc", k=rng.randint(1, 10)))

    return tuple(" ".join(word() for _ in range(20)) for _ in range(200))


def hf_merges(
    documents: tuple[str, ...],
    vocab_size: int,
    min_frequency: int = 0,
    max_token_length: int | None = None,
    special_tokens: tuple[str, ...] = (),
) -> reference.Merges:
    """Train HF's byte-level BPE and return its merges as byte pairs."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
        special_tokens=list(special_tokens),
        max_token_length=max_token_length,
    )
    tokenizer.train_from_iterator(documents, trainer)
    byte_of = {char: b for b, char in reference.bytes_to_unicode().items()}

    def to_bytes(token: str) -> bytes:
        return bytes(byte_of[c] for c in token)

    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    # tokenizers >= 0.20 writes [left, right]; older versions wrote "left right".
    pairs = [m.split(" ") if isinstance(m, str) else m for m in merges]
    return [(to_bytes(left), to_bytes(right)) for left, right in pairs]


def rustbpe_tokens(documents: tuple[str, ...], vocab_size: int, pattern: str) -> list[bytes]:
    """Train rustbpe and return its merged tokens (ids 256, 257, ...) in creation order.

    rustbpe exposes ``get_mergeable_ranks() -> [(token_bytes, id)]`` rather than merge pairs.
    """
    tokenizer = rustbpe.Tokenizer()
    tokenizer.train_from_iterator(documents, vocab_size, pattern=pattern)
    ranks = sorted(tokenizer.get_mergeable_ranks(), key=lambda item: item[1])
    assert [i for _, i in ranks] == list(range(len(ranks)))
    return [bytes(token) for token, _ in ranks[256:]]
