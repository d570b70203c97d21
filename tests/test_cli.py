"""The ``fasttok`` command: train, encode, decode, info, lzw, errors and Ctrl-C."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import fasttok
import pytest
from fasttok.cli import main
from peers import CORPORA, start_cli

SAMPLE = CORPORA / "sample.txt"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fasttok", *args], input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("cli") / "tok"
    result = run("train", str(SAMPLE), "-o", str(output), "-v", "2000", "--special-token", "<eos>", "-j", "2")
    assert result.returncode == 0, result.stderr
    assert "vocab_size=2000" in result.stdout
    return output


def test_train_writes_a_loadable_tokenizer(saved: Path) -> None:
    tokenizer = fasttok.Tokenizer.load(saved)
    assert tokenizer.vocab_size == 2000 and tokenizer.special_tokens == {"<eos>": 1999}
    assert tokenizer == fasttok.train(SAMPLE, vocab_size=2000, special_tokens=["<eos>"], progress=False)


def test_superbpe_train_and_extend(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`train -a superbpe` equals the API; `extend` adds stage 2 to a saved BPE tokenizer."""
    english = CORPORA / "en"
    args = ["-v", "1500", "-t", "900", "--max-words", "3", "--forbidden", ", ", "-q"]
    assert main(["train", str(english), "-a", "superbpe", "-o", str(tmp_path / "super"), *args]) == 0
    expected = fasttok.train(
        english, algorithm="superbpe", vocab_size=1500, transition=900, max_words=3, forbidden=[", "], progress=False
    )
    assert fasttok.Tokenizer.load(tmp_path / "super") == expected
    assert main(["info", str(tmp_path / "super")]) == 0
    assert "transition:   900" in capsys.readouterr().out
    base = fasttok.train(english, vocab_size=1000, progress=False)
    base.save(tmp_path / "base")
    assert main(["extend", str(tmp_path / "base"), str(english), "-o", str(tmp_path / "extended"), "-v", "1300"]) == 0
    assert "stage 2:" in capsys.readouterr().out
    assert fasttok.Tokenizer.load(tmp_path / "extended") == fasttok.extend(base, english, vocab_size=1300, progress=False)


def test_encode_then_decode(saved: Path) -> None:
    text = "Hello, world! 12345\n\tdef f(x): return x"
    encoded = run("encode", str(saved), stdin=text)
    assert encoded.returncode == 0, encoded.stderr
    ids = encoded.stdout.split()
    assert [int(i) for i in ids] == fasttok.Tokenizer.load(saved).encode(text)
    decoded = run("decode", str(saved), *ids)
    assert decoded.returncode == 0 and decoded.stdout == text


def test_info_reports_bytes_per_token(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(saved), "-f", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "vocab size:   2000" in out and "pretokenizer: gpt2" in out
    ratio = float(out.split("bytes/token:")[1].split()[0])
    tokens = len(fasttok.Tokenizer.load(saved).encode(SAMPLE.read_text(encoding="utf-8")))
    assert ratio == pytest.approx(SAMPLE.stat().st_size / tokens, abs=1e-3)


def test_lzw_reports_tokens_before_and_after_per_file(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(path) for path in (CORPORA / "code").iterdir())[:3]
    assert main(["lzw", str(saved), *files, "-M", "3", "-C", "512", "--window", "1024"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [row[0] for row in rows] == [*files, "total"]
    tokenizer = fasttok.Tokenizer.load(saved)
    codec = fasttok.lzw.Codec.for_tokenizer(tokenizer, 512, 3)
    for name, row in zip(files, rows):
        ids = tokenizer.encode(Path(name).read_text(encoding="utf-8"))
        codes = sum(len(codec.encode(ids[start : start + 1024]).codes) for start in range(0, len(ids), 1024))
        assert int(row[2].replace(",", "")) == len(ids)
        assert int(row[3].replace(",", "")) == codes < len(ids)
    totals = [sum(int(row[column].replace(",", "")) for row in rows[:-1]) for column in (1, 2, 3)]
    assert [int(value.replace(",", "")) for value in rows[-1][1:4]] == totals


def test_errors_exit_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "out"), "-v", "300"]) == 2
    assert "missing.txt" in capsys.readouterr().err
    assert main(["train", str(SAMPLE), "-o", str(tmp_path / "out"), "-v", "10"]) == 2
    assert "vocab_size" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert main(["decode", str(tmp_path / "nothing")]) == 2


def test_ctrl_c_stops_training_and_writes_nothing(tmp_path: Path) -> None:
    """SIGINT during the merge loop: exit code 130, a clear message, no output directory."""
    rng = random.Random(0)
    corpus = tmp_path / "random.txt"
    with open(corpus, "w") as file:
        for _ in range(200):
            file.write(" ".join("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=8)) for _ in range(5000)) + "\n")
    output = tmp_path / "out"
    process = start_cli(["train", str(corpus), "-o", str(output), "-v", "1000000", "-q"], stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)  # past start-up and counting, into the merge loop (~10 s in all)
    assert process.poll() is None, "training finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    # A generous bound that only catches a hang; the latency itself is measured in benches/.
    assert process.wait(timeout=20) == 130
    assert "interrupted" in (process.stderr.read() if process.stderr else "")
    assert not output.exists()


def test_console_script_is_installed() -> None:
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "fasttok").exists() or any(
        (Path(p) / "fasttok").exists() for p in os.environ.get("PATH", "").split(os.pathsep)
    )
