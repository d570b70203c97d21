"""Unigram and CompoundPiece against sentencepiece, side by side on the same corpora.

1. Training speed (wall, CPU, peak RSS; medians of child processes) and held-out
   log-likelihood per byte of fasttok Unigram (GPT-2 pieces, without and with
   ``prefix_space``, SentencePiece's dummy prefix) and sentencepiece unigram at equal
   vocabulary (both with 256 byte-fallback pieces and one unknown token).
2. Compound boundaries on German and Dutch: frequent long nouns of the corpus split by
   HanTa's morphological analyser (silver constituents; a sample was hand-checked) →
   boundary-respect rate (every constituent boundary is a token boundary) and boundary
   recall for fasttok CompoundPiece, fasttok Unigram, sentencepiece unigram and fasttok
   BPE at equal vocabulary, bytes/token on held-out text, and the decompounder's
   agreement with HanTa.

    python benches/bench_unigram.py            # needs: pip install sentencepiece HanTa

Writes benches/results/unigram.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _harness import (  # noqa: E402
    machine_info,
    machine_markdown,
    markdown_table,
    median,
    ratio,
    run_child,
)

CORPORA = Path.home() / ".cache" / "fasttok-corpora" / "ml"
RESULTS = Path(__file__).parent / "results"
HELD_OUT_BYTES = 1_000_000
#: The fasttok Unigram trainers measured: name → options of ``fasttok.train``.
FASTTOK_UNIGRAMS: dict[str, dict[str, bool]] = {"fasttok": {}, "fasttok prefix_space": {"prefix_space": True}}


def split_corpus(lang: str, train_bytes: int, workdir: Path) -> tuple[Path, str]:
    """The first ``train_bytes`` of ``ml/<lang>.txt`` as a file, and its last MB (held out)."""
    text = (CORPORA / f"{lang}.txt").read_bytes()
    held_out = text[-HELD_OUT_BYTES:].decode("utf-8", "ignore").split("\n", 1)[1]
    train = text[: min(train_bytes, len(text) - HELD_OUT_BYTES)].decode("utf-8", "ignore")
    path = workdir / f"{lang}-train.txt"
    path.write_text(train, encoding="utf-8")
    return path, held_out


def train_sentencepiece(corpus: Path, prefix: Path, vocab_size: int) -> None:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), vocab_size=vocab_size, model_type="unigram",
        character_coverage=1.0, byte_fallback=True, normalization_rule_name="identity", num_threads=2,
        max_sentence_length=1 << 20, minloglevel=2,
    )  # fmt: skip


def child(args: argparse.Namespace) -> None:
    """One measured training run; prints a JSON report."""
    started = time.perf_counter()
    if args.child in FASTTOK_UNIGRAMS:
        import fasttok

        options = FASTTOK_UNIGRAMS[args.child]
        tokenizer = fasttok.train(args.corpus, algorithm="unigram", vocab_size=args.vocab_size, progress=False, **options)
        tokenizer.save(args.out)
    else:
        train_sentencepiece(Path(args.corpus), Path(args.out), args.vocab_size)
    print(json.dumps({"train_seconds": time.perf_counter() - started}))


class SentencePiece:
    """A trained sentencepiece model with what the comparisons need."""

    def __init__(self, model_file: Path) -> None:
        import sentencepiece as spm

        self.sp = spm.SentencePieceProcessor(model_file=str(model_file))
        pieces = range(self.sp.get_piece_size())
        ordinary = [i for i in pieces if not (self.sp.is_byte(i) or self.sp.is_control(i) or self.sp.is_unknown(i))]
        self.unknown_score = min(self.sp.get_score(i) for i in ordinary) - 10.0

    def log_probability(self, line: str) -> float:
        """The Viterbi log-probability; a byte-fallback run scores as its unknown characters."""
        total, run = 0.0, bytearray()
        for id in [*self.sp.encode(line), None]:
            if id is not None and self.sp.is_byte(id):
                run.append(int(self.sp.id_to_piece(id)[1:-1], 16))
                continue
            total += len(run.decode("utf-8", "replace")) * self.unknown_score
            run.clear()
            if id is not None:
                total += self.sp.get_score(id)
        return total

    def boundaries(self, word: str) -> set[int]:
        """Token boundaries inside ``word`` (character offsets)."""
        cuts, at = set(), 0
        for piece in self.sp.encode(word, out_type=str):
            at += len(piece.replace("▁", ""))
            cuts.add(at)
        return cuts - {0, len(word)}


def fasttok_boundaries(tokenizer, word: str) -> set[int]:  # type: ignore[no-untyped-def]
    """Token boundaries inside ``word`` as it appears in running text (after a space)."""
    cuts, at = set(), -1
    for id in tokenizer.encode(" " + word):
        at += len(tokenizer.id_to_token(id).decode("utf-8", "replace"))
        cuts.add(at)
    return cuts - {0, len(word)}


def speed_and_likelihood(args: argparse.Namespace, workdir: Path) -> tuple[list[dict], str]:
    import fasttok

    results, rows = [], []
    for lang, vocab_size in (("en", 8_000), ("de", 16_000)):
        corpus, held_out = split_corpus(lang, args.train_mb * 1_000_000, workdir)
        measured = {}
        trainers = [*FASTTOK_UNIGRAMS, "sentencepiece"]
        for name in trainers:
            out = workdir / f"{lang}-{name.replace(' ', '-')}"
            command = [__file__, "--child", name, "--corpus", str(corpus), "--vocab-size", str(vocab_size)]
            measured[name] = [run_child([*command, "--out", str(out)]) for _ in range(args.repeats)]
        lines = [line for line in held_out.splitlines() if line.strip()]
        size = sum(len(line.encode()) for line in lines)
        likelihood = {
            name: sum(tokenizer.log_probability(line) for line in lines) / size
            for name in FASTTOK_UNIGRAMS
            for tokenizer in [fasttok.Tokenizer.load(workdir / f"{lang}-{name.replace(' ', '-')}")]
        }
        sp = SentencePiece(workdir / f"{lang}-sentencepiece.model")
        likelihood["sentencepiece"] = sum(sp.log_probability(line) for line in lines) / size
        for name, runs in measured.items():
            result = {
                "lang": lang, "trainer": name, "vocab_size": vocab_size, "train_mb": args.train_mb,
                "train_s": median([run.report["train_seconds"] for run in runs]),
                "wall_s": median([run.wall_s for run in runs]), "cpu_s": median([run.cpu_s for run in runs]),
                "peak_rss_mib": median([run.peak_rss_mib for run in runs]),
                "log_likelihood_per_byte": likelihood[name], "runs": len(runs),
            }  # fmt: skip
            results.append(result)
            print(result)
        base = results[-len(trainers)]
        for result in results[-len(trainers) :]:
            rows.append([
                lang, result["trainer"], vocab_size, f"{result['train_s']:.2f}", f"{result['cpu_s']:.2f}",
                f"{result['peak_rss_mib']:.0f}", f"{ratio(result['train_s'], base['train_s']):.2f}",
                f"{result['log_likelihood_per_byte']:.4f}",
                f"{100 * (result['log_likelihood_per_byte'] / base['log_likelihood_per_byte'] - 1):+.2f} %",
            ])  # fmt: skip
    headers = ["lang", "trainer", "vocab", "train s", "CPU s", "peak RSS MiB", "time × fasttok",
               "held-out log-lik/byte", "vs fasttok"]  # fmt: skip
    return results, markdown_table(headers, rows)


#: HanTa tags of morphemes that attach to a neighbour rather than start a constituent.
BOUND = re.compile(r"^(FUGE|LI|SUF|PRE|PTK|PREF|VPART)")
#: HanTa tags of prefixes, which belong to the morpheme after them.
PREFIX = re.compile(r"^(PRE|PTK|VPART)")
#: Dutch derivational prefixes and suffixes that HanTa splits off as if they were words.
DUTCH_AFFIXES = re.compile(r"^(be|ge|ver|ont|her|er)$")


def silver_compounds(lang: str, counts: Counter, limit: int) -> list[tuple[str, set[int]]]:
    """Frequent long nouns of the corpus with HanTa's constituent boundaries (≥ 2 parts)."""
    from HanTa import HanoverTagger

    tagger = HanoverTagger.HanoverTagger("morphmodel_ger.pgz" if lang == "de" else "morphmodel_dutch.pgz")
    nouns = [word for word, _ in counts.most_common() if len(word) >= 10 and (lang != "de" or word[0].isupper())]
    compounds = []
    for word in nouns:
        morphs = tagger.analyze(word, taglevel=3)[1]
        if "".join(morph for morph, _ in morphs) != word.lower():
            continue  # HanTa lemmatized a part: no surface alignment
        cuts, at, previous = set(), 0, ""
        for morph, tag in morphs:
            # A constituent starts at a free morpheme, unless a prefix went before it.
            if at > 0 and not BOUND.match(tag) and not PREFIX.match(previous):
                cuts.add(at)
            previous = tag
            at += len(morph)
        lexical = [morph for morph, tag in morphs if not BOUND.match(tag)]
        if lang == "nl" and any(DUTCH_AFFIXES.match(morph) for morph in lexical):
            continue
        if cuts:
            compounds.append((word, cuts))
        if len(compounds) == limit:
            break
    return compounds


def compound_boundaries(args: argparse.Namespace, workdir: Path) -> tuple[list[dict], str]:
    import fasttok

    results, rows = [], []
    for lang, vocab_size in (("de", 16_000), ("nl", 16_000)):
        corpus, held_out = split_corpus(lang, 7_000_000, workdir)
        counts = fasttok.count(corpus)
        words = Counter(
            {piece.decode().strip(): n for piece, n in counts.items() if piece.decode().strip().isalpha()}
        )
        gold = silver_compounds(lang, words, args.compounds)
        train_sentencepiece(corpus, workdir / f"{lang}-cp-sp", vocab_size - 1)  # + <s></s> vs our <unk>
        sp = SentencePiece(workdir / f"{lang}-cp-sp.model")
        models = {
            "fasttok CompoundPiece": fasttok.train(counts=counts, algorithm="compoundpiece", lang=lang, vocab_size=vocab_size),
            "fasttok Unigram": fasttok.train(counts=counts, algorithm="unigram", vocab_size=vocab_size),
            "sentencepiece unigram": sp,
            "fasttok BPE": fasttok.train(counts=counts, algorithm="bpe", vocab_size=vocab_size),
        }
        held_bytes = len(held_out.encode())
        for name, model in models.items():
            if isinstance(model, SentencePiece):
                cuts_of, tokens = model.boundaries, len(model.sp.encode(held_out))
            else:
                cuts_of, tokens = (lambda w, m=model: fasttok_boundaries(m, w)), len(model.encode(held_out))
            respected = recalled = boundaries = 0
            for word, cuts in gold:
                found = cuts_of(word)
                respected += cuts <= found
                recalled += len(cuts & found)
                boundaries += len(cuts)
            result = {
                "lang": lang, "tokenizer": name, "vocab_size": vocab_size, "compounds": len(gold),
                "boundary_respect": respected / len(gold), "boundary_recall": recalled / boundaries,
                "bytes_per_token": held_bytes / tokens,
            }  # fmt: skip
            results.append(result)
            rows.append([lang, name, len(gold), f"{100 * result['boundary_respect']:.1f} %",
                         f"{100 * result['boundary_recall']:.1f} %", f"{result['bytes_per_token']:.3f}"])  # fmt: skip
            print(result)
        split = fasttok.decompound([word for word, _ in gold], counts, lang=lang)
        agree = sum(
            {sum(len(p) + len(link) for p, link in parts[: i + 1]) for i in range(len(parts) - 1)} == cuts
            for parts, (_, cuts) in zip(split, gold)
        )
        unsplit = sum(len(parts) == 1 for parts in split)
        results.append({"lang": lang, "decompounder_exact": agree / len(gold), "decompounder_unsplit": unsplit / len(gold)})
        rows.append([lang, "decompounder vs HanTa", len(gold), f"exact {100 * agree / len(gold):.1f} %",
                     f"left whole {100 * unsplit / len(gold):.1f} %", ""])  # fmt: skip
    headers = ["lang", "tokenizer", "compounds", "boundary-respect", "boundary recall", "held-out bytes/token"]
    return results, markdown_table(headers, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", choices=(*FASTTOK_UNIGRAMS, "sentencepiece"))
    parser.add_argument("--corpus")
    parser.add_argument("--out")
    parser.add_argument("--vocab-size", type=int)
    parser.add_argument("--train-mb", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compounds", type=int, default=1_000, help="silver compounds per language")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        speed, speed_table = speed_and_likelihood(args, workdir)
        compounds, compound_table = compound_boundaries(args, workdir)
    info = machine_info(["fasttok", "sentencepiece", "HanTa"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "unigram.json").write_text(json.dumps({"machine": info, "speed": speed, "compounds": compounds}, indent=2))
    markdown = (
        "# Unigram and CompoundPiece vs sentencepiece\n\n" + machine_markdown(info)
        + f"\n\n## Training ({args.train_mb} MB of ml/<lang>.txt) and held-out likelihood (last 1 MB)\n\n"
        + speed_table
        + "\n\n## Compound boundaries (HanTa silver splits of frequent nouns ≥ 10 characters)\n\n"
        + compound_table + "\n"
    )  # fmt: skip
    (RESULTS / "unigram.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
