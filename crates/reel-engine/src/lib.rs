//! reel's engine: everything that touches the outside world. It finds ffmpeg
//! ([`ffmpeg`]), probes media and loads timelines against it ([`probe`]), checks which
//! encoders really work ([`doctor`]), and runs plans made by `reel_core::plan` with live
//! progress, cancellation, verification and an atomic rename into place ([`run`]).
//!
//! Every process is started from an argument vector with `std::process` (never a shell),
//! and every error is a sentence naming what failed, where, and what to do
//! ([`error`]).

pub mod cache;
pub mod doctor;
pub mod error;
pub mod export_log;
pub mod ffmpeg;
pub mod files;
pub mod folders;
pub mod import;
pub mod probe;
pub mod process;
pub mod run;
pub mod settings;
pub mod text;
pub mod trial;
pub mod usage;
pub mod verify;

pub use doctor::{doctor, DoctorError, Report};
pub use error::{Error, ToolError};
pub use ffmpeg::{FindError, Found, Tools};
pub use probe::{load_timeline, probe, probe_timeline, read_timeline, LoadError, ProbeError};
pub use run::{run_plan, RunError, RunOptions};
