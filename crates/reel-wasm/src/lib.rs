//! reel's planner in the browser: the same timeline format, validation, timing contract and
//! strategy choice as the native export, planned for ffmpeg.wasm (see [`adapter`] for what
//! differs and why). The JavaScript runner (`packages/reel-web`) calls two functions:
//!
//! 1. [`sources`]`(timeline_json, base_dir)`: checks the timeline's structure and lists the
//!    files it reads, each with the ffprobe arguments to run on it;
//! 2. [`plan`]`(request_json)`: with what ffprobe printed for each, checks the timeline
//!    against the media and returns the steps to run.
//!
//! Both take and return JSON text (`{"ok": true, ...}` or `{"ok": false, "problems": [...],
//! "message": "..."}`), so the boundary is one string each way and the shapes are the
//! serde types in [`adapter`].

pub mod adapter;

use serde::Serialize;
use wasm_bindgen::prelude::wasm_bindgen;

#[derive(Serialize)]
#[serde(untagged)]
enum Answer<T: Serialize> {
    Ok {
        ok: bool,
        #[serde(flatten)]
        value: T,
    },
    Refused {
        ok: bool,
        #[serde(flatten)]
        refusal: adapter::Refusal,
    },
}

fn answer<T: Serialize>(result: Result<T, adapter::Refusal>) -> String {
    let answer = match result {
        Ok(value) => Answer::Ok { ok: true, value },
        Err(refusal) => Answer::Refused { ok: false, refusal },
    };
    serde_json::to_string(&answer)
        .unwrap_or_else(|e| format!("{{\"ok\":false,\"problems\":[],\"message\":\"reel-wasm could not write its answer: {e}\"}}"))
}

#[derive(Serialize)]
struct Sources {
    sources: Vec<adapter::Source>,
}

#[derive(Serialize)]
struct Planned {
    plan: adapter::WebPlan,
}

/// The files a timeline reads and how to probe each; see [`adapter::sources`].
#[wasm_bindgen]
pub fn sources(timeline_json: &str, base_dir: &str) -> String {
    answer(adapter::sources(timeline_json, base_dir).map(|sources| Sources { sources }))
}

/// The plan for ffmpeg.wasm; `request_json` is an [`adapter::Request`].
#[wasm_bindgen]
pub fn plan(request_json: &str) -> String {
    let request = serde_json::from_str::<adapter::Request>(request_json).map_err(|e| adapter::Refusal {
        problems: Vec::new(),
        message: format!("the runner's plan request is not what reel-wasm expects ({e}); the runner and reel-wasm come from different builds, rebuild them together"),
    });
    answer(request.and_then(|r| adapter::plan(&r).map(|plan| Planned { plan })))
}

/// This build's version, for the runner's reports.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
