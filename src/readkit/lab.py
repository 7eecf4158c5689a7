"""The JupyterLab server that `make lab` starts for people: token kept, bound to 127.0.0.1."""

import os
import subprocess
import sys
from pathlib import Path

from readkit.course.course import Course

DEFAULT_PORT = 8888


def lab_command(port: int = DEFAULT_PORT, *, open_browser: bool = True) -> list[str]:
    """The command line of the course server. Jupyter's token authentication stays on: anyone
    who can reach an open Jupyter server can run code as this user."""
    command = [
        sys.executable, "-m", "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--LabApp.default_url=/lab/tree/lessons",  # open on the lessons folder
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines often run as root
    return command


def run_lab(port: int = DEFAULT_PORT, *, open_browser: bool = True) -> int:
    root = Course.default().root
    print(f"Starting JupyterLab in {root} on http://127.0.0.1:{port}/ (the link with the token "
          "follows below; stop with Ctrl-C).", flush=True)
    try:
        return subprocess.call(lab_command(port, open_browser=open_browser), cwd=Path(root))
    except KeyboardInterrupt:
        return 0
