//! The fault suite: what a hostile user (or an unlucky one) does to an export, through the
//! real binary and the real ffmpeg (issue 13). Each test asserts the exit code, the
//! sentence, the destination's bytes, and that no work folder and no process is left
//! behind.

mod common;

use common::{which, Env};
use reel_testkit::{fixture, Fixture};
use reel_wire::exit;
use std::path::Path;

/// A short single-pass export of the 6-second test clip.
const SHORT: &str = r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"a.mp4","in":0.5,"out":2.5}]}"#;

/// An `Env` with the 6-second 30 fps test clip linked as `a.mp4`.
fn with_clip() -> Env {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env
}

/// Processes (other than zombies) whose command line or working folder is inside `dir`:
/// an ffmpeg left running by an export there.
fn processes_in(dir: &Path) -> Vec<String> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    let needle = dir.to_string_lossy().into_owned();
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return found };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if pid == std::process::id() {
            continue;
        }
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        if stat.rsplit_once(") ").is_none_or(|(_, rest)| rest.starts_with('Z')) {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let cwd = std::fs::read_link(entry.path().join("cwd")).unwrap_or_default();
        if cmdline.contains(&needle) || cwd.starts_with(&dir) {
            found.push(format!("{pid}: {cmdline}"));
        }
    }
    found
}

/// No work folder and no process left behind in `env`.
#[track_caller]
fn assert_clean(env: &Env) {
    assert!(env.leftovers().is_empty(), "work folders left: {:?}", env.leftovers());
    let running = processes_in(env.dir.path());
    assert!(running.is_empty(), "processes left running: {running:?}");
}

/// Item 12: `--ffmpeg node_modules/…/ffmpeg` passed doctor, then every export failed with
/// "cannot start ffmpeg": the jobs run in their own folder. Paths are made absolute once.
#[test]
fn relative_ffmpeg_and_ffprobe_paths_work_for_the_export() {
    let env = with_clip();
    let bin = env.mkdir("node_modules/ffmpeg-static/bin");
    for tool in ["ffmpeg", "ffprobe"] {
        std::os::unix::fs::symlink(which(tool).expect("tool on PATH"), bin.join(tool)).unwrap();
    }
    env.timeline(SHORT);
    let flags = ["--ffmpeg", "node_modules/ffmpeg-static/bin/ffmpeg", "--ffprobe", "node_modules/ffmpeg-static/bin/ffprobe"];
    let report = env.reel(&[&flags[..], &["doctor", "--json"]].concat()).ok().json();
    assert_eq!(report["ffmpeg"].as_str(), Some(env.path("node_modules/ffmpeg-static/bin/ffmpeg").to_str().unwrap()));
    env.reel(&[&flags[..], &["export", "timeline.json", "-o", "out.mp4", "--progress", "none"]].concat()).ok();
    common::assert_streaming_mp4(&env.path("out.mp4"), 2.0, 1.0 / 30.0);
    assert_clean(&env);
}

#[test]
fn nothing_is_left_running_after_a_refusal() {
    // The helper itself must see a process in the folder: a sleeping shell started there.
    let env = Env::new();
    let mut child = std::process::Command::new("sleep").arg("30").current_dir(env.dir.path()).spawn().unwrap();
    assert_eq!(processes_in(env.dir.path()).len(), 1, "the helper finds processes by working folder");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(processes_in(env.dir.path()).is_empty());
    env.reel(&["check", "missing.json"]).code(exit::INVALID_INPUT);
    assert_clean(&env);
}

/// Item 8: the timeline was read without a limit (`reel check /dev/zero` grew past 2 GB)
/// and a named pipe blocked forever. Only regular files up to 256 MB are read.
#[test]
fn timelines_that_are_devices_pipes_or_huge_are_refused_at_once() {
    let env = with_clip();
    let started = std::time::Instant::now();
    let run = env.reel(&["check", "/dev/zero"]).code(exit::INVALID_INPUT);
    run.stderr_has(&["error: the timeline /dev/zero is not a regular file (a device, pipe or socket), so reading it might never end"]);
    let fifo = env.path("fifo.json");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    for command in ["check", "export", "plan"] {
        env.reel(&[command, "fifo.json"]).code(exit::INVALID_INPUT).stderr_has(&["error: the timeline fifo.json is not a regular file"]);
    }
    // A sparse file: 300 MB stated, nothing on disk.
    let huge = std::fs::File::create(env.path("huge.json")).unwrap();
    huge.set_len(300_000_000).unwrap();
    let run = env.reel(&["check", "huge.json"]).code(exit::INVALID_INPUT);
    insta::assert_snapshot!("timeline_too_large", run.stderr());
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "refused at once, not read: {:?}", started.elapsed());
    // The settings file gets the same treatment.
    std::fs::create_dir_all(env.config_dir()).unwrap();
    nix::unistd::mkfifo(&env.config_dir().join("settings.toml"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    env.timeline(SHORT);
    env.reel(&["export", "timeline.json", "-o", "out.mp4"])
        .code(exit::INVALID_INPUT)
        .stderr_has(&["cannot read the settings file", "settings.toml: it is not a regular file (a device, pipe or socket)"]);
    assert!(!env.path("out.mp4").exists());
    assert_clean(&env);
}

/// Item 7: text with a NUL drew only what came before it. Control characters other than
/// line breaks and tabs are refused at their JSON path, by check and export alike.
#[test]
fn text_with_control_characters_is_refused_not_cut() {
    let env = with_clip();
    let json = |text: &str| {
        format!(
            r#"{{"reel":1,"output":{{"width":320,"height":180,"fps":30}},"video":[{{"source":"a.mp4","out":1}}],"overlays":[{{"text":"{text}","start":0,"end":1}}]}}"#
        )
    };
    env.timeline(&json(r"Hello\u0000World"));
    for args in [&["check", "timeline.json"][..], &["export", "timeline.json", "-o", "out.mp4", "--progress", "none"]] {
        let run = env.reel(args).code(exit::INVALID_INPUT);
        insta::assert_snapshot!("text_with_nul", run.stderr());
    }
    env.timeline(&json(r"bell\u0007 and return\r"));
    env.reel(&["check", "timeline.json"])
        .code(exit::INVALID_INPUT)
        .stderr_has(&["overlays[0].text: contains the control character U+0007 at character 4"]);
    env.timeline(&json(r"two\nlines\tand a tab"));
    env.reel(&["check", "timeline.json"]).ok();
    assert!(!env.path("out.mp4").exists());
    assert_clean(&env);
}

/// Item 4: `-o TIMELINE.json --overwrite` replaced the timeline itself with the MP4. The
/// timeline and the settings file are inputs too, however they are named.
#[test]
fn the_timeline_and_the_settings_file_are_never_overwritten() {
    let env = with_clip();
    let timeline = env.timeline(SHORT);
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let settings = env.config_dir().join("settings.toml");
    std::fs::write(&settings, "[output]\npreset = \"draft\"\n").unwrap();
    std::os::unix::fs::symlink(&timeline, env.path("alias.mp4")).unwrap();
    for (target, named) in
        [("timeline.json", "timeline.json"), ("alias.mp4", "timeline.json"), (settings.to_str().unwrap(), "settings.toml")]
    {
        let run = env.reel(&["export", "timeline.json", "-o", target, "--overwrite", "--progress", "none"]).code(exit::DESTINATION);
        run.stderr_has(&["is one of the export's inputs (", named, "); reel never overwrites an input. Choose another output path"]);
    }
    assert_eq!(std::fs::read_to_string(&timeline).unwrap(), SHORT);
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), "[output]\npreset = \"draft\"\n");
    assert_clean(&env);
}

/// Item 5: a clip shorter than a frame passed `check`, planned as a one-frame copy and
/// failed at export ("it has no video stream … likely a full disk"). An item that covers no
/// output frame is refused at its JSON path by check, plan and export alike.
#[test]
fn a_clip_shorter_than_a_frame_is_refused_by_check_and_export_alike() {
    let env = with_clip();
    env.timeline(
        r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},"video":[{"source":"a.mp4","in":1.0,"out":1.00000001}]}"#,
    );
    let sentence = "video[0]: lasts 0.00000001 s (a.mp4 from 1.0 s to 1.00000001 s), which covers no output frame at 30.0 fps (one frame is 0.033 s); make it at least one frame long, or remove it";
    for args in
        [&["check", "timeline.json"][..], &["plan", "timeline.json"], &["export", "timeline.json", "-o", "out.mp4", "--progress", "none"]]
    {
        env.reel(args).code(exit::INVALID_INPUT).stderr_has(&[&format!("error: {sentence}")]);
    }
    let json = env.reel(&["check", "timeline.json", "--json"]).code(exit::INVALID_INPUT).json();
    assert_eq!(json["problems"][0]["path"], "video[0]", "{json}");
    // Between two clips, a sliver that covers no frame is refused the same way.
    env.timeline(r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"a.mp4","out":1.01},{"source":"a.mp4","in":2,"out":2.01},{"source":"a.mp4","in":3,"out":4}]}"#);
    env.reel(&["check", "timeline.json"])
        .code(exit::INVALID_INPUT)
        .stderr_has(&["error: video[1]: lasts 0.01 s (a.mp4 from 2.0 s to 2.01 s), which covers no output frame"]);
    assert!(!env.path("out.mp4").exists());
    assert_clean(&env);
}

/// Item 10: `reel check` said "ok" to a timeline that `reel export` refused (too large
/// for one command line). check now makes every check export makes before encoding, with
/// the same flags and the same sentence.
#[test]
fn check_refuses_what_export_refuses_with_the_same_sentence() {
    let env = Env::new();
    common::timeline_too_long_for_one_command_line(&env);
    let flags = ["--strategy", "single_pass", "--no-cache"];
    let check = env.reel(&[&["check", "timeline.json"][..], &flags].concat()).code(exit::INVALID_INPUT);
    let export =
        env.reel(&[&["export", "timeline.json", "-o", "out.mp4", "--progress", "none"][..], &flags].concat()).code(exit::INVALID_INPUT);
    assert!(check.stderr().contains("over this system's command-line limit"), "{}", check.stderr());
    assert_eq!(check.stderr(), export.stderr());
    // A flag given to check is applied as export applies it.
    env.timeline(r#"{"reel":1,"video":[{"source":"x.mp4"}]}"#);
    env.media("x.mp4", &fixture(Fixture::Small30));
    let check = env.reel(&["check", "timeline.json", "--encoder", "h264_nonesuch"]).code(exit::INVALID_INPUT);
    let export = env.reel(&["export", "timeline.json", "--encoder", "h264_nonesuch", "-o", "out.mp4"]).code(exit::INVALID_INPUT);
    let check = check.stderr_has(&["encoder \"h264_nonesuch\" cannot be used"]);
    assert_eq!(check.stderr(), export.stderr());
    assert!(!env.path("out.mp4").exists());
    assert_clean(&env);
}

/// Item 6: a 16000x16000 PNG overlay was accepted (a 1 s 320x240 export took 140 s and
/// 3.2 GB). Images over 64 megapixels are refused before anything is decoded; smaller
/// ones are decoded once and repeated in the filter graph, not read again for every frame.
#[test]
fn huge_images_are_refused_and_images_are_decoded_once() {
    let env = with_clip();
    env.media("huge.png", &reel_testkit::huge_image(16_000, 16_000));
    let json = |image: &str| {
        format!(
            r#"{{"reel":1,"output":{{"width":320,"height":240,"fps":30}},"video":[{{"source":"a.mp4","out":1}}],"overlays":[{{"image":"{image}","start":0,"end":1,"width":100}}]}}"#
        )
    };
    env.timeline(&json("huge.png"));
    let started = std::time::Instant::now();
    for args in [&["check", "timeline.json"][..], &["export", "timeline.json", "-o", "out.mp4", "--progress", "none"]] {
        let run = env.reel(args).code(exit::INVALID_INPUT);
        insta::assert_snapshot!("huge_image", run.stderr());
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "refused before decoding: {:?}", started.elapsed());
    assert!(!env.path("out.mp4").exists());

    // An ordinary logo: one input without -loop, repeated by the graph up to its last frame.
    env.media("logo.png", &reel_testkit::still_image("white", 32, 18, "white"));
    env.timeline(&json("logo.png"));
    let plan = env.reel(&["plan", "timeline.json", "--json"]).ok().json();
    let image = &plan["jobs"][0]["command"]["inputs"][1];
    assert!(image["path"].as_str().is_some_and(|p| p.ends_with("logo.png")) && image["duration"].is_null(), "{plan}");
    let command = plan["jobs"][0]["command"].to_string();
    assert!(!command.contains("-loop"), "the image is not looped at the input: {command}");
    assert!(command.contains("format=rgba,loop=loop=-1:size=1,setpts="), "{command}");
    assert_clean(&env);
}

/// Cuts `path` to `fraction` of its bytes (a copy or download that did not finish).
fn cut_short(path: &Path, fraction: f64) -> u64 {
    let len = std::fs::metadata(path).unwrap().len();
    let keep = (len as f64 * fraction) as u64;
    std::fs::OpenOptions::new().write(true).open(path).unwrap().set_len(keep).unwrap();
    keep
}

/// Item 1 (at probe time): a faststart MP4 cut to 30 % of its bytes, header intact, passed
/// check and exported "successfully" (frames frozen from 2.96 s, audio silent). The packet
/// listing shows where the data really ends; the source is refused with both times, on the
/// single-pass and the copy path alike (item 2: the copy path blamed the disk), and an
/// audio file cut short is refused the same way.
#[test]
fn a_source_cut_short_is_refused_at_probe_time() {
    let env = Env::new();
    let whole = fixture(Fixture::Small30);
    assert!(reel_testkit::moov_before_mdat(&whole), "the header survives the cut");
    let source = env.copy_media("a.mp4", &whole);
    cut_short(&source, 0.3);
    env.write("out.mp4", b"the previous export");
    let overlay = r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"a.mp4","out":3}],"overlays":[{"text":"hi","start":0,"end":1}]}"#;
    let copy = r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},"video":[{"source":"a.mp4","out":3}]}"#;
    for json in [overlay, copy] {
        env.timeline(json);
        for args in [&["check", "timeline.json"][..], &["export", "timeline.json", "-o", "out.mp4", "--overwrite", "--progress", "none"]] {
            let run = env.reel(args).code(exit::INVALID_INPUT);
            insta::assert_snapshot!("source_cut_short", run.stderr());
        }
    }
    env.reel(&["probe", "a.mp4"]).code(exit::INVALID_INPUT).stderr_has(&["error: a.mp4 is cut short: its header says it lasts 6.0 s"]);
    // Music cut short: an MP3 whose header still claims the whole length.
    let mp3 = env.path("music.mp3");
    let made = std::process::Command::new(which("ffmpeg").unwrap())
        .args(["-v", "error", "-f", "lavfi", "-i", "sine=d=6", "-c:a", "libmp3lame"])
        .arg(&mp3)
        .status()
        .unwrap();
    assert!(made.success());
    cut_short(&mp3, 0.4);
    env.media("b.mp4", &whole);
    env.timeline(
        r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"b.mp4","out":3}],"audio":[{"source":"music.mp3"}]}"#,
    );
    env.reel(&["check", "timeline.json"])
        .code(exit::INVALID_INPUT)
        .stderr_has(&["audio[0].source: music.mp3 is cut short: its header says it lasts 6."]);
    assert_eq!(std::fs::read(env.path("out.mp4")).unwrap(), b"the previous export");
    assert_clean(&env);
}

/// Item 1 (during the export): a source cut short while ffmpeg reads it gave exit 0 with
/// the last 100 frames frozen and silent audio. Each source's size and modification time
/// from the probe are compared before the output is accepted.
#[test]
fn a_source_cut_short_during_the_export_fails_it_naming_the_file() {
    let env = Env::new();
    let source = env.copy_media("a.mp4", &fixture(Fixture::Small30));
    let size = std::fs::metadata(&source).unwrap().len();
    env.timeline(SHORT);
    env.write("out.mp4", b"the previous export");
    // The source is cut after the probe, just as the export job starts.
    let keep = (size as f64 * 0.3) as u64;
    let ffmpeg = common::fake_ffmpeg(&env, &format!("truncate -s {keep} '{}'", source.display()));
    let run = env
        .reel(&["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--overwrite", "--progress", "none"])
        .code(exit::EXPORT_FAILED);
    run.stderr_has(&[&format!(
        "error: a.mp4 changed while it was being exported (it was {size} bytes when it was probed and is {keep} bytes now), so the export would not show it as it is; nothing was written to out.mp4"
    )]);
    assert_eq!(std::fs::read(env.path("out.mp4")).unwrap(), b"the previous export");
    let logged = env.logged();
    assert_eq!((logged[0].exit_code, logged[0].error_class.as_deref()), (exit::EXPORT_FAILED, Some("verify")));
    assert_clean(&env);
}

/// Runs `script` with bash, with `reel` and the environment of `env`'s runs (`$REEL` is the
/// binary), in `env`'s folder; returns the exit code and both streams.
fn shell(env: &Env, script: &str) -> (Option<i32>, String, String) {
    let reel = env.std_command();
    let mut c = std::process::Command::new("bash");
    c.args(["-c", script]).current_dir(env.dir.path()).env("REEL", reel.get_program());
    for (key, value) in reel.get_envs() {
        match value {
            Some(v) => c.env(key, v),
            None => c.env_remove(key),
        };
    }
    let out = c.output().unwrap();
    (out.status.code(), env.redact(&String::from_utf8_lossy(&out.stdout)), env.redact(&String::from_utf8_lossy(&out.stderr)))
}

/// A destination on a file-size limit (`ulimit -f`): reel itself was killed by SIGXFSZ
/// while writing its log, saying nothing. Now: exit 1 with what ffmpeg said (its header or
/// its trailer, whichever passed the limit) and what to do.
#[test]
fn a_file_size_limit_fails_the_export_with_what_ffmpeg_said() {
    let env = with_clip();
    env.timeline(SHORT);
    env.write("out.mp4", b"the previous export");
    let (code, _, err) = shell(&env, r#"ulimit -f 8; exec "$REEL" export timeline.json -o out.mp4 --overwrite --progress none"#);
    assert_eq!(code, Some(exit::EXPORT_FAILED), "{err}");
    let sentence = err.lines().find(|l| l.starts_with("error: ")).unwrap_or_default();
    assert!(sentence.contains(": File too large"), "{err}");
    assert!(sentence.contains("the file outgrew a size limit: this session's (ulimit -f) or the file system's largest file"), "{err}");
    assert_eq!(std::fs::read(env.path("out.mp4")).unwrap(), b"the previous export");
    // doctor's trial export met the same limit: inconclusive, so nothing was cached against
    // this ffmpeg.
    let cached =
        std::fs::read_dir(env.cache.path()).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().starts_with("doctor-")).count();
    assert_eq!(cached, 0, "an inconclusive doctor report is not cached");
    env.reel(&["doctor"]).ok();
    assert_clean(&env);
}

/// ffmpeg can exit 0 after failing to write the trailer (a full disk): the verification
/// fails, and its sentence says which check failed, what ffmpeg said and what to do.
#[test]
fn ffmpeg_exiting_0_after_a_failed_trailer_is_reported_with_what_it_said() {
    let env = with_clip();
    env.timeline(SHORT);
    let ffmpeg = common::fake_ffmpeg(
        &env,
        &format!(
            r#"'{}' "$@" || exit; out="${{@: -1}}"; truncate -s 2000 "${{out#file:}}"; echo "[mp4 @ 0x1] Error writing trailer of ${{out}}: No space left on device" >&2; exit 0"#,
            which("ffmpeg").unwrap().display()
        ),
    );
    // The single pass (one job writing the output): SHORT is otherwise a smart render.
    let run = env
        .reel(&["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--progress", "none", "--strategy", "single_pass"])
        .code(exit::EXPORT_FAILED);
    run.stderr_has(&[
        "error: the written file failed verification: ",
        "ffmpeg exited successfully but said \"Error writing trailer of file:output.mp4: No space left on device\"; the sources did not change, and ",
        " is free on the destination's disk. Nothing was written to out.mp4: the disk is full: free space or export to another disk, then export again",
    ]);
    assert!(!env.path("out.mp4").exists());
    assert_clean(&env);
}

/// A destination on a tiny disk (an 8 KB tmpfs, where the machine lets a user namespace
/// mount one): exit 1 with the disk's error and what to do, nothing left on that disk.
#[test]
fn a_full_disk_fails_the_export_with_what_to_do() {
    let env = with_clip();
    env.timeline(SHORT);
    env.mkdir("tiny");
    let script = r#"mount -t tmpfs -o size=8k tmpfs tiny || exit 99
"$REEL" export timeline.json -o tiny/out.mp4 --progress none; code=$?
echo "left: $(ls -A tiny)"; exit $code"#;
    let (code, out, err) = shell(&env, &format!("exec unshare --user --map-root-user --mount bash -c '{}'", script.replace('\'', r"'\''")));
    if code == Some(99) || err.contains("unshare failed") || err.contains("Operation not permitted") {
        eprintln!("skipped: this machine does not let a user namespace mount a tmpfs ({err})");
        return;
    }
    assert_eq!(code, Some(exit::EXPORT_FAILED), "{out}{err}");
    assert!(err.contains("No space left on device") && err.contains("the disk is full: free space or export to another disk"), "{err}");
    assert_eq!(out.trim(), "left:", "nothing left on the full disk");
    assert_clean(&env);
}

/// Item 10: every ffmpeg failure gave ffmpeg's unrelated first warning as its reason,
/// followed by the whole command line. The reason is the line that explains the failure;
/// the command goes to --verbose and the export log.
#[test]
fn an_ffmpeg_failure_names_the_line_that_explains_it() {
    let env = with_clip();
    env.timeline(SHORT);
    let ffmpeg = common::fake_ffmpeg(
        &env,
        "echo '[image2 @ 0x55] Thread message queue blocking; consider raising the thread_queue_size option (current value: 8)' >&2; \
         echo '[h264_nvenc @ 0x56] OpenEncodeSessionEx failed: unsupported device (2): (no details)' >&2; \
         echo '[h264_nvenc @ 0x56] No capable devices found' >&2; \
         echo '[vf#0:0 @ 0x57] Error sending frames to consumers: Generic error in an external library' >&2; \
         echo 'Conversion failed!' >&2; exit 1",
    );
    // The single pass's one job, `export` (SHORT is otherwise a smart render).
    let run = env
        .reel(&["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--progress", "none", "--strategy", "single_pass"])
        .code(exit::EXPORT_FAILED);
    assert_eq!(
        run.stderr(),
        "error: ffmpeg failed in job export (exit code 1): OpenEncodeSessionEx failed: unsupported device (2): (no details); No capable devices found\n"
    );
    let logged = env.logged();
    assert!(logged[0].error.as_deref().is_some_and(|e| e.contains("\ncommand: ") && e.contains("-filter_complex")), "{logged:?}");
    let verbose = env.reel(&["--verbose", "--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--progress", "none"]);
    assert!(verbose.stderr().contains("\n  command: "), "{}", verbose.stderr());
    assert!(!env.path("out.mp4").exists());
    assert_clean(&env);
}

/// An ffmpeg that reads its first input at `rate` times its speed (`-readrate`): an export
/// of `SHORT` takes 2 / `rate` seconds, long enough to act while it runs.
fn slow_ffmpeg(env: &Env, rate: f64) -> String {
    common::fake_ffmpeg(env, &format!("exec '{}' -readrate {rate} \"$@\"", which("ffmpeg").unwrap().display()))
}

/// Starts `reel ARGS` with JSONL progress and returns it once the first progress event
/// arrived (ffmpeg is encoding), with the rest of its stdout. The caller waits for it.
#[allow(clippy::zombie_processes)]
fn started(env: &Env, args: &[&str]) -> (std::process::Child, std::io::Lines<std::io::BufReader<std::process::ChildStdout>>) {
    use std::io::BufRead;
    let mut child = env.std_command().args(args).args(["--progress", "jsonl"]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("reel ended before any progress").unwrap();
        if line.contains(r#""type":"progress""#) {
            return (child, lines);
        }
    }
}

/// Item 3: `kill -9` of reel left ffmpeg running (it finished the whole encode) and a
/// `.reel-*` folder that was cleaned only after 24 hours. ffmpeg dies with reel, and the
/// next run reclaims the folder at once: its owner's lock is gone.
#[test]
fn kill_9_leaves_no_ffmpeg_and_the_next_run_reclaims_the_folder() {
    let env = with_clip();
    env.timeline(SHORT);
    env.write("out.mp4", b"the previous export");
    let ffmpeg = slow_ffmpeg(&env, 0.5);
    let (mut child, _) = started(&env, &["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--overwrite"]);
    assert!(!processes_in(env.dir.path()).is_empty(), "ffmpeg runs in the work folder");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()), nix::sys::signal::Signal::SIGKILL).unwrap();
    child.wait().unwrap();
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(processes_in(env.dir.path()), Vec::<String>::new(), "no ffmpeg a second after reel was killed");
    assert_eq!(env.leftovers().len(), 1, "the killed export's work folder: {:?}", env.leftovers());
    assert_eq!(std::fs::read(env.path("out.mp4")).unwrap(), b"the previous export");
    // The next run, to another destination in the same folder, removes it.
    env.reel(&["export", "timeline.json", "-o", "other.mp4", "--progress", "none"]).ok();
    assert_clean(&env);
    assert_eq!(std::fs::read(env.path("out.mp4")).unwrap(), b"the previous export");
}

/// Item 9: two exports to one new destination: the loser encoded everything, then failed
/// with "already exists". The second is refused before it encodes anything, while the
/// first (slowed down to take 40 s) still runs; the first is then cancelled cleanly.
#[test]
fn a_second_export_to_the_same_destination_is_refused_before_encoding() {
    let env = with_clip();
    env.timeline(SHORT);
    let ffmpeg = slow_ffmpeg(&env, 0.05);
    let (mut first, rest) = started(&env, &["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4"]);
    let second = env
        .reel(&["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "./out.mp4", "--overwrite", "--progress", "none"])
        .code(exit::DESTINATION);
    second.stderr_has(&[&format!(
        "error: another reel (process {}) is exporting to ./out.mp4 now; wait for it to finish, or choose another output path",
        first.id()
    )]);
    assert!(first.try_wait().unwrap().is_none(), "the first export still runs");
    assert!(!env.path("out.mp4").exists());
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(i32::try_from(first.id()).unwrap()), nix::sys::signal::Signal::SIGTERM).unwrap();
    assert_eq!(first.wait().unwrap().code(), Some(exit::CANCELLED));
    assert!(rest.map_while(Result::ok).last().is_some_and(|l| l.contains(r#""type":"error""#)));
    let logged = env.logged();
    assert_eq!(
        logged.iter().map(|r| r.error_class.as_deref()).collect::<Vec<_>>(),
        [Some("cancelled"), Some("destination")],
        "oldest first"
    );
    assert!(!env.path("out.mp4").exists());
    assert_clean(&env);
}

/// Item 9: a file that appears at the destination while the export runs is never
/// replaced without --overwrite.
#[test]
fn a_destination_that_appears_meanwhile_is_not_replaced() {
    let env = with_clip();
    env.timeline(SHORT);
    let ffmpeg = common::fake_ffmpeg(&env, &format!("echo \"someone else's\" > '{}'", env.path("out.mp4").display()));
    env.reel(&["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--progress", "none"])
        .code(exit::DESTINATION)
        .stderr_has(&["error: out.mp4 already exists; pass --overwrite to replace it"]);
    assert_eq!(std::fs::read_to_string(env.path("out.mp4")).unwrap(), "someone else's\n");
    assert_clean(&env);
}

/// Item 10: the README promised a `faststart` stage in `--progress jsonl`, and none came.
/// It comes when ffmpeg's progress shows the encoding done while ffmpeg still runs (writing
/// the index at the front): here ffmpeg's last report is held back for a second, as a long
/// finish holds it.
#[test]
fn the_faststart_stage_is_announced_while_ffmpeg_finishes_the_file() {
    let env = with_clip();
    env.timeline(SHORT);
    let hold_back = r#"awk '/^progress=end/ { print "progress=continue"; fflush(); system("sleep 1") } { print; fflush() }'"#;
    let ffmpeg =
        common::fake_ffmpeg(&env, &format!("set -o pipefail; '{}' \"$@\" | {hold_back}; exit $?", which("ffmpeg").unwrap().display()));
    let run = env.reel(&["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--progress", "jsonl"]).ok();
    let events: Vec<reel_wire::Event> = run.stdout().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let stage = |name: &str| {
        events
            .iter()
            .position(|e| matches!(e, reel_wire::Event::Stage(s) if s.stage == name))
            .unwrap_or_else(|| panic!("no {name} stage in {events:?}"))
    };
    let (encode, faststart, verify) = (stage("encode"), stage("faststart"), stage("verify"));
    assert!(encode < faststart && faststart < verify, "{events:?}");
    let heartbeats = events[faststart..verify].iter().filter(|e| matches!(e, reel_wire::Event::Progress(_))).count();
    assert!(heartbeats >= 2, "progress goes on during the rewrite: {events:?}");
    common::assert_streaming_mp4(&env.path("out.mp4"), 2.0, 1.0 / 30.0);
    assert_clean(&env);
}

/// An ffmpeg in `bin/` that answers like the real one except where `cases` (bash `case`
/// arms, with the real ffmpeg as `$REAL`) say otherwise.
fn bundled_ffmpeg(env: &Env, cases: &str) -> String {
    let real = which("ffmpeg").unwrap();
    let script =
        env.write("bin/ffmpeg", format!("#!/bin/bash\nREAL='{}'\ncase \"$*\" in\n{cases}\nesac\nexec \"$REAL\" \"$@\"\n", real.display()));
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    script.display().to_string()
}

/// Item 11: `@ffmpeg-installer/ffmpeg` ships a 2018 development build (`N-47683-…`);
/// doctor called it "assumed new enough", and every export failed halfway with
/// "Unrecognized option 'stats_period'". It is judged by a trial export and refused up
/// front, with the build, what is missing and what to install.
#[test]
fn an_old_development_build_is_refused_up_front_by_what_it_cannot_do() {
    let env = with_clip();
    env.timeline(SHORT);
    let ffmpeg = bundled_ffmpeg(
        &env,
        r#"  *-version*) echo "ffmpeg version N-47683-g0e8b6f5 Copyright (c) 2000-2018 the FFmpeg developers"; exit 0 ;;
  *-stats_period*) echo "Unrecognized option 'stats_period'." >&2; echo "Error splitting the argument list: Option not found" >&2; exit 1 ;;"#,
    );
    let run = env.reel(&["--ffmpeg", &ffmpeg, "doctor"]).code(exit::ENVIRONMENT);
    assert!(run.stdout().contains("version   N-47683-g0e8b6f5 (a development build: judged by its trial export)"), "{}", run.stdout());
    assert!(run.stdout().contains("export    FAILED: Unrecognized option 'stats_period'."), "{}", run.stdout());
    let doctor = run.stderr();
    let run = env.reel(&["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--progress", "none"]).code(exit::ENVIRONMENT);
    assert_eq!(run.stderr(), doctor, "export refuses it with doctor's sentence");
    insta::assert_snapshot!("development_build_refused", run.stderr());
    assert!(!env.path("out.mp4").exists());
    assert_clean(&env);
}

/// Item 11: a static ffmpeg 7.0.2 without drawtext (freetype but no harfbuzz) was refused
/// for every export, text or not. Only timelines with text need drawtext.
#[test]
fn an_ffmpeg_without_drawtext_exports_timelines_without_text() {
    let env = with_clip();
    let ffmpeg = bundled_ffmpeg(
        &env,
        r#"  *-filters*) "$REAL" "$@" | grep -v ' drawtext '; exit 0 ;;
  *drawtext*) echo "[AVFilterGraph @ 0x1] No such filter: 'drawtext'" >&2; exit 1 ;;"#,
    );
    let run = env.reel(&["--ffmpeg", &ffmpeg, "doctor"]).ok();
    assert!(run.stdout().contains("filters   MISSING drawtext"), "{}", run.stdout());
    assert!(
        run.stdout().contains("text      NOT POSSIBLE: it lacks the filter drawtext; timelines with text overlays cannot be exported"),
        "{}",
        run.stdout()
    );
    env.timeline(SHORT);
    env.reel(&["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--progress", "none"]).ok();
    common::assert_streaming_mp4(&env.path("out.mp4"), 2.0, 1.0 / 30.0);
    env.timeline(r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"a.mp4","out":1}],"overlays":[{"text":"hi","start":0,"end":1}]}"#);
    for args in [&["check", "timeline.json"][..], &["export", "timeline.json", "-o", "text.mp4", "--progress", "none"]] {
        let run = env.reel(&[&["--ffmpeg", ffmpeg.as_str()][..], args].concat()).code(exit::ENVIRONMENT);
        run.stderr_has(&["/bin/ffmpeg cannot draw text (it lacks the filter drawtext), and this timeline has text overlays. Install an ffmpeg built with libfreetype and libharfbuzz"]);
    }
    assert!(!env.path("text.mp4").exists());
    assert_clean(&env);
}

/// Item 2, for the parts of a segmented export: a segment that ffmpeg wrote broken while
/// exiting 0 fails the export with the check that failed and what ffmpeg said, not a guess.
#[test]
fn a_broken_segment_is_reported_with_what_ffmpeg_said() {
    let env = with_clip();
    env.timeline(SHORT);
    let ffmpeg = common::fake_ffmpeg(
        &env,
        r#"out="${@: -1}"; out="${out#file:}"; case "$out" in seg*) echo broken > "$out"; echo '[mp4 @ 0x1] Error writing trailer: No space left on device' >&2; exit 0 ;; esac"#,
    );
    let run = env
        .reel(&[
            "--ffmpeg",
            &ffmpeg,
            "export",
            "timeline.json",
            "-o",
            "out.mp4",
            "--strategy",
            "segments",
            "--no-cache",
            "--progress",
            "none",
        ])
        .code(exit::EXPORT_FAILED);
    run.stderr_has(&[
        "finished but what it wrote (",
        "is wrong: ffprobe cannot read it (",
        "ffmpeg exited successfully but said \"Error writing trailer: No space left on device\"; nothing was written to the destination: the disk is full",
    ]);
    assert!(!env.path("out.mp4").exists());
    assert_clean(&env);
}
