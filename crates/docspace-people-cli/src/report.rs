//! The per-user report of a bulk command (or of a dry run), written as JSON or CSV.

use std::fs::File;
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
    /// `changed`, `already_in_target`, `refused` or `failed`; in a dry run `would_change`,
    /// `already_in_target`, `would_be_refused`, `not_found` or `state_unknown`; `duplicate`
    /// for a repeated user (sent once).
    pub outcome: &'static str,
    /// The server's reason or the error, or a note.
    pub detail: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct Report {
    /// The change, e.g. `status Terminated`.
    pub change: String,
    /// Whether this was a dry run (nothing sent).
    pub dry_run: bool,
    /// Whether the job was cancelled (Ctrl-C) before it finished.
    pub cancelled: bool,
    /// Requests sent, retries and splits included (look-ups not counted).
    pub requests: usize,
    /// Users by outcome, in the order of [`Row::outcome`]'s values.
    pub counts: Vec<(&'static str, usize)>,
    /// One row per distinct user, in input order.
    pub users: Vec<Row>,
    /// Repeated users, in input order.
    pub duplicates: Vec<Row>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    change: &'a str,
    dry_run: bool,
    cancelled: bool,
    requests: usize,
    counts: serde_json::Map<String, serde_json::Value>,
    users: &'a [Row],
    duplicates: &'a [Row],
}

/// A report file, created before anything is sent (so that a path that cannot be written is
/// found early) and removed again if no report is written into it.
#[derive(Debug)]
pub struct ReportFile {
    path: PathBuf,
    format: ReportFormat,
    file: Option<File>,
}

impl ReportFile {
    /// Creates the file at `path`; the format is `format`, else from the extension (`.csv`),
    /// else JSON.
    pub fn create(path: &Path, format: Option<ReportFormat>) -> CliResult<Self> {
        let format = format.unwrap_or_else(|| {
            if path
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"))
            {
                ReportFormat::Csv
            } else {
                ReportFormat::Json
            }
        });
        let file = File::create(path).map_err(|e| {
            CliError::usage(format_args!(
                "cannot create the report file {}: {e}",
                path.display()
            ))
        })?;
        Ok(ReportFile {
            path: path.to_path_buf(),
            format,
            file: Some(file),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the report and closes the file.
    pub fn write(mut self, report: &Report) -> anyhow::Result<()> {
        let file = self.file.take().context("the report was already written")?;
        let mut out = BufWriter::new(file);
        match self.format {
            ReportFormat::Json => write_json(&mut out, report)?,
            ReportFormat::Csv => write_csv(&mut out, report)?,
        }
        out.flush()
            .and_then(|()| out.get_ref().sync_all())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

impl Drop for ReportFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn write_json(out: &mut dyn Write, report: &Report) -> anyhow::Result<()> {
    let counts = report
        .counts
        .iter()
        .map(|(name, n)| ((*name).to_owned(), serde_json::Value::from(*n)))
        .collect();
    let json = JsonReport {
        change: &report.change,
        dry_run: report.dry_run,
        cancelled: report.cancelled,
        requests: report.requests,
        counts,
        users: &report.users,
        duplicates: &report.duplicates,
    };
    serde_json::to_writer_pretty(&mut *out, &json).context("cannot write the report")?;
    out.write_all(b"\n").context("cannot write the report")
}

fn write_csv(out: &mut dyn Write, report: &Report) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    for row in report.users.iter().chain(&report.duplicates) {
        csv.serialize(row).context("cannot write the report")?;
    }
    if report.users.is_empty() && report.duplicates.is_empty() {
        csv.write_record(["source", "input", "id", "outcome", "detail"])
            .context("cannot write the report")?;
    }
    csv.flush().context("cannot write the report")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        Report {
            change: "status Terminated".into(),
            dry_run: false,
            cancelled: false,
            requests: 3,
            counts: vec![("changed", 1), ("refused", 1)],
            users: vec![
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
            ],
            duplicates: vec![],
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
    fn an_unwritten_report_file_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let file = ReportFile::create(&path, None).unwrap();
        assert!(path.exists());
        drop(file);
        assert!(!path.exists());
        let file = ReportFile::create(&path, None).unwrap();
        file.write(&sample()).unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .starts_with("source,")
        );
    }
}
