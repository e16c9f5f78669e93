#!/usr/bin/env bash
# Installs what reel needs on Debian/Ubuntu: ffmpeg (with libx264, drawtext), a font for
# text overlays, and Node and Chromium for the browser fallback. Used by the demo, by CI
# and by a newcomer; safe to run again.
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v fc-match >/dev/null 2>&1 || need+=(fontconfig)
# The browser fallback (packages/reel-web) and its tests: Node with npm, and Debian's
# Chromium, which the tests drive headless (no browser is downloaded).
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "reel needs ffmpeg and ffprobe 5.1 or newer on PATH, and Node and Chromium for its browser fallback (missing: ${need[*]})." >&2
    echo "Install them with your package manager (brew install ffmpeg, dnf install ffmpeg, winget install ffmpeg)." >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${need[*]} with apt-get ..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
ffmpeg -hide_banner -version | head -n 1 >&2

# The Rust pieces the build and the checks use: the wasm32 target (the core builds for the
# browser), rustfmt and clippy. Installed through rustup when it manages the toolchain.
if command -v rustup >/dev/null 2>&1; then
  installed=$(rustup target list --installed 2>/dev/null || true)
  case "$installed" in
    *wasm32-unknown-unknown*) ;;
    *) echo "Installing the wasm32-unknown-unknown target with rustup ..." >&2
       rustup target add wasm32-unknown-unknown >&2 ;;
  esac
  components=$(rustup component list --installed 2>/dev/null || true)
  for c in rustfmt clippy; do
    case "$components" in
      *"$c"*) ;;
      *) rustup component add "$c" >&2 ;;
    esac
  done
fi
