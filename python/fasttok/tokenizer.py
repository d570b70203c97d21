"""``Tokenizer``: encode, decode, inspect, save, load and export."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, Union

from fasttok import _fasttok
from fasttok.exceptions import FormatError, ParameterError

if TYPE_CHECKING:
    import numpy as np
    from transformers import PreTrainedTokenizerFast

#: Pretokenizers whose pieces are not the matches of one regex (see ``to_tiktoken``).
_NOT_TIKTOKEN = frozenset({"superbpe-stage1", "superbpe-stage2", "superbpe-2025-stage2", "none"})

Ids = Union[Sequence[int], "np.ndarray[Any, np.dtype[np.integer[Any]]]"]


def _id_list(ids: Ids) -> list[int]:
    # numpy is imported where it is needed, not with fasttok: an array can only be
    # passed in once the caller has imported it.
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(ids, numpy.ndarray):
        as_list: list[int] = ids.astype(numpy.int64, copy=False).ravel().tolist()
        return as_list
    return list(ids)


class Tokenizer:
    """A tokenizer: a pretokenizer (regex) plus a model.

    BPE (and SuperBPE): ids 0–255 are the single bytes, learned tokens follow in the order
    they were created, then special tokens. LiB: lexicon units in rank order (best first),
    then 256 byte-fallback tokens (character units), then special tokens. Instances are
    immutable; training returns a new one.

    >>> tok = fasttok.train(iter(["low lower lowest"] * 50), vocab_size=260)  # doctest: +SKIP
    >>> tok.decode(tok.encode("lowest")) == "lowest"  # doctest: +SKIP
    True
    """

    __slots__ = ("_core",)

    def __init__(self, core: _fasttok.Tokenizer) -> None:
        self._core = core

    # ==================== Loading and saving

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Tokenizer:
        """Load a directory written by :meth:`save`, or any byte-level BPE ``tokenizer.json``."""
        return cls(_fasttok.Tokenizer.load(os.fspath(path)))

    @classmethod
    def from_tiktoken(cls, path: str | os.PathLike[str], *, pretokenizer: str) -> Tokenizer:
        """Load a ``.tiktoken`` rank file; ids are the ranks.

        The file holds no regex: ``pretokenizer`` names it (``"cl100k"``, ``"o200k"``,
        ``"gpt2"`` for r50k/p50k) or is the regex itself. Merges are rebuilt from the ranks
        (each token's last byte-pair merge over lower-ranked tokens), as HF converts them.
        """
        try:
            with open(path, encoding="ascii") as file:
                text = file.read()
        except UnicodeDecodeError as error:
            raise FormatError(f"{os.fspath(path)}: not a tiktoken rank file (byte {error.start} is not ASCII)") from None
        return cls(_fasttok.Tokenizer.from_rank_file(text, _fasttok.Pretokenizer(pretokenizer), os.fspath(path)))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``tokenizer.json`` (HF format) and ``fasttok.json`` (metadata) into directory ``path``.

        A LiB tokenizer is written as HF ``WordPiece`` without a continuing-subword prefix,
        i.e. greedy longest match: HF has no two-path segmenter, so ``tokenizers`` gives the
        ids of ``with_segmenter("greedy")``; fasttok reads the segmenter from the sidecar.
        WordPiece has no byte fallback: in ``tokenizers``, a character never seen in
        training raises (fasttok encodes it as byte-fallback tokens).
        """
        self._core.save(os.fspath(path))

    def to_hf_json(self) -> str:
        """The HF ``tokenizer.json`` text; ``tokenizers.Tokenizer.from_str`` loads it."""
        return self._core.to_hf_json()

    def to_tiktoken(self) -> dict[str, Any]:
        """Keyword arguments for ``tiktoken.Encoding``: ``name``, ``pat_str``, ``mergeable_ranks``, ``special_tokens``.

        Raises ``ParameterError`` for pretokenizers that one tiktoken regex cannot express:
        tiktoken keeps only the matches, while SuperBPE's specs keep the text between them,
        split digits first (HF ``Digits``) or cut lines first.
        """
        if self.lines or self.pretokenizer in _NOT_TIKTOKEN:
            raise ParameterError(
                f"the {self.pretokenizer!r} pretokenizer{' (line by line)' if self.lines else ''} cannot be "
                "expressed as one tiktoken regex; export with to_hf_json() instead"
            )
        return {
            "name": f"fasttok-{self.pretokenizer}-{self.vocab_size}",
            "pat_str": self.pattern,
            "mergeable_ranks": self._core.mergeable_ranks(),
            "special_tokens": self.special_tokens,
        }

    def save_tiktoken(self, path: str | os.PathLike[str]) -> None:
        """Write the ``.tiktoken`` rank file (``tiktoken.load.load_tiktoken_bpe`` reads it)."""
        with open(path, "w", encoding="ascii") as file:
            file.write(self._core.to_rank_file())

    def to_transformers(self) -> PreTrainedTokenizerFast:
        """A ``transformers.PreTrainedTokenizerFast`` with the same vocabulary (needs ``transformers``)."""
        from tokenizers import Tokenizer as HfTokenizer
        from transformers import PreTrainedTokenizerFast

        hf_tokenizer = HfTokenizer.from_str(self.to_hf_json())
        return PreTrainedTokenizerFast(tokenizer_object=hf_tokenizer)  # type: ignore[no-untyped-call]

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (_from_json, (self._core.to_hf_json(), self._core.to_sidecar_json()))

    # ==================== Encoding and decoding

    def encode(self, text: str, *, allowed_special: Literal["all"] | Collection[str] = ()) -> list[int]:
        """Token ids of ``text``.

        Special-token strings in ``text`` are ordinary text unless named in
        ``allowed_special`` (or ``"all"``): those are matched first, leftmost then longest,
        and become their ids, as HF ``tokenizers`` does with the exported ``tokenizer.json``.
        """
        allowed = list(self.special_tokens) if allowed_special == "all" else list(allowed_special)
        return self._core.encode(text, allowed)

    def encode_batch(
        self, texts: Iterable[str], *, num_threads: int | None = None, return_numpy: bool = False
    ) -> list[list[int]] | list[np.ndarray[Any, np.dtype[np.uint32]]]:
        """Encode many texts in parallel (``num_threads``: default one per core).

        Returns one list of ids per text, or one ``uint32`` array per text with ``return_numpy``.
        """
        import numpy as np

        ids, offsets = self._core.encode_batch_flat(list(texts), num_threads)
        arrays = np.split(ids, offsets[1:-1].astype(np.intp)) if len(offsets) > 1 else []
        return arrays if return_numpy else [array.tolist() for array in arrays]

    def decode(self, ids: Ids) -> str:
        """The text of ``ids``; bytes that are not valid UTF-8 become U+FFFD."""
        return self._core.decode_bytes(_id_list(ids)).decode("utf-8", errors="replace")

    def decode_bytes(self, ids: Ids) -> bytes:
        """The raw bytes of ``ids``."""
        return self._core.decode_bytes(_id_list(ids))

    # ==================== Vocabulary

    def token_to_id(self, token: str | bytes) -> int | None:
        """The id of a token given as bytes (or text), or ``None``."""
        return self._core.token_to_id(token.encode() if isinstance(token, str) else token)

    def id_to_token(self, id: int) -> bytes | None:
        """The bytes of token ``id``, or ``None`` if there is no such id."""
        return self._core.id_to_token(id)

    @property
    def vocab_size(self) -> int:
        """Number of tokens, special tokens included."""
        return self._core.vocab_size

    @property
    def vocab(self) -> dict[bytes, int]:
        """``{token bytes: id}``, special tokens included."""
        return {token: id for id, token in enumerate(self._core.vocab_list())}

    @classmethod
    def from_lib_units(
        cls,
        lexicon: Sequence[str | bytes],
        *,
        pretokenizer: str = "none",
        units: str = "chars",
        special_tokens: Sequence[str] = (),
    ) -> Tokenizer:
        """A LiB tokenizer from a ranked lexicon (best first), e.g. one learned elsewhere.

        Args:
            lexicon: distinct units; with ``units="chars"`` they must be text.
            pretokenizer: a named spec or a regex; ``"none"`` segments whole lines.
            units: ``"chars"`` (256 byte-fallback tokens follow the units) or ``"bytes"``
                (the bytes missing from ``lexicon`` follow it).
            special_tokens: appended last.
        """
        encoded = [unit.encode() if isinstance(unit, str) else bytes(unit) for unit in lexicon]
        core = _fasttok.Tokenizer.from_lib_units(
            encoded, _fasttok.Pretokenizer(pretokenizer, True), units=units, special_tokens=list(special_tokens)
        )
        return cls(core)

    @property
    def model_type(self) -> str:
        """The model family: ``"BPE"`` (BPE and SuperBPE), ``"LiB"`` or ``"Unigram"``."""
        return self._core.model_type

    @classmethod
    def from_unigram_pieces(
        cls,
        pieces: Sequence[tuple[str | bytes, float]],
        *,
        pretokenizer: str = "gpt2",
        units: str = "chars",
        special_tokens: Sequence[str] = (),
    ) -> Tokenizer:
        """A Unigram tokenizer from ``(piece, score)`` pairs (scores are log-probabilities),
        ids in the given order, e.g. a vocabulary learned elsewhere.

        Args:
            pieces: distinct pieces; with ``units="chars"`` they must be text, and 256
                byte-fallback tokens and ``<unk>`` follow them; with ``units="bytes"`` the
                bytes missing among them follow, scored 10 below the lowest piece.
            pretokenizer: a named spec or a regex.
            special_tokens: appended last.
        """
        encoded = [(piece.encode() if isinstance(piece, str) else bytes(piece), float(score)) for piece, score in pieces]
        core = _fasttok.Tokenizer.from_unigram_pieces(
            encoded, _fasttok.Pretokenizer(pretokenizer), units=units, special_tokens=list(special_tokens)
        )
        return cls(core)

    @property
    def scores(self) -> np.ndarray:
        """Unigram: the score (log-probability) of every id as a float64 array; byte-fallback
        tokens, ``<unk>`` and special tokens score 1000 below the lowest piece."""
        import numpy as np

        return np.asarray(self._core.scores(), dtype=np.float64)

    def sample(self, text: str, *, alpha: float = 0.1, seed: int = 0) -> list[int]:
        """Unigram: ids of ``text`` with each word's segmentation drawn with probability
        proportional to its likelihood to the power ``alpha`` (subword regularization;
        ``alpha`` → 0 is uniform over segmentations, large ``alpha`` approaches
        :meth:`encode`); a function of ``seed``."""
        if not 0 <= seed < 2**64:
            raise ParameterError(f"invalid value for `seed`: {seed} is not in [0, 2**64)")
        return self._core.encode_sampled(text, alpha, seed)

    def log_probability(self, text: str) -> float:
        """Unigram: the natural-log probability of ``text``'s best segmentation (the sum of
        its tokens' scores; an unknown character scores 10 below the lowest piece, as in
        SentencePiece)."""
        return self._core.log_probability(text)

    @property
    def segmenter(self) -> str | None:
        """How a LiB tokenizer segments: ``"two-path"`` (default) or ``"greedy"``; ``None`` for BPE."""
        return self._core.segmenter

    def with_segmenter(self, segmenter: str) -> Tokenizer:
        """This LiB tokenizer with another segmenter: ``"two-path"`` or ``"greedy"``
        (HF ``tokenizers`` can only run ``"greedy"``; see :meth:`save`)."""
        return Tokenizer(self._core.with_segmenter(segmenter))

    @property
    def merges(self) -> list[tuple[bytes, bytes]]:
        """The merges in the order they were learned, as pairs of token bytes (BPE only)."""
        vocab = self._core.vocab_list()
        return [(vocab[left], vocab[right]) for left, right, _ in self._core.merge_ids()]

    @property
    def special_tokens(self) -> dict[str, int]:
        """``{special token text: id}``."""
        return self._core.special_tokens()

    @property
    def pattern(self) -> str:
        """The pretokenizer regex."""
        return self._core.pattern

    @property
    def pretokenizer(self) -> str:
        """The pretokenizer's name: ``gpt2``, ``cl100k``, ``o200k``, ``superbpe-stage2``, …, ``custom``."""
        return self._core.pretokenizer_name

    @property
    def lines(self) -> bool:
        """Whether the pretokenizer cuts texts after each newline first (SuperBPE's default)."""
        return self._core.pretokenizer_lines

    @property
    def prefix_space(self) -> bool:
        """Whether every line that is not empty is split as if it began with a space
        (SentencePiece's dummy prefix; ``decode`` removes the spaces)."""
        return self._core.pretokenizer_prefix_space

    @property
    def algorithm(self) -> str:
        """The algorithm that made this tokenizer (``bpe``, ``superbpe``; ``imported`` for foreign files)."""
        return self._core.algorithm

    @property
    def parameters(self) -> dict[str, Any]:
        """The training parameters recorded in the sidecar."""
        parameters = json.loads(self._core.parameters)
        return parameters if isinstance(parameters, dict) else {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tokenizer) and self._core == other._core

    def __hash__(self) -> int:
        return hash((self.vocab_size, self.pattern))

    def __repr__(self) -> str:
        return f"Tokenizer(algorithm={self.algorithm!r}, vocab_size={self.vocab_size}, pretokenizer={self.pretokenizer!r})"


def _from_json(hf_json: str, sidecar_json: str) -> Tokenizer:
    """Unpickle: rebuild from the two JSON documents."""
    return Tokenizer(_fasttok.Tokenizer.from_json(hf_json, sidecar_json))
