"""Data-mixture inference: replay transcripts, the LP, tokenizer sources, CLI.

The exactness tests follow the paper's argument: a tokenizer trained on ``r_i`` copies of
category texts ``D_i`` has pair counts ``Σ r_i c_i`` at every step, so attacking it with
the same ``D_i`` must give byte shares ``r_i |D_i| / Σ_j r_j |D_j|`` and objective 0.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tokenizers import Tokenizer as HfTokenizer
from tokenizers import models, normalizers, pre_tokenizers, trainers

import fasttok
from fasttok import _fasttok
from fasttok.cli import main
from fasttok.mixture import _without_redundant

CORPORA = Path(__file__).parent.parent / "corpora"
FILES = {
    "hamlet": CORPORA / "en" / "shakespeare_hamlet.txt",
    "genesis": CORPORA / "en" / "kjv_genesis_exodus.txt",
    "python": CORPORA / "code" / "python_heapq.py",
    "go": CORPORA / "code" / "go_strings.go",
    "rust": CORPORA / "code" / "rust_str_pattern.rs",
}
TEXTS = {name: path.read_text(encoding="utf-8") for name, path in FILES.items()}
COPIES = {"hamlet": 1, "genesis": 2, "python": 3, "go": 1, "rust": 2}


def training_documents(copies: dict[str, int]) -> list[str]:
    return [TEXTS[name] for name, r in copies.items() for _ in range(r)]


def true_byte_shares(copies: dict[str, int]) -> np.ndarray:
    sizes = np.array([r * len(TEXTS[name].encode()) for name, r in copies.items()], dtype=float)
    return sizes / sizes.sum()


def samples(names: list[str]) -> dict[str, object]:
    return {name: iter([TEXTS[name]]) for name in names}


@pytest.fixture(scope="module")
def mixed_tokenizer() -> fasttok.Tokenizer:
    return fasttok.train(iter(training_documents(COPIES)), vocab_size=2500)


def hf_trained(pre_tokenizer: object, normalizer: object = None, vocab_size: int = 2500) -> HfTokenizer:
    hf = HfTokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizer
    if normalizer is not None:
        hf.normalizer = normalizer
    alphabet = pre_tokenizers.ByteLevel.alphabet() if "ByteLevel" in repr(pre_tokenizer) else []
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=alphabet, show_progress=False)
    hf.train_from_iterator(training_documents(COPIES), trainer)
    return hf


# ==================== Exactness


@pytest.mark.parametrize("solver", ["highspy", "scipy"])
def test_fasttok_tokenizer_gives_the_exact_byte_shares(mixed_tokenizer: fasttok.Tokenizer, solver: str) -> None:
    result = fasttok.infer_mixture(mixed_tokenizer, samples(list(COPIES)), solver=solver)
    assert result.solver == solver
    assert result.objective == pytest.approx(0, abs=1e-9)
    np.testing.assert_allclose(result.byte_shares, true_byte_shares(COPIES), atol=1e-6)
    assert result.categories == tuple(COPIES)
    assert result.steps == len(mixed_tokenizer.merges) and not result.missing_merges


@pytest.mark.parametrize(
    "pre_tokenizer, normalizer",
    [
        # fasttok imports this one (the GPT-2 pretokenizer)
        (pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True), None),
        # the paper's controlled tokenizers: Digits, then GPT-2 on bytes (replayed over the
        # pieces of the `tokenizers` pre-tokenizer)
        (
            pre_tokenizers.Sequence(
                [pre_tokenizers.Digits(individual_digits=False), pre_tokenizers.ByteLevel(add_prefix_space=False)]
            ),
            None,
        ),
        # character-level BPE with a normalizer
        (pre_tokenizers.Whitespace(), normalizers.NFC()),
    ],
    ids=["byte-level", "digits-byte-level", "char-level"],
)
def test_hf_trained_tokenizers_give_the_exact_byte_shares(pre_tokenizer: object, normalizer: object) -> None:
    hf = hf_trained(pre_tokenizer, normalizer)
    result = fasttok.infer_mixture(hf, samples(list(COPIES)))
    assert result.objective == pytest.approx(0, abs=1e-9)
    np.testing.assert_allclose(result.byte_shares, true_byte_shares(COPIES), atol=1e-6)


def test_every_file_format_gives_the_same_result(mixed_tokenizer: fasttok.Tokenizer, tmp_path: Path) -> None:
    expected = fasttok.infer_mixture(mixed_tokenizer, samples(list(COPIES)))
    mixed_tokenizer.save(tmp_path / "saved")
    mixed_tokenizer.save_tiktoken(tmp_path / "mixed.tiktoken")
    hf = HfTokenizer.from_str(mixed_tokenizer.to_hf_json())
    hf.model.save(str(tmp_path))  # vocab.json + merges.txt
    sources = {
        "directory": tmp_path / "saved",
        "tokenizer.json": tmp_path / "saved" / "tokenizer.json",
        "hf object": hf,
        "tiktoken": tmp_path / "mixed.tiktoken",
        "merges.txt": tmp_path / "merges.txt",
    }
    for name, source in sources.items():
        result = fasttok.infer_mixture(source, samples(list(COPIES)), pretokenizer="gpt2")
        np.testing.assert_allclose(result.byte_shares, expected.byte_shares, atol=1e-9, err_msg=name)


def test_word_counts_and_paths_are_samples(mixed_tokenizer: fasttok.Tokenizer) -> None:
    by_text = fasttok.infer_mixture(mixed_tokenizer, samples(["hamlet", "python"]), merges=500)
    counted = {"hamlet": fasttok.count(FILES["hamlet"]), "python": FILES["python"]}
    by_counts = fasttok.infer_mixture(mixed_tokenizer, counted, merges=500)
    np.testing.assert_allclose(by_counts.pair_shares, by_text.pair_shares, atol=1e-12)


def test_an_extended_tokenizer_is_attacked_from_its_own_merges(mixed_tokenizer: fasttok.Tokenizer) -> None:
    """The merges a second mixture added, attacked with ``start``, reveal that mixture."""
    copies = {"hamlet": 3, "genesis": 1, "python": 1, "go": 4, "rust": 1}
    extended = fasttok.train(iter(training_documents(copies)), vocab_size=2500)
    shared = next(
        (i for i, (a, b) in enumerate(zip(mixed_tokenizer.merges, extended.merges)) if a != b),
        len(extended.merges),
    )
    # Replaying from `start` records the counts the full replay has at that step.
    full = _fasttok.MixtureProblem(extended.merges, [fasttok.count(FILES["go"])])
    tail = _fasttok.MixtureProblem(extended.merges, [fasttok.count(FILES["go"])], skip=shared)
    assert tail.steps == full.steps - shared
    assert counts_after(full.transcript(0), shared) == counts_after(tail.transcript(0), 0)
    result = fasttok.infer_mixture(extended, samples(list(copies)), start=shared)
    assert result.start == shared and result.steps == len(extended.merges) - shared
    np.testing.assert_allclose(result.byte_shares, true_byte_shares(copies), atol=1e-6)


# ==================== Transcripts against a naive recount


def counts_after(transcript: dict[str, np.ndarray], steps: int) -> dict[tuple[int, int], int]:
    """Pair counts after ``steps`` recorded steps, rebuilt from a transcript."""
    counts = {tuple(pair): int(c) for pair, c in zip(transcript["initial_pairs"].tolist(), transcript["initial_counts"])}
    offsets = transcript["step_offsets"]
    for pair, count in zip(
        transcript["change_pairs"][: offsets[steps]].tolist(), transcript["change_counts"][: offsets[steps]].tolist()
    ):
        counts[tuple(pair)] = count
    return {pair: count for pair, count in counts.items() if count}


def naive_counts(words: Counter[bytes], merges: list[tuple[bytes, bytes]]) -> list[Counter[tuple[bytes, bytes]]]:
    """Pair counts (as token bytes) before any merge and after each: merge left to right."""
    segmented = {word: [bytes([b]) for b in word] for word in words}
    history = []
    for step in range(len(merges) + 1):
        counts: Counter[tuple[bytes, bytes]] = Counter()
        for word, symbols in segmented.items():
            for pair in zip(symbols, symbols[1:]):
                counts[pair] += words[word]
        history.append(counts)
        if step == len(merges):
            break
        left, right = merges[step]
        for word, symbols in segmented.items():
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                    merged.append(left + right)
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            segmented[word] = merged
    return history


words_strategy = st.dictionaries(
    st.binary(min_size=2, max_size=8).map(lambda b: bytes(97 + x % 4 for x in b)), st.integers(1, 9), min_size=1
)


@given(words=words_strategy, data=st.data())
def test_transcript_equals_a_naive_recount_after_every_step(words: dict[bytes, int], data: st.DataObject) -> None:
    tokens = [b"a", b"b", b"c", b"d"]
    merges = []
    for _ in range(data.draw(st.integers(1, 8))):
        left, right = data.draw(st.sampled_from(tokens)), data.draw(st.sampled_from(tokens))
        merges.append((left, right))
        tokens.append(left + right)
    counts = fasttok.Counts.from_items(list(words.items()))
    problem = _fasttok.MixtureProblem(merges, [counts])
    transcript = problem.transcript(0)
    for step, expected in enumerate(naive_counts(Counter(words), merges)):
        got = {
            (problem.token(left), problem.token(right)): count
            for (left, right), count in counts_after(transcript, step).items()
        }
        assert got == {pair: count for pair, count in expected.items() if count}, f"after {step} merges"
    applied = transcript["applied"].tolist()
    history = naive_counts(Counter(words), merges)
    assert applied == [history[step][merge] > 0 for step, merge in enumerate(merges)]


@given(
    copies=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    vocab=st.integers(300, 700),
)
def test_random_mixtures_land_on_the_simplex(copies: list[int], vocab: int) -> None:
    names = list(COPIES)[: len(copies)]
    mixture = dict(zip(names, copies))
    # Short excerpts keep the example fast; the property holds for any mixture.
    excerpt = {name: TEXTS[name][:20_000] for name in names}
    tokenizer = fasttok.train(iter([excerpt[n] for n, r in mixture.items() for _ in range(r)]), vocab_size=vocab)
    result = fasttok.infer_mixture(tokenizer, {n: iter([excerpt[n]]) for n in names})
    for shares in (result.pair_shares, result.byte_shares):
        assert np.all(shares >= 0) and shares.sum() == pytest.approx(1)
    assert result.objective >= 0
    sizes = np.array([r * len(excerpt[n].encode()) for n, r in mixture.items()], dtype=float)
    # Exact data: the true mixture is feasible with zero slack, so the optimum is 0.
    assert result.objective == pytest.approx(0, abs=1e-9)
    assert result.rows >= 0 and result.byte_shares.shape == sizes.shape


def monolithic_objective(problem: _fasttok.MixtureProblem, merges: list[tuple[bytes, bytes]]) -> float:
    """The LP of the module docstring with every row at once, from the transcripts, by scipy."""
    from scipy import sparse
    from scipy.optimize import linprog

    n, steps = problem.categories, problem.steps
    transcripts = [problem.transcript(i) for i in range(n)]
    scale = 1e6 / problem.sample_pairs().astype(float)
    pair_column: dict[tuple[bytes, bytes], int] = {}
    rows, columns, values = [], [], []
    for step in range(steps):
        mixed: dict[tuple[bytes, bytes], np.ndarray] = {}
        for i, transcript in enumerate(transcripts):
            for (left, right), count in counts_after(transcript, step).items():
                mixed.setdefault((problem.token(left), problem.token(right)), np.zeros(n))[i] = count * scale[i]
        merge = mixed.get(merges[step])
        if merge is None:
            continue  # a merge no sample has constrains nothing
        for pair, counts in mixed.items():
            if pair == merges[step]:
                continue
            row = len(rows) // (n + 2)
            slack = n + steps + pair_column.setdefault(pair, len(pair_column))
            for column, value in [*enumerate(merge - counts), (n + step, 1.0), (slack, 1.0)]:
                rows.append(row)
                columns.append(column)
                values.append(value)
    width = n + steps + len(pair_column)
    matrix = sparse.csr_matrix((values, (rows, columns)), shape=(max(rows, default=-1) + 1, width))
    result = linprog(
        np.concatenate([np.zeros(n), np.ones(width - n)]),
        A_ub=-matrix,
        b_ub=np.zeros(matrix.shape[0]),
        A_eq=np.concatenate([np.ones(n), np.zeros(width - n)])[None, :],
        b_eq=[1.0],
        bounds=[(0.0, 1.0)] * n + [(0.0, None)] * (width - n),
        method="highs-ds",
    )
    assert result.status == 0
    return float(result.fun)


@given(
    copies=st.lists(st.integers(1, 4), min_size=2, max_size=3),
    offset=st.integers(0, 5_000),
    per_round=st.integers(1, 40),
    solver=st.sampled_from(["highspy", "scipy"]),
)
def test_lazy_rows_reach_the_optimum_of_the_whole_lp(copies: list[int], offset: int, per_round: int, solver: str) -> None:
    """Samples that differ from the training text violate rows, so slacks are active:
    runs entered through the segment tree, in growing rounds, end at the optimum of all
    rows at once."""
    names = list(COPIES)[: len(copies)]
    training = [TEXTS[name][:3_000] for name, r in zip(names, copies) for _ in range(r)]
    tokenizer = fasttok.train(iter(training), vocab_size=256 + 40)
    sampled = {name: iter([TEXTS[name][3_000 + offset : 6_000 + offset]]) for name in names}
    result = fasttok.infer_mixture(tokenizer, sampled, per_step=3, per_round=per_round, solver=solver)
    counts = [fasttok.count(iter([TEXTS[name][3_000 + offset : 6_000 + offset]]), pretokenizer=tokenizer.pretokenizer)
              for name in names]
    expected = monolithic_objective(_fasttok.MixtureProblem(tokenizer.merges, counts), tokenizer.merges)
    assert expected > 0
    assert result.objective == pytest.approx(expected, rel=1e-7, abs=1e-6)


def test_sweep_runs_and_merge_counts_match_a_recount(mixed_tokenizer: fasttok.Tokenizer) -> None:
    """Each violated row comes with the longest run of steps over which its pair keeps
    the returned counts, and each step's merge counts are those before the step."""
    problem = _fasttok.MixtureProblem(mixed_tokenizer.merges, [fasttok.count(FILES[name]) for name in ("hamlet", "rust")],
                                      steps=200)
    n, steps = problem.categories, problem.steps
    scale = 1e6 / problem.sample_pairs().astype(float)
    transcripts = [problem.transcript(i) for i in range(n)]

    def mixed(step: int) -> dict[tuple[bytes, bytes], np.ndarray]:
        counts: dict[tuple[bytes, bytes], np.ndarray] = {}
        for i, transcript in enumerate(transcripts):
            for (left, right), count in counts_after(transcript, step).items():
                counts.setdefault((problem.token(left), problem.token(right)), np.zeros(n))[i] = count * scale[i]
        return counts

    table = [mixed(step) for step in range(steps)]
    merge_counts = problem.merge_counts()
    for step, (left, right) in enumerate(mixed_tokenizer.merges[:steps]):
        np.testing.assert_allclose(merge_counts[step], table[step].get((left, right), np.zeros(n)))
    found, pairs, firsts, lasts, counts = problem.sweep(np.array([0.5, 0.5]), np.zeros(steps),
                                                        np.zeros(problem.pair_count), per_step=50, per_round=10**6)
    assert len(found) > 0
    for pair, first, last, pair_counts in zip(pairs.tolist(), firsts.tolist(), lasts.tolist(), counts):
        history = [table[step].get(problem.pair_tokens(pair), np.zeros(n)) for step in range(steps)]
        assert all(np.allclose(history[step], pair_counts) for step in range(first, last + 1))
        assert first == 0 or not np.allclose(history[first - 1], pair_counts)
        assert last == steps - 1 or not np.allclose(history[last + 1], pair_counts)


def test_transcripts_do_not_depend_on_threads(mixed_tokenizer: fasttok.Tokenizer) -> None:
    counts = [fasttok.count(FILES[name]) for name in ("hamlet", "rust")]
    one = _fasttok.MixtureProblem(mixed_tokenizer.merges, counts, num_threads=1)
    three = _fasttok.MixtureProblem(mixed_tokenizer.merges, counts, num_threads=3)
    for category in range(2):
        a, b = one.transcript(category), three.transcript(category)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


# ==================== Merge-list hygiene and reporting


def test_redundant_merges_are_removed(mixed_tokenizer: fasttok.Tokenizer) -> None:
    merges = mixed_tokenizer.merges
    # After each merge building a token of 3+ bytes, add the alternative split of that
    # token into two existing tokens, as SentencePiece → HF conversion lists them.
    vocab = {left + right for left, right in merges} | {bytes([b]) for b in range(256)}
    redundant = []
    for left, right in merges:
        redundant.append((left, right))
        token = left + right
        for cut in range(1, len(token)):
            if cut != len(left) and token[:cut] in vocab and token[cut:] in vocab:
                redundant.append((token[:cut], token[cut:]))
                break
    assert len(redundant) > len(merges)
    assert _without_redundant(redundant, "bytes") == merges


def test_merges_absent_from_every_sample_are_reported(mixed_tokenizer: fasttok.Tokenizer) -> None:
    prose = [fasttok.count(FILES["hamlet"]), fasttok.count(FILES["genesis"])]
    problem = _fasttok.MixtureProblem(mixed_tokenizer.merges, prose, skip=100, steps=1500)
    applied = np.logical_or(problem.transcript(0)["applied"], problem.transcript(1)["applied"])
    missing = problem.missing_steps()
    assert missing and missing == np.flatnonzero(~applied).tolist()
    result = fasttok.infer_mixture(mixed_tokenizer, samples(["hamlet", "genesis"]), start=100, merges=1500)
    assert list(result.missing_merges) == [100 + step for step in missing]


def test_result_reports_table_records_and_json(mixed_tokenizer: fasttok.Tokenizer) -> None:
    result = fasttok.infer_mixture(mixed_tokenizer, samples(["hamlet", "python"]), merges=300)
    assert set(result.as_dict()) == {"hamlet", "python"}
    assert result.as_dict("pairs") == pytest.approx(dict(zip(result.categories, result.pair_shares)))
    assert [row["category"] for row in result.records()] == ["hamlet", "python"]
    assert "hamlet" in str(result) and "objective" in result.table()
    with pytest.raises(fasttok.ParameterError, match="unit"):
        result.as_dict("tokens")


def test_cli_prints_the_table_and_writes_json(
    mixed_tokenizer: fasttok.Tokenizer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mixed_tokenizer.save(tmp_path / "tok")
    argv = ["infer-mixture", "--tokenizer", str(tmp_path / "tok"), "-q", "--json", str(tmp_path / "r.json")]
    for name in COPIES:
        argv += ["--category", f"{name}={FILES[name]}"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert all(name in printed for name in COPIES)
    shares = {row["category"]: row["byte_share"] for row in json.loads((tmp_path / "r.json").read_text())["categories"]}
    np.testing.assert_allclose(list(shares.values()), true_byte_shares(COPIES), atol=1e-6)
    assert main(["infer-mixture", "--tokenizer", str(tmp_path / "tok"), "--category", "nameless"]) == 2


# ==================== Clear errors


def test_bad_inputs_raise_clear_errors(mixed_tokenizer: fasttok.Tokenizer, tmp_path: Path) -> None:
    with pytest.raises(fasttok.ParameterError, match="samples"):
        fasttok.infer_mixture(mixed_tokenizer, {})
    with pytest.raises(fasttok.ParameterError, match="start"):
        fasttok.infer_mixture(mixed_tokenizer, samples(["hamlet"]), start=10**6)
    with pytest.raises(fasttok.ParameterError, match="solver"):
        fasttok.infer_mixture(mixed_tokenizer, samples(["hamlet"]), solver="gurobi")
    with pytest.raises(fasttok.ParameterError, match="merges"):
        fasttok.infer_mixture(mixed_tokenizer, samples(["hamlet"]), merges=0)
    with pytest.raises(fasttok.ParameterError, match="empty sample"):
        fasttok.infer_mixture(mixed_tokenizer, {"hamlet": iter([TEXTS["hamlet"]]), "empty": iter([""])})
    bad_merges = tmp_path / "merges.txt"
    bad_merges.write_text("#version: 0.2\nĠ t\nthree parts here\n", encoding="utf-8")
    with pytest.raises(fasttok.FormatError, match="line 3"):
        fasttok.infer_mixture(bad_merges, samples(["hamlet"]))
    mixed_tokenizer.save_tiktoken(tmp_path / "unnamed.tiktoken")
    with pytest.raises(fasttok.ParameterError, match="pretokenizer"):
        fasttok.infer_mixture(tmp_path / "unnamed.tiktoken", samples(["hamlet"]))
    (tmp_path / "broken.tiktoken").write_text("YQ== 0\nnot base64! 1\n", encoding="ascii")
    with pytest.raises(fasttok.FormatError, match="line 2"):
        fasttok.Tokenizer.from_tiktoken(tmp_path / "broken.tiktoken", pretokenizer="gpt2")
