"""Serve a built site on 127.0.0.1: for a try-out (`make site-serve`), the browser test and
the benchmark. A browser treats http://127.0.0.1 as a secure origin, so JupyterLite's service
worker runs and the notebooks' files persist; from another host it needs HTTPS (README)."""

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Pyodide's loader is an ES module and its interpreter WebAssembly: browsers refuse either
# with the wrong type, and not every system's mime.types knows .mjs.
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
         ".json": "application/json", ".whl": "application/zip"}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


def make_server(folder: Path, port: int = 0,
                handler: type[SiteHandler] = SiteHandler) -> http.server.ThreadingHTTPServer:
    bound = functools.partial(handler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), bound)


@contextmanager
def serving(folder: Path, port: int = 0,
            handler: type[SiteHandler] = SiteHandler) -> Iterator[str]:
    """The site in `folder` on a free port (or `port`) in a thread; yields its URL ("/" last)."""
    if not (folder / "jupyter-lite.json").is_file():
        raise FileNotFoundError(f"No built site in {folder}: run `make site` first.")
    server = make_server(folder, port, handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
