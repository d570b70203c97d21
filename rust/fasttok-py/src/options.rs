//! Thread pools sized per call.

use crate::error::{CoreError, CoreResult};

/// A rayon pool of `num_threads` threads (`None`: one per available core).
pub fn thread_pool(num_threads: Option<usize>) -> CoreResult<rayon::ThreadPool> {
    if num_threads == Some(0) {
        return Err(fasttok::Error::argument("num_threads", "must be at least 1").into());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(num_threads.unwrap_or(0))
        .build()
        .map_err(|err| CoreError(fasttok::Error::argument("num_threads", err.to_string())))
}
