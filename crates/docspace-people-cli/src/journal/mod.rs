//! The journal of a bulk run: JSON lines, appended as the run goes and flushed after every
//! chunk, so that a run that is cancelled, killed or stopped by the portal's daily limit can be
//! resumed (`resume`), and a finished one undone (`undo`).
//!
//! ```text
//! {"kind":"start","version":1,"portal":"https://…","server":"DocSpace 3.7.1","change":{"status":2},"ids":[…],"at":"…"}
//! {"kind":"sending","id":"…","prior":{"status":1,"type":"User"}}
//! {"kind":"user","id":"…","outcome":"changed","prior":{"status":1,"type":"User"}}
//! {"kind":"user","id":"…","outcome":"refused","detail":"the portal owner; not sent","prior":{…}}
//! {"kind":"end","at":"…","stopped_until":null}
//! ```
//!
//! A `sending` record is written ahead, flushed before the request that changes the user is
//! sent: a run that dies before the user's outcome is recorded leaves the user `unknown` (with
//! their prior state), so `report` says so, `resume` reads them again, and `undo` restores them
//! if the portal shows them as the run left them. A resumed run appends a new `start` (with
//! the ids it sends) and its own users to the same file; the last record of an id is its
//! outcome, and its first prior state is the one `undo` restores.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};
use docspace_people::bulk::{Change, Entry, Outcome, Prior};

use crate::outcomes::Outcomes;
use docspace_people::Uuid;
use serde::Serialize;

mod lines;
mod record;

pub use record::{ChangeRecord, OffboardRecord, Record, VERSION};

/// The `start` record as it is written: the ids borrowed, not copied (a run may have millions).
#[derive(Debug)]
pub struct Start<'a> {
    /// The portal's URL.
    pub portal: &'a str,
    /// The server, as detected.
    pub server: &'a str,
    /// The change.
    pub change: ChangeRecord,
    /// The ids the run targets, in input order.
    pub ids: &'a [Uuid],
    /// Who receives the rooms of demoted users.
    pub receiver: Option<Uuid>,
    /// The addresses whose look-up failed.
    pub unresolved: &'a [String],
}

/// The same fields as [`Record::Start`], for writing.
#[derive(Serialize)]
struct StartLine<'a> {
    kind: &'static str,
    version: u32,
    portal: &'a str,
    server: &'a str,
    change: &'a ChangeRecord,
    ids: &'a [Uuid],
    #[serde(skip_serializing_if = "Option::is_none")]
    receiver: Option<Uuid>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unresolved: &'a [String],
    at: String,
}

/// A journal being written: appended to, flushed after every batch.
#[derive(Debug)]
pub struct JournalWriter {
    path: PathBuf,
    out: Mutex<Out>,
    error: Mutex<Option<String>>,
}

/// The open file, and the number of the next line (each line's seal covers its place).
#[derive(Debug)]
struct Out {
    file: BufWriter<File>,
    line: u64,
}

impl Out {
    /// Writes `record` as one line, sealed with this user's key when there is one.
    fn line(&mut self, record: &impl Serialize) -> anyhow::Result<()> {
        match crate::seal::key() {
            Some(key) => {
                let mut sealing = key.sealing(self.line, &mut self.file);
                serde_json::to_writer(&mut sealing, record)?;
                sealing.finish()?;
            }
            None => {
                serde_json::to_writer(&mut self.file, record)?;
                self.file.write_all(b"\n")?;
            }
        }
        self.line += 1;
        Ok(())
    }
}

impl JournalWriter {
    /// Opens `path` for appending (created if new), readable by its owner only (0600; a
    /// directory made for it is 0700), and locked for as long as the writer lives: a second run
    /// given the same journal is refused instead of tearing its lines.
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::config::create_private_dir(dir)?;
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(path)
            .with_context(|| format!("cannot open the journal {}", path.display()))?;
        // A journal made before, or by another tool, may be readable by others.
        crate::config::restrict(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "the journal {} is in use by another run; wait for it to end, or give this run \
                 its own --journal",
                path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e)
                    .with_context(|| format!("cannot lock the journal {}", path.display()));
            }
        }
        // Appending to a journal (a resumed run): its lines so far number the next ones, and
        // a last line cut off by a crash is ended first, so the new lines start on their own.
        let (mut line, mut last) = (0u64, None);
        let mut reader = BufReader::new(
            File::open(path)
                .with_context(|| format!("cannot read the journal {}", path.display()))?,
        );
        loop {
            let chunk = reader
                .fill_buf()
                .with_context(|| format!("cannot read the journal {}", path.display()))?;
            let Some(&end) = chunk.last() else { break };
            line += chunk.iter().filter(|b| **b == b'\n').count() as u64;
            last = Some(end);
            let len = chunk.len();
            reader.consume(len);
        }
        let mut file = file;
        if last.is_some_and(|b| b != b'\n') {
            line += 1;
            file.write_all(b"\n")
                .with_context(|| format!("cannot write the journal {}", path.display()))?;
        }
        Ok(JournalWriter {
            path: path.to_path_buf(),
            out: Mutex::new(Out {
                file: BufWriter::new(file),
                line,
            }),
            error: Mutex::new(None),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends records and flushes them to the file. A failure is kept, not fatal: the run goes
    /// on, and [`JournalWriter::error`] tells at the end.
    pub fn append(&self, records: &[Record]) {
        self.write_with(|out| {
            for record in records {
                out.line(record)?;
            }
            Ok(())
        });
    }

    /// Writes with `write`, then flushes; keeps the first failure.
    fn write_with(&self, write: impl FnOnce(&mut Out) -> anyhow::Result<()>) {
        let result = (|| -> anyhow::Result<()> {
            let mut out = self
                .out
                .lock()
                .map_err(|_| anyhow::anyhow!("the journal's lock is poisoned"))?;
            write(&mut out)?;
            out.file.flush()?;
            Ok(())
        })();
        if let Err(e) = result
            && let Ok(mut error) = self.error.lock()
        {
            error.get_or_insert_with(|| e.to_string());
        }
    }

    /// Appends the `start` record of a run.
    pub fn start(&self, start: &Start<'_>) {
        self.write_with(|out| {
            out.line(&StartLine {
                kind: "start",
                version: VERSION,
                portal: start.portal,
                server: start.server,
                change: &start.change,
                ids: start.ids,
                receiver: start.receiver,
                unresolved: start.unresolved,
                at: now(),
            })
        });
    }

    /// Appends the write-ahead records of users about to be sent, flushed before returning.
    pub fn sending(&self, users: &[(Uuid, Option<Prior>)]) {
        let records: Vec<Record> = users
            .iter()
            .map(|(id, prior)| Record::Sending {
                id: *id,
                prior: prior.clone(),
            })
            .collect();
        self.append(&records);
    }

    /// Appends the outcomes of `entries`.
    pub fn entries(&self, entries: &[Entry]) {
        let records: Vec<Record> = entries
            .iter()
            .map(|e| Record::User {
                id: e.id,
                outcome: e.outcome.as_str().to_owned(),
                detail: e.detail.clone(),
                prior: e.prior.clone(),
            })
            .collect();
        self.append(&records);
    }

    /// The first write error, if any.
    pub fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }
}

/// A journal as read back.
#[derive(Debug)]
pub struct Journal {
    /// The portal of the first run.
    pub portal: String,
    /// The change.
    pub change: ChangeRecord,
    /// Every id the runs targeted, in first-seen order.
    pub ids: Vec<Uuid>,
    /// The last outcome of each id, with its detail and the earliest prior state seen, by the
    /// id's place in `ids` ([`Journal::outcome`] reads it).
    book: Book,
    /// Users an offboarding deleted, or may have deleted (outcome unknown).
    pub deleted: std::collections::HashSet<Uuid>,
    /// When the portal's rate limit lets the last run go on, if it stopped it (RFC 3339).
    pub stopped_until: Option<String>,
    /// Whether the last run was declined before anything was sent.
    pub declined: bool,
    /// Whether every line verified with this user's key.
    pub sealed: crate::seal::Sealed,
    /// Who received the rooms of demoted users, if the run named one.
    pub receiver: Option<Uuid>,
    /// The input addresses whose look-up failed in the last run: not settled.
    pub unresolved: Vec<String>,
    /// An offboarding's later steps (reassign, delete) by user: the last outcome of each, with
    /// its detail, in the order first run.
    pub steps: HashMap<Uuid, Vec<StepOutcome>>,
}

/// The last outcome of one later step of an offboarding for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOutcome {
    /// `reassign` or `delete`.
    pub step: String,
    /// `changed`, `already_in_target`, `refused`, `failed` or `unknown`.
    pub outcome: String,
    /// The reason or note.
    pub detail: Option<String>,
}

impl Journal {
    /// Reads a journal. A last line cut off by a crash (not a record: not JSON, or not even
    /// UTF-8) is ignored; any other bad line is an error naming it, unless a resumed run's
    /// start follows it.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        Self::read_parsing_past(path, lines::LONG_LINE)
    }

    /// [`read`](Self::read), with start records longer than `long_line` bytes parsed as they
    /// are read.
    fn read_parsing_past(path: &Path, long_line: usize) -> anyhow::Result<Self> {
        let file = File::open(path)
            .with_context(|| format!("cannot read the journal {}", path.display()))?;
        // Line by line: a journal of a million users is not read whole into memory.
        let key = crate::seal::key();
        let mut lines = lines::Lines::new(BufReader::new(file), long_line, key);
        let mut start: Option<(String, ChangeRecord)> = None;
        let mut ids = Vec::new();
        let mut book = Book::default();
        let mut deleted = std::collections::HashSet::new();
        let mut stopped_until = None;
        let mut declined = false;
        let mut sealed = crate::seal::Sealed::Verified;
        let mut cut: Option<(u64, String)> = None;
        let mut receiver = None;
        let mut unresolved = Vec::new();
        let mut steps: HashMap<Uuid, Vec<StepOutcome>> = HashMap::new();
        let unreadable = || format!("cannot read the journal {}", path.display());
        while let Some(line) = lines.next().with_context(unreadable)? {
            let index = line.index;
            let record: Record = match line.record {
                None => continue,
                Some(Ok(record)) => record,
                // A last line cut off by a crash: not a record, nor checked.
                Some(Err(_)) if lines.at_end().with_context(unreadable)? => break,
                // Or one a resumed run wrote after: it starts with its own `start`.
                Some(Err(e)) => {
                    cut = Some((index, e.to_string()));
                    continue;
                }
            };
            if let Some((at, error)) = cut.take()
                && !matches!(record, Record::Start { .. })
            {
                bail!(
                    "{} line {}: not a journal record: {error}",
                    path.display(),
                    at + 1
                );
            }
            match line.seal {
                lines::Seal::Text(text) => sealed.check(key, index, &text),
                lines::Seal::Streamed(check) => sealed.check_streamed(index, check),
            }
            match record {
                Record::Start {
                    version,
                    portal,
                    change,
                    ids: run_ids,
                    receiver: run_receiver,
                    unresolved: run_unresolved,
                    ..
                } => {
                    declined = false;
                    unresolved = run_unresolved;
                    receiver = receiver.or(run_receiver);
                    if version != VERSION {
                        bail!(
                            "{}: journal version {version}, expected {VERSION}",
                            path.display()
                        );
                    }
                    match &start {
                        None => start = Some((portal, change)),
                        Some((first, first_change))
                            if *first != portal || *first_change != change =>
                        {
                            bail!(
                                "{} line {}: a run of another change or portal in the same journal",
                                path.display(),
                                index + 1
                            );
                        }
                        Some(_) => {}
                    }
                    book.add_ids(&mut ids, run_ids);
                }
                Record::User {
                    id,
                    outcome,
                    detail,
                    prior,
                } => {
                    book.record(&ids, id, &outcome, detail.as_deref(), prior.as_ref());
                }
                Record::Sending { id, prior } => {
                    book.mark_sent(&ids, id);
                    // Until its outcome is recorded, the user may or may not be changed.
                    let detail = "sent, but the run stopped before its outcome was recorded; \
                                  read the user, or resume";
                    book.record(
                        &ids,
                        id,
                        Outcome::Unknown.as_str(),
                        Some(detail),
                        prior.as_ref(),
                    );
                }
                Record::Step {
                    id,
                    step,
                    outcome,
                    detail,
                } => {
                    if step == "delete" && matches!(outcome.as_str(), "changed" | "unknown") {
                        deleted.insert(id);
                    }
                    // The disable step is the user record; a rerun's later steps replace the
                    // earlier ones'.
                    if step != "disable" {
                        let user_steps = steps.entry(id).or_default();
                        let last = StepOutcome {
                            step,
                            outcome,
                            detail,
                        };
                        match user_steps.iter_mut().find(|s| s.step == last.step) {
                            Some(earlier) => *earlier = last,
                            None => user_steps.push(last),
                        }
                    }
                }
                // The last run's end says whether the journal stops at a rate limit.
                Record::End {
                    stopped_until: until,
                    declined: no,
                    ..
                } => {
                    stopped_until = until;
                    declined = no;
                }
            }
        }
        let (portal, change) =
            start.with_context(|| format!("{} has no run in it", path.display()))?;
        Ok(Journal {
            portal,
            change,
            ids,
            book,
            deleted,
            stopped_until,
            declined,
            sealed,
            receiver,
            unresolved,
            steps,
        })
    }

    /// The ids whose outcome is not known yet: never settled, failed or unknown. A resumed run
    /// sends only these; for a change that is not safe to resend (mail), not the unknown ones,
    /// whose request may have been taken.
    pub fn unsettled(&self, resend_unknown: bool) -> Vec<Uuid> {
        self.ids
            .iter()
            .enumerate()
            .filter(|(position, _)| match self.book.outcomes.get(*position) {
                Some(("changed" | "already_in_target" | "refused", _)) => false,
                Some(("unknown", _)) => resend_unknown,
                _ => true,
            })
            .map(|(_, id)| *id)
            .collect()
    }

    /// The users the runs changed, in the journal's order, each with its state before the
    /// first run as recorded.
    ///
    /// Besides the users recorded changed, this includes users a run sent whose change was not
    /// recorded: unknown, or found already in the target state by a later run (the first
    /// request may have done it). `undo` restores any of them only if the portal shows them as
    /// the run left them. They are made as taken: no list of them is kept.
    pub fn changed(&self) -> impl Iterator<Item = (Uuid, Option<Prior>)> + '_ {
        self.ids
            .iter()
            .enumerate()
            .filter(|(position, _)| self.book.changed(*position))
            .map(|(position, id)| (*id, self.book.prior(position)))
    }

    /// Whether `id` is one of [`changed`](Self::changed).
    pub fn is_changed(&self, id: &Uuid) -> bool {
        self.book
            .position(&self.ids, id)
            .is_some_and(|position| self.book.changed(position))
    }

    /// The last outcome of `id`, its detail, and its earliest prior state, if a run settled or
    /// sent it.
    pub fn outcome(&self, id: &Uuid) -> Option<(&'static str, Option<String>, Option<Prior>)> {
        let position = self.book.position(&self.ids, id)?;
        let (outcome, detail) = self.book.outcomes.get(position)?;
        Some((outcome, detail, self.book.prior(position)))
    }

    /// Whether a run sent any user (a `sending` record).
    pub fn sent_any(&self) -> bool {
        self.book.sent.iter().any(|sent| *sent)
    }
}

/// What a journal says of each user, by the user's place in [`Journal::ids`]: a few bytes per
/// user, so that `report`, `resume` and `undo` of a million users stay small.
#[derive(Debug)]
struct Book {
    /// The places in `ids`, sorted by id: a place's user is found by binary search.
    index: Vec<u32>,
    /// Each place's last outcome and detail, and its earliest prior state (as JSON, kept once
    /// per distinct state) in the state column.
    outcomes: Outcomes,
    /// Whether a run sent the user (a `sending` record): they may have been changed whatever
    /// their last outcome says.
    sent: Vec<bool>,
}

impl Default for Book {
    fn default() -> Self {
        Book {
            index: Vec::new(),
            outcomes: Outcomes::for_plan(0, crate::outcomes::RUN),
            sent: Vec::new(),
        }
    }
}

impl Book {
    /// Appends the ids of a run's start that `ids` does not have yet, in their order, once each.
    fn add_ids(&mut self, ids: &mut Vec<Uuid>, mut run_ids: Vec<Uuid>) {
        run_ids.retain(|id| self.position(ids, id).is_none());
        // Repeats within the run: the first of each stays.
        let mut order: Vec<u32> = (0..u32::try_from(run_ids.len()).unwrap_or(u32::MAX)).collect();
        order.sort_unstable_by_key(|&i| (run_ids[i as usize], i));
        let mut repeat = vec![false; run_ids.len()];
        for pair in order.windows(2) {
            if run_ids[pair[0] as usize] == run_ids[pair[1] as usize] {
                repeat[pair[1] as usize] = true;
            }
        }
        drop(order);
        let mut repeats = repeat.into_iter();
        run_ids.retain(|_| !repeats.next().unwrap_or(false));
        let first_new = ids.len();
        if ids.is_empty() {
            // The first run's ids become the journal's: no copy of a million of them.
            run_ids.shrink_to_fit();
            *ids = run_ids;
        } else {
            ids.reserve_exact(run_ids.len());
            ids.extend(run_ids);
        }
        let places = first_new..ids.len();
        self.index.reserve_exact(places.len());
        self.index
            .extend(places.filter_map(|p| u32::try_from(p).ok()));
        self.index.sort_unstable_by_key(|&p| ids[p as usize]);
        self.sent.resize(ids.len(), false);
        self.outcomes.resize(ids.len());
    }

    /// The place of `id` in `ids`.
    fn position(&self, ids: &[Uuid], id: &Uuid) -> Option<usize> {
        self.index
            .binary_search_by(|&p| ids[p as usize].cmp(id))
            .ok()
            .map(|at| self.index[at] as usize)
    }

    fn mark_sent(&mut self, ids: &[Uuid], id: Uuid) {
        if let Some(position) = self.position(ids, &id) {
            self.sent[position] = true;
        }
    }

    /// Whether the place's user was changed, or sent and maybe changed (see
    /// [`Journal::changed`]).
    fn changed(&self, position: usize) -> bool {
        let Some((outcome, _)) = self.outcomes.get(position) else {
            return false;
        };
        let maybe = self.sent.get(position) == Some(&true)
            && matches!(outcome, "unknown" | "already_in_target");
        outcome == Outcome::Changed.as_str() || maybe
    }

    /// The earliest prior state recorded for the place.
    fn prior(&self, position: usize) -> Option<Prior> {
        serde_json::from_str(self.outcomes.state(position)?).ok()
    }

    /// Records `outcome` for `id`, keeping the earliest prior state seen. Once changed, a user
    /// stays changed for undo: a later run finds them already in the target state (or a later
    /// `sending` record says nothing new), which must not hide the first change. An id no run
    /// started with is not one of the journal's users: it is left out.
    fn record(
        &mut self,
        ids: &[Uuid],
        id: Uuid,
        outcome: &str,
        detail: Option<&str>,
        prior: Option<&Prior>,
    ) {
        let Some(position) = self.position(ids, &id) else {
            return;
        };
        if self.outcomes.state(position).is_none()
            && let Some(json) = prior.and_then(|p| serde_json::to_string(p).ok())
        {
            self.outcomes.set_state(position, &json);
        }
        let changed = Outcome::Changed.as_str();
        if self
            .outcomes
            .get(position)
            .is_some_and(|(o, _)| o == changed)
            && outcome != changed
        {
            return;
        }
        self.outcomes.set(position, outcome_name(outcome), detail);
    }
}

/// The mark of a run in progress on a portal: a lock file in the data directory
/// (`locks/<portal>.lock`) holding the running journal's path, locked while the run lasts. It
/// does not stop a second run; it lets it warn that two runs change the same portal at once.
#[derive(Debug)]
pub struct PortalLock {
    _file: File,
}

impl PortalLock {
    /// Takes the mark of `portal` for the run whose journal is `journal`. Returns the mark, or,
    /// when another run holds it, the other run's journal. Any trouble with the lock file
    /// itself is not worth stopping a run for: no mark, no warning.
    pub fn take(portal: &str, journal: &Path) -> Result<Option<PortalLock>, String> {
        let Ok(dir) = data_dir() else {
            return Ok(None);
        };
        let dir = dir.join("locks");
        if crate::config::create_private_dir(&dir).is_err() {
            return Ok(None);
        }
        let name: String = portal
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path = dir.join(format!("{name}.lock"));
        let Ok(mut file) = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
        else {
            return Ok(None);
        };
        match file.try_lock() {
            Ok(()) => {
                let _ = file.set_len(0);
                let _ = writeln!(file, "{}", journal.display());
                let _ = file.flush();
                Ok(Some(PortalLock { _file: file }))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut other = String::new();
                let _ = std::io::Read::read_to_string(&mut file, &mut other);
                Err(other.trim().to_owned())
            }
            Err(std::fs::TryLockError::Error(_)) => Ok(None),
        }
    }
}

/// The data directory: `DOCSPACE_DATA_DIR`, or the platform's.
fn data_dir() -> anyhow::Result<PathBuf> {
    Ok(match std::env::var_os("DOCSPACE_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => directories::ProjectDirs::from("", "", "docspace-people")
            .context("no home directory to keep journals in; pass --journal FILE")?
            .data_dir()
            .to_path_buf(),
    })
}

/// Where a journal goes when `--journal` is not given: the user's data directory (or
/// `DOCSPACE_DATA_DIR`), `journals/<time>-<change>.jsonl`.
pub fn default_path(change: &Change) -> anyhow::Result<PathBuf> {
    default_path_named(change.kind())
}

/// [`default_path`] for a run named `kind` (`offboard`, say).
pub fn default_path_named(kind: &str) -> anyhow::Result<PathBuf> {
    let dir = data_dir()?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    Ok(dir.join("journals").join(format!("{stamp}-{kind}.jsonl")))
}

/// Where the journals of a run of several changes go when `--journal` is not given (a sync):
/// a new directory `journals/<time>-<name>/` in the user's data directory.
pub fn default_dir(name: &str) -> anyhow::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    Ok(data_dir()?.join("journals").join(format!("{stamp}-{name}")))
}

/// Now, as the journal writes times.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An outcome as the report names it; a name the journal should not hold reads as unknown.
pub fn outcome_name(text: &str) -> &'static str {
    match text {
        "changed" => "changed",
        "already_in_target" => "already_in_target",
        "refused" => "refused",
        "failed" => "failed",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use docspace_people::{Quota, UserStatus, UserType};

    #[test]
    fn changes_round_trip_and_a_cut_last_line_is_ignored() {
        for change in [
            Change::Status(UserStatus::Terminated),
            Change::Type(UserType::RoomAdmin),
            Change::Quota(Quota::Bytes(5 << 30)),
            Change::Quota(Quota::Unlimited),
            Change::ResetQuota,
        ] {
            let record = ChangeRecord::of(&change);
            let text = serde_json::to_string(&record).unwrap();
            let back: ChangeRecord = serde_json::from_str(&text).unwrap();
            assert_eq!(back.change(), change);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let writer = JournalWriter::open(&path).unwrap();
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        writer.append(&[Record::Start {
            version: VERSION,
            portal: "https://p.example".into(),
            server: "DocSpace 3.7.1".into(),
            change: serde_json::from_str(r#"{"status":2}"#).unwrap(),
            ids: vec![a, b],
            receiver: None,
            unresolved: Vec::new(),
            at: now(),
        }]);
        writer.append(&[Record::User {
            id: a,
            outcome: "changed".into(),
            detail: None,
            prior: Some(Prior::default()),
        }]);
        drop(writer);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"kind\":\"user\",\"id\":\"00000");
        std::fs::write(&path, text).unwrap();
        let journal = Journal::read(&path).unwrap();
        assert_eq!(journal.unsettled(true), [b]);
        assert_eq!(journal.changed().count(), 1);
    }

    #[test]
    fn a_rerun_does_not_hide_a_change_and_deletions_are_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("offboard.jsonl");
        let writer = JournalWriter::open(&path).unwrap();
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let keeper = Uuid::from_u128(3);
        let start = Record::Start {
            version: VERSION,
            portal: "https://p.example".into(),
            server: "DocSpace 3.7.1".into(),
            change: ChangeRecord::Offboard {
                offboard: OffboardRecord {
                    receiver: Some(keeper),
                    delete: true,
                },
            },
            ids: vec![a, b],
            receiver: Some(keeper),
            unresolved: Vec::new(),
            at: now(),
        };
        let user = |id, outcome: &str| Record::User {
            id,
            outcome: outcome.into(),
            detail: None,
            prior: Some(Prior::default()),
        };
        writer.append(&[start.clone(), user(a, "changed"), user(b, "changed")]);
        writer.append(&[Record::Step {
            id: b,
            step: "delete".into(),
            outcome: "changed".into(),
            detail: None,
        }]);
        // The same offboarding again: `a` is found disabled already.
        writer.append(&[start, user(a, "already_in_target")]);
        drop(writer);
        let journal = Journal::read(&path).unwrap();
        let changed: Vec<Uuid> = journal.changed().map(|(id, _)| id).collect();
        assert_eq!(changed, [a, b]);
        assert!(journal.deleted.contains(&b) && !journal.deleted.contains(&a));
        assert_eq!(journal.receiver, Some(keeper));
        assert_eq!(
            journal.change.change(),
            Change::Status(UserStatus::Terminated)
        );
        // The offboarding's form in journals written before stays readable.
        let old: ChangeRecord =
            serde_json::from_str(r#"{"offboard":{"receiver":null,"delete":false}}"#).unwrap();
        assert!(matches!(old, ChangeRecord::Offboard { .. }));
    }

    #[test]
    fn the_book_keeps_each_id_once_in_first_order_and_a_change_for_undo() {
        let id = |n: u128| Uuid::from_u128(n);
        let mut ids = Vec::new();
        let mut book = Book::default();
        book.add_ids(&mut ids, vec![id(5), id(3), id(5), id(9)]);
        book.add_ids(&mut ids, vec![id(9), id(1), id(3), id(1)]);
        assert_eq!(ids, [id(5), id(3), id(9), id(1)]);
        assert_eq!(book.position(&ids, &id(1)), Some(3));
        assert_eq!(book.position(&ids, &id(7)), None);
        let mut active = Prior::default();
        active.status = Some(docspace_people::UserStatus::Active);
        book.record(&ids, id(3), "unknown", Some("sent"), Some(&active));
        book.record(&ids, id(3), "changed", None, Some(&Prior::default()));
        book.record(&ids, id(3), "already_in_target", None, None);
        book.record(&ids, id(7), "changed", None, None);
        assert_eq!(book.outcomes.get(1), Some(("changed", None)));
        assert_eq!(book.prior(1), Some(active), "the earliest prior");
        assert_eq!(book.outcomes.get(0), None);
        book.mark_sent(&ids, id(9));
        assert_eq!(book.sent, [false, false, true, false]);
    }

    /// Start records parsed as they are read give the journal that reading them whole gives,
    /// whatever follows them: a resumed run, `\r\n` line breaks, a line cut off by a crash.
    #[test]
    fn long_start_records_read_as_whole_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let writer = JournalWriter::open(&path).unwrap();
        let ids: Vec<Uuid> = (1..=300).map(Uuid::from_u128).collect();
        let start = |ids: Vec<Uuid>, unresolved: Vec<String>| Record::Start {
            version: VERSION,
            portal: "https://p.example".into(),
            server: "DocSpace 3.7.1".into(),
            change: ChangeRecord::of(&Change::Status(UserStatus::Terminated)),
            ids,
            receiver: Some(Uuid::from_u128(999)),
            unresolved,
            at: now(),
        };
        let mut active = Prior::default();
        active.status = Some(UserStatus::Active);
        let user = |id: Uuid, outcome: &str| Record::User {
            id,
            outcome: outcome.into(),
            detail: Some(format!("{outcome} {id}")),
            prior: Some(active.clone()),
        };
        writer.append(&[start(ids.clone(), Vec::new())]);
        writer.append(
            &ids[..100]
                .iter()
                .map(|id| user(*id, "changed"))
                .collect::<Vec<_>>(),
        );
        writer.append(&[Record::Sending {
            id: ids[100],
            prior: Some(active.clone()),
        }]);
        // A resumed run, with a repeated id and an address to look up again.
        let mut again = ids[100..].to_vec();
        again.push(ids[150]);
        writer.append(&[start(again, vec!["x@example.com".into()])]);
        writer.append(
            &ids[120..150]
                .iter()
                .map(|id| user(*id, "refused"))
                .collect::<Vec<_>>(),
        );
        drop(writer);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("{\"kind\":\"start\""), "{text:.40}");
        let summary = |journal: &Journal| {
            (
                journal.ids.clone(),
                journal.unsettled(true),
                journal.changed().collect::<Vec<_>>(),
                ids.iter().map(|id| journal.outcome(id)).collect::<Vec<_>>(),
                journal.unresolved.clone(),
                journal.receiver,
                journal.sent_any(),
                journal.sealed.clone(),
            )
        };
        let first_start = text.lines().next().unwrap().to_owned();
        let variants = [
            text.clone(),
            text.replace('\n', "\r\n"),
            // A start cut off by a crash, last: not a record.
            format!("{text}{}", &first_start[..first_start.len() / 2]),
        ];
        for variant in variants {
            std::fs::write(&path, &variant).unwrap();
            let whole = Journal::read(&path).unwrap();
            assert_eq!(whole.ids.len(), 300);
            // The hundred changed, and the one sent whose outcome was not recorded.
            assert_eq!(whole.changed().count(), 101);
            for long_line in [16, 100, 4096] {
                let streamed = Journal::read_parsing_past(&path, long_line).unwrap();
                assert_eq!(
                    summary(&streamed),
                    summary(&whole),
                    "past {long_line} bytes"
                );
            }
        }
        // A start that is not UTF-8 (a byte of 0xFF in its seal, which serde would skip
        // unchecked): last, it is ignored as a line cut off; followed by a record, an error.
        let mut bad_start = first_start.clone().into_bytes();
        let at = bad_start.len() - 10;
        bad_start[at] = 0xFF;
        let mut with_bad = text.clone().into_bytes();
        with_bad.extend_from_slice(&bad_start);
        std::fs::write(&path, &with_bad).unwrap();
        let whole = Journal::read(&path).unwrap();
        let streamed = Journal::read_parsing_past(&path, 16).unwrap();
        assert_eq!(summary(&streamed), summary(&whole));
        assert_eq!(whole.ids.len(), 300);
        with_bad.extend_from_slice(b"\n");
        with_bad.extend_from_slice(text.lines().nth(1).unwrap().as_bytes());
        with_bad.extend_from_slice(b"\n");
        std::fs::write(&path, &with_bad).unwrap();
        assert!(Journal::read(&path).is_err());
        assert!(Journal::read_parsing_past(&path, 16).is_err());
        // A start cut off and followed by a user's record is an error either way.
        let a_user = text.lines().nth(1).unwrap();
        std::fs::write(&path, format!("{text}{}\n{a_user}\n", &first_start[..100])).unwrap();
        assert!(Journal::read(&path).is_err());
        assert!(Journal::read_parsing_past(&path, 16).is_err());
    }
}
