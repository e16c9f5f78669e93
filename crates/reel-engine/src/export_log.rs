//! The export log: one row per export, successful or not, in a SQLite file in the user's
//! data folder (`exports.sqlite`; `REEL_DATA_DIR` overrides the folder). It is local
//! only: nothing is sent anywhere. `reel stats` reads it.
//!
//! Writing the log must never fail an export: [`record`] returns a [`LogError`] that the
//! caller shows as a warning (a read-only folder, a locked or corrupt database). Each row
//! is written in one transaction, so a crash never leaves half a row.
//!
//! # Figures
//! [`summarize`] counts exports by outcome and, per strategy and per encoder, gives the
//! success rate (`succeeded / (succeeded + failed)`: cancelled and refused exports are
//! counted but are not failures of the encode), the median speed (× realtime, successful
//! exports) and the 95th percentile of the export's wall time (successful exports).
//! Percentiles interpolate linearly between the closest ranks.

use reel_core::timeline::Timeline;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database's name inside the data folder.
pub const FILE_NAME: &str = "exports.sqlite";

/// Schema version, kept in SQLite's `user_version`.
pub const SCHEMA_VERSION: i32 = 2;

/// How long a write waits for another reel holding the database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// How an export ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The file was written and verified.
    Succeeded,
    /// ffmpeg failed, or the written file failed verification.
    Failed,
    /// Stopped by SIGINT/SIGTERM.
    Cancelled,
    /// Refused before encoding: invalid timeline, settings or destination, or no usable ffmpeg.
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Refused => "refused",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Succeeded, Self::Failed, Self::Cancelled, Self::Refused].into_iter().find(|o| o.as_str() == s)
    }
}

/// One export, as logged. Fields an export did not reach are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When the export started, UTC, RFC 3339 to the second.
    pub started_at: String,
    pub reel_version: String,
    /// SHA-256 of the parsed timeline (its meaning, not its formatting).
    pub timeline_hash: Option<String>,
    pub outcome: Outcome,
    /// What kind of failure: `ffmpeg`, `verify`, `output`, `invalid_input`, `environment`,
    /// `destination`, `usage`, `cancelled`.
    pub error_class: Option<String>,
    /// The sentence shown to the user.
    pub error: Option<String>,
    pub exit_code: i32,
    pub strategy: Option<String>,
    /// The encoder the plan chose.
    pub planned_encoder: Option<String>,
    /// The encoder that wrote the file (differs after a fallback).
    pub encoder: Option<String>,
    /// Why a hardware encoder was replaced by the software one.
    pub fallback: Option<String>,
    pub preset: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fps: Option<String>,
    /// Output duration, seconds.
    pub duration: Option<f64>,
    pub size_bytes: Option<u64>,
    pub probe_s: Option<f64>,
    pub plan_s: Option<f64>,
    pub encode_s: Option<f64>,
    pub verify_s: Option<f64>,
    /// Wall time of the whole export, seconds.
    pub total_s: Option<f64>,
    /// Output duration over encode time.
    pub speed: Option<f64>,
    pub reel_cpu_s: Option<f64>,
    pub ffmpeg_cpu_s: Option<f64>,
    /// Peak resident memory of the largest ffmpeg process, bytes.
    pub ffmpeg_peak_rss: Option<u64>,
    /// Parts (segments, the audio) rendered by this export.
    #[serde(default)]
    pub segments_rendered: Option<u64>,
    /// Parts taken from the segment cache.
    #[serde(default)]
    pub segments_reused: Option<u64>,
    /// Bytes of the reused parts.
    #[serde(default)]
    pub cache_reused_bytes: Option<u64>,
    /// Seconds the reused parts took to render when they were made.
    #[serde(default)]
    pub cache_seconds_saved: Option<f64>,
}

impl Entry {
    /// An entry for an export that started at `started_at` and has nothing else known yet.
    pub fn new(started_at: std::time::SystemTime, outcome: Outcome, exit_code: i32) -> Self {
        Self {
            started_at: humantime::format_rfc3339_seconds(started_at).to_string(),
            reel_version: env!("CARGO_PKG_VERSION").to_owned(),
            timeline_hash: None,
            outcome,
            error_class: None,
            error: None,
            exit_code,
            strategy: None,
            planned_encoder: None,
            encoder: None,
            fallback: None,
            preset: None,
            width: None,
            height: None,
            fps: None,
            duration: None,
            size_bytes: None,
            probe_s: None,
            plan_s: None,
            encode_s: None,
            verify_s: None,
            total_s: None,
            speed: None,
            reel_cpu_s: None,
            ffmpeg_cpu_s: None,
            ffmpeg_peak_rss: None,
            segments_rendered: None,
            segments_reused: None,
            cache_reused_bytes: None,
            cache_seconds_saved: None,
        }
    }
}

impl Entry {
    /// Records what the plan decided (before anything runs, so a failed export has it too).
    pub fn add_plan(&mut self, plan: &reel_core::plan::Plan) {
        self.strategy = Some(plan.strategy.as_str().to_owned());
        self.planned_encoder = Some(plan.output.encoder.clone());
        self.encoder = Some(plan.output.encoder.clone());
        self.preset = Some(plan.output.preset.clone());
        self.width = Some(plan.output.width);
        self.height = Some(plan.output.height);
        self.fps = Some(plan.output.fps.to_string());
        self.duration = Some(plan.duration);
    }

    /// Records what a finished export reported.
    pub fn add_report(&mut self, report: &reel_wire::ExportReport) {
        self.strategy = Some(report.strategy.clone());
        self.encoder = Some(report.encoder.clone());
        self.fallback = report.fallback.clone();
        self.preset = report.preset.clone();
        self.width = Some(report.width);
        self.height = Some(report.height);
        self.fps = Some(report.fps.clone());
        self.duration = Some(report.duration);
        self.size_bytes = Some(report.size_bytes);
        let t = &report.timings;
        (self.probe_s, self.plan_s, self.encode_s, self.verify_s, self.total_s) =
            (Some(t.probe), Some(t.plan), Some(t.encode), Some(t.verify), Some(t.total));
        self.speed = Some(report.speed);
        if let Some(parts) = &report.segments {
            self.segments_rendered = Some(u64::from(parts.rendered));
            self.segments_reused = Some(u64::from(parts.reused));
            self.cache_reused_bytes = Some(parts.reused_bytes);
            self.cache_seconds_saved = Some(parts.seconds_saved);
        }
    }

    /// Records CPU time and peak memory.
    pub fn add_resources(&mut self, usage: &reel_wire::ResourceUsage) {
        self.reel_cpu_s = Some(usage.reel_cpu);
        self.ffmpeg_cpu_s = Some(usage.ffmpeg_cpu);
        self.ffmpeg_peak_rss = Some(usage.ffmpeg_peak_rss);
    }
}

/// The columns, in table order; [`Entry`]'s fields have the same names.
pub const COLUMNS: &[&str] = &[
    "started_at",
    "reel_version",
    "timeline_hash",
    "outcome",
    "error_class",
    "error",
    "exit_code",
    "strategy",
    "planned_encoder",
    "encoder",
    "fallback",
    "preset",
    "width",
    "height",
    "fps",
    "duration",
    "size_bytes",
    "probe_s",
    "plan_s",
    "encode_s",
    "verify_s",
    "total_s",
    "speed",
    "reel_cpu_s",
    "ffmpeg_cpu_s",
    "ffmpeg_peak_rss",
    "segments_rendered",
    "segments_reused",
    "cache_reused_bytes",
    "cache_seconds_saved",
];

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS exports (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    reel_version TEXT NOT NULL,
    timeline_hash TEXT,
    outcome TEXT NOT NULL,
    error_class TEXT,
    error TEXT,
    exit_code INTEGER NOT NULL,
    strategy TEXT,
    planned_encoder TEXT,
    encoder TEXT,
    fallback TEXT,
    preset TEXT,
    width INTEGER,
    height INTEGER,
    fps TEXT,
    duration REAL,
    size_bytes INTEGER,
    probe_s REAL,
    plan_s REAL,
    encode_s REAL,
    verify_s REAL,
    total_s REAL,
    speed REAL,
    reel_cpu_s REAL,
    ffmpeg_cpu_s REAL,
    ffmpeg_peak_rss INTEGER,
    segments_rendered INTEGER,
    segments_reused INTEGER,
    cache_reused_bytes INTEGER,
    cache_seconds_saved REAL
);
CREATE INDEX IF NOT EXISTS exports_started_at ON exports (started_at);";

/// What turns a schema-1 log (before the segment cache) into schema 2.
const MIGRATE_1_TO_2: &str = "ALTER TABLE exports ADD COLUMN segments_rendered INTEGER;
ALTER TABLE exports ADD COLUMN segments_reused INTEGER;
ALTER TABLE exports ADD COLUMN cache_reused_bytes INTEGER;
ALTER TABLE exports ADD COLUMN cache_seconds_saved REAL;";

/// The log could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("cannot create the folder of the export log {path}: {reason}. Set REEL_DATA_DIR to a writable folder to keep a log")]
    Folder { path: String, reason: String },
    #[error("the export log {path} cannot be used: {reason}. {advice}")]
    Database { path: String, reason: String, advice: &'static str },
}

impl LogError {
    fn database(path: &Path, e: &rusqlite::Error) -> Self {
        let advice = match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                "Another reel is writing it; this export was not logged"
            }
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                "It is damaged: move it away and reel starts a new one"
            }
            Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::PermissionDenied) => {
                "Make it (and its folder) writable, or set REEL_DATA_DIR to a writable folder"
            }
            _ => "Move it away to start a new log",
        };
        Self::Database { path: path.display().to_string(), reason: e.to_string(), advice }
    }
}

/// Where the log is: `$REEL_DATA_DIR/exports.sqlite`, else the platform's data folder
/// for reel (`~/.local/share/reel` on Linux).
pub fn log_path() -> Option<PathBuf> {
    crate::folders::data().map(|dir| dir.join(FILE_NAME))
}

fn open(path: &Path) -> Result<Connection, LogError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| LogError::Folder { path: dir.display().to_string(), reason: e.to_string() })?;
    }
    let fail = |e: rusqlite::Error| LogError::database(path, &e);
    let mut db = Connection::open(path).map_err(fail)?;
    db.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
    let version: i32 = db.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(fail)?;
    if version > SCHEMA_VERSION {
        return Err(LogError::Database {
            path: path.display().to_string(),
            reason: format!("it was written by a newer reel (schema {version}, this one knows {SCHEMA_VERSION})"),
            advice: "Use that reel's `reel stats`, or move the file away",
        });
    }
    if version < SCHEMA_VERSION {
        let tx = db.transaction().map_err(fail)?;
        if version == 1 {
            tx.execute_batch(MIGRATE_1_TO_2).map_err(fail)?;
        }
        tx.execute_batch(SCHEMA).map_err(fail)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(db)
}

/// Appends one export to the log at `path` (created when missing), in one transaction.
pub fn record(path: &Path, entry: &Entry) -> Result<(), LogError> {
    let fail = |e: rusqlite::Error| LogError::database(path, &e);
    let mut db = open(path)?;
    let tx = db.transaction().map_err(fail)?;
    let placeholders = vec!["?"; COLUMNS.len()].join(", ");
    tx.execute(
        &format!("INSERT INTO exports ({}) VALUES ({placeholders})", COLUMNS.join(", ")),
        params![
            entry.started_at,
            entry.reel_version,
            entry.timeline_hash,
            entry.outcome.as_str(),
            entry.error_class,
            entry.error,
            entry.exit_code,
            entry.strategy,
            entry.planned_encoder,
            entry.encoder,
            entry.fallback,
            entry.preset,
            entry.width,
            entry.height,
            entry.fps,
            entry.duration,
            entry.size_bytes.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            entry.probe_s,
            entry.plan_s,
            entry.encode_s,
            entry.verify_s,
            entry.total_s,
            entry.speed,
            entry.reel_cpu_s,
            entry.ffmpeg_cpu_s,
            entry.ffmpeg_peak_rss.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            entry.segments_rendered.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            entry.segments_reused.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            entry.cache_reused_bytes.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            entry.cache_seconds_saved,
        ],
    )
    .map_err(fail)?;
    tx.commit().map_err(fail)
}

/// The exports logged at or after `since` (RFC 3339 UTC, as [`Entry::started_at`]), oldest
/// first. A log that does not exist yet has no exports.
pub fn read(path: &Path, since: Option<&str>) -> Result<Vec<Entry>, LogError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let fail = |e: rusqlite::Error| LogError::database(path, &e);
    let db = open(path)?;
    let mut query =
        db.prepare(&format!("SELECT {} FROM exports WHERE started_at >= ?1 ORDER BY started_at, id", COLUMNS.join(", "))).map_err(fail)?;
    let rows = query
        .query_map([since.unwrap_or("")], |r| {
            let outcome: String = r.get("outcome")?;
            Ok(Entry {
                started_at: r.get("started_at")?,
                reel_version: r.get("reel_version")?,
                timeline_hash: r.get("timeline_hash")?,
                outcome: Outcome::parse(&outcome).unwrap_or(Outcome::Failed),
                error_class: r.get("error_class")?,
                error: r.get("error")?,
                exit_code: r.get("exit_code")?,
                strategy: r.get("strategy")?,
                planned_encoder: r.get("planned_encoder")?,
                encoder: r.get("encoder")?,
                fallback: r.get("fallback")?,
                preset: r.get("preset")?,
                width: r.get("width")?,
                height: r.get("height")?,
                fps: r.get("fps")?,
                duration: r.get("duration")?,
                size_bytes: r.get::<_, Option<i64>>("size_bytes")?.and_then(|s| u64::try_from(s).ok()),
                probe_s: r.get("probe_s")?,
                plan_s: r.get("plan_s")?,
                encode_s: r.get("encode_s")?,
                verify_s: r.get("verify_s")?,
                total_s: r.get("total_s")?,
                speed: r.get("speed")?,
                reel_cpu_s: r.get("reel_cpu_s")?,
                ffmpeg_cpu_s: r.get("ffmpeg_cpu_s")?,
                ffmpeg_peak_rss: r.get::<_, Option<i64>>("ffmpeg_peak_rss")?.and_then(|s| u64::try_from(s).ok()),
                segments_rendered: r.get::<_, Option<i64>>("segments_rendered")?.and_then(|s| u64::try_from(s).ok()),
                segments_reused: r.get::<_, Option<i64>>("segments_reused")?.and_then(|s| u64::try_from(s).ok()),
                cache_reused_bytes: r.get::<_, Option<i64>>("cache_reused_bytes")?.and_then(|s| u64::try_from(s).ok()),
                cache_seconds_saved: r.get("cache_seconds_saved")?,
            })
        })
        .map_err(fail)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(fail)
}

/// The number of exports in the log, or `None` when it does not exist.
pub fn count(path: &Path) -> Result<Option<u64>, LogError> {
    if !path.exists() {
        return Ok(None);
    }
    let db = open(path)?;
    db.query_row("SELECT count(*) FROM exports", [], |r| r.get::<_, i64>(0))
        .map(|n| Some(u64::try_from(n).unwrap_or(0)))
        .map_err(|e| LogError::database(path, &e))
}

/// A stable identity for a timeline's content: SHA-256 of its parsed form, so formatting
/// and key order do not change it.
pub fn timeline_hash(timeline: &Timeline) -> String {
    let json = serde_json::to_vec(timeline).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

/// Figures for a group of exports (one strategy, one encoder).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub exports: usize,
    pub succeeded: usize,
    pub failed: usize,
    /// `succeeded / (succeeded + failed)`; `None` when neither happened.
    pub success_rate: Option<f64>,
    /// Median output-duration-over-encode-time of successful exports.
    pub median_speed: Option<f64>,
    /// 95th percentile of successful exports' wall time, seconds.
    pub p95_time: Option<f64>,
}

/// How often a planned encoder was replaced by another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fallbacks {
    pub from: String,
    pub to: String,
    pub count: usize,
}

/// What `reel stats` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// The oldest time counted (RFC 3339), `None` for the whole log.
    pub since: Option<String>,
    pub exports: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub cancelled: usize,
    pub refused: usize,
    pub success_rate: Option<f64>,
    pub median_speed: Option<f64>,
    pub p95_time: Option<f64>,
    pub by_strategy: Vec<Group>,
    pub by_encoder: Vec<Group>,
    pub fallbacks: Vec<Fallbacks>,
}

/// The `p`th percentile (0-100) of `values`, interpolating linearly between the closest
/// ranks; `None` for no values.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let rank = (p / 100.0).clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (rank - lo as f64))
}

fn group(name: &str, entries: &[&Entry]) -> Group {
    let count = |o: Outcome| entries.iter().filter(|e| e.outcome == o).count();
    let (succeeded, failed) = (count(Outcome::Succeeded), count(Outcome::Failed));
    let ok: Vec<&&Entry> = entries.iter().filter(|e| e.outcome == Outcome::Succeeded).collect();
    let speeds: Vec<f64> = ok.iter().filter_map(|e| e.speed).collect();
    let times: Vec<f64> = ok.iter().filter_map(|e| e.total_s).collect();
    Group {
        name: name.to_owned(),
        exports: entries.len(),
        succeeded,
        failed,
        success_rate: (succeeded + failed > 0).then(|| succeeded as f64 / (succeeded + failed) as f64),
        median_speed: percentile(&speeds, 50.0),
        p95_time: percentile(&times, 95.0),
    }
}

/// Groups entries by a key, in order of the key's name; entries without one are left out.
fn groups_by(entries: &[Entry], key: impl Fn(&Entry) -> Option<&str>) -> Vec<Group> {
    let mut names: Vec<&str> = entries.iter().filter_map(&key).collect();
    names.sort_unstable();
    names.dedup();
    names.into_iter().map(|name| group(name, &entries.iter().filter(|e| key(e) == Some(name)).collect::<Vec<_>>())).collect()
}

/// The figures `reel stats` shows, from the logged exports.
pub fn summarize(entries: &[Entry], since: Option<&str>) -> Stats {
    let all = group("all", &entries.iter().collect::<Vec<_>>());
    let count = |o: Outcome| entries.iter().filter(|e| e.outcome == o).count();
    let mut fallbacks: Vec<Fallbacks> = Vec::new();
    for e in entries.iter().filter(|e| e.fallback.is_some()) {
        let (Some(from), Some(to)) = (e.planned_encoder.as_deref(), e.encoder.as_deref()) else { continue };
        match fallbacks.iter_mut().find(|f| f.from == from && f.to == to) {
            Some(f) => f.count += 1,
            None => fallbacks.push(Fallbacks { from: from.to_owned(), to: to.to_owned(), count: 1 }),
        }
    }
    Stats {
        since: since.map(str::to_owned),
        exports: entries.len(),
        succeeded: all.succeeded,
        failed: all.failed,
        cancelled: count(Outcome::Cancelled),
        refused: count(Outcome::Refused),
        success_rate: all.success_rate,
        median_speed: all.median_speed,
        p95_time: all.p95_time,
        by_strategy: groups_by(entries, |e| e.strategy.as_deref()),
        by_encoder: groups_by(entries, |e| e.encoder.as_deref()),
        fallbacks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_of_the_first_schema_gains_the_cache_columns() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(FILE_NAME);
        {
            // Schema 1, as reel before the segment cache wrote it, with one row.
            let db = Connection::open(&path).unwrap();
            let v1 = SCHEMA
                .replace(",\n    segments_rendered INTEGER,\n    segments_reused INTEGER,\n    cache_reused_bytes INTEGER,\n    cache_seconds_saved REAL", "");
            assert!(!v1.contains("segments_rendered"), "{v1}");
            db.execute_batch(&v1).unwrap();
            db.execute("INSERT INTO exports (started_at, reel_version, outcome, exit_code) VALUES ('2026-01-01T00:00:00Z', '0.1.0', 'succeeded', 0)", [])
                .unwrap();
            db.pragma_update(None, "user_version", 1).unwrap();
        }
        let mut entry = Entry::new(std::time::SystemTime::now(), Outcome::Succeeded, 0);
        (entry.segments_rendered, entry.segments_reused, entry.cache_seconds_saved) = (Some(2), Some(7), Some(3.5));
        record(&path, &entry).unwrap();
        let rows = read(&path, None).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].segments_rendered, rows[0].reel_version.as_str()), (None, "0.1.0"));
        assert_eq!((rows[1].segments_rendered, rows[1].segments_reused, rows[1].cache_seconds_saved), (Some(2), Some(7), Some(3.5)));
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[3.0], 95.0), Some(3.0));
        assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 50.0), Some(2.5));
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 50.0), Some(2.0));
        // 21 values 0..=20: rank 0.95 * 20 = 19.
        let v: Vec<f64> = (0..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 95.0), Some(19.0));
        assert!((percentile(&[0.0, 10.0], 95.0).unwrap() - 9.5).abs() < 1e-12);
    }

    #[test]
    fn writes_then_reads_rows_in_a_window() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep").join(FILE_NAME);
        assert_eq!(read(&path, None).unwrap(), Vec::new(), "no log yet is no exports");
        assert!(!path.exists(), "reading does not create the log");
        let mut a = Entry::new(std::time::UNIX_EPOCH + Duration::from_secs(1_000_000_000), Outcome::Succeeded, 0);
        a.speed = Some(2.0);
        a.size_bytes = Some(123);
        let b = Entry { started_at: "2026-01-01T00:00:00Z".into(), outcome: Outcome::Cancelled, exit_code: 130, ..a.clone() };
        record(&path, &a).unwrap();
        record(&path, &b).unwrap();
        assert_eq!(a.started_at, "2001-09-09T01:46:40Z");
        assert_eq!(read(&path, None).unwrap(), vec![a, b.clone()]);
        assert_eq!(read(&path, Some("2025-12-31T00:00:00Z")).unwrap(), vec![b]);
        assert_eq!(count(&path).unwrap(), Some(2));
    }

    #[test]
    fn a_damaged_or_newer_log_is_a_sentence_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let e = record(&path, &Entry::new(std::time::SystemTime::now(), Outcome::Failed, 1)).unwrap_err().to_string();
        assert!(e.contains("is not a database") && e.contains("move it away and reel starts a new one"), "{e}");
        let newer = dir.path().join("newer.sqlite");
        Connection::open(&newer).unwrap().pragma_update(None, "user_version", 9).unwrap();
        let e = read(&newer, None).unwrap_err().to_string();
        assert!(e.contains("written by a newer reel (schema 9, this one knows 2)"), "{e}");
    }
}
