//! `reel stats`: what the export log says about the exports in a time window: success
//! rate, median speed and 95th-percentile time, per strategy and per encoder, and how
//! often a hardware encoder fell back to software. `--json` for programs, `--export
//! FILE.csv` for a spreadsheet.

use super::{print_json, print_out, Result};
use crate::{Cli, StatsArgs};
use reel_engine::export_log::{self, Group, Stats};
use reel_engine::Error;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The oldest start time counted for `--since` (RFC 3339), `None` for "all".
fn window_start(since: &str, now: SystemTime) -> std::result::Result<Option<String>, String> {
    if since == "all" {
        return Ok(None);
    }
    let span: Duration = humantime::parse_duration(since)
        .map_err(|e| format!("--since {since:?} is not a duration such as 30d, 12h or 2w, nor \"all\" ({e})"))?;
    let start = now.checked_sub(span).unwrap_or(SystemTime::UNIX_EPOCH);
    Ok(Some(humantime::format_rfc3339_seconds(start).to_string()))
}

pub(crate) fn run(_cli: &Cli, args: &StatsArgs) -> Result {
    let since = window_start(&args.since, SystemTime::now()).map_err(Error::Usage)?;
    let Some(path) = export_log::log_path() else {
        return Err(Error::NoFolder { what: "data (export log)", variable: "REEL_DATA_DIR" });
    };
    let entries = export_log::read(&path, since.as_deref())?;
    if let Some(target) = &args.export {
        return write_csv(target, &entries);
    }
    let stats = export_log::summarize(&entries, since.as_deref());
    if args.json {
        print_json(&stats)
    } else {
        print_out(&render(&stats, &path))
    }
}

/// The rows as CSV, header first; to a file (written whole, then renamed into place) or stdout.
fn write_csv(target: &Path, entries: &[export_log::Entry]) -> Result {
    let unrendered = |e: csv::Error| Error::Write { what: "the log as CSV (a bug in reel, please report it)".to_owned(), source: e.into() };
    let mut writer = csv::Writer::from_writer(Vec::new());
    for e in entries {
        writer.serialize(e).map_err(unrendered)?;
    }
    let mut bytes = writer.into_inner().map_err(|e| unrendered(csv::Error::from(e.into_error())))?;
    if entries.is_empty() {
        // serde writes the header with the first row; an empty window still gets one.
        bytes = (reel_engine::export_log::COLUMNS.join(",") + "\n").into_bytes();
    }
    if target == Path::new("-") {
        return print_out(&String::from_utf8_lossy(&bytes));
    }
    let folder = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let written = tempfile::NamedTempFile::new_in(folder)
        .and_then(|mut tmp| std::io::Write::write_all(&mut tmp, &bytes).map(|()| tmp))
        .and_then(|tmp| tmp.persist(target).map_err(|e| e.error));
    match written {
        Ok(_) => {
            eprintln!("wrote {} exports to {}", entries.len(), target.display());
            Ok(())
        }
        Err(e) => Err(Error::Write { what: target.display().to_string(), source: e }),
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn speed(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_owned(), |s| format!("{s:.2}x"))
}

fn seconds(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_owned(), |s| format!("{s:.1} s"))
}

fn table(title: &str, groups: &[Group]) -> String {
    let width = groups.iter().map(|g| g.name.len()).chain([title.len()]).max().unwrap_or(0);
    let mut out = format!("{title:<width$}  exports  succeeded  failed  success  median speed  p95 time\n");
    for g in groups {
        out.push_str(&format!(
            "{:<width$}  {:>7}  {:>9}  {:>6}  {:>7}  {:>12}  {:>8}\n",
            g.name,
            g.exports,
            g.succeeded,
            g.failed,
            percent(g.success_rate),
            speed(g.median_speed),
            seconds(g.p95_time)
        ));
    }
    out
}

fn render(stats: &Stats, path: &Path) -> String {
    let window = stats.since.as_ref().map_or_else(|| "in the whole log".to_owned(), |s| format!("since {s}"));
    if stats.exports == 0 {
        return format!("no exports {window} (log: {})\n", path.display());
    }
    let mut out = format!(
        "{} exports {window}: {} succeeded, {} failed, {} cancelled, {} refused\nsuccess rate {} (succeeded / (succeeded + failed)), median speed {}, p95 time {}\n\n",
        stats.exports,
        stats.succeeded,
        stats.failed,
        stats.cancelled,
        stats.refused,
        percent(stats.success_rate),
        speed(stats.median_speed),
        seconds(stats.p95_time)
    );
    out.push_str(&table("strategy", &stats.by_strategy));
    out.push('\n');
    out.push_str(&table("encoder", &stats.by_encoder));
    for f in &stats.fallbacks {
        out.push_str(&format!("\n{} fell back to {} {} time(s)", f.from, f.to, f.count));
    }
    if !stats.fallbacks.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!("\nlog: {}\n", path.display()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(window_start("all", now), Ok(None));
        assert_eq!(window_start("1d", now).unwrap().as_deref(), Some("2001-09-08T01:46:40Z"));
        assert_eq!(window_start("2w", now).unwrap().as_deref(), Some("2001-08-26T01:46:40Z"));
        assert!(window_start("soon", now).unwrap_err().contains("--since \"soon\" is not a duration"));
    }
}
