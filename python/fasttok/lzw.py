"""LZW hypertokens (zip2zip): compress a tokenizer's ids per sequence, and back.

Each sequence gets a fresh codebook; runs of at most ``max_merge`` base ids become
codes ``vocab_size, vocab_size + 1, …`` in creation order, until the codebook holds
``codebook_size`` entries and freezes. Disabled ids (special tokens, padding) pass
through unchanged and never enter an entry. The decoder rebuilds the codebook from the
codes alone. Codes and codebooks are bit-identical to ``zip2zip-compression`` 0.3.4.

>>> from fasttok import lzw
>>> codec = lzw.Codec(vocab_size=6, codebook_size=100, max_merge=4)
>>> codes, codebook = codec.encode([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5])
>>> codes.tolist()
[0, 1, 2, 3, 4, 5, 6, 8, 10]
>>> codebook[12]
[0, 1, 2]
>>> codec.decode(codes).ids.tolist()
[0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol, Union

import numpy as np

from fasttok import _fasttok
from fasttok._fasttok import Codebook, CodebookManager
from fasttok.exceptions import ParameterError, TokenIdError

if TYPE_CHECKING:
    from fasttok.tokenizer import Tokenizer

__all__ = [
    "BatchDecoding",
    "BatchEncoding",
    "Chunks",
    "Codebook",
    "CodebookManager",
    "Codec",
    "Decoded",
    "Encoded",
]

Ids = Union[Sequence[int], "np.ndarray[Any, np.dtype[np.integer[Any]]]"]
Rows = Union[Iterable[Ids], "np.ndarray[Any, np.dtype[np.integer[Any]]]"]


class Encoded(NamedTuple):
    """The codes of one sequence and its codebook."""

    codes: np.ndarray[Any, np.dtype[np.uint32]]
    codebook: Codebook


class Decoded(NamedTuple):
    """The base ids of one code sequence and the codebook rebuilt from it."""

    ids: np.ndarray[Any, np.dtype[np.uint32]]
    codebook: Codebook


class BatchEncoding(NamedTuple):
    """Codes of a batch: a left-padded 2-D array and its attention mask (1 = real
    position), or a list of arrays and ``None`` without padding; one codebook per row."""

    codes: np.ndarray[Any, np.dtype[np.uint32]] | list[np.ndarray[Any, np.dtype[np.uint32]]]
    attention_mask: np.ndarray[Any, np.dtype[np.uint8]] | None
    codebooks: list[Codebook]


class BatchDecoding(NamedTuple):
    """Base ids of a batch, shaped as in :class:`BatchEncoding`; one codebook per row."""

    ids: np.ndarray[Any, np.dtype[np.uint32]] | list[np.ndarray[Any, np.dtype[np.uint32]]]
    attention_mask: np.ndarray[Any, np.dtype[np.uint8]] | None
    codebooks: list[Codebook]


class Chunks(NamedTuple):
    """Training chunks: the source row of each, its codes (left-padded to ``max_length``
    with padding), the attention mask, and one codebook per chunk."""

    rows: np.ndarray[Any, np.dtype[np.uint64]]
    codes: np.ndarray[Any, np.dtype[np.uint32]] | list[np.ndarray[Any, np.dtype[np.uint32]]]
    attention_mask: np.ndarray[Any, np.dtype[np.uint8]] | None
    codebooks: list[Codebook]


class _HasVocabulary(Protocol):
    """An HF ``tokenizers.Tokenizer``."""

    def get_vocab_size(self, with_added_tokens: bool = True) -> int: ...

    def get_added_tokens_decoder(self) -> dict[int, Any]: ...


def _as_ids(ids: Any) -> Any:
    """``ids`` as the core takes them: ``uint32`` arrays stay, other integer arrays are
    range-checked and converted, sequences pass to the core."""
    if not isinstance(ids, np.ndarray):
        return ids
    if ids.dtype == np.uint32:
        return np.ascontiguousarray(ids)
    if ids.dtype.kind not in "iu":
        raise ParameterError(f"ids must be integers, got an array of {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() > np.iinfo(np.uint32).max):
        bad = int(ids.min()) if ids.min() < 0 else int(ids.max())
        raise TokenIdError(f"invalid id {bad}: ids are between 0 and 2^32 - 1")
    return np.ascontiguousarray(ids, dtype=np.uint32)


def _as_rows(rows: Rows) -> Any:
    if isinstance(rows, np.ndarray):
        if rows.ndim != 2:
            raise ParameterError(f"rows must be a 2-D array or a list of sequences, got {rows.ndim}-D")
        return _as_ids(rows)
    return [_as_ids(row) for row in rows]


class Codec:
    """An LZW codec over a base vocabulary of ``vocab_size`` ids (special tokens included).

    Args:
        vocab_size: base ids are ``0 … vocab_size-1``; codes follow them.
        codebook_size: most entries per sequence (``C``); the codebook freezes when full.
        max_merge: most base ids per entry (``M``); a match that long is emitted at once.
        pad_id: the padding id (needed for padded batches, codebook arrays and the
            manager); it is disabled.
        disabled_ids: ids that never merge, e.g. special tokens.
        tokenizer: a fasttok :class:`~fasttok.Tokenizer` for :meth:`encode_text` and
            :meth:`decode_text` (see :meth:`for_tokenizer`).
    """

    __slots__ = ("_core", "tokenizer")

    def __init__(
        self,
        vocab_size: int,
        codebook_size: int = 2048,
        max_merge: int = 4,
        *,
        pad_id: int | None = None,
        disabled_ids: Iterable[int] = (),
        tokenizer: Tokenizer | None = None,
    ) -> None:
        for name, value in (("vocab_size", vocab_size), ("codebook_size", codebook_size), ("max_merge", max_merge)):
            if not 0 <= value < 2**32:
                raise ParameterError(f"invalid value for `{name}`: {value} is not between 0 and 2^32 - 1")
        disabled = list(disabled_ids)
        if any(not 0 <= id < 2**32 for id in [*disabled, *([pad_id] if pad_id is not None else [])]):
            raise ParameterError("invalid value for `disabled_ids`: ids are between 0 and 2^32 - 1")
        self._core = _fasttok.LzwCodec(vocab_size, codebook_size, max_merge, pad_id, disabled)
        self.tokenizer = tokenizer

    @classmethod
    def for_tokenizer(
        cls,
        tokenizer: Tokenizer | _HasVocabulary,
        codebook_size: int = 2048,
        max_merge: int = 4,
        *,
        pad_id: int | None = None,
    ) -> Codec:
        """A codec for the ids of ``tokenizer``, with its special tokens disabled.

        ``tokenizer`` is a fasttok :class:`~fasttok.Tokenizer` (then :meth:`encode_text`
        works) or an HF ``tokenizers.Tokenizer`` (added tokens disabled).
        """
        from fasttok.tokenizer import Tokenizer

        if isinstance(tokenizer, Tokenizer):
            specials = tokenizer.special_tokens.values()
            return cls(
                tokenizer.vocab_size,
                codebook_size,
                max_merge,
                pad_id=pad_id,
                disabled_ids=specials,
                tokenizer=tokenizer,
            )
        vocab_size = tokenizer.get_vocab_size(with_added_tokens=True)
        added = tokenizer.get_added_tokens_decoder()
        return cls(vocab_size, codebook_size, max_merge, pad_id=pad_id, disabled_ids=added)

    @property
    def vocab_size(self) -> int:
        """Number of base ids; the first code."""
        return self._core.vocab_size

    @property
    def codebook_size(self) -> int:
        """Most entries in one sequence's codebook."""
        return self._core.codebook_size

    @property
    def max_merge(self) -> int:
        """Most base ids in one entry."""
        return self._core.max_merge

    @property
    def pad_id(self) -> int | None:
        """The padding id, if any."""
        return self._core.pad_id

    @property
    def disabled_ids(self) -> list[int]:
        """Ids that never merge, sorted (the padding id included)."""
        return self._core.disabled_ids

    # ==================== One sequence

    def encode(self, ids: Ids) -> Encoded:
        """The codes of ``ids`` (a list or integer array) and their codebook."""
        codes, codebook = self._core.encode(_as_ids(ids))
        return Encoded(codes, codebook)

    def decode(self, codes: Ids, *, strict: bool = True) -> Decoded:
        """The base ids of ``codes`` and the codebook rebuilt from them.

        With ``strict=False`` the decoder accepts, as zip2zip's does, an undefined code
        right after a match of ``max_merge`` ids (read as that match again); a model can
        emit one, an encoder never does. Any other undefined code is a
        :class:`~fasttok.TokenIdError`.
        """
        ids, codebook = self._core.decode(_as_ids(codes), strict)
        return Decoded(ids, codebook)

    def encode_text(self, text: str) -> Encoded:
        """Tokenize ``text`` with the codec's tokenizer, then compress the ids."""
        return self.encode(np.asarray(self._require_tokenizer().encode(text), dtype=np.uint32))

    def decode_text(self, codes: Ids, *, strict: bool = True) -> str:
        """The text of ``codes``: decompress, then detokenize with the codec's tokenizer."""
        return self._require_tokenizer().decode(self.decode(codes, strict=strict).ids)

    def _require_tokenizer(self) -> Tokenizer:
        if self.tokenizer is None:
            raise ParameterError("this codec has no tokenizer: build it with Codec.for_tokenizer(tokenizer)")
        return self.tokenizer

    # ==================== Batches

    def batch_encode(
        self,
        rows: Rows,
        *,
        padding: bool | Literal["longest", "max_length"] = "longest",
        max_length: int | None = None,
        truncation: bool = False,
        num_threads: int | None = None,
    ) -> BatchEncoding:
        """Encode rows in parallel, one codebook per row.

        ``padding``: ``"longest"`` (or ``True``) left-pads to the longest row,
        ``"max_length"`` to ``max_length``, ``False`` returns a list of arrays.
        ``truncation`` keeps the first ``max_length`` codes of each row.
        """
        if padding not in (True, False, "longest", "max_length"):
            raise ParameterError(f"invalid value for `padding`: {padding!r} is not 'longest', 'max_length' or a bool")
        if (truncation or padding == "max_length") and max_length is None:
            raise ParameterError("invalid value for `max_length`: truncation and padding='max_length' need it")
        codes, mask, codebooks = self._core.batch_encode(
            _as_rows(rows),
            max_codes=max_length if truncation else None,
            padding=padding is not False,
            width=max_length if padding == "max_length" else None,
            num_threads=num_threads,
        )
        return BatchEncoding(codes, mask, codebooks)

    def batch_decode(
        self, rows: Rows, *, strict: bool = True, padding: bool = False, num_threads: int | None = None
    ) -> BatchDecoding:
        """Decode rows in parallel (padding ids in them pass through as themselves);
        ``padding=True`` left-pads the ids into a 2-D array."""
        ids, mask, codebooks = self._core.batch_decode(
            _as_rows(rows), strict=strict, padding=padding, num_threads=num_threads
        )
        return BatchDecoding(ids, mask, codebooks)

    def continuous_encode(
        self,
        rows: Rows,
        max_length: int,
        *,
        min_length: int = 0,
        padding: bool = True,
        lossless: bool = True,
        num_threads: int | None = None,
    ) -> Chunks:
        """Cut each row (a long document) into training chunks of at most ``max_length``
        codes, each encoded with a fresh codebook, while more than ``min_length`` ids of
        the row remain.

        ``lossless=False`` reproduces zip2zip 0.3.4, which resumes after the last id
        *read*: the match pending when a chunk fills up (usually one id) then appears in
        no chunk. fasttok's default resumes at the first id no code covers.
        """
        rows_of, (codes, mask, codebooks) = self._core.continuous_encode(
            _as_rows(rows),
            max_length,
            min_length=min_length,
            lossless=lossless,
            padding=padding,
            num_threads=num_threads,
        )
        return Chunks(rows_of, codes, mask, codebooks)

    def codebook_array(self, codebooks: Sequence[Codebook]) -> np.ndarray[Any, np.dtype[np.uint32]]:
        """``codebooks`` as one ``len × codebook_size × max_merge`` array, padded with the
        padding id: the input of a hyper-embedding module."""
        if not codebooks:
            return np.empty((0, self.codebook_size, self.max_merge), dtype=np.uint32)
        return np.stack([codebook.to_numpy() for codebook in codebooks])

    # ==================== Generation

    def manager(self, *, strict: bool = False) -> CodebookManager:
        """A :class:`CodebookManager` that grows each row's codebook from generated codes."""
        return self._core.manager(strict)

    def __repr__(self) -> str:
        return (
            f"Codec(vocab_size={self.vocab_size}, codebook_size={self.codebook_size}, "
            f"max_merge={self.max_merge}, pad_id={self.pad_id}, disabled_ids={self.disabled_ids})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (self.vocab_size, self.codebook_size, self.max_merge, self.pad_id, self.disabled_ids, self.tokenizer),
        )


def _rebuild(
    vocab_size: int,
    codebook_size: int,
    max_merge: int,
    pad_id: int | None,
    disabled_ids: list[int],
    tokenizer: Tokenizer | None,
) -> Codec:
    return Codec(vocab_size, codebook_size, max_merge, pad_id=pad_id, disabled_ids=disabled_ids, tokenizer=tokenizer)
