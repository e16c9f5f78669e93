#!/usr/bin/env bash
# The README's test command: the whole suite, lints, the format check and the wasm build
# of the core. Installs what it needs (ffmpeg, a font, the wasm32 target) on first run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# The core crate must stay pure: it builds for the browser.
cargo build --quiet -p reel-core --target wasm32-unknown-unknown
cargo fmt --all --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo test --workspace
