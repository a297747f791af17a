//! The per-user report of a bulk command (or of a dry run), written as JSON or CSV.

use std::borrow::Cow;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use docspace_people::Uuid;
use serde::Serialize;

use crate::cli::ReportFormat;
use crate::error::{CliError, CliResult};

/// What happened (or, in a dry run, would happen) to one input user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Where the user was given: `argument 2`, `leavers.csv line 5`.
    pub source: String,
    /// The text given: an id or an email address.
    pub input: String,
    /// The user id.
    pub id: Uuid,
    /// `changed`, `already_in_target`, `refused`, `failed` or `unknown`; in a dry run `would_change`,
    /// `already_in_target`, `would_be_refused`, `not_found` or `state_unknown`; `duplicate`
    /// for a repeated user (sent once).
    pub outcome: &'static str,
    /// The server's reason or the error, or a note.
    pub detail: Option<String>,
}

/// The rows of a report: a list, or made one at a time from what a run kept (a byte or so per
/// user), so that a report of a million users is written without holding a million rows.
pub enum Rows<'a> {
    /// Rows in hand.
    Listed(Vec<Row>),
    /// `len` rows, made by `row` from the positions `0..positions` (`None` for a position
    /// that has no row, such as a repeated id).
    Made {
        /// How many rows `row` makes.
        len: usize,
        /// Positions to ask `row` about.
        positions: usize,
        /// The row of a position.
        row: Box<dyn Fn(usize) -> Option<Row> + 'a>,
    },
}

impl Rows<'_> {
    /// How many rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::Listed(rows) => rows.len(),
            Rows::Made { len, .. } => *len,
        }
    }

    /// The rows, in order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Cow<'_, Row>> + '_> {
        Box::new(self.iter_positioned().map(|(_, row)| row))
    }

    /// The rows, in order, each with the input position it was made from (`None` for rows in
    /// hand).
    pub fn iter_positioned(&self) -> Box<dyn Iterator<Item = (Option<usize>, Cow<'_, Row>)> + '_> {
        match self {
            Rows::Listed(rows) => Box::new(rows.iter().map(|r| (None, Cow::Borrowed(r)))),
            Rows::Made { positions, row, .. } => {
                Box::new((0..*positions).filter_map(|p| row(p).map(|r| (Some(p), Cow::Owned(r)))))
            }
        }
    }
}

impl std::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rows({})", self.len())
    }
}

impl Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// A rate-limit stop as reports show it: the seconds the portal asked to wait, and when (UTC)
/// the run can go on.
pub fn limit_stop(stop: docspace_people::bulk::LimitStop) -> (u64, String) {
    let until: chrono::DateTime<chrono::Utc> = stop.until.into();
    (
        stop.wait.as_secs(),
        until.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// The whole report.
#[derive(Debug)]
pub struct Report<'a> {
    /// The change, e.g. `status Terminated`.
    pub change: String,
    /// Whether this was a dry run (nothing sent).
    pub dry_run: bool,
    /// Whether the job was cancelled (Ctrl-C) before it finished.
    pub cancelled: bool,
    /// When the portal's rate limit stopped the job: the seconds it asked to wait, and when
    /// (UTC) the job can go on.
    pub stopped_by_limit: Option<(u64, String)>,
    /// Whether the report was made from a journal, which records no request counts.
    pub from_journal: bool,
    /// Change requests sent, retries and splits included.
    pub requests: usize,
    /// Every other request of the command: reads of the users' state, look-ups by e-mail,
    /// who signed in, the server's version.
    pub reads: usize,
    /// Users by outcome, in the order of [`Row::outcome`]'s values.
    pub counts: Vec<(&'static str, usize)>,
    /// One row per distinct user, in input order.
    pub users: Rows<'a>,
    /// Repeated users, in input order.
    pub duplicates: Vec<Row>,
    /// Inputs left out of the run (naming no user, or not looked up), in input order.
    pub skipped: Vec<Row>,
    /// The command that goes on with the run (`docspace-people resume JOURNAL`), when it can.
    pub next: Option<String>,
}

impl Report<'_> {
    /// Every row: the users', the repeated inputs', the inputs left out.
    pub fn all_rows(&self) -> impl Iterator<Item = Cow<'_, Row>> + '_ {
        self.users.iter().chain(
            self.duplicates
                .iter()
                .chain(&self.skipped)
                .map(Cow::Borrowed),
        )
    }
}

#[derive(Serialize)]
struct StoppedByLimit<'a> {
    wait_seconds: u64,
    until: &'a str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    change: &'a str,
    dry_run: bool,
    cancelled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped_by_limit: Option<StoppedByLimit<'a>>,
    requests: usize,
    reads: usize,
    counts: serde_json::Map<String, serde_json::Value>,
    users: &'a Rows<'a>,
    duplicates: &'a [Row],
    #[serde(skip_serializing_if = "<[Row]>::is_empty")]
    skipped: &'a [Row],
}

/// Where a report will go: checked, and a temporary file made beside it, before anything is
/// sent. The report is written into the temporary file and renamed over the destination only
/// when it is complete, so an existing file is replaced by a whole report or left as it was.
#[derive(Debug)]
pub struct ReportFile {
    destination: PathBuf,
    shown: PathBuf,
    format: ReportFormat,
    /// The directory the temporary file goes in, and the destination's name.
    dir: PathBuf,
    name: String,
    /// `--report -`: the report goes to standard output (and the summary to stderr).
    stdout: bool,
}

impl ReportFile {
    /// Prepares a report for `path`; the format is `format`, else from the extension (`.csv`),
    /// else JSON. Refuses a path that is the input file `from`, or that exists and is not a
    /// regular file (a directory, a device). A symbolic link is followed: its target is
    /// replaced.
    pub fn create(
        path: &Path,
        format: Option<ReportFormat>,
        from: Option<&Path>,
    ) -> CliResult<Self> {
        let format =
            format.unwrap_or_else(|| match path.extension().and_then(|ext| ext.to_str()) {
                Some(ext) if ext.eq_ignore_ascii_case("csv") => ReportFormat::Csv,
                Some(ext) if ext.eq_ignore_ascii_case("jsonl") => ReportFormat::Jsonl,
                _ => ReportFormat::Json,
            });
        let shown = path.to_path_buf();
        if path.as_os_str() == "-" {
            return Ok(ReportFile {
                destination: shown.clone(),
                shown,
                format,
                dir: PathBuf::new(),
                name: String::new(),
                stdout: true,
            });
        }
        let destination = match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() => {
                return Err(CliError::usage(format_args!(
                    "the report path {} exists and is not a regular file; name a new or \
                     regular file",
                    path.display()
                )));
            }
            Ok(_) => std::fs::canonicalize(path).map_err(|e| {
                CliError::usage(format_args!("cannot resolve {}: {e}", path.display()))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_path_buf(),
            Err(e) => {
                return Err(CliError::usage(format_args!(
                    "cannot use {} for the report: {e}",
                    path.display()
                )));
            }
        };
        if let Some(from) = from.filter(|f| f.as_os_str() != "-")
            && let (Ok(a), Ok(b)) = (
                std::fs::canonicalize(from),
                std::fs::canonicalize(&destination),
            )
            && a == b
        {
            return Err(CliError::usage(format_args!(
                "--report {} is the --from file: the report would replace the input; name \
                 another file",
                path.display()
            )));
        }
        let dir = match destination.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = destination
            .file_name()
            .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
        // Checked now, before anything is sent; the file itself is made only when the report
        // is written, so a run that dies leaves no empty temporary file behind.
        temp_in(&dir, &name).map_err(|e| {
            CliError::usage(format_args!(
                "cannot write the report {}: cannot create a file in {}: {e}",
                path.display(),
                dir.display()
            ))
        })?;
        Ok(ReportFile {
            destination,
            shown,
            format,
            dir,
            name,
            stdout: false,
        })
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.shown
    }

    /// Whether the report goes to standard output (`--report -`): the summary then goes to
    /// stderr, so that stdout is the report alone.
    pub fn is_stdout(&self) -> bool {
        self.stdout
    }

    /// Writes the whole report, then puts it in place with a rename. On any error the
    /// destination is untouched and the temporary file removed.
    pub fn write(self, report: &Report<'_>) -> anyhow::Result<()> {
        let ReportFile {
            destination,
            format,
            dir,
            name,
            stdout,
            ..
        } = self;
        if stdout {
            let out = std::io::stdout();
            let mut out = BufWriter::new(out.lock());
            match format {
                ReportFormat::Json => write_json(&mut out, report)?,
                ReportFormat::Csv => write_csv(&mut out, report)?,
                ReportFormat::Jsonl => write_jsonl(&mut out, report)?,
            }
            return out.flush().context("cannot write the report");
        }
        let temp = temp_in(&dir, &name).with_context(|| {
            format!(
                "cannot write the report: cannot create a file in {}",
                dir.display()
            )
        })?;
        {
            let mut out = BufWriter::new(temp.as_file());
            match format {
                ReportFormat::Json => write_json(&mut out, report)?,
                ReportFormat::Csv => write_csv(&mut out, report)?,
                ReportFormat::Jsonl => write_jsonl(&mut out, report)?,
            }
            out.flush().context("cannot write the report")?;
        }
        temp.as_file()
            .sync_all()
            .context("cannot write the report")?;
        if let Ok(meta) = std::fs::metadata(&destination) {
            // Keep the permissions of the file being replaced.
            let _ = std::fs::set_permissions(temp.path(), meta.permissions());
        }
        temp.persist(&destination)
            .map_err(|e| e.error)
            .with_context(|| {
                format!(
                    "cannot put the report in place at {}",
                    destination.display()
                )
            })?;
        Ok(())
    }
}

/// A temporary file beside the report, hidden, removed if it is not put in place.
fn temp_in(dir: &Path, name: &str) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
}

fn write_json(out: &mut dyn Write, report: &Report<'_>) -> anyhow::Result<()> {
    let counts = report
        .counts
        .iter()
        .map(|(name, n)| ((*name).to_owned(), serde_json::Value::from(*n)))
        .collect();
    let json = JsonReport {
        change: &report.change,
        dry_run: report.dry_run,
        cancelled: report.cancelled,
        stopped_by_limit: report
            .stopped_by_limit
            .as_ref()
            .map(|(wait, until)| StoppedByLimit {
                wait_seconds: *wait,
                until,
            }),
        requests: report.requests,
        reads: report.reads,
        counts,
        users: &report.users,
        duplicates: &report.duplicates,
        skipped: &report.skipped,
    };
    serde_json::to_writer_pretty(&mut *out, &json).context("cannot write the report")?;
    out.write_all(b"\n").context("cannot write the report")
}

fn write_jsonl(out: &mut dyn Write, report: &Report<'_>) -> anyhow::Result<()> {
    for row in report.all_rows() {
        serde_json::to_writer(&mut *out, &*row).context("cannot write the report")?;
        out.write_all(b"\n").context("cannot write the report")?;
    }
    Ok(())
}

fn write_csv(out: &mut dyn Write, report: &Report<'_>) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    for row in report.all_rows() {
        let safe = Row {
            source: crate::output::csv_cell(&row.source).into_owned(),
            input: crate::output::csv_cell(&row.input).into_owned(),
            id: row.id,
            outcome: row.outcome,
            detail: row
                .detail
                .as_deref()
                .map(|d| crate::output::csv_cell(d).into_owned()),
        };
        csv.serialize(&safe).context("cannot write the report")?;
    }
    if report.all_rows().next().is_none() {
        csv.write_record(["source", "input", "id", "outcome", "detail"])
            .context("cannot write the report")?;
    }
    csv.flush().context("cannot write the report")
}

/// The report of the n-th part of a run (from 0; an undo's groups, a sync's phases):
/// `r.json`, `r-2.json`, ...
pub fn numbered(path: &Path, index: usize) -> PathBuf {
    // Standard output takes every part's report, one after the other.
    if index == 0 || path.as_os_str() == "-" {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{}.{}", index + 1, ext.to_string_lossy()),
        None => format!("{stem}-{}", index + 1),
    };
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report<'static> {
        Report {
            change: "status Terminated".into(),
            dry_run: false,
            cancelled: false,
            stopped_by_limit: None,
            from_journal: false,
            requests: 3,
            reads: 2,
            counts: vec![("changed", 1), ("refused", 1)],
            users: Rows::Listed(vec![
                Row {
                    source: "a.csv line 2".into(),
                    input: "a@example.com".into(),
                    id: Uuid::from_u128(1),
                    outcome: "changed",
                    detail: None,
                },
                Row {
                    source: "a.csv line 3".into(),
                    input: "b@example.com".into(),
                    id: Uuid::from_u128(2),
                    outcome: "refused",
                    detail: Some("Access denied, \"really\"".into()),
                },
            ]),
            duplicates: vec![],
            skipped: vec![],
            next: None,
        }
    }

    #[test]
    fn writes_csv_with_a_header_and_quoting() {
        let mut out = Vec::new();
        write_csv(&mut out, &sample()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("source,input,id,outcome,detail"));
        assert_eq!(
            lines.next(),
            Some("a.csv line 2,a@example.com,00000000-0000-0000-0000-000000000001,changed,")
        );
        assert_eq!(
            lines.next(),
            Some(
                "a.csv line 3,b@example.com,00000000-0000-0000-0000-000000000002,refused,\"Access denied, \"\"really\"\"\""
            )
        );
    }

    #[test]
    fn writes_json_with_counts_by_name() {
        let mut out = Vec::new();
        write_json(&mut out, &sample()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(json["counts"]["refused"], 1);
        assert_eq!(json["users"][1]["outcome"], "refused");
        assert_eq!(
            json["users"][1]["id"],
            "00000000-0000-0000-0000-000000000002"
        );
    }

    #[test]
    fn an_unwritten_report_leaves_the_old_file_and_no_litter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, "old report").unwrap();
        let file = ReportFile::create(&path, None, None).unwrap();
        drop(file);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old report");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let file = ReportFile::create(&path, None, None).unwrap();
        file.write(&sample()).unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .starts_with("source,")
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn the_input_file_and_special_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.txt");
        std::fs::write(&input, "a@example.com\n").unwrap();
        let err = ReportFile::create(&input, None, Some(&input)).unwrap_err();
        assert!(err.to_string().contains("--from"), "{err}");
        let err = ReportFile::create(dir.path(), None, None).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let err = ReportFile::create(Path::new("/dev/null"), None, None).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "a@example.com\n");
    }
}
