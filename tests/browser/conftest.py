"""Fixtures for the real-browser tests: headless Chromium through Playwright, servers from
tests/support/browser_harness.py. Without Chromium (or Playwright, or axe-core) these tests skip with a
message, except under CI (the CI variable set), where they fail: CI must run them.

Every test has a page of its own, on a notebook of its own in a folder of its own (so its own
kernel and answers.json), on a server its module shares: each test passes alone
(`pytest -k NAME`, tools/run_browser_tests_alone.py runs them all that way) and in any order.
"""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.browser_harness import (
    CURRENT,
    Server,
    chromium,
    find_chromium,
    jupyter_server,
    run_all,
    wait_for_idle_kernel,
)

ROOT = Path(__file__).resolve().parents[2]


def require(condition: bool, message: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set: browser tests must run here)", pytrace=False)
        pytest.skip(message)


def serious_axe_violations(page, selectors: list[str]) -> tuple[list, str]:
    """axe-core's serious and critical WCAG 2.2 AA (and best-practice) violations inside the
    elements of `selectors`, and its report."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        require(False, "axe-playwright-python is not installed: pip install -e '.[test]'")
    results = Axe().run(page, context={"include": [[s] for s in selectors]}, options={
        "runOnly": {"type": "tag", "values": [
            "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
        "resultTypes": ["violations"],
    })
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    return serious, results.generate_report()


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (kept short-lived so no Playwright event loop lingers
    while other modules run)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "Playwright is not installed: pip install -e '.[test]'")
    require(find_chromium() is not None,
            "Chromium not found: run `make browser` or set READKIT_CHROMIUM")
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def course_env() -> dict[str, str]:
    """The servers' kernels read the real course data of this checkout."""
    require((ROOT / "data" / "articles" / "raqqa-2021" / "units.csv").is_file() and (ROOT / "data" / "articles" / "raqqa-2021" / "key.csv").is_file(),
            "data/units.csv and data/key.csv are needed for the browser tests")
    return {"READKIT_COURSE": str(ROOT)}


@pytest.fixture(scope="module")
def lab_server(course_env, tmp_path_factory) -> Iterator[Server]:
    """One JupyterLab for the tests of a module, serving a temporary folder."""
    root = tmp_path_factory.mktemp("lab")
    with jupyter_server("lab", root, env=course_env) as server:
        yield server


def folder_for(request, server: Server) -> Path:
    """A new folder under `server`'s root, named after the test."""
    folder = server.root / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")[:80]
    folder.mkdir()
    return folder


@pytest.fixture
def test_folder(request, lab_server) -> Path:
    """A new folder under the shared JupyterLab's root, named after the test."""
    return folder_for(request, lab_server)


@contextmanager
def notebook_page(browser, server: Server, notebook: Path, width: int = 1280,
                  height: int = 1000) -> Iterator["object"]:
    """A new page on `notebook` (a path under the server's root) once its kernel is idle, in a
    fresh JupyterLab workspace (no tab of an earlier test restored). Its kernel is shut down
    and the page closed afterwards."""
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        relative = notebook.relative_to(server.root)
        page.goto(server.notebook_url(relative) + ("?reset" if server.kind == "lab" else ""))
        if server.kind != "voila":
            wait_for_idle_kernel(page)
        yield page
    finally:
        if server.kind != "voila":
            try:
                page.evaluate(f"async () => {{ const w = {CURRENT}; "
                              "if (w && w.sessionContext) await w.sessionContext.shutdown(); }")
            except Exception:  # noqa: BLE001 (the page may be gone: the kernel stops with the server)
                pass
        page.close()


def run_all_and_settle(page, timeout: float = 60) -> None:
    """Run every cell and wait until each has run and the kernel is idle: JupyterLab gives the
    notebook the focus when run-all ends, which must not land in the middle of a test."""
    run_all(page)
    page.wait_for_function(f"() => {CURRENT}.content.widgets.every("
                           "c => c.model.type !== 'code' || c.model.executionCount !== null)",
                           timeout=timeout * 1000)
    wait_for_idle_kernel(page)
    page.wait_for_timeout(300)
