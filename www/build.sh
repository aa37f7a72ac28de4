#!/usr/bin/env bash
# Builds the size-optimised wasm into www/pkg and copies the shipped models next to the page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-tools
source .ci/env
# CI builds with the `release` profile to reuse what `wasm-pack test --release` compiled;
# the demo uses `wasm-release` (size-optimised, LTO).
wasm-pack build --target web --out-dir www/pkg --no-typescript --no-pack --profile "${WASM_PROFILE:-wasm-release}"
rm -rf www/models && mkdir -p www/models
cp models/manifest.json models/*.bpk www/models/
ls -l www/pkg/*.wasm www/pkg/*.js
