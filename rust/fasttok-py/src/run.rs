//! Running core work without the GIL, with a progress bar and Ctrl-C.
//!
//! The work runs on a scoped worker thread while the calling (main) thread waits with
//! the GIL released, waking every 100 ms to redraw the bar and to let Python run its
//! signal handlers. A KeyboardInterrupt cancels the shared [`Progress`]; the core polls
//! it in every long loop, so the call returns within a fraction of a second.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fasttok::{Phase, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pyo3::prelude::*;

use crate::error::CoreError;

const POLL: Duration = Duration::from_millis(100);

/// Run `work` with the GIL released; `show_progress` draws a bar on a terminal's stderr.
pub fn run_detached<T: Send>(
    py: Python<'_>,
    progress: &Progress,
    show_progress: bool,
    work: impl FnOnce(&Progress) -> fasttok::Result<T> + Send,
) -> PyResult<T> {
    let mut interrupt: Option<PyErr> = None;
    // Set before the worker unparks the waiter: `is_finished` turns true only once the
    // thread has wound down, so polling it could sleep one more period after the work.
    let done = AtomicBool::new(false);
    let result = py.detach(|| {
        std::thread::scope(|scope| {
            let waiter = std::thread::current();
            let done = &done;
            let worker = scope.spawn(move || {
                let result = work(progress);
                done.store(true, Ordering::Release);
                waiter.unpark();
                result
            });
            let mut bar = Bar::new(show_progress);
            while !done.load(Ordering::Acquire) {
                std::thread::park_timeout(POLL);
                bar.draw(progress);
                if interrupt.is_none() {
                    interrupt = Python::attach(|py| py.check_signals().err());
                    if interrupt.is_some() {
                        progress.cancel();
                    }
                }
            }
            bar.finish();
            worker.join()
        })
    });
    if let Some(err) = interrupt {
        return Err(err);
    }
    match result {
        Ok(result) => result.map_err(|err| CoreError(err).into()),
        Err(_) => Err(crate::error::FasttokError::new_err(
            "internal error: a fasttok worker panicked",
        )),
    }
}

/// An indicatif bar that follows the phases of a [`Progress`].
struct Bar {
    bar: Option<ProgressBar>,
    phase: Phase,
}

impl Bar {
    fn new(show: bool) -> Self {
        let bar = show.then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()));
        Self {
            bar,
            phase: Phase::Idle,
        }
    }

    fn draw(&mut self, progress: &Progress) {
        let Some(bar) = &self.bar else { return };
        let (phase, done, total) = progress.snapshot();
        if phase != self.phase {
            self.phase = phase;
            let template = match phase {
                Phase::Counting => "counting {bar:30} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, {eta})",
                Phase::Merging => "merging  {bar:30} {pos}/{len} merges ({per_sec}, {eta})",
                Phase::Replaying => "replaying {bar:30} {pos}/{len} chunks ({per_sec}, {eta})",
                Phase::Transcribing => "replaying {bar:30} {pos}/{len} merge steps ({per_sec}, {eta})",
                Phase::Reading => "reading  {bar:30} {pos}/{len} articles ({per_sec}, {eta})",
                Phase::Estimating => "EM       {bar:30} {pos}/{len} iterations (estimated; {eta})",
                Phase::Idle => "{spinner}",
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.reset();
        }
        bar.set_length(total);
        bar.set_position(done);
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
