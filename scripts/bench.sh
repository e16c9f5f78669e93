#!/usr/bin/env bash
# The benchmark (docs/benchmark.md): builds reel and reel-bench in release and runs the
# bench; arguments are passed through, e.g. `bash scripts/bench.sh --quick` or
# `bash scripts/bench.sh --only overlay --runs 3`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --test
# The wasm workload runs the browser fallback in headless Chromium.
bash scripts/build-web.sh
cargo build --release --quiet -p reel-cli -p reel-bench
exec ./target/release/reel-bench "$@"
