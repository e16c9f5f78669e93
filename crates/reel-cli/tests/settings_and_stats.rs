//! User settings (precedence, a broken file, `--init`, the output folder) and the export
//! log (written whatever happens to it, summed up by `reel stats`), through the real binary.

mod common;

use common::Env;
use reel_engine::export_log::{self, Entry, Outcome};
use reel_testkit::{fixture, Fixture};
use serde_json::Value;

const TIMELINE: &str = r#"{"reel":1,"output":{"fps":30,"preset":"draft"},"video":[{"source":"a.mp4","in":0.5,"out":1.5}]}"#;

fn with_clip() -> Env {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.timeline(TIMELINE);
    env
}

fn write_settings(env: &Env, toml: &str) {
    std::fs::create_dir_all(env.config_dir()).unwrap();
    std::fs::write(env.config_dir().join("settings.toml"), toml).unwrap();
}

/// `(value, source)` of one setting in `reel settings --json`.
fn setting(json: &Value, name: &str) -> (Value, String) {
    let row = json["settings"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap_or_else(|| panic!("no {name} in {json}"));
    (row["value"].clone(), row["source"].as_str().unwrap().to_owned())
}

#[test]
fn flag_beats_timeline_beats_settings_file_beats_default() {
    let env = with_clip();
    write_settings(&env, "[output]\nwidth = 256\nheight = 144\nfps = 25\npreset = \"production\"\naudio_channels = 1\n");
    let json = env.reel(&["settings", "timeline.json", "--preset", "preview", "--json"]).ok().json();
    assert_eq!(setting(&json, "preset"), ("preview".into(), "flag".into()));
    assert_eq!(setting(&json, "fps"), ("30".into(), "timeline (timeline.json)".into()));
    assert_eq!(setting(&json, "width"), (256.into(), "settings file".into()));
    assert_eq!(setting(&json, "audio_sample_rate"), (48_000.into(), "default".into()));
    assert_eq!(json["settings_file"]["found"], true);
    // The export uses exactly these.
    let report = env.export(TIMELINE, &["--preset", "preview"]);
    assert_eq!(
        (report["width"].as_u64(), report["height"].as_u64(), report["fps"].as_str(), report["preset"].as_str()),
        (Some(256), Some(144), Some("30"), Some("preview"))
    );
    let probe = reel_testkit::probe(&env.path("out.mp4"));
    let audio = probe["streams"].as_array().unwrap().iter().find(|s| s["codec_type"] == "audio").unwrap();
    // Mono from the settings file (the default is stereo), 48 kHz by default.
    assert_eq!((audio["channels"].as_u64(), audio["sample_rate"].as_str()), (Some(1), Some("48000")), "{audio}");
    // The human table says the same.
    let table = env.reel(&["settings", "timeline.json", "--preset", "preview"]).ok().stdout();
    let line = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {table}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("preset"), "preset preview flag");
    assert_eq!(line("width"), "width 256 settings file");
    assert_eq!(line("quality"), "quality (from the preset) default");
}

#[test]
fn a_broken_settings_file_is_refused_with_its_line_before_anything_runs() {
    let env = with_clip();
    write_settings(&env, "[output]\nwidth = 640\npreset = \"fastest\"\n");
    let run = env.reel(&["export", "timeline.json", "-o", "out.mp4", "--progress", "none"]).code(3);
    insta::assert_snapshot!(run.stderr(), @r#"error: settings file [CACHE]/config/settings.toml, line 3, column 10: unknown variant `fastest`, expected one of `draft`, `preview`, `production`, `auto`. Fix that line (the keys are those of a timeline's "output", under [output], and output_folder), or move the file away to use the built-in defaults"#);
    assert!(!env.path("out.mp4").exists());
    let jsonl = env.reel(&["export", "timeline.json", "-o", "out.mp4", "--progress", "jsonl"]).code(3).stdout();
    let lines: Vec<&str> = jsonl.lines().collect();
    assert!(
        lines.len() == 2
            && lines[0].contains(r#""type":"start""#)
            && lines[1].contains(r#""type":"error""#)
            && lines[1].contains("line 3, column 10"),
        "{jsonl}"
    );
    env.reel(&["settings"]).code(3).stderr_has(&["line 3, column 10"]);
    env.reel(&["plan", "timeline.json"]).code(3).stderr_has(&["line 3, column 10"]);
    write_settings(&env, "[output]\nwidht = 640\n");
    env.reel(&["settings"]).code(3).stderr_has(&["line 2, column 1: unknown field `widht`"]);
}

#[test]
fn init_writes_a_template_once_and_it_changes_nothing() {
    let env = with_clip();
    let before = env.reel(&["settings", "--json"]).ok().json();
    assert_eq!(before["settings_file"]["found"], false);
    env.reel(&["settings", "--init"]).ok();
    let text = std::fs::read_to_string(env.config_dir().join("settings.toml")).unwrap();
    assert!(text.contains("# preset = \"auto\"") && text.contains("# output_folder"), "{text}");
    let after = env.reel(&["settings", "--json"]).ok().json();
    assert_eq!(after["settings_file"]["found"], true);
    assert_eq!(after["settings"], before["settings"], "a template of defaults changes no setting");
    std::fs::write(env.config_dir().join("settings.toml"), "# mine\n").unwrap();
    let again = env.reel(&["settings", "--init"]).ok().stdout();
    assert!(again.contains("already exists; it was left as it is"), "{again}");
    assert_eq!(std::fs::read_to_string(env.config_dir().join("settings.toml")).unwrap(), "# mine\n");
}

#[test]
fn without_o_the_export_goes_to_the_output_folder_or_beside_the_timeline() {
    let env = with_clip();
    env.reel(&["export", "timeline.json", "--progress", "none"]).ok();
    assert!(reel_testkit::moov_before_mdat(&env.path("timeline.mp4")), "beside the timeline");
    let folder = env.mkdir("exports");
    write_settings(&env, &format!("output_folder = {:?}\n", folder.display().to_string()));
    env.reel(&["export", "timeline.json", "--progress", "none"]).ok();
    assert!(reel_testkit::moov_before_mdat(&folder.join("timeline.mp4")), "in output_folder");
    let json = env.reel(&["settings", "--json"]).ok().json();
    assert_eq!(setting(&json, "output_folder"), (folder.display().to_string().into(), "settings file".into()));
}

#[test]
fn an_unwritable_damaged_or_locked_log_never_fails_the_export() {
    // Not writable: the data folder would have to be made inside a regular file (root
    // ignores permission bits, this fails for every user).
    let env = with_clip().with_env("REEL_DATA_DIR", "blocker/data");
    env.write("blocker", "a file, not a folder");
    env.reel(&["export", "timeline.json", "-o", "out.mp4", "--progress", "none"])
        .ok()
        .stderr_has(&["warning: this export was not logged: cannot create the folder of the export log", "REEL_DATA_DIR"]);
    assert!(reel_testkit::moov_before_mdat(&env.path("out.mp4")));

    // Damaged.
    let env = with_clip();
    std::fs::create_dir_all(env.data_dir()).unwrap();
    std::fs::write(env.data_dir().join(export_log::FILE_NAME), vec![7_u8; 8192]).unwrap();
    env.reel(&["export", "timeline.json", "-o", "out.mp4", "--progress", "none"])
        .ok()
        .stderr_has(&["warning: this export was not logged", "move it away and reel starts a new one"]);

    // Locked by another writer for longer than reel waits.
    let env = with_clip();
    let log = env.data_dir().join(export_log::FILE_NAME);
    export_log::record(&log, &Entry::new(std::time::SystemTime::now(), Outcome::Succeeded, 0)).unwrap();
    let holder = rusqlite::Connection::open(&log).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let run = env.reel(&["export", "timeline.json", "-o", "out.mp4", "--progress", "jsonl"]).ok();
    let stdout = run.stdout();
    let warning = stdout
        .lines()
        .find(|l| l.contains(r#""type":"warning""#) && l.contains("not logged"))
        .unwrap_or_else(|| panic!("a warning event: {stdout}"));
    assert!(warning.contains("Another reel is writing it"), "{warning}");
    assert!(stdout.lines().last().unwrap().contains(r#""type":"done""#), "done is still the last line");
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(export_log::count(&log).unwrap(), Some(1), "only the seeded row");
}

/// A logged export with the figures the stats are computed from.
fn row(days_ago: u64, outcome: Outcome, strategy: &str, encoder: &str, speed: f64, total: f64) -> Entry {
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(days_ago * 86_400 + 60);
    let code = match outcome {
        Outcome::Succeeded => 0,
        Outcome::Cancelled => 130,
        Outcome::Failed | Outcome::Refused => 1,
    };
    let mut e = Entry::new(when, outcome, code);
    e.strategy = Some(strategy.to_owned());
    e.planned_encoder = Some(encoder.to_owned());
    e.encoder = Some(encoder.to_owned());
    if outcome == Outcome::Succeeded {
        (e.speed, e.total_s) = (Some(speed), Some(total));
    } else {
        e.error_class = Some("ffmpeg".to_owned());
    }
    e
}

#[test]
fn stats_are_computed_from_the_log() {
    let env = Env::new();
    let log = env.data_dir().join(export_log::FILE_NAME);
    let mut fell_back = row(1, Outcome::Succeeded, "single_pass", "libx264", 1.5, 30.0);
    (fell_back.planned_encoder, fell_back.fallback) =
        (Some("h264_nvenc".into()), Some("h264_nvenc failed: Cannot load libcuda.so.1".into()));
    let rows = [
        row(1, Outcome::Succeeded, "copy", "copy", 40.0, 1.0),
        row(2, Outcome::Succeeded, "copy", "copy", 60.0, 3.0),
        row(1, Outcome::Succeeded, "single_pass", "libx264", 2.0, 10.0),
        row(3, Outcome::Succeeded, "single_pass", "libx264", 1.0, 20.0),
        fell_back,
        row(2, Outcome::Failed, "single_pass", "libx264", 0.0, 0.0),
        row(2, Outcome::Cancelled, "single_pass", "libx264", 0.0, 0.0),
        Entry { error_class: Some("invalid_input".into()), ..Entry::new(std::time::SystemTime::now(), Outcome::Refused, 3) },
        // Outside a 30-day window.
        row(40, Outcome::Failed, "copy", "copy", 0.0, 0.0),
    ];
    for r in &rows {
        export_log::record(&log, r).unwrap();
    }
    let s = env.reel(&["stats", "--json"]).ok().json();
    assert_eq!(
        (s["exports"].as_u64(), s["succeeded"].as_u64(), s["failed"].as_u64(), s["cancelled"].as_u64(), s["refused"].as_u64()),
        (Some(8), Some(5), Some(1), Some(1), Some(1))
    );
    let close = |v: &Value, x: f64| assert!((v.as_f64().unwrap() - x).abs() < 1e-9, "{v} != {x}");
    close(&s["success_rate"], 5.0 / 6.0);
    let group = |list: &str, name: &str| s[list].as_array().unwrap().iter().find(|g| g["name"] == name).unwrap().clone();
    let copy = group("by_strategy", "copy");
    close(&copy["success_rate"], 1.0);
    close(&copy["median_speed"], 50.0);
    close(&copy["p95_time"], 1.0 + 0.95 * 2.0);
    let x264 = group("by_encoder", "libx264");
    assert_eq!((x264["exports"].as_u64(), x264["succeeded"].as_u64(), x264["failed"].as_u64()), (Some(5), Some(3), Some(1)));
    close(&x264["success_rate"], 0.75);
    close(&x264["median_speed"], 1.5);
    close(&x264["p95_time"], 20.0 + 0.9 * 10.0);
    assert_eq!(s["fallbacks"], serde_json::json!([{"from": "h264_nvenc", "to": "libx264", "count": 1}]));
    // The whole log includes the old failure.
    let all = env.reel(&["stats", "--since", "all", "--json"]).ok().json();
    assert_eq!((all["exports"].as_u64(), all["failed"].as_u64()), (Some(9), Some(2)));
    // The table.
    let table = env.reel(&["stats"]).ok().stdout();
    assert!(table.contains("8 exports since ") && table.contains("5 succeeded, 1 failed, 1 cancelled, 1 refused"), "{table}");
    assert!(table.contains("success rate 83.3%"), "{table}");
    let copy_line = table.lines().find(|l| l.starts_with("copy ")).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(copy_line, "copy 2 2 0 100.0% 50.00x 2.9 s");
    assert!(table.contains("h264_nvenc fell back to libx264 1 time(s)"), "{table}");
    // CSV for a spreadsheet: a header naming the columns, one line per export in the window.
    env.reel(&["stats", "--export", "log.csv"]).ok();
    let csv = std::fs::read_to_string(env.path("log.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), export_log::COLUMNS.join(","));
    assert_eq!(lines.count(), 8);
    assert!(csv.contains("Cannot load libcuda.so.1"));
    env.reel(&["stats", "--since", "soon"]).code(2).stderr_has(&["--since \"soon\" is not a duration"]);
}

#[test]
fn stats_without_a_log_say_so() {
    let env = Env::new();
    let out = env.reel(&["stats"]).ok().stdout();
    assert!(out.starts_with("no exports since "), "{out}");
    let csv = env.reel(&["stats", "--export", "-"]).ok().stdout();
    assert_eq!(csv.trim_end(), export_log::COLUMNS.join(","));
}
