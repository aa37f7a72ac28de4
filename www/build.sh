#!/usr/bin/env bash
# Builds the size-optimised wasm into www/pkg and copies the shipped models next to the page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-tools
source .ci/env
# CI builds with the `release` profile to reuse what `wasm-pack test --release` compiled;
# the demo uses `wasm-release` (size-optimised, LTO).
profile="${WASM_PROFILE:-wasm-release}"
opt=()
[ "$profile" = wasm-release ] || opt=(--no-opt)  # the test build skips wasm-opt: minutes saved
# Two builds of the same crate: with the WebGPU backend (pkg/) and CPU only (pkg-cpu/, smaller);
# the page loads the second where WebGPU cannot help (no adapter, or a software one).
wasm-pack build --target web --out-dir www/pkg --no-typescript --no-pack --profile "$profile" "${opt[@]}" -- --features webgpu
wasm-pack build --target web --out-dir www/pkg-cpu --no-typescript --no-pack --profile "$profile" "${opt[@]}"
rm -rf www/models && mkdir -p www/models
cp models/manifest.json models/*.bpk www/models/
ls -l www/pkg/*.wasm www/pkg/*.js www/pkg-cpu/*.wasm
