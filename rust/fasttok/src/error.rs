//! The one error type of the core.

use std::path::PathBuf;

/// Every way a fasttok operation can fail.
///
/// The Python binding maps each variant to one exception class, so a variant names
/// the problem and carries what a user needs to find it (path, byte offset, parameter).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// Input text is not valid UTF-8 and the `strict` policy is in force.
    #[error("invalid UTF-8 in {source_name} at byte offset {offset}")]
    InvalidUtf8 {
        /// The file path or input description (`<iterable item 3>`).
        source_name: String,
        /// Byte offset of the first invalid byte, from the start of that source.
        offset: u64,
    },
    /// A piece (text the pretokenizer does not split) is too long to train on.
    #[error(
        "a piece of {bytes} bytes in {source_name} exceeds the limit of {limit} bytes \
         (training needs about 23 bytes of memory per byte of a piece): cut the text, e.g. \
         with a pretokenizer that splits it, or raise `max_piece_bytes`"
    )]
    PieceTooLong {
        /// The file path or input description.
        source_name: String,
        /// The piece's length.
        bytes: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A glob, directory or corpus produced no text at all.
    #[error("empty corpus: {0}")]
    EmptyCorpus(String),
    /// A pretokenizer pattern does not compile.
    #[error("invalid pretokenizer pattern {pattern:?}: {message}")]
    InvalidPattern {
        /// The pattern as given.
        pattern: String,
        /// The regex engine's explanation.
        message: String,
    },
    /// A parameter is out of range or inconsistent with the others.
    #[error("invalid value for `{name}`: {message}")]
    InvalidArgument {
        /// The parameter name, as the user spells it.
        name: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A tokenizer file (tokenizer.json, tiktoken ranks, sidecar) is corrupt or unsupported.
    #[error("cannot load {what}: {message}")]
    Format {
        /// Which file or format was being read.
        what: String,
        /// What is wrong with it.
        message: String,
    },
    /// A token id is not in the vocabulary.
    #[error("token id {id} is out of range (vocabulary size {vocab_size})")]
    UnknownId {
        /// The offending id.
        id: u64,
        /// Size of the vocabulary.
        vocab_size: usize,
    },
    /// An id or LZW code in a sequence cannot be encoded or decoded.
    #[error("invalid id {id} at position {position}: {reason}")]
    InvalidSequence {
        /// The offending id or code.
        id: u64,
        /// Its index in the sequence.
        position: usize,
        /// Why it is invalid there.
        reason: String,
    },
    /// The operation was stopped through its [`Progress`](crate::Progress) handle.
    #[error("cancelled")]
    Cancelled,
}

/// Shorthand for results of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::InvalidArgument`] for parameter `name`.
    pub fn argument(name: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidArgument {
            name,
            message: message.into(),
        }
    }

    /// An [`Error::Format`] about `what`.
    pub fn format(what: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Format {
            what: what.into(),
            message: message.into(),
        }
    }
}
