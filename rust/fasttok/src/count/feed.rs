//! The feed: text → pieces → counts of unique pieces, in parallel and streaming.
//!
//! Text arrives as documents (a file's content, a JSONL record's field, an item of a
//! Python iterable). Large documents are cut at the pretokenizer's safe cut points
//! ([`Pretokenizer::next_cut`]) into ~256 KiB work units, so one 1 GB file keeps every
//! core busy while the pieces stay exactly those of the whole document.
//!
//! # Bounded memory
//!
//! [`Feed::with_max_unique`] bounds the table, as SentencePiece and YouTokenToMe do, by
//! pruning rare entries while counting: after every window of `2 × max_unique` bytes
//! of text the threads' tables are merged into one table, and if that holds more than
//! `max_unique` pieces the rarest are dropped until half remain. A piece loses at most
//! the largest count dropped at each prune, so the sum of those counts is the
//! [`Counts::max_error`] bound. Windows are cut at work units, which do not depend on
//! the number of threads, so neither do the pruned counts. A window of `2 × max_unique`
//! bytes holds at most ~`max_unique` distinct pieces (there are only 65,792 pieces of
//! one or two bytes), so the feed holds at most ~`3 × max_unique` entries at any time.

use std::fs::File;
use std::hash::Hasher;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};

use super::{keep_threshold, Counts};
use crate::pretokenize::Pretokenizer;
use crate::progress::Progress;
use crate::{Error, Result};

/// Target size of one parallel work unit.
pub(crate) const UNIT_BYTES: usize = 256 * 1024;
/// The longest piece counted by default (see [`Feed::with_max_piece_bytes`]): one piece
/// of 256 MiB already needs about 6 GiB to train BPE on.
pub const MAX_PIECE_BYTES: usize = 256 << 20;
/// Files up to this size are read whole and batched with others ([`Feed::add_files`]).
const SMALL_FILE_BYTES: u64 = 1 << 20;
/// Bytes read from a file per round; bounds the feed's own memory.
const BLOCK_BYTES: usize = 16 * 1024 * 1024;

/// What to do with bytes that are not valid UTF-8.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Utf8Policy {
    /// Fail with [`Error::InvalidUtf8`] naming the source and byte offset.
    #[default]
    Strict,
    /// Replace each invalid sequence with U+FFFD.
    Replace,
}

/// How a file's bytes become documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// The whole file is one document.
    Text,
    /// One JSON object per line; the string `field` of each is a document.
    Jsonl {
        /// Name of the text field.
        field: String,
    },
}

impl FileFormat {
    /// `Jsonl` for `.jsonl`/`.ndjson` paths, `Text` otherwise.
    pub fn for_path(path: &Path, field: &str) -> Self {
        match path.extension().and_then(|ext| ext.to_str()) {
            Some("jsonl" | "ndjson") => Self::Jsonl {
                field: field.to_owned(),
            },
            _ => Self::Text,
        }
    }
}

/// Streams documents through a pretokenizer into [`Counts`].
///
/// # Scaling
///
/// Every pool thread counts into its own table of owned pieces for the whole run, so
/// nothing is merged or copied per block; a piece is allocated once per thread that sees
/// it. Each table is split into [`SHARDS`] shards by hash, and [`Feed::finish`] merges
/// shard `i` of all threads in parallel. Files are read and validated by a reader thread
/// one block ahead of the counting ([`Feed::add_file`]).
pub struct Feed<'a> {
    pretokenizer: &'a Pretokenizer,
    pool: &'a rayon::ThreadPool,
    progress: &'a Progress,
    tables: Vec<Mutex<ThreadTable>>,
    bound: Option<MemoryBound>,
    max_piece_bytes: usize,
}

/// A feed's table bounded to `max_unique` entries (see the module docs).
struct MemoryBound {
    max_unique: usize,
    /// The counts of everything fed up to the last flush, pruned.
    flushed: ThreadTable,
    /// Bytes fed since the last flush.
    unflushed_bytes: usize,
    max_error: u64,
}

impl MemoryBound {
    /// Bytes of text between flushes.
    fn window_bytes(&self) -> usize {
        self.max_unique.saturating_mul(2)
    }
}

/// Number of hash shards of a thread's table (a power of two).
const SHARDS: usize = 64;

/// Owned pieces and their counts, in a table addressed by precomputed FxHash.
type PieceTable = HashTable<(Box<[u8]>, u64)>;

/// One thread's counts, sharded by the top bits of the piece hash.
struct ThreadTable {
    shards: Vec<PieceTable>,
}

impl Default for ThreadTable {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| PieceTable::new()).collect(),
        }
    }
}

impl ThreadTable {
    /// Count `count` occurrences of `piece`.
    fn add(&mut self, piece: &[u8], count: u64) {
        let hash = piece_hash(piece);
        add_hashed(&mut self.shards[shard_of(hash)], piece, hash, count);
    }
}

fn piece_hash(piece: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write(piece);
    hasher.finish()
}

/// The shard of a hash: its top bits, the best mixed ones of FxHash.
fn shard_of(hash: u64) -> usize {
    (hash >> (64 - SHARDS.trailing_zeros())) as usize
}

fn add_piece(table: &mut PieceTable, piece: &[u8], count: u64) {
    add_hashed(table, piece, piece_hash(piece), count);
}

fn add_hashed(table: &mut PieceTable, piece: &[u8], hash: u64, count: u64) {
    match table.find_mut(hash, |(known, _)| same_bytes(known, piece)) {
        Some((_, total)) => *total += count,
        None => {
            table.insert_unique(hash, (piece.into(), count), |(known, _)| piece_hash(known));
        }
    }
}

impl<'a> Feed<'a> {
    /// A feed that splits with `pretokenizer` on the threads of `pool`.
    pub fn new(
        pretokenizer: &'a Pretokenizer,
        pool: &'a rayon::ThreadPool,
        progress: &'a Progress,
    ) -> Self {
        let tables = (0..pool.current_num_threads())
            .map(|_| Mutex::new(ThreadTable::default()))
            .collect();
        Self {
            pretokenizer,
            pool,
            progress,
            tables,
            bound: None,
            max_piece_bytes: MAX_PIECE_BYTES,
        }
    }

    /// The same feed failing with [`Error::PieceTooLong`] on a piece longer than
    /// `max_piece_bytes` (default [`MAX_PIECE_BYTES`]): a gigabyte without a split point
    /// (one line of DNA, a minified file) is refused before training runs out of memory.
    pub fn with_max_piece_bytes(mut self, max_piece_bytes: usize) -> Self {
        self.max_piece_bytes = max_piece_bytes;
        self
    }

    /// The same feed keeping at most `max_unique` pieces, pruning rare ones as it goes
    /// (see the module docs for the memory and the error bound).
    pub fn with_max_unique(mut self, max_unique: usize) -> Self {
        self.bound = Some(MemoryBound {
            max_unique: max_unique.max(1),
            flushed: ThreadTable::default(),
            unflushed_bytes: 0,
            max_error: 0,
        });
        self
    }

    /// The counts of everything fed: the threads' tables merged shard by shard in parallel
    /// (and, when bounded, pruned to at most `max_unique` pieces).
    pub fn finish(mut self) -> Counts {
        let config = self.pretokenizer.config();
        let (shards, max_error) = match self.bound.take() {
            None => (self.merge_tables(None), 0),
            Some(mut bound) => {
                let target = bound.max_unique;
                self.flush(&mut bound, target);
                (bound.flushed.shards, bound.max_error)
            }
        };
        let mut counts = FxHashMap::default();
        counts.reserve(shards.iter().map(PieceTable::len).sum());
        counts.extend(shards.into_iter().flatten());
        Counts {
            counts,
            pretokenizer: Some(config),
            max_error,
        }
    }

    /// The threads' tables (and `base`) merged shard by shard in parallel; the threads'
    /// tables are left empty.
    fn merge_tables(&mut self, base: Option<ThreadTable>) -> Vec<PieceTable> {
        let mut tables: Vec<ThreadTable> = base.into_iter().collect();
        tables.extend(
            self.tables.iter_mut().map(|table| {
                std::mem::take(table.get_mut().unwrap_or_else(PoisonError::into_inner))
            }),
        );
        let columns: Vec<Vec<PieceTable>> = (0..SHARDS)
            .map(|shard| {
                tables
                    .iter_mut()
                    .map(|table| std::mem::take(&mut table.shards[shard]))
                    .collect()
            })
            .collect();
        self.pool.install(|| {
            columns
                .into_par_iter()
                .map(|column| {
                    let mut column = column.into_iter();
                    let mut merged = column.next().unwrap_or_default();
                    for table in column {
                        for (piece, count) in table {
                            add_piece(&mut merged, &piece, count);
                        }
                    }
                    merged
                })
                .collect()
        })
    }

    /// Merge the threads' tables into `bound.flushed`; if that holds more than
    /// `max_unique` pieces, keep at most `target` of them.
    fn flush(&mut self, bound: &mut MemoryBound, target: usize) {
        let flushed = std::mem::take(&mut bound.flushed);
        let mut shards = self.merge_tables(Some(flushed));
        bound.unflushed_bytes = 0;
        let len: usize = shards.iter().map(PieceTable::len).sum();
        if len > bound.max_unique {
            let counts = shards
                .iter()
                .flat_map(|shard| shard.iter().map(|&(_, c)| c));
            let threshold = keep_threshold(counts, target);
            let largest_dropped = self.pool.install(|| {
                shards
                    .par_iter_mut()
                    .map(|shard| {
                        let mut largest = 0;
                        shard.retain(|(_, count)| {
                            largest = largest.max(if *count > threshold { 0 } else { *count });
                            *count > threshold
                        });
                        largest
                    })
                    .max()
                    .unwrap_or(0)
            });
            bound.max_error += largest_dropped;
        }
        bound.flushed = ThreadTable { shards };
    }

    /// Count the pieces of each document.
    pub fn add_documents<S: AsRef<str> + Sync>(&mut self, documents: &[S]) -> Result<()> {
        self.progress.check()?;
        let mut units: Vec<&str> = Vec::new();
        for document in documents {
            let document = document.as_ref();
            let mut start = 0;
            while start < document.len() {
                let end = self.pretokenizer.next_cut(document, start + UNIT_BYTES);
                units.push(&document[start..end]);
                start = end;
            }
        }
        let mut rest = &units[..];
        while !rest.is_empty() {
            let window = match &self.bound {
                None => rest.len(),
                Some(bound) => units_in_window(
                    rest,
                    bound.window_bytes().saturating_sub(bound.unflushed_bytes),
                ),
            };
            let (now, later) = rest.split_at(window);
            self.count_units(now)?;
            rest = later;
            if let Some(mut bound) = self.bound.take() {
                bound.unflushed_bytes += now.iter().map(|unit| unit.len()).sum::<usize>();
                if bound.unflushed_bytes >= bound.window_bytes() {
                    let target = bound.max_unique / 2;
                    self.flush(&mut bound, target);
                }
                self.bound = Some(bound);
            }
        }
        self.progress
            .advance(documents.iter().map(|d| d.as_ref().len() as u64).sum());
        Ok(())
    }

    /// Count the pieces of `units` in parallel into the threads' tables.
    fn count_units(&self, units: &[&str]) -> Result<()> {
        let (pretokenizer, tables, limit) = (self.pretokenizer, &self.tables, self.max_piece_bytes);
        self.pool.install(|| {
            units.par_iter().try_for_each(|unit| {
                // Each pool thread owns one table: the lock is never contended.
                let thread = rayon::current_thread_index().unwrap_or(0) % tables.len();
                let mut table = tables[thread]
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let mut too_long = None;
                pretokenizer.split(unit, |piece| match piece.len() {
                    bytes if bytes > limit => too_long = Some(bytes),
                    _ => table.add(piece.as_bytes(), 1),
                })?;
                match too_long {
                    Some(bytes) => Err(Error::PieceTooLong {
                        source_name: "a document".into(),
                        bytes,
                        limit,
                    }),
                    None => Ok(()),
                }
            })
        })
    }

    /// Count the pieces of every unique text of `counts` as often as the text occurs:
    /// the counts of the whole corpus under this feed's pretokenizer, when `counts` holds
    /// its sequences (lines or documents) and the pretokenizer never crosses them. The
    /// memory bound is not applied here: `counts` is already in memory.
    pub fn add_counts(&mut self, counts: &Counts) -> Result<()> {
        /// Unique texts per work unit: enough to amortize the table lock.
        const TEXTS_PER_UNIT: usize = 1024;
        // Long texts (SuperBPE's lines can be megabytes) are cut at safe points, so that
        // they spread over the threads and cancellation is polled often.
        let mut pieces: Vec<(&str, u64)> = Vec::with_capacity(counts.len());
        for (text, count) in counts.iter() {
            let text = std::str::from_utf8(text).map_err(|err| Error::InvalidUtf8 {
                source_name: "a counted piece".into(),
                offset: err.valid_up_to() as u64,
            })?;
            let mut start = 0;
            while start < text.len() {
                let end = self.pretokenizer.next_cut(text, start + UNIT_BYTES);
                pieces.push((&text[start..end], count));
                start = end;
            }
        }
        let units = work_units(&pieces, TEXTS_PER_UNIT, UNIT_BYTES, |(text, _)| text.len());
        let (pretokenizer, tables, progress) = (self.pretokenizer, &self.tables, self.progress);
        self.pool.install(|| {
            units.par_iter().try_for_each(|unit| {
                progress.check()?;
                let thread = rayon::current_thread_index().unwrap_or(0) % tables.len();
                let mut table = tables[thread]
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                for &(text, count) in *unit {
                    pretokenizer.split(text, |piece| table.add(piece.as_bytes(), count))?;
                }
                progress.advance(unit.iter().map(|(text, _)| text.len() as u64).sum());
                Ok(())
            })
        })
    }

    /// Count every file of `paths`, each in the format of its extension (see
    /// [`FileFormat::for_path`]). Small files are read whole, in parallel, and counted in
    /// batches: a reader thread and a parallel round per file would cost more than the
    /// counting on many tiny files (one per source file, say). Larger files stream
    /// ([`Self::add_file`]).
    pub fn add_files(
        &mut self,
        paths: &[PathBuf],
        text_field: &str,
        policy: Utf8Policy,
    ) -> Result<()> {
        /// Files read per round: at most 256 MiB of small files are held.
        const FILES_PER_ROUND: usize = 256;
        // Small files can hold no over-long piece, so errors still name the file.
        let small = SMALL_FILE_BYTES.min(self.max_piece_bytes as u64);
        for round in paths.chunks(FILES_PER_ROUND) {
            let read: Vec<Option<Vec<String>>> = self.pool.install(|| {
                round
                    .par_iter()
                    .map(|path| read_small_file(path, text_field, policy, small))
                    .collect::<Result<_>>()
            })?;
            let mut batch = Vec::new();
            for (path, documents) in round.iter().zip(read) {
                match documents {
                    Some(documents) => batch.extend(documents),
                    None => self.add_file(path, &FileFormat::for_path(path, text_field), policy)?,
                }
            }
            self.add_documents(&batch)?;
        }
        Ok(())
    }

    /// Stream a file in 16 MiB blocks: a reader thread reads and validates the next block
    /// while this one is counted, so at most three blocks (plus an uncut tail) are held.
    pub fn add_file(&mut self, path: &Path, format: &FileFormat, policy: Utf8Policy) -> Result<()> {
        let mut blocks = FileBlocks::open(path, format, policy)?;
        let pretokenizer = self.pretokenizer;
        std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel(1);
            scope.spawn(move || {
                while let Some(batch) = blocks.next_batch(pretokenizer) {
                    let failed = batch.is_err();
                    // A closed channel means counting failed or was cancelled: stop reading.
                    if sender.send(batch).is_err() || failed {
                        break;
                    }
                }
            });
            for batch in receiver {
                self.add_documents(&batch?).map_err(|err| match err {
                    Error::PieceTooLong { bytes, limit, .. } => Error::PieceTooLong {
                        source_name: path.display().to_string(),
                        bytes,
                        limit,
                    },
                    err => err,
                })?;
            }
            Ok(())
        })
    }
}

/// `items` cut into consecutive work units of at most `max_items` items and about
/// `max_bytes` bytes (a larger item is a unit of its own): units of a fixed number of
/// items would put a few huge items on one thread, unpolled for cancellation.
pub(crate) fn work_units<T>(
    items: &[T],
    max_items: usize,
    max_bytes: usize,
    bytes: impl Fn(&T) -> usize,
) -> Vec<&[T]> {
    let mut units = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let mut total = 0;
        let len = rest
            .iter()
            .take(max_items)
            .position(|item| {
                total += bytes(item);
                total >= max_bytes
            })
            .map_or(rest.len().min(max_items), |last| last + 1);
        let (unit, later) = rest.split_at(len);
        units.push(unit);
        rest = later;
    }
    units
}

/// The documents of the file at `path` if it has at most `small` bytes, else `None`.
fn read_small_file(
    path: &Path,
    text_field: &str,
    policy: Utf8Policy,
    small: u64,
) -> Result<Option<Vec<String>>> {
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if std::fs::metadata(path).map_err(io_error)?.len() > small {
        return Ok(None);
    }
    let mut reader = BlockReader::new(path, policy);
    reader.pending = std::fs::read(path).map_err(io_error)?;
    let text = reader.decode(true)?;
    Ok(Some(match FileFormat::for_path(path, text_field) {
        FileFormat::Text => vec![text],
        FileFormat::Jsonl { field } => jsonl_documents(&text, &field, path, &mut 0)?,
    }))
}

/// How many of `units` (at least one) it takes to reach `bytes`.
fn units_in_window(units: &[&str], bytes: usize) -> usize {
    let mut total = 0;
    units
        .iter()
        .position(|unit| {
            total += unit.len();
            total >= bytes
        })
        .map_or(units.len(), |last| last + 1)
}

/// The lines of `text`, each with its `\n` (the last one may have none), as
/// `str::split_inclusive('\n')` gives them. `memchr` finds the newlines a vector at a
/// time; the standard searcher took a quarter of the time of reading a corpus of short
/// lines from Python, half of it comparing each match's encoding again.
pub fn lines(text: &str) -> impl Iterator<Item = &str> + '_ {
    let unterminated = (!text.is_empty() && !text.ends_with('\n')).then_some(text.len());
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).map(|newline| newline + 1);
    let mut start = 0;
    ends.chain(unterminated).map(move |end| {
        let line = &text[start..end];
        start = end;
        line
    })
}

/// Call `visit` on each line of a file, in order, with its `\n` (one document per JSONL
/// record, each cut into its lines), until `visit` returns `false`. The file is streamed
/// in blocks, as for counting.
pub fn read_lines(
    path: &Path,
    format: &FileFormat,
    policy: Utf8Policy,
    mut visit: impl FnMut(&str) -> bool,
) -> Result<()> {
    let by_lines = Pretokenizer::new(crate::PretokenizerSpec::Whole)?.with_lines(true);
    let mut blocks = FileBlocks::open(path, format, policy)?;
    while let Some(batch) = blocks.next_batch(&by_lines) {
        for document in batch? {
            if !lines(&document).all(&mut visit) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// A file read block by block into batches of documents cut at safe points.
struct FileBlocks<'f> {
    file: File,
    path: &'f Path,
    format: &'f FileFormat,
    decoder: BlockReader,
    /// Lines of a JSONL file seen so far, for error messages.
    line_number: u64,
    done: bool,
}

impl<'f> FileBlocks<'f> {
    fn open(path: &'f Path, format: &'f FileFormat, policy: Utf8Policy) -> Result<Self> {
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            file,
            path,
            format,
            decoder: BlockReader::new(path, policy),
            line_number: 0,
            done: false,
        })
    }

    /// The documents of the next block, or `None` after the last block or an error.
    fn next_batch(&mut self, pretokenizer: &Pretokenizer) -> Option<Result<Vec<String>>> {
        if self.done {
            return None;
        }
        let batch = self.read_batch(pretokenizer);
        self.done |= batch.is_err();
        Some(batch)
    }

    fn read_batch(&mut self, pretokenizer: &Pretokenizer) -> Result<Vec<String>> {
        self.done = self
            .decoder
            .fill(&mut self.file)
            .map_err(|source| Error::Io {
                path: self.path.to_owned(),
                source,
            })?;
        let mut text = self.decoder.decode(self.done)?;
        // Cut where the rest can be pretokenized independently; carry what follows.
        let cut = match self.format {
            _ if self.done => text.len(),
            FileFormat::Text => pretokenizer.prev_cut(&text, text.len()),
            FileFormat::Jsonl { .. } => text.rfind('\n').map_or(0, |n| n + 1),
        };
        let rest = text.split_off(cut);
        self.decoder.carry(rest);
        match self.format {
            FileFormat::Text => Ok(vec![text]),
            FileFormat::Jsonl { field } => {
                jsonl_documents(&text, field, self.path, &mut self.line_number)
            }
        }
    }
}

/// Byte equality without a call to `memcmp` for short slices.
///
/// Counting is one hash lookup per piece and most pieces are a few bytes long; the slice
/// comparison of the standard library calls `memcmp` even for those, which cost a third
/// of the lookup time in profiles. Short slices compare as (overlapping) word loads.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    let word =
        |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default());
    let half =
        |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or_default());
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=8 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        9..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// Decodes a file block by block, carrying incomplete characters and uncut text.
struct BlockReader {
    source_name: PathBuf,
    policy: Utf8Policy,
    pending: Vec<u8>,
    /// File offset of `pending[0]`.
    offset: u64,
}

impl BlockReader {
    fn new(path: &Path, policy: Utf8Policy) -> Self {
        Self {
            source_name: path.to_owned(),
            policy,
            pending: Vec::new(),
            offset: 0,
        }
    }

    /// Append the next block of `file` to the pending bytes; `true` at the end of the file.
    fn fill(&mut self, file: &mut File) -> std::io::Result<bool> {
        let limit = BLOCK_BYTES as u64;
        Ok(file.take(limit).read_to_end(&mut self.pending)? < BLOCK_BYTES)
    }

    /// The decodable text of the pending bytes (which it consumes but for an incomplete
    /// character at the end).
    fn decode(&mut self, at_end: bool) -> Result<String> {
        let mut bytes = std::mem::take(&mut self.pending);
        let invalid_at = |valid_up_to: usize| Error::InvalidUtf8 {
            source_name: self.source_name.display().to_string(),
            offset: self.offset + valid_up_to as u64,
        };
        let valid = match std::str::from_utf8(&bytes) {
            Ok(_) => bytes.len(),
            // An incomplete character at the end of a block continues in the next one.
            Err(err) if err.error_len().is_none() && !at_end => err.valid_up_to(),
            Err(err) => match self.policy {
                Utf8Policy::Strict => return Err(invalid_at(err.valid_up_to())),
                Utf8Policy::Replace => {
                    self.offset += bytes.len() as u64;
                    return Ok(String::from_utf8_lossy(&bytes).into_owned());
                }
            },
        };
        self.pending = bytes.split_off(valid);
        let text =
            String::from_utf8(bytes).map_err(|err| invalid_at(err.utf8_error().valid_up_to()))?;
        self.offset += valid as u64;
        Ok(text)
    }

    /// Put back text that was not processed; it is decoded again with the next block.
    fn carry(&mut self, rest: String) {
        let mut carried = rest.into_bytes();
        self.offset -= carried.len() as u64;
        carried.extend_from_slice(&self.pending);
        self.pending = carried;
    }
}

/// The `field` strings of the JSON lines in `text`; `line_number` counts across blocks.
fn jsonl_documents(
    text: &str,
    field: &str,
    path: &Path,
    line_number: &mut u64,
) -> Result<Vec<String>> {
    let mut documents = Vec::new();
    for line in text.lines() {
        *line_number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad_line = |message: String| {
            Error::format(format!("{} line {}", path.display(), line_number), message)
        };
        let record: serde_json::Value =
            serde_json::from_str(line).map_err(|err| bad_line(err.to_string()))?;
        match record.get(field) {
            Some(serde_json::Value::String(text)) => documents.push(text.clone()),
            Some(serde_json::Value::Null) => {}
            Some(_) => return Err(bad_line(format!("field {field:?} is not a string"))),
            None => return Err(bad_line(format!("no field {field:?}"))),
        }
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines are those `split_inclusive` gives, with or without a final newline,
    /// around empty lines and characters of several bytes.
    #[test]
    fn lines_are_split_inclusive() {
        for text in [
            "",
            "a",
            "a\n",
            "\n",
            "\n\n",
            "a\nb",
            "é\n\nü€\nz",
            "x\r\ny\n",
        ] {
            let expected: Vec<&str> = text.split_inclusive('\n').collect();
            assert_eq!(lines(text).collect::<Vec<_>>(), expected, "{text:?}");
        }
    }
}
