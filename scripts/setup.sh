#!/usr/bin/env bash
# Installs what reel needs on Debian/Ubuntu: ffmpeg (with libx264, drawtext) and a font
# for text overlays. Used by the demo, by CI and by a newcomer; safe to run again.
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v fc-match >/dev/null 2>&1 || need+=(fontconfig)

if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "reel needs ffmpeg and ffprobe 5.1 or newer on PATH (missing: ${need[*]})." >&2
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
