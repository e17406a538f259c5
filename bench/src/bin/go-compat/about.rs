//! What a reader needs to know about a sweep to trust or repeat it: when,
//! on what, with which versions.

use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::results::Settings;
use crate::tools::stdout_of;

/// The facts of the report's header.
#[derive(Debug, Clone)]
pub struct About {
    /// The command that produced the report.
    pub command: String,
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    /// `go version`'s line.
    pub go_version: String,
    /// The gohost commit, `-dirty` with uncommitted changes.
    pub commit: String,
    pub cores: usize,
    /// `wazero version`'s line.
    pub wazero_version: String,
    pub settings: Settings,
    /// Whether gohost ran the binaries with `go-exec --async`.
    pub asynchronous: bool,
}

impl About {
    /// Gathers the facts, asking go, git and wazero.
    ///
    /// # Errors
    ///
    /// If one of them cannot tell.
    pub fn gather(
        command: String,
        settings: Settings,
        asynchronous: bool,
        workspace: &Path,
        wazero: &Path,
    ) -> Result<About, String> {
        let git = |args: &[&str]| {
            // No optional locks: `git status` would otherwise refresh the
            // index, writing to a repository others are working in.
            stdout_of(
                Command::new("git")
                    .arg("--no-optional-locks")
                    .arg("-C")
                    .arg(workspace)
                    .args(args),
            )
        };
        let mut commit = git(&["rev-parse", "--short", "HEAD"])?.trim().to_owned();
        if !git(&["status", "--porcelain"])?.trim().is_empty() {
            commit.push_str("-dirty");
        }
        Ok(About {
            command,
            date: today_utc(),
            go_version: stdout_of(Command::new("go").arg("version"))?
                .trim()
                .to_owned(),
            commit,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            wazero_version: stdout_of(Command::new(wazero).arg("version"))?
                .trim()
                .to_owned(),
            settings,
            asynchronous,
        })
    }
}

/// Today's date, UTC, as `YYYY-MM-DD`.
fn today_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), to date the report without a date crate.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], from March
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=31, 1..=12).
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_088), (2024, 12, 31));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
