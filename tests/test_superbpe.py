"""SuperBPE: merges identical to the pure-Python reference, constraints, HF parity, extend.

The oracle is ``tests/reference_superbpe.py``, a readable re-statement of the reference
implementation (the HF fork's ``do_train_extend``); the stage pretokenizers are checked
against HF ``tokenizers``' own ``Digits`` + ``Split`` sequence.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import fasttok
import pytest
import reference_superbpe as oracle
from hypothesis import given, settings
from hypothesis import strategies as st
from peers import real_documents, synthetic_documents
from tokenizers import Regex, pre_tokenizers
from tokenizers import Tokenizer as HfTokenizer

CORPORA = {"real": functools.partial(real_documents, 30_000), "synthetic": synthetic_documents}
MAX_EXAMPLES = min(settings.default.max_examples, 100)

#: Text that exercises every stage-2 rule: digit groups, punctuation runs, space runs, lines.
TRICKY = st.lists(
    st.sampled_from([*"ab cd  .,:!?\n\t0123456789٣४½", "the ", "of the ", ": ", "\r\n"]), max_size=30
).map("".join)


def stage2_merges(tokenizer: fasttok.Tokenizer) -> list[tuple[bytes, bytes]]:
    """The merges learned in stage 2 (after the inherited ones)."""
    learned = tokenizer.parameters["stage2"]["learned"]
    return tokenizer.merges[len(tokenizer.merges) - learned :]


@functools.cache
def trained(corpus: str, transition: int, tie_break: str = "hf", extra: int = 120, **options: object) -> fasttok.Tokenizer:
    """A SuperBPE tokenizer on a named corpus with ``extra`` tokens beyond the inherited ones."""
    vocab_size = 256 + max(transition - 1, 0) + extra
    documents = CORPORA[corpus]()
    return fasttok.train(
        iter(documents),
        algorithm="superbpe",
        vocab_size=vocab_size,
        transition=transition,
        tie_break=tie_break,
        progress=False,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("tie_break", ["hf", "bytes"])
@pytest.mark.parametrize(("corpus", "transition"), [("real", 0), ("real", 150), ("real", 300), ("synthetic", 60)])
def test_merges_equal_the_reference(corpus: str, transition: int, tie_break: str) -> None:
    """Both stages, merge for merge and in order, with the same dropped inherited merges."""
    tokenizer = trained(corpus, transition, tie_break)
    expected, dropped = oracle.train_superbpe(CORPORA[corpus](), tokenizer.vocab_size, transition, tie_break)  # type: ignore[arg-type]
    assert tokenizer.merges == expected
    assert tokenizer.parameters["stage2"]["dropped"] == dropped
    assert tokenizer.parameters["stage2"]["inherited"] == max(transition - 1, 0)
    assert any(b" " in left + right[:-1] for left, right in stage2_merges(tokenizer)), "no superword learned"


@pytest.mark.parametrize(
    "options",
    [
        {"max_words": 2, "forbidden": ("a b", "\n")},
        {"max_words": None, "forbidden": ()},
        {"lines": False},
        {"keep_absent_merges": True},
    ],
    ids=["tight", "unconstrained", "documents", "keep-absent"],
)
def test_options_equal_the_reference(options: dict[str, object]) -> None:
    """Constraints, document-level sequences and kept absent merges, as the reference reads them."""
    transition = 300 if options.get("keep_absent_merges") else 40
    corpus = "real" if options.get("keep_absent_merges") else "synthetic"
    tokenizer = trained(corpus, transition, **options)
    expected, dropped = oracle.train_superbpe(CORPORA[corpus](), tokenizer.vocab_size, transition, "hf", **options)  # type: ignore[arg-type]
    assert tokenizer.merges == expected
    assert tokenizer.parameters["stage2"]["dropped"] == dropped


def test_absent_inherited_merges_are_dropped_and_reported() -> None:
    """A base trained on whole documents merges two newlines; line-level stage 2 never sees them."""
    documents = ["one two\n\nthree four\n\n"] * 20
    base = fasttok.train(iter(documents), vocab_size=256 + 11, progress=False)
    newlines = [rank for rank, pair in enumerate(base.merges) if pair == (b"\n", b"\n")]
    assert newlines, "the corpus must make the base merge two newlines"
    extended = fasttok.extend(base, iter(documents), vocab_size=300, progress=False)
    assert extended.parameters["stage2"]["dropped"] == newlines
    assert (b"\n", b"\n") not in extended.merges
    kept = fasttok.extend(base, iter(documents), vocab_size=300, keep_absent_merges=True, progress=False)
    assert kept.parameters["stage2"]["dropped"] == []
    assert kept.merges[:11] == base.merges


@given(max_words=st.integers(1, 5), forbidden=st.lists(st.sampled_from(["a ", " b", ": ", "c c", "\n"]), max_size=2))
@settings(max_examples=min(MAX_EXAMPLES, 25), deadline=None)
def test_every_stage2_merge_obeys_the_constraints(max_words: int, forbidden: list[str]) -> None:
    tokenizer = fasttok.train(
        iter(synthetic_documents()),
        algorithm="superbpe",
        vocab_size=700,
        transition=40,
        max_words=max_words,
        forbidden=forbidden,
        progress=False,
    )
    learned = stage2_merges(tokenizer)
    assert learned
    for left, right in learned:
        token = left + right
        assert len([word for word in token.split(b" ") if word]) <= max_words
        assert not any(substring.encode() in token for substring in forbidden)


@pytest.mark.parametrize("threads", [1, 3])
def test_merges_do_not_depend_on_threads(threads: int) -> None:
    documents = real_documents(100_000)
    tokenizer = fasttok.train(
        iter(documents), algorithm="superbpe", vocab_size=1500, transition=800, num_threads=threads, progress=False
    )
    assert tokenizer == trained_on_two_threads()


@functools.cache
def trained_on_two_threads() -> fasttok.Tokenizer:
    documents = real_documents(100_000)
    return fasttok.train(
        iter(documents), algorithm="superbpe", vocab_size=1500, transition=800, num_threads=2, progress=False
    )


def hf_stage_pretokenizer(pattern: str) -> pre_tokenizers.PreTokenizer:
    """The reference's stage pretokenizer in HF ``tokenizers``: ``Digits`` then ``Split``."""
    return pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=False), pre_tokenizers.Split(Regex(pattern), behavior="isolated")]
    )


@given(text=TRICKY | st.text(max_size=40))
@settings(max_examples=MAX_EXAMPLES, deadline=None)
def test_stage_pretokenizers_split_as_hf(text: str) -> None:
    for name, pattern in (("superbpe-stage1", oracle.STAGE1_PATTERN), ("superbpe-stage2", oracle.STAGE2_PATTERN)):
        expected = [piece for piece, _ in hf_stage_pretokenizer(pattern).pre_tokenize_str(text)]
        assert fasttok.Pretokenizer(name).split(text) == expected, name


@pytest.mark.parametrize(
    "stage2", ["superbpe-stage2", "superbpe-2025-stage2"], ids=["paper", "revised"]
)
@pytest.mark.parametrize("lines", [True, False])
def test_hf_export_gives_identical_ids(stage2: str, lines: bool) -> None:
    """tokenizers loads the export (Split before ByteLevel) and gives fasttok's ids."""
    tokenizer = hf_parity_tokenizer(stage2, lines)
    hf = HfTokenizer.from_str(tokenizer.to_hf_json())
    for document in real_documents(60_000):
        assert hf.encode(document).ids == tokenizer.encode(document)


@functools.cache
def hf_parity_tokenizer(stage2: str, lines: bool) -> fasttok.Tokenizer:
    return fasttok.train(
        iter(real_documents(60_000)),
        algorithm="superbpe",
        vocab_size=1200,
        transition=700,
        stage2_pretokenizer=stage2,
        lines=lines,
        progress=False,
    )


@given(text=TRICKY)
@settings(max_examples=MAX_EXAMPLES, deadline=None)
def test_round_trip_and_hf_parity_on_any_text(text: str) -> None:
    for stage2, lines in (("superbpe-stage2", True), ("superbpe-2025-stage2", False)):
        tokenizer = hf_parity_tokenizer(stage2, lines)
        ids = tokenizer.encode(text)
        assert tokenizer.decode(ids) == text
        assert HfTokenizer.from_str(tokenizer.to_hf_json()).encode(text).ids == ids


def test_transformers_loads_the_export() -> None:
    import transformers  # noqa: F401  (a test extra: fail, never skip, when missing)

    tokenizer = hf_parity_tokenizer("superbpe-stage2", True)
    fast = tokenizer.to_transformers()
    text = "By the way, I am a fan of the Milky Way: 1234567 stars.\nSecond line"
    assert fast(text)["input_ids"] == tokenizer.encode(text)


def test_save_load_keeps_the_pretokenizer_and_transition(tmp_path: Path) -> None:
    tokenizer = hf_parity_tokenizer("superbpe-stage2", True)
    tokenizer.save(tmp_path / "saved")
    assert fasttok.Tokenizer.load(tmp_path / "saved") == tokenizer
    sidecar = json.loads((tmp_path / "saved" / "fasttok.json").read_text())
    assert sidecar["parameters"]["transition"] == 700
    assert sidecar["lines"] is True
    # Without the sidecar, the pretokenizer is read back from tokenizer.json's steps.
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "tokenizer.json").write_text(tokenizer.to_hf_json())
    bare = fasttok.Tokenizer.load(tmp_path / "bare" / "tokenizer.json")
    assert (bare.pretokenizer, bare.merges) == (tokenizer.pretokenizer, tokenizer.merges)
    text = "a line\n\nthen 1234567 more: text"
    assert bare.encode(text) == tokenizer.encode(text)


def test_extend_equals_training_both_stages(tmp_path: Path) -> None:
    """Stage 2 on a BPE tokenizer trained like stage 1 gives SuperBPE's merges, from any source."""
    documents = real_documents(60_000)
    counts = fasttok.count(iter(documents), pretokenizer="superbpe-stage1", lines=True)
    base = fasttok.train(counts=counts, vocab_size=256 + 600, pretokenizer="superbpe-stage1", progress=False)
    expected = fasttok.train(iter(documents), algorithm="superbpe", vocab_size=1100, transition=500, progress=False)
    base.save(tmp_path / "base")
    hf_base = HfTokenizer.from_str(base.to_hf_json())
    for source in (base, tmp_path / "base", tmp_path / "base" / "tokenizer.json", hf_base):
        extended = fasttok.extend(source, iter(documents), vocab_size=1100, transition=500, progress=False)
        assert extended.merges == expected.merges
        assert extended.algorithm == "superbpe"


def test_superbpe_compresses_more_than_bpe() -> None:
    """At equal vocabulary, superwords cut the tokens of held-out prose (the second half of Hamlet)."""
    text = (Path(__file__).parent.parent / "corpora" / "en" / "shakespeare_hamlet.txt").read_text()
    train, held_out = text[: len(text) // 2], text[len(text) // 2 :]
    bpe = fasttok.train(iter([train]), vocab_size=2000, progress=False)
    superbpe = fasttok.train(iter([train]), algorithm="superbpe", vocab_size=2000, transition=1400, progress=False)
    assert len(superbpe.encode(held_out)) < 0.95 * len(bpe.encode(held_out))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"vocab_size": 300, "transition": 100}, "vocab_size"),
        ({"vocab_size": 400, "transition": -1}, "transition"),
        ({"vocab_size": 400, "transition": 10, "stage2_pretokenizer": "(unclosed"}, "unclosed"),
        ({"vocab_size": 400, "transition": 10, "tie_break": "random"}, "tie_break"),
    ],
)
def test_bad_options_raise_clear_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(fasttok.FasttokError, match=message):
        fasttok.train(iter(["some text\n"]), algorithm="superbpe", progress=False, **options)  # type: ignore[arg-type]


def test_tiktoken_export_is_refused_where_one_regex_cannot_express_it() -> None:
    with pytest.raises(fasttok.ParameterError, match="tiktoken"):
        hf_parity_tokenizer("superbpe-stage2", True).to_tiktoken()


def test_extend_rejects_a_transition_beyond_the_base() -> None:
    base = fasttok.train(iter(["low lower lowest\n"] * 10), vocab_size=270, progress=False)
    with pytest.raises(fasttok.ParameterError, match="transition"):
        fasttok.extend(base, iter(["low lower\n"]), vocab_size=400, transition=len(base.merges) + 2, progress=False)
