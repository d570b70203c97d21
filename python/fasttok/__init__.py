"""fasttok: fast, exact tokenizer training with a Rust core.

>>> import fasttok
>>> tok = fasttok.train("corpora/sample.txt", vocab_size=4096)  # doctest: +SKIP
>>> tok.save("my-tokenizer")  # doctest: +SKIP
"""

# This is the public API of fasttok.
from fasttok import lzw
from fasttok._fasttok import Pretokenizer, Counts, __version__
from fasttok.compound import decompound
from fasttok.exceptions import (
    CorpusError,
    FasttokError,
    FormatError,
    ParameterError,
    PatternError,
    TokenIdError,
)
from fasttok.mixture import MixtureResult, infer_mixture
from fasttok.tokenizer import Tokenizer
from fasttok.train import count, extend, train

__all__ = [
    "CorpusError",
    "FasttokError",
    "FormatError",
    "MixtureResult",
    "ParameterError",
    "PatternError",
    "Pretokenizer",
    "TokenIdError",
    "Tokenizer",
    "Counts",
    "__version__",
    "count",
    "decompound",
    "extend",
    "infer_mixture",
    "lzw",
    "train",
]
