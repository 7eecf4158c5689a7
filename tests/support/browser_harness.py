"""Drive a real Jupyter front end in headless Chromium: for browser tests and benchmarks.

    with jupyter_server("lab", root) as server, chromium() as browser:
        page = browser.new_page()
        open_notebook(page, server, "demo.ipynb")   # waits for an idle kernel
        run_all(page)                               # fired, not awaited
        page.wait_for_selector(".rk-sorter")

Test servers only: no token, no password, bound to 127.0.0.1, every Jupyter folder (config, data,
runtime, settings, workspaces, IPython) in a temporary directory, nothing calls home. The
measured facts and flags behind this are in the design notes (browser-testing.md).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

KINDS = ("lab", "notebook", "voila")
# Debian's chromium-headless-shell first: the same engine without the full browser's layers,
# about 30% less CPU per JupyterLab page here (2.9 s against 4.2 s), and the tests are
# CPU-bound. The full browser serves where there is no shell.
HEADLESS_SHELL = "chromium-headless-shell"
CHROMIUM_NAMES = (HEADLESS_SHELL, "chromium", "chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
# window.jupyterapp's current notebook (JupyterLab and Notebook 7).
CURRENT = "window.jupyterapp && window.jupyterapp.shell.currentWidget"
KERNEL = f"{CURRENT} && {CURRENT}.sessionContext && {CURRENT}.sessionContext.session" \
         f" && {CURRENT}.sessionContext.session.kernel"


class ChromiumMissing(RuntimeError):
    pass


class ServerFailed(RuntimeError):
    pass


def find_chromium() -> str | None:
    """$READKIT_CHROMIUM, else chromium-headless-shell, chromium or chromium-browser on PATH."""
    configured = os.environ.get("READKIT_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    kind: str
    url: str  # ends with "/"
    root: Path
    process: subprocess.Popen
    log: Path

    def notebook_url(self, notebook: str | Path = "") -> str:
        """Where the browser opens `notebook` (a path relative to `root`)."""
        relative = Path(notebook).as_posix()
        if self.kind == "lab":
            return f"{self.url}lab/tree/{relative}"
        if self.kind == "notebook":
            return f"{self.url}notebooks/{relative}"
        return self.url  # Voila serves its one notebook at the root

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def write_notebook(path: Path | str, cells: list[str]) -> Path:
    """A notebook of code cells, with the python3 kernel named so no kernel dialog appears."""
    import nbformat

    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in cells],
        metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
    )
    path = Path(path)
    nbformat.write(notebook, path)
    return path


def _isolated_env(home: Path, extra: dict[str, str] | None) -> dict[str, str]:
    folders = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "workspaces",
        "IPYTHONDIR": home / "ipython",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    # No news, no update checks (JupyterLab and Notebook 7 read the same settings folder).
    notification = folders["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8"
    )
    env = {**os.environ, **{name: str(folder) for name, folder in folders.items()}}
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger warning in the kernel log
    env.update(extra or {})
    return env


def server_command(kind: str, port: int, notebook: Path | None = None) -> list[str]:
    common = ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
              "--ServerApp.port_retries=0", "--IdentityProvider.token=",
              "--PasswordIdentityProvider.hashed_password=", "--ServerApp.open_browser=False"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        common.append("--allow-root")
    if kind == "lab":
        return [sys.executable, "-m", "jupyterlab", *common,
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.extension_manager=readonly",
                "--LabApp.expose_app_in_browser=True"]
    if kind == "notebook":
        return [sys.executable, "-m", "notebook", *common,
                "--JupyterNotebookApp.expose_app_in_browser=True"]
    if kind == "voila":
        if notebook is None:
            raise ValueError("voila serves one notebook: pass notebook=")
        return [sys.executable, "-m", "voila", str(notebook), "--no-browser",
                "--Voila.ip=127.0.0.1", f"--Voila.port={port}", "--Voila.port_retries=0",
                "--show_tracebacks=True"]
    raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")


def _wait_until_serving(server: Server, timeout: float) -> None:
    # Voila runs the notebook on every page load, so readiness is the port, not a page.
    probe = f"{server.url}api/status" if server.kind != "voila" else None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerFailed(f"{server.kind} exited with {server.process.returncode}:\n"
                               f"{server.log_text()[-3000:]}")
        try:
            if probe:
                with urllib.request.urlopen(probe, timeout=2) as response:
                    if response.status == 200:
                        return
            else:
                port = int(server.url.rsplit(":", 1)[1].strip("/"))
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise ServerFailed(f"{server.kind} did not answer within {timeout:.0f} s:\n"
                       f"{server.log_text()[-3000:]}")


@contextmanager
def jupyter_server(
    kind: str = "lab",
    root: Path | str = ".",
    *,
    notebook: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Iterator[Server]:
    """A JupyterLab, Notebook 7 or Voila server on a free port, serving `root` (Voila: the one
    `notebook`, relative to root). `env` is added to the server's environment (and so to its
    kernels'): READKIT_COURSE, for instance. The server and its kernels stop on exit."""
    root = Path(root).resolve()
    with tempfile.TemporaryDirectory(prefix=f"readkit-{kind}-") as home_name:
        home = Path(home_name)
        port = free_port()
        log = home / "server.log"
        command = server_command(kind, port, notebook and Path(notebook))
        with log.open("wb") as log_handle:
            process = subprocess.Popen(
                command, cwd=root, env=_isolated_env(home, env), stdin=subprocess.DEVNULL,
                stdout=log_handle, stderr=subprocess.STDOUT, start_new_session=True,
            )
        server = Server(kind, f"http://127.0.0.1:{port}/", root, process, log)
        try:
            _wait_until_serving(server, timeout)
            yield server
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM lets the server shut its kernels down; its process group goes if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def chromium(*, headless: bool = True) -> Iterator["object"]:
    """A Playwright Browser on the system's Chromium (Playwright's own download cannot be
    fetched here). Raises ChromiumMissing with what to do when there is none."""
    from playwright.sync_api import sync_playwright

    path = find_chromium()
    if path is None:
        raise ChromiumMissing(
            "Chromium was not found: install it (Debian/Ubuntu: apt-get install chromium, or "
            "`make browser`) or set READKIT_CHROMIUM to a Chromium or Chrome executable."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=headless, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def wait_for_idle_kernel(page, timeout: float = 60) -> None:
    """Until the current notebook's kernel is idle (before then, running cells may open a
    'Select Kernel' dialog that blocks clicks)."""
    page.wait_for_function(f"() => ({KERNEL}) && {KERNEL}.status === 'idle'",
                           timeout=timeout * 1000)


def open_notebook(page, server: Server, notebook: str | Path, timeout: float = 60) -> None:
    """Open `notebook` in JupyterLab or Notebook 7 and wait for its kernel to be idle. For
    Voila this opens the page, which runs the notebook by itself."""
    page.goto(server.notebook_url(notebook))
    if server.kind != "voila":
        wait_for_idle_kernel(page, timeout)


def run_all(page) -> None:
    """Fire 'run all cells' without awaiting it (its promise may never settle)."""
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def restart_kernel(page, timeout: float = 60) -> None:
    """Restart the current notebook's kernel (no dialog) and wait until it is idle again."""
    page.evaluate(f"async () => {{ await {CURRENT}.sessionContext.session.kernel.restart(); }}")
    wait_for_idle_kernel(page, timeout)
