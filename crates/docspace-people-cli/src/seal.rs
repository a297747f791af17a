//! Journal seals. Every line a run writes ends with `"mac":"<hex>"`: an HMAC-SHA256 over the
//! line's place in the file and its text, keyed by a secret kept in the user's config directory
//! (`journal.key`, 0600, made on first use). A journal edited by hand (a changed prior, an added
//! id, a deleted or reordered line) or written by someone else no longer verifies, and `resume`
//! and `undo` refuse it unless told to trust it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Context;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The key's file name in the config directory.
const KEY_FILE: &str = "journal.key";
/// What precedes a line's seal.
const MARK: &str = ",\"mac\":\"";

/// The config directory, set once at start (`--config-dir`, `DOCSPACE_CONFIG_DIR`, or the
/// platform's).
static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
/// The key, read or made on first use.
static KEY: OnceLock<Option<Key>> = OnceLock::new();

/// Remembers where the key lives; called once, before any journal is opened.
pub fn init(config_dir: Option<&Path>) {
    let _ = DIR.set(crate::config::dir(config_dir).ok());
}

/// The key, if the config directory is usable: read, or made there.
pub fn key() -> Option<&'static Key> {
    KEY.get_or_init(|| {
        let dir = DIR.get().cloned().flatten()?;
        match Key::load_or_create(&dir) {
            Ok(key) => Some(key),
            Err(error) => {
                tracing::warn!(%error, "journals are not sealed");
                None
            }
        }
    })
    .as_ref()
}

/// The secret that seals journals.
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

impl Key {
    fn load_or_create(dir: &Path) -> anyhow::Result<Key> {
        let path = dir.join(KEY_FILE);
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Key::from_hex(text.trim())
                .with_context(|| format!("{} is not a journal key", path.display()));
        }
        crate::config::create_private_dir(dir)?;
        // Two version-4 UUIDs: 244 bits from the operating system's generator.
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(docspace_people::Uuid::new_v4().as_bytes());
        bytes[16..].copy_from_slice(docspace_people::Uuid::new_v4().as_bytes());
        let mut file = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        crate::config::restrict(file.path())?;
        file.write_all(hex(&bytes).as_bytes())
            .and_then(|()| file.as_file().sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
        // Another process may have made one meanwhile: keep theirs.
        match file.persist_noclobber(&path) {
            Ok(_) => Ok(Key(bytes)),
            Err(_) => Key::load_or_create(dir),
        }
    }

    fn from_hex(text: &str) -> Option<Key> {
        if text.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Key(bytes))
    }

    fn mac(&self) -> Hmac<Sha256> {
        #[allow(
            clippy::expect_used,
            reason = "HMAC takes keys of any length; ours is 32 bytes"
        )]
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// The seal of line number `index` (from 0) whose text, without its last `}`, is `text`.
    pub fn seal(&self, index: u64, text: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(&index.to_le_bytes());
        mac.update(text);
        hex(&mac.finalize().into_bytes())
    }

    /// A writer that seals what goes through it (see [`Sealing`]).
    pub fn sealing<W: Write>(&self, index: u64, inner: W) -> Sealing<'_, W> {
        let mut mac = self.mac();
        mac.update(&index.to_le_bytes());
        Sealing {
            inner,
            mac,
            held: None,
            _key: self,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes one JSON object line through to `inner`, holding back its last byte (`}`), so that
/// [`finish`](Self::finish) can add the seal of everything before it.
pub struct Sealing<'k, W: Write> {
    inner: W,
    mac: Hmac<Sha256>,
    held: Option<u8>,
    _key: &'k Key,
}

impl<W: Write> Write for Sealing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let Some((&last, rest)) = buf.split_last() else {
            return Ok(0);
        };
        if let Some(held) = self.held.take() {
            self.inner.write_all(&[held])?;
            self.mac.update(&[held]);
        }
        self.inner.write_all(rest)?;
        self.mac.update(rest);
        self.held = Some(last);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Sealing<'_, W> {
    /// Ends the line: the seal, the `}` held back, and a newline.
    pub fn finish(mut self) -> std::io::Result<W> {
        if self.held != Some(b'}') {
            return Err(std::io::Error::other(
                "a journal record is not a JSON object",
            ));
        }
        let seal = hex(&self.mac.finalize().into_bytes());
        writeln!(self.inner, "{MARK}{seal}\"}}")?;
        Ok(self.inner)
    }
}

/// A fixed key, for tests elsewhere.
#[cfg(test)]
pub(crate) fn test_key() -> &'static Key {
    static TEST_KEY: Key = Key([9; 32]);
    &TEST_KEY
}

/// How many of a streamed line's last bytes are held back from the HMAC: a seal up to about
/// this long is judged from them exactly as [`split`] judges a whole line.
const HELD: usize = 256;

/// Checks the seal of one line as its bytes go by, for a line too long to hold whole (the start
/// record of a million ids is 38 MB). Everything but the last bytes goes into the HMAC as it
/// comes; the verdict is the one [`Sealed::check`] gives the whole line.
pub struct LineCheck {
    mac: Hmac<Sha256>,
    /// The last bytes seen, not in the HMAC yet: the seal, once the line ends.
    tail: Vec<u8>,
    /// A mark began in the bytes already in the HMAC.
    mark_before_tail: bool,
    /// The line ended with a line break (a `\r` before it is then not part of the line).
    broken: bool,
}

impl Key {
    /// Starts checking line number `index` (from 0).
    pub fn check_line(&self, index: u64) -> LineCheck {
        let mut mac = self.mac();
        mac.update(&index.to_le_bytes());
        LineCheck {
            mac,
            tail: Vec::with_capacity(4 * HELD),
            mark_before_tail: false,
            broken: false,
        }
    }
}

impl LineCheck {
    /// The next bytes of the line.
    pub fn update(&mut self, bytes: &[u8]) {
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > 2 * HELD {
            let cut = self.tail.len() - HELD;
            // A mark that starts before the cut, even if it ends after it.
            let starts_before = &self.tail[..cut + MARK.len() - 1];
            self.mark_before_tail |= find(starts_before, MARK.as_bytes()).is_some();
            self.mac.update(&self.tail[..cut]);
            self.tail.drain(..cut);
        }
    }

    /// The line ended with a line break, not with the file.
    pub fn ended_with_line_break(&mut self) {
        self.broken = true;
    }

    /// Whether the line verifies: `Some(true)`, `Some(false)` if it carries a seal that does
    /// not verify, `None` if it carries none; as [`split`] and [`Sealed::check`] find them.
    fn verifies(mut self) -> Option<bool> {
        let mut line = &self.tail[..];
        if self.broken {
            line = line.strip_suffix(b"\r").unwrap_or(line);
        }
        match rfind(line, MARK.as_bytes()) {
            Some(at) => {
                let seal = line[at + MARK.len()..].strip_suffix(b"\"}")?;
                self.mac.update(&line[..at]);
                Some(hex(&self.mac.finalize().into_bytes()).as_bytes() == seal)
            }
            // The last mark is further back: what follows it is longer than any seal.
            None if self.mark_before_tail => line.ends_with(b"\"}").then_some(false),
            None => None,
        }
    }
}

/// Where `needle` first is in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Where `needle` last is in `haystack`.
fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// A line's text (without its seal and last `}`) and its seal, if it has one.
pub fn split(line: &str) -> Option<(&str, &str)> {
    let at = line.rfind(MARK)?;
    let seal = line[at + MARK.len()..].strip_suffix("\"}")?;
    Some((&line[..at], seal))
}

/// What reading a journal found of its seals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Sealed {
    /// Every line verified with this user's key.
    #[default]
    Verified,
    /// Some lines carry no seal (a journal from before seals, or with them removed).
    Unsealed {
        /// The first such line, from 1.
        line: usize,
    },
    /// A line does not verify: the journal was changed after it was written, or was written
    /// with another key (by another user or on another machine).
    Edited {
        /// The first such line, from 1.
        line: usize,
    },
    /// No key to check with (no config directory).
    Unchecked,
}

impl Sealed {
    /// Checks line number `index` (from 0), keeping the first problem found.
    pub fn check(&mut self, key: Option<&Key>, index: u64, line: &str) {
        self.note(index, || {
            key.map(|key| split(line).map(|(text, seal)| key.seal(index, text.as_bytes()) == seal))
        });
    }

    /// Checks line number `index` (from 0) whose bytes went through `check` (`None`: there
    /// is no key), keeping the first problem found.
    pub fn check_streamed(&mut self, index: u64, check: Option<LineCheck>) {
        self.note(index, || check.map(LineCheck::verifies));
    }

    /// Keeps what line `index`'s seal says, unless a problem was found before: `verdict` is
    /// `None` without a key, else whether the seal verifies (`None`: the line has none).
    fn note(&mut self, index: u64, verdict: impl FnOnce() -> Option<Option<bool>>) {
        if !matches!(self, Sealed::Verified) {
            return;
        }
        let number = usize::try_from(index)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        *self = match verdict() {
            None => Sealed::Unchecked,
            Some(None) => Sealed::Unsealed { line: number },
            Some(Some(true)) => Sealed::Verified,
            Some(Some(false)) => Sealed::Edited { line: number },
        };
    }

    /// Why the journal cannot be trusted, if it cannot.
    pub fn problem(&self) -> Option<String> {
        match self {
            Sealed::Verified => None,
            Sealed::Unsealed { line } => Some(format!(
                "line {line} carries no seal: the journal was written before journals were \
                 sealed, or its seals were removed"
            )),
            Sealed::Edited { line } => Some(format!(
                "line {line} does not verify: the journal was changed after it was written, or \
                 written by another user or on another machine"
            )),
            Sealed::Unchecked => Some("there is no key to check its seals with".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key([7; 32])
    }

    #[test]
    fn a_sealed_line_verifies_and_an_edited_one_does_not() {
        let key = key();
        let mut out = Vec::new();
        let mut sealing = key.sealing(3, &mut out);
        serde_json::to_writer(&mut sealing, &serde_json::json!({"kind": "user", "id": 1})).unwrap();
        sealing.finish().unwrap();
        let line = String::from_utf8(out).unwrap();
        let line = line.trim_end();
        let mut sealed = Sealed::Verified;
        sealed.check(Some(&key), 3, line);
        assert_eq!(sealed, Sealed::Verified, "{line}");
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(record["id"], 1);
        // Moved to another place, or changed: it no longer verifies.
        let mut moved = Sealed::Verified;
        moved.check(Some(&key), 4, line);
        assert_eq!(moved, Sealed::Edited { line: 5 });
        let edited = line.replace("\"id\":1", "\"id\":2");
        let mut changed = Sealed::Verified;
        changed.check(Some(&key), 3, &edited);
        assert_eq!(changed, Sealed::Edited { line: 4 });
        let mut bare = Sealed::Verified;
        bare.check(Some(&key), 0, "{\"kind\":\"end\"}");
        assert_eq!(bare, Sealed::Unsealed { line: 1 });
        assert!(Key::from_hex(&"ab".repeat(32)).is_some());
        assert!(Key::from_hex("zz").is_none());
    }

    /// A line checked as it streams by, in pieces of any size, is judged as when whole.
    #[test]
    fn a_streamed_line_is_judged_as_a_whole_one() {
        let key = key();
        let mut out = Vec::new();
        let mut sealing = key.sealing(2, &mut out);
        let ids: Vec<String> = (0..500).map(|i| format!("{i:036}")).collect();
        serde_json::to_writer(
            &mut sealing,
            &serde_json::json!({"kind": "start", "ids": ids}),
        )
        .unwrap();
        sealing.finish().unwrap();
        let sealed_line = String::from_utf8(out).unwrap().trim_end().to_owned();
        let (body, seal) = split(&sealed_line).unwrap();
        let reseal = |seal: &str| format!("{body}{MARK}{seal}\"}}");
        let cases = [
            (2, sealed_line.clone(), Some(Sealed::Verified)),
            (2, format!("{sealed_line}\r"), None),
            (2, format!("{sealed_line}\r\r"), None),
            (
                2,
                format!("{sealed_line} "),
                Some(Sealed::Unsealed { line: 3 }),
            ),
            (3, sealed_line.clone(), Some(Sealed::Edited { line: 4 })),
            (
                2,
                sealed_line.replacen("000000", "000001", 1),
                Some(Sealed::Edited { line: 3 }),
            ),
            (
                2,
                reseal(&"ab".repeat(50)),
                Some(Sealed::Edited { line: 3 }),
            ),
            (
                2,
                reseal(&"ab".repeat(400)),
                Some(Sealed::Edited { line: 3 }),
            ),
            (
                2,
                format!("{}x", reseal(&"ab".repeat(400))),
                Some(Sealed::Unsealed { line: 3 }),
            ),
            (2, format!("{body}{MARK}{seal}\"}},\"more\":1}}"), None),
            (
                2,
                "{\"kind\":\"end\"}".to_owned(),
                Some(Sealed::Unsealed { line: 3 }),
            ),
            (2, String::new(), Some(Sealed::Unsealed { line: 3 })),
        ];
        for (index, line, known) in cases {
            for broken in [true, false] {
                // As `BufRead::lines` gives the line: a `\r` before the line break removed.
                let given = if broken {
                    line.strip_suffix('\r').unwrap_or(&line)
                } else {
                    &line
                };
                let mut whole = Sealed::Verified;
                whole.check(Some(&key), index, given);
                if let Some(known) = &known
                    && (broken || !line.ends_with('\r'))
                {
                    assert_eq!(&whole, known, "whole: {line:.80}");
                }
                for piece in [1, 7, 74, 75, 300, 4096] {
                    let mut check = key.check_line(index);
                    for chunk in line.as_bytes().chunks(piece) {
                        check.update(chunk);
                    }
                    if broken {
                        check.ended_with_line_break();
                    }
                    let mut streamed = Sealed::Verified;
                    streamed.check_streamed(index, Some(check));
                    assert_eq!(
                        streamed, whole,
                        "in pieces of {piece}, broken {broken}: {line:.80}"
                    );
                }
            }
        }
        let mut keyless = Sealed::Verified;
        keyless.check_streamed(0, None);
        assert_eq!(keyless, Sealed::Unchecked);
    }
}
