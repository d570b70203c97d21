"""Side-by-side BPE training benchmark: fasttok against its peers on one corpus file.

The peers are HF tokenizers, rustbpe, sentencepiece, bpeasy and YouTokenToMe, all at the same
vocabulary size.

Every run is a fresh ``python bench_train.py --child ...`` process, so imports, caches and
allocator state never carry over. For each run we record:

* wall seconds of the whole child process (start-up and imports included),
* CPU seconds (user + sys) and peak RSS of that child (``os.wait4``),
* seconds spent inside the training call alone (``train_s``, measured by the child),
* the vocabulary size the trainer produced (a sanity check).

Repeats are interleaved (repeat 1 of every trainer, then repeat 2, ...) so that a change of
machine load hits every trainer alike; the medians are reported, with fasttok/peer ratios for
each metric (below 1: fasttok is faster or smaller).

Peer settings (shared/research/bpe-training-anchors.md §6.1):

* fasttok: ``fasttok.train([path], algorithm="bpe", pretokenizer="gpt2", num_threads=T)``.
* hf: ``BPE()`` + ``ByteLevel(add_prefix_space=False)``, ``BpeTrainer(min_frequency=0,
  initial_alphabet=ByteLevel.alphabet())``, ``Tokenizer.train([path])``.
* rustbpe: GPT-2 regex, ``train_from_iterator`` over the file's lines.
* sentencepiece: ``model_type=bpe, byte_fallback=True, character_coverage=0.9995,
  input_sentence_size=0, max_sentence_length=16384, num_threads=T`` on the file.
* bpeasy: GPT-2 regex, ``max_token_length=128``, over the file's lines.
* youtokentome: ``coverage=1.0, n_threads=T`` on the file (not byte-level).

Iterator APIs (rustbpe, bpeasy) get the file's lines with their ``\\n``: exactly the documents
HF's ``train(files)`` reads, so those three see the same pretokens. The file-based trainers read
the file themselves. Threads: ``RAYON_NUM_THREADS=T`` for every child, plus each trainer's own
option where it has one.

Usage::

    python benches/bench_train.py                       # $FASTTOK_CORPORA/bench-100mb.txt
    python benches/bench_train.py --corpus small.txt --peers hf,rustbpe --threads 1 --repeats 1
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _harness import (
    GPT2_PATTERN,
    MB,
    ChildRun,
    bar_chart,
    default_corpus,
    hf_bpe_tokenizer,
    label,
    machine_info,
    machine_markdown,
    markdown_table,
    median,
    ratio,
    run_child,
    write_results,
)

# --------------------------------------------------------------------------------------------
# Trainers: each runs in the child process and returns the vocabulary size it produced.
# --------------------------------------------------------------------------------------------


def train_fasttok(corpus: Path, vocab_size: int, threads: int, workdir: Path) -> int:
    """fasttok's byte-level BPE with the GPT-2 pretokenizer."""
    import fasttok

    tokenizer = fasttok.train(
        [str(corpus)], algorithm="bpe", vocab_size=vocab_size, pretokenizer="gpt2", num_threads=threads, progress=False
    )
    return tokenizer.vocab_size


def train_hf(corpus: Path, vocab_size: int, threads: int, workdir: Path) -> int:
    """HF tokenizers' BpeTrainer behind ByteLevel, reading the file itself (``train(files)``)."""
    return hf_bpe_tokenizer(corpus, vocab_size).get_vocab_size()


def train_rustbpe(corpus: Path, vocab_size: int, threads: int, workdir: Path) -> int:
    """rustbpe with the GPT-2 regex, fed the file's lines."""
    import rustbpe

    tokenizer = rustbpe.Tokenizer()
    with open(corpus, encoding="utf-8") as lines:
        tokenizer.train_from_iterator(lines, vocab_size, pattern=GPT2_PATTERN)
    return tokenizer.vocab_size


def train_sentencepiece(corpus: Path, vocab_size: int, threads: int, workdir: Path) -> int:
    """SentencePiece BPE with byte fallback, reading the file itself."""
    import sentencepiece as spm

    prefix = workdir / "spm"
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(prefix),
        model_type="bpe",
        vocab_size=vocab_size,
        byte_fallback=True,
        character_coverage=0.9995,
        input_sentence_size=0,
        max_sentence_length=16384,
        num_threads=threads,
        minloglevel=2,
    )
    return spm.SentencePieceProcessor(model_file=f"{prefix}.model").get_piece_size()


def train_bpeasy(corpus: Path, vocab_size: int, threads: int, workdir: Path) -> int:
    """bpeasy with the GPT-2 regex and max_token_length=128, fed the file's lines."""
    import bpeasy

    with open(corpus, encoding="utf-8") as lines:
        vocab = bpeasy.train_bpe(lines, GPT2_PATTERN, max_token_length=128, vocab_size=vocab_size)
    return len(vocab)


def train_youtokentome(corpus: Path, vocab_size: int, threads: int, workdir: Path) -> int:
    """YouTokenToMe BPE (character-level, not byte-level) reading the file itself."""
    import youtokentome as yttm

    model = workdir / "yttm.model"
    yttm.BPE.train(data=str(corpus), model=str(model), vocab_size=vocab_size, coverage=1.0, n_threads=threads)
    return yttm.BPE(str(model)).vocab_size()


@dataclass(frozen=True)
class Trainer:
    """A benchmarked trainer: the module it needs, its distribution name and how to run it."""

    module: str
    dist: str
    run: Callable[[Path, int, int, Path], int]


TRAINERS: dict[str, Trainer] = {
    "fasttok": Trainer("fasttok", "fasttok", train_fasttok),
    "hf": Trainer("tokenizers", "tokenizers", train_hf),
    "rustbpe": Trainer("rustbpe", "rustbpe", train_rustbpe),
    "sentencepiece": Trainer("sentencepiece", "sentencepiece", train_sentencepiece),
    "bpeasy": Trainer("bpeasy", "bpeasy", train_bpeasy),
    "youtokentome": Trainer("youtokentome", "youtokentome", train_youtokentome),
}

# --------------------------------------------------------------------------------------------
# Child: one training run
# --------------------------------------------------------------------------------------------


def child_main(args: argparse.Namespace) -> None:
    """Run one trainer once and print ``{"train_s": ..., "vocab_size": ...}`` as JSON."""
    trainer = TRAINERS[args.child]
    start = time.perf_counter()
    vocab_size = trainer.run(args.corpus, args.vocab_size, args.threads[0], args.workdir)
    print(json.dumps({"train_s": time.perf_counter() - start, "vocab_size": vocab_size}))


def run_once(name: str, corpus: Path, vocab_size: int, threads: int) -> ChildRun:
    """Train ``name`` once in a fresh child process with ``threads`` threads."""
    with tempfile.TemporaryDirectory(prefix="fasttok-bench-") as workdir:
        args = [__file__, "--child", name, "--corpus", str(corpus), "--vocab-size", str(vocab_size)]
        args += ["--threads", str(threads), "--workdir", workdir]
        return run_child(args, env={"RAYON_NUM_THREADS": str(threads)})


# --------------------------------------------------------------------------------------------
# Parent: repeats, medians, ratios, outputs
# --------------------------------------------------------------------------------------------

METRICS = ("wall_s", "cpu_s", "peak_rss_mib", "train_s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (``--child`` and ``--workdir`` are internal)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus(), help="text file (default: %(default)s)")
    parser.add_argument("--vocab-size", type=int, default=32000)
    parser.add_argument("--threads", type=lambda s: [int(t) for t in s.split(",")], default=[1, 2], help="e.g. 1,2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peers", type=lambda s: s.split(","), default=list(TRAINERS), help=",".join(TRAINERS))
    parser.add_argument("--child", choices=list(TRAINERS), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = set(args.peers) - set(TRAINERS)
    if unknown:
        parser.error(f"unknown peers {sorted(unknown)}; choose from {','.join(TRAINERS)}")
    return args


def measure(
    names: list[str], args: argparse.Namespace, skipped: dict[str, str]
) -> dict[tuple[str, int], list[ChildRun]]:
    """Run every (trainer, threads) ``args.repeats`` times, interleaved; a failing trainer is dropped."""
    runs: dict[tuple[str, int], list[ChildRun]] = {}
    for repeat in range(1, args.repeats + 1):
        for threads in args.threads:
            for name in names:
                if name in skipped:
                    continue
                try:
                    run = run_once(name, args.corpus, args.vocab_size, threads)
                except RuntimeError as error:
                    print(f"{name}: failed, dropped from this benchmark\n{error}")
                    skipped[name] = "failed: " + (str(error).strip().splitlines() or ["?"])[-1]
                    continue
                runs.setdefault((name, threads), []).append(run)
                print(
                    f"[{repeat}/{args.repeats}] {name:<13} threads={threads} wall {run.wall_s:6.2f} s  "
                    f"cpu {run.cpu_s:6.2f} s  rss {run.peak_rss_mib:7.1f} MiB  train {run.report['train_s']:6.2f} s",
                    flush=True,
                )
    return {key: value for key, value in runs.items() if key[0] not in skipped}


def summarize(runs: dict[tuple[str, int], list[ChildRun]], versions: dict[str, str | None]) -> list[dict]:
    """One record per (trainer, threads): medians of the repeats, fasttok/peer ratios, raw runs."""
    results = []
    for (name, threads), repeats in runs.items():
        medians = {
            "wall_s": median([r.wall_s for r in repeats]),
            "cpu_s": median([r.cpu_s for r in repeats]),
            "peak_rss_mib": median([r.peak_rss_mib for r in repeats]),
            "train_s": median([r.report["train_s"] for r in repeats]),
            "vocab_size": repeats[-1].report["vocab_size"],
        }
        raw = [{**r.report, "wall_s": r.wall_s, "cpu_s": r.cpu_s, "peak_rss_mib": r.peak_rss_mib} for r in repeats]
        results.append({"trainer": name, "version": versions[name], "threads": threads, "median": medians, "runs": raw})
    fasttok = {r["threads"]: r["median"] for r in results if r["trainer"] == "fasttok"}
    for r in results:
        base = fasttok.get(r["threads"]) if r["trainer"] != "fasttok" else None
        r["fasttok_over_peer"] = {m: ratio(base[m], r["median"][m]) for m in METRICS} if base else None
    return sorted(results, key=lambda r: r["threads"])


def results_table(results: list[dict], corpus_bytes: int) -> str:
    """The markdown table of medians and ratios."""
    headers = ["trainer", "threads", "wall s", "CPU s", "peak RSS MiB", "train call s", "vocab", "MB/s (wall)"]
    headers += ["fasttok/peer wall", "CPU", "RSS"]
    rows = []
    for r in results:
        m, q = r["median"], r["fasttok_over_peer"] or {}
        rows.append(
            [label(r["trainer"], r["version"]), r["threads"], m["wall_s"], m["cpu_s"], m["peak_rss_mib"]]
            + [m["train_s"], m["vocab_size"], corpus_bytes / MB / m["wall_s"]]
            + [q.get("wall_s"), q.get("cpu_s"), q.get("peak_rss_mib")]
        )
    return markdown_table(headers, rows)


def plot(results: list[dict], args: argparse.Namespace, corpus_bytes: int) -> None:
    """Bar chart of wall, CPU and peak RSS per trainer, one bar per thread count."""
    trainers = list(dict.fromkeys(r["trainer"] for r in results))
    by_key = {(r["trainer"], r["threads"]): r["median"] for r in results}
    panels = {"wall s": "wall_s", "CPU s": "cpu_s", "peak RSS MiB": "peak_rss_mib"}
    series = {
        title: {f"{t} thread(s)": [by_key.get((n, t), {}).get(key) for n in trainers] for t in args.threads}
        for title, key in panels.items()
    }
    bar_chart("train", f"BPE training, vocab {args.vocab_size}, {corpus_bytes / MB:.0f} MB", trainers, series)


def main(argv: list[str] | None = None) -> None:
    """Benchmark every available trainer; print and write the results."""
    args = parse_args(argv)
    if args.child:
        child_main(args)
        return
    if not args.corpus.is_file():
        sys.exit(f"corpus {args.corpus} not found: run `python corpora/build.py bench` or pass --corpus PATH")

    skipped: dict[str, str] = {}
    for name in args.peers:
        if importlib.util.find_spec(TRAINERS[name].module) is None:
            print(f"{name}: skipped (not installed)")
            skipped[name] = "skipped (not installed)"
    names = [name for name in args.peers if name not in skipped]
    info = machine_info([TRAINERS[n].dist for n in args.peers])
    corpus_bytes = args.corpus.stat().st_size
    print(f"corpus {args.corpus} ({corpus_bytes / MB:.1f} MB), vocab {args.vocab_size}, threads {args.threads}")

    runs = measure(names, args, skipped)
    results = summarize(runs, {n: info["packages"][TRAINERS[n].dist] for n in names})
    table = results_table(results, corpus_bytes)
    notes = "".join(f"\n- {name}: {reason}" for name, reason in skipped.items())
    print("\n" + table + notes)

    settings = {
        "corpus": str(args.corpus),
        "corpus_bytes": corpus_bytes,
        "vocab_size": args.vocab_size,
        "threads": args.threads,
        "repeats": args.repeats,
        "documents": "iterator APIs get the file's lines (with newline), as HF train(files) reads them",
    }
    markdown = (
        "# BPE training benchmark\n\n"
        + machine_markdown(info)
        + f"- corpus: `{args.corpus}` ({corpus_bytes / MB:.1f} MB); vocab {args.vocab_size}; "
        + f"medians of {args.repeats} fresh-process runs\n\n"
        + table
        + "\nwall and MB/s include interpreter start-up; `train call s` is the training call alone. "
        + "Ratios are fasttok / peer at the same thread count (below 1: fasttok is faster or smaller).\n"
        + notes
    )
    data = {"benchmark": "train", "machine": info, "settings": settings, "results": results, "skipped": skipped}
    write_results("train", data, markdown)
    plot(results, args, corpus_bytes)


if __name__ == "__main__":
    main()
