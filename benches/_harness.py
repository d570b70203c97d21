"""Shared plumbing for fasttok's benchmark scripts (bench_train.py, bench_encode.py).

Corpus location and splitting, measured child processes, medians, machine information, the
JSON / markdown / PNG outputs under ``benches/results/``, and the one peer configuration both
benches build (HF tokenizers' byte-level BPE).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
MB = 1_000_000
MIB = 1 << 20

#: The GPT-2 pretokenization regex, as HF's ByteLevel pre-tokenizer and tiktoken's r50k use it.
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def hf_bpe_tokenizer(corpus: Path, vocab_size: int):
    """Train HF tokenizers' byte-level BPE on ``corpus`` as shared/research §6.1 configures it.

    ``BPE()`` + ``ByteLevel(add_prefix_space=False)``; ``BpeTrainer(min_frequency=0,
    initial_alphabet=ByteLevel.alphabet())``; ``Tokenizer.train([corpus])``, which reads the
    file's lines (newline kept). Returns the trained ``tokenizers.Tokenizer``.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=0,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train([str(corpus)], trainer)
    return tokenizer


def byte_level_decoder() -> dict[str, int]:
    """GPT-2's byte-level table inverted: printable character -> the byte it stands for."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    others = [b for b in range(256) if b not in printable]
    table = {chr(b): b for b in printable}
    table.update({chr(256 + n): b for n, b in enumerate(others)})
    return table


def default_corpus() -> Path:
    """``$FASTTOK_CORPORA/bench-100mb.txt`` (default directory ``~/.cache/fasttok-corpora``).

    ``python corpora/build.py bench`` builds it.
    """
    root = os.environ.get("FASTTOK_CORPORA") or Path.home() / ".cache" / "fasttok-corpora"
    return Path(root) / "bench-100mb.txt"


def read_blocks(path: Path, block_bytes: int = MB, max_bytes: int | None = None) -> list[str]:
    """Read ``path`` as ~``block_bytes`` documents cut after a newline (whole lines per block)."""
    blocks: list[str] = []
    current: list[str] = []
    size = total = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            n = len(line.encode("utf-8"))
            if max_bytes is not None and total + n > max_bytes:
                break
            current.append(line)
            size += n
            total += n
            if size >= block_bytes:
                blocks.append("".join(current))
                current, size = [], 0
    if current:
        blocks.append("".join(current))
    return blocks


@dataclass(frozen=True)
class ChildRun:
    """One measured child process: wall and CPU seconds, peak RSS, and its JSON report."""

    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    report: dict


def run_child(args: Sequence[str], env: dict[str, str] | None = None) -> ChildRun:
    """Run ``python args...`` in a fresh process; measure it with ``os.wait4``.

    Wall time is taken around the whole process (interpreter start-up and imports included);
    CPU (user + sys) and peak RSS come from the child's own rusage, so they count this child
    only. The child must print one JSON object as the last line of its stdout.
    Raises ``RuntimeError`` with the tail of its stderr if the child fails.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], stdout=out, stderr=err, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            tail = err.read().decode("utf-8", "replace")[-2000:]
            raise RuntimeError(f"child exited with {proc.returncode}:\n{tail}")
        report = json.loads(out.read().decode("utf-8").strip().splitlines()[-1])
    # Linux reports ru_maxrss in KiB.
    return ChildRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, report)


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (the middle run of an odd number of repeats)."""
    return statistics.median(values)


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def package_version(dist: str) -> str | None:
    """The installed version of distribution ``dist``, or None if it is not installed."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_info(dists: Sequence[str]) -> dict:
    """CPU count and model, memory, load, OS, Python and the versions of ``dists``."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kib = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": models[0] if models else platform.processor(),
        "memory_gib": round(mem_kib / MIB, 1),
        "load_average": os.getloadavg(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": {dist: package_version(dist) for dist in dists},
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def machine_markdown(info: dict) -> str:
    """A short markdown description of ``machine_info``'s result."""
    packages = ", ".join(f"{name} {version}" for name, version in info["packages"].items() if version)
    load = ", ".join(f"{x:.2f}" for x in info["load_average"])
    return (
        f"- machine: {info['nproc']} CPUs ({info['usable_cpus']} usable), {info['cpu_model']}, "
        f"{info['memory_gib']} GiB, {info['platform']}\n"
        f"- load average at start: {load}\n"
        f"- Python {info['python']}; {packages}\n"
        f"- date: {info['date']}\n"
    )


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table; floats get 2 decimals, None becomes an en dash."""

    def cell(value: object) -> str:
        if value is None:
            return "–"
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def label(name: str, version: str | None) -> str:
    """``name version`` for a table row, or just ``name`` when the version is unknown."""
    return f"{name} {version}" if version else name


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``, or None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def write_results(name: str, data: dict, markdown: str) -> None:
    """Write ``results/<name>.json`` and ``results/<name>.md`` and say where."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")
    (RESULTS_DIR / f"{name}.md").write_text(markdown)
    print(f"wrote {RESULTS_DIR / name}.json and .md")


def bar_chart(
    name: str, title: str, groups: Sequence[str], series: dict[str, dict[str, Sequence[float | None]]]
) -> None:
    """Write ``results/<name>.png``: one panel per metric, bars per group and series.

    ``series`` maps a metric (panel title) to {series label: one value per group}. Without
    matplotlib, print a message and write nothing.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot written")
        return
    fig, axes = plt.subplots(1, len(series), figsize=(5 * len(series), 4), squeeze=False)
    for ax, (metric, bars) in zip(axes[0], series.items(), strict=True):
        width = 0.8 / max(1, len(bars))
        for i, (series_label, values) in enumerate(bars.items()):
            xs = [g + (i - (len(bars) - 1) / 2) * width for g in range(len(groups))]
            ax.bar(xs, [v or 0.0 for v in values], width, label=series_label)
        ax.set_xticks(range(len(groups)), groups, rotation=30, ha="right")
        ax.set_title(metric)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend()
    fig.suptitle(title)
    fig.tight_layout()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS_DIR / f"{name}.png", dpi=120)
    plt.close(fig)
    print(f"wrote {RESULTS_DIR / name}.png")
