//! The exception hierarchy and the one place where core errors become Python ones.

use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::PyErr;

create_exception!(
    fasttok._fasttok,
    FasttokError,
    PyValueError,
    "Base class of every fasttok error."
);
create_exception!(
    fasttok._fasttok,
    CorpusError,
    FasttokError,
    "A corpus could not be read: missing file, invalid UTF-8, no text."
);
create_exception!(
    fasttok._fasttok,
    PatternError,
    FasttokError,
    "A pretokenizer pattern does not compile."
);
create_exception!(
    fasttok._fasttok,
    ParameterError,
    FasttokError,
    "A parameter is out of range or inconsistent."
);
create_exception!(
    fasttok._fasttok,
    FormatError,
    FasttokError,
    "A tokenizer file is corrupt or of an unsupported kind."
);
create_exception!(
    fasttok._fasttok,
    TokenIdError,
    FasttokError,
    "A token id is not in the vocabulary."
);

/// A core error on its way to Python (a newtype, as the orphan rule requires).
pub struct CoreError(pub fasttok::Error);

impl From<fasttok::Error> for CoreError {
    fn from(err: fasttok::Error) -> Self {
        Self(err)
    }
}

impl From<CoreError> for PyErr {
    fn from(CoreError(err): CoreError) -> Self {
        use fasttok::Error as E;
        let message = err.to_string();
        match err {
            E::Io { .. } | E::InvalidUtf8 { .. } | E::EmptyCorpus(_) | E::PieceTooLong { .. } => {
                CorpusError::new_err(message)
            }
            E::InvalidPattern { .. } => PatternError::new_err(message),
            E::InvalidArgument { .. } => ParameterError::new_err(message),
            E::Format { .. } => FormatError::new_err(message),
            E::UnknownId { .. } | E::InvalidSequence { .. } => TokenIdError::new_err(message),
            E::Cancelled => PyKeyboardInterrupt::new_err("fasttok: interrupted"),
            _ => FasttokError::new_err(message),
        }
    }
}

/// Result of binding functions that fail with core errors.
pub type CoreResult<T> = Result<T, CoreError>;
