//! Property tests: `reel_core::timeline::parse` never panics, whatever it is fed
//! (arbitrary text, arbitrary JSON, and JSON shaped like a timeline with wild values), and
//! every refusal carries at least one problem with a message.

use proptest::prelude::*;
use reel_core::timeline::parse;
use serde_json::{json, Map, Value};

/// Arbitrary JSON values, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            ".*",
            "[0-9:.\\-]{0,14}",
            Just("source".to_owned()),
            Just("center".to_owned()),
            Just("30000/1001".to_owned()),
            Just("N/A".to_owned()),
            Just("crossfade".to_owned()),
            Just("dip".to_owned()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((field_name(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Mostly real timeline field names, so the values reach the validation code.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "reel", "output", "video", "overlays", "audio", "source", "gap", "in", "out", "volume", "color", "image",
            "text", "start", "end", "x", "y", "width", "height", "opacity", "size", "font", "box", "fps", "encoder",
            "preset", "video_codec", "quality", "audio_bitrate", "audio_sample_rate", "audio_channels", "frame_accurate",
            "speed", "fade_in", "fade_out", "transition", "duration", "outline", "align", "padding",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z_]{1,8}",
    ]
}

/// A timeline skeleton (`"reel": 1`, a video list) with arbitrary items and settings.
fn timeline_like() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(any_json(), 0..4),
        prop::collection::vec(any_json(), 0..3),
        prop::collection::vec(any_json(), 0..3),
        any_json(),
        prop_oneof![Just(json!(1)), any_json()],
    )
        .prop_map(|(video, overlays, audio, output, version)| {
            json!({ "reel": version, "output": output, "video": video, "overlays": overlays, "audio": audio })
        })
}

fn check(text: &str) {
    if let Err(e) = parse(text, "/base") {
        assert!(!e.problems.is_empty(), "a refusal lists at least one problem");
        assert!(e.problems.iter().all(|p| !p.message.is_empty()), "every problem has a message: {e}");
        assert!(!e.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        check(&text);
    }

    #[test]
    fn arbitrary_json_never_panics(value in any_json()) {
        check(&value.to_string());
    }

    #[test]
    fn timeline_shaped_json_never_panics(value in timeline_like()) {
        check(&value.to_string());
    }

    #[test]
    fn wild_clip_times_never_panic(
        in_ in prop_oneof![any::<f64>().prop_map(|f| json!(f)), "[0-9:.\\-]{0,12}".prop_map(Value::String), any::<i64>().prop_map(Value::from)],
        out in prop_oneof![any::<f64>().prop_map(|f| json!(f)), "[0-9:.\\-]{0,12}".prop_map(Value::String), any::<u64>().prop_map(Value::from)],
        fps in prop_oneof![any::<f64>().prop_map(|f| json!(f)), ".{0,12}".prop_map(Value::String)],
    ) {
        let doc = json!({"reel": 1, "output": {"fps": fps}, "video": [{"source": "a.mp4", "in": in_, "out": out}]});
        check(&doc.to_string());
    }
}
