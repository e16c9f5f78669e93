//! reel's pure core.
//!
//! Everything here is a function of its inputs: the timeline model and its validation,
//! the media model that ffprobe output is parsed into, and the planner that turns a
//! timeline into ffmpeg argument vectors. Nothing here spawns a process, touches the file
//! system or the network, so the crate builds for `wasm32-unknown-unknown` and the browser
//! fallback can run the same planner as the native engine.

pub mod args;
pub mod capabilities;
pub mod ffprobe;
pub mod filter;
pub mod media;
pub mod otio;
pub mod plan;
pub mod rational;
pub mod time;
pub mod timeline;
pub mod validate;

pub use rational::Rational;
