"""Pretokenizers split exactly as the Python ``regex`` package does (HF/tiktoken semantics)."""

from __future__ import annotations

import unicodedata

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

import fasttok
from peers import CORPORA
from reference import PATTERNS

NAMED = ("gpt2", "cl100k", "o200k")
CORPUS_FILES = sorted(p for p in CORPORA.rglob("*") if p.is_file() and p.suffix != ".py" or p.parent.name == "code")

#: Strings rich in the characters where the patterns differ: spaces before words, newline runs,
#: contractions in any case, digits of other scripts, combining marks, long-s and Kelvin signs.
TRICKY = st.text(
    alphabet=st.sampled_from(list("aZsStT'’ \t\r\n\u00a0\u0085\u2028\u3000/.,;!?-_0129٣४éßΩя中アكह\u0301\u0c3f\u017f\u212a\u200d😀")),
    max_size=60,
)

#: Any text of characters assigned in this Python's Unicode database (14.0 for 3.11). Characters
#: assigned later may be letters for the ``regex`` package but not yet for the Rust regex crate's
#: tables (the same tables tiktoken uses), e.g. U+A7CE; that difference is Unicode's, not ours.
ASSIGNED_TEXT = st.text(alphabet=st.characters(exclude_categories=("Cn", "Cs")).filter(lambda c: unicodedata.category(c) != "Cn"))


def expected_pieces(text: str, pattern: str) -> list[str]:
    """Matches of ``pattern`` plus the unmatched text between them (HF's Split "Isolated")."""
    pieces, covered = [], 0
    for match in regex.finditer(pattern, text):
        if match.start() > covered:
            pieces.append(text[covered : match.start()])
        if match.end() > match.start():
            pieces.append(match.group())
        covered = max(covered, match.end())
    if covered < len(text):
        pieces.append(text[covered:])
    return pieces


@pytest.mark.parametrize("spec", NAMED)
def test_named_patterns_match_regex_on_corpora(spec: str) -> None:
    pretokenizer = fasttok.Pretokenizer(spec)
    for path in CORPUS_FILES:
        text = path.read_text(encoding="utf-8")
        assert pretokenizer.split(text) == expected_pieces(text, PATTERNS[spec]), path.name


@pytest.mark.parametrize("spec", NAMED)
@given(text=TRICKY | ASSIGNED_TEXT)
def test_named_patterns_match_regex_on_any_text(spec: str, text: str) -> None:
    assert fasttok.Pretokenizer(spec).split(text) == expected_pieces(text, PATTERNS[spec])


CUSTOM = (
    r" ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)",  # look-ahead as the last alternative: gaps
    r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]{2,}[\r\n/]*| +(?!\S)",  # SuperBPE stage 2
    r"(?<=a)b+|\w+",  # look-behind: backtracking engine
    r"[a-z]+|\d",  # text between matches becomes pieces of its own
)


@pytest.mark.parametrize("pattern", CUSTOM)
@given(text=TRICKY)
def test_custom_patterns_match_regex(pattern: str, text: str) -> None:
    assert fasttok.Pretokenizer(pattern).split(text) == expected_pieces(text, pattern)


def test_pieces_concatenate_to_the_text() -> None:
    text = (CORPORA / "sample.txt").read_text(encoding="utf-8")
    for spec in NAMED:
        assert "".join(fasttok.Pretokenizer(spec).split(text)) == text


def test_names_and_patterns() -> None:
    assert fasttok.Pretokenizer("gpt2").pattern == PATTERNS["gpt2"]
    assert fasttok.Pretokenizer("cl100k").name == "cl100k"
    assert fasttok.Pretokenizer(r"\w+").name == "custom"


def test_bad_pattern_raises_pattern_error() -> None:
    with pytest.raises(fasttok.PatternError, match="unclosed|Unclosed|parse"):
        fasttok.Pretokenizer("(unclosed")
