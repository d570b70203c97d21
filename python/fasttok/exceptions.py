"""The exception hierarchy: every fasttok error is a ``FasttokError`` (a ``ValueError``).

- ``CorpusError``: a corpus could not be read (missing file, invalid UTF-8, no text).
- ``PatternError``: a pretokenizer pattern does not compile.
- ``ParameterError``: a parameter is out of range or inconsistent.
- ``FormatError``: a tokenizer file is corrupt or of an unsupported kind.
- ``TokenIdError``: a token id is not in the vocabulary.

Ctrl-C during a long call raises the usual ``KeyboardInterrupt``.
"""

from fasttok._fasttok import (
    CorpusError,
    FasttokError,
    FormatError,
    ParameterError,
    PatternError,
    TokenIdError,
)

__all__ = [
    "CorpusError",
    "FasttokError",
    "FormatError",
    "ParameterError",
    "PatternError",
    "TokenIdError",
]
