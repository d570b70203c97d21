"""fasttok: fast, exact tokenizer training with a Rust core.

>>> import fasttok
>>> tok = fasttok.train("corpora/sample.txt", vocab_size=4096)  # doctest: +SKIP
>>> tok.save("my-tokenizer")  # doctest: +SKIP
"""

# This is the public API of fasttok.
import importlib
from typing import TYPE_CHECKING, Any

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
from fasttok.tokenizer import Tokenizer
from fasttok.train import count, extend, train

if TYPE_CHECKING:
    from fasttok import lzw
    from fasttok.mixture import MixtureResult, infer_mixture

#: Public names from modules that need numpy, which is imported (and starts its BLAS
#: threads) only when one of them is first used: a plain ``import fasttok`` stays fast.
_NEED_NUMPY = {"lzw": "fasttok.lzw", "MixtureResult": "fasttok.mixture", "infer_mixture": "fasttok.mixture"}


def __getattr__(name: str) -> Any:
    if name not in _NEED_NUMPY:
        raise AttributeError(f"module 'fasttok' has no attribute {name!r}")
    module = importlib.import_module(_NEED_NUMPY[name])
    value = module if name == "lzw" else getattr(module, name)
    globals()[name] = value
    return value

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
