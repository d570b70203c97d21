"""SuperBPE: compression against fasttok BPE over a sweep of transition points, and its cost.

Sweep: BPE and SuperBPE at ``--vocab-size`` (default 64,000) for transitions at the given
fractions of the learned merges, all trained on the benchmark corpus (60 MB English prose,
40 MB code) plus 6 MB of German, then measured in bytes per token on held-out text that no
run trained on: English prose (the Python documentation past the part in the corpus),
Python code (past the part in the corpus) and German (the last 2 MB of ``ml/de.txt``).

Cost: fasttok BPE against SuperBPE (transition 0.8) on the benchmark corpus alone,
``--repeats`` interleaved runs in fresh processes: wall, CPU and peak RSS medians.
``--big PATH`` adds one SuperBPE run on a larger file (its time and peak RSS).

Usage::

    python benches/bench_superbpe.py
    python benches/bench_superbpe.py --vocab-size 32000 --fractions 0.2,0.5,0.8 --repeats 1
    python benches/bench_superbpe.py --big /data/corpus-1gb.txt
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from _harness import (
    MB,
    RESULTS_DIR,
    default_corpus,
    machine_info,
    machine_markdown,
    markdown_table,
    median,
    run_child,
    write_results,
)

#: Held-out text: (name, source file under $FASTTOK_CORPORA, first byte, bytes).
HELD_OUT = (
    ("English prose", "text/en-python-docs.txt", 10_200_000, 4 * MB),
    ("Python code", "text/code-python.txt", 9 * MB, 4 * MB),
    ("German", "ml/de.txt", -2 * MB, 2 * MB),
)
#: German training text: the start of ml/de.txt (the held-out part is its end).
GERMAN_TRAIN = ("ml/de.txt", 0, 6 * MB)


def excerpt(root: Path, name: str, start: int, size: int) -> str:
    """``size`` bytes of ``root/name`` from ``start`` (negative: from the end), whole lines."""
    data = (root / name).read_bytes()
    start = start if start >= 0 else len(data) + start
    data = data[start : start + size]
    first, last = data.find(b"\n") + 1, data.rfind(b"\n") + 1
    return data[first if start else 0 : last].decode("utf-8", errors="ignore")


def child(args: argparse.Namespace) -> None:
    """Train one tokenizer (``--child bpe|superbpe``), save it, print a JSON report."""
    import fasttok

    started = time.perf_counter()
    options = {"algorithm": args.child, "vocab_size": args.vocab_size, "num_threads": args.threads}
    if args.child == "superbpe":
        options["transition"] = args.transition
    tokenizer = fasttok.train(args.corpus, progress=False, **options)
    seconds = time.perf_counter() - started
    if args.save:
        tokenizer.save(args.save)
    print(json.dumps({"train_seconds": seconds, "stage2": tokenizer.parameters.get("stage2")}))


def train_child(kind: str, corpus: Path, vocab_size: int, threads: int, transition: int = 0, save: Path | None = None):
    args = [__file__, "--child", kind, "--corpus", str(corpus), "--vocab-size", str(vocab_size)]
    args += ["--threads", str(threads), "--transition", str(transition)]
    if save:
        args += ["--save", str(save)]
    return run_child(args)


def transition_of(fraction: float, vocab_size: int) -> int:
    """The transition that inherits ``fraction`` of the learned merges."""
    return 1 + round(fraction * (vocab_size - 256))


def sweep(args: argparse.Namespace, root: Path, workdir: Path) -> tuple[list[dict], str]:
    import fasttok

    corpus = workdir / "sweep-corpus.txt"
    with open(corpus, "wb") as out:
        out.write(args.corpus.read_bytes())
        out.write(excerpt(root, *GERMAN_TRAIN).encode())
    held_out = {name: excerpt(root, source, start, size) for name, source, start, size in HELD_OUT}
    runs = [("BPE", "bpe", 0)] + [
        (f"t = {transition_of(f, args.vocab_size):,} ({f:.0%})", "superbpe", transition_of(f, args.vocab_size))
        for f in args.fractions
    ]
    rows = []
    for name, kind, transition in runs:
        saved = workdir / name.replace(" ", "_")
        run = train_child(kind, corpus, args.vocab_size, args.threads, transition, saved)
        tokenizer = fasttok.Tokenizer.load(saved)
        bytes_per_token = {
            domain: len(text.encode()) / len(tokenizer.encode(text)) for domain, text in held_out.items()
        }
        rows.append({"run": name, "transition": transition, "train_seconds": run.report["train_seconds"],
                     "peak_rss_mib": run.peak_rss_mib, "bytes_per_token": bytes_per_token,
                     "stage2": run.report["stage2"]})
        print(name, {k: round(v, 3) for k, v in bytes_per_token.items()}, f"{run.wall_s:.1f} s")
    baseline = rows[0]["bytes_per_token"]
    table = markdown_table(
        ["run", *[f"{d} B/token" for d in held_out], *[f"{d} tokens vs BPE" for d in held_out], "train s", "RSS MiB"],
        [
            [row["run"], *row["bytes_per_token"].values(),
             *[f"{100 * (baseline[d] / row['bytes_per_token'][d] - 1):+.1f} %" for d in held_out],
             row["train_seconds"], row["peak_rss_mib"]]
            for row in rows
        ],
    )
    plot(rows, held_out)
    return rows, table


def plot(rows: list[dict], held_out: dict[str, str]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot written")
        return
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, domain in enumerate(held_out):
        color = f"C{i}"
        points = [(row["transition"], row["bytes_per_token"][domain]) for row in rows[1:]]
        ax.plot(*zip(*points), marker="o", color=color, label=f"SuperBPE, {domain}")
        ax.axhline(rows[0]["bytes_per_token"][domain], color=color, linestyle="--", label=f"BPE, {domain}")
    ax.set_xlabel("transition point t")
    ax.set_ylabel("bytes per token (held out)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS_DIR / "superbpe.png", dpi=120)


def cost(args: argparse.Namespace) -> tuple[dict, str]:
    transition = transition_of(0.8, args.vocab_size)
    runs: dict[str, list] = {"bpe": [], "superbpe": []}
    for _ in range(args.repeats):
        for kind in runs:
            runs[kind].append(train_child(kind, args.corpus, args.vocab_size, args.threads, transition))
    summary = {
        kind: {"wall": median([r.wall_s for r in rs]), "cpu": median([r.cpu_s for r in rs]),
               "rss": median([r.peak_rss_mib for r in rs]), "runs": [r.__dict__ for r in rs]}
        for kind, rs in runs.items()
    }
    bpe, superbpe = summary["bpe"], summary["superbpe"]
    table = markdown_table(
        ["trainer", "wall s", "CPU s", "peak RSS MiB"],
        [["fasttok BPE", bpe["wall"], bpe["cpu"], bpe["rss"]],
         [f"fasttok SuperBPE (t = {transition:,})", superbpe["wall"], superbpe["cpu"], superbpe["rss"]],
         ["SuperBPE / BPE", superbpe["wall"] / bpe["wall"], superbpe["cpu"] / bpe["cpu"], superbpe["rss"] / bpe["rss"]]],
    )
    return summary, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--vocab-size", type=int, default=64_000)
    parser.add_argument("--fractions", type=lambda s: [float(x) for x in s.split(",")],
                        default=[0.1, 0.2, 0.4, 0.6, 0.8, 0.9])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--big", type=Path, default=None, help="also time one SuperBPE run on this file")
    parser.add_argument("--child", choices=("bpe", "superbpe"), help=argparse.SUPPRESS)
    parser.add_argument("--transition", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--save", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    root = Path(os.environ.get("FASTTOK_CORPORA") or Path.home() / ".cache" / "fasttok-corpora")
    info = machine_info(["fasttok"])
    with tempfile.TemporaryDirectory() as workdir:
        rows, sweep_table = sweep(args, root, Path(workdir))
    summary, cost_table = cost(args)
    big = None
    if args.big:
        run = train_child("superbpe", args.big, args.vocab_size, args.threads, transition_of(0.8, args.vocab_size))
        big = {"file": str(args.big), "bytes": args.big.stat().st_size, "wall": run.wall_s, "rss": run.peak_rss_mib}
    markdown = (
        f"# SuperBPE\n\n{machine_markdown(info)}\n"
        f"## Bytes per token on held-out text, vocab {args.vocab_size:,}\n\n{sweep_table}\n"
        f"## Training cost on {args.corpus.name}, {args.threads} threads (median of {args.repeats})\n\n{cost_table}"
    )
    if big:
        markdown += f"\n{big['file']} ({big['bytes'] / MB:,.0f} MB): {big['wall']:.1f} s, peak RSS {big['rss']:,.0f} MiB\n"
    print(markdown)
    write_results("superbpe", {"machine": info, "sweep": rows, "cost": summary, "big": big}, markdown)


if __name__ == "__main__":
    main()
