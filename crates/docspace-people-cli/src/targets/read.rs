//! Reading targets from the positional arguments and `--from` (lines, or a CSV column),
//! checking each value before anything is sent.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use docspace_people::Uuid;

use super::{Origin, SkipReason, Targets, Value, input_problems};
use crate::error::{CliError, CliResult};

/// CSV column names used when `--column` is not given, in order of preference.
const DEFAULT_COLUMNS: &[&str] = &[
    "email",
    "e-mail",
    "mail",
    "email address",
    "user id",
    "user_id",
    "userid",
    "uuid",
    "id",
];

/// Reads the targets from the positional arguments and `--from`, in that order. Every
/// malformed value is reported with where it came from; none is guessed.
pub fn read(arguments: &[String], from: Option<&Path>, column: Option<&str>) -> CliResult<Targets> {
    read_skipping(arguments, from, column, false)
}

/// [`read`]; with `skip_blank`, a CSV row whose column is blank is left out and reported
/// refused instead of stopping the command (`--skip-unknown`).
pub fn read_skipping(
    arguments: &[String],
    from: Option<&Path>,
    column: Option<&str>,
    skip_blank: bool,
) -> CliResult<Targets> {
    let mut targets = Targets::default();
    let mut problems = Vec::new();
    for (index, text) in arguments.iter().enumerate() {
        push(
            Origin::Argument(index + 1),
            text,
            &mut targets,
            &mut problems,
        )?;
    }
    if let Some(path) = from {
        let (source, reader): (Arc<str>, Box<dyn Read>) = if path.as_os_str() == "-" {
            (Arc::from("stdin"), Box::new(std::io::stdin().lock()))
        } else {
            let file = File::open(path).map_err(|e| {
                CliError::usage(format_args!("cannot read {}: {e}", path.display()))
            })?;
            (Arc::from(path.display().to_string()), Box::new(file))
        };
        targets.source = Some(source.clone());
        let is_csv = column.is_some()
            || path
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
        if is_csv {
            read_csv(
                source,
                reader,
                column,
                skip_blank,
                &mut targets,
                &mut problems,
            )?;
        } else {
            read_lines(source, reader, &mut targets, &mut problems)?;
        }
    }
    if !problems.is_empty() {
        return Err(input_problems(
            "the input has values that are not user ids or email addresses",
            problems,
        ));
    }
    if targets.is_empty() && targets.skipped().is_empty() {
        if let Some(path) = from.filter(|_| arguments.is_empty()) {
            return Err(CliError::usage(format_args!(
                "{} lists no users (it is empty, or holds only blank lines, comments or a \
                 header)",
                if path.as_os_str() == "-" {
                    "standard input".to_owned()
                } else {
                    path.display().to_string()
                }
            )));
        }
        return Err(CliError::usage(
            "no target users: give user ids or emails as arguments, or --from FILE",
        ));
    }
    targets.ids.shrink_to_fit();
    targets.lines.shrink_to_fit();
    targets.emails.shrink_to_fit();
    targets.texts.shrink_to_fit();
    Ok(targets)
}

/// One id or email per line; blank lines and lines starting with `#` are skipped.
fn read_lines(
    source: Arc<str>,
    reader: Box<dyn Read>,
    targets: &mut Targets,
    problems: &mut Vec<String>,
) -> CliResult<()> {
    for (index, line) in BufReader::new(reader).lines().enumerate() {
        let origin = Origin::Line {
            source: source.clone(),
            line: index as u64 + 1,
        };
        let line = match line {
            Ok(line) => line,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                problems.push(format!("{origin}: not UTF-8 text"));
                continue;
            }
            Err(e) => {
                problems.push(format!("{origin}: cannot read: {e}"));
                break;
            }
        };
        let text = line.trim_start_matches('\u{feff}').trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        push(origin, text, targets, problems)?;
    }
    Ok(())
}

/// A reader that notes where each non-blank line starts, and its number.
struct LineCounter {
    inner: Box<dyn Read>,
    offset: u64,
    line: u64,
    at_line_start: bool,
    starts: std::rc::Rc<std::cell::RefCell<Vec<(u64, u64)>>>,
}

impl Read for LineCounter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut starts = self.starts.borrow_mut();
        for (i, &b) in buf[..n].iter().enumerate() {
            if self.at_line_start {
                if b != b'\r' && b != b'\n' {
                    starts.push((self.offset + i as u64, self.line));
                }
                self.at_line_start = false;
            }
            if b == b'\n' {
                self.line += 1;
                self.at_line_start = true;
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// The values of one column of a CSV file with a header row.
fn read_csv(
    source: Arc<str>,
    reader: Box<dyn Read>,
    column: Option<&str>,
    skip_blank: bool,
    targets: &mut Targets,
    problems: &mut Vec<String>,
) -> CliResult<()> {
    let header = |names: &[&str]| -> CliResult<(usize, String)> {
        let find = |wanted: &str| names.iter().position(|h| h.eq_ignore_ascii_case(wanted));
        let index = match column {
            Some(wanted) => find(wanted).ok_or_else(|| {
                CliError::usage(format_args!(
                    "{source} has no column `{wanted}`; its columns are: {}",
                    names.join(", ")
                ))
            })?,
            None => {
                let index = DEFAULT_COLUMNS.iter().find_map(|c| find(c)).ok_or_else(|| {
                    CliError::usage(format_args!(
                        "{source}: say which column holds the user ids or emails with --column; \
                         its columns are: {}",
                        names.join(", ")
                    ))
                })?;
                eprintln!(
                    "Reading the `{}` column of {source}.",
                    crate::output::escape(names.get(index).copied().unwrap_or_default(), false)
                );
                index
            }
        };
        Ok((
            index,
            names.get(index).copied().unwrap_or_default().to_owned(),
        ))
    };
    let row = |(index, column_name): &(usize, String),
               line: u64,
               record: &csv::ByteRecord,
               problems: &mut Vec<String>|
     -> CliResult<()> {
        let origin = Origin::Line {
            source: source.clone(),
            line,
        };
        match record.get(*index).map(std::str::from_utf8) {
            Some(Ok(text)) if !text.trim().is_empty() => {
                push(origin, text.trim(), targets, problems)?
            }
            Some(Err(_)) => problems.push(format!(
                "{origin}: the `{column_name}` column is not UTF-8 text"
            )),
            _ if skip_blank => targets.skip_input(
                origin,
                "",
                SkipReason::NoSuchUser(format!("the `{column_name}` column is empty")),
            ),
            _ => problems.push(format!(
                "{origin}: the `{column_name}` column is empty (--skip-unknown reports such \
                 rows and sends the others)"
            )),
        }
        Ok(())
    };
    csv_rows(&source, reader, problems, header, row)
}

/// Reads a CSV file with a header row: `header` takes what it needs from the column names (or
/// refuses them), then `row` gets each record that is neither blank nor a comment (`#` first),
/// with its line number. Records the csv crate cannot read are listed in `problems`.
pub(crate) fn csv_rows<H>(
    source: &Arc<str>,
    reader: Box<dyn Read>,
    problems: &mut Vec<String>,
    header: impl FnOnce(&[&str]) -> CliResult<H>,
    mut row: impl FnMut(&H, u64, &csv::ByteRecord, &mut Vec<String>) -> CliResult<()>,
) -> CliResult<()> {
    // The csv crate's line numbers are off after `\r\n` line ends (most HR exports) and blank
    // lines, and its record positions may point at the line end before a record: a record's
    // line is the first non-blank line starting at or after its position, counted here.
    let starts = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let line_of = |position: Option<&csv::Position>| {
        position.map_or(0, |p| {
            let starts = starts.borrow();
            let at = starts.partition_point(|&(offset, _)| offset < p.byte());
            starts
                .get(at)
                .or(starts.last())
                .map_or(p.line(), |&(_, line)| line)
        })
    };
    let counted = LineCounter {
        inner: reader,
        offset: 0,
        line: 1,
        at_line_start: true,
        starts: std::rc::Rc::clone(&starts),
    };
    let mut counted = std::io::BufReader::new(counted);
    let delimiter = sniff_delimiter(&mut counted);
    if delimiter == b';' {
        eprintln!("Reading {source} as separated by semicolons (as its header row is).");
    }
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(counted);
    let headers: Vec<String> = csv
        .byte_headers()
        .map_err(|e| CliError::usage(format_args!("{source}: cannot read the CSV header: {e}")))?
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let names: Vec<&str> = headers
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim())
        .collect();
    if names.iter().all(|n| n.is_empty()) {
        return Err(CliError::usage(format_args!(
            "{source} is empty: a CSV file needs a header row naming its columns, then a row per \
             user"
        )));
    }
    let picked = header(&names)?;
    // Byte records: only the columns in use have to be UTF-8 text; a stray byte elsewhere (an
    // export from an old spreadsheet) is none of the tool's business.
    for record in csv.byte_records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = line_of(e.position());
                problems.push(format!("{source} line {line}: {e}"));
                if e.is_io_error() {
                    break;
                }
                continue;
            }
        };
        // Comment rows (`#` first) and blank rows are skipped. (Not with the csv crate's own
        // comment support, which miscounts the line of the record after a comment.)
        let first = record.get(0).unwrap_or_default();
        if first.starts_with(b"#") || record.iter().all(<[u8]>::is_empty) {
            continue;
        }
        row(&picked, line_of(record.position()), &record, problems)?;
    }
    Ok(())
}

/// The field separator of a CSV file, from its first line: a semicolon when it has more of
/// them than commas (Excel's CSV in locales where the comma is the decimal mark), else a
/// comma. The reader is not advanced.
fn sniff_delimiter(reader: &mut impl std::io::BufRead) -> u8 {
    let Ok(buffer) = reader.fill_buf() else {
        return b',';
    };
    let first = buffer.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |wanted: u8| first.iter().filter(|&&b| b == wanted).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

fn push(
    origin: Origin,
    text: &str,
    targets: &mut Targets,
    problems: &mut Vec<String>,
) -> CliResult<()> {
    let text = text.trim();
    match parse_value(text) {
        Ok(value) => {
            let line = match origin {
                Origin::Argument(_) => None,
                Origin::Line { line, .. } => Some(line),
            };
            targets.add(line, text, value)?;
        }
        Err(reason) => problems.push(format!("{origin}: {reason}")),
    }
    Ok(())
}

/// Reads a user id or an email address.
pub fn parse_value(text: &str) -> Result<Value, String> {
    let shown: String = text.chars().take(80).collect();
    if text.contains('@') {
        return check_email(text)
            .map(|()| Value::Email(text.to_owned()))
            .map_err(|reason| format!("`{shown}` is not a valid email address: {reason}"));
    }
    match Uuid::parse_str(text) {
        Ok(id) => Ok(Value::Id(id)),
        Err(e) if looks_like_uuid(text) => Err(format!("`{shown}` is not a valid user id: {e}")),
        Err(_) => Err(format!(
            "`{shown}` is neither a user id (UUID) nor an email address"
        )),
    }
}

/// Hex digits and hyphens (maybe in braces): meant as a UUID, but malformed.
fn looks_like_uuid(text: &str) -> bool {
    let inner = text.trim_start_matches('{').trim_end_matches('}');
    inner.len() >= 8 && inner.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// A plain syntactic check: one `@`, a non-empty local part, a domain of dot-separated labels
/// of letters, digits and hyphens, no spaces.
fn check_email(text: &str) -> Result<(), &'static str> {
    let (local, domain) = text.split_once('@').ok_or("no `@`")?;
    if domain.contains('@') {
        return Err("more than one `@`");
    }
    if domain.is_empty() {
        return Err("nothing after `@`");
    }
    if local.is_empty() || local.len() > 64 {
        return Err("the part before `@` is empty or too long");
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains spaces");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("misplaced `.` before `@`");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err("the domain has no `.`");
    }
    for label in labels {
        if label.is_empty() || label.starts_with('-') || label.ends_with('-') {
            return Err("the domain is malformed");
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err("the domain has characters a domain cannot have");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::*;

    #[test]
    fn reads_ids_and_emails() {
        assert_eq!(
            parse_value("75a5f745-f697-4418-b38d-0fe0d277e258"),
            Ok(Value::Id(
                "75a5f745-f697-4418-b38d-0fe0d277e258".parse().unwrap()
            ))
        );
        assert_eq!(
            parse_value("Jane.Doe+hr@Example.co.uk"),
            Ok(Value::Email("Jane.Doe+hr@Example.co.uk".into()))
        );
    }

    #[test]
    fn refuses_malformed_values_with_a_reason() {
        for (bad, reason) in [
            ("75a5f745-f697-4418-b38d-0fe0d277e25", "not a valid user id"),
            ("bob", "neither a user id"),
            ("bob@", "nothing after"),
            ("not-a-uuid-at-all", "neither a user id"),
            ("@example.com", "not a valid email"),
            ("bob@example", "no `.`"),
            ("bob@@example.com", "more than one"),
            ("bob smith@example.com", "spaces"),
            ("bob@exa_mple.com", "characters"),
        ] {
            let err = parse_value(bad).unwrap_err();
            assert!(err.contains(reason), "{bad}: {err}");
        }
    }

    #[test]
    fn reads_lines_with_comments_and_line_numbers() {
        let text = "\u{feff}# leavers\n\nnoah@example.com\n  75a5f745-f697-4418-b38d-0fe0d277e258  \nnope\n";
        let (mut targets, mut problems) = (Targets::default(), Vec::new());
        targets.source = Some(Arc::from("in.txt"));
        read_lines(
            Arc::from("in.txt"),
            Box::new(text.as_bytes()),
            &mut targets,
            &mut problems,
        )
        .unwrap();
        assert_eq!(targets.len(), 2);
        assert_eq!(targets.origin(0).to_string(), "in.txt line 3");
        assert_eq!(targets.origin(1).to_string(), "in.txt line 4");
        assert_eq!(
            targets.get(0).map(|t| t.value),
            Some(Value::Email("noah@example.com".into()))
        );
        assert_eq!(
            targets.input(1),
            "75a5f745-f697-4418-b38d-0fe0d277e258",
            "an id in its usual form is not kept as text"
        );
        assert!(targets.texts.get(1).is_none());
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("in.txt line 5: `nope`"),
            "{problems:?}"
        );
    }

    #[test]
    fn only_the_column_in_use_must_be_utf8() {
        let text = b"name,email\nJ\xf6rg,joerg@example.com\nAnn,ann\xff@example.com\n";
        let (mut targets, mut problems) = (Targets::default(), Vec::new());
        read_csv(
            Arc::from("hr.csv"),
            Box::new(&text[..]),
            None,
            false,
            &mut targets,
            &mut problems,
        )
        .unwrap();
        assert_eq!(targets.len(), 1, "the Latin-1 name is not read");
        assert_eq!(targets.input(0), "joerg@example.com");
        assert_eq!(
            problems,
            ["hr.csv line 3: the `email` column is not UTF-8 text"]
        );
    }

    #[test]
    fn reads_a_csv_column_with_line_numbers() {
        let text = "name,E-Mail\n\"Doe, Jane\",jane@example.com\n# skipped, really\nBob,\n,\nAl,al@example.com\n";
        let (mut targets, mut problems) = (Targets::default(), Vec::new());
        targets.source = Some(Arc::from("hr.csv"));
        read_csv(
            Arc::from("hr.csv"),
            Box::new(text.as_bytes()),
            None,
            false,
            &mut targets,
            &mut problems,
        )
        .unwrap();
        let lines: Vec<String> = targets.iter().map(|t| t.origin.to_string()).collect();
        assert_eq!(targets.input(1), "al@example.com");
        assert_eq!(lines, ["hr.csv line 2", "hr.csv line 6"]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("hr.csv line 4: the `E-Mail` column is empty"),
            "{problems:?}"
        );

        let err = read_csv(
            Arc::from("hr.csv"),
            Box::new(text.as_bytes()),
            Some("login"),
            false,
            &mut Targets::default(),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no column `login`"), "{err}");
    }
}
