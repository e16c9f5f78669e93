//! The reason given for a failed ffmpeg run is the line that says why, not a follow-up.

use reel_engine::ffmpeg::failure_reason;

#[test]
fn hardware_encoder_failure_is_not_hidden_by_the_audio_encoders_closing_note() {
    // ffmpeg 5.1's stderr for an export with h264_nvenc on a machine without a GPU: the AAC
    // encoder's note comes last, after the line that says why.
    let stderr = "[h264_nvenc @ 0x564473fe5080] Cannot load libcuda.so.1\n\
        Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0 - maybe incorrect parameters such as bit_rate, rate, width or height\n\
        [aac @ 0x564473fe7240] 2 frames left in the queue on closing\n";
    assert_eq!(failure_reason(stderr), "Cannot load libcuda.so.1");
}
