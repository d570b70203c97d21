//! Integration tests of the core on the committed corpora.

use std::path::{Path, PathBuf};

use fasttok::{
    io, BpeTrainer, Counts, Feed, FileFormat, Model, Pretokenizer, Progress, TieBreak, Tokenizer,
    TrainingInfo, Utf8Policy,
};

/// The counts of the committed corpora, exact or bounded to `max_unique` pieces.
fn count_bounded(spec: &str, threads: usize, max_unique: Option<usize>) -> Counts {
    let pretokenizer = Pretokenizer::from_name_or_pattern(spec).unwrap();
    let (pool, progress) = (pool(threads), Progress::new());
    let mut feed = Feed::new(&pretokenizer, &pool, &progress);
    if let Some(max_unique) = max_unique {
        feed = feed.with_max_unique(max_unique);
    }
    for path in corpus_files() {
        feed.add_file(&path, &FileFormat::Text, Utf8Policy::Strict)
            .unwrap();
    }
    feed.finish()
}

fn corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpora")
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["en", "code", "udhr"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(corpora().join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn count(spec: &str, threads: usize) -> Counts {
    count_bounded(spec, threads, None)
}

fn train(spec: &str, threads: usize, vocab_size: usize, tie_break: TieBreak) -> Tokenizer {
    let mut trainer = BpeTrainer::new(vocab_size);
    trainer.tie_break = tie_break;
    let model = trainer
        .train(&count(spec, threads), &pool(threads), &Progress::new())
        .unwrap();
    let pretokenizer = Pretokenizer::from_name_or_pattern(spec).unwrap();
    Tokenizer::new(Model::Bpe(model), pretokenizer, TrainingInfo::default())
}

#[test]
fn counts_and_merges_do_not_depend_on_threads() {
    for spec in ["gpt2", "cl100k", "o200k"] {
        assert_eq!(count(spec, 1), count(spec, 4), "{spec}");
    }
    let one = train("gpt2", 1, 2_000, TieBreak::Hf);
    let four = train("gpt2", 4, 2_000, TieBreak::Hf);
    assert_eq!(one, four);
    assert_eq!(one.bpe().unwrap().merges().len(), 2_000 - 256);
}

#[test]
fn counting_a_file_equals_counting_its_text() {
    let pretokenizer = Pretokenizer::from_name_or_pattern("gpt2").unwrap();
    let (pool, progress) = (pool(2), Progress::new());
    let path = corpora().join("sample.txt");
    let mut from_file = Feed::new(&pretokenizer, &pool, &progress);
    from_file
        .add_file(&path, &FileFormat::Text, Utf8Policy::Strict)
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut whole = Counts::cut_by(pretokenizer.config());
    pretokenizer
        .split(&text, |piece| whole.add(piece.as_bytes(), 1))
        .unwrap();
    assert_eq!(from_file.finish(), whole);
}

#[test]
fn bounded_counting_honours_its_error_bound_for_any_thread_count() {
    let exact = count("gpt2", 2);
    let bounded = count_bounded("gpt2", 1, Some(2_000));
    assert_eq!(bounded, count_bounded("gpt2", 3, Some(2_000)));
    assert!(bounded.len() <= 2_000, "{}", bounded.len());
    assert!(exact.len() > 5 * 2_000, "{}", exact.len());
    assert!(bounded.max_error() > 0);
    for (piece, true_count) in exact.iter() {
        let stored = bounded.get(piece);
        assert!(stored <= true_count && true_count <= stored + bounded.max_error());
    }
    assert!(bounded.iter().all(|(piece, _)| exact.get(piece) > 0));
    // A bound the corpus never reaches changes nothing.
    assert_eq!(count_bounded("gpt2", 2, Some(10 * exact.len())), exact);
}

#[test]
fn counts_survive_their_binary_form_and_corruption_is_refused() {
    let counts = count("cl100k", 2);
    let bytes = counts.to_bytes();
    assert_eq!(Counts::from_bytes(&bytes, "test").unwrap(), counts);
    let raw: usize = counts.iter().map(|(piece, _)| piece.len() + 8).sum();
    assert!(bytes.len() < raw / 2, "{} bytes for {raw} raw", bytes.len());
    for cut in [0, 12, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            Counts::from_bytes(&bytes[..cut], "test").is_err(),
            "cut at {cut}"
        );
    }
    for at in [9, 20, bytes.len() / 3, bytes.len() - 2] {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x10;
        let err = Counts::from_bytes(&flipped, "x.counts")
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.counts"), "{err}");
    }
}

#[test]
fn tie_break_orders_differ_but_both_round_trip() {
    let hf = train("gpt2", 2, 1_500, TieBreak::Hf);
    let bytes = train("gpt2", 2, 1_500, TieBreak::Bytes);
    assert_ne!(hf.bpe().unwrap().merges(), bytes.bpe().unwrap().merges());
    for tokenizer in [&hf, &bytes] {
        for path in corpus_files() {
            let text = std::fs::read_to_string(path).unwrap();
            let ids = tokenizer.encode(&text).unwrap();
            assert_eq!(tokenizer.decode(&ids).unwrap(), text);
        }
    }
}

#[test]
fn save_and_load_give_an_equal_tokenizer() {
    let tokenizer = train("cl100k", 2, 1_000, TieBreak::Hf);
    let dir = std::env::temp_dir().join(format!("fasttok-save-{}", std::process::id()));
    io::save(&tokenizer, &dir).unwrap();
    let loaded = io::load(&dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(loaded, tokenizer);
    // Without the sidecar, the pretokenizer is recognised from tokenizer.json alone.
    let bare = io::hf::from_json(&io::hf::to_json(&tokenizer), "json", None).unwrap();
    assert_eq!(bare.pretokenizer(), tokenizer.pretokenizer());
    assert_eq!(bare.bpe(), tokenizer.bpe());
}

#[test]
fn prefix_space_trains_round_trips_and_survives_tokenizer_json() {
    let pretokenizer = Pretokenizer::from_name_or_pattern("gpt2")
        .unwrap()
        .with_prefix_space(true);
    let (pool, progress) = (pool(2), Progress::new());
    let mut feed = Feed::new(&pretokenizer, &pool, &progress);
    for path in corpus_files() {
        feed.add_file(&path, &FileFormat::Text, Utf8Policy::Strict)
            .unwrap();
    }
    let model = BpeTrainer::new(1_000)
        .train(&feed.finish(), &pool, &progress)
        .unwrap();
    let tokenizer = Tokenizer::new(Model::Bpe(model), pretokenizer, TrainingInfo::default());
    for path in corpus_files() {
        let text = std::fs::read_to_string(path).unwrap();
        let ids = tokenizer.encode(&text).unwrap();
        assert_eq!(tokenizer.decode(&ids).unwrap(), text);
    }
    let bare = io::hf::from_json(&io::hf::to_json(&tokenizer), "json", None).unwrap();
    assert_eq!(bare.pretokenizer(), tokenizer.pretokenizer());
}

#[test]
fn cancelled_training_returns_cancelled() {
    let progress = Progress::new();
    progress.cancel();
    let result = BpeTrainer::new(1_000).train(&count("gpt2", 1), &pool(1), &progress);
    assert!(matches!(result, Err(fasttok::Error::Cancelled)));
}

#[test]
fn core_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Tokenizer>();
    assert_send_sync::<Pretokenizer>();
    assert_send_sync::<Counts>();
    assert_send_sync::<Progress>();
}

/// A file of several 16 MiB blocks, with a multi-byte character across the first block
/// boundary, counts exactly like its whole text; invalid UTF-8 in a later block is
/// reported at its file offset.
#[test]
fn multi_block_files_are_exact() {
    let sample = std::fs::read_to_string(corpora().join("sample.txt")).unwrap();
    let mut text = String::new();
    while text.len() < (16 << 20) - 1 {
        text.push_str(&sample);
    }
    text.truncate((16 << 20) - 1);
    while !text.is_char_boundary(text.len()) {
        text.pop();
    }
    text.push_str(&"é".repeat(3));
    text.push_str(&sample.repeat(25));
    let path = std::env::temp_dir().join(format!("fasttok-blocks-{}.txt", std::process::id()));
    std::fs::write(&path, &text).unwrap();

    let pretokenizer = Pretokenizer::from_name_or_pattern("cl100k").unwrap();
    let (pool, progress) = (pool(2), Progress::new());
    let mut feed = Feed::new(&pretokenizer, &pool, &progress);
    feed.add_file(&path, &FileFormat::Text, Utf8Policy::Strict)
        .unwrap();
    let mut whole = Counts::cut_by(pretokenizer.config());
    pretokenizer
        .split(&text, |piece| whole.add(piece.as_bytes(), 1))
        .unwrap();
    assert_eq!(feed.finish(), whole);

    let mut bytes = text.into_bytes();
    let bad = bytes.len() - 1000;
    bytes[bad] = 0xFF;
    std::fs::write(&path, &bytes).unwrap();
    let mut feed = Feed::new(&pretokenizer, &pool, &progress);
    let error = feed
        .add_file(&path, &FileFormat::Text, Utf8Policy::Strict)
        .unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(
        matches!(error, fasttok::Error::InvalidUtf8 { offset, .. } if offset == bad as u64),
        "{error}"
    );
}
