//! The binary form of [`Counts`]: compact, versioned and checked.
//!
//! ```text
//! magic    b"FTKCOUNT"
//! version  u32 LE (1)
//! header   u32 LE length, then JSON: pretokenizer, max_error, entries, total
//! entries  sorted by piece bytes, each: LEB128 length of the prefix shared with the
//!          previous piece, LEB128 length of the rest, the rest, LEB128 count
//! crc      u32 LE CRC-32 of everything before it
//! ```
//!
//! Sorted pieces share long prefixes, so front coding stores most words in 3–6 bytes
//! plus their count, and equal counts always serialize to identical bytes. A reader
//! trusts nothing: the checksum catches truncation and corruption, every length is
//! checked against the bytes that remain (no allocation is sized by a claimed count),
//! and pieces must be strictly increasing, so no file can hold a piece twice.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::Counts;
use crate::pretokenize::PretokenizerConfig;
use crate::{Error, Result};

const MAGIC: &[u8; 8] = b"FTKCOUNT";
/// The version this build writes and reads.
const VERSION: u32 = 1;
/// Magic, version and header length.
const PREAMBLE_BYTES: usize = 16;
const CRC_BYTES: usize = 4;

/// The JSON header.
#[derive(Serialize, Deserialize)]
struct Header {
    pretokenizer: Option<PretokenizerConfig>,
    max_error: u64,
    entries: u64,
    total: u64,
}

impl Counts {
    /// The binary form (see the module docs); equal counts give identical bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut entries: Vec<(&[u8], u64)> = self.iter().collect();
        entries.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
        let header = Header {
            pretokenizer: self.pretokenizer.clone(),
            max_error: self.max_error,
            entries: entries.len() as u64,
            total: self.total(),
        };
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let mut out = Vec::with_capacity(PREAMBLE_BYTES + header.len() + entries.len() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        let mut previous: &[u8] = &[];
        for (piece, count) in entries {
            let shared = previous
                .iter()
                .zip(piece)
                .take_while(|(a, b)| a == b)
                .count();
            write_leb128(&mut out, shared as u64);
            write_leb128(&mut out, (piece.len() - shared) as u64);
            out.extend_from_slice(&piece[shared..]);
            write_leb128(&mut out, count);
            previous = piece;
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Counts from their binary form; `source` names it in errors.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Counts> {
        let invalid = |message: String| Error::format(format!("counts from {source}"), message);
        if bytes.len() < PREAMBLE_BYTES + CRC_BYTES || &bytes[..8] != MAGIC {
            return Err(invalid("not a fasttok counts file".into()));
        }
        let version = u32_at(bytes, 8);
        if version != VERSION {
            return Err(invalid(format!(
                "format version {version}; this fasttok reads version {VERSION}"
            )));
        }
        let (content, crc) = bytes.split_at(bytes.len() - CRC_BYTES);
        if crc32fast::hash(content) != u32_at(crc, 0) {
            return Err(invalid(
                "checksum mismatch: the file is truncated or corrupted".into(),
            ));
        }
        let header_end = PREAMBLE_BYTES + u32_at(bytes, 12) as usize;
        let header: Header = content
            .get(PREAMBLE_BYTES..header_end)
            .ok_or_else(|| invalid("header runs past the end".into()))
            .and_then(|json| serde_json::from_slice(json).map_err(|e| invalid(e.to_string())))?;
        let mut reader = EntryReader {
            bytes: content,
            at: header_end,
        };
        let mut counts = Counts {
            pretokenizer: header.pretokenizer,
            max_error: header.max_error,
            ..Counts::default()
        };
        // Every entry takes at least three bytes: the claimed number cannot size memory.
        counts
            .counts
            .reserve((header.entries as usize).min(content.len() / 3));
        let (mut previous, mut piece): (Vec<u8>, Vec<u8>) = (Vec::new(), Vec::new());
        let mut total: u64 = 0;
        while reader.at < content.len() {
            let entry_at = reader.at;
            let bad_entry = |what: &str| invalid(format!("entry at byte {entry_at}: {what}"));
            let shared = reader.leb128().ok_or_else(|| bad_entry("truncated"))?;
            let suffix_len = reader.leb128().ok_or_else(|| bad_entry("truncated"))?;
            let shared = usize::try_from(shared)
                .ok()
                .filter(|&shared| shared <= previous.len())
                .ok_or_else(|| bad_entry("shares more bytes than the previous piece has"))?;
            let suffix = reader
                .take(suffix_len)
                .ok_or_else(|| bad_entry("piece runs past the end"))?;
            piece.clear();
            piece.extend_from_slice(&previous[..shared]);
            piece.extend_from_slice(suffix);
            let count = reader.leb128().ok_or_else(|| bad_entry("truncated"))?;
            if count == 0 {
                return Err(bad_entry("count 0"));
            }
            if !counts.is_empty() && piece <= previous {
                return Err(bad_entry("pieces are not strictly increasing"));
            }
            total = total
                .checked_add(count)
                .ok_or_else(|| bad_entry("total count overflows"))?;
            counts.counts.insert(piece.as_slice().into(), count);
            std::mem::swap(&mut piece, &mut previous);
        }
        if counts.len() as u64 != header.entries || total != header.total {
            return Err(invalid(format!(
                "{} entries with total {total}; the header says {} with total {}",
                counts.len(),
                header.entries,
                header.total
            )));
        }
        Ok(counts)
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

fn write_leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

/// A cursor over the entries.
struct EntryReader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> EntryReader<'b> {
    /// The next LEB128 value, `None` if truncated or longer than 64 bits.
    fn leb128(&mut self) -> Option<u64> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            value |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// The next `len` bytes, `None` past the end.
    fn take(&mut self, len: u64) -> Option<&'b [u8]> {
        let end = self.at.checked_add(usize::try_from(len).ok()?)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PretokenizerSpec;

    fn sample() -> Counts {
        let mut counts = Counts::cut_by(PretokenizerConfig {
            spec: PretokenizerSpec::Custom(r"\w+|\s".into()),
            lines: true,
            prefix_space: false,
        });
        for (piece, count) in [
            ("", 3),
            ("the", 9),
            ("then", 2),
            ("thé", 1),
            ("z", u64::MAX / 4),
        ] {
            counts.add(piece.as_bytes(), count);
        }
        counts.max_error = 7;
        counts
    }

    /// `content` (everything but the checksum) with a valid checksum appended.
    fn sealed(mut content: Vec<u8>) -> Vec<u8> {
        let crc = crc32fast::hash(&content);
        content.extend_from_slice(&crc.to_le_bytes());
        content
    }

    #[test]
    fn round_trip_keeps_pieces_record_and_bound() {
        let counts = sample();
        let bytes = counts.to_bytes();
        assert_eq!(Counts::from_bytes(&bytes, "t").unwrap(), counts);
        assert_eq!(Counts::new().to_bytes(), Counts::new().to_bytes());
        assert_eq!(
            Counts::from_bytes(&Counts::new().to_bytes(), "t").unwrap(),
            Counts::new()
        );
    }

    #[test]
    fn forged_entries_with_a_valid_checksum_are_refused() {
        let bytes = sample().to_bytes();
        let body_start = PREAMBLE_BYTES + u32_at(&bytes, 12) as usize;
        let content = &bytes[..bytes.len() - CRC_BYTES];
        let with_body = |body: &[u8]| {
            let mut forged = content[..body_start].to_vec();
            forged.extend_from_slice(body);
            sealed(forged)
        };
        let cases: [(&[u8], &str); 4] = [
            (&[0, 1, b'b', 1, 0, 1, b'a', 1], "strictly increasing"),
            (&[0, 1, b'a', 0], "count 0"),
            (&[2, 1, b'a', 1], "shares more bytes"),
            (&[0, 200, b'a'], "past the end"),
        ];
        for (body, expected) in cases {
            let err = Counts::from_bytes(&with_body(body), "t")
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err}");
        }
        let mut newer = content.to_vec();
        newer[8] = 2;
        let err = Counts::from_bytes(&sealed(newer), "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("version 2"), "{err}");
    }
}
