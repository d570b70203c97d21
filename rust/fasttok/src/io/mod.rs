//! Reading and writing tokenizers: HF `tokenizer.json`, tiktoken ranks, the sidecar.

pub mod hf;
pub mod meta;
pub mod tiktoken;

use std::fs;
use std::path::{Path, PathBuf};

use crate::model::Tokenizer;
use crate::{Error, Result};

/// File name of the HF tokenizer inside a saved directory.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// File name of fasttok's sidecar inside a saved directory.
pub const SIDECAR_FILE: &str = "fasttok.json";

/// Write `tokenizer.json` and `fasttok.json` into `dir` (created if missing).
///
/// Each file is written to a temporary name and renamed, so an interrupted save never
/// leaves a truncated tokenizer behind.
pub fn save(tokenizer: &Tokenizer, dir: &Path) -> Result<()> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    for (name, contents) in [
        (TOKENIZER_FILE, hf::to_json(tokenizer)),
        (SIDECAR_FILE, meta::to_json(tokenizer)),
    ] {
        let path = dir.join(name);
        let partial = dir.join(format!(".{name}.partial"));
        fs::write(&partial, contents).map_err(io_error(&partial))?;
        fs::rename(&partial, &path).map_err(io_error(&path))?;
    }
    Ok(())
}

/// Load a tokenizer from a directory written by [`save`], or from any BPE
/// `tokenizer.json` file (a `fasttok.json` beside it is used when present).
pub fn load(path: &Path) -> Result<Tokenizer> {
    let (json_path, sidecar_path): (PathBuf, PathBuf) = if path.is_dir() {
        (path.join(TOKENIZER_FILE), path.join(SIDECAR_FILE))
    } else {
        let dir = path.parent().unwrap_or(Path::new("."));
        (path.to_owned(), dir.join(SIDECAR_FILE))
    };
    let read = |path: &Path| {
        fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })
    };
    let json = read(&json_path)?;
    let sidecar = if sidecar_path.is_file() {
        Some(meta::from_json(
            &read(&sidecar_path)?,
            &sidecar_path.display().to_string(),
        )?)
    } else {
        None
    };
    hf::from_json(&json, &json_path.display().to_string(), sidecar)
}
