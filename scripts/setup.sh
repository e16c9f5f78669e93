#!/usr/bin/env bash
# Installs what reel needs on Debian/Ubuntu: ffmpeg (with libx264, drawtext) and a font
# for text overlays. Used by the demo, by CI and by a newcomer; safe to run again.
# With --test (scripts/test.sh, scripts/bench.sh) also what the test suite and the bench
# need beyond Rust: Node and npm (packages/reel-node, packages/reel-web), Debian's Chromium
# (the browser fallback's tests drive it headless; no browser is downloaded), and Python's
# venv with the opentimelineio package (the OTIO tests).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tests=false
[ "${1:-}" = "--test" ] && tests=true

need=()
if $tests; then
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v npm >/dev/null 2>&1 || need+=(npm)
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v fc-match >/dev/null 2>&1 || need+=(fontconfig)

if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "reel needs ffmpeg and ffprobe 5.1 or newer on PATH (missing: ${need[*]}); the tests also need node, npm, chromium and python3 with venv." >&2
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

# The OpenTimelineIO tests build .otio files with the real producer, the opentimelineio
# package from PyPI, in a virtualenv of its own under target/.
if $tests; then
  venv="${CARGO_TARGET_DIR:-$root/target}/otio-venv"
  if ! "$venv/bin/python" -c 'import opentimelineio' >/dev/null 2>&1; then
    echo "Installing opentimelineio into $venv (for the OTIO import tests) ..." >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "opentimelineio==0.18.1" >&2
  fi
fi
