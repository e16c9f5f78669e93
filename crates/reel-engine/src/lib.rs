//! reel's engine: everything that touches the outside world. It finds ffmpeg, probes
//! media, checks which encoders really work (`doctor`), loads and validates timelines
//! against probed media, and runs plans made by `reel_core::plan` with live progress,
//! cancellation, verification and an atomic rename into place.

pub mod doctor;
pub mod ffmpeg;
pub mod probe;
pub mod run;
pub mod verify;

pub use ffmpeg::Tools;
pub use probe::{load_timeline, probe, LoadError, ProbeError};
pub use run::{run_plan, RunError, RunOptions};
