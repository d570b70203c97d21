#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers and decoders that take foreign bytes (not CI:
# needs a nightly toolchain and `cargo install cargo-fuzz`). Seeds are written fresh from
# the installed fasttok (a file of each format, so libFuzzer starts from valid input);
# each target then runs for FUZZ_SECONDS (default 300) and prints libFuzzer's final
# statistics. Crashes land in rust/fasttok/fuzz/artifacts/<target>/.
#   usage: benches/fuzz.sh [target ...]   (default: all targets)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-300}
corpus=rust/fasttok/fuzz/corpus
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(counts_file tokenizer_json tiktoken_ranks lzw_decode models)

python - "$corpus" <<'PY'
import pathlib, sys, tempfile
import fasttok

corpus = pathlib.Path(sys.argv[1])
for target in ("counts_file", "tokenizer_json", "tiktoken_ranks"):
    (corpus / target).mkdir(parents=True, exist_ok=True)
text = pathlib.Path("corpora/sample.txt").read_text()[:20_000]
(corpus / "counts_file" / "seed").write_bytes(fasttok.count(iter([text]), progress=False).to_bytes())
for algorithm, vocab_size in (("bpe", 300), ("unigram", 400), ("lib", 400)):
    tokenizer = fasttok.train(iter([text]), vocab_size=vocab_size, algorithm=algorithm, progress=False)
    with tempfile.TemporaryDirectory() as saved:
        tokenizer.save(saved)
        json = pathlib.Path(saved, "tokenizer.json").read_text()
        sidecar = pathlib.Path(saved, "fasttok.json").read_text()
    (corpus / "tokenizer_json" / algorithm).write_text(json)
    (corpus / "tokenizer_json" / f"{algorithm}-with-sidecar").write_text(f"{json}\0{sidecar}")
    if algorithm == "bpe":
        tokenizer.save_tiktoken(corpus / "tiktoken_ranks" / "seed")
PY

cd rust/fasttok/fuzz
cargo +nightly fuzz build -O
for target in "${targets[@]}"; do
    echo "== $target (${seconds} s)"
    cargo +nightly fuzz run -O "$target" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 |
        grep -E "^(stat::|==[0-9]+==|SUMMARY|Done)|panicked|artifact" || true
done
