//! How a journal's lines become records.
//!
//! A run's start record lists its ids on one line: 38 MB for a million users. Read whole, that
//! line would be most of what `report`, `resume` and `undo` hold. So a line that begins as a
//! start record and runs past [`LONG_LINE`] bytes is parsed from the file as it goes by, its
//! seal checked on the way ([`LineCheck`]); every other line is read whole, as text.

use std::io::{self, BufRead, BufReader, Read};

use docspace_people::Uuid;
use serde::Deserialize;

use super::record::{ChangeRecord, Record};
use crate::seal::{Key, LineCheck};

/// How long a start record may be before it is parsed as it is read.
pub(super) const LONG_LINE: usize = 1 << 20;

/// How a start record begins, as this tool writes it (serde puts the tag first).
const START: &[u8] = br#"{"kind":"start""#;

/// The lines of a journal, each with its record.
pub(super) struct Lines<R> {
    reader: R,
    long_line: usize,
    key: Option<&'static Key>,
    index: u64,
}

/// One line read.
pub(super) struct Line {
    /// Its place in the file, from 0.
    pub(super) index: u64,
    /// Its record; `None` for a blank line.
    pub(super) record: Option<serde_json::Result<Record>>,
    /// What its seal is checked from.
    pub(super) seal: Seal,
}

/// What a line's seal is checked from.
pub(super) enum Seal {
    /// The whole line.
    Text(String),
    /// The check made as the line was read (`None`: there is no key).
    Streamed(Option<LineCheck>),
}

impl<R: BufRead> Lines<R> {
    pub(super) fn new(reader: R, long_line: usize, key: Option<&'static Key>) -> Self {
        Lines {
            reader,
            long_line,
            key,
            index: 0,
        }
    }

    /// Whether nothing follows the last line read.
    pub(super) fn at_end(&mut self) -> io::Result<bool> {
        Ok(self.reader.fill_buf()?.is_empty())
    }

    /// The next line, or `None` at the end of the file.
    pub(super) fn next(&mut self) -> io::Result<Option<Line>> {
        let mut bytes = Vec::new();
        let mut ended = false;
        while !ended {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                if bytes.is_empty() {
                    return Ok(None);
                }
                break;
            }
            let taken = match available.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    bytes.extend_from_slice(&available[..end]);
                    ended = true;
                    end + 1
                }
                None => {
                    bytes.extend_from_slice(available);
                    available.len()
                }
            };
            self.reader.consume(taken);
            if !ended && bytes.len() > self.long_line && bytes.starts_with(START) {
                return self.long_start(bytes).map(Some);
            }
        }
        let index = self.next_index();
        // As `BufRead::lines` has it: a `\r` before the line break is not part of the line.
        if ended && bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        // A line that is not UTF-8 is not a record (as a line cut off by a crash may be).
        let (text, record) = match String::from_utf8(bytes) {
            Ok(text) => {
                let record = (!text.trim().is_empty()).then(|| parse_record(&text));
                (text, record)
            }
            Err(e) => {
                let error = io::Error::new(io::ErrorKind::InvalidData, e.utf8_error());
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                (text, Some(Err(serde_json::Error::io(error))))
            }
        };
        Ok(Some(Line {
            index,
            record,
            seal: Seal::Text(text),
        }))
    }

    fn next_index(&mut self) -> u64 {
        let index = self.index;
        self.index += 1;
        index
    }

    /// A start record whose first `read` bytes are read: parsed from the file to the line's
    /// end, and its seal checked on the way.
    fn long_start(&mut self, read: Vec<u8>) -> io::Result<Line> {
        let index = self.next_index();
        let mut check = self.key.map(|key| key.check_line(index));
        let rest = RestOfLine {
            read: &read,
            at: 0,
            reader: &mut self.reader,
            ended: false,
            check: check.as_mut(),
            utf8: Utf8::default(),
        };
        // serde_json reads byte by byte: a buffer in between keeps that cheap.
        let mut source = BufReader::with_capacity(64 * 1024, rest);
        let record = parse_start(&mut source);
        // What the parser left of the line (all of it, if the record is not one): to the next.
        io::copy(&mut source, &mut io::sink())?;
        drop(source);
        Ok(Line {
            index,
            record: Some(record),
            seal: Seal::Streamed(check),
        })
    }
}

/// The bytes of a line from its start to its line break (not included): first those already
/// read, then the file's, each shown to the seal's check as it is given out, and checked as
/// UTF-8 (once not, an error is given once, and the rest of the line still goes by).
struct RestOfLine<'a, R> {
    read: &'a [u8],
    at: usize,
    reader: &'a mut R,
    ended: bool,
    check: Option<&'a mut LineCheck>,
    utf8: Utf8,
}

/// UTF-8 checked piece by piece: a character cut between two pieces is carried over.
#[derive(Default)]
struct Utf8 {
    carry: Vec<u8>,
    bad: bool,
}

impl Utf8 {
    /// Checks the next piece (`None`: the end); `false` the first time the text is not UTF-8.
    fn next(&mut self, piece: Option<&[u8]>) -> bool {
        if self.bad {
            return true;
        }
        let Some(mut piece) = piece else {
            self.bad = !self.carry.is_empty();
            return !self.bad;
        };
        if let Some(&lead) = self.carry.first() {
            let width = match lead {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            let take = (width - self.carry.len()).min(piece.len());
            self.carry.extend_from_slice(&piece[..take]);
            piece = &piece[take..];
            if self.carry.len() < width {
                return true;
            }
            self.bad = std::str::from_utf8(&self.carry).is_err();
            self.carry.clear();
        }
        match std::str::from_utf8(piece) {
            Ok(_) => {}
            Err(e) if e.error_len().is_none() => {
                self.carry.extend_from_slice(&piece[e.valid_up_to()..]);
            }
            Err(_) => self.bad = true,
        }
        !self.bad
    }
}

impl<R: BufRead> Read for RestOfLine<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let given = if let Some(left) = self.read.get(self.at..).filter(|l| !l.is_empty()) {
            let n = left.len().min(out.len());
            out[..n].copy_from_slice(&left[..n]);
            self.at += n;
            n
        } else if self.ended {
            0
        } else {
            let available = self.reader.fill_buf()?;
            let room = available.len().min(out.len());
            let (n, taken) = match available[..room].iter().position(|b| *b == b'\n') {
                Some(end) => {
                    self.ended = true;
                    if let Some(check) = self.check.as_deref_mut() {
                        check.ended_with_line_break();
                    }
                    (end, end + 1)
                }
                None => {
                    self.ended = available.is_empty();
                    (room, room)
                }
            };
            out[..n].copy_from_slice(&available[..n]);
            self.reader.consume(taken);
            n
        };
        if let Some(check) = self.check.as_deref_mut() {
            check.update(&out[..given]);
        }
        let piece = (given > 0).then(|| &out[..given]);
        if !self.utf8.next(piece) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a journal line that is not UTF-8",
            ));
        }
        Ok(given)
    }
}

/// A start record's fields but its ids, which are read as `I`.
#[derive(Deserialize)]
struct StartFields<I> {
    version: u32,
    portal: String,
    server: String,
    change: ChangeRecord,
    ids: I,
    #[serde(default)]
    receiver: Option<Uuid>,
    #[serde(default)]
    unresolved: Vec<String>,
    at: String,
}

impl<I> StartFields<I> {
    fn into_record(self, ids: Vec<Uuid>) -> Record {
        Record::Start {
            version: self.version,
            portal: self.portal,
            server: self.server,
            change: self.change,
            ids,
            receiver: self.receiver,
            unresolved: self.unresolved,
            at: self.at,
        }
    }
}

/// A start record read from `source`, its ids straight into their list.
fn parse_start(source: impl Read) -> serde_json::Result<Record> {
    let mut start: StartFields<Vec<Uuid>> = serde_json::from_reader(source)?;
    let ids = std::mem::take(&mut start.ids);
    Ok(start.into_record(ids))
}

/// Reads one whole line. A start record is read straight into its fields, and its ids into a
/// list of the right size: through the tagged enum, serde would first copy them into a
/// generic tree, several times their size.
pub(super) fn parse_record(line: &str) -> serde_json::Result<Record> {
    #[derive(Deserialize)]
    struct Kind<'a> {
        #[serde(borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    #[derive(Deserialize)]
    struct Ids {
        ids: Vec<Uuid>,
    }
    if serde_json::from_str::<Kind<'_>>(line)?.kind != "start" {
        return serde_json::from_str(line);
    }
    let start: StartFields<serde::de::IgnoredAny> = serde_json::from_str(line)?;
    let ids = match start_ids(line) {
        Some(ids) => ids,
        None => serde_json::from_str::<Ids>(line)?.ids,
    };
    Ok(start.into_record(ids))
}

/// The ids of a start record as this tool writes it (`"ids":["…","…"]`, compact), in a list
/// of exactly their number; `None` for any other spelling, which serde then reads.
fn start_ids(line: &str) -> Option<Vec<Uuid>> {
    const KEY: &str = "\"ids\":[";
    let at = line.find(KEY)? + KEY.len();
    let rest = &line[at..];
    let end = rest.find(']')?;
    let list = &rest[..end];
    if list.is_empty() {
        return Some(Vec::new());
    }
    let mut ids = Vec::with_capacity(list.len() / 39 + 1);
    for item in list.split(',') {
        let inner = item.strip_prefix('"')?.strip_suffix('"')?;
        ids.push(Uuid::try_parse(inner).ok()?);
    }
    Some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_start_record_reads_the_same_by_either_way() {
        let start = Record::Start {
            version: super::super::record::VERSION,
            portal: "https://p.example".into(),
            server: "DocSpace 3.7.1".into(),
            change: ChangeRecord::of(&docspace_people::bulk::Change::Status(
                docspace_people::UserStatus::Terminated,
            )),
            ids: vec![Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(1)],
            receiver: None,
            unresolved: Vec::new(),
            at: "2026-12-06T00:00:00Z".into(),
        };
        let line = serde_json::to_string(&start).unwrap();
        let ids = |record: Record| match record {
            Record::Start { ids, .. } => ids,
            _ => Vec::new(),
        };
        assert_eq!(start_ids(&line).map(|v| v.len()), Some(3));
        assert_eq!(ids(parse_record(&line).unwrap()), ids(start.clone()));
        // Spelled otherwise (spaces), serde reads it.
        let spaced = line.replace("\",\"", "\", \"");
        assert_eq!(start_ids(&spaced), None);
        assert_eq!(ids(parse_record(&spaced).unwrap()), ids(start));
    }

    /// The start of a quota reset of `ids` users.
    fn reset_quota_start(ids: u128, receiver: Option<Uuid>, unresolved: Vec<String>) -> Record {
        Record::Start {
            version: super::super::record::VERSION,
            portal: "https://p.example".into(),
            server: "DocSpace 3.7.1".into(),
            change: ChangeRecord::of(&docspace_people::bulk::Change::ResetQuota),
            ids: (0..ids).map(Uuid::from_u128).collect(),
            receiver,
            unresolved,
            at: "2026-12-06T00:00:00Z".into(),
        }
    }

    /// Sealed lines verify when their start record is parsed as read, and an edited id does
    /// not; the lines after it are read from where it ends.
    #[test]
    fn a_long_start_records_seal_is_checked_as_it_is_read() {
        let key = crate::seal::test_key();
        let start = reset_quota_start(500, None, Vec::new());
        let end = Record::End {
            at: "2026-12-06T00:00:01Z".into(),
            stopped_until: None,
            declined: false,
        };
        let mut file = Vec::new();
        for (index, record) in [&start, &end].into_iter().enumerate() {
            let mut sealing = key.sealing(index as u64, &mut file);
            serde_json::to_writer(&mut sealing, record).unwrap();
            sealing.finish().unwrap();
        }
        let text = String::from_utf8(file).unwrap();
        let edited = text.replacen(
            "00000000-0000-0000-0000-000000000007",
            "00000000-0000-0000-0000-000000000008",
            1,
        );
        assert_ne!(edited, text);
        for (file, expected) in [
            (&text, crate::seal::Sealed::Verified),
            (&edited, crate::seal::Sealed::Edited { line: 1 }),
        ] {
            let mut lines =
                Lines::new(BufReader::with_capacity(32, file.as_bytes()), 64, Some(key));
            let mut sealed = crate::seal::Sealed::Verified;
            let mut kinds = Vec::new();
            while let Some(line) = lines.next().unwrap() {
                assert!(matches!(
                    (&line.seal, line.index),
                    (Seal::Streamed(Some(_)), 0) | (Seal::Text(_), 1)
                ));
                kinds.push(match line.record {
                    Some(Ok(Record::Start { ids, .. })) => format!("start {}", ids.len()),
                    Some(Ok(Record::End { .. })) => "end".to_owned(),
                    _ => "other".to_owned(),
                });
                match line.seal {
                    Seal::Text(text) => sealed.check(Some(key), line.index, &text),
                    Seal::Streamed(check) => sealed.check_streamed(line.index, check),
                }
            }
            assert_eq!(kinds, ["start 500", "end"]);
            assert_eq!(sealed, expected);
        }
    }

    /// Text cut anywhere, even inside a character, is UTF-8 piece by piece as it is whole; a
    /// bad byte or a character cut off at the end is found, once.
    #[test]
    fn utf8_is_checked_across_pieces() {
        let text = "Ünïcode ✓ 𝄞 plain".as_bytes();
        for piece in 1..=text.len() {
            let mut utf8 = Utf8::default();
            assert!(text.chunks(piece).all(|p| utf8.next(Some(p))), "{piece}");
            assert!(utf8.next(None), "{piece}");
        }
        let mut bad = text.to_vec();
        bad[3] = 0xFF;
        for piece in 1..=bad.len() {
            let mut utf8 = Utf8::default();
            let failures = bad.chunks(piece).filter(|p| !utf8.next(Some(p))).count()
                + usize::from(!utf8.next(None));
            assert_eq!(failures, 1, "{piece}");
        }
        let cut = &text[..text.len() - "plain".len() - 2];
        let mut utf8 = Utf8::default();
        assert!(cut.chunks(3).all(|p| utf8.next(Some(p))));
        assert!(!utf8.next(None), "a character cut off at the end");
    }

    #[test]
    fn a_start_record_parsed_from_a_reader_is_the_same() {
        let start = reset_quota_start(50, Some(Uuid::from_u128(7)), vec!["a@example.com".into()]);
        let line = serde_json::to_string(&start).unwrap();
        let read = parse_start(line.as_bytes()).unwrap();
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            serde_json::to_string(&parse_record(&line).unwrap()).unwrap()
        );
        assert!(parse_start(&line.as_bytes()[..line.len() / 2]).is_err());
    }
}
