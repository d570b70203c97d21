"""LZW hypertokens: fasttok.lzw against zip2zip-compression on the same ids, in one run.

Base ids come from a fasttok byte-level BPE (``--vocab-size``, default 32,000) trained on
the first ``--train-mb`` MB of the corpus, then applied to the rest, so the streams are
real tokenizer output (prose and code), not synthetic ids.

Throughput (``--repeats`` interleaved blocks of 5 back-to-back calls per library, median
call; each library returns its native outputs). Rows "lists in" give both libraries Python lists, the only input zip2zip takes;
rows "arrays in" start from a numpy array, as after ``Tokenizer.encode_batch``: fasttok
reads it directly, zip2zip gets ``.tolist()`` (timed, as its users must call it):

* ``batch_encode`` and ``batch_decode``: 64 rows × 2,048 ids, M = 4, C = 2,048 and 8,192,
  left padding (fasttok: numpy; zip2zip: lists);
* ``encode`` and ``decode`` of one 1,000,000-id sequence, M = 4, C = 2,048.

Every output is checked for equality with zip2zip's. Wall and CPU seconds are per call in
this process; peak RSS is not separable at millisecond scale and is not reported here.

Sequence-length reduction: the same base tokenizer, windows of 2,048 base ids with C = 2,048
(zip2zip's Phi-3.5 setting), M = 3, 4 and 6, on code, English prose and 18 other languages
from ``$FASTTOK_CORPORA`` (``python corpora/build.py``).

Usage::

    python benches/bench_lzw.py
    python benches/bench_lzw.py --repeats 9 --train-mb 20
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _harness import (
    MB,
    cpu_seconds,
    default_corpus,
    label,
    machine_info,
    machine_markdown,
    markdown_table,
    median,
    ratio,
    read_blocks,
    write_results,
)

ROWS, ROW_LENGTH, LONG = 64, 2_048, 1_000_000
#: Calls per library in a row: a data loader calls the codec back to back, and the first
#: call after the other library's is slowed by its cache and thread-pool aftermath.
BLOCK = 5
DOMAINS = {
    "code": ["code/*"],
    "English prose": ["ml/en.txt"],
    "multilingual": ["ml/*.txt"],
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--vocab-size", type=int, default=32_000)
    parser.add_argument("--train-mb", type=float, default=30.0, help="MB of the corpus to train the base BPE on")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--domain-mb", type=float, default=2.0, help="MB per domain for the reduction table")
    return parser.parse_args(argv)


def timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    cpu, start = cpu_seconds(), time.perf_counter()
    result = call()
    return time.perf_counter() - start, cpu_seconds() - cpu, result


def throughput(rows: list[list[int]], long: list[int], vocab_size: int, repeats: int) -> list[dict[str, Any]]:
    """Time each operation for both libraries, interleaved; check the outputs agree."""
    import zip2zip_compression as z2z

    from fasttok import lzw

    pad = vocab_size - 1
    results = []
    for codebook_size, subjects in ((2_048, "batch"), (8_192, "batch"), (2_048, "long")):
        ours = lzw.Codec(vocab_size, codebook_size, 4, pad_id=pad)
        theirs = z2z.LZWCompressor(vocab_size, codebook_size, 4, pad, None)
        if subjects == "batch":
            codes = theirs.batch_encode(rows)[0]
            array = np.array(rows, dtype=np.uint32)
            base_ids = ROWS * ROW_LENGTH
            operations = {
                "batch_encode, lists in": (
                    lambda: ours.batch_encode(rows),
                    lambda: theirs.batch_encode(rows, padding=True),
                ),
                "batch_encode, arrays in": (
                    lambda: ours.batch_encode(array),
                    lambda: theirs.batch_encode(array.tolist(), padding=True),
                ),
                "batch_decode, lists in": (lambda: ours.batch_decode(codes), lambda: theirs.batch_decode(codes)),
            }
            encoded = lambda a, b: a.codes.tolist() == b[0]  # noqa: E731
            same = {
                "batch_encode, lists in": encoded,
                "batch_encode, arrays in": encoded,
                "batch_decode, lists in": lambda a, b: [r.tolist() for r in a.ids] == [ids for ids, _ in b],
            }
        else:
            long_codes = theirs.encode(long)[0]
            base_ids = len(long)
            operations = {
                "encode 1M": (lambda: ours.encode(long), lambda: theirs.encode(long)),
                "decode 1M": (lambda: ours.decode(long_codes), lambda: theirs.decode(long_codes)),
            }
            same = {
                "encode 1M": lambda a, b: a.codes.tolist() == b[0],
                "decode 1M": lambda a, b: a.ids.tolist() == b[0],
            }
        for name, (fast, peer) in operations.items():
            runs: dict[str, list[tuple[float, float]]] = {"fasttok": [], "zip2zip": []}
            identical = same[name](fast(), peer())
            for _ in range(repeats):
                for who, call in (("fasttok", fast), ("zip2zip", peer)):
                    for _ in range(BLOCK):
                        wall, cpu, _ = timed(call)
                        runs[who].append((wall, cpu))
            walls = {who: median([w for w, _ in r]) for who, r in runs.items()}
            cpus = {who: median([c for _, c in r]) for who, r in runs.items()}
            results.append(
                {
                    "operation": name,
                    "codebook_size": codebook_size,
                    "max_merge": 4,
                    "base_ids": base_ids,
                    "fasttok_wall_s": walls["fasttok"],
                    "zip2zip_wall_s": walls["zip2zip"],
                    "fasttok_cpu_s": cpus["fasttok"],
                    "zip2zip_cpu_s": cpus["zip2zip"],
                    "fasttok_mids_per_s": base_ids / walls["fasttok"] / 1e6,
                    "zip2zip_mids_per_s": base_ids / walls["zip2zip"] / 1e6,
                    "speedup": ratio(walls["zip2zip"], walls["fasttok"]),
                    "identical": identical,
                    "runs": runs,
                }
            )
            r = results[-1]
            print(
                f"{name:<24} C={codebook_size:<5} fasttok {r['fasttok_mids_per_s']:7.1f} M ids/s  "
                f"zip2zip {r['zip2zip_mids_per_s']:6.2f} M ids/s  ×{r['speedup']:.1f}  identical={identical}"
            )
    return results


def reduction(tokenizer: Any, corpora: Path, domain_mb: float) -> list[dict[str, Any]]:
    """Tokens before and after LZW per domain and M, windows of 2,048 base ids, C = 2,048."""
    from fasttok import lzw

    results = []
    for domain, patterns in DOMAINS.items():
        files = sorted(path for pattern in patterns for path in corpora.glob(pattern))
        if not files:
            print(f"{domain}: no files under {corpora} ({patterns}); run `python corpora/build.py`")
            continue
        per_file = int(domain_mb * MB / len(files)) + 1
        documents = [block for path in files for block in read_blocks(path, per_file, per_file)]
        ids = [id for document in documents for id in tokenizer.encode(document)]
        windows = [ids[start : start + ROW_LENGTH] for start in range(0, len(ids), ROW_LENGTH)]
        for max_merge in (3, 4, 6):
            codec = lzw.Codec.for_tokenizer(tokenizer, ROW_LENGTH, max_merge)
            codes = sum(len(row) for row in codec.batch_encode(windows, padding=False).codes)
            results.append(
                {
                    "domain": domain,
                    "files": len(files),
                    "bytes": sum(len(d.encode()) for d in documents),
                    "max_merge": max_merge,
                    "base_tokens": len(ids),
                    "hypertokens": codes,
                    "change": codes / len(ids) - 1,
                }
            )
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    import fasttok

    info = machine_info(["fasttok", "zip2zip-compression"])
    text = read_blocks(args.corpus, MB, int((args.train_mb + 4) * MB))
    train_docs, held_out = text[: int(args.train_mb)], text[int(args.train_mb) :]
    tokenizer = fasttok.train(iter(train_docs), vocab_size=args.vocab_size, progress=False)
    stream = [id for document in held_out for id in tokenizer.encode(document)]
    while len(stream) < LONG:
        stream += stream
    rows = [stream[i * ROW_LENGTH : (i + 1) * ROW_LENGTH] for i in range(ROWS)]
    print(f"base BPE {tokenizer.vocab_size} trained on {len(train_docs)} MB of {args.corpus}")

    speed = throughput(rows, stream[:LONG], tokenizer.vocab_size, args.repeats)
    reductions = reduction(tokenizer, args.corpus.parent, args.domain_mb)

    speed_table = markdown_table(
        ["operation", "C", "fasttok M ids/s", "zip2zip M ids/s", "wall ms (fasttok / zip2zip)", "CPU ms (fasttok / zip2zip)",
         "speed-up", "identical"],
        [
            [r["operation"], r["codebook_size"], r["fasttok_mids_per_s"], r["zip2zip_mids_per_s"],
             f"{1e3 * r['fasttok_wall_s']:.2f} / {1e3 * r['zip2zip_wall_s']:.2f}",
             f"{1e3 * r['fasttok_cpu_s']:.2f} / {1e3 * r['zip2zip_cpu_s']:.2f}", r["speedup"],
             "yes" if r["identical"] else "NO"]
            for r in speed
        ],
    )
    reduction_table = markdown_table(
        ["domain", "M", "bytes", "base tokens", "hypertokens", "change"],
        [[r["domain"], r["max_merge"], r["bytes"], r["base_tokens"], r["hypertokens"], f"{100 * r['change']:+.1f} %"]
         for r in reductions],
    )
    print()
    print(speed_table)
    print(reduction_table)
    versions = info["packages"]
    markdown = (
        "# LZW hypertokens: fasttok.lzw vs zip2zip-compression\n\n"
        + machine_markdown(info)
        + f"- base: fasttok BPE {tokenizer.vocab_size} trained on {len(train_docs)} MB of `{args.corpus}`; "
        + f"ids of held-out text; M = 4; median call of {args.repeats} interleaved blocks of {BLOCK} calls\n"
        + f"- {label('fasttok', versions['fasttok'])} vs {label('zip2zip-compression', versions['zip2zip-compression'])}; "
        + "speed-up = zip2zip wall / fasttok wall\n\n"
        + speed_table
        + "\n## Sequence-length reduction (windows of 2,048 base tokens, C = 2,048)\n\n"
        + reduction_table
        + "\nzip2zip's published table (M = 4, unbounded codebook, whole documents, other base tokenizers): "
        + "code −39 to −45 %, multilingual −13.5 to −18 %, knowledge −15 to −18 %.\n"
    )
    write_results(
        "lzw",
        {"benchmark": "lzw", "machine": info, "settings": vars(args) | {"corpus": str(args.corpus)},
         "throughput": speed, "reduction": reductions},
        markdown,
    )


if __name__ == "__main__":
    main()
