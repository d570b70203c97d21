"""Data-mixture inference: accuracy on controlled mixtures, and end-to-end speed.

Controlled (the paper's §4 protocol at a smaller scale): for each trial, draw ``--n``
categories from a pool (natural languages: ``ml/*.txt``; programming languages:
``code/*.txt``) and weights uniform on the simplex; train HF tokenizers (the independent
peer) with the paper's pretokenizer (``Digits`` then byte-level GPT-2) at vocabulary
30,000 on ``--train-mb`` MB of the mixture, each category's text repeated up to its quota
as the paper does for small categories; attack the merges with samples that never entered
training: every third line of each file is held out as the sample, the other lines train.
(Holding out the first third instead measures a distribution shift, not sampling noise:
the files are concatenations of sources, manuals then scripture, or projects sorted by name.)
Reported: mean ± std of log10 MSE of the inferred byte shares, next to the "random"
baseline (a uniform draw from the simplex) and the paper's Table 1.

Speed: ``--speed-categories`` categories × ``--speed-mb`` MB (programming languages first,
then natural languages by size; each sample from the start of its file), a fasttok
BPE tokenizer of 30,000 merges trained on a random 20 MB mixture of the same files,
each T of ``--speed-merges``: wall seconds end to end (counting, replay, LP) and the split
between replay and LP.

Usage::

    python benches/bench_mixture.py                      # 20 + 20 trials, then speed
    python benches/bench_mixture.py --merges 3000 --skip-speed
    python benches/bench_mixture.py --trials 0 --speed-merges 1000 3000 10000
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from _harness import MB, default_corpus, machine_info, machine_markdown, markdown_table, write_results

import fasttok

#: The paper's Table 1, n = 5 (log10 MSE, mean ± std over 100 tokenizers at 10 GB).
PAPER = {"languages": (-7.30, 1.31, -1.39), "code": (-6.46, 0.79, -1.39)}
VOCAB_SIZE = 30_000


def pools(root: Path) -> dict[str, list[Path]]:
    return {"languages": sorted((root / "ml").glob("*.txt")), "code": sorted((root / "code").glob("*.txt"))}


def split(path: Path) -> tuple[str, str]:
    """(held-out sample, training text): every third line, and the other lines."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(lines[::3]), "".join(line for number, line in enumerate(lines) if number % 3)


def quota_text(text: str, quota: int) -> str:
    """``text`` repeated and cut after a line so that it holds about ``quota`` bytes."""
    data = text.encode()
    whole, rest = divmod(quota, len(data))
    tail = data[:rest]
    tail = tail[: tail.rfind(b"\n") + 1]
    return text * whole + tail.decode()


def hf_paper_tokenizer(documents: list[str]):
    """HF tokenizers BPE with the paper's controlled-experiment pretokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=False), pre_tokenizers.ByteLevel(add_prefix_space=False)]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tokenizer.train_from_iterator(documents, trainer)
    return tokenizer


def chunks(text: str, size: int = MB) -> list[str]:
    """``text`` as documents of about ``size`` characters, cut after a newline."""
    out, at = [], 0
    while at < len(text):
        end = text.find("\n", at + size)
        end = len(text) if end < 0 else end + 1
        out.append(text[at:end])
        at = end
    return out


def trial(pool: list[Path], n: int, train_bytes: int, merges: int, rng: random.Random, workdir: Path) -> dict:
    chosen = rng.sample(pool, n)
    weights = np.array([rng.expovariate(1.0) for _ in chosen])
    weights /= weights.sum()
    documents, truth, sample_paths = [], [], {}
    for path, weight in zip(chosen, weights):
        sample, training = split(path)
        text = quota_text(training, max(1, int(weight * train_bytes)))
        documents += chunks(text)
        truth.append(len(text.encode()))
        sample_paths[path.stem] = workdir / f"{path.stem}.sample.txt"
        sample_paths[path.stem].write_text(sample, encoding="utf-8")
    truth_shares = np.array(truth, dtype=float) / sum(truth)
    started = time.perf_counter()
    tokenizer = hf_paper_tokenizer(documents)
    trained = time.perf_counter()
    result = fasttok.infer_mixture(tokenizer, sample_paths, merges=merges, progress=False)
    guess = rng.sample(range(1, 10_000), n - 1)
    random_shares = np.diff([0, *sorted(guess), 10_000]) / 10_000
    return {
        "categories": list(sample_paths),
        "true": truth_shares.tolist(),
        "inferred": result.byte_shares.tolist(),
        "log10_mse": float(np.log10(np.mean((result.byte_shares - truth_shares) ** 2))),
        "random_log10_mse": float(np.log10(np.mean((random_shares - truth_shares) ** 2))),
        "objective": result.objective,
        "rounds": result.rounds,
        "rows": result.rows,
        "merges": result.steps,
        "train_s": trained - started,
        "replay_s": result.replay_seconds,
        "solve_s": result.solve_seconds,
    }


def speed(root: Path, categories: int, size_mb: int, merges: list[int], rng: random.Random, workdir: Path) -> list[dict]:
    """End-to-end seconds for ``categories`` samples of ``size_mb`` MB, for each T in ``merges``."""
    files = sorted((root / "code").glob("*.txt")) + sorted((root / "ml").glob("*.txt"), key=os.path.getsize)[::-1]
    weights = np.array([rng.expovariate(1.0) for _ in range(categories)])
    samples, documents = {}, []
    for path, weight in zip(files[:categories], weights / weights.sum()):
        text = path.read_text(encoding="utf-8")
        samples[path.stem] = workdir / f"speed-{path.stem}.txt"
        samples[path.stem].write_text(quota_text(text, size_mb * MB), encoding="utf-8")
        documents += chunks(quota_text(text, max(1, int(weight * 20 * MB))))
    tokenizer = fasttok.train(iter(documents), vocab_size=256 + 30_000, progress=False)
    runs = []
    for steps in merges:
        started = time.perf_counter()
        result = fasttok.infer_mixture(tokenizer, samples, merges=steps, progress=False)
        runs.append(
            {
                "categories": categories,
                "mb_each": size_mb,
                "merges": result.steps,
                "wall_s": time.perf_counter() - started,
                "replay_s": result.replay_seconds,
                "solve_s": result.solve_seconds,
                "rounds": result.rounds,
                "rows": result.rows,
                "objective": result.objective,
            }
        )
        print(runs[-1], flush=True)
    return runs


def accuracy(args: argparse.Namespace, root: Path, rng: random.Random, workdir: Path, data: dict) -> str:
    """The controlled trials of both pools (into ``data["trials"]``), as a markdown section."""
    rows = []
    for kind, pool in pools(root).items():
        runs = []
        for number in range(args.trials):
            runs.append(trial(pool, args.n, args.train_mb * MB, args.merges, rng, workdir))
            print(f"{kind} {number + 1}/{args.trials}: log10 MSE {runs[-1]['log10_mse']:.2f}", flush=True)
        data["trials"][kind] = runs
        ours = [run["log10_mse"] for run in runs]
        guess = [run["random_log10_mse"] for run in runs]
        paper_mean, paper_std, paper_random = PAPER[kind]
        rows.append(
            [
                f"{kind} (n = {args.n})",
                f"{np.mean(ours):.2f} ± {np.std(ours):.2f}",
                f"{np.mean(guess):.2f} ± {np.std(guess):.2f}",
                f"{paper_mean:.2f} ± {paper_std:.2f}",
                f"{paper_random:.2f}",
                f"{np.median([run['replay_s'] + run['solve_s'] for run in runs]):.1f}",
            ]
        )
    return (
        f"\n\nControlled mixtures: {args.trials} trials per pool, HF tokenizers BPE (Digits + byte-level GPT-2) "
        f"at vocabulary {VOCAB_SIZE} trained on {args.train_mb} MB; held-out samples; T = {args.merges}.\n\n"
        + markdown_table(["pool", "fasttok log10 MSE", "random", "paper (10 GB)", "paper random", "median attack s"], rows)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20, help="0: speed only, into results/mixture-speed")
    parser.add_argument("--n", type=int, default=5)
    parser.add_argument("--train-mb", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--merges", type=int, default=30_000, help="T, the merges attacked")
    parser.add_argument("--speed-categories", type=int, default=10)
    parser.add_argument("--speed-mb", type=int, default=10)
    parser.add_argument("--speed-merges", type=int, nargs="+", default=[30_000], help="T of the speed runs")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    root = default_corpus().parent
    rng = random.Random(args.seed)
    data: dict = {"machine": machine_info(["tokenizers", "highspy", "scipy"]), "trials": {}}
    markdown = "# Data-mixture inference\n\n" + machine_markdown(data["machine"])
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.trials:
            markdown += accuracy(args, root, rng, workdir, data)
        if not args.skip_speed:
            data["speed"] = speed(root, args.speed_categories, args.speed_mb, args.speed_merges, rng, workdir)
            markdown += (
                f"\n\nSpeed: {args.speed_categories} categories × {args.speed_mb} MB against a fasttok tokenizer "
                "(30,000 merges) trained on a 20 MB mixture of the same files; end to end.\n\n"
            ) + markdown_table(
                ["categories × MB", "T", "wall s", "count + replay s", "LP s", "rounds", "rows"],
                [
                    [f"{s['categories']} × {s['mb_each']}", s["merges"], f"{s['wall_s']:.1f}", f"{s['replay_s']:.1f}",
                     f"{s['solve_s']:.1f}", s["rounds"], s["rows"]]
                    for s in data["speed"]
                ],
            ) + "\n"
    print(markdown)
    write_results("mixture" if args.trials else "mixture-speed", data, markdown)


if __name__ == "__main__":
    main()
