"""The ``fasttok`` command: ``train``, ``encode``, ``decode``, ``info``, ``lzw``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import fasttok
from fasttok import corpus, lzw
from fasttok.exceptions import CorpusError, FasttokError
from fasttok.train import ALGORITHMS


def _train(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    tokenizer = fasttok.train(
        args.inputs,
        algorithm=args.algorithm,
        vocab_size=args.vocab_size,
        pretokenizer=args.pretokenizer,
        special_tokens=args.special_token,
        min_frequency=args.min_frequency,
        max_token_length=args.max_token_length,
        tie_break=args.tie_break,
        num_threads=args.threads,
        errors=args.errors,
        text_field=args.text_field,
        progress=False if args.quiet else None,
    )
    tokenizer.save(args.output)
    if not args.quiet:
        elapsed = time.perf_counter() - started
        print(f"trained {tokenizer!r} in {elapsed:.2f} s → {args.output}")
    return 0


def _read_text(args: argparse.Namespace) -> str:
    if args.text is not None:
        return str(args.text)
    if args.file is not None:
        with open(args.file, encoding="utf-8") as file:
            return file.read()
    return sys.stdin.read()


def _encode(args: argparse.Namespace) -> int:
    tokenizer = fasttok.Tokenizer.load(args.tokenizer)
    print(" ".join(map(str, tokenizer.encode(_read_text(args)))))
    return 0


def _decode(args: argparse.Namespace) -> int:
    tokenizer = fasttok.Tokenizer.load(args.tokenizer)
    words = args.ids if args.ids else sys.stdin.read().split()
    try:
        ids = [int(word) for word in words]
    except ValueError as err:
        raise FasttokError(f"ids must be integers: {err}") from None
    sys.stdout.write(tokenizer.decode(ids))
    return 0


def _info(args: argparse.Namespace) -> int:
    tokenizer = fasttok.Tokenizer.load(args.tokenizer)
    print(f"algorithm:    {tokenizer.algorithm}")
    print(f"vocab size:   {tokenizer.vocab_size}")
    print(f"merges:       {len(tokenizer.merges)}")
    print(f"pretokenizer: {tokenizer.pretokenizer}  {tokenizer.pattern}")
    print(f"special:      {tokenizer.special_tokens}")
    if args.text is not None or args.file is not None:
        text = _read_text(args)
        tokens = len(tokenizer.encode(text))
        size = len(text.encode())
        print(f"bytes/token:  {size / max(tokens, 1):.3f}  ({size} bytes, {tokens} tokens)")
    return 0


def _lzw(args: argparse.Namespace) -> int:
    tokenizer = fasttok.Tokenizer.load(args.tokenizer)
    codec = lzw.Codec.for_tokenizer(tokenizer, args.codebook_size, args.max_merge)
    files = corpus.resolve(args.inputs).files
    width = max(len(name) for name in [*files, "total"])
    print(f"{'file':<{width}}  {'bytes':>12}  {'tokens':>11}  {'hypertokens':>11}  {'change':>7}")
    totals = [0, 0, 0]
    for name in files:
        try:
            with open(name, encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as err:
            raise CorpusError(f"cannot read {name}: {err}") from None
        ids = tokenizer.encode(text)
        # Each window is one sequence with a fresh codebook, as a model's context would be.
        step = args.window or max(len(ids), 1)
        windows = [ids[start : start + step] for start in range(0, len(ids), step)]
        codes = codec.batch_encode(windows, padding=False, num_threads=args.threads).codes
        counts = [len(text.encode()), len(ids), sum(len(row) for row in codes)]
        totals = [total + count for total, count in zip(totals, counts)]
        print(_lzw_row(name, counts, width))
    print(_lzw_row("total", totals, width))
    return 0


def _lzw_row(name: str, counts: list[int], width: int) -> str:
    size, tokens, codes = counts
    change = f"{100 * (codes - tokens) / tokens:+.1f}%" if tokens else "–"
    return f"{name:<{width}}  {size:>12,}  {tokens:>11,}  {codes:>11,}  {change:>7}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fasttok", description="Fast, exact tokenizer training.")
    parser.add_argument("--version", action="version", version=f"fasttok {fasttok.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a tokenizer on files, globs or directories")
    train.add_argument("inputs", nargs="+", help="text or .jsonl files, globs, directories")
    train.add_argument("-o", "--output", required=True, help="directory for tokenizer.json + fasttok.json")
    train.add_argument("-v", "--vocab-size", type=int, required=True)
    train.add_argument("-a", "--algorithm", default="bpe", choices=ALGORITHMS)
    train.add_argument("-p", "--pretokenizer", default="gpt2", help="gpt2, cl100k, o200k or a regex")
    train.add_argument("--special-token", action="append", default=[], help="repeatable")
    train.add_argument("--min-frequency", type=int, default=0)
    train.add_argument("--max-token-length", type=int, default=None)
    train.add_argument("--tie-break", default="hf", choices=("hf", "bytes"))
    train.add_argument("-j", "--threads", type=int, default=None, help="default: one per core")
    train.add_argument("--errors", default="strict", choices=("strict", "replace"), help="invalid UTF-8")
    train.add_argument("--text-field", default="text", help="field of .jsonl records")
    train.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summary")
    train.set_defaults(run=_train)

    for name, run, help in (
        ("encode", _encode, "print the ids of a text"),
        ("info", _info, "describe a tokenizer; with a text, its bytes per token"),
    ):
        command = commands.add_parser(name, help=help)
        command.add_argument("tokenizer", help="directory or tokenizer.json")
        source = command.add_mutually_exclusive_group()
        source.add_argument("text", nargs="?", default=None, help="the text (default: stdin for encode)")
        source.add_argument("-f", "--file", default=None, help="read the text from a file")
        command.set_defaults(run=run)

    decode = commands.add_parser("decode", help="print the text of ids")
    decode.add_argument("tokenizer", help="directory or tokenizer.json")
    decode.add_argument("ids", nargs="*", help="ids (default: read from stdin)")
    decode.set_defaults(run=_decode)

    hyper = commands.add_parser("lzw", help="count tokens before and after LZW hypertokens (zip2zip), per file")
    hyper.add_argument("tokenizer", help="directory or tokenizer.json")
    hyper.add_argument("inputs", nargs="+", help="text files, globs, directories")
    hyper.add_argument("-C", "--codebook-size", type=int, default=2048, help="entries per sequence")
    hyper.add_argument("-M", "--max-merge", type=int, default=4, help="base tokens per hypertoken")
    hyper.add_argument("-w", "--window", type=int, default=2048, help="base tokens per sequence; 0: a file")
    hyper.add_argument("-j", "--threads", type=int, default=None, help="default: one per core")
    hyper.set_defaults(run=_lzw)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for fasttok errors, 130 for Ctrl-C)."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except FasttokError as err:
        print(f"fasttok: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fasttok: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 141


if __name__ == "__main__":
    sys.exit(main())
