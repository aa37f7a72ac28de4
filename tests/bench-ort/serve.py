#!/usr/bin/env python3
"""Serves the built page (www/) at / and this folder at /ort/ on two ports: PORT as a plain
static server (as the page is deployed) and PORT+1 with COOP/COEP headers (cross-origin
isolation, which onnxruntime-web's multi-threaded wasm needs for SharedArrayBuffer).
  python3 serve.py [PORT]   (default 8765)
"""
import functools
import http.server
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
WWW = os.path.abspath(os.path.join(HERE, '..', '..', 'www'))


class Handler(http.server.SimpleHTTPRequestHandler):
    isolated = False
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm'}

    def translate_path(self, path):
        p = path.split('?', 1)[0].split('#', 1)[0]
        if p == '/ort' or p.startswith('/ort/'):
            rel = p[len('/ort'):].lstrip('/')
            base = HERE
        else:
            rel = p.lstrip('/')
            base = WWW
        full = os.path.realpath(os.path.join(base, rel))
        # node_modules/onnxruntime-web is a real folder here; nothing outside base is served
        if not (full == base or full.startswith(base + os.sep)):
            return os.path.join(base, '__nope__')
        return full

    def end_headers(self):
        self.send_header('Cache-Control', 'no-store')
        if self.isolated:
            self.send_header('Cross-Origin-Opener-Policy', 'same-origin')
            self.send_header('Cross-Origin-Embedder-Policy', 'require-corp')
            self.send_header('Cross-Origin-Resource-Policy', 'same-origin')
        super().end_headers()

    def log_message(self, *a):
        pass


class Isolated(Handler):
    isolated = True


def serve(port, handler):
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', port), handler)
    httpd.serve_forever()


if __name__ == '__main__':
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    threading.Thread(target=serve, args=(port + 1, Isolated), daemon=True).start()
    print(f'plain http://127.0.0.1:{port}/  isolated http://127.0.0.1:{port + 1}/', flush=True)
    serve(port, Handler)
