//! Options shared by several entry points: thread pools and named choices.

use std::ops::Deref;
use std::sync::OnceLock;

use rayon::ThreadPool;

use crate::error::{CoreError, CoreResult};

/// A rayon pool: the shared one with a thread per core, or one built for a call.
pub enum Pool {
    /// Built once and kept: millisecond calls (LZW batches, encoding) would otherwise
    /// spend much of their time starting threads.
    Shared(&'static ThreadPool),
    /// Built for a call that asked for a thread count.
    Owned(ThreadPool),
}

impl Deref for Pool {
    type Target = ThreadPool;

    fn deref(&self) -> &ThreadPool {
        match self {
            Self::Shared(pool) => pool,
            Self::Owned(pool) => pool,
        }
    }
}

/// A rayon pool of `num_threads` threads (`None`: one per available core).
pub fn thread_pool(num_threads: Option<usize>) -> CoreResult<Pool> {
    static SHARED: OnceLock<ThreadPool> = OnceLock::new();
    let build = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|err| CoreError(fasttok::Error::argument("num_threads", err.to_string())))
    };
    match num_threads {
        Some(0) => Err(fasttok::Error::argument("num_threads", "must be at least 1").into()),
        Some(threads) => build(threads).map(Pool::Owned),
        None => match SHARED.get() {
            Some(pool) => Ok(Pool::Shared(pool)),
            None => {
                let pool = build(0)?;
                Ok(Pool::Shared(SHARED.get_or_init(|| pool)))
            }
        },
    }
}

/// The value that `value` names among `choices` for option `name`, or an error listing them.
pub fn choice<T: Copy>(name: &'static str, value: &str, choices: &[(&str, T)]) -> CoreResult<T> {
    choices
        .iter()
        .find(|(label, _)| *label == value)
        .map(|&(_, chosen)| chosen)
        .ok_or_else(|| {
            let labels: Vec<String> = choices
                .iter()
                .map(|(label, _)| format!("{label:?}"))
                .collect();
            let message = format!("{value:?} is not one of {}", labels.join(", "));
            CoreError(fasttok::Error::argument(name, message))
        })
}

/// The `units` option: `"chars"` or `"bytes"`.
pub fn units(value: &str) -> CoreResult<fasttok::Units> {
    choice(
        "units",
        value,
        &[
            ("chars", fasttok::Units::Chars),
            ("bytes", fasttok::Units::Bytes),
        ],
    )
}
