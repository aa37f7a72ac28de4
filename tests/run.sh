#!/usr/bin/env bash
# Every test of connective: native (cargo), wasm in headless Chromium (wasm-pack), and the page
# end to end (playwright-core). Reads MNIST from ../shared/data/mnist (or $CONNECTIVE_MNIST).
# Needs the tools from `bash .ci/install-tools --browser`.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/env
cargo test --release
# SwiftShader (a software WebGPU adapter) is slow: give the WebGPU parity test time.
WASM_BINDGEN_TEST_TIMEOUT=900 wasm-pack test --headless --chrome --release -- --features webgpu
WASM_PROFILE="${WASM_PROFILE:-release}" bash www/build.sh
(cd tests/e2e && node page.mjs)
