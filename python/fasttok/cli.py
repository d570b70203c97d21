"""The ``fasttok`` command: ``count``, ``train``, ``extend``, ``encode``, ``decode``, ``info``,
``lzw``, ``infer-mixture``, ``decompound``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import fasttok
import fasttok.distributed
from fasttok import corpus, lzw
from fasttok.compound import LANGUAGES
from fasttok.exceptions import CorpusError, FasttokError, ParameterError
from fasttok.mixture import SOLVERS, infer_mixture
from fasttok.train import ALGORITHMS, UNITS

if TYPE_CHECKING:
    from distributed import Client


def _common_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options ``train`` and ``extend`` share."""
    options = {
        "vocab_size": args.vocab_size,
        "special_tokens": args.special_token,
        "min_frequency": args.min_frequency,
        "max_token_length": args.max_token_length,
        "tie_break": args.tie_break,
        "num_threads": args.threads,
        "max_unique": args.max_unique,
        "errors": args.errors,
        "text_field": args.text_field,
        "progress": False if args.quiet else None,
        "transition": args.transition,
        "stage2_pretokenizer": args.stage2_pretokenizer,
        "lines": args.lines,
        "max_words": args.max_words or None,
        "forbidden": [": "] if args.forbidden is None else args.forbidden,
        "keep_absent_merges": args.keep_absent_merges,
    }
    return options


def _lib_options(args: argparse.Namespace) -> dict[str, Any]:
    """LiB's options (``train --algorithm lib``)."""
    return {
        "units": args.units,
        "in_rate": args.in_rate,
        "out_rate": args.out_rate,
        "life": args.life,
        "update_rate": args.update_rate,
        "inspect_context": args.inspect_context,
        "sentences_per_step": args.sentences_per_step,
        "steps": args.steps,
        "seed": args.seed,
    }


def _unigram_options(args: argparse.Namespace) -> dict[str, Any]:
    """Unigram's options (``train --algorithm unigram``)."""
    return {
        "units": args.units,
        "seed_size": args.seed_size,
        "shrinking_factor": args.shrinking_factor,
        "sub_iterations": args.sub_iterations,
    }


def _compound_options(args: argparse.Namespace) -> dict[str, Any]:
    """CompoundPiece's options (``train --algorithm compoundpiece``)."""
    return {
        **_unigram_options(args),
        "lang": args.lang,
        "compound_model": args.compound_model,
        "decompound": {"min_part_length": args.min_part_length, "min_part_count": args.min_part_count},
    }


def _decompound(args: argparse.Namespace) -> int:
    counts = fasttok.count(args.corpus, errors=args.errors, progress=False)
    words = args.words if args.words else sys.stdin.read().split()
    splits = fasttok.decompound(
        words, counts, lang=args.lang, min_part_length=args.min_part_length, min_part_count=args.min_part_count
    )
    for word, parts in zip(words, splits):
        print(word + "\t" + " ".join(part + (f"[{link}]" if link else "") for part, link in parts))
    return 0


def _train(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    options = _common_options(args)
    if args.algorithm == "lib":
        options.update(_lib_options(args))
    if args.algorithm == "unigram":
        options.update(_unigram_options(args))
    if args.algorithm == "compoundpiece":
        options.update(_compound_options(args))
    options.update(algorithm=args.algorithm, pretokenizer=args.pretokenizer, prefix_space=args.prefix_space or None)
    if args.dask:
        with _dask_client(args) as client:
            tokenizer = fasttok.distributed.train(args.inputs, client=client, **options)
    else:
        tokenizer = fasttok.train(**_source(args), **options)
    if args.algorithm == "lib" and args.segmenter == "greedy":
        tokenizer = tokenizer.with_segmenter("greedy")
    return _saved(tokenizer, args, started)


def _extend(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.vocab_size is None:
        raise ParameterError("invalid value for `--vocab-size`: extend needs one")
    if args.dask:
        raise ParameterError("invalid value for `--dask`: extend counts locally; count with `fasttok count --dask`")
    tokenizer = fasttok.extend(args.base, **_source(args), **_common_options(args))
    return _saved(tokenizer, args, started)


def _source(args: argparse.Namespace) -> dict[str, Any]:
    """``corpus=`` the inputs, or ``counts=`` the sum of the ``--counts`` files."""
    if bool(args.inputs) == bool(args.counts):
        raise ParameterError("give either input files or `--counts` files")
    if args.inputs:
        return {"corpus": args.inputs}
    return {"counts": fasttok.Counts.sum([fasttok.Counts.load(path) for path in args.counts])}


@contextmanager
def _dask_client(args: argparse.Namespace) -> Iterator[Client]:
    """A Dask client for ``--dask`` (see :func:`fasttok.distributed.connect`), closed after use."""
    if args.counts:
        raise ParameterError("invalid value for `--dask`: it counts input files, not `--counts`")
    client = fasttok.distributed.connect(args.dask)
    with client:
        yield client


def _count(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    options: dict[str, Any] = {
        "unit": args.unit,
        "pretokenizer": args.pretokenizer,
        "lines": args.lines,
        "prefix_space": args.prefix_space,
        "max_unique": args.max_unique,
        "errors": args.errors,
        "text_field": args.text_field,
        "progress": False if args.quiet else None,
    }
    if args.dask:
        with _dask_client(args) as client:
            counts = fasttok.distributed.count(args.inputs, client=client, **options)
    else:
        counts = fasttok.count(args.inputs, num_threads=args.threads, **options)
    counts.save(args.output)
    if not args.quiet:
        elapsed = time.perf_counter() - started
        print(f"counted {counts!r} in {elapsed:.2f} s → {args.output}")
    return 0


def _saved(tokenizer: fasttok.Tokenizer, args: argparse.Namespace, started: float) -> int:
    """Save a trained tokenizer and report it (with what stage 2 did, for SuperBPE)."""
    tokenizer.save(args.output)
    if not args.quiet:
        elapsed = time.perf_counter() - started
        print(f"trained {tokenizer!r} in {elapsed:.2f} s → {args.output}")
        stage2 = tokenizer.parameters.get("stage2")
        if stage2:
            print(
                f"stage 2: {stage2['inherited'] - len(stage2['dropped'])} of {stage2['inherited']} inherited merges"
                f" kept ({len(stage2['dropped'])} absent from the stage-2 data), {stage2['learned']} learned"
            )
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
    if tokenizer.model_type == "BPE":
        print(f"merges:       {len(tokenizer.merges)}")
    elif tokenizer.model_type == "LiB":
        print(f"segmenter:    {tokenizer.segmenter}")
    else:
        print(f"model:        {tokenizer.model_type}")
    lines = " (line by line, prefix space)" if tokenizer.prefix_space else " (line by line)" if tokenizer.lines else ""
    print(f"pretokenizer: {tokenizer.pretokenizer}{lines}  {tokenizer.pattern}")
    if "transition" in tokenizer.parameters:
        print(f"transition:   {tokenizer.parameters['transition']}")
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


def _infer_mixture(args: argparse.Namespace) -> int:
    samples: dict[str, str] = {}
    for category in args.category:
        name, separator, path = category.partition("=")
        if not separator or not name or not path:
            raise ParameterError(f"--category {category!r}: expected NAME=PATH")
        if name in samples:
            raise ParameterError(f"--category {name!r} is given twice")
        samples[name] = path
    result = infer_mixture(
        args.tokenizer,
        samples,
        merges=args.merges,
        start=args.start,
        pretokenizer=args.pretokenizer,
        remove_redundant=args.remove_redundant,
        solver=args.solver,
        num_threads=args.threads,
        progress=False if args.quiet else None,
    )
    print(result.table())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump({"categories": result.records(), "objective": result.objective, "steps": result.steps}, file, indent=1)
    if args.plot:
        result.plot(args.plot)
    return 0


def _lzw_row(name: str, counts: list[int], width: int) -> str:
    size, tokens, codes = counts
    change = f"{100 * (codes - tokens) / tokens:+.1f}%" if tokens else "–"
    return f"{name:<{width}}  {size:>12,}  {tokens:>11,}  {codes:>11,}  {change:>7}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fasttok", description="Fast, exact tokenizer training.")
    parser.add_argument("--version", action="version", version=f"fasttok {fasttok.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    count = commands.add_parser("count", help="count a corpus's pieces into a counts file (train --counts)")
    count.add_argument("inputs", nargs="+", help="text, .jsonl or .parquet files, globs, directories")
    count.add_argument("-o", "--output", required=True, help="the counts file to write")
    count.add_argument("-u", "--unit", default="word", choices=UNITS, help="pretokenizer pieces, lines or documents")
    count.add_argument("-p", "--pretokenizer", default=None, help="for --unit word: a named spec or a regex (gpt2)")
    count.add_argument("--lines", action="store_true", help="for --unit word: no piece spans a newline")
    count.add_argument(
        "--prefix-space", action="store_true", help="for --unit word: split lines as if they began with a space"
    )
    count.add_argument("--errors", default="strict", choices=("strict", "replace"), help="invalid UTF-8")
    count.add_argument("--text-field", default="text", help="field of .jsonl records and Parquet column")
    count.add_argument("-j", "--threads", type=int, default=None, help="default: one per core")
    count.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summary")
    _add_scaling_options(count)
    count.set_defaults(run=_count, counts=None)

    train = commands.add_parser("train", help="train a tokenizer on files, globs or directories")
    train.add_argument("inputs", nargs="*", help="text, .jsonl or .parquet files, globs, directories")
    train.add_argument("-a", "--algorithm", default="bpe", choices=ALGORITHMS)
    train.add_argument(
        "-p", "--pretokenizer", default=None, help="a named spec or a regex (default: gpt2; superbpe-stage1; lib: none)"
    )
    train.add_argument(
        "--prefix-space",
        action="store_true",
        help="split lines as if they began with a space (SentencePiece's dummy prefix; not SuperBPE)",
    )
    _add_training_options(train)
    units = train.add_argument_group("LiB and Unigram")
    units.add_argument("--units", default="chars", choices=("chars", "bytes"))
    unigram = train.add_argument_group("Unigram")
    unigram.add_argument("--seed-size", type=int, default=1_000_000, help="most pieces in the seed vocabulary")
    unigram.add_argument("--shrinking-factor", type=float, default=0.75, help="least share kept per pruning round")
    unigram.add_argument("--sub-iterations", type=int, default=2, help="EM iterations per pruning round")
    compound = train.add_argument_group("CompoundPiece")
    compound.add_argument("--compound-model", default="unigram", choices=("unigram", "bpe"))
    _add_decompound_options(compound)
    lib = train.add_argument_group("LiB")
    lib.add_argument("--in-rate", type=float, default=0.25, help="α: chance of memorizing two adjacent chunks")
    lib.add_argument("--out-rate", type=float, default=1e-4, help="ω: tail fraction put on probation per article")
    lib.add_argument("--life", type=int, default=10, help="τ0: probation, in articles")
    lib.add_argument("--update-rate", type=float, default=0.1, help="Δ: re-rank rate")
    lib.add_argument("--no-inspect-context", dest="inspect_context", action="store_false")
    lib.add_argument("--sentences-per-step", type=int, default=500, help="lines per article")
    lib.add_argument("--steps", type=int, default=None, help="articles to read (default: one pass)")
    lib.add_argument("--seed", type=int, default=0)
    lib.add_argument("--segmenter", default="two-path", choices=("two-path", "greedy"))
    train.set_defaults(run=_train)

    decompound = commands.add_parser(
        "decompound", help="split compound words by the word counts of a corpus (Koehn & Knight)"
    )
    decompound.add_argument("words", nargs="*", help="words to split (default: read from stdin)")
    decompound.add_argument(
        "--corpus", action="append", required=True, help="text whose word counts score the splits (repeatable)"
    )
    decompound.add_argument("--errors", default="strict", choices=("strict", "replace"))
    _add_decompound_options(decompound)
    decompound.set_defaults(run=_decompound)

    extend = commands.add_parser("extend", help="turn a BPE tokenizer into a SuperBPE one (stage 2 on the inputs)")
    extend.add_argument("base", help="directory or tokenizer.json of the BPE tokenizer")
    extend.add_argument("inputs", nargs="*", help="text, .jsonl or .parquet files, globs, directories")
    _add_training_options(extend)
    extend.set_defaults(run=_extend, transition=None)

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

    mixture = commands.add_parser(
        "infer-mixture", help="infer the category proportions of a BPE tokenizer's training data"
    )
    mixture.add_argument(
        "--tokenizer", required=True, help="directory, tokenizer.json, .tiktoken rank file or merges.txt"
    )
    mixture.add_argument(
        "-c", "--category", action="append", required=True, help="NAME=PATH (file, glob, directory); repeatable"
    )
    mixture.add_argument("-T", "--merges", type=int, default=30_000, help="merges used (default 30000)")
    mixture.add_argument("--start", type=int, default=0, help="skip the first merges (an extended tokenizer)")
    mixture.add_argument("-p", "--pretokenizer", default=None, help="override: a named spec or a regex")
    mixture.add_argument("--remove-redundant", action="store_true", help="drop SentencePiece-conversion duplicates")
    mixture.add_argument("--solver", default="auto", choices=SOLVERS)
    mixture.add_argument("-j", "--threads", type=int, default=None, help="default: one per core")
    mixture.add_argument("--json", default=None, help="also write the result as JSON")
    mixture.add_argument("--plot", default=None, help="also draw a bar chart (PNG; needs matplotlib)")
    mixture.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    mixture.set_defaults(run=_infer_mixture)
    return parser


def _add_decompound_options(group: Any) -> None:
    """The decompounder's options (``decompound`` and ``train -a compoundpiece``)."""
    group.add_argument("--lang", default="de", choices=LANGUAGES, help="language of the linking elements")
    group.add_argument("--min-part-length", type=int, default=None, help="shortest part, in characters (4)")
    group.add_argument("--min-part-count", type=int, default=None, help="least count of a part (5)")


def _add_scaling_options(command: argparse.ArgumentParser) -> None:
    """Bounded memory and Dask (``count``, ``train``, ``extend``)."""
    command.add_argument(
        "--max-unique", type=int, default=None, help="keep at most N pieces, pruning rare ones (bounded memory)"
    )
    command.add_argument("--dask", default=None, help="count on Dask: a scheduler address, or local:N for N workers")


def _add_training_options(command: argparse.ArgumentParser) -> None:
    """The options of ``train`` and ``extend``."""
    command.add_argument("-o", "--output", required=True, help="directory for tokenizer.json + fasttok.json")
    command.add_argument("-v", "--vocab-size", type=int, default=None, help="required except for lib (default: emergent)")
    command.add_argument("--special-token", action="append", default=[], help="repeatable")
    command.add_argument("--min-frequency", type=int, default=0)
    command.add_argument("--max-token-length", type=int, default=None)
    command.add_argument("--tie-break", default="hf", choices=("hf", "bytes"))
    command.add_argument("-j", "--threads", type=int, default=None, help="default: one per core")
    command.add_argument("--errors", default="strict", choices=("strict", "replace"), help="invalid UTF-8")
    command.add_argument("--text-field", default="text", help="field of .jsonl records and Parquet column")
    command.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summary")
    command.add_argument(
        "--counts", action="append", default=[], help="train on these counts files (summed) instead of inputs"
    )
    _add_scaling_options(command)
    superbpe = command.add_argument_group("SuperBPE")
    superbpe.add_argument(
        "-t", "--transition", type=int, default=None, help="inherit the first t-1 merges (default: 90%%; extend: all)"
    )
    superbpe.add_argument("--stage2-pretokenizer", default="superbpe-stage2", help="superbpe-2025-stage2 or a regex")
    superbpe.add_argument(
        "--no-lines", dest="lines", action="store_false", help="documents, not lines, are the training sequences"
    )
    superbpe.add_argument("--max-words", type=int, default=4, help="words per new token; 0: no limit")
    superbpe.add_argument(
        "--forbidden", action="append", default=None, help="substring no new token may contain (repeatable; default ': ')"
    )
    superbpe.add_argument(
        "--keep-absent-merges", action="store_true", help="keep inherited merges absent from the stage-2 data"
    )


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
