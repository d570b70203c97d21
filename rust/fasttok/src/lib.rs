//! fasttok: fast, exact tokenizer training.
//!
//! The pipeline is a *feed* that turns text into counts of unique pieces
//! ([`Feed`] → [`Counts`]), a trainer that learns a model from the counts
//! ([`BpeTrainer`]), and a [`Tokenizer`] that encodes, decodes and is saved as an HF
//! `tokenizer.json` (plus a `fasttok.json` sidecar) or exported to tiktoken. [`lzw`]
//! compresses a tokenizer's ids further into per-sequence hypertokens (zip2zip);
//! [`mixture`] replays a merge list over category samples to infer the training data's
//! mixture.
//!
//! # Example
//!
//! ```
//! use fasttok::{BpeTrainer, Feed, Pretokenizer, Progress, Tokenizer, TrainingInfo, Model};
//!
//! let pretokenizer = Pretokenizer::from_name_or_pattern("gpt2")?;
//! let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
//! let progress = Progress::new();
//! let mut feed = Feed::new(&pretokenizer, &pool, &progress);
//! feed.add_documents(&["the cat sat on the mat; the cat ate"])?;
//! let counts = feed.finish();
//!
//! let bpe = BpeTrainer::new(260).train(&counts, &pool, &progress)?;
//! let tokenizer = Tokenizer::new(Model::Bpe(bpe), pretokenizer, TrainingInfo::default());
//! let ids = tokenizer.encode("the cat")?;
//! assert_eq!(tokenizer.decode(&ids)?, "the cat");
//! # Ok::<(), fasttok::Error>(())
//! ```
#![deny(missing_docs)]

pub mod bpe;
pub mod compound;
pub mod count;
mod error;
pub mod io;
pub mod lib_model;
pub mod lzw;
pub mod mixture;
pub mod model;
pub mod pretokenize;
pub mod progress;
mod slots;
pub mod superbpe;
pub mod trie;
pub mod unigram;

pub use bpe::{BpeModel, BpeTrainer, TieBreak};
pub use compound::{DecompoundOptions, Decompounder};
pub use count::{lines, read_lines, Counts, Feed, FileFormat, Utf8Policy};
pub use error::{Error, Result};
pub use lib_model::{LibModel, LibTrainer, Segmenter};
pub use model::{Model, Tokenizer, TrainingInfo, Units};
pub use pretokenize::{Pretokenizer, PretokenizerConfig, PretokenizerSpec};
pub use progress::{Phase, Progress};
pub use superbpe::{MergeConstraints, SuperBpeReport, SuperBpeTrainer};
pub use unigram::{UnigramModel, UnigramTrainer};
