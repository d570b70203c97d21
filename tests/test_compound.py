"""Decompounding (Koehn & Knight over corpus counts) and CompoundPiece training."""

from __future__ import annotations

import fasttok
import pytest
from fasttok.cli import main
from fasttok.compound import DecompoundOptions, as_counts, constituent_counts
from hypothesis import given, settings
from hypothesis import strategies as st

GERMAN = {
    " Bund": 900,
    " Verfassung": 300,
    " Gericht": 800,
    " Bundesverfassungsgericht": 20,
    " Kinder": 700,
    " Garten": 500,
    " Kindergarten": 40,
    " Beispiel": 1_000,
    " Tomate": 50,
    " Straße": 400,
    " Bahn": 600,
    " Halte": 30,
    " Stelle": 700,
    " Arbeit": 900,
    " Markt": 500,
    " Politik": 800,
    " Arbeitsmarktpolitik": 12,
    " Straßenbahnhaltestelle": 4,
    " Mittel": 300,
    " Leben": 900,
    " Lebensmittel": 200,
}


def split(word: str, **options: object) -> list[str]:
    (parts,) = fasttok.decompound([word], GERMAN, **options)  # type: ignore[arg-type]
    return [part + link for part, link in parts]


@pytest.mark.parametrize(
    ("word", "constituents"),
    [
        ("Bundesverfassungsgericht", ["Bundes", "verfassungs", "gericht"]),
        ("Kindergarten", ["Kinder", "garten"]),
        ("Straßenbahnhaltestelle", ["Straßen", "bahn", "halte", "stelle"]),
        ("Arbeitsmarktpolitik", ["Arbeits", "markt", "politik"]),
        ("Lebensmittel", ["Lebens", "mittel"]),
        # Not compounds of known words, or too short: whole.
        ("Beispiel", ["Beispiel"]),
        ("Tomate", ["Tomate"]),
        ("Tomatenmarkt", ["Tomaten", "markt"]),
        ("Gartenzwerg", ["Gartenzwerg"]),
    ],
)
def test_hand_checked_german(word: str, constituents: list[str]) -> None:
    assert split(word) == constituents


def test_linking_elements_are_reported() -> None:
    (parts,) = fasttok.decompound(["Bundesverfassungsgericht"], GERMAN)
    assert parts == [("Bund", "es"), ("verfassung", "s"), ("gericht", "")]


def test_the_options_bound_the_splits() -> None:
    assert split("Lebensmittel", max_word_count=100) == ["Lebensmittel"]
    assert split("Lebensmittel", min_part_count=1_000) == ["Lebensmittel"]
    assert split("Kindergarten", min_word_length=20) == ["Kindergarten"]
    assert split("Bundesverfassungsgericht", linking_elements=[""]) == ["Bundesverfassungsgericht"]
    with pytest.raises(fasttok.ParameterError, match="lang"):
        split("Kindergarten", lang="xx")
    with pytest.raises(fasttok.ParameterError, match="linking_elements"):
        split("Kindergarten", linking_elements=["s"])


words = st.text(alphabet="abcdeäsn", min_size=1, max_size=8)


@settings(max_examples=min(settings.default.max_examples, 60))
@given(
    lexicon=st.dictionaries(words, st.integers(1, 1_000), min_size=1, max_size=30),
    queries=st.lists(st.text(alphabet="abcdeäsnABC", max_size=24), max_size=20),
    min_part_length=st.integers(1, 4),
)
def test_constituents_spell_the_word_with_known_parts(
    lexicon: dict[str, int], queries: list[str], min_part_length: int
) -> None:
    options = {"min_part_length": min_part_length, "min_part_count": 1, "min_word_length": 1, "lang": "de"}
    links = {"", "s", "es", "n", "en", "e", "er", "ens"}
    counts = {word.lower(): count for word, count in lexicon.items()}
    for word, parts in zip(queries, fasttok.decompound(queries, lexicon, **options)):  # type: ignore[arg-type]
        assert "".join(part + link for part, link in parts) == word
        if len(parts) > 1:
            assert parts[-1][1] == ""
            for part, link in parts:
                assert link in links
                assert len(part) >= min_part_length
                assert part.lower() in counts


def test_constituent_counts_move_each_compound_to_its_parts() -> None:
    counts = as_counts(GERMAN)
    split_counts = constituent_counts(counts)
    assert split_counts.get(b" Bundesverfassungsgericht") == 0
    assert split_counts.get(b" Bundes") == 20
    assert split_counts.get(b"verfassungs") == 20
    assert split_counts.get(b"gericht") == 20
    assert split_counts.get(b" Beispiel") == 1_000
    # Each compound of k constituents adds k - 1 pieces.
    added = sum((len(parts) - 1) * count for parts, count in zip(fasttok.decompound(
        [word.strip() for word in GERMAN], GERMAN), GERMAN.values()))  # fmt: skip
    assert split_counts.total == counts.total + added


@pytest.mark.parametrize("compound_model", ["unigram", "bpe"])
def test_compoundpiece_learns_no_token_across_a_constituent_boundary(compound_model: str) -> None:
    counts = as_counts({word: count * 10 for word, count in GERMAN.items()})
    options = DecompoundOptions()
    items = [piece for piece, _ in constituent_counts(counts, options).items()]
    tokenizer = fasttok.train(counts=counts, algorithm="compoundpiece", vocab_size=420, compound_model=compound_model)
    assert tokenizer.algorithm == "compoundpiece"
    assert tokenizer.parameters["compound_model"] == compound_model
    learned = [tokenizer.id_to_token(id) for id in range(tokenizer.vocab_size)]
    for token in learned:
        assert token is not None
        if len(token.decode("utf-8", "replace")) > 1 and not token.startswith(b"<"):
            assert any(token in item for item in items), token
    # A plain tokenizer on the same counts does learn whole compounds.
    plain = fasttok.train(counts=counts, algorithm=compound_model, vocab_size=420)
    assert plain.token_to_id(" Lebensmittel".encode()) is not None
    assert tokenizer.token_to_id(" Lebensmittel".encode()) is None
    text = " Lebensmittel und Bundesverfassungsgericht"
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_cli_decompounds(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "de.txt"
    corpus.write_text("".join(f"{word}\n" * count for word, count in GERMAN.items()), encoding="utf-8")
    assert main(["decompound", "--corpus", str(corpus), "Lebensmittel", "Beispiel"]) == 0
    assert capsys.readouterr().out.splitlines() == ["Lebensmittel\tLeben[s] mittel", "Beispiel\tBeispiel"]
