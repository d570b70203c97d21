"""LZW hypertokens: fasttok.lzw against zip2zip-compression on the same ids, in one run.

Base ids come from a fasttok byte-level BPE (``--vocab-size``, default 32,000) trained on
the first ``--train-mb`` MB of the corpus, then applied to the rest, so the streams are
real tokenizer output (prose and code), not synthetic ids.

Throughput: every (operation, library) runs in fresh processes (``--repeats`` interleaved,
each timing 15 back-to-back calls, as a data loader makes them; medians), so neither
library's thread pool or caches disturb the other; peak RSS is the whole process's. Each
library returns its native outputs, and their digests must agree. Rows "lists in" give both
Python lists, the only input zip2zip takes; rows "arrays in" start from a numpy array, as
after ``Tokenizer.encode_batch``: fasttok reads it directly, zip2zip gets ``.tolist()``
(timed, as its users must call it):

* ``batch_encode`` and ``batch_decode``: 64 rows × 2,048 ids, M = 4, C = 2,048 and 8,192,
  left padding (fasttok: numpy; zip2zip: lists);
* ``encode`` and ``decode`` of one 1,000,000-id sequence, M = 4, C = 2,048.

Sequence-length reduction: the same base tokenizer, windows of 2,048 base ids with C = 2,048
(zip2zip's Phi-3.5 setting), M = 3, 4 and 6, on code, English prose and 18 other languages
from ``$FASTTOK_CORPORA`` (``python corpora/build.py``).

Usage::

    python benches/bench_lzw.py
    python benches/bench_lzw.py --repeats 9 --train-mb 20
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _harness import (
    MB,
    ChildRun,
    cpu_seconds,
    default_corpus,
    label,
    machine_info,
    machine_markdown,
    markdown_table,
    median,
    ratio,
    read_blocks,
    run_child,
    write_results,
)

ROWS, ROW_LENGTH, LONG = 64, 2_048, 1_000_000
#: Timed calls per child process, back to back, as a data loader makes them.
CALLS = 15
LIBRARIES = ("fasttok", "zip2zip")
BATCH_OPERATIONS = ("batch_encode, lists in", "batch_encode, arrays in", "batch_decode, lists in")
LONG_OPERATIONS = ("encode 1M", "decode 1M")
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
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--domain-mb", type=float, default=2.0, help="MB per domain for the reduction table")
    parser.add_argument("--child", choices=LIBRARIES, help=argparse.SUPPRESS)
    parser.add_argument("--operation", choices=BATCH_OPERATIONS + LONG_OPERATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--codebook-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def timed(call: Callable[[], Any]) -> tuple[float, float]:
    cpu, start = cpu_seconds(), time.perf_counter()
    call()
    return time.perf_counter() - start, cpu_seconds() - cpu


def operations(library: str, codebook_size: int, data: Path) -> dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]]:
    """``{operation: (call, output as plain lists)}`` for one library, on the saved ids."""
    rows_array = np.load(data / "rows.npy")
    long_array = np.load(data / "long.npy")
    rows, long = rows_array.tolist(), long_array.tolist()
    vocab_size = int((data / "vocab_size").read_text())
    pad = vocab_size - 1
    if library == "fasttok":
        from fasttok import lzw

        codec = lzw.Codec(vocab_size, codebook_size, 4, pad_id=pad)
        codes = [row.tolist() for row in codec.batch_encode(rows, padding=False).codes]
        long_codes = codec.encode(long).codes.tolist()
        return {
            "batch_encode, lists in": (lambda: codec.batch_encode(rows), lambda out: out.codes.tolist()),
            "batch_encode, arrays in": (lambda: codec.batch_encode(rows_array), lambda out: out.codes.tolist()),
            "batch_decode, lists in": (lambda: codec.batch_decode(codes), lambda out: [r.tolist() for r in out.ids]),
            "encode 1M": (lambda: codec.encode(long), lambda out: out.codes.tolist()),
            "decode 1M": (lambda: codec.decode(long_codes), lambda out: out.ids.tolist()),
        }
    import zip2zip_compression as z2z

    compressor = z2z.LZWCompressor(vocab_size, codebook_size, 4, pad, None)
    codes = compressor.batch_encode(rows)[0]
    long_codes = compressor.encode(long)[0]
    return {
        "batch_encode, lists in": (lambda: compressor.batch_encode(rows, padding=True), lambda out: out[0]),
        "batch_encode, arrays in": (
            lambda: compressor.batch_encode(rows_array.tolist(), padding=True),
            lambda out: out[0],
        ),
        "batch_decode, lists in": (lambda: compressor.batch_decode(codes), lambda out: [ids for ids, _ in out]),
        "encode 1M": (lambda: compressor.encode(long), lambda out: out[0]),
        "decode 1M": (lambda: compressor.decode(long_codes), lambda out: out[0]),
    }


def child(library: str, operation: str, codebook_size: int, data: Path) -> None:
    """Time ``CALLS`` back-to-back calls of one operation; print the median call and a digest."""
    call, plain = operations(library, codebook_size, data)[operation]
    digest = hashlib.sha256(json.dumps(plain(call())).encode()).hexdigest()
    runs = [timed(call) for _ in range(CALLS)]
    print(json.dumps({"wall_s": median([w for w, _ in runs]), "cpu_s": median([c for _, c in runs]), "digest": digest}))


def throughput(data: Path, repeats: int) -> list[dict[str, Any]]:
    """Every operation for both libraries, each in fresh processes, repeats interleaved."""
    cases = [(op, c) for c in (2_048, 8_192) for op in BATCH_OPERATIONS] + [(op, 2_048) for op in LONG_OPERATIONS]
    runs: dict[tuple[str, int, str], list[ChildRun]] = {}
    for repeat in range(1, repeats + 1):
        for operation, codebook_size in cases:
            for library in LIBRARIES:
                args = [__file__, "--child", library, "--operation", operation, "--codebook-size", str(codebook_size)]
                run = run_child([*args, "--data", str(data)])
                runs.setdefault((operation, codebook_size, library), []).append(run)
                print(f"[{repeat}/{repeats}] {operation:<24} C={codebook_size:<5} {library:<8} "
                      f"{1e3 * run.report['wall_s']:8.2f} ms/call  peak RSS {run.peak_rss_mib:6.0f} MiB")
    results = []
    for operation, codebook_size in cases:
        base_ids = ROWS * ROW_LENGTH if operation in BATCH_OPERATIONS else LONG
        per_library = {lib: runs[(operation, codebook_size, lib)] for lib in LIBRARIES}
        wall = {lib: median([r.report["wall_s"] for r in rs]) for lib, rs in per_library.items()}
        cpu = {lib: median([r.report["cpu_s"] for r in rs]) for lib, rs in per_library.items()}
        rss = {lib: median([r.peak_rss_mib for r in rs]) for lib, rs in per_library.items()}
        digests = {r.report["digest"] for rs in per_library.values() for r in rs}
        results.append(
            {
                "operation": operation,
                "codebook_size": codebook_size,
                "max_merge": 4,
                "base_ids": base_ids,
                **{f"{lib}_{key}": value[lib] for lib in LIBRARIES
                   for key, value in (("wall_s", wall), ("cpu_s", cpu), ("peak_rss_mib", rss))},
                **{f"{lib}_mids_per_s": base_ids / wall[lib] / 1e6 for lib in LIBRARIES},
                "speedup": ratio(wall["zip2zip"], wall["fasttok"]),
                "identical": len(digests) == 1,
            }
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
    if args.child:
        child(args.child, args.operation, args.codebook_size, args.data)
        return
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

    with tempfile.TemporaryDirectory(prefix="fasttok-lzw-") as workdir:
        data = Path(workdir)
        np.save(data / "rows.npy", np.array(rows, dtype=np.uint32))
        np.save(data / "long.npy", np.array(stream[:LONG], dtype=np.uint32))
        (data / "vocab_size").write_text(str(tokenizer.vocab_size))
        speed = throughput(data, args.repeats)
    reductions = reduction(tokenizer, args.corpus.parent, args.domain_mb)

    speed_table = markdown_table(
        ["operation", "C", "fasttok M ids/s", "zip2zip M ids/s", "wall ms (fasttok / zip2zip)",
         "CPU ms (fasttok / zip2zip)", "process peak RSS MiB (fasttok / zip2zip)", "speed-up", "identical"],
        [
            [r["operation"], r["codebook_size"], r["fasttok_mids_per_s"], r["zip2zip_mids_per_s"],
             f"{1e3 * r['fasttok_wall_s']:.2f} / {1e3 * r['zip2zip_wall_s']:.2f}",
             f"{1e3 * r['fasttok_cpu_s']:.2f} / {1e3 * r['zip2zip_cpu_s']:.2f}",
             f"{r['fasttok_peak_rss_mib']:.0f} / {r['zip2zip_peak_rss_mib']:.0f}", r["speedup"],
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
        + f"ids of held-out text; M = 4; each library in its own processes ({args.repeats} interleaved "
        + f"repeats × {CALLS} back-to-back calls; medians)\n"
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
