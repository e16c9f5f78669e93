//! Test fixtures generated with ffmpeg.
