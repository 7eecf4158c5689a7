"""Drive the built JupyterLite site (`make site`, dist/site/) in headless Chromium, offline:
for tests/browser/test_site.py and benchmarks/site.py.

    with site_server(SITE) as url, chromium() as browser:
        context, external = offline_context(browser, url)
        page = context.new_page()
        open_in_lite(page, url, "lessons/04-fact-claim-commentary.ipynb")  # idle kernel
        ...
        assert external == []    # every request off 127.0.0.1 was aborted, and recorded

The site is served as built, except that the server adds exposeAppInBrowser to its
jupyter-lite.json (window.jupyterapp, for the test's commands): the published site keeps it off.
"""

import json
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from tests.support.browser_harness import CURRENT, KERNEL
from tools.site.serve import SiteHandler, serving

LOCAL_HOSTS = ("127.0.0.1",)
# The page's notebook and the cells JupyterLab has for it.
NOTEBOOK = f"{CURRENT}.content"
DRIVE = "/drive"  # where the Pyodide kernel mounts the site's drive (the browser's storage)
# Every code cell has run, or one ended in an error (run-all stops there).
RUN_ENDED = f"""() => {{
  const cells = {NOTEBOOK}.widgets.filter(c => c.model.type === 'code');
  const failed = cells.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));
  return failed || cells.every(c => c.model.executionCount !== null);
}}"""
ERRORS = f"""() => {NOTEBOOK}.widgets.flatMap(c => c.model.type !== 'code' ? [] :
  c.model.outputs.toJSON().filter(o => o.output_type === 'error')
    .map(o => `${{o.ename}}: ${{o.evalue}}`))"""


class ExposeAppHandler(SiteHandler):
    """The site as built, with window.jupyterapp exposed (jupyter-lite.json patched in flight)."""

    def do_GET(self):  # noqa: N802 (the base class's name)
        path = urlparse(self.path).path
        if not path.endswith("/jupyter-lite.json"):
            return super().do_GET()
        config = json.loads(Path(self.translate_path(path)).read_text(encoding="utf-8"))
        config.setdefault("jupyter-config-data", {})["exposeAppInBrowser"] = True
        body = json.dumps(config).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def site_server(folder: Path) -> Iterator[str]:
    with serving(folder, handler=ExposeAppHandler) as url:
        yield url


def offline_context(browser, url: str):
    """A browser context in which every request to another host is aborted and recorded (the
    list returned with it). Chromium's host rules (CHROMIUM_ARGS) also fail any other name."""
    external: list[str] = []

    def guard(route) -> None:
        if urlparse(route.request.url).hostname not in LOCAL_HOSTS:
            external.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def watch(request) -> None:  # also what the service worker asks for, where Chromium says
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.hostname not in LOCAL_HOSTS:
            external.append(request.url)

    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1000})
    context.route("**/*", guard)
    context.on("request", watch)
    return context, external


def open_in_lite(page, url: str, path: str, timeout: float = 90) -> None:
    """Open `path` (in the site's drive) in JupyterLab and wait for its kernel to be idle."""
    page.goto(f"{url}lab/index.html?path={path}")
    page.wait_for_function(f"() => ({KERNEL}) && {KERNEL}.status === 'idle'",
                           timeout=timeout * 1000)


def wait_for_reopened(page, path: str, timeout: float = 90) -> None:
    """After a reload: until JupyterLab has reopened `path` from its saved layout and its new
    kernel is idle (a Pyodide boot: open_in_lite's budget). A timeout says what the page had."""
    from playwright.sync_api import TimeoutError as PageTimeout

    try:
        page.wait_for_function(f"""path => ({CURRENT}) && {CURRENT}.context
                                   && {CURRENT}.context.path === path
                                   && ({KERNEL}) && {KERNEL}.status === 'idle'""",
                               arg=path, timeout=timeout * 1000)
    except PageTimeout:
        seen = page.evaluate(f"""() => ({{
            shown: ({CURRENT}) ? ({CURRENT}.context ? {CURRENT}.context.path : {CURRENT}.id) : null,
            kernel: ({KERNEL}) ? {KERNEL}.status : null}})""")
        raise AssertionError(f"{path} was not open with an idle kernel {timeout} s after the "
                             f"reload: the page showed {seen}") from None


def open_on_same_kernel(page, path: str, timeout: float = 60) -> None:
    """Open another notebook on the current notebook's kernel, its namespace emptied and its
    working folder the notebook's own (where the Sorter saves answers.json), as a kernel
    started for it would have: every notebook runs from a clean namespace without paying for a
    kernel start each."""
    folder = f"{DRIVE}/{posixpath.dirname(path)}".rstrip("/")
    fresh = f"%reset -f\nimport os\nos.chdir({folder!r})\ndel os"
    page.evaluate(f"""async ([path, fresh]) => {{
        const kernel = {KERNEL};
        const reply = await kernel.requestExecute({{code: fresh}}).done;
        if (reply.content.status !== 'ok') {{
            throw new Error(`${{fresh}}: ${{reply.content.ename}}: ${{reply.content.evalue}}`);
        }}
        window.jupyterapp.commands.execute('docmanager:open',
                                           {{path, kernel: {{id: kernel.id, name: kernel.name}}}});
    }}""", [path, fresh])
    page.wait_for_function(f"""path => ({CURRENT}) && {CURRENT}.context.path === path
                               && ({KERNEL}) && {KERNEL}.status === 'idle'""",
                           arg=path, timeout=timeout * 1000)


def run_all_and_wait(page, timeout: float = 120) -> list[str]:
    """Run every cell (fired, not awaited) until all have run or one failed; returns the
    errors ("Name: message"), empty when the notebook ran top to bottom."""
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(RUN_ENDED, timeout=timeout * 1000)
    return page.evaluate(ERRORS)


def drive_file(page, path: str) -> str | None:
    """A file's text as JupyterLite's drive (the browser's storage) holds it; None if absent."""
    return page.evaluate(
        """async path => {
            try {
                const model = await window.jupyterapp.serviceManager.contents.get(
                    path, {content: true, format: 'text', type: 'file'});
                return typeof model.content === 'string' ? model.content
                                                         : JSON.stringify(model.content);
            } catch (error) { return null; }
        }""", path)
