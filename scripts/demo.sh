#!/usr/bin/env bash
# The README's first command: set up, build, generate the demo media with ffmpeg's own
# sources (first run only), and export the bundled demo timeline.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo build --release --quiet -p reel-cli

media=examples/demo/media
if [ ! -f "$media/.done" ]; then
  mkdir -p "$media"
  echo "Generating demo media in $media ..." >&2
  ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
  ff -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=8" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=8" \
     -c:v libx264 -preset veryfast -g 30 -pix_fmt yuv420p -c:a aac -ac 2 -shortest "$media/intro.mp4"
  ff -f lavfi -i "mandelbrot=size=960x540:rate=60,trim=duration=6" -f lavfi -i "sine=frequency=660:sample_rate=44100:duration=6" \
     -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -ac 1 -shortest "$media/fractal.mp4"
  ff -f lavfi -i "smptebars=size=720x1280:rate=30:duration=4" -c:v libx264 -preset veryfast -pix_fmt yuv420p "$media/portrait.mp4"
  ff -f lavfi -i "color=c=0x2060ff:size=240x120,drawbox=x=10:y=10:w=220:h=100:color=white:t=6" -frames:v 1 "$media/logo.png"
  ff -f lavfi -i "sine=frequency=220:sample_rate=44100:duration=20,volume=0.5" -c:a libmp3lame "$media/music.mp3"
  touch "$media/.done"
fi

mkdir -p examples/demo/out
./target/release/reel export examples/demo/timeline.json -o examples/demo/out/demo.mp4 --overwrite
echo "Exported: $(pwd)/examples/demo/out/demo.mp4"
