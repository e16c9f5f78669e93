//! reel engine: ffmpeg discovery, probing, doctor, running plans.
