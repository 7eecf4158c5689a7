"""The tiers (tests/support/tiers.py, tests/README.md): a heavy fixture marks its tests, a test
that starts a heavy tool or burns CPU without the marker fails, the hub tests share one xdist
worker, `--shuffle SEED` reorders modules and tests, and every heavy fixture listed exists."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support import tiers

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("argv", "tier"), [
    (["/usr/bin/bwrap", "--die-with-parent", "python"], "sandbox"),
    (["bwrap"], "sandbox"),
    ("/usr/lib/chromium/chromium --headless", None),  # a shell string: its first word is all
    (["/usr/lib/chromium/chromium", "--headless"], "browser"),
    ([".venv/lib/python3.11/site-packages/playwright/driver/node", "cli.js"], "browser"),
    ([".venv/bin/nbgrader", "autograde", "01"], "nbgrader"),
    ([sys.executable, "-m", "nbgrader", "autograde"], "nbgrader"),
    (["useradd", "rkx01"], "hub"),
    (["/usr/lib/postgresql/15/bin/initdb", "-D", "x"], "hub"),
    ([b"/usr/bin/bwrap"], "sandbox"),
    (["git", "status"], None),
    ([sys.executable, "-c", "import nbgrader"], None),
    ([sys.executable, "-m", "ipykernel_launcher", "-f", "kernel.json"], tiers.ANY_TIER),
    ([sys.executable, "-m", "jupyterlab", "--no-browser"], tiers.ANY_TIER),
    (["jupyter", "lab"], tiers.ANY_TIER),
    (["jupyter", "--version"], None),
    ([".venv/bin/readkit", "autograde", "01"], "sandbox"),
    ([sys.executable, "-m", "readkit.cli", "release", "01"], "nbgrader"),
    ([sys.executable, "-m", "readkit.cli", "validate"], None),
])
def test_heavy_tools_are_known_by_their_program(argv, tier):
    assert tiers.tier_of_command(argv) == tier


def test_the_light_selection_names_every_tier():
    assert tiers.LIGHT == "not browser and not nbgrader and not sandbox and not hub and not slow"
    assert '-m "$(LIGHT)"' in (ROOT / "Makefile").read_text()
    assert f"LIGHT := {tiers.LIGHT}" in (ROOT / "Makefile").read_text()


def require_the_whole_suite(request) -> None:
    """The checks of pyproject.toml's lists against what tests use need every module collected."""
    collected = request.config.stash[tiers.COLLECTED_MODULES]
    every_module = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("test_*.py")}
    if not every_module <= collected:
        pytest.skip("run with the whole suite collected (make check, make test)")


def test_every_heavy_fixture_listed_exists(request):
    """Each entry of heavy_fixtures (pyproject.toml) matched a fixture some collected test uses: a renamed or
    moved heavy fixture would otherwise stop marking its tests."""
    require_the_whole_suite(request)
    listed = request.config.stash[tiers.HEAVY_FIXTURES]
    unused = set(listed) - request.config.stash[tiers.USED_HEAVY_FIXTURES]
    assert listed and not unused, f"heavy_fixtures lists fixtures no test uses: {sorted(unused)}"


def test_every_group_of_heaviest_first_exists(request):
    """Each entry of heaviest_first (pyproject.toml) is the xdist group of collected tests: a
    renamed or moved module would otherwise drop to the end of the schedule unseen."""
    require_the_whole_suite(request)
    listed = request.config.getini("heaviest_first")
    unknown = set(listed) - request.config.stash[tiers.COLLECTED_GROUPS]
    assert listed and not unknown, f"heaviest_first lists groups no test has: {sorted(unknown)}"
    assert len(set(listed)) == len(listed), listed


# --- the plugin at work, in a pytest run of its own (pytester) ----------------------------------------

CONFTEST = """
import pytest

@pytest.fixture(scope="module")
def chromium_like():
    yield "a browser"

@pytest.fixture
def page(chromium_like):
    return chromium_like
"""

PLUGIN_ARGS = ("-p", "tests.support.tiers", "-p", "no:cacheprovider")
SUITE_INI = ("[pytest]\nmarkers =\n" + "".join(f"    {tier}: a tier\n" for tier in tiers.TIERS)
             + "heavy_fixtures = ::chromium_like browser\nlight_cpu_seconds = 0.2\n")


@pytest.fixture
def suite(pytester, monkeypatch):
    """A small suite with the tier plugin loaded, its own heavy fixture, a low CPU line so that
    a short test crosses it, and a fake `bwrap` and `voila` first on PATH."""
    pytester.makeini(SUITE_INI)
    pytester.makeconftest(CONFTEST)
    fakes = pytester.mkdir("bin")
    for name in ("bwrap", "voila"):
        (fakes / name).write_text("#!/bin/sh\nexit 0\n")
        (fakes / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{fakes}:/usr/bin:/bin")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # only this plugin: quick runs
    return pytester


def test_a_test_using_a_heavy_fixture_gets_its_marker_and_is_selected_out(suite):
    suite.makepyfile(test_pages="""
        def test_uses_the_page(page):
            assert page == "a browser"

        def test_light():
            pass
    """)
    result = suite.runpytest(*PLUGIN_ARGS, "-m", "not browser", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_light PASSED*"])
    result = suite.runpytest(*PLUGIN_ARGS, "-m", "browser", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_uses_the_page PASSED*"])


def test_starting_a_heavy_tool_without_its_marker_fails(suite):
    suite.makepyfile(test_tools="""
        import subprocess
        import pytest

        def test_unmarked_sandbox():
            subprocess.run(["bwrap", "--version"], check=True)

        @pytest.mark.sandbox
        def test_marked_sandbox():
            subprocess.run(["bwrap", "--version"], check=True)

        @pytest.mark.nbgrader
        def test_marked_for_something_else():
            subprocess.run(["bwrap", "--version"], check=True)

        def test_plain_tool():
            subprocess.run(["true"], check=True)

        def test_unmarked_server():
            subprocess.run(["voila", "--version"], check=True)

        @pytest.mark.browser
        def test_a_server_in_another_tier():
            subprocess.run(["voila", "--version"], check=True)
    """)
    result = suite.runpytest(*PLUGIN_ARGS, "-v")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines([
        "*test_unmarked_sandbox FAILED*",
        "*test_marked_sandbox PASSED*",
        "*test_marked_for_something_else FAILED*",
        "*test_plain_tool PASSED*",
        "*test_unmarked_server FAILED*",
        "*test_a_server_in_another_tier PASSED*",
    ])
    result.stdout.fnmatch_lines([
        "*it starts `bwrap --version` but is not marked `sandbox`: add @pytest.mark.sandbox*"])
    result.stdout.fnmatch_lines([
        "*it starts `voila --version` but is not marked `slow`: add @pytest.mark.slow*"])


def test_an_unmarked_test_that_burns_cpu_fails_and_a_slow_one_passes(suite):
    suite.makepyfile(test_cpu="""
        import time
        import pytest

        def burn():
            end = time.process_time() + 0.4
            while time.process_time() < end:
                pass

        def test_unmarked_burner():
            burn()

        @pytest.mark.slow
        def test_slow_burner():
            burn()

        @pytest.fixture(scope="module")
        def costly_shared():
            burn()

        def test_first_user_of_a_costly_shared_fixture(costly_shared):
            pass
    """)
    result = suite.runpytest(*PLUGIN_ARGS, "-v")
    result.stdout.fnmatch_lines([
        "*test_unmarked_burner FAILED*",
        "*test_slow_burner PASSED*",
        "*test_first_user_of_a_costly_shared_fixture FAILED*",
    ])
    result.stdout.fnmatch_lines(["*test_unmarked_burner*", "*of CPU, more than a light test*"])
    result.stdout.fnmatch_lines(["*fixture costly_shared took * s of CPU to start*"])


def test_hub_tests_share_one_worker_group_and_heavy_modules_one_each(suite):
    suite.makepyfile(test_a="""
        import pytest

        @pytest.mark.hub
        def test_hub_a():
            pass

        def test_light_a():
            pass

        def test_browser_a(page):
            pass
    """, test_b="""
        import pytest

        pytestmark = pytest.mark.hub

        def test_hub_b():
            pass
    """)
    suite.makeconftest(CONFTEST + """
def pytest_collection_finish(session):
    for item in session.items:
        groups = [m.args[0] for m in item.iter_markers("xdist_group")]
        print("GROUP", item.name, groups)
""")
    result = suite.runpytest(*PLUGIN_ARGS, "--collect-only", "-s")
    result.stdout.fnmatch_lines_random([
        "GROUP test_hub_a ['hub']",
        "GROUP test_hub_b ['hub']",
        "GROUP test_light_a []",
        "GROUP test_browser_a ['test_a.py']",
    ])


def test_shuffle_reorders_modules_and_tests_from_its_seed(suite):
    for module in "abcde":
        suite.makepyfile(**{f"test_{module}": "\n".join(
            f"def test_{module}{n}():\n    pass\n" for n in range(6))})

    def order(*args):
        result = suite.runpytest(*PLUGIN_ARGS, "--collect-only", "-q", *args)
        return [line.split("::")[1] for line in result.outlines if "::" in line]

    plain = order()
    assert plain == [f"test_{m}{n}" for m in "abcde" for n in range(6)]
    first, again, other = order("--shuffle", "7"), order("--shuffle", "7"), order("--shuffle", "8")
    assert first == again
    assert first != plain and other != first
    assert sorted(first) == plain
    modules = [name[5] for name in first]
    assert all(modules[i] == modules[i + 1] for i in range(0, 30) if (i + 1) % 6), modules


@pytest.mark.slow  # a pytest-xdist run: a worker process of its own
def test_groups_go_out_in_the_order_of_heaviest_first_then_by_tier_then_light(suite):
    suite.makeini(SUITE_INI + "heaviest_first =\n    test_b.py\n    hub\n")
    suite.makepyfile(test_a="""
        import pytest

        def test_light_a():
            pass

        @pytest.mark.browser
        def test_browser_a():
            pass
    """, test_b="""
        import pytest

        pytestmark = pytest.mark.slow

        def test_slow_b():
            pass
    """, test_c="""
        import pytest

        pytestmark = pytest.mark.hub

        def test_hub_c():
            pass
    """)
    result = suite.runpytest(*PLUGIN_ARGS, "-p", "xdist", "-n", "1", "--dist", "loadgroup",
                             "--no-loadscope-reorder", "-v")
    ran = [line.split("::")[1].split()[0].split("@")[0] for line in result.outlines
           if "PASSED" in line and "::" in line]
    assert ran == ["test_slow_b", "test_hub_c", "test_browser_a", "test_light_a"], result.outlines
