//! `reel schema`: the JSON Schema of the timeline format, generated from the Rust types.

use super::print_json;

pub(crate) fn run() -> super::Result {
    print_json(&schemars::schema_for!(reel_core::timeline::TimelineFile))
}
