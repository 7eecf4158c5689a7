"""A Jupyter server extension that every single-user server of a readkit hub loads (enabled at
the hub environment's sys-prefix level by `readkit hub`): what keeps a learner from serving
active script on the hub's one origin through their own server (docs/hub.md, "One origin").

JupyterHub's `Spawner.disable_user_config` keeps ~/.jupyter and ~/.local out of the server's
configuration and search paths (config/jupyterhub_config.py). Three ways in are left to this
extension:

- nbgrader's Assignment List and course list handlers execute `nbgrader_config.py` from the
  server's working folder and from each assignment folder (the learner's home): Python of the
  learner's, run inside their server, which could then serve anything. Here they read no config
  file from the user's home.
- The server process is made not dumpable: the user's own processes (a kernel, a terminal) can
  no longer ptrace it or write its memory, so code cannot be put into the running server.
- The Formgrader panel of the instructor's JupyterLab frames the formgrader, and no page of a
  hub server may be framed (`frame-ancestors 'none'`: on one origin 'self' is every learner's
  page, and a path in a frame-ancestors source is not honoured; Chromium matches the framing
  page's origin only). The panel's frame gets a small page instead, sandboxed (no origin: a
  learner's page that frames it reads nothing), whose button asks JupyterLab to open the
  formgrader in its own browser tab.
"""

from __future__ import annotations

import base64
import ctypes
import hashlib
from pathlib import Path

NAME = __name__
FORMGRADER_EXTENSION = "nbgrader.server_extensions.formgrader"
PR_SET_DUMPABLE = 4  # linux/prctl.h


def _jupyter_server_extension_points():
    return [{"module": NAME}]


def _load_jupyter_server_extension(serverapp) -> None:
    not_dumpable(serverapp.log)
    nbgrader_reads_no_home_config()
    if serverapp.jpserver_extensions.get(FORMGRADER_EXTENSION):
        serve_panel_page(serverapp.web_app)


# --- the server process: not dumpable ------------------------------------------------------


def not_dumpable(log=None) -> bool:
    """prctl(PR_SET_DUMPABLE, 0): /proc/<pid>/mem, environ and ptrace of this process are then
    root's only. (Children are not affected: exec makes a kernel dumpable again.)"""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        done = libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except (OSError, AttributeError):
        done = False
    if not done and log is not None:
        log.warning("readkit: could not make the server process non-dumpable")
    return done


# --- nbgrader: no config from the user's home ----------------------------------------------------


def outside_home(paths) -> list[str]:
    """`paths` (nbgrader nests lists in its config_file_paths) without those in $HOME."""
    home = Path.home().resolve()
    flat: list[str] = []
    for entry in paths:
        flat.extend(outside_home(entry) if isinstance(entry, list | tuple) else [entry])
    return [p for p in flat if not _within(Path(p).resolve(), home)]


def _within(path: Path, top: Path) -> bool:
    return path == top or top in path.parents


def nbgrader_reads_no_home_config() -> None:
    """nbgrader's learner-side handlers (Assignment List, course list) build an NbGrader app per
    request and load nbgrader_config.py from the working folder: they get one that skips every
    config file in the user's home. The system-wide config (the exchange) still loads."""
    try:
        from nbgrader.apps.baseapp import NbGrader
        from nbgrader.server_extensions.assignment_list import handlers as assignment_list
        from nbgrader.server_extensions.course_list import handlers as course_list
    except ImportError:  # no nbgrader in this environment: nothing to patch
        return

    class NbGraderWithoutHomeConfig(NbGrader):
        @property
        def config_file_paths(self) -> list[str]:
            return outside_home(NbGrader.config_file_paths.fget(self))

        def load_config_file(self, **kwargs) -> None:
            # nbgrader loads nbgrader_config.py from the working folder last (load_cwd_config)
            self.load_cwd_config = not _within(Path.cwd().resolve(), Path.home().resolve())
            super().load_config_file(**kwargs)

    for module in (assignment_list, course_list):
        module.NbGrader = NbGraderWithoutHomeConfig


# --- the Formgrader panel: a page that opens the formgrader in its own tab ----------------------

PANEL_SCRIPT = (
    "document.getElementById('open').addEventListener('click', function () {"
    " parent.postMessage(JSON.stringify({command: 'help:open', arguments: {"
    " url: document.body.dataset.url, text: 'Formgrader', newBrowserTab: true}}), '*'); });")
PANEL_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Formgrader</title>
<style>body {{ font: 14px sans-serif; margin: 2em; }} button {{ font-size: 14px; }}</style>
</head><body data-url="{url}">
<p>On this hub the formgrader opens in its own browser tab (a page of a hub server is never
shown inside another page: see docs/hub.md).</p>
<p><button id="open" type="button">Open the formgrader</button></p>
<p>Or open <code>{url}</code> yourself.</p>
<script>{script}</script>
</body></html>
"""


def panel_policy() -> str:
    """Sandboxed without allow-same-origin: the page has no origin, so a page that frames it
    (anyone on the hub's origin may) can read nothing of it; only its own script runs."""
    digest = base64.b64encode(hashlib.sha256(PANEL_SCRIPT.encode()).digest()).decode()
    return "; ".join(["sandbox allow-scripts", "default-src 'none'",
                      f"script-src 'sha256-{digest}'", "style-src 'unsafe-inline'",
                      "frame-ancestors 'self'"])


def panel_page(formgrader_url: str) -> str:
    from html import escape

    return PANEL_PAGE.format(url=escape(formgrader_url), script=PANEL_SCRIPT)


def serve_panel_page(webapp) -> None:
    """Frame loads of <base_url>formgrader (what the panel's iframe asks for; Sec-Fetch-Dest:
    iframe) get the panel page; every other request reaches nbgrader's formgrader."""
    from tornado.routing import Matcher, Rule
    from tornado.web import RequestHandler

    base_url = webapp.settings.get("base_url", "/")
    formgrader = base_url + "formgrader"
    body = panel_page(formgrader)

    class PanelFrame(Matcher):
        def match(self, request):
            framed = request.headers.get("Sec-Fetch-Dest") == "iframe"
            return {} if framed and request.path in (formgrader, formgrader + "/") else None

    class PanelPage(RequestHandler):
        def get(self) -> None:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Content-Security-Policy", panel_policy())
            self.set_header("X-Content-Type-Options", "nosniff")
            self.set_header("Cache-Control", "no-store")
            self.finish(body)

    # First, before nbgrader's own handler for the same path (tornado takes the first match).
    webapp.default_router.rules.insert(0, Rule(PanelFrame(), PanelPage))

