//! The `fasttok.json` sidecar: what `tokenizer.json` cannot hold.
//!
//! HF `tokenizers` rejects unknown top-level keys in `tokenizer.json`, so the algorithm,
//! its parameters and the named pretokenizer live beside it.

use serde::{Deserialize, Serialize};

use crate::lib_model::Segmenter;
use crate::model::{Model, Tokenizer, TrainingInfo};
use crate::pretokenize::PretokenizerSpec;
use crate::{Error, Result};

/// Version of the sidecar layout.
const FORMAT: u32 = 1;

/// Contents of `fasttok.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// fasttok version that wrote the file.
    pub fasttok_version: String,
    /// The pretokenizer, by name when it is a named one.
    pub pretokenizer: PretokenizerSpec,
    /// Whether the pretokenizer cuts texts after each `\n` first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lines: bool,
    /// How a LiB tokenizer segments (`tokenizer.json` can only say "greedy").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segmenter: Option<Segmenter>,
    /// Algorithm and parameters.
    #[serde(flatten)]
    pub info: TrainingInfo,
}

/// Serialize the sidecar of `tokenizer`.
pub fn to_json(tokenizer: &Tokenizer) -> String {
    let sidecar = Sidecar {
        format: FORMAT,
        fasttok_version: env!("CARGO_PKG_VERSION").to_owned(),
        pretokenizer: tokenizer.pretokenizer().spec().clone(),
        lines: tokenizer.pretokenizer().lines(),
        segmenter: match tokenizer.model() {
            Model::Lib(lib) => Some(lib.segmenter()),
            Model::Bpe(_) | Model::Unigram(_) => None,
        },
        info: tokenizer.info().clone(),
    };
    serde_json::to_string_pretty(&sidecar).unwrap_or_default()
}

/// Parse a sidecar; `what` names the file in errors.
pub fn from_json(json: &str, what: &str) -> Result<Sidecar> {
    let sidecar: Sidecar =
        serde_json::from_str(json).map_err(|err| Error::format(what, err.to_string()))?;
    if sidecar.format > FORMAT {
        return Err(Error::format(
            what,
            format!(
                "format {} is newer than this fasttok understands ({FORMAT})",
                sidecar.format
            ),
        ));
    }
    Ok(sidecar)
}
