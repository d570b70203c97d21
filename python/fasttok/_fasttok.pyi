"""Type stubs of the private extension ``fasttok._fasttok`` (checked by ``mypy.stubtest``)."""

from collections.abc import Iterable, Sequence
from os import PathLike
from typing import Any, Union, final

import numpy as np

__all__ = [
    "Codebook",
    "CodebookManager",
    "CorpusError",
    "FasttokError",
    "FormatError",
    "LzwCodec",
    "MixtureProblem",
    "ParameterError",
    "PatternError",
    "Pretokenizer",
    "TokenIdError",
    "Tokenizer",
    "Counts",
    "Lines",
    "__version__",
    "byte_level_bytes",
    "constituent_counts",
    "corpus_lines",
    "count",
    "decompound",
    "train_bpe",
    "train_lib",
    "train_superbpe",
    "train_unigram",
    "unigram_em_step",
]

__version__: str

class FasttokError(ValueError): ...
class CorpusError(FasttokError): ...
class PatternError(FasttokError): ...
class ParameterError(FasttokError): ...
class FormatError(FasttokError): ...
class TokenIdError(FasttokError): ...

@final
class Pretokenizer:
    """A compiled pretokenizer (a named spec or a custom regex), optionally line-level."""

    def __new__(cls, spec: str, lines: bool = False, prefix_space: bool = False) -> Pretokenizer: ...
    def split(self, text: str) -> list[str]:
        """The pieces of ``text``, in order; they concatenate to ``text`` (with a space before
        every line that is not empty, when ``prefix_space``)."""
    @property
    def name(self) -> str: ...
    @property
    def lines(self) -> bool: ...
    @property
    def prefix_space(self) -> bool: ...
    @property
    def pattern(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class Counts:
    """Counts of unique pieces: a value; shards add up with ``+``, travel as bytes and pickle."""

    def __new__(cls) -> Counts: ...
    @staticmethod
    def from_items(items: list[tuple[bytes, int]]) -> Counts: ...
    @staticmethod
    def from_bytes(data: bytes, source: str = "bytes") -> Counts: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def sum(counts: Sequence[Counts]) -> Counts: ...
    def save(self, path: str | PathLike[str]) -> None: ...
    @staticmethod
    def load(path: str | PathLike[str]) -> Counts: ...
    def resplit(self, pretokenizer: Pretokenizer, *, num_threads: int | None = None, progress: bool = False) -> Counts: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...
    def __len__(self) -> int: ...
    def __add__(self, value: Counts, /) -> Counts: ...
    def __radd__(self, value: Counts, /) -> Counts: ...
    def __eq__(self, value: object, /) -> bool: ...
    @property
    def total(self) -> int: ...
    @property
    def max_error(self) -> int: ...
    @property
    def pretokenizer(self) -> Pretokenizer | None: ...
    def get(self, piece: bytes) -> int: ...
    def items(self) -> list[tuple[bytes, int]]: ...
    def prune(self, *, min_count: int = 0, top: int | None = None) -> Counts: ...

@final
class Tokenizer:
    """A trained or loaded tokenizer (immutable)."""

    def encode(self, text: str, allowed_special: list[str] = ...) -> list[int]: ...
    def encode_batch_flat(
        self, texts: list[str], num_threads: int | None = None
    ) -> tuple[np.ndarray[Any, np.dtype[np.uint32]], np.ndarray[Any, np.dtype[np.uint64]]]: ...
    def decode_bytes(self, ids: list[int]) -> bytes: ...
    def token_to_id(self, token: bytes) -> int | None: ...
    def id_to_token(self, id: int) -> bytes | None: ...
    @property
    def vocab_size(self) -> int: ...
    def vocab_list(self) -> list[bytes]: ...
    def merge_ids(self) -> list[tuple[int, int, int]]: ...
    @property
    def model_type(self) -> str: ...
    def scores(self) -> list[float]: ...
    def encode_sampled(self, text: str, alpha: float, seed: int) -> list[int]: ...
    def log_probability(self, text: str) -> float: ...
    @property
    def segmenter(self) -> str | None: ...
    def with_segmenter(self, segmenter: str) -> Tokenizer: ...
    @staticmethod
    def from_unigram_pieces(
        pieces: list[tuple[bytes, float]],
        pretokenizer: Pretokenizer,
        *,
        units: str = "chars",
        special_tokens: list[str] = ...,
    ) -> Tokenizer: ...
    @staticmethod
    def from_lib_units(
        lexicon: list[bytes], pretokenizer: Pretokenizer, *, units: str = "chars", special_tokens: list[str] = ...
    ) -> Tokenizer: ...
    def special_tokens(self) -> dict[str, int]: ...
    @property
    def pattern(self) -> str: ...
    @property
    def pretokenizer_name(self) -> str: ...
    @property
    def pretokenizer_lines(self) -> bool: ...
    @property
    def pretokenizer_prefix_space(self) -> bool: ...
    @property
    def algorithm(self) -> str: ...
    @property
    def parameters(self) -> str: ...
    def save(self, path: str | PathLike[str]) -> None: ...
    @staticmethod
    def load(path: str | PathLike[str]) -> Tokenizer: ...
    def to_hf_json(self) -> str: ...
    def to_sidecar_json(self) -> str: ...
    @staticmethod
    def from_json(hf_json: str, sidecar_json: str | None = None) -> Tokenizer: ...
    @staticmethod
    def from_rank_file(text: str, pretokenizer: Pretokenizer, what: str) -> Tokenizer: ...
    def mergeable_ranks(self) -> dict[bytes, int]: ...
    def to_rank_file(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...

def count(
    pretokenizer: Pretokenizer,
    *,
    files: Sequence[str | PathLike[str]] = ...,
    documents: Iterable[str | bytes] | None = None,
    num_threads: int | None = None,
    errors: str = "strict",
    text_field: str = "text",
    max_unique: int | None = None,
    max_piece_bytes: int = ...,
    progress: bool = False,
) -> Counts: ...
def corpus_lines(
    files: Sequence[str | PathLike[str]] = ...,
    documents: Iterable[str | bytes] | None = None,
    *,
    limit: int | None = None,
    errors: str = "strict",
    text_field: str = "text",
) -> Lines: ...

@final
class Lines:
    """Lines of a corpus, in order, kept in Rust for LiB."""

    def __len__(self) -> int: ...

def train_bpe(
    counts: Counts,
    pretokenizer: Pretokenizer,
    vocab_size: int,
    *,
    min_frequency: int = 0,
    special_tokens: list[str] = ...,
    max_token_length: int | None = None,
    tie_break: str = "hf",
    num_threads: int | None = None,
    progress: bool = False,
    algorithm: str = "bpe",
    parameters: str = "{}",
) -> Tokenizer: ...
def train_superbpe(
    sequences: Counts,
    stage1: Pretokenizer,
    stage2: Pretokenizer,
    vocab_size: int,
    transition: int,
    *,
    base: Tokenizer | None = None,
    min_frequency: int = 0,
    special_tokens: list[str] = ...,
    max_token_length: int | None = None,
    tie_break: str = "hf",
    max_words: int | None = ...,
    forbidden: list[str] = ...,
    keep_absent_merges: bool = False,
    num_threads: int | None = None,
    progress: bool = False,
    parameters: str = "{}",
) -> Tokenizer: ...
def train_lib(
    sentences: Lines,
    pretokenizer: Pretokenizer,
    *,
    units: str = "chars",
    in_rate: float = 0.25,
    out_rate: float = 0.0001,
    life: int = 10,
    update_rate: float = 0.1,
    max_unit_length: int | None = None,
    inspect_context: bool = True,
    sentences_per_step: int = 500,
    steps: int = 100,
    seed: int = 0,
    vocab_size: int | None = None,
    special_tokens: list[str] = ...,
    num_threads: int | None = None,
    progress: bool = False,
    parameters: str = "{}",
) -> Tokenizer: ...

def train_unigram(
    counts: Counts,
    pretokenizer: Pretokenizer,
    vocab_size: int,
    *,
    units: str = "chars",
    max_piece_length: int = 16,
    seed_size: int = 1000000,
    shrinking_factor: float = 0.75,
    sub_iterations: int = 2,
    special_tokens: list[str] = ...,
    num_threads: int | None = None,
    progress: bool = False,
    algorithm: str = "unigram",
    parameters: str = "{}",
) -> Tokenizer: ...
def unigram_em_step(
    counts: Counts,
    pieces: list[tuple[bytes, float]],
    *,
    units: str = "chars",
    num_threads: int | None = None,
) -> tuple[list[tuple[bytes, float]], float]: ...

def decompound(
    words: list[str],
    counts: Counts,
    *,
    lang: str = "de",
    linking_elements: list[str] | None = None,
    min_part_length: int | None = None,
    min_part_count: int | None = None,
    min_word_length: int | None = None,
    max_word_count: int | None = None,
) -> list[list[tuple[str, str]]]: ...
def constituent_counts(
    counts: Counts,
    *,
    lang: str = "de",
    linking_elements: list[str] | None = None,
    min_part_length: int | None = None,
    min_part_count: int | None = None,
    min_word_length: int | None = None,
    max_word_count: int | None = None,
    num_threads: int | None = None,
) -> Counts: ...

_U32 = np.ndarray[Any, np.dtype[np.uint32]]
_Mask = np.ndarray[Any, np.dtype[np.uint8]]
_Batch = tuple[Union[_U32, list[_U32]], Union[_Mask, None], list[Codebook]]

def byte_level_bytes(token: str) -> bytes | None: ...
@final
class MixtureProblem:
    def __new__(
        cls,
        merges: Sequence[tuple[bytes, bytes]],
        samples: Sequence[Counts],
        *,
        units: str = "bytes",
        skip: int = 0,
        steps: int | None = None,
        num_threads: int | None = None,
        progress: bool = False,
    ) -> MixtureProblem: ...
    @property
    def categories(self) -> int: ...
    @property
    def steps(self) -> int: ...
    @property
    def pair_count(self) -> int: ...
    @property
    def rows_added(self) -> int: ...
    def merge_counts(self) -> np.ndarray[Any, np.dtype[np.float64]]: ...
    def missing_steps(self) -> list[int]: ...
    def sample_pairs(self) -> np.ndarray[Any, np.dtype[np.uint64]]: ...
    def sample_bytes(self) -> np.ndarray[Any, np.dtype[np.uint64]]: ...
    def pair_tokens(self, pair: int) -> tuple[bytes, bytes]: ...
    def token(self, id: int) -> bytes: ...
    def transcript(self, category: int) -> dict[str, np.ndarray[Any, Any]]: ...
    def sweep(
        self,
        alpha: np.ndarray[Any, np.dtype[np.float64]],
        step_slack: np.ndarray[Any, np.dtype[np.float64]],
        pair_slack: np.ndarray[Any, np.dtype[np.float64]],
        *,
        per_step: int = 10,
        per_round: int = 100,
        tolerance: float = 1e-6,
    ) -> tuple[
        np.ndarray[Any, np.dtype[np.uint32]],
        np.ndarray[Any, np.dtype[np.uint32]],
        np.ndarray[Any, np.dtype[np.uint32]],
        np.ndarray[Any, np.dtype[np.uint32]],
        np.ndarray[Any, np.dtype[np.float64]],
    ]: ...

@final
class Codebook:
    """One sequence's LZW codebook: entry ``i`` is code ``first_code + i``."""

    def __len__(self) -> int: ...
    def __contains__(self, code: int, /) -> bool: ...
    def __getitem__(self, code: int, /) -> list[int]:
        """The base ids of ``code``."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]
    @property
    def first_code(self) -> int:
        """The code of the first entry (the base vocabulary size)."""
    def to_dict(self) -> dict[int, list[int]]:
        """``{code: base ids}`` for every entry."""
    def to_list(self) -> list[list[int]]:
        """The entries in code order."""
    def to_numpy(self) -> _U32:
        """A ``codebook_size × max_merge`` array: entries padded with the padding id, then padding rows."""

@final
class CodebookManager:
    """Per-row stream decoders that report the entries each generation step creates."""

    def update(self, rows: Any) -> tuple[np.ndarray[Any, np.dtype[np.uint32]], list[_U32]]:
        """Decode the new codes of each row; return the new entries (padded) and their slots."""
    def codebooks(self) -> list[Codebook]:
        """The codebook of each row so far."""
    def reset(self) -> None:
        """Forget every row: the next update starts a new batch."""

@final
class LzwCodec:
    """An LZW codec over a base vocabulary."""

    def __new__(
        cls,
        vocab_size: int,
        codebook_size: int,
        max_merge: int,
        pad_id: int | None = None,
        disabled_ids: Sequence[int] = ...,
    ) -> LzwCodec: ...
    @property
    def vocab_size(self) -> int: ...
    @property
    def codebook_size(self) -> int: ...
    @property
    def max_merge(self) -> int: ...
    @property
    def pad_id(self) -> int | None: ...
    @property
    def disabled_ids(self) -> list[int]: ...
    def encode(self, ids: Any) -> tuple[_U32, Codebook]:
        """The codes of ``ids`` and their codebook."""
    def decode(self, codes: Any, strict: bool = True) -> tuple[_U32, Codebook]:
        """The base ids of ``codes`` and the codebook rebuilt from them."""
    def batch_encode(
        self,
        rows: Any,
        max_codes: int | None = None,
        padding: bool = True,
        width: int | None = None,
        num_threads: int | None = None,
    ) -> _Batch:
        """Encode rows in parallel: codes, attention mask, codebook per row."""
    def batch_decode(
        self, rows: Any, strict: bool = True, padding: bool = True, num_threads: int | None = None
    ) -> _Batch:
        """Decode rows in parallel: ids, attention mask, codebook per row."""
    def continuous_encode(
        self,
        rows: Any,
        max_length: int,
        min_length: int = 0,
        lossless: bool = True,
        padding: bool = True,
        num_threads: int | None = None,
    ) -> tuple[np.ndarray[Any, np.dtype[np.uint64]], _Batch]:
        """Cut rows into chunks of at most ``max_length`` codes, each with a fresh codebook."""
    def manager(self, strict: bool = False) -> CodebookManager:
        """A streaming codebook manager for generation with this codec."""
