"""Decompounding (Koehn & Knight over corpus counts), the splitter behind CompoundPiece."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Union

from fasttok import _fasttok

#: Languages with built-in linking elements (ISO 639-1).
LANGUAGES = ("de", "nl", "sv", "da", "no", "is")

Counts = _fasttok.Counts

#: Word counts: from :func:`fasttok.count`, or a ``{word: count}`` mapping.
CountsLike = Union[Counts, Mapping[str, int]]


def as_counts(counts: CountsLike) -> Counts:
    """``counts`` as a ``Counts`` value."""
    if isinstance(counts, Counts):
        return counts
    return Counts.from_items([(word.encode(), int(count)) for word, count in counts.items()])


class DecompoundOptions(NamedTuple):
    """How words are split (see :func:`decompound`)."""

    lang: str = "de"
    linking_elements: Sequence[str] | None = None
    min_part_length: int | None = None
    min_part_count: int | None = None
    min_word_length: int | None = None
    max_word_count: int | None = None

    def core(self) -> dict[str, Any]:
        """The extension's keyword arguments."""
        options = self._asdict()
        if self.linking_elements is not None:
            options["linking_elements"] = list(self.linking_elements)
        return options


def decompound(
    words: Iterable[str],
    counts: CountsLike,
    *,
    lang: str = "de",
    linking_elements: Sequence[str] | None = None,
    min_part_length: int | None = None,
    min_part_count: int | None = None,
    min_word_length: int | None = None,
    max_word_count: int | None = None,
) -> list[list[tuple[str, str]]]:
    """Split compound words into constituents by the counts of their parts.

    A word is split into known words (parts, matched case-insensitively), each but the
    last optionally followed by a linking element of ``lang`` (German ``Bund·es``); the
    split with the highest geometric mean of part counts wins if it beats the word's own
    count (Koehn & Knight 2003).

    Args:
        words: the words to split.
        counts: word counts, e.g. ``fasttok.count(corpus)`` (a leading space is ignored
            and counts are summed over case) or ``{word: count}``.
        lang: ``"de"``, ``"nl"``, ``"sv"``, ``"da"``, ``"no"`` or ``"is"``: its linking
            elements and defaults.
        linking_elements: override the language's (must include ``""``).
        min_part_length: shortest part in characters (default 4).
        min_part_count: least count of a part (default 5).
        min_word_length: shortest word considered, in characters (default 8).
        max_word_count: words seen more often are never split (default: no limit).

    Returns:
        For each word, its constituents as ``(part, linking element)`` pairs; their
        concatenation is the word, and an unsplit word is ``[(word, "")]``.
    """
    options = DecompoundOptions(
        lang, linking_elements, min_part_length, min_part_count, min_word_length, max_word_count
    )
    return _fasttok.decompound(list(words), as_counts(counts), **options.core())


def constituent_counts(
    counts: Counts, options: DecompoundOptions = DecompoundOptions(), *, num_threads: int | None = None
) -> Counts:
    """``counts`` with every compound replaced by its constituents, each a piece of its
    own with the word's count (the first keeps the word's leading space): what
    CompoundPiece trains on, so that no learned token spans a constituent boundary."""
    return _fasttok.constituent_counts(counts, **options.core(), num_threads=num_threads)
