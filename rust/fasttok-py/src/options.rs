//! Options shared by several entry points: thread pools and named choices.

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
