#!/usr/bin/env bash
# The demo, from a fresh clone: install what is missing, build, serve on http://127.0.0.1:8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash www/build.sh
echo "connective: open http://127.0.0.1:8080/ (Ctrl-C stops the server)"
# Python's http.server sends .wasm as application/wasm, which WebAssembly.instantiateStreaming needs.
exec python3 -m http.server 8080 --bind 127.0.0.1 --directory www
