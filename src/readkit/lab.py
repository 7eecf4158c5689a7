"""The JupyterLab server that `make lab` starts for people: token kept, bound to 127.0.0.1.

    make lab              learners: the lessons, nbgrader's learner panels (Assignments, Validate)
    make lab-instructor   the same plus nbgrader's instructor panels (Create Assignment,
                          Formgrader, Courses)

Neither asks "get notified about news?" (the default of JupyterLab's fetchNews setting is
"false" here; a choice the user made in JupyterLab's settings still wins) nor calls home for
news or updates. The settings travel in a temporary Jupyter config folder put first on the
server's JUPYTER_CONFIG_PATH (labconfig/page_config.json and default_setting_overrides.json);
the user's own Jupyter folders are not touched.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from readkit.course.course import Course

DEFAULT_PORT = 8888
# nbgrader's panels for instructors; learners keep the Assignments list and Validate.
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
)
NOTIFICATION_PLUGIN = "@jupyterlab/apputils-extension:notification"


def lab_command(port: int = DEFAULT_PORT, *, open_browser: bool = True) -> list[str]:
    """The command line of the course server. Jupyter's token authentication stays on: anyone
    who can reach an open Jupyter server can run code as this user."""
    command = [
        sys.executable, "-m", "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--LabApp.default_url=/lab/tree/lessons",  # open on the lessons folder
        "--LabApp.news_url=None",  # no news fetched ...
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",  # ... nor updates
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines often run as root
    return command


def write_lab_config(folder: Path | str, *, instructor: bool = False) -> Path:
    """Write the course's JupyterLab settings into `folder` (a Jupyter config folder) and
    return it: no news question; for learners, nbgrader's instructor panels disabled."""
    labconfig = Path(folder) / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    overrides = {NOTIFICATION_PLUGIN: {"fetchNews": "false", "checkForUpdates": False}}
    (labconfig / "default_setting_overrides.json").write_text(
        json.dumps(overrides, indent=1), encoding="utf-8")
    disabled = {} if instructor else {plugin: True for plugin in INSTRUCTOR_PLUGINS}
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": disabled}, indent=1), encoding="utf-8")
    return Path(folder)


def lab_environment(config: Path | str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: `config` first on JUPYTER_CONFIG_PATH (the user's own
    config folder, JUPYTER_CONFIG_DIR, still comes before it and wins)."""
    env = dict(os.environ if base is None else base)
    paths = [str(config), *filter(None, env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep))]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def run_lab(port: int = DEFAULT_PORT, *, open_browser: bool = True,
            instructor: bool = False) -> int:
    root = Course.default().root
    who = "instructors (nbgrader's instructor panels shown)" if instructor else "learners"
    print(f"Starting JupyterLab for {who} in {root} on http://127.0.0.1:{port}/ (the link with "
          "the token follows below; stop with Ctrl-C).", flush=True)
    with tempfile.TemporaryDirectory(prefix="readkit-lab-") as config:
        env = lab_environment(write_lab_config(config, instructor=instructor))
        try:
            return subprocess.call(lab_command(port, open_browser=open_browser), cwd=Path(root),
                                   env=env)
        except KeyboardInterrupt:
            return 0


def main(argv: list[str] | None = None) -> int:
    """python -m readkit.lab [--instructor] [--port N] [--no-browser] (make lab-instructor)."""
    parser = argparse.ArgumentParser(prog="python -m readkit.lab", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--no-browser", action="store_true", help="print the URL, open no browser")
    parser.add_argument("--instructor", action="store_true",
                        help="also show nbgrader's instructor panels")
    args = parser.parse_args(argv)
    return run_lab(args.port, open_browser=not args.no_browser, instructor=args.instructor)


if __name__ == "__main__":
    sys.exit(main())
