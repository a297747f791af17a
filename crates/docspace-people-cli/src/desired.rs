//! The desired state of `sync`: a CSV file with a header row, or JSON lines, one row per person
//! who should have access. Every row is checked, and every bad one listed with its line, before
//! the portal is asked anything; type names are checked once the server is known.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use docspace_people::sync::{DesiredStatus, DesiredUser, QuotaWish, Source, SyncKey};
use docspace_people::{Server, Uuid};
use sha2::{Digest, Sha256};

use crate::cli::SyncKeyArg;
use crate::error::{CliError, CliResult};
use crate::targets::input_problems;

/// The largest desired-state file read (it is read whole, to digest it).
const MAX_BYTES: u64 = 1 << 30;

/// Column names of each field, in order of preference.
const EMAIL_COLUMNS: &[&str] = &["email", "e-mail", "mail", "email address"];
const ID_COLUMNS: &[&str] = &["id", "user id", "user_id", "userid", "uuid"];

/// A row as read: its type still a name, checked once the server is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    line: u64,
    key: SyncKey,
    user_type: Option<String>,
    quota: Option<QuotaWish>,
    status: DesiredStatus,
}

/// The rows of a desired-state file, and the file's name and digest.
#[derive(Debug)]
pub struct Desired {
    /// The rows, in file order.
    pub rows: Vec<Row>,
    /// The file's name as given.
    pub name: Arc<str>,
    /// The SHA-256 of its bytes, hex.
    pub sha256: String,
}

impl Desired {
    /// The library's rows, each type name read on `server`; bad names listed with their lines.
    pub fn on(&self, server: &Server) -> CliResult<Vec<DesiredUser>> {
        let mut problems = Vec::new();
        let mut rows = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let mut user = DesiredUser::keyed(row.key.clone())
                .with_status(row.status)
                .at_line(row.line as usize);
            if let Some(name) = &row.user_type {
                match server.user_type_named(name) {
                    Ok(user_type) => user = user.with_type(user_type),
                    Err(e) => problems.push(format!("{} line {}: {e}", self.name, row.line)),
                }
            }
            if let Some(quota) = row.quota {
                user = user.with_quota(quota);
            }
            rows.push(user);
        }
        if problems.is_empty() {
            Ok(rows)
        } else {
            Err(input_problems(
                "the desired state names types the portal does not have",
                problems,
            ))
        }
    }

    /// The source, as the plan records it.
    pub fn source(&self) -> Source {
        let mut source = Source::named(self.name.to_string(), &[]).with_sha256(&self.sha256);
        source.rows = self.rows.len();
        source
    }
}

/// Reads the desired state from `path` (`-`: standard input): JSON lines when the name ends in
/// `.jsonl` or `.ndjson`, CSV otherwise.
pub fn read(path: &Path, key: SyncKeyArg) -> CliResult<Desired> {
    let name: Arc<str> = Arc::from(if path.as_os_str() == "-" {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    });
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| CliError::usage(format_args!("cannot read {name}: {e}")))?,
        )
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::usage(format_args!("cannot read {name}: {e}")))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(CliError::usage(format_args!(
            "{name} is larger than {} MiB; split it",
            MAX_BYTES >> 20
        )));
    }
    let sha256 = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let jsonl = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("ndjson"));
    let mut problems = Vec::new();
    let rows = if jsonl {
        json_lines(&name, &bytes, key, &mut problems)
    } else {
        csv_rows(&name, bytes.clone(), key, &mut problems)?
    };
    if !problems.is_empty() {
        return Err(input_problems(
            "the desired state has rows that cannot be read",
            problems,
        ));
    }
    if rows.is_empty() {
        return Err(CliError::usage(format_args!(
            "{name} names nobody: a desired state with no rows would disable everyone in scope"
        )));
    }
    Ok(Desired { rows, name, sha256 })
}

/// The fields of one row, as text.
#[derive(Default)]
struct Fields<'a> {
    key: Option<&'a str>,
    user_type: Option<&'a str>,
    quota: Option<&'a str>,
    status: Option<&'a str>,
}

/// Checks one row's fields; a problem is named with the row's line.
fn row(name: &str, line: u64, fields: Fields<'_>, key: SyncKeyArg) -> Result<Row, String> {
    let at = |what: String| format!("{name} line {line}: {what}");
    let text = fields.key.map(str::trim).filter(|t| !t.is_empty());
    let key = match (key, text) {
        (SyncKeyArg::Email, None) => return Err(at("no e-mail address".to_owned())),
        (SyncKeyArg::Id, None) => return Err(at("no user id".to_owned())),
        (SyncKeyArg::Email, Some(text)) => match crate::targets::parse_value(text) {
            Ok(crate::targets::Value::Email(email)) => SyncKey::Email(email),
            Ok(crate::targets::Value::Id(_)) => {
                return Err(at(format!("`{text}` is a user id; use --key id")));
            }
            Err(reason) => return Err(at(reason)),
        },
        (SyncKeyArg::Id, Some(text)) => match Uuid::parse_str(text) {
            Ok(id) => SyncKey::Id(id),
            Err(e) => return Err(at(format!("`{text}` is not a user id: {e}"))),
        },
    };
    let blank = |t: Option<&str>| {
        t.map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let quota = match blank(fields.quota) {
        None => None,
        Some(text) => Some(
            text.parse::<QuotaWish>()
                .map_err(|e| at(format!("{e} (a size, `unlimited`, or `default`)")))?,
        ),
    };
    let status = match blank(fields.status) {
        None => DesiredStatus::Active,
        Some(text) => text.parse().map_err(|e| at(format!("{e}")))?,
    };
    Ok(Row {
        line,
        key,
        user_type: blank(fields.user_type),
        quota,
        status,
    })
}

fn json_lines(name: &str, bytes: &[u8], key: SyncKeyArg, problems: &mut Vec<String>) -> Vec<Row> {
    let mut rows = Vec::new();
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let number = index as u64 + 1;
        let Ok(text) = std::str::from_utf8(line) else {
            problems.push(format!("{name} line {number}: not UTF-8 text"));
            continue;
        };
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let object: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(text) {
            Ok(object) => object,
            Err(e) => {
                problems.push(format!("{name} line {number}: not a JSON object: {e}"));
                continue;
            }
        };
        let value = |names: &[&str]| {
            object
                .iter()
                .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
                .map(|(k, v)| (k.as_str(), v))
        };
        // A field is text (or, for the quota, a whole number of bytes); anything else is a bad
        // row, not a field to leave alone.
        let mut wrong = None;
        let mut field = |names: &[&str]| match value(names) {
            None | Some((_, serde_json::Value::Null)) => None,
            Some((_, serde_json::Value::String(text))) => Some(text.as_str()),
            Some((_, serde_json::Value::Number(_))) if names == ["quota"] => None,
            Some((name, other)) => {
                wrong.get_or_insert(format!("`{name}` is {other}, not text"));
                None
            }
        };
        let key_names = match key {
            SyncKeyArg::Email => EMAIL_COLUMNS,
            SyncKeyArg::Id => ID_COLUMNS,
        };
        // A number-valued quota (bytes) is taken as its text.
        let quota_number = object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("quota"))
            .and_then(|(_, v)| v.as_i64())
            .map(|n| n.to_string());
        let fields = Fields {
            key: field(key_names),
            user_type: field(&["type"]),
            quota: field(&["quota"]).or(quota_number.as_deref()),
            status: field(&["status"]),
        };
        let quota_bad =
            value(&["quota"]).is_some_and(|(_, v)| v.is_number() && v.as_i64().is_none());
        if quota_bad {
            wrong.get_or_insert("`quota` is not a whole number of bytes".to_owned());
        }
        if let Some(what) = wrong {
            problems.push(format!("{name} line {number}: {what}"));
            continue;
        }
        match row(name, number, fields, key) {
            Ok(row) => rows.push(row),
            Err(problem) => problems.push(problem),
        }
    }
    rows
}

fn csv_rows(
    name: &Arc<str>,
    bytes: Vec<u8>,
    key: SyncKeyArg,
    problems: &mut Vec<String>,
) -> CliResult<Vec<Row>> {
    let mut rows = Vec::new();
    let header = |names: &[&str]| -> CliResult<[Option<usize>; 4]> {
        let find = |wanted: &[&str]| {
            wanted
                .iter()
                .find_map(|w| names.iter().position(|h| h.eq_ignore_ascii_case(w)))
        };
        let (key_names, what) = match key {
            SyncKeyArg::Email => (EMAIL_COLUMNS, "an `email` column"),
            SyncKeyArg::Id => (ID_COLUMNS, "an `id` column"),
        };
        let Some(key) = find(key_names) else {
            return Err(CliError::usage(format_args!(
                "{name} has no {what}; its columns are: {}",
                names.join(", ")
            )));
        };
        Ok([
            Some(key),
            find(&["type"]),
            find(&["quota"]),
            find(&["status"]),
        ])
    };
    let each = |columns: &[Option<usize>; 4],
                line: u64,
                record: &csv::ByteRecord,
                problems: &mut Vec<String>|
     -> CliResult<()> {
        let mut texts: [Option<&str>; 4] = [None; 4];
        for (slot, column) in texts.iter_mut().zip(columns) {
            if let Some(bytes) = column.and_then(|c| record.get(c)) {
                match std::str::from_utf8(bytes) {
                    Ok(text) => *slot = Some(text),
                    Err(_) => {
                        problems.push(format!("{name} line {line}: not UTF-8 text"));
                        return Ok(());
                    }
                }
            }
        }
        let fields = Fields {
            key: texts[0],
            user_type: texts[1],
            quota: texts[2],
            status: texts[3],
        };
        match row(name, line, fields, key) {
            Ok(row) => rows.push(row),
            Err(problem) => problems.push(problem),
        }
        Ok(())
    };
    crate::targets::csv_rows(
        name,
        Box::new(std::io::Cursor::new(bytes)),
        problems,
        header,
        each,
    )?;
    Ok(rows)
}

/// Reads protection patterns: one address or glob per line, `#` comments and blank lines
/// skipped.
pub fn protect_file(path: &Path) -> CliResult<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format_args!("cannot read {}: {e}", path.display())))?;
    Ok(text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(name: &str, text: &str, key: SyncKeyArg) -> CliResult<Desired> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        read(&path, key)
    }

    #[test]
    fn reads_csv_and_json_lines_with_their_fields() {
        let csv = "Email,Type,Quota,Status\r\n\
                   jane@example.com,room-admin,5GiB,\r\n\
                   \r\n\
                   joe@example.com,,default,disabled\r\n";
        let desired = read_text("hr.csv", csv, SyncKeyArg::Email).unwrap();
        assert_eq!(desired.rows.len(), 2);
        assert_eq!(desired.rows[0].line, 2);
        assert_eq!(desired.rows[0].user_type.as_deref(), Some("room-admin"));
        assert_eq!(desired.rows[1].line, 4);
        assert_eq!(desired.rows[1].quota, Some(QuotaWish::Default));
        assert_eq!(desired.rows[1].status, DesiredStatus::Disabled);
        assert_eq!(desired.sha256.len(), 64);

        let jsonl = "{\"email\":\"jane@example.com\",\"quota\":1024}\n# a comment\n{\"email\":\"joe@example.com\",\"status\":\"active\"}\n";
        let desired = read_text("hr.jsonl", jsonl, SyncKeyArg::Email).unwrap();
        assert_eq!(desired.rows.len(), 2);
        assert_eq!(
            desired.rows[0].quota,
            Some(QuotaWish::Set(docspace_people::Quota::Bytes(1024)))
        );
        assert_eq!(desired.rows[1].line, 3);
        // Values of the wrong kind are bad rows, not fields left alone.
        let odd = "{\"email\":\"a@example.com\",\"type\":4}\n{\"email\":\"b@example.com\",\"quota\":1.5}\n";
        let err = read_text("hr.jsonl", odd, SyncKeyArg::Email).unwrap_err();
        let text = format!("{:#}", err.error);
        assert!(text.contains("line 1") && text.contains("line 2"), "{text}");
    }

    #[test]
    fn lists_every_bad_row_with_its_line() {
        let csv = "email,quota,status\nnot-an-address,,\nok@example.com,lots,\nfine@example.com,,maybe\n,,\n";
        let err = read_text("hr.csv", csv, SyncKeyArg::Email).unwrap_err();
        let text = format!("{:#}", err.error);
        for line in ["line 2", "line 3", "line 4"] {
            assert!(text.contains(line), "{line} in {text}");
        }
        let err = read_text("hr.csv", "name\nJane\n", SyncKeyArg::Email).unwrap_err();
        assert!(
            format!("{}", err.error).contains("no an `email` column")
                || format!("{}", err.error).contains("`email` column")
        );
        let err = read_text("hr.csv", "email\n", SyncKeyArg::Email).unwrap_err();
        assert!(format!("{}", err.error).contains("names nobody"));
    }
}
