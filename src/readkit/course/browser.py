"""The browser version of the course (a JupyterLite site, `make site`): Python runs in the page
(Pyodide), and files last only inside JupyterLite's drive, mounted at /drive, which keeps them
in the browser's storage for the site. Without JupyterLite's service worker (plain http from
another computer, some private windows) there is no drive: a file written elsewhere is gone at
the next reload, and the learner must be told before labelling, not after.
"""

import sys
from pathlib import Path

DRIVE = Path("/drive")


def in_browser() -> bool:
    """Whether this Python runs inside a web page (Pyodide)."""
    return sys.platform == "emscripten"


def not_kept(path: Path) -> str:
    """Why a file at `path` will not outlive the page ("" when it will, and outside a browser)."""
    if not in_browser() or Path(path).is_relative_to(DRIVE):
        return ""
    return (
        "This page cannot keep your answers: the browser did not start the site's storage "
        "(its service worker), so a reload or closing the tab loses them. Open the course from "
        "an https:// address (or http://localhost), not in a private window, then run this cell "
        "again."
    )


def cannot_save_hint() -> str:
    """What to do when a write failed in the browser ("" outside one): there the usual cause
    is the page's lost link to its storage, not the disk (JupyterLite reports it as errno 28)."""
    if not in_browser():
        return ""
    return ("In the browser version of the course this means the page lost its link to the "
            "site's storage: reload the page (your saved answers come back), run the cell "
            "again and choose again: ")
