"""Encoding throughput, one thread: fasttok against tiktoken and HF tokenizers, same vocabulary.

One byte-level BPE vocabulary is trained on the corpus and loaded into every encoder:

* fasttok: ``fasttok.train([path], algorithm="bpe", pretokenizer="gpt2")``; tiktoken gets
  ``tiktoken.Encoding(**tok.to_tiktoken())`` and HF gets ``tok.save(dir)`` then
  ``Tokenizer.from_file(dir + "/tokenizer.json")``.
* ``--skip-fasttok`` (while fasttok is not built): HF tokenizers trains the vocabulary
  (bench_train's HF configuration) and tiktoken gets its tokens as ``{bytes: HF id}``.

The corpus is cut into ~1 MB documents (whole lines). Each timing encodes every document once
(tiktoken ``encode_ordinary``, HF ``encode(..., add_special_tokens=False).ids``, fasttok
``encode``); the median of ``--repeats`` timings gives MB/s. Repeats are interleaved across the
encoders. ``RAYON_NUM_THREADS=1`` is set before any tokenizer library loads, and the CPU seconds
are reported beside the wall seconds to show that each encoder stayed on one core. A separate
pass checks that every encoder returns exactly the ids of the first one.

Usage::

    python benches/bench_encode.py                      # $FASTTOK_CORPORA/bench-100mb.txt
    python benches/bench_encode.py --corpus small.txt --skip-fasttok --vocab-size 8000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from _harness import (
    GPT2_PATTERN,
    MB,
    bar_chart,
    byte_level_decoder,
    cpu_seconds,
    default_corpus,
    hf_bpe_tokenizer,
    label,
    machine_info,
    machine_markdown,
    markdown_table,
    median,
    ratio,
    read_blocks,
    write_results,
)

Encoder = Callable[[str], Sequence[int]]


def fasttok_encoders(corpus: Path, vocab_size: int, workdir: Path) -> dict[str, Encoder]:
    """Train fasttok; return its encoder and tiktoken's and HF's over the exported vocabulary."""
    import fasttok
    import tiktoken
    from tokenizers import Tokenizer

    tok = fasttok.train(
        [str(corpus)],
        algorithm="bpe",
        vocab_size=vocab_size,
        pretokenizer="gpt2",
        num_threads=os.cpu_count(),
        progress=False,
    )
    encoding = tiktoken.Encoding(**tok.to_tiktoken())
    tok.save(str(workdir))
    hf = Tokenizer.from_file(str(workdir / "tokenizer.json"))
    return {
        "fasttok": tok.encode,
        "tiktoken": encoding.encode_ordinary,
        "hf": lambda text: hf.encode(text, add_special_tokens=False).ids,
    }


def hf_trained_encoders(corpus: Path, vocab_size: int) -> dict[str, Encoder]:
    """Train with HF tokenizers; return tiktoken's encoder over the same tokens and HF's."""
    import tiktoken

    hf = hf_bpe_tokenizer(corpus, vocab_size)
    byte_of = byte_level_decoder()
    ranks = {bytes(byte_of[c] for c in token): i for token, i in hf.get_vocab().items()}
    encoding = tiktoken.Encoding(name="hf-trained", pat_str=GPT2_PATTERN, mergeable_ranks=ranks, special_tokens={})
    return {
        "tiktoken": encoding.encode_ordinary,
        "hf": lambda text: hf.encode(text, add_special_tokens=False).ids,
    }


def time_encoder(encode: Encoder, documents: Sequence[str]) -> tuple[float, float, int]:
    """Encode every document once; return (wall seconds, CPU seconds, number of tokens)."""
    tokens = 0
    cpu = cpu_seconds()
    start = time.perf_counter()
    for document in documents:
        tokens += len(encode(document))
    return time.perf_counter() - start, cpu_seconds() - cpu, tokens


def count_mismatches(encoders: dict[str, Encoder], documents: Sequence[str]) -> dict[str, int]:
    """For each encoder, the number of documents whose ids differ from the first encoder's."""
    first, *others = encoders
    mismatches = dict.fromkeys(encoders, 0)
    for document in documents:
        expected = list(encoders[first](document))
        for name in others:
            mismatches[name] += list(encoders[name](document)) != expected
    return mismatches


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus(), help="text file (default: %(default)s)")
    parser.add_argument("--vocab-size", type=int, default=32000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-mb", type=float, help="encode only the first MAX_MB megabytes of the corpus")
    parser.add_argument("--skip-fasttok", action="store_true", help="train the vocabulary with HF tokenizers instead")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Train one vocabulary, time every encoder over the corpus, print and write the results."""
    args = parse_args(argv)
    os.environ["RAYON_NUM_THREADS"] = "1"
    if not args.corpus.is_file():
        raise SystemExit(f"corpus {args.corpus} not found: run `python corpora/build.py bench` or pass --corpus PATH")
    info = machine_info(["fasttok", "tiktoken", "tokenizers"])
    max_bytes = int(args.max_mb * MB) if args.max_mb else None
    documents = read_blocks(args.corpus, MB, max_bytes)
    text_bytes = sum(len(d.encode("utf-8")) for d in documents)
    print(f"corpus {args.corpus}: {len(documents)} documents, {text_bytes / MB:.1f} MB; vocab {args.vocab_size}")

    with tempfile.TemporaryDirectory(prefix="fasttok-bench-") as workdir:
        start = time.perf_counter()
        if args.skip_fasttok:
            encoders = hf_trained_encoders(args.corpus, args.vocab_size)
            trained_by = "tokenizers"
        else:
            encoders = fasttok_encoders(args.corpus, args.vocab_size, Path(workdir))
            trained_by = "fasttok"
        print(f"vocabulary trained by {trained_by} in {time.perf_counter() - start:.1f} s")

        for encode in encoders.values():
            encode(documents[0])  # warm-up: lazy regex compilation, caches
        timings: dict[str, list[tuple[float, float, int]]] = {name: [] for name in encoders}
        for repeat in range(1, args.repeats + 1):
            for name, encode in encoders.items():
                wall, cpu, tokens = time_encoder(encode, documents)
                timings[name].append((wall, cpu, tokens))
                speed = text_bytes / MB / wall
                print(f"[{repeat}/{args.repeats}] {name:<9} {speed:7.2f} MB/s  wall {wall:6.2f} s  cpu {cpu:6.2f} s")
        mismatches = count_mismatches(encoders, documents)

    reference = next(iter(encoders))
    dists = {"fasttok": "fasttok", "tiktoken": "tiktoken", "hf": "tokenizers"}
    results = []
    for name in encoders:
        wall = median([t[0] for t in timings[name]])
        results.append(
            {
                "encoder": name,
                "version": info["packages"][dists[name]],
                "mb_per_s": text_bytes / MB / wall,
                "wall_s": wall,
                "cpu_s": median([t[1] for t in timings[name]]),
                "tokens": timings[name][0][2],
                "documents_differing_from_" + reference: mismatches[name],
                "runs": [{"wall_s": w, "cpu_s": c} for w, c, _ in timings[name]],
            }
        )
    fasttok_speed = next((r["mb_per_s"] for r in results if r["encoder"] == "fasttok"), None)
    for r in results:
        r["fasttok_speedup"] = ratio(fasttok_speed, r["mb_per_s"]) if r["encoder"] != "fasttok" else None

    headers = ["encoder", "MB/s", "wall s", "CPU s", "tokens", f"ids identical to {reference}", "fasttok speed-up"]
    rows = [
        [
            label(r["encoder"], r["version"]),
            r["mb_per_s"],
            r["wall_s"],
            r["cpu_s"],
            r["tokens"],
            "yes"
            if mismatches[r["encoder"]] == 0
            else f"no ({mismatches[r['encoder']]} of {len(documents)} documents differ)",
            r["fasttok_speedup"],
        ]
        for r in results
    ]
    table = markdown_table(headers, rows)
    print()
    print(table)
    settings = {
        "corpus": str(args.corpus),
        "encoded_bytes": text_bytes,
        "documents": len(documents),
        "vocab_size": args.vocab_size,
        "repeats": args.repeats,
        "vocabulary_trained_by": trained_by,
        "threads": 1,
    }
    markdown = (
        "# Encoding throughput (1 thread)\n\n"
        + machine_markdown(info)
        + f"- corpus: `{args.corpus}`, {text_bytes / MB:.1f} MB in {len(documents)} documents of ~1 MB; "
        + f"vocab {args.vocab_size} trained by {trained_by}; medians of {args.repeats} passes\n\n"
        + table
        + "\nfasttok speed-up = fasttok MB/s / peer MB/s (above 1: fasttok is faster).\n"
    )
    write_results(
        "encode", {"benchmark": "encode", "machine": info, "settings": settings, "results": results}, markdown
    )
    bar_chart(
        "encode",
        f"Encoding, 1 thread, vocab {args.vocab_size}, {text_bytes / MB:.0f} MB",
        list(encoders),
        {"MB/s": {"1 thread": [r["mb_per_s"] for r in results]}},
    )


if __name__ == "__main__":
    main()
