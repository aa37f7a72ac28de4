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

# What a visitor downloads (raw and gzip -9): the first load is the CPU build plus the page's own
# files; the WebGPU build follows only where a real adapter exists; one model on top of either.
size() { printf '%-44s %10d %10d\n' "$1" "$(cat "${@:2}" | wc -c)" "$(cat "${@:2}" | gzip -9 | wc -c)"; }
page=(www/index.html www/app.js www/style.css www/js/*.js)
printf '%-44s %10s %10s\n' "bytes" "raw" "gzip -9"
size "first load: pkg-cpu (wasm + glue) + page" www/pkg-cpu/connective_bg.wasm www/pkg-cpu/connective.js "${page[@]}"
size "  of which pkg-cpu/connective_bg.wasm" www/pkg-cpu/connective_bg.wasm
size "later, with a real WebGPU adapter: pkg/" www/pkg/connective_bg.wasm www/pkg/connective.js
size "one digit model (mnist-3.bpk)" models/mnist-3.bpk
[ -f models/caltech-airplanes.bpk ] && size "one photo model (caltech-airplanes.bpk)" models/caltech-airplanes.bpk
true
