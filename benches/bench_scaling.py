"""Scaling: counting shards locally and on Dask, the cost of Counts, and training far past RAM-sized corpora.

The numbers behind docs/scaling.md. Shards are resampled from the corpora sets (``python
corpora/build.py text ml code``): shard k holds every file under
``$FASTTOK_CORPORA/{text,ml,code}`` cut into 64 KiB blocks of whole lines, shuffled with
seed k, cut at ``--shard-mb``. Every stage runs in a fresh child process measured with
``os.wait4`` (wall, CPU, peak RSS):

1. ``local``: ``fasttok.count`` of the ``--shards`` shards in one process (all cores);
2. ``dask``: ``fasttok.distributed.count`` of the same shards on a 2-worker LocalCluster;
   the counts must be identical (their binary forms' SHA-256 is compared);
3. ``reduce``: each shard counted alone on one thread (a worker's throughput), saved,
   loaded and summed (size of Counts per GB, serialization and reduction cost);
4. ``merge``: BPE at ``--vocab-size`` trained from the counts pruned to N unique pieces (the
   merge loop's time against unique entries);
5. ``heaps``: unique pieces against distinct text (prefixes of one random order of the
   corpora sets), fitted to Heaps' law;
6. ``big``: ``fasttok.train`` at ``--vocab-size`` on ``--big-gb`` GB of shards, exact and
   with ``--max-unique``; peak RSS against the machine's memory.

    python benches/bench_scaling.py --shards 10 --shard-mb 100 --big-gb 10 --max-unique 500000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path

from _harness import MB, machine_info, machine_markdown, markdown_table, run_child, write_results

SOURCES = ("text", "ml", "code")


def corpora_root() -> Path:
    return Path(os.environ.get("FASTTOK_CORPORA") or Path.home() / ".cache" / "fasttok-corpora")


def shard_paths(directory: Path, count: int) -> list[Path]:
    return [directory / f"shard-{k:04}.txt" for k in range(count)]


def line_blocks(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    """``data`` cut into ~``size``-byte blocks after a newline."""
    blocks, start = [], 0
    while start < len(data):
        end = data.find(b"\n", start + size)
        end = len(data) if end < 0 else end + 1
        blocks.append(data[start:end])
        start = end
    return blocks


def child_build(args: argparse.Namespace) -> dict:
    """Build the missing shards (in a child, so that the parent never holds the corpus: a
    forked child's peak RSS would count the parent's pages)."""
    args.workdir.mkdir(parents=True, exist_ok=True)
    missing = [p for p in shard_paths(args.workdir, args.shards) if not p.exists()]
    if not missing:
        return {"built": 0}
    files = sorted(f for source in SOURCES for f in (corpora_root() / source).glob("*.txt"))
    if not files:
        sys.exit(f"no corpora under {corpora_root()}: run python corpora/build.py text ml code")
    blocks = [block for f in files for block in line_blocks(f.read_bytes())]
    for path in missing:
        order = list(range(len(blocks)))
        random.Random(int(path.stem.split("-")[1])).shuffle(order)
        size, partial = 0, path.with_suffix(".partial")
        with open(partial, "wb") as out:
            for index in order:
                out.write(blocks[index])
                size += len(blocks[index])
                if size >= args.shard_mb * MB:
                    break
        partial.rename(path)
        print(f"built {path} ({size / MB:.0f} MB)", file=sys.stderr, flush=True)
    return {"built": len(missing)}


def build_shards(directory: Path, count: int, shard_mb: int) -> list[Path]:
    """``count`` shards of ``shard_mb`` MB resampled from the corpora sets (cached)."""
    run_child([__file__, "--child", "build", "--workdir", str(directory), "--shards", str(count), "--shard-mb", str(shard_mb)])
    return shard_paths(directory, count)


def digest(counts) -> str:
    return hashlib.sha256(counts.to_bytes()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Children: each prints one JSON object as its last line
# --------------------------------------------------------------------------------------------


def child_local(args: argparse.Namespace) -> dict:
    import fasttok

    start = time.perf_counter()
    counts = fasttok.count(args.paths, num_threads=args.threads, progress=False)
    count_s = time.perf_counter() - start
    start = time.perf_counter()
    data = counts.to_bytes()
    serialize_s = time.perf_counter() - start
    if args.save:
        Path(args.save).write_bytes(data)
    return {
        "count_s": count_s,
        "unique": len(counts),
        "total": counts.total,
        "counts_bytes": len(data),
        "serialize_s": serialize_s,
        "sha": hashlib.sha256(data).hexdigest()[:16],
    }


def child_dask(args: argparse.Namespace) -> dict:
    import fasttok.distributed

    start = time.perf_counter()
    with fasttok.distributed.connect(f"local:{args.workers}") as client:
        start_s = time.perf_counter() - start
        start = time.perf_counter()
        counts = fasttok.distributed.count(args.paths, client=client, progress=False)
        count_s = time.perf_counter() - start
    return {"cluster_start_s": start_s, "count_s": count_s, "unique": len(counts), "sha": digest(counts)}


def child_reduce(args: argparse.Namespace) -> dict:
    import tempfile

    import fasttok

    shard_s, sizes = [], []
    with tempfile.TemporaryDirectory() as workdir:
        saved = []
        for k, path in enumerate(args.paths):
            start = time.perf_counter()
            counts = fasttok.count(path, num_threads=1, progress=False)
            shard_s.append(time.perf_counter() - start)
            saved.append(Path(workdir) / f"{k}.counts")
            counts.save(saved[-1])
            sizes.append(saved[-1].stat().st_size)
        del counts
        start = time.perf_counter()
        shards = [fasttok.Counts.load(path) for path in saved]
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        total = fasttok.Counts.sum(shards)
        sum_s = time.perf_counter() - start
    return {
        "shard_count_s": shard_s,
        "shard_counts_bytes": sizes,
        "load_s": load_s,
        "sum_s": sum_s,
        "unique": len(total),
        "sha": digest(total),
    }


def child_heaps(args: argparse.Namespace) -> dict:
    """Unique pieces against distinct text: prefixes of one random order of the corpora
    sets' 64 KiB blocks, fitted to Heaps' law U = K · bytes^β."""
    import math

    import fasttok

    files = sorted(f for source in SOURCES for f in (corpora_root() / source).glob("*.txt"))
    blocks = [block for f in files for block in line_blocks(f.read_bytes())]
    random.Random(0).shuffle(blocks)
    total = sum(map(len, blocks))
    points = []
    for fraction in (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1):
        prefix, size = [], 0
        for block in blocks:
            if size >= fraction * total:
                break
            prefix.append(block.decode("utf-8", "replace"))
            size += len(block)
        points.append((size, len(fasttok.count(iter(prefix), progress=False))))
    xs, ys = [math.log(b) for b, _ in points], [math.log(u) for _, u in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    beta = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    k = math.exp(mean_y - beta * mean_x)
    return {"points": points, "beta": beta, "k": k, "unique_at_1tb": k * 1e12**beta}


def child_merge(args: argparse.Namespace) -> dict:
    import fasttok

    counts = fasttok.Counts.load(args.counts)
    if args.top:
        counts = counts.prune(top=args.top)
    start = time.perf_counter()
    tokenizer = fasttok.train(counts=counts, vocab_size=args.vocab_size, progress=False)
    return {"unique": len(counts), "train_s": time.perf_counter() - start, "vocab_size": tokenizer.vocab_size}


def child_big(args: argparse.Namespace) -> dict:
    import fasttok

    start = time.perf_counter()
    counts = fasttok.count(args.paths, max_unique=args.max_unique, progress=False)
    count_s = time.perf_counter() - start
    start = time.perf_counter()
    tokenizer = fasttok.train(counts=counts, vocab_size=args.vocab_size, progress=False)
    return {
        "count_s": count_s,
        "merge_s": time.perf_counter() - start,
        "unique": len(counts),
        "max_error": counts.max_error,
        "vocab_size": tokenizer.vocab_size,
    }


CHILDREN = {"build": child_build, "heaps": child_heaps, "local": child_local, "dask": child_dask, "reduce": child_reduce, "merge": child_merge, "big": child_big}


def child(stage: str, **options: object) -> dict:
    """Run ``stage`` in a measured child process; its report plus wall, CPU and peak RSS."""
    argv = [__file__, "--child", stage]
    for key, value in options.items():
        if value is None:
            continue
        flag = "--" + key.replace("_", "-")
        argv += [flag, *map(str, value)] if isinstance(value, list) else [flag, str(value)]
    run = run_child(argv)
    report = {**run.report, "wall_s": run.wall_s, "cpu_s": run.cpu_s, "peak_rss_mib": run.peak_rss_mib}
    print(stage, json.dumps({k: v for k, v in report.items() if not isinstance(v, list)}), flush=True)
    return report


# --------------------------------------------------------------------------------------------
# Parent
# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shards", type=int, default=10)
    parser.add_argument("--shard-mb", type=int, default=100)
    parser.add_argument("--big-gb", type=float, default=10.0, help="corpus of the big training run (0: skip)")
    parser.add_argument("--vocab-size", type=int, default=65_536)
    parser.add_argument("--max-unique", type=int, default=2_000_000, help="bound of the bounded big run")
    parser.add_argument("--merge-unique", type=lambda s: [int(n) for n in s.split(",")], default=[250_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=corpora_root() / "scaling")
    parser.add_argument("--child", choices=list(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--paths", nargs="*", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=2, help=argparse.SUPPRESS)
    parser.add_argument("--save", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--counts", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--top", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args)))
        return

    shards = build_shards(args.workdir, args.shards, args.shard_mb)
    paths = [str(p) for p in shards]
    gb = sum(p.stat().st_size for p in shards) / 1e9
    counts_file = args.workdir / "all.counts"
    results: dict = {"machine": machine_info(["fasttok", "dask", "distributed"]), "corpus_gb": gb}
    results["local"] = child("local", paths=paths, save=counts_file)
    results["dask"] = child("dask", paths=paths, workers=2)
    results["reduce"] = child("reduce", paths=paths)
    results["merge"] = [child("merge", counts=counts_file, top=top, vocab_size=args.vocab_size) for top in args.merge_unique]
    results["merge"].append(child("merge", counts=counts_file, vocab_size=args.vocab_size))
    results["heaps"] = child("heaps")
    if args.big_gb:
        big = build_shards(args.workdir, round(args.big_gb * 1000 / args.shard_mb), args.shard_mb)
        big_paths = [str(p) for p in big]
        results["big_gb"] = sum(p.stat().st_size for p in big) / 1e9
        results["big"] = child("big", paths=big_paths, vocab_size=args.vocab_size)
        results["big_bounded"] = child("big", paths=big_paths, vocab_size=args.vocab_size, max_unique=args.max_unique)
    write_results("scaling", results, report(results, args))


def report(results: dict, args: argparse.Namespace) -> str:
    """The markdown tables of docs/scaling.md."""
    gb = results["corpus_gb"]
    local, dask, reduce = results["local"], results["dask"], results["reduce"]
    shard_mb = [os.path.getsize(p) / MB for p in sorted(args.workdir.glob("shard-*.txt"))[: args.shards]]
    per_worker = sum(shard_mb) / sum(reduce["shard_count_s"])
    lines = [
        "# Scaling", "", machine_markdown(results["machine"]), "",
        f"## Counting {gb:.2f} GB ({args.shards} shards)", "",
        markdown_table(
            ["how", "wall s", "CPU s", "peak RSS MiB", "MB/s", "identical"],
            [
                ["one process, all cores", f"{local['wall_s']:.1f}", f"{local['cpu_s']:.1f}", f"{local['peak_rss_mib']:.0f}",
                 f"{gb * 1000 / local['count_s']:.0f}", "reference"],
                [f"Dask LocalCluster, 2 workers (+{dask['cluster_start_s']:.1f} s start)", f"{dask['wall_s']:.1f}",
                 "–", "–", f"{gb * 1000 / dask['count_s']:.0f}", str(dask["sha"] == local["sha"])],
                ["shard by shard, 1 thread, saved + loaded + summed", f"{sum(reduce['shard_count_s']) + reduce['load_s'] + reduce['sum_s']:.1f}",
                 f"{reduce['cpu_s']:.1f}", f"{reduce['peak_rss_mib']:.0f}", f"{per_worker:.0f}", str(reduce["sha"] == local["sha"])],
            ],
        ), "",
        f"- Per-worker throughput (one thread): {per_worker:.1f} MB/s; one process with all cores: "
        f"{gb * 1000 / local['count_s']:.1f} MB/s.",
        f"- Counts of the whole corpus: {local['unique']:,} unique pieces, {local['counts_bytes'] / MB:.1f} MB serialized "
        f"({local['counts_bytes'] / local['unique']:.1f} B per piece, {local['serialize_s']:.2f} s); one shard: "
        f"{sum(reduce['shard_counts_bytes']) / len(reduce['shard_counts_bytes']) / MB:.1f} MB per {shard_mb[0]:.0f} MB of text.",
        f"- Reduction: loading {args.shards} shard counts {reduce['load_s']:.2f} s, summing them {reduce['sum_s']:.2f} s.",
        f"- Memory: {local['peak_rss_mib'] / local['unique'] * 1e6:.0f} MiB of peak RSS per million unique pieces while counting.",
        "", "## Unique pieces against distinct text (GPT-2 pieces, Heaps' law)", "",
        markdown_table(["distinct MB", "unique pieces"], [[f"{b / MB:.0f}", f"{u:,}"] for b, u in results["heaps"]["points"]]),
        "",
        f"Fit: U = {results['heaps']['k']:.2f} · bytes^{results['heaps']['beta']:.3f}; extrapolated to 1 TB of such text: "
        f"{results['heaps']['unique_at_1tb'] / 1e6:.0f} M unique pieces.",
        "", f"## Merge loop against unique entries (BPE, vocab {args.vocab_size:,})", "",
        markdown_table(
            ["unique pieces", "train s", "peak RSS MiB"],
            [[f"{m['unique']:,}", f"{m['train_s']:.1f}", f"{m['peak_rss_mib']:.0f}"] for m in results["merge"]],
        ), "",
    ]
    if "big" in results:
        lines += [
            f"## Training on {results['big_gb']:.1f} GB (BPE, vocab {args.vocab_size:,})", "",
            markdown_table(
                ["counting", "unique", "max_error", "count s", "merge s", "wall s", "peak RSS MiB"],
                [
                    [name, f"{r['unique']:,}", r["max_error"], f"{r['count_s']:.0f}", f"{r['merge_s']:.0f}",
                     f"{r['wall_s']:.0f}", f"{r['peak_rss_mib']:.0f}"]
                    for name, r in (("exact", results["big"]), (f"max_unique={args.max_unique:,}", results["big_bounded"]))
                ],
            ), "",
        ]  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main()
