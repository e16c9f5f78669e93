//! Parsing ffprobe's JSON into [`crate::media::MediaInfo`]. (Filled in by the probe work.)
