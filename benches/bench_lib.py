"""LiB: training speed against the authors' Python code, segmentation speed, and tokens and
types against fasttok BPE at equal vocabulary.

Speed: LiB with the reference defaults (α 0.25, ω 1e-4, τ0 10, Δ 0.1, 500 sentences per
step, one pass) on the first ``--sentences`` non-empty lines of ``ml/en.txt``, in fresh
processes: fasttok (``--repeats`` runs, spread before, between and after the reference runs)
and, with ``--reference DIR``, the authors' 2023 code (``--reference-runs`` runs of
``ray306/The-Less-is-Better-Model``:
``LiB.py``, ``structures.py``, ``preprocessing.py``) from a scratch copy outside the
repository, nothing of it committed.
Segmentation: two-path and greedy encoding of the next ``--held-out`` lines, one thread.

Tokens and types: on English and German (``ml/de.txt``), LiB with supra-word units
(pretokenizer ``none``) and with words pre-split (``gpt2``), each at the size it settles
at, against fasttok BPE at the same vocabulary size; tokens and distinct tokens (types)
on the held-out lines.

Usage::

    python benches/bench_lib.py --reference /tmp/lib-ref --reference-runs 3 --repeats 8
    python benches/bench_lib.py --sentences 20000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _harness import (
    default_corpus,
    machine_info,
    machine_markdown,
    markdown_table,
    median,
    ratio,
    run_child,
    write_results,
)

#: The reference defaults of the authors' 2023 code (``learn()`` reads 500 sentences).
DEFAULTS = {"in_rate": 0.25, "out_rate": 1e-4, "life": 10, "update_rate": 0.1, "sentences_per_step": 500}


def lines_of(path: Path, first: int, count: int) -> list[str]:
    """Non-empty lines ``first .. first + count`` of ``path``, newline kept."""
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    return lines[first : first + count]


def child(args: argparse.Namespace) -> None:
    """One measured training run (``--child fasttok|reference``); prints a JSON report.

    The clock starts after the trainer's module is imported, for both trainers: it times
    training, not the interpreter's start-up. Both get the lines as a list of str, one
    document (fasttok) or sentence (the reference) per line.
    """
    sentences = Path(args.sentences_file).read_text(encoding="utf-8").splitlines(keepends=True)
    steps = -(-len(sentences) // DEFAULTS["sentences_per_step"])
    if args.child == "fasttok":
        import fasttok

        started = time.perf_counter()
        tokenizer = fasttok.train(iter(sentences), algorithm="lib", vocab_size=None, steps=steps,
                                  progress=False, **DEFAULTS)
        size = tokenizer.vocab_size - 256
    else:
        sys.path.insert(0, args.reference)
        import LiB  # the authors' module, from the scratch copy

        started = time.perf_counter()
        options = {key: DEFAULTS[key] for key in ("in_rate", "out_rate", "life", "update_rate")}
        model = LiB.Model(LiB.Corpus([[s] for s in sentences], token_divider=None), random_seed=0, **options)
        for step in range(steps):
            model.learn(step, article_length_max=DEFAULTS["sentences_per_step"], report_interval=None)
        model.clean_lexicon()
        size = len(model.lexicon)
    print(json.dumps({"train_seconds": time.perf_counter() - started, "lexicon": size}))


def speed(args: argparse.Namespace, root: Path, workdir: Path) -> tuple[dict, str]:
    import fasttok

    train = lines_of(root / "ml/en.txt", 0, args.sentences)
    held_out = "".join(lines_of(root / "ml/en.txt", args.sentences, args.held_out))
    sentences_file = workdir / "sentences.txt"
    sentences_file.write_text("".join(train), encoding="utf-8")
    common = [__file__, "--sentences-file", str(sentences_file)]
    # The fasttok runs go before, between and after the reference runs (each some forty
    # seconds), so that a drift in the (shared, noisy) machine's speed meets both trainers.
    reference_runs = args.reference_runs if args.reference else 0
    groups = reference_runs + 1
    group_sizes = [args.repeats // groups + int(group < args.repeats % groups) for group in range(groups)]
    runs: dict[str, list] = {"fasttok": []}
    for group, size in enumerate(group_sizes):
        runs["fasttok"] += [run_child([*common, "--child", "fasttok"]) for _ in range(size)]
        if group < reference_runs:
            reference = run_child([*common, "--child", "reference", "--reference", args.reference])
            runs.setdefault("authors' Python", []).append(reference)
    rows, results = [], {}
    for name, measured in runs.items():
        result = {
            "train_seconds": median([run.report["train_seconds"] for run in measured]),
            "wall_s": median([run.wall_s for run in measured]),
            "cpu_s": median([run.cpu_s for run in measured]),
            "peak_rss_mib": median([run.peak_rss_mib for run in measured]),
            "lexicon": measured[0].report["lexicon"],
            "runs": len(measured),
        }
        results[name] = result
        print(name, result)
    base = results["fasttok"]
    for name, result in results.items():
        rows.append([name, result["lexicon"], result["train_seconds"], result["wall_s"], result["cpu_s"],
                     result["peak_rss_mib"], ratio(result["train_seconds"], base["train_seconds"])])
    table = markdown_table(["trainer", "lexicon", "train s", "wall s", "CPU s", "peak RSS MiB", "× fasttok"], rows)

    steps = -(-len(train) // DEFAULTS["sentences_per_step"])
    tokenizer = fasttok.train(iter(["".join(train)]), algorithm="lib", vocab_size=None, steps=steps,
                              progress=False, **DEFAULTS)
    segmentation = {}
    for segmenter in ("two-path", "greedy"):
        model = tokenizer.with_segmenter(segmenter)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            model.encode(held_out)
            times.append(time.perf_counter() - started)
        segmentation[segmenter] = len(held_out) / median(times) / 1e6
    results["segmentation_mchars_per_s"] = segmentation
    table += "\n\nSegmentation of the held-out lines, one thread (M characters/s): " + ", ".join(
        f"{name} {value:.1f}" for name, value in segmentation.items()
    )
    return results, table


def tokens_and_types(args: argparse.Namespace, root: Path) -> tuple[list[dict], str]:
    import fasttok

    rows = []
    for language in ("en", "de"):
        train = "".join(lines_of(root / f"ml/{language}.txt", 0, args.sentences))
        held_out = "".join(lines_of(root / f"ml/{language}.txt", args.sentences, args.held_out))
        steps = -(-args.sentences // DEFAULTS["sentences_per_step"])
        for mode, pretokenizer in (("supra-word", "none"), ("words", "gpt2")):
            lib = fasttok.train(iter([train]), algorithm="lib", vocab_size=None, pretokenizer=pretokenizer,
                                steps=steps, progress=False, **DEFAULTS)
            bpe = fasttok.train(iter([train]), algorithm="bpe", vocab_size=lib.vocab_size, progress=False)
            for name, tokenizer in (("LiB", lib), ("BPE", bpe)):
                ids = tokenizer.encode(held_out)
                row = {"language": language, "units": mode if name == "LiB" else "words (gpt2)",
                       "tokenizer": name, "vocab_size": tokenizer.vocab_size, "tokens": len(ids),
                       "types": len(set(ids)), "chars_per_token": len(held_out) / len(ids)}
                rows.append(row)
                print(row)
    table = markdown_table(
        ["language", "tokenizer", "units", "vocab", "held-out tokens", "types used", "chars/token"],
        [[r["language"], r["tokenizer"], r["units"], r["vocab_size"], r["tokens"], r["types"], r["chars_per_token"]]
         for r in rows],
    )
    return rows, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=50_000, help="training lines per language")
    parser.add_argument("--held-out", type=int, default=5_000, help="held-out lines after them")
    parser.add_argument("--repeats", type=int, default=3, help="fasttok training runs (median)")
    parser.add_argument("--reference", default=None, help="directory of the authors' LiB.py (scratch copy)")
    parser.add_argument("--reference-runs", type=int, default=1, help="runs of the authors' code (median)")
    parser.add_argument("--child", choices=("fasttok", "reference"), help=argparse.SUPPRESS)
    parser.add_argument("--sentences-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    root = default_corpus().parent
    with tempfile.TemporaryDirectory() as workdir:
        speed_results, speed_table = speed(args, root, Path(workdir))
    rows, types_table = tokens_and_types(args, root)
    info = machine_info(["fasttok", "tokenizers"])
    markdown = (
        f"# LiB\n\n{machine_markdown(info)}\n\n"
        f"## Training speed ({args.sentences:,} lines of ml/en.txt, reference defaults, one pass)\n\n"
        f"{speed_table}\n\n## Tokens and types on {args.held_out:,} held-out lines, equal vocabulary\n\n"
        f"{types_table}\n"
    )
    write_results("lib", {"machine": info, "speed": speed_results, "tokens_and_types": rows}, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
