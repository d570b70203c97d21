"""LZW hypertokens: bit-identical to zip2zip-compression 0.3.4, plus the codec's invariants."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
import tokenizers
import zip2zip_compression as z2z
from hypothesis import given
from hypothesis import strategies as st

import fasttok
from fasttok import lzw
from peers import real_documents


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    """Small vocabularies and codebooks, so that codebooks fill and entries reach max_merge."""
    vocab_size = draw(st.integers(2, 40))
    return {
        "vocab_size": vocab_size,
        "codebook_size": draw(st.sampled_from([0, 1, 3, 16, 64, 1000])),
        "max_merge": draw(st.integers(1, 6)),
        "pad_id": vocab_size - 1,
        "disabled_ids": draw(st.lists(st.integers(0, vocab_size - 2), max_size=2, unique=True)),
    }


@st.composite
def streams(draw: st.DrawFn, vocab_size: int, max_size: int = 300) -> list[int]:
    """Ids drawn from a few repeated phrases (what LZW compresses) plus noise."""
    phrases = draw(st.lists(st.lists(st.integers(0, vocab_size - 1), min_size=1, max_size=6), min_size=1, max_size=6))
    picks = draw(st.lists(st.integers(0, len(phrases)), max_size=max_size // 3))
    ids = [id for pick in picks for id in (phrases[pick] if pick < len(phrases) else [pick % vocab_size])]
    return ids[:max_size]


@st.composite
def cases(draw: st.DrawFn, rows: int = 1) -> tuple[dict[str, Any], list[list[int]]]:
    config = draw(configs())
    # The padding id stays out of the input: zip2zip's attention mask marks every pad id.
    usable = config["vocab_size"] - 1
    return config, [draw(streams(usable)) for _ in range(rows)]


def codecs(config: dict[str, Any]) -> tuple[lzw.Codec, z2z.LZWCompressor]:
    ours = lzw.Codec(
        config["vocab_size"],
        config["codebook_size"],
        config["max_merge"],
        pad_id=config["pad_id"],
        disabled_ids=config["disabled_ids"],
    )
    theirs = z2z.LZWCompressor(
        config["vocab_size"], config["codebook_size"], config["max_merge"], config["pad_id"], config["disabled_ids"]
    )
    return ours, theirs


def assert_invariants(codec: lzw.Codec, codebook: lzw.Codebook) -> None:
    entries = codebook.to_list()
    assert len(entries) <= codec.codebook_size
    assert all(2 <= len(entry) <= codec.max_merge for entry in entries)
    assert not {id for entry in entries for id in entry} & set(codec.disabled_ids)


@given(cases())
def test_encode_and_decode_match_zip2zip_and_invert_each_other(case: tuple[dict[str, Any], list[list[int]]]) -> None:
    config, (ids,) = case
    ours, theirs = codecs(config)
    codes, codebook = ours.encode(ids)
    their_codes, _, their_codebook = theirs.encode(ids)
    assert codes.tolist() == their_codes
    assert codebook.to_dict() == their_codebook.to_dict()
    assert_invariants(ours, codebook)

    decoded, rebuilt = ours.decode(codes)
    their_decoded, their_rebuilt = theirs.decode(their_codes)
    assert decoded.tolist() == their_decoded == ids
    assert rebuilt == codebook
    assert rebuilt.to_dict() == their_rebuilt.to_dict()


@st.composite
def model_streams(draw: st.DrawFn) -> tuple[dict[str, Any], list[int]]:
    """Non-canonical streams, as a model emits them: each step a base id or a defined code."""
    config = draw(configs())
    codec, _ = codecs(config)
    codes: list[int] = []
    for _ in range(draw(st.integers(0, 40))):
        defined = codec.vocab_size + len(codec.decode(codes).codebook)
        codes.append(draw(st.integers(0, defined - 1)))
    return config, codes


@given(model_streams())
def test_fault_tolerant_decoding_matches_zip2zip(case: tuple[dict[str, Any], list[int]]) -> None:
    config, codes = case
    ours, theirs = codecs(config)
    ids, codebook = ours.decode(codes, strict=False)
    their_ids, their_codebook = theirs.decode(codes)
    assert ids.tolist() == their_ids
    assert codebook.to_dict() == their_codebook.to_dict()
    assert len(codebook) <= ours.codebook_size


@given(cases(rows=4), st.sampled_from(["longest", "max_length", False]), st.booleans(), st.integers(1, 40))
def test_batches_match_zip2zip(
    case: tuple[dict[str, Any], list[list[int]]], padding: str | bool, truncation: bool, max_length: int
) -> None:
    config, rows = case
    ours, theirs = codecs(config)
    if padding == "max_length" and not truncation:
        max_length = max(len(ours.encode(row).codes) for row in rows)
    batch = ours.batch_encode(rows, padding=padding, max_length=max_length, truncation=truncation)
    codes, mask, codebooks = theirs.batch_encode(rows, padding=padding, truncation=truncation, max_length=max_length)
    if padding is False:
        assert [row.tolist() for row in batch.codes] == codes
        assert batch.attention_mask is None
    else:
        assert batch.codes.tolist() == codes
        assert batch.attention_mask is not None and batch.attention_mask.tolist() == mask
    assert [codebook.to_dict() for codebook in batch.codebooks] == [codebook.to_dict() for codebook in codebooks]

    full = ours.batch_encode(rows, padding=False)
    decoded = ours.batch_decode(full.codes)
    their_decoded = theirs.batch_decode([row.tolist() for row in full.codes])
    assert [row.tolist() for row in decoded.ids] == [ids for ids, _ in their_decoded] == rows
    assert decoded.codebooks == full.codebooks


@given(cases(rows=3), st.integers(1, 12), st.integers(0, 5), st.booleans())
def test_zip2zip_chunks_match_and_lossless_chunks_cover_every_id(
    case: tuple[dict[str, Any], list[list[int]]], max_length: int, min_length: int, padding: bool
) -> None:
    config, rows = case
    ours, theirs = codecs(config)
    chunks = ours.continuous_encode(rows, max_length, min_length=min_length, padding=padding, lossless=False)
    codes, codebooks = theirs.continuous_encode(rows, max_length, min_length, padding)
    assert [row.tolist() for row in chunks.codes] == codes
    width = (ours.codebook_size, ours.max_merge)
    exported = [c.to_numpy().tolist() if padding else c.to_list() for c in chunks.codebooks]
    assert exported == codebooks
    if padding:
        assert ours.codebook_array(chunks.codebooks).shape == (len(codes), *width)

    lossless = ours.continuous_encode(rows, max_length, padding=False)
    assert lossless.rows.tolist() == sorted(lossless.rows.tolist())
    for index, row in enumerate(rows):
        pieces = [ours.decode(c).ids.tolist() for c, r in zip(lossless.codes, lossless.rows) if r == index]
        assert all(len(c) <= max_length for c in lossless.codes)
        assert sum(pieces, []) == row


@given(cases(rows=3), st.integers(0, 8))
def test_streaming_manager_matches_zip2zip(case: tuple[dict[str, Any], list[list[int]]], prefill: int) -> None:
    config, rows = case
    ours, theirs = codecs(config)
    pad = config["pad_id"]
    encoded = [ours.encode(row).codes.tolist() for row in rows]
    manager = ours.manager()
    their_manager = z2z.CodebookManager(z2z.CompressionConfig(*config.values()))
    steps = [[row[:prefill] or [pad] for row in encoded]]
    steps += [[row[i : i + 1] or [pad] for row in encoded] for i in range(prefill, max(map(len, encoded)))]
    for step in steps:
        updates, indices = manager.update(step)
        their_updates, their_indices = their_manager.update_codebooks(step)
        width = updates.shape[1] * updates.shape[2]
        assert updates.reshape(len(rows), -1).tolist() == [row + [pad] * (width - len(row)) for row in their_updates]
        assert [index.tolist() for index in indices] == their_indices
    assert [c.to_dict() for c in manager.codebooks()] == [c.to_dict() for c in their_manager.get_codebooks()]
    assert manager.codebooks() == [ours.encode(row).codebook for row in rows]
    manager.reset()
    assert manager.codebooks() == []


def test_real_corpus_ids_match_zip2zip() -> None:
    documents = list(real_documents(120_000))
    tokenizer = fasttok.train(iter(documents), vocab_size=1000, progress=False)
    rows = [tokenizer.encode(document) for document in documents]
    for max_merge, codebook_size in ((3, 1024), (4, 2048), (6, 8192)):
        codec = lzw.Codec.for_tokenizer(tokenizer, codebook_size, max_merge, pad_id=0)
        their = z2z.LZWCompressor(tokenizer.vocab_size, codebook_size, max_merge, 0, None)
        batch = codec.batch_encode(rows, padding=False)
        their_codes, _, their_codebooks = their.batch_encode(rows)
        assert [row.tolist() for row in batch.codes] == their_codes
        assert [c.to_dict() for c in batch.codebooks] == [c.to_dict() for c in their_codebooks]
        assert sum(map(len, their_codes)) < 0.9 * sum(map(len, rows))
        assert codec.decode_text(codec.encode_text(documents[0]).codes) == documents[0]


@given(cases(rows=6))
def test_batches_do_not_depend_on_the_thread_count(case: tuple[dict[str, Any], list[list[int]]]) -> None:
    config, rows = case
    codec, _ = codecs(config)
    one = codec.batch_encode(rows, num_threads=1)
    two = codec.batch_encode(rows, num_threads=2)
    assert np.array_equal(one.codes, two.codes) and one.codebooks == two.codebooks


def test_inputs_can_be_lists_or_any_integer_array() -> None:
    codec = lzw.Codec(10, 16, 3, pad_id=9)
    ids = [1, 2, 3, 1, 2, 3, 1, 2, 3]
    expected = codec.encode(ids).codes.tolist()
    for dtype in (np.int64, np.int32, np.uint16, np.uint32):
        assert codec.encode(np.array(ids, dtype=dtype)).codes.tolist() == expected
    batch = codec.batch_encode(np.array([ids, ids[::-1]], dtype=np.int64))
    assert batch.codes.shape == batch.attention_mask.shape == (2, len(expected))
    assert batch.codes.dtype == np.uint32


def test_codebook_exports_are_padded_to_the_codec_shape() -> None:
    codec = lzw.Codec(6, 10, 4, pad_id=5)
    _, codebook = codec.encode([0, 1, 2, 3, 4, 0, 1, 2, 3, 4])
    array = codebook.to_numpy()
    assert array.shape == (10, 4)
    for row, entry in zip(array.tolist(), codebook.to_list()):
        assert row == entry + [5] * (4 - len(entry))
    assert (array[len(codebook) :] == 5).all()
    assert 6 in codebook and 5 not in codebook and codebook[6] == [0, 1]
    with pytest.raises(KeyError):
        codebook[100]


def test_codec_pickles_and_binds_a_tokenizer() -> None:
    tokenizer = fasttok.train(iter(["a b c a b c " * 20]), vocab_size=270, special_tokens=["<eos>"], progress=False)
    codec = lzw.Codec.for_tokenizer(tokenizer, 64, 4)
    eos = tokenizer.special_tokens["<eos>"]
    assert codec.disabled_ids == [eos] and codec.vocab_size == tokenizer.vocab_size
    clone = pickle.loads(pickle.dumps(codec))
    assert repr(clone) == repr(codec) and clone.tokenizer == tokenizer
    codes, codebook = codec.encode([1, 2, eos, 1, 2, eos, 1, 2])
    assert all(eos not in entry for entry in codebook.to_list())
    text = "a b c a b c"
    assert clone.decode_text(clone.encode_text(text).codes) == text

    hf = tokenizers.Tokenizer.from_str(tokenizer.to_hf_json())
    from_hf = lzw.Codec.for_tokenizer(hf, 64, 4)
    assert (from_hf.vocab_size, from_hf.disabled_ids) == (codec.vocab_size, codec.disabled_ids)
    with pytest.raises(fasttok.ParameterError, match="no tokenizer"):
        from_hf.encode_text(text)


def test_bad_input_raises_clear_errors() -> None:
    codec = lzw.Codec(6, 4, 2)
    with pytest.raises(fasttok.TokenIdError, match="position 2"):
        codec.encode([1, 2, 6])
    with pytest.raises(fasttok.TokenIdError, match="position 1"):
        codec.encode([1, -3])
    with pytest.raises(fasttok.TokenIdError):
        codec.encode(np.array([1, -3]))
    with pytest.raises(fasttok.TokenIdError, match="not defined yet"):
        codec.decode([1, 2, 9])
    with pytest.raises(fasttok.TokenIdError, match="row 1"):
        codec.batch_decode([[1, 2], [7]], padding=False)
    with pytest.raises(fasttok.TokenIdError, match="code"):
        codec.decode([1, 2, 10])
    with pytest.raises(fasttok.ParameterError, match="pad"):
        codec.batch_encode([[1, 2]])
    with pytest.raises(fasttok.ParameterError, match="2-D"):
        codec.batch_encode(np.zeros((2, 2, 2), dtype=np.uint32))
    with pytest.raises(fasttok.ParameterError, match="max_length"):
        codec.continuous_encode([[1, 2]], 0)
    with pytest.raises(fasttok.ParameterError, match="max_merge"):
        lzw.Codec(6, 4, 0)
    with pytest.raises(fasttok.ParameterError, match="code range"):
        lzw.Codec(6, 4, 2, pad_id=7)
    manager = lzw.Codec(6, 4, 2, pad_id=5).manager()
    manager.update([[1, 2], [3]])
    with pytest.raises(fasttok.ParameterError, match="reset"):
        manager.update([[1]])


def test_strict_decoding_rejects_what_only_a_model_emits() -> None:
    """After a full-length match the encoder makes no entry, so a new code there is not canonical."""
    codec = lzw.Codec(6, 8, 2)
    codes = [1, 2, 6, 8]  # after 6 = (1, 2) the pending match (1, 2) is full-length
    with pytest.raises(fasttok.TokenIdError, match="max_merge"):
        codec.decode(codes)
    ids, codebook = codec.decode(codes, strict=False)
    their_ids, their_codebook = z2z.LZWCompressor(6, 8, 2, 99, None).decode(codes)
    assert ids.tolist() == their_ids and codebook.to_dict() == their_codebook.to_dict()


@given(configs(), st.data())
def test_arbitrary_code_streams_decode_or_raise_a_clear_error(config: dict[str, Any], data: st.DataObject) -> None:
    """Foreign streams (any id up to past the code range) never crash the decoder or the manager."""
    codec, _ = codecs(config)
    top = codec.vocab_size + codec.codebook_size + 3
    codes = data.draw(st.lists(st.integers(0, top), max_size=60))
    for strict in (True, False):
        try:
            ids, codebook = codec.decode(codes, strict=strict)
        except fasttok.TokenIdError as err:
            assert "position" in str(err)
        else:
            assert_invariants(codec, codebook)
            assert ids.size >= len(codes)
    manager = codec.manager()
    try:
        manager.update([codes or [codec.pad_id]])
    except fasttok.TokenIdError:
        manager.reset()
