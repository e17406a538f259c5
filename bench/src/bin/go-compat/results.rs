//! What a sweep found, one row per package, and `results.tsv`, where rows
//! are kept as they come so that an interrupted sweep can `--resume`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::runners::Runner;

/// The outcome of a package under one runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Timeout,
    BuildFailed,
    NoTests,
}

impl Status {
    /// In the order of the report's counts table.
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Fail,
        Status::Timeout,
        Status::BuildFailed,
        Status::NoTests,
    ];

    /// The word of the report and of results.tsv.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Timeout => "timeout",
            Status::BuildFailed => "build failed",
            Status::NoTests => "no tests",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.label() == s)
    }
}

/// One package under one runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub status: Status,
    /// Wall-clock time of the run; none when nothing ran.
    pub millis: Option<u64>,
}

/// What makes results comparable: a row is reused by `--resume` only for
/// the same settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub short: bool,
    pub timeout_secs: u64,
}

/// One package under every runner; `None` where the runner was not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub package: String,
    pub settings: Settings,
    pub cells: [Option<Cell>; 3],
}

impl Row {
    pub fn cell(&self, runner: Runner) -> Option<Cell> {
        self.cells[runner.index()]
    }

    /// The same status, without times, for each of `runners`: a package
    /// that has no tests or does not build.
    pub fn uniform(package: &str, settings: Settings, runners: &[Runner], status: Status) -> Row {
        let mut cells = [None; 3];
        for r in runners {
            cells[r.index()] = Some(Cell {
                status,
                millis: None,
            });
        }
        Row {
            package: package.to_owned(),
            settings,
            cells,
        }
    }
}

/// The first line of results.tsv.
const HEADER: &str =
    "# package\tshort\ttimeout_s\treference\treference_s\twasmi\twasmi_s\twasmtime\twasmtime_s";

/// A row as a line of results.tsv (without the newline). Times are seconds
/// with three decimals; `-` stands for nothing.
pub fn to_line(row: &Row) -> String {
    let mut fields = vec![
        row.package.clone(),
        row.settings.short.to_string(),
        row.settings.timeout_secs.to_string(),
    ];
    for cell in &row.cells {
        fields.push(cell.map_or("-".into(), |c| c.status.label().to_owned()));
        fields.push(
            cell.and_then(|c| c.millis)
                .map_or("-".into(), |ms| format!("{}.{:03}", ms / 1000, ms % 1000)),
        );
    }
    fields.join("\t")
}

/// A line of results.tsv as a row.
///
/// # Errors
///
/// If the line is not one `to_line` writes.
pub fn parse_line(line: &str) -> Result<Row, String> {
    let f: Vec<&str> = line.split('\t').collect();
    let [package, short, timeout, cells @ ..] = &f[..] else {
        return Err("too few fields".into());
    };
    if cells.len() != 6 {
        return Err(format!("{} fields, expected 9", f.len()));
    }
    let short = short
        .parse()
        .map_err(|_| format!("short: `{short}` is not true or false"))?;
    let timeout_secs = timeout
        .parse()
        .map_err(|_| format!("timeout: `{timeout}` is not a number"))?;
    let mut parsed = [None; 3];
    for (slot, pair) in parsed.iter_mut().zip(cells.chunks(2)) {
        let (status, secs) = (pair[0], pair[1]);
        if status == "-" {
            continue;
        }
        let status = Status::parse(status).ok_or_else(|| format!("unknown status `{status}`"))?;
        let millis = match secs {
            "-" => None,
            s => Some(parse_millis(s).ok_or_else(|| format!("`{s}` is not seconds"))?),
        };
        *slot = Some(Cell { status, millis });
    }
    Ok(Row {
        package: (*package).to_owned(),
        settings: Settings {
            short,
            timeout_secs,
        },
        cells: parsed,
    })
}

/// `12.345` as 12345 milliseconds, exactly (no float rounding).
fn parse_millis(s: &str) -> Option<u64> {
    let (whole, frac) = s.split_once('.')?;
    if frac.len() != 3 {
        return None;
    }
    Some(whole.parse::<u64>().ok()? * 1000 + frac.parse::<u64>().ok()?)
}

/// results.tsv, open for appending.
#[derive(Debug)]
pub struct ResultsFile {
    file: File,
    path: PathBuf,
}

impl ResultsFile {
    /// Opens `path`: truncated to its header, or with `resume` kept, in
    /// which case its rows are returned (the last row of a package wins;
    /// lines that do not parse are reported and skipped).
    ///
    /// # Errors
    ///
    /// If the file cannot be read or written.
    pub fn open(path: &Path, resume: bool) -> Result<(ResultsFile, Vec<Row>), String> {
        let err = |e: std::io::Error| format!("{}: {e}", path.display());
        let mut rows = Vec::new();
        let existing = if resume {
            match std::fs::read_to_string(path) {
                Ok(text) => Some(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(err(e)),
            }
        } else {
            None
        };
        if let Some(text) = &existing {
            for (n, line) in text.lines().enumerate() {
                if line.starts_with('#') || line.trim().is_empty() {
                    continue;
                }
                match parse_line(line) {
                    Ok(row) => rows.push(row),
                    Err(e) => eprintln!("go-compat: {}:{}: skipped: {e}", path.display(), n + 1),
                }
            }
        }
        let mut file = if existing.is_some() {
            OpenOptions::new().append(true).open(path).map_err(err)?
        } else {
            File::create(path).map_err(err)?
        };
        if existing.is_none() {
            writeln!(file, "{HEADER}").map_err(err)?;
        }
        let file = ResultsFile {
            file,
            path: path.to_owned(),
        };
        Ok((file, rows))
    }

    /// Appends `row` and flushes it to the file at once, so that it
    /// survives an interrupted sweep.
    ///
    /// # Errors
    ///
    /// If the file cannot be written.
    pub fn append(&mut self, row: &Row) -> Result<(), String> {
        writeln!(self.file, "{}", to_line(row))
            .and_then(|()| self.file.flush())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

/// Which log of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Log {
    /// The output of its test binary under a runner.
    Run(Runner),
    /// What `go test -c` printed when the binary did not build.
    Build,
}

/// `logs/RUNNER/PACKAGE.log` (or `logs/build/PACKAGE.log`).
pub fn log_path(logs: &Path, log: Log, package: &str) -> PathBuf {
    let dir = match log {
        Log::Run(r) => r.name(),
        Log::Build => "build",
    };
    logs.join(dir).join(format!("{}.log", file_name(package)))
}

/// An import path as a file name: `encoding/json` -> `encoding_json`.
pub fn file_name(package: &str) -> String {
    package
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(status: Status, millis: Option<u64>) -> Option<Cell> {
        Some(Cell { status, millis })
    }

    #[test]
    fn rows_survive_the_tsv_round_trip() {
        let settings = Settings {
            short: true,
            timeout_secs: 600,
        };
        let rows = [
            Row {
                package: "encoding/json".into(),
                settings,
                cells: [
                    cell(Status::Pass, Some(3_105)),
                    cell(Status::Fail, Some(41_200)),
                    cell(Status::Timeout, Some(660_000)),
                ],
            },
            Row {
                package: "errors".into(),
                settings: Settings {
                    short: false,
                    timeout_secs: 30,
                },
                cells: [
                    cell(Status::Pass, Some(7)),
                    cell(Status::Pass, Some(0)),
                    None,
                ],
            },
            Row::uniform("unsafe", settings, &Runner::ALL, Status::NoTests),
            Row::uniform(
                "plugin",
                settings,
                &[Runner::Reference, Runner::Wasmtime],
                Status::BuildFailed,
            ),
        ];
        for row in &rows {
            let line = to_line(row);
            assert!(!line.contains('\n'));
            assert_eq!(parse_line(&line).as_ref(), Ok(row), "{line}");
        }
        assert_eq!(
            to_line(&rows[0]),
            "encoding/json\ttrue\t600\tpass\t3.105\tFAIL\t41.200\ttimeout\t660.000"
        );
        assert_eq!(
            to_line(&rows[3]),
            "plugin\ttrue\t600\tbuild failed\t-\t-\t-\tbuild failed\t-"
        );
    }

    #[test]
    fn odd_lines_are_refused() {
        assert!(parse_line("errors\ttrue").is_err());
        assert!(parse_line("errors\tyes\t600\tpass\t1.000\t-\t-\t-\t-").is_err());
        assert!(parse_line("errors\ttrue\t600\tpassed\t1.000\t-\t-\t-\t-").is_err());
        assert!(parse_line("errors\ttrue\t600\tpass\t1.5\t-\t-\t-\t-").is_err());
    }

    #[test]
    fn the_results_file_keeps_rows_only_when_resuming() {
        let dir = crate::scratch::Scratch::create(&std::env::temp_dir(), "go-compat-test")
            .expect("scratch");
        let path = dir.path().join("results.tsv");
        let row = Row::uniform(
            "errors",
            Settings {
                short: true,
                timeout_secs: 600,
            },
            &[Runner::Reference],
            Status::NoTests,
        );
        let (mut file, rows) = ResultsFile::open(&path, true).expect("open");
        assert!(rows.is_empty());
        file.append(&row).expect("append");
        drop(file);
        let (_, rows) = ResultsFile::open(&path, true).expect("reopen");
        assert_eq!(rows, [row]);
        let (_, rows) = ResultsFile::open(&path, false).expect("truncate");
        assert!(rows.is_empty());
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, format!("{HEADER}\n"));
    }

    #[test]
    fn import_paths_become_file_names() {
        assert_eq!(file_name("encoding/json"), "encoding_json");
        assert_eq!(file_name("example.com/x-y/z"), "example.com_x-y_z");
    }
}
