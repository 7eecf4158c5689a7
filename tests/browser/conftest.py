"""Fixtures for the real-browser tests: headless Chromium through Playwright, servers from
tests/support/browser_harness.py. Without Chromium (or Playwright, or axe-core) these tests skip with a
message, except under CI (the CI variable set), where they fail: CI must run them."""

import os
from pathlib import Path

import pytest

from tests.support.browser_harness import chromium, find_chromium

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
