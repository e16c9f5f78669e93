#!/usr/bin/env bash
# Builds the browser fallback (packages/reel-web): reel's planner compiled to WebAssembly
# (crates/reel-wasm) with its JavaScript glue from wasm-bindgen, and the runner's npm
# packages (ffmpeg.wasm's cores, playwright-core for the tests) from package-lock.json.
# Run by scripts/test.sh and scripts/bench.sh; safe to run again (a second run is quick).
set -euo pipefail
cd "$(dirname "$0")/.."

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate the planner is
# built with (Cargo.lock); it is installed from crates.io once and reused after.
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ -z "$version" ]; then
  echo "build-web: Cargo.lock names no wasm-bindgen version; run \`cargo generate-lockfile\` and try again." >&2
  exit 1
fi
bindgen="${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen"
if [ "$("$bindgen" --version 2>/dev/null || true)" != "wasm-bindgen $version" ]; then
  echo "Installing wasm-bindgen-cli $version from crates.io (once; a few minutes) ..." >&2
  # Not --locked: the CLI's own lock file may name dependency releases newer than the
  # registry mirror in use; cargo picks compatible ones.
  cargo install --quiet --force wasm-bindgen-cli --version "$version" >&2
fi

cargo build --quiet --release -p reel-wasm --target wasm32-unknown-unknown
"$bindgen" --target web --out-dir packages/reel-web/pkg target/wasm32-unknown-unknown/release/reel_wasm.wasm

# npm ci reinstalls from the lock file exactly; skipped when node_modules was installed
# from this same lock file (a copy of it is kept there as a stamp).
web=packages/reel-web
if ! cmp -s "$web/package-lock.json" "$web/node_modules/.reel-installed-lock.json" 2>/dev/null; then
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$web/package-lock.json" "$web/node_modules/.reel-installed-lock.json"
fi
