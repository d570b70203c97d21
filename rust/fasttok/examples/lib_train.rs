//! Time LiB training on the lines of one file with the reference defaults. A profiling
//! aid; `benches/bench_lib.py` holds the side-by-side comparison with the authors' code.
//!
//! `cargo run --release --example lib_train -- FILE [THREADS]`

use std::hash::{Hash, Hasher};
use std::time::Instant;

use fasttok::{LibTrainer, Pretokenizer, Progress};

/// The allocator of the Python extension, so that the timings are those of `fasttok.train`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: lib_train FILE [THREADS]")?;
    let threads: Option<usize> = args.next().map(|t| t.parse()).transpose()?;
    let text = std::fs::read_to_string(&path)?;
    let lines: Vec<&str> = fasttok::lines(&text).collect();
    let trainer = LibTrainer {
        steps: lines.len().div_ceil(500),
        num_threads: threads,
        ..LibTrainer::default()
    };
    let pretokenizer = Pretokenizer::from_name_or_pattern("none")?;
    let started = Instant::now();
    let model = trainer.train(&lines, &pretokenizer, &Progress::new())?;
    let seconds = started.elapsed().as_secs_f64();
    // A fingerprint of the lexicon, to check that a change to the trainer left it as it was.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    model.vocab().hash(&mut hasher);
    eprintln!(
        "{} lines: {} units (lexicon {:016x}) in {seconds:.3} s",
        lines.len(),
        model.unit_count(),
        hasher.finish()
    );
    Ok(())
}
