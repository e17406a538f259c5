//! The report: Markdown for docs/compatibility.md and the terminal.

use std::collections::HashSet;
use std::fmt::Write;
use std::path::Path;

use crate::about::About;
use crate::results::{log_path, Cell, Log, Row, Status};
use crate::runners::{Runner, GRACE};

/// At most this many lines of a log in an excerpt.
const EXCERPT_LINES: usize = 25;
/// The last lines of a log, which an excerpt always has: where the run
/// ended.
const TAIL_LINES: usize = 5;
/// At most this many lines of the first panic (before its goroutines).
const PANIC_LINES: usize = 6;
/// At most this many of gohost's own messages in an excerpt.
const GOHOST_LINES: usize = 5;
/// Longer lines are cut (a panic can print a whole value on one line).
const LINE_CHARS: usize = 240;
/// At most this many lines of a compiler's complaint.
const BUILD_LINES: usize = 5;

/// What the report is made of.
#[derive(Debug)]
pub struct Report<'a> {
    pub about: &'a About,
    /// The runners of the sweep, in column order.
    pub columns: &'a [Runner],
    /// One row per package, in `go list` order.
    pub rows: &'a [Row],
    /// Where the logs are read from.
    pub logs: &'a Path,
    /// The same, as the report shows it (relative to the workspace).
    pub logs_shown: &'a str,
}

impl Report<'_> {
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        self.header(&mut out);
        self.counts(&mut out);
        self.differences(&mut out);
        self.reference_failures(&mut out);
        self.build_failures(&mut out);
        self.table(&mut out);
        out
    }

    fn read(&self, log: Log, package: &str) -> Result<String, String> {
        let path = log_path(self.logs, log, package);
        std::fs::read(&path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| format!("(no log: {}: {e})", path.display()))
    }

    fn header(&self, out: &mut String) {
        let a = self.about;
        let mut flags = format!(
            "-test.paniconexit0 -test.timeout={}s",
            a.settings.timeout_secs
        );
        if a.settings.short {
            flags.push_str(" -test.short");
        }
        let (title, go_exec) = if a.asynchronous {
            (
                ", async",
                "`gohost go-exec --async` (`Instance::run_async` on a single-threaded \
                 Tokio runtime, where the guest's sleeps and reads await)",
            )
        } else {
            ("", "`gohost go-exec`")
        };
        let _ = write!(
            out,
            "# Go standard-library compatibility{title}\n\n\
             How the tests of Go's standard library fare when their test binaries \
             (`GOOS=wasip1 GOARCH=wasm go test -c`) run under {go_exec}, on each \
             of its engines, and under Go's own runner script `go_wasip1_wasm_exec` with \
             wazero (the reference), each binary run as `go test -exec` runs it. \
             Every figure comes from one run of:\n\n\
             ```sh\n{}\n```\n\n\
             - Date (UTC): {}\n\
             - Go: `{}`\n\
             - gohost: commit `{}`\n\
             - Cores: {}\n\
             - Reference: `go_wasip1_wasm_exec` with `GOWASIRUNTIME=wazero`, wazero `{}`\n\
             - Test flags: `{flags}`; a run still going {} s past the timeout is killed\n\
             - Seconds: the wall-clock time of one run, which for wazero and wasmtime \
             includes compiling the test binary (each run has a cache of its own)\n\
             - Logs: `{}/RUNNER/PACKAGE.log`\n\n",
            a.command,
            a.date,
            a.go_version,
            a.commit,
            a.cores,
            a.wazero_version,
            GRACE.as_secs(),
            self.logs_shown,
        );
    }

    fn counts(&self, out: &mut String) {
        out.push_str("## Counts\n\n| runner |");
        for s in Status::ALL {
            let _ = write!(out, " {} |", s.label());
        }
        out.push_str("\n|---|");
        out.push_str(&"---:|".repeat(Status::ALL.len()));
        out.push('\n');
        for &r in self.columns {
            let _ = write!(out, "| {} |", column_name(r));
            for s in Status::ALL {
                let n = self
                    .rows
                    .iter()
                    .filter(|row| row.cell(r).is_some_and(|c| c.status == s))
                    .count();
                let _ = write!(out, " {n} |");
            }
            out.push('\n');
        }
        let _ = writeln!(out, "\n{} packages.\n", self.rows.len());
    }

    fn differences(&self, out: &mut String) {
        out.push_str("## Differences\n\n");
        let mut any = false;
        for row in self.rows {
            if row.cell(Runner::Reference).map(|c| c.status) != Some(Status::Pass) {
                continue;
            }
            for &r in self.columns.iter().filter(|&&r| r != Runner::Reference) {
                let Some(cell) = row.cell(r).filter(|c| c.status != Status::Pass) else {
                    continue;
                };
                if !any {
                    out.push_str(
                        "Packages that pass under the reference but not under gohost, each \
                         with an excerpt of its log: the `--- FAIL:` lines, the first panic, \
                         gohost's own messages and the last lines.\n\n",
                    );
                    any = true;
                }
                let _ = writeln!(
                    out,
                    "### `{}` on {}: {}{}\n",
                    row.package,
                    r.name(),
                    cell.status.label(),
                    cell.millis
                        .map_or(String::new(), |ms| format!(" ({})", seconds(ms))),
                );
                let lines = match self.read(Log::Run(r), &row.package) {
                    Ok(log) => excerpt(&log),
                    Err(missing) => vec![missing],
                };
                fenced(out, &lines);
            }
        }
        if !any {
            out.push_str(
                "None: every package that passes under the reference passes under gohost \
                 too.\n\n",
            );
        }
    }

    fn reference_failures(&self, out: &mut String) {
        out.push_str("## Failing under the reference\n\n");
        let failing: Vec<(&Row, Cell)> = self
            .rows
            .iter()
            .filter_map(|row| {
                let cell = row.cell(Runner::Reference)?;
                matches!(cell.status, Status::Fail | Status::Timeout).then_some((row, cell))
            })
            .collect();
        if failing.is_empty() {
            out.push_str("None.\n\n");
            return;
        }
        out.push_str(
            "These fail under Go's own runner too, so their failures are not (or not only) \
             gohost's.\n\n",
        );
        for (row, cell) in failing {
            let others: Vec<String> = self
                .columns
                .iter()
                .filter(|&&r| r != Runner::Reference)
                .filter_map(|&r| Some(format!("{}: {}", r.name(), row.cell(r)?.status.label())))
                .collect();
            let cause = match self.read(Log::Run(Runner::Reference), &row.package) {
                Ok(log) => code(&first_cause(&log)),
                Err(missing) => missing,
            };
            let _ = write!(out, "- `{}`: {}", row.package, cell.status.label());
            if !others.is_empty() {
                let _ = write!(out, " ({})", others.join(", "));
            }
            let _ = writeln!(out, ": {cause}");
        }
        out.push('\n');
    }

    fn build_failures(&self, out: &mut String) {
        let failed: Vec<&Row> = self
            .rows
            .iter()
            .filter(|row| {
                row.cells
                    .iter()
                    .flatten()
                    .any(|c| c.status == Status::BuildFailed)
            })
            .collect();
        if failed.is_empty() {
            return;
        }
        out.push_str(
            "## Test binaries that do not build\n\n\
             `GOOS=wasip1 GOARCH=wasm go test -c` fails for these, so no runner ran them.\n\n",
        );
        for row in failed {
            let _ = writeln!(out, "- `{}`:\n", row.package);
            let lines = match self.read(Log::Build, &row.package) {
                Ok(log) => log
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .take(BUILD_LINES)
                    .map(shorten)
                    .collect(),
                Err(missing) => vec![missing],
            };
            let mut block = String::new();
            fenced(&mut block, &lines);
            // Indented under the list item.
            for line in block.lines() {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    let _ = writeln!(out, "  {line}");
                }
            }
        }
    }

    fn table(&self, out: &mut String) {
        out.push_str(
            "## All packages\n\n\
             | package | reference | wasmi | wasmtime | seconds (reference / wasmi / wasmtime) |\n\
             |---|---|---|---|---|\n",
        );
        for row in self.rows {
            let statuses: Vec<&str> = Runner::ALL
                .iter()
                .map(|&r| row.cell(r).map_or("—", |c| c.status.label()))
                .collect();
            let times: Vec<String> = Runner::ALL
                .iter()
                .map(|&r| {
                    row.cell(r)
                        .and_then(|c| c.millis)
                        .map_or("—".into(), |ms| format!("{:.1}", ms as f64 / 1000.0))
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                row.package,
                statuses.join(" | "),
                times.join(" / "),
            );
        }
    }
}

/// The name of a runner in the counts table.
fn column_name(r: Runner) -> &'static str {
    match r {
        Runner::Reference => "reference (wazero)",
        Runner::Wasmi => "gohost, wasmi",
        Runner::Wasmtime => "gohost, wasmtime",
    }
}

/// `12.3 s`.
pub fn seconds(millis: u64) -> String {
    format!("{:.1} s", millis as f64 / 1000.0)
}

fn is_panic(line: &str) -> bool {
    line.starts_with("panic:") || line.starts_with("fatal error:")
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_fail(line: &str) -> bool {
    line.trim_start().starts_with("--- FAIL:")
}

/// The lines of a failed run's log that tell why it failed, in log order,
/// without repeats: the first `panic:` or `fatal error:` (with the lines
/// under it up to the goroutine dumps), gohost's own
/// messages, the last lines, and as many `--- FAIL:` lines (each with the
/// test's first message under it) as fit.
pub fn excerpt(log: &str) -> Vec<String> {
    let lines: Vec<&str> = log.lines().collect();
    let nonblank: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].trim().is_empty())
        .collect();
    // In order of importance: the cap cuts the last.
    let mut wanted: Vec<usize> = Vec::new();
    if let Some(first) = lines.iter().position(|l| is_panic(l)) {
        // With what Go prints under it before the goroutines: which tests
        // were running at a timeout, the original panic of a re-panic.
        let block = lines[first..]
            .iter()
            .take_while(|l| !l.trim().is_empty())
            .count();
        wanted.extend(first..first + block.min(PANIC_LINES));
    }
    wanted.extend(
        (0..lines.len())
            .filter(|&i| lines[i].starts_with("gohost:"))
            .take(GOHOST_LINES),
    );
    wanted.extend(&nonblank[nonblank.len().saturating_sub(TAIL_LINES)..]);
    for i in (0..lines.len()).filter(|&i| is_fail(lines[i])) {
        wanted.push(i);
        // The test's first message, printed under its `--- FAIL:` line.
        if let Some(next) = lines.get(i + 1) {
            if indent(next) > indent(lines[i]) && !is_fail(next) && !next.trim().is_empty() {
                wanted.push(i + 1);
            }
        }
    }

    let mut seen = HashSet::new();
    let mut picked: Vec<usize> = Vec::new();
    for i in wanted {
        if picked.len() == EXCERPT_LINES {
            break;
        }
        if seen.insert(lines[i]) {
            picked.push(i);
        }
    }
    picked.sort_unstable();
    picked.into_iter().map(|i| shorten(lines[i])).collect()
}

/// The one line that best says why a run failed: its first `--- FAIL:`,
/// panic or gohost message, else its last line.
pub fn first_cause(log: &str) -> String {
    log.lines()
        .find(|l| is_fail(l) || is_panic(l) || l.starts_with("gohost:"))
        .or_else(|| log.lines().rev().find(|l| !l.trim().is_empty()))
        .map_or_else(|| "(no output)".into(), |l| shorten(l.trim()))
}

fn shorten(line: &str) -> String {
    match line.char_indices().nth(LINE_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

/// `lines` in a fenced block whose fence no line can close.
fn fenced(out: &mut String, lines: &[String]) {
    let longest = lines
        .iter()
        .map(|l| longest_backtick_run(l))
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(out, "{fence}text");
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    let _ = writeln!(out, "{fence}\n");
}

/// `s` as inline code, whatever backticks it holds.
fn code(s: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(s) + 1);
    if ticks.len() > 1 || s.starts_with('`') || s.ends_with('`') {
        format!("{ticks} {s} {ticks}")
    } else {
        format!("{ticks}{s}{ticks}")
    }
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Settings, Status};
    use crate::scratch::Scratch;

    /// A realistic failing run (`go test` output is not verbose): two
    /// failed tests, one through a subtest, then a panic with its
    /// goroutine trace, then gohost's message.
    const FAILED_LOG: &str = "\
--- FAIL: TestChmod (0.01s)
    os_test.go:1410: chmod /tmp/TestChmod123/001/_TestChmod_: operation not permitted
--- FAIL: TestSeek (0.00s)
    --- FAIL: TestSeek/whence_2 (0.00s)
        seek_test.go:88: Seek(0, 2) = 0, want 12
panic: runtime error: index out of range [3] with length 3 [recovered]
\tpanic: runtime error: index out of range [3] with length 3

goroutine 7 [running]:
testing.tRunner.func1.2({0x1f2c0, 0x4a0d8})
\t/usr/local/go/src/testing/testing.go:1872 +0x12
testing.tRunner.func1()
\t/usr/local/go/src/testing/testing.go:1875 +0x3
panic({0x1f2c0?, 0x4a0d8?})
\t/usr/local/go/src/runtime/panic.go:783 +0x1c
os_test.TestPipe(0x1c0a8c8)
\t/usr/local/go/src/os/pipe_test.go:40 +0x9
gohost: os.test: wasm trap: out of bounds memory access
";

    #[test]
    fn the_excerpt_keeps_what_tells_the_cause() {
        let got = excerpt(FAILED_LOG);
        assert_eq!(
            got,
            [
                "--- FAIL: TestChmod (0.01s)",
                "    os_test.go:1410: chmod /tmp/TestChmod123/001/_TestChmod_: operation not permitted",
                "--- FAIL: TestSeek (0.00s)",
                "    --- FAIL: TestSeek/whence_2 (0.00s)",
                "        seek_test.go:88: Seek(0, 2) = 0, want 12",
                "panic: runtime error: index out of range [3] with length 3 [recovered]",
                "\tpanic: runtime error: index out of range [3] with length 3",
                "panic({0x1f2c0?, 0x4a0d8?})",
                "\t/usr/local/go/src/runtime/panic.go:783 +0x1c",
                "os_test.TestPipe(0x1c0a8c8)",
                "\t/usr/local/go/src/os/pipe_test.go:40 +0x9",
                "gohost: os.test: wasm trap: out of bounds memory access",
            ]
        );
        assert_eq!(first_cause(FAILED_LOG), "--- FAIL: TestChmod (0.01s)");
    }

    #[test]
    fn a_timeout_excerpt_says_which_tests_were_running() {
        let log = "\
panic: test timed out after 1m0s
\trunning tests:
\t\tTestResetResult (29s)
\t\tTestResetResult/asynctimerchan=2 (8s)

goroutine 7336 [running]:
testing.(*M).startAlarm.func1()
\t/usr/local/go/src/testing/testing.go:2802 +0x42
created by time.goFunc
\t/usr/local/go/src/time/sleep.go:215 +0x5

goroutine 1 [chan receive]:
testing.(*T).Run(0x1c5e1c8, {0x1d1d2f, 0xf}, 0x1e5f08)
\t/usr/local/go/src/testing/testing.go:2109 +0x39
";
        assert_eq!(
            excerpt(log)[..4],
            [
                "panic: test timed out after 1m0s",
                "\trunning tests:",
                "\t\tTestResetResult (29s)",
                "\t\tTestResetResult/asynctimerchan=2 (8s)",
            ]
        );
        assert_eq!(first_cause(log), "panic: test timed out after 1m0s");
    }

    #[test]
    fn the_excerpt_is_capped_and_keeps_the_end() {
        let mut log: String = (0..100)
            .map(|i| format!("--- FAIL: TestCase{i} (0.00s)\n"))
            .collect();
        log.push_str("FAIL\n");
        let got = excerpt(&log);
        assert_eq!(got.len(), EXCERPT_LINES);
        assert_eq!(got[0], "--- FAIL: TestCase0 (0.00s)");
        assert_eq!(got[EXCERPT_LINES - 1], "FAIL");
        // Repeated lines appear once; long lines are cut.
        let long = "x".repeat(1000);
        let got = excerpt(&format!("gohost: same\ngohost: same\n{long}\n"));
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].chars().count(), LINE_CHARS + 1);
        assert_eq!(first_cause(""), "(no output)");
        assert_eq!(first_cause("ok\nexit 3\n\n"), "exit 3");
    }

    #[test]
    fn code_survives_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("use `x`"), "`` use `x` ``");
        let mut out = String::new();
        fenced(&mut out, &["```".to_owned()]);
        assert_eq!(out, "````text\n```\n````\n\n");
    }

    #[test]
    fn a_tiny_sweep_renders() {
        let logs = Scratch::create(&std::env::temp_dir(), "go-compat-test").expect("scratch");
        let write = |log: Log, package: &str, text: &str| {
            let path = log_path(logs.path(), log, package);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
        write(Log::Run(Runner::Wasmi), "os", FAILED_LOG);
        write(
            Log::Run(Runner::Reference),
            "net",
            "--- FAIL: TestDial (0.00s)\n    dial_test.go:9: dial tcp: not supported\nFAIL\n",
        );
        write(
            Log::Build,
            "plugin",
            "# plugin\nplugin/plugin.go:3:1: wasip1 is not supported\n",
        );
        let settings = Settings {
            short: true,
            timeout_secs: 600,
        };
        let columns = [Runner::Reference, Runner::Wasmi];
        let cell = |status, millis| Some(Cell { status, millis });
        let rows = [
            Row {
                package: "errors".into(),
                settings,
                cells: [
                    cell(Status::Pass, Some(120)),
                    cell(Status::Pass, Some(450)),
                    None,
                ],
            },
            Row {
                package: "os".into(),
                settings,
                cells: [
                    cell(Status::Pass, Some(3_100)),
                    cell(Status::Fail, Some(41_234)),
                    None,
                ],
            },
            Row {
                package: "net".into(),
                settings,
                cells: [
                    cell(Status::Fail, Some(900)),
                    cell(Status::Fail, Some(8_000)),
                    None,
                ],
            },
            Row::uniform("unsafe", settings, &columns, Status::NoTests),
            Row::uniform("plugin", settings, &columns, Status::BuildFailed),
        ];
        let about = About {
            command: "cargo run --release -p gohost-bench --bin go-compat -- --short".into(),
            date: "2025-01-02".into(),
            go_version: "go version go1.26.8 linux/amd64".into(),
            commit: "725fed4-dirty".into(),
            cores: 2,
            wazero_version: "v1.12.0".into(),
            settings,
            asynchronous: false,
        };
        let md = Report {
            about: &about,
            columns: &columns,
            rows: &rows,
            logs: logs.path(),
            logs_shown: "target/go-compat/logs",
        }
        .markdown();

        for expected in [
            "# Go standard-library compatibility\n",
            "```sh\ncargo run --release -p gohost-bench --bin go-compat -- --short\n```\n",
            "- Date (UTC): 2025-01-02\n",
            "- gohost: commit `725fed4-dirty`\n",
            "- Cores: 2\n",
            "wazero `v1.12.0`",
            "`-test.paniconexit0 -test.timeout=600s -test.short`",
            "| runner | pass | FAIL | timeout | build failed | no tests |\n\
             |---|---:|---:|---:|---:|---:|\n\
             | reference (wazero) | 2 | 1 | 0 | 1 | 1 |\n\
             | gohost, wasmi | 1 | 2 | 0 | 1 | 1 |\n\n5 packages.\n",
            "### `os` on wasmi: FAIL (41.2 s)\n\n```text\n--- FAIL: TestChmod (0.01s)\n",
            "gohost: os.test: wasm trap: out of bounds memory access\n```\n",
            "- `net`: FAIL (wasmi: FAIL): `--- FAIL: TestDial (0.00s)`\n",
            "- `plugin`:\n\n  ```text\n  # plugin\n  plugin/plugin.go:3:1: wasip1 is not supported\n  ```\n",
            "| errors | pass | pass | — | 0.1 / 0.5 / — |\n",
            "| os | pass | FAIL | — | 3.1 / 41.2 / — |\n",
            "| unsafe | no tests | no tests | — | — / — / — |\n",
        ] {
            assert!(md.contains(expected), "missing {expected:?} in:\n{md}");
        }
        // net fails under the reference too: not a difference.
        assert!(!md.contains("### `net`"), "{md}");
    }

    #[test]
    fn no_differences_is_said_and_an_async_sweep_says_so() {
        let about = About {
            command: "c".into(),
            date: "d".into(),
            go_version: "g".into(),
            commit: "c".into(),
            cores: 1,
            wazero_version: "w".into(),
            settings: Settings {
                short: false,
                timeout_secs: 60,
            },
            asynchronous: true,
        };
        let md = Report {
            about: &about,
            columns: &Runner::ALL,
            rows: &[],
            logs: Path::new("/nonexistent"),
            logs_shown: "logs",
        }
        .markdown();
        assert!(md.contains("None: every package that passes under the reference"));
        assert!(md.contains("`-test.paniconexit0 -test.timeout=60s`;"));
        assert!(md.starts_with("# Go standard-library compatibility, async\n"));
        assert!(md.contains("run under `gohost go-exec --async` (`Instance::run_async`"));
    }
}
