//! Time the phases of BPE training on one file: split alone, feed (split + count),
//! merge loop. A profiling aid; `benches/` holds the side-by-side comparisons.
//!
//! `cargo run --release --example bpe_phases -- FILE [PRETOKENIZER] [THREADS] [VOCAB]`

use std::time::Instant;

use fasttok::{BpeTrainer, Feed, FileFormat, Pretokenizer, Progress, Utf8Policy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: bpe_phases FILE [PRETOKENIZER] [THREADS] [VOCAB]")?;
    let spec = args.next().unwrap_or_else(|| "gpt2".into());
    let threads: usize = args.next().map_or(Ok(1), |t| t.parse())?;
    let vocab_size: usize = args.next().map_or(Ok(32_000), |v| v.parse())?;
    let pretokenizer = Pretokenizer::from_name_or_pattern(&spec)?;
    let text = std::fs::read_to_string(&path)?;
    let megabytes = text.len() as f64 / 1e6;

    let started = Instant::now();
    let mut pieces = 0usize;
    pretokenizer.split(&text, |_| pieces += 1)?;
    let split = started.elapsed().as_secs_f64();
    eprintln!(
        "split, 1 thread: {pieces} pieces, {:.1} MB/s",
        megabytes / split
    );

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let progress = Progress::new();
    let started = Instant::now();
    let mut feed = Feed::new(&pretokenizer, &pool, &progress);
    feed.add_file(path.as_ref(), &FileFormat::Text, Utf8Policy::Strict)?;
    let counts = feed.finish();
    let feed_time = started.elapsed().as_secs_f64();
    eprintln!(
        "feed, {threads} threads: {} unique, {:.1} MB/s ({feed_time:.2} s)",
        counts.len(),
        megabytes / feed_time
    );

    let started = Instant::now();
    let model = BpeTrainer::new(vocab_size).train(&counts, &pool, &progress)?;
    eprintln!(
        "merge loop, {threads} threads: {} merges in {:.2} s",
        model.merges().len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
