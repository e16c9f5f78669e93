//! What the ffmpeg at hand can do, as `reel doctor` found out. The planner reads this; the
//! engine fills it in.

use serde::{Deserialize, Serialize};

/// Capabilities of one ffmpeg binary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// `"5.1.9-0+deb12u1"`, as ffmpeg prints it.
    pub version: Option<String>,
    /// (major, minor) parsed from the version, when it is a release.
    pub version_number: Option<(u32, u32)>,
    /// What tells this ffmpeg build from another with the same version (its
    /// configuration, or the binary's size and date): part of every cache key, since two
    /// builds may render different pixels.
    #[serde(default)]
    pub build: Option<String>,
    /// Encoders reel knows, each with whether a test encode worked.
    pub encoders: Vec<EncoderStatus>,
    /// Filters reel needs that this ffmpeg lacks.
    pub missing_filters: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncoderStatus {
    /// ffmpeg's encoder name, e.g. `h264_nvenc`.
    pub name: String,
    /// `-encoders` lists it.
    pub listed: bool,
    /// A short test encode succeeded.
    pub usable: bool,
    /// Why it is not usable (ffmpeg's last error line), when it is listed but not usable.
    pub reason: Option<String>,
}

impl Capabilities {
    /// Whether a test encode with this encoder succeeded.
    pub fn usable(&self, encoder: &str) -> bool {
        self.encoders.iter().any(|e| e.name == encoder && e.usable)
    }

    /// Capabilities assumed when nothing was probed: libx264, libx265 and the AAC encoder,
    /// which every ffmpeg build reel supports carries.
    pub fn software_only() -> Self {
        Self {
            version: None,
            version_number: None,
            build: None,
            encoders: ["libx264", "libx265"]
                .iter()
                .map(|n| EncoderStatus { name: (*n).to_owned(), listed: true, usable: true, reason: None })
                .collect(),
            missing_filters: Vec::new(),
        }
    }
}
