"""Foreign bytes, adversarial corpora, interrupts and threads: every entry point ends with a
result or a clear ``FasttokError``; a Rust panic (``PanicException``, a ``BaseException``)
would fail these tests. The rows of docs/robustness.md point here."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import fasttok
import pytest
from fasttok import _fasttok
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from peers import start_cli

CORPORA = Path(__file__).resolve().parent.parent / "corpora"
SAMPLE = (CORPORA / "sample.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tokenizer() -> fasttok.Tokenizer:
    return fasttok.train(iter([SAMPLE]), vocab_size=400, special_tokens=["<|end|>"], progress=False)


# ------------------------------------------------------------------ parsers of foreign bytes


def sealed(content: bytes) -> bytes:
    """``content`` with the CRC-32 a counts file ends with (zlib's is the same CRC)."""
    return content + zlib.crc32(content).to_bytes(4, "little")


@given(st.binary(max_size=200))
def test_counts_from_arbitrary_bytes(data) -> None:
    for candidate in (data, sealed(b"FTKCOUNT" + data)):
        try:
            counts = fasttok.Counts.from_bytes(candidate)
        except fasttok.FormatError:
            continue
        assert fasttok.Counts.from_bytes(counts.to_bytes()) == counts


@given(st.data())
def test_counts_from_mutated_files(data) -> None:
    valid = fasttok.Counts.from_items([(b"", 2), (b"the", 5), (b"then", 1), ("é".encode(), 3)]).to_bytes()
    content = bytearray(valid[:-4])
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(content)))
        action = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        if action == "flip" and at < len(content):
            content[at] ^= data.draw(st.integers(1, 255))
        elif action == "insert":
            content[at:at] = data.draw(st.binary(min_size=1, max_size=4))
        elif at < len(content):
            del content[at]
    try:
        counts = fasttok.Counts.from_bytes(sealed(bytes(content)))
    except fasttok.FormatError:
        return
    assert all(count > 0 for _, count in counts.items())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@given(st.data())
def test_tokenizer_json_with_mutated_fields(tokenizer, data) -> None:
    document = json.loads(tokenizer.to_hf_json())
    for _ in range(data.draw(st.integers(1, 3))):
        parent = document
        path = data.draw(st.lists(st.sampled_from(["model", "pre_tokenizer", "decoder", "added_tokens", "vocab", "merges"]), max_size=2))
        for key in path:
            if isinstance(parent, dict) and isinstance(parent.get(key), (dict, list)):
                parent = parent[key]
        if isinstance(parent, dict) and parent:
            key = data.draw(st.sampled_from(sorted(parent)))
            if data.draw(st.booleans()):
                del parent[key]
            else:
                parent[key] = data.draw(json_values)
        elif isinstance(parent, list) and parent:
            parent[data.draw(st.integers(0, len(parent) - 1))] = data.draw(json_values)
    try:
        loaded = _fasttok.Tokenizer.from_json(json.dumps(document), None)
    except fasttok.FasttokError:
        return
    ids = loaded.encode("Hello, world! 123")
    assert loaded.decode_bytes(ids) == b"Hello, world! 123"


@given(st.text(max_size=300))
def test_tokenizer_json_from_arbitrary_text(text) -> None:
    with pytest.raises(fasttok.FasttokError):
        _fasttok.Tokenizer.from_json(text, None)


@given(st.lists(st.tuples(st.binary(min_size=1, max_size=4), st.integers(-3, 300)), max_size=40), st.booleans())
def test_tiktoken_rank_files(tmp_path_factory, entries, shuffle) -> None:
    import base64

    lines = [f"{base64.b64encode(token).decode()} {rank}" for token, rank in entries]
    if shuffle:
        random.Random(0).shuffle(lines)
    path = tmp_path_factory.mktemp("tiktoken") / "ranks.tiktoken"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    try:
        loaded = fasttok.Tokenizer.from_tiktoken(path, pretokenizer="gpt2")
    except fasttok.FormatError:
        return
    assert loaded.decode(loaded.encode("any text at all")) == "any text at all"


@given(st.lists(st.integers(0, 2**32 - 1), max_size=60))
def test_decoding_arbitrary_ids(tokenizer, ids) -> None:
    try:
        text = tokenizer.decode_bytes(ids)
    except fasttok.TokenIdError as err:
        assert any(id >= tokenizer.vocab_size for id in ids), err
        return
    assert all(id < tokenizer.vocab_size for id in ids) and isinstance(text, bytes)


@given(st.lists(st.integers(0, 400), max_size=80), st.integers(0, 40), st.integers(1, 5), st.booleans())
def test_lzw_decoding_arbitrary_codes(codes, codebook_size, max_merge, strict) -> None:
    codec = fasttok.lzw.Codec(256, codebook_size, max_merge)
    try:
        decoded = codec.decode(codes, strict=strict)
    except fasttok.TokenIdError:
        return
    assert all(id < 256 for id in decoded.ids)
    # What decodes is what the encoder would have produced from those ids, or (lenient
    # mode) a model's extra code; either way it round-trips through the encoder's ids.
    assert list(codec.decode(codec.encode(decoded.ids).codes).ids) == list(decoded.ids)


#: Byte-level characters of GPT-2's merges.txt (Ġ is a space), with stray ASCII.
MERGE_PARTS = st.text(alphabet=st.sampled_from(list("abĠthe\u0120\u010a é#")), min_size=0, max_size=4)


@given(
    st.lists(st.lists(MERGE_PARTS, min_size=0, max_size=3).map(" ".join), max_size=12),
    st.sampled_from(["", "#version: 0.2\n"]),
)
def test_merges_txt_for_the_mixture(tmp_path_factory, lines, header) -> None:
    """Any merges.txt: a FormatError naming the file and line, or α on the simplex."""
    path = tmp_path_factory.mktemp("merges") / "merges.txt"
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    try:
        result = fasttok.infer_mixture(path, {"a": iter(["the cat sat"]), "b": iter(["a hat and a bat"])}, progress=False)
    except fasttok.FormatError as err:
        assert str(path) in str(err) and "line" in str(err), err
        return
    assert abs(result.pair_shares.sum() - 1) < 1e-9 and result.pair_shares.min() >= -1e-12 and result.objective >= 0


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5), lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["model", "type", "vocab", "merges", "pre_tokenizer", "normalizer"]), children, max_size=4)))
def test_tokenizer_json_for_the_mixture(tmp_path_factory, document) -> None:
    """Any JSON, or a mutated BPE document, as tokenizer.json: a FormatError naming the file."""
    path = tmp_path_factory.mktemp("json") / "tokenizer.json"
    for text in (json.dumps(document), json.dumps({"model": {"type": "BPE", "vocab": document, "merges": document}}), "{not json"):
        path.write_text(text, encoding="utf-8")
        try:
            fasttok.infer_mixture(path, {"a": iter(["the cat"]), "b": iter(["a hat"])}, progress=False)
        except fasttok.FormatError as err:
            assert str(path) in str(err), err


# ------------------------------------------------------------------ adversarial corpora


def test_empty_input_is_a_clear_error(tmp_path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for algorithm in ("bpe", "superbpe", "unigram"):
        with pytest.raises(fasttok.CorpusError, match="empty corpus"):
            fasttok.train(empty, algorithm=algorithm, vocab_size=300, progress=False)
    assert len(fasttok.count(empty)) == 0


def test_empty_special_tokens_are_refused(tokenizer) -> None:
    """An empty special token could never be matched (the fuzz target `models` found one
    splitting a character when matched); training refuses it."""
    from fasttok.train import ALGORITHMS

    for algorithm in ALGORITHMS:
        with pytest.raises(fasttok.ParameterError, match="special_tokens"):
            fasttok.train(iter([SAMPLE]), algorithm=algorithm, vocab_size=600, special_tokens=["<s>", ""])
    with pytest.raises(fasttok.ParameterError, match="special_tokens"):
        fasttok.extend(tokenizer, iter([SAMPLE]), vocab_size=600, special_tokens=[""])


@pytest.mark.parametrize("algorithm", ["bpe", "superbpe", "unigram"])
def test_degenerate_corpora_train_and_round_trip(tmp_path, algorithm) -> None:
    rng = random.Random(0)
    corpora = {
        "identical": b"a" * 3_000_000,
        "one line, no whitespace": "".join(rng.choice("abcdefghé,.") for _ in range(2_000_000)).encode(),
        "random bytes": bytes(rng.getrandbits(8) for _ in range(300_000)),
    }
    for name, data in corpora.items():
        path = tmp_path / "corpus.txt"
        path.write_bytes(data)
        # Character units would need every one of random bytes' ~3,000 characters as a piece
        # (a clear ParameterError at this size); byte units fit any text.
        options = {"units": "bytes"} if algorithm == "unigram" else {}
        tokenizer = fasttok.train(path, algorithm=algorithm, vocab_size=2_000, errors="replace", progress=False, **options)
        assert tokenizer.vocab_size <= 2_000, name
        text = data.decode("utf-8", "replace")[:20_000]
        assert tokenizer.decode(tokenizer.encode(text)) == text, name


def test_overlong_pieces_are_refused_before_training(tmp_path) -> None:
    path = tmp_path / "dna.txt"
    path.write_bytes(b"ACGT" * 300_000 + b" short words\n")
    with pytest.raises(fasttok.CorpusError, match=r"piece of 1200000 bytes in .*dna\.txt exceeds the limit of 1000000"):
        fasttok.train(path, vocab_size=300, max_piece_bytes=1_000_000, progress=False)
    with pytest.raises(fasttok.CorpusError, match="a piece of 1200000 bytes in a document"):
        fasttok.count(iter([path.read_text()]), max_piece_bytes=1_000_000)
    assert fasttok.count(path, max_piece_bytes=1_200_000).get(b"ACGT" * 300_000) == 1


def test_invalid_utf8_mid_file_names_the_offset(tmp_path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"good text\n" * 100_000 + b"\xc3\x28 bad" + b" more\n" * 10)
    with pytest.raises(fasttok.CorpusError, match=r"mixed\.txt at byte offset 1000000"):
        fasttok.train(path, vocab_size=300, progress=False)


def test_vocab_larger_than_the_corpus_supports() -> None:
    tokenizer = fasttok.train(iter(["abab abab"]), vocab_size=100_000, progress=False)
    assert 256 < tokenizer.vocab_size < 300
    unigram = fasttok.train(iter(["abab abab"]), algorithm="unigram", vocab_size=100_000, progress=False)
    assert unigram.decode(unigram.encode("abab")) == "abab"


def test_many_tiny_files(tmp_path) -> None:
    texts = [f"file {i} says {i % 7} things\n" for i in range(3_000)]
    for i, text in enumerate(texts):
        (tmp_path / f"{i:05}.txt").write_text(text, encoding="utf-8")
    assert fasttok.count(tmp_path, progress=False) == fasttok.count(iter(texts), progress=False)


# ------------------------------------------------------------------ interrupts and threads


def interrupted(tmp_path: Path, args: list[str], after_s: float) -> tuple[int, float]:
    """Run the CLI, send SIGINT after ``after_s``; its exit code and seconds to stop."""
    process = start_cli(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
    time.sleep(after_s)
    assert process.poll() is None, "finished before the interrupt: make the job longer"
    sent = time.perf_counter()
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=30)
    return code, time.perf_counter() - sent


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery")
def test_ctrl_c_stops_counting_and_training_promptly(tmp_path) -> None:
    rng = random.Random(1)
    words = ["".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(2, 12))) for _ in range(200_000)]
    with open(tmp_path / "big.txt", "w", encoding="utf-8") as file:
        for _ in range(60):
            rng.shuffle(words)
            file.write(" ".join(words) + "\n")
    # LiB reads sentences: lines of 20 words (it polls between sentences).
    with open(tmp_path / "lines.txt", "w", encoding="utf-8") as file:
        file.writelines(" ".join(words[start : start + 20]) + "\n" for start in range(0, len(words), 20))
    # Each job takes 1–10 s uninterrupted on the 2-core CI machine; the signal comes while
    # it counts, runs EM, merges (SuperBPE's stage 2) or reads articles (LiB).
    for args, after_s in (
        (["count", "big.txt", "-o", "out.counts"], 0.3),
        (["train", "big.txt", "-a", "unigram", "-v", "50000", "-o", "tok"], 2.5),
        (["train", "big.txt", "-a", "superbpe", "-v", "50000", "-o", "tok"], 4.0),
        (["train", "lines.txt", "-a", "lib", "--steps", "5000", "-o", "tok"], 2.0),
    ):
        code, stop_s = interrupted(tmp_path, [*args, "-q"], after_s)
        assert code == 130, args
        assert stop_s < 2.0, f"{args}: {stop_s:.2f} s to stop"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt", "lines.txt"], args


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery")
def test_ctrl_c_stops_the_mixture_lp(tmp_path) -> None:
    # Training and samples differ, so the LP needs hundreds of rounds (minutes).
    training = ["en/shakespeare_hamlet.txt", "code/python_heapq.py", "code/go_strings.go", "udhr/de_Latn.txt"]
    fasttok.train([CORPORA / name for name in training], vocab_size=4000, progress=False).save(tmp_path / "tok")
    samples = {"en": "en/kjv_genesis_exodus.txt", "py": "code/python_textwrap.py", "js": "code/js_acorn_jsx.js"}
    categories = [arg for name, path in samples.items() for arg in ("-c", f"{name}={CORPORA / path}")]
    args = ["infer-mixture", "--tokenizer", "tok", *categories, "-T", "3700", "--json", "out.json"]
    code, stop_s = interrupted(tmp_path, [*args, "-q"], 2.0)
    assert code == 130 and stop_s < 2.0, stop_s
    assert not (tmp_path / "out.json").exists()


def test_encoding_from_many_threads_is_safe(tokenizer) -> None:
    lines = SAMPLE.splitlines()
    expected = [tokenizer.encode(line) for line in lines]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            assert list(pool.map(tokenizer.encode, lines)) == expected
        batches = list(pool.map(lambda _: tokenizer.encode_batch(lines), range(8)))
    assert all(list(map(list, batch)) == expected for batch in batches)


# ------------------------------------------------------------------ LZW streaming, stateful


class StreamingManager(RuleBasedStateMachine):
    """Generation feeds each row's codes a few at a time, batches restart with ``reset``:
    after every step, each row's codebook is the one decoding all its codes so far gives."""

    PAD = 0

    def __init__(self) -> None:
        super().__init__()
        self.codec = fasttok.lzw.Codec(12, 10, 3, pad_id=self.PAD)
        self.manager = self.codec.manager()
        self.pending: list[list[int]] = []
        self.fed: list[list[int]] = []

    @initialize(rows=st.lists(st.lists(st.integers(1, 11), max_size=30), min_size=1, max_size=3))
    def start(self, rows: list[list[int]]) -> None:
        self.begin(rows)

    def begin(self, rows: list[list[int]]) -> None:
        self.pending = [self.codec.encode(row).codes.tolist() for row in rows]
        self.fed = [[] for _ in rows]

    @rule(take=st.lists(st.integers(0, 3), min_size=3, max_size=3))
    def step(self, take: list[int]) -> None:
        step = []
        for row, count in enumerate(take[: len(self.pending)]):
            codes, self.pending[row] = self.pending[row][:count], self.pending[row][count:]
            self.fed[row] += codes
            step.append(codes or [self.PAD])
        updates, slots = self.manager.update(step)
        assert len(slots) == len(step) and updates.shape[0] == len(step)

    @rule(rows=st.lists(st.lists(st.integers(1, 11), max_size=30), min_size=1, max_size=3))
    def restart(self, rows: list[list[int]]) -> None:
        self.manager.reset()
        self.begin(rows)

    @invariant()
    def codebooks_equal_decoding_everything_fed(self) -> None:
        if not any(self.fed):
            return
        expected = [self.codec.decode(codes).codebook for codes in self.fed]
        assert self.manager.codebooks() == expected


TestStreamingManager = StreamingManager.TestCase
