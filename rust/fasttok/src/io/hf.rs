//! HF `tokenizer.json`: writing fasttok tokenizers, reading byte-level BPE ones and
//! fasttok's LiB and Unigram exports.
//!
//! A Unigram model is HF's `Unigram` with the same ids and scores; for character units
//! the `<0xNN>` tokens and `<unk>` follow the pieces and `byte_fallback` is on, so
//! `tokenizers` gives fasttok's ids for any text. (HF also matches those tokens' own
//! spellings in the text, e.g. "<0x41>"; they are scored far below every piece so that
//! this cannot win while the text's characters are pieces.)
//!
//! A LiB lexicon is written as HF's `WordPiece` with an empty continuing-subword prefix,
//! which is greedy longest match: HF has no two-path segmenter, so `tokenizers` encodes a
//! LiB tokenizer greedily (fasttok reads the segmenter back from the sidecar). WordPiece
//! has no byte fallback either: character-unit exports keep the `<0xNN>` tokens for
//! decoding (HF's `ByteFallback` decoder), and a character never seen in training makes
//! `tokenizers` raise (there is no unknown token).
//!
//! Tokens are stored as GPT-2 byte-level strings: each byte maps to one printable
//! character (`bytes_to_unicode`), e.g. space → `Ġ`. The pretokenizer is written as
//! `Sequence[Split(Regex(pattern), "Isolated"), ByteLevel(use_regex=false)]`, which HF
//! runs with Oniguruma and which gives the same pieces as fasttok's engines.
//!
//! Oniguruma (Ruby syntax) reads two constructs of tiktoken's cl100k pattern differently:
//! `\p{N}{1,3}+` is "one or more groups of 1–3 digits", not a possessive, and `$` is the
//! end of a *line*. cl100k is therefore exported in an equivalent spelling for Oniguruma
//! ([`CL100K_ONIGURUMA`]); custom patterns are exported as given.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde_json::{json, Map, Value};

use super::meta::Sidecar;
use crate::bpe::BpeModel;
use crate::lib_model::{fallback_token, LibModel, Segmenter};
use crate::model::{Model, Tokenizer, TrainingInfo, Units};
use crate::pretokenize::{Pretokenizer, PretokenizerSpec};
use crate::unigram::{UnigramModel, UNKNOWN_TOKEN};
use crate::{Error, Result};

fn is_printable(byte: u8) -> bool {
    matches!(byte, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF)
}

/// GPT-2's `bytes_to_unicode` table: byte → character.
fn byte_table() -> &'static [char; 256] {
    static TABLE: OnceLock<[char; 256]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = ['\0'; 256];
        let mut shifted = 0x100;
        for (byte, slot) in table.iter_mut().enumerate() {
            *slot = if is_printable(byte as u8) {
                char::from(byte as u8)
            } else {
                // The 68 other bytes get U+0100, U+0101, … in byte order.
                shifted += 1;
                char::from_u32(shifted - 1).unwrap_or('\0')
            };
        }
        table
    })
}

/// The byte-level character of `byte` (GPT-2's `bytes_to_unicode`).
pub fn byte_to_char(byte: u8) -> char {
    byte_table()[byte as usize]
}

/// The byte of a byte-level character, if it is one.
fn char_to_byte(c: char) -> Option<u8> {
    static INVERSE: OnceLock<FxHashMap<char, u8>> = OnceLock::new();
    INVERSE
        .get_or_init(|| (0..=255u8).map(|byte| (byte_to_char(byte), byte)).collect())
        .get(&c)
        .copied()
}

/// The byte-level string of `bytes`.
pub fn bytes_to_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&byte| byte_to_char(byte)).collect()
}

/// The bytes of a byte-level string, or `None` if a character is not in the table.
pub fn string_to_bytes(text: &str) -> Option<Vec<u8>> {
    text.chars().map(char_to_byte).collect()
}

/// tiktoken's cl100k pattern in Oniguruma's dialect: no possessive quantifiers (none of
/// them changes a match, see `pretokenize`) and `\z` (end of text) for `$`.
pub const CL100K_ONIGURUMA: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+\z|\s*[\r\n]|\s+(?!\S)|\s";

/// The pattern of `spec` as HF's Oniguruma must read it.
fn oniguruma_pattern(spec: &PretokenizerSpec) -> &str {
    match spec {
        PretokenizerSpec::Cl100k => CL100K_ONIGURUMA,
        other => other.pattern(),
    }
}

/// The HF `pre_tokenizer` steps of `pretokenizer` that come before `ByteLevel`.
fn split_steps(pretokenizer: &Pretokenizer) -> Vec<Value> {
    let spec = pretokenizer.spec();
    let mut steps = Vec::new();
    if pretokenizer.lines() {
        steps.push(json!({"type": "Split", "pattern": {"String": "\n"},
                          "behavior": "MergedWithPrevious", "invert": false}));
    }
    if spec.isolates_digits() {
        steps.push(json!({"type": "Digits", "individual_digits": false}));
    }
    if *spec != PretokenizerSpec::Whole {
        steps.push(
            json!({"type": "Split", "pattern": {"Regex": oniguruma_pattern(spec)},
                          "behavior": "Isolated", "invert": false}),
        );
    }
    steps
}

/// The normalizer that adds [`Pretokenizer::with_prefix_space`]'s spaces: one before
/// every line that is not empty. `tokenizers` normalizes the text between special tokens
/// separately, so the text after one starts a line too, as in fasttok.
fn prefix_space_normalizer() -> Value {
    json!({"type": "Replace", "pattern": {"Regex": "^(?=[^\n])"}, "content": " "})
}

/// `ByteLevel` as the last pre-tokenizer step (after fasttok's own splitting).
fn byte_level_step() -> Value {
    json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false})
}

/// The `vocab` object of the ordinary tokens: `(string, id)`, specials left out.
fn vocab_object(model: &Model, spell: impl Fn(usize, &[u8]) -> String) -> Map<String, Value> {
    let specials = model.specials();
    let is_special = |id: usize| specials.iter().any(|(_, special)| *special as usize == id);
    model
        .vocab()
        .iter()
        .enumerate()
        .filter(|(id, _)| !is_special(*id))
        .map(|(id, bytes)| (spell(id, bytes), json!(id)))
        .collect()
}

/// The byte-level string of a token, whatever its id.
fn byte_level(_: usize, bytes: &[u8]) -> String {
    bytes_to_string(bytes)
}

/// Serialize `tokenizer` as an HF `tokenizer.json`.
pub fn to_json(tokenizer: &Tokenizer) -> String {
    let steps = split_steps(tokenizer.pretokenizer());
    let (pre_tokenizer, decoder, model) = match tokenizer.model() {
        Model::Bpe(bpe) => (
            steps.into_iter().chain([byte_level_step()]).collect(),
            byte_level_decoder(),
            bpe_json(bpe, tokenizer.model()),
        ),
        Model::Lib(lib) => lib_json(lib, tokenizer.model(), steps),
        Model::Unigram(unigram) => unigram_json(unigram, steps),
    };
    let added_tokens: Vec<Value> = tokenizer
        .model()
        .specials()
        .iter()
        .map(|(content, id)| {
            json!({"id": id, "content": content, "single_word": false, "lstrip": false,
                   "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    let pre_tokenizer = match pre_tokenizer {
        steps if steps.is_empty() => Value::Null,
        steps => json!({"type": "Sequence", "pretokenizers": steps}),
    };
    let document = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens,
        "normalizer": tokenizer.pretokenizer().prefix_space().then(prefix_space_normalizer),
        "pre_tokenizer": pre_tokenizer,
        "post_processor": null,
        "decoder": decoder,
        "model": model,
    });
    serde_json::to_string_pretty(&document).unwrap_or_default()
}

/// HF's `BPE` model section.
fn bpe_json(bpe: &BpeModel, model: &Model) -> Value {
    let merges: Vec<Value> = bpe
        .merges()
        .iter()
        .map(|&(left, right, _)| {
            let token = |id: u32| bytes_to_string(&bpe.vocab()[id as usize]);
            json!([token(left), token(right)])
        })
        .collect();
    json!({
        "type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
        "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
        "ignore_merges": bpe.whole_piece_lookup(),
        "vocab": vocab_object(model, byte_level), "merges": merges
    })
}

/// Longest piece HF's `WordPiece` segments (longer ones become its unknown token).
const WORDPIECE_MAX_CHARS: u64 = 1 << 30;

/// HF's `ByteLevel` decoder.
fn byte_level_decoder() -> Value {
    json!({"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true})
}

/// The decoder of character-unit vocabularies with `<0xNN>` fallback tokens.
fn byte_fallback_decoder() -> Value {
    json!({"type": "Sequence", "decoders": [{"type": "ByteFallback"}, {"type": "Fuse"}]})
}

/// The spelling of token `id` of a character-unit vocabulary whose units are the ids
/// below `unit_count`, followed by 256 fallback tokens (stored as their byte).
fn char_unit_spelling(unit_count: usize) -> impl Fn(usize, &[u8]) -> String {
    move |id, bytes| match id {
        _ if id < unit_count || id >= unit_count + 256 => {
            String::from_utf8_lossy(bytes).into_owned()
        }
        _ => fallback_token(bytes[0]),
    }
}

/// Pre-tokenizer steps, decoder and `WordPiece` model section of a LiB lexicon.
fn lib_json(lib: &LibModel, model: &Model, mut steps: Vec<Value>) -> (Vec<Value>, Value, Value) {
    let (decoder, vocab) = match lib.unit_kind() {
        Units::Bytes => {
            steps.push(byte_level_step());
            (byte_level_decoder(), vocab_object(model, byte_level))
        }
        Units::Chars => (
            byte_fallback_decoder(),
            vocab_object(model, char_unit_spelling(lib.unit_count())),
        ),
    };
    let section = json!({
        "type": "WordPiece", "unk_token": UNKNOWN_TOKEN, "continuing_subword_prefix": "",
        "max_input_chars_per_word": WORDPIECE_MAX_CHARS, "vocab": vocab
    });
    (steps, decoder, section)
}

/// How a token is written in `tokenizer.json`, given its id and bytes.
type Spelling = dyn Fn(usize, &[u8]) -> String;

/// Pre-tokenizer steps, decoder and `Unigram` model section: `[spelling, score]` by id.
fn unigram_json(unigram: &UnigramModel, mut steps: Vec<Value>) -> (Vec<Value>, Value, Value) {
    let piece_count = unigram.piece_count();
    let chars = char_unit_spelling(piece_count);
    let (decoder, spell): (Value, &Spelling) = match unigram.unit_kind() {
        Units::Bytes => {
            steps.push(byte_level_step());
            (byte_level_decoder(), &byte_level)
        }
        Units::Chars => (byte_fallback_decoder(), &chars),
    };
    let specials = unigram.specials();
    let vocab: Vec<Value> = unigram
        .vocab()
        .iter()
        .zip(unigram.scores())
        .enumerate()
        .map(|(id, (bytes, score))| {
            let special = specials.iter().find(|(_, special)| *special as usize == id);
            match special {
                Some((text, _)) => json!([text, score]),
                None => json!([spell(id, bytes), score]),
            }
        })
        .collect();
    let unknown = (unigram.unit_kind() == Units::Chars).then_some(piece_count + 256);
    let section = json!({
        "type": "Unigram", "unk_id": unknown, "vocab": vocab,
        "byte_fallback": unigram.unit_kind() == Units::Chars
    });
    (steps, decoder, section)
}

/// Parse a byte-level BPE `tokenizer.json`, or a LiB one written by fasttok (`WordPiece`);
/// `what` names the file in errors. A sidecar, if given, supplies the pretokenizer by
/// name, the segmenter and the training metadata.
pub fn from_json(json: &str, what: &str, sidecar: Option<Sidecar>) -> Result<Tokenizer> {
    let bad = |message: String| Error::format(what, message);
    let document: Value = serde_json::from_str(json).map_err(|err| bad(err.to_string()))?;
    let model = document
        .get("model")
        .ok_or_else(|| bad("no \"model\"".into()))?;
    let kind = model.get("type").and_then(Value::as_str);
    if !matches!(kind, Some("BPE" | "WordPiece" | "Unigram")) {
        return Err(bad(format!(
            "model type {kind:?} is not supported (only BPE, and fasttok's LiB and Unigram \
             exports)"
        )));
    }
    let prefix_space = match document.get("normalizer") {
        None | Some(Value::Null) => false,
        Some(normalizer) if *normalizer == prefix_space_normalizer() => true,
        Some(_) => {
            return Err(bad(
                "normalizers are not supported (only fasttok's prefix space)".into(),
            ))
        }
    };
    if kind == Some("WordPiece")
        && model
            .get("continuing_subword_prefix")
            .and_then(Value::as_str)
            != Some("")
    {
        return Err(bad(
            "WordPiece with a continuing-subword prefix is not supported (only fasttok's LiB \
             export, whose prefix is \"\")"
                .into(),
        ));
    }
    let split = pretokenizer_spec(document.get("pre_tokenizer")).map_err(bad)?;
    let byte_level = split.byte_level;
    if kind == Some("BPE") && !byte_level {
        return Err(bad(
            "only byte-level BPE is supported (no ByteLevel pre-tokenizer)".into(),
        ));
    }
    let spell = |token: &str| {
        if byte_level {
            string_to_bytes(token).ok_or_else(|| bad(format!("token {token:?} is not byte-level")))
        } else {
            Ok(token.as_bytes().to_vec())
        }
    };

    let added_tokens = document.get("added_tokens").and_then(Value::as_array);
    // Ids are dense, so none reaches the number of entries: a larger one is refused
    // before it sizes the table (found by the fuzz target `tokenizer_json`: an id of
    // 5.6e15 asked for petabytes).
    let entries = added_tokens.map_or(0, Vec::len)
        + match model.get("vocab") {
            Some(Value::Object(vocab)) => vocab.len(),
            Some(Value::Array(vocab)) => vocab.len(),
            _ => 0,
        };
    let mut tokens: Vec<Option<Vec<u8>>> = Vec::new();
    let mut place = |id: u64, bytes: Vec<u8>| -> Result<()> {
        let id = usize::try_from(id)
            .ok()
            .filter(|&id| id < entries)
            .ok_or_else(|| {
                bad(format!(
                    "id {id} is not below the number of entries ({entries})"
                ))
            })?;
        if id >= tokens.len() {
            tokens.resize(id + 1, None);
        }
        tokens[id] = Some(bytes);
        Ok(())
    };
    let mut specials = Vec::new();
    for added in added_tokens.into_iter().flatten() {
        let (Some(id), Some(content)) = (
            added.get("id").and_then(Value::as_u64),
            added.get("content").and_then(Value::as_str),
        ) else {
            return Err(bad("an added token lacks \"id\" or \"content\"".into()));
        };
        place(id, content.as_bytes().to_vec())?;
        specials.push((content.to_owned(), id as u32));
    }
    let is_special = |id: u64| {
        specials
            .iter()
            .any(|(_, special)| u64::from(*special) == id)
    };
    let mut ids_by_string = std::collections::HashMap::new();
    let mut scores = Vec::new();
    match model.get("vocab") {
        Some(Value::Object(vocab)) => {
            for (token, id) in vocab {
                let id = id
                    .as_u64()
                    .ok_or_else(|| bad(format!("id of {token:?} is not an integer")))?;
                ids_by_string.insert(token.as_str(), id as u32);
                if !is_special(id) {
                    place(id, spell(token)?)?;
                }
            }
        }
        Some(Value::Array(entries)) if kind == Some("Unigram") => {
            for (id, entry) in entries.iter().enumerate() {
                let (Some(token), Some(score)) = (
                    entry.get(0).and_then(Value::as_str),
                    entry.get(1).and_then(Value::as_f64),
                ) else {
                    return Err(bad(format!("vocab entry {id} is not [token, score]")));
                };
                scores.push(score);
                if !is_special(id as u64) {
                    place(id as u64, spell(token)?)?;
                }
            }
        }
        _ => return Err(bad("model has no \"vocab\"".into())),
    }
    let vocab: Vec<Vec<u8>> = tokens
        .into_iter()
        .enumerate()
        .map(|(id, token)| token.ok_or_else(|| bad(format!("no token has id {id}"))))
        .collect::<Result<_>>()?;
    let ((spec, lines), segmenter, info) = match sidecar {
        Some(sidecar) => (
            (sidecar.pretokenizer, sidecar.lines),
            sidecar.segmenter,
            sidecar.info,
        ),
        None => (
            (split.spec, split.lines),
            None,
            TrainingInfo {
                algorithm: "imported".into(),
                parameters: Value::Null,
            },
        ),
    };
    let pretokenizer = Pretokenizer::new(spec)?
        .with_lines(lines)
        .with_prefix_space(prefix_space);
    let model = match kind {
        Some("BPE") => Model::Bpe(bpe_from_json(model, vocab, &ids_by_string, specials, what)?),
        Some("Unigram") => Model::Unigram(unigram_from_json(
            vocab, &scores, byte_level, &specials, what,
        )?),
        _ => {
            // Without a sidecar the tokenizer segments as HF does: greedily.
            let segmenter = segmenter.unwrap_or(Segmenter::Greedy);
            Model::Lib(lib_from_json(vocab, byte_level, &specials, what)?.with_segmenter(segmenter))
        }
    };
    Ok(Tokenizer::new(model, pretokenizer, info))
}

/// The number of ordinary tokens (before the specials), checking that the specials
/// follow them.
fn ordinary_count(
    vocab: &[Vec<u8>],
    specials: &[(String, u32)],
) -> std::result::Result<usize, String> {
    let ordinary = vocab.len() - specials.len();
    if specials
        .iter()
        .enumerate()
        .any(|(index, (_, id))| *id as usize != ordinary + index)
    {
        return Err("special tokens must follow the ordinary tokens".into());
    }
    Ok(ordinary)
}

/// Where the 256 `<0xNN>` fallback tokens that end at `end` start, if they do.
fn fallback_start(vocab: &[Vec<u8>], end: usize) -> Option<usize> {
    let fallback = (0..=255u8).map(|byte| fallback_token(byte).into_bytes());
    end.checked_sub(256)
        .filter(|&start| vocab[start..end].iter().cloned().eq(fallback))
}

/// The special tokens' names.
fn names(specials: &[(String, u32)]) -> Vec<String> {
    specials.iter().map(|(name, _)| name.clone()).collect()
}

/// A LiB model from the tokens of a fasttok `WordPiece` export.
fn lib_from_json(
    vocab: Vec<Vec<u8>>,
    byte_level: bool,
    specials: &[(String, u32)],
    what: &str,
) -> Result<LibModel> {
    let bad = |message: String| Error::format(what, message);
    let ordinary = ordinary_count(&vocab, specials).map_err(bad)?;
    let (units, unit_count) = if byte_level {
        (Units::Bytes, ordinary)
    } else {
        let unit_count = fallback_start(&vocab, ordinary).ok_or_else(|| {
            bad("not a fasttok LiB export: no <0x00>…<0xFF> tokens after the units".into())
        })?;
        (Units::Chars, unit_count)
    };
    LibModel::new(vocab[..unit_count].to_vec(), units, &names(specials))
        .map_err(|err| bad(err.to_string()))
}

/// A Unigram model from the tokens and scores of a fasttok `Unigram` export.
fn unigram_from_json(
    vocab: Vec<Vec<u8>>,
    scores: &[f64],
    byte_level: bool,
    specials: &[(String, u32)],
    what: &str,
) -> Result<UnigramModel> {
    let bad = |message: String| Error::format(what, message);
    let ordinary = ordinary_count(&vocab, specials).map_err(bad)?;
    let (units, piece_count) =
        if byte_level {
            (Units::Bytes, ordinary)
        } else {
            let piece_count = ordinary
            .checked_sub(1)
            .filter(|&unknown| vocab[unknown] == UNKNOWN_TOKEN.as_bytes())
            .and_then(|unknown| fallback_start(&vocab, unknown))
            .ok_or_else(|| {
                bad("not a fasttok Unigram export: the pieces are not followed by <0x00>…<0xFF> \
                     and <unk>"
                    .into())
            })?;
            (Units::Chars, piece_count)
        };
    let pieces = vocab
        .into_iter()
        .zip(scores.iter().copied())
        .take(piece_count)
        .collect();
    UnigramModel::new(pieces, units, &names(specials)).map_err(|err| bad(err.to_string()))
}

/// A BPE model from its `tokenizer.json` section and tokens.
fn bpe_from_json(
    model: &Value,
    vocab: Vec<Vec<u8>>,
    ids_by_string: &std::collections::HashMap<&str, u32>,
    specials: Vec<(String, u32)>,
    what: &str,
) -> Result<BpeModel> {
    let bad = |message: String| Error::format(what, message);
    let mut merges = Vec::new();
    for (rank, merge) in model
        .get("merges")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let (left, right) = match merge {
            Value::String(pair) => pair
                .split_once(' ')
                .ok_or_else(|| bad(format!("merge {rank} {pair:?} has no space")))?,
            Value::Array(pair) if pair.len() == 2 => (
                pair[0].as_str().unwrap_or_default(),
                pair[1].as_str().unwrap_or_default(),
            ),
            _ => return Err(bad(format!("merge {rank} is neither \"a b\" nor [a, b]"))),
        };
        let id = |token: &str| {
            ids_by_string.get(token).copied().ok_or_else(|| {
                bad(format!(
                    "merge {rank} uses {token:?}, which is not in the vocab"
                ))
            })
        };
        merges.push((id(left)?, id(right)?));
    }
    let whole_piece_lookup = model
        .get("ignore_merges")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    BpeModel::from_merges(vocab, &merges, specials, whole_piece_lookup, what)
}

/// What fasttok reads from an HF `pre_tokenizer` section.
struct SplitSpec {
    spec: PretokenizerSpec,
    /// Texts are cut after each newline first.
    lines: bool,
    /// The last step is `ByteLevel` (tokens are byte-level strings).
    byte_level: bool,
}

/// The pretokenizer of an HF `pre_tokenizer` section, if fasttok can reproduce it:
/// `Sequence[Split("\n", MergedWithPrevious)?, Digits?, Split(Regex, Isolated)?,
/// ByteLevel(use_regex=false)?]`, a lone `ByteLevel`, or none.
fn pretokenizer_spec(section: Option<&Value>) -> std::result::Result<SplitSpec, String> {
    fn kind(step: &Value) -> &str {
        step.get("type").and_then(Value::as_str).unwrap_or_default()
    }
    let flag = |value: &Value, key: &str| value.get(key).and_then(Value::as_bool);
    let whole = |byte_level| SplitSpec {
        spec: PretokenizerSpec::Whole,
        lines: false,
        byte_level,
    };
    let Some(section) = section.filter(|s| !s.is_null()) else {
        return Ok(whole(false));
    };
    let unsupported = "only Sequence[Split(\"\\n\", MergedWithPrevious)?, Digits?, \
                       Split(Regex, Isolated)?, ByteLevel(use_regex=false)?] is supported";
    let mut steps: &[Value] = match kind(section) {
        "ByteLevel" => {
            if flag(section, "add_prefix_space") == Some(true) {
                return Err("ByteLevel(add_prefix_space=true) is not supported".into());
            }
            if flag(section, "use_regex") == Some(false) {
                return Ok(whole(true));
            }
            return Ok(SplitSpec {
                spec: PretokenizerSpec::Gpt2,
                lines: false,
                byte_level: true,
            });
        }
        "Sequence" => section
            .get("pretokenizers")
            .and_then(Value::as_array)
            .ok_or("Sequence without pretokenizers")?,
        "Split" => std::slice::from_ref(section),
        other => return Err(format!("pre_tokenizer {other:?} is not supported")),
    };
    if let [single] = steps {
        if kind(single) == "ByteLevel" {
            return pretokenizer_spec(Some(single));
        }
    }
    let byte_level = matches!(steps.last(), Some(last) if kind(last) == "ByteLevel");
    if byte_level {
        let last = &steps[steps.len() - 1];
        if flag(last, "use_regex") != Some(false) || flag(last, "add_prefix_space") == Some(true) {
            return Err(unsupported.into());
        }
        steps = &steps[..steps.len() - 1];
    }
    let lines = matches!(steps.first(), Some(step) if kind(step) == "Split"
        && step.pointer("/pattern/String").and_then(Value::as_str) == Some("\n")
        && step.get("behavior").and_then(Value::as_str) == Some("MergedWithPrevious")
        && flag(step, "invert") != Some(true));
    if lines {
        steps = &steps[1..];
    }
    let digits = matches!(steps.first(), Some(step) if kind(step) == "Digits"
        && flag(step, "individual_digits") != Some(true));
    if digits {
        steps = &steps[1..];
    }
    let spec = match steps {
        [] if !digits => PretokenizerSpec::Whole,
        [split] if kind(split) == "Split" => {
            let pattern = split
                .pointer("/pattern/Regex")
                .and_then(Value::as_str)
                .ok_or("Split without a Regex pattern")?;
            if split.get("behavior").and_then(Value::as_str) != Some("Isolated")
                || flag(split, "invert") == Some(true)
            {
                return Err("only Split(behavior=\"Isolated\", invert=false) is supported".into());
            }
            named_or_custom(pattern, digits)
                .ok_or("Digits before a Split is supported for SuperBPE's specs only")?
        }
        _ => return Err(unsupported.into()),
    };
    Ok(SplitSpec {
        spec,
        lines,
        byte_level,
    })
}

/// The named spec whose `Split` pattern is `pattern` (after HF's `Digits` when `digits`),
/// else a custom one; `None` for a custom pattern after `Digits`.
fn named_or_custom(pattern: &str, digits: bool) -> Option<PretokenizerSpec> {
    PretokenizerSpec::NAMED
        .into_iter()
        .filter(|spec| spec.isolates_digits() == digits && *spec != PretokenizerSpec::Whole)
        .find(|spec| spec.pattern() == pattern || oniguruma_pattern(spec) == pattern)
        .or_else(|| (!digits).then(|| PretokenizerSpec::Custom(pattern.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_table_matches_gpt2() {
        assert_eq!(byte_to_char(b' '), 'Ġ');
        assert_eq!(byte_to_char(b'\n'), 'Ċ');
        assert_eq!(byte_to_char(b'a'), 'a');
        assert_eq!(byte_to_char(0xAD), 'Ń');
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(string_to_bytes(&bytes_to_string(&all)).unwrap(), all);
    }

    /// Found by the fuzz target `tokenizer_json`: an id far beyond the vocabulary sized a
    /// table of petabytes (an abort, not an error).
    #[test]
    fn ids_beyond_the_entries_are_format_errors() {
        for model in [
            r#"{"type": "WordPiece", "continuing_subword_prefix": "", "vocab": {"a": 5555555555555525}}"#,
            r#"{"type": "BPE", "vocab": {"a": 0, "b": 3}, "merges": []}"#,
        ] {
            let json = format!(r#"{{"pre_tokenizer": {{"type": "ByteLevel"}}, "model": {model}}}"#);
            let error = from_json(&json, "t.json", None).unwrap_err().to_string();
            assert!(
                error.contains("is not below the number of entries"),
                "{error}"
            );
        }
    }
}
