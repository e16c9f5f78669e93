//! `reel schema`: the JSON Schema of the timeline format, generated from the Rust types;
//! `reel schema --wire`: the JSON Schema of the wire format (`reel_wire::schema`).

use super::print_json;
use crate::SchemaArgs;

pub(crate) fn run(args: &SchemaArgs) -> super::Result {
    if args.wire {
        print_json(&reel_wire::schema())
    } else {
        print_json(&schemars::schema_for!(reel_core::timeline::TimelineFile))
    }
}
