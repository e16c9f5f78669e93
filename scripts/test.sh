#!/usr/bin/env bash
# The README's test command: the whole suite, lints, the format check and the wasm build
# of the core, the browser fallback's tests in headless Chromium, then the Node package's
# tests. Installs what it needs (ffmpeg, a font, the wasm32 target, Node, Chromium,
# wasm-bindgen, npm packages, the opentimelineio Python package) on first run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --test
# The core crate must stay pure: it builds for the browser.
cargo build --quiet -p reel-core --target wasm32-unknown-unknown
# The browser fallback: the planner for ffmpeg.wasm and the runner's npm packages; the
# browser tests (crates/reel-cli/tests/browser_export.rs) run in `cargo test` below.
bash scripts/build-web.sh
node --test packages/reel-web/test/unit/
cargo fmt --all --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo test --workspace

# The Node package (packages/reel-node): its generated types must match the Rust types, and
# its tests drive the reel binary just built, with real ffmpeg.
cargo build --quiet -p reel-cli
reel="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/reel"
(
  cd packages/reel-node
  npm ci --no-audit --no-fund --loglevel=error
  REEL_PATH="$reel" npm test --silent
)
