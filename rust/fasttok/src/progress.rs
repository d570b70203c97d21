//! A shared progress and cancellation handle for long-running operations.
//!
//! Long loops in the core report what they have done and poll for cancellation through
//! a [`Progress`]; whoever started the work (a CLI, the Python binding) watches it from
//! another thread, draws a bar and may call [`Progress::cancel`]. The core never prints.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};

use crate::{Error, Result};

/// The phase a long operation is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Nothing started yet.
    Idle = 0,
    /// Reading, pretokenizing and counting text; units are bytes.
    Counting = 1,
    /// Learning merges; units are merges.
    Merging = 2,
    /// Replaying inherited merges over unique chunks (SuperBPE stage 2); units are chunks.
    Replaying = 3,
    /// Replaying a given merge list over category samples (mixture inference); units are
    /// merge steps.
    Transcribing = 4,
    /// Reading articles (LiB); units are steps.
    Reading = 5,
    /// Estimating piece probabilities by EM and pruning (Unigram); units are EM
    /// iterations.
    Estimating = 6,
}

/// Counters and a cancel flag shared between a worker and its observer.
#[derive(Debug, Default)]
pub struct Progress {
    phase: AtomicU8,
    done: AtomicU64,
    total: AtomicU64,
    cancelled: AtomicBool,
}

impl Progress {
    /// A fresh handle in [`Phase::Idle`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Enter `phase`, resetting the counter; `total` is 0 when unknown.
    pub fn start(&self, phase: Phase, total: u64) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    /// Record `units` more units of work done.
    pub fn advance(&self, units: u64) {
        self.done.fetch_add(units, Ordering::Relaxed);
    }

    /// The current phase, units done and total (0 = unknown).
    pub fn snapshot(&self) -> (Phase, u64, u64) {
        let phase = match self.phase.load(Ordering::Relaxed) {
            1 => Phase::Counting,
            2 => Phase::Merging,
            3 => Phase::Replaying,
            4 => Phase::Transcribing,
            5 => Phase::Reading,
            6 => Phase::Estimating,
            _ => Phase::Idle,
        };
        (
            phase,
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }

    /// Ask the worker to stop; it returns [`Error::Cancelled`] at its next check.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// `Err(Cancelled)` once [`cancel`](Self::cancel) was called.
    pub fn check(&self) -> Result<()> {
        if self.cancelled.load(Ordering::Relaxed) {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}
