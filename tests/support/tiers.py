"""The test tiers (tests/README.md): the markers of what is heavy, given and checked here.

A pytest plugin (tests/conftest.py loads it):

- a test that uses a heavy fixture (`heavy_fixtures`: it starts Chromium, the hub...),
  directly or through another fixture, gets that fixture's markers at collection, so `-m`
  selects it out without anyone having to remember;
- while tests run, a test that starts a heavy tool (Chromium, nbgrader, bubblewrap, the hub's
  system tools: HEAVY_COMMANDS) without the marker for it fails, and so does an unmarked test that
  uses more CPU than `light_cpu_seconds` (its process and the children it waited for: CPU time,
  not wall time, so a busy machine does not move the line);
- under pytest-xdist's `--dist loadgroup` (make test), the hub tests share one worker (they
  share the system's users, the hub environment in /opt and PostgreSQL's tools), and the other
  heavy tests one worker per module (a module's servers start once); the groups go out longest
  first (`heaviest_first`), so that the last ones handed out are short and the light tests;
- `--shuffle SEED` runs the modules, and the tests inside each, in a random order drawn from
  SEED: a test that passes only after another has run fails there.
"""

from __future__ import annotations

import random
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Every tier marker; a test with none of them is light and runs in `make check`.
TIERS = ("browser", "nbgrader", "sandbox", "hub", "slow")
LIGHT = " and ".join(f"not {tier}" for tier in TIERS)

# The heavy fixtures and the CPU line of a light test are pytest settings (pyproject.toml):
#   heavy_fixtures: "where it is defined::name tier [tier...]" per line (pytest's baseid: a
#     conftest's folder or a module); every test that uses the fixture gets those markers.
#   light_cpu_seconds: the most CPU time a light test may use (the pytest process and the
#     children it waited for, its own fixtures included).
HEAVY_FIXTURES = pytest.StashKey[dict]()

# The heavy tools, by a child's program name (or `python -m NAME`): a test that starts one
# carries its marker. A Jupyter kernel or server (ANY_TIER) is heavy too: about a second of
# CPU and a few of waiting; any tier marker will do for it (`slow` when no other says why).
ANY_TIER = "slow"
HEAVY_COMMANDS: dict[str, str] = {
    "chromium": "browser",
    "chromium-headless-shell": "browser",
    "chrome": "browser",
    "headless_shell": "browser",
    "nbgrader": "nbgrader",
    "bwrap": "sandbox",
    "jupyterhub": "hub",
    "configurable-http-proxy": "hub",
    "useradd": "hub",
    "userdel": "hub",
    "initdb": "hub",
    "pg_ctl": "hub",
    "postgres": "hub",
    "runuser": "hub",
    "ipykernel_launcher": ANY_TIER,
    "ipykernel": ANY_TIER,
    "jupyter-lab": ANY_TIER,
    "jupyterlab": ANY_TIER,
    "jupyter-notebook": ANY_TIER,
    "notebook": ANY_TIER,
    "jupyter-server": ANY_TIER,
    "jupyter_server": ANY_TIER,
    "voila": ANY_TIER,
}
# `readkit COMMAND` (or python -m readkit.cli COMMAND) that runs nbgrader or the sandbox
READKIT_COMMANDS = {"release": "nbgrader", "autograde": "sandbox", "demo": "sandbox"}

# Scheduling under --dist loadgroup: the groups of `heaviest_first` (pyproject.toml) in its order,
# then the other heavy modules by tier (ORDER), then the light tests one by one (they fill the
# gaps at the end). Longest first: xdist gives a worker its next group as soon as it has two
# tests or fewer left, so a long group handed out last keeps one worker busy after the others.
HUB_GROUP = "hub"
USED_HEAVY_FIXTURES = pytest.StashKey[set]()  # the HEAVY_FIXTURES keys collected tests use
COLLECTED_MODULES = pytest.StashKey[set]()  # the test files collected (before any -m, -k)
COLLECTED_GROUPS = pytest.StashKey[set]()  # the xdist groups of the tests collected
ORDER = ("hub", "browser", "nbgrader", "sandbox", "slow")


def tier_of_command(argv) -> str | None:
    """The tier marker a command needs (argv as subprocess and os.posix_spawn get it)."""
    words = _words(argv)
    program = Path(words[0]).name if words else ""
    if program in HEAVY_COMMANDS:
        return HEAVY_COMMANDS[program]
    if program == "jupyter" and len(words) > 1:  # `jupyter lab` is `jupyter-lab`
        return HEAVY_COMMANDS.get(f"jupyter-{words[1]}")
    if program == "node" and "playwright" in words[0]:
        return "browser"  # Playwright's driver: it starts Chromium
    if program.startswith("python") and words[1:2] == ["-m"] and len(words) > 2:
        program, words = words[2].split(".")[0], words[2:]
        if program in HEAVY_COMMANDS:
            return HEAVY_COMMANDS[program]
    if program == "readkit" and len(words) > 1:
        return READKIT_COMMANDS.get(words[1])
    return None


def tiers_of(item: pytest.Item) -> set[str]:
    return {mark.name for mark in item.iter_markers() if mark.name in TIERS}


def fixture_keys(item: pytest.Item) -> list[str]:
    """"baseid::name" of each fixture the test uses (its closure, as pytest resolved it)."""
    info = getattr(item, "_fixtureinfo", None)  # pytest's own record (tests/test_tiers.py pins it)
    if info is None:
        return []
    keys = []
    for name in item.fixturenames:
        definitions = info.name2fixturedefs.get(name)
        if definitions:
            keys.append(f"{definitions[-1].baseid}::{name}")
    return keys


def group_of(item: pytest.Item) -> str | None:
    tiers = tiers_of(item)
    if "hub" in tiers:
        return HUB_GROUP
    if tiers:
        return item.nodeid.split("::")[0]  # one worker per heavy module
    return None


def rank(item: pytest.Item, heaviest_first: list[str]) -> tuple[int, int]:
    group = group_of(item)
    listed = heaviest_first.index(group) if group in heaviest_first else len(heaviest_first)
    tiers = tiers_of(item)
    return listed, next((i for i, tier in enumerate(ORDER) if tier in tiers), len(ORDER))


def shuffled(items: list[pytest.Item], seed: int) -> list[pytest.Item]:
    """Modules in a random order, and the tests of each module too (a module's tests stay
    together so that its shared fixtures start once)."""
    chance = random.Random(seed)
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    order = list(modules.values())
    chance.shuffle(order)
    for tests in order:
        chance.shuffle(tests)
    return [item for tests in order for item in tests]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("heavy_fixtures", type="linelist", default=[],
                  help="'baseid::fixture tier...': the tier markers of the tests that use it")
    parser.addini("heaviest_first", type="linelist", default=[],
                  help="xdist groups (a heavy module's path, or 'hub'), longest first: the "
                       "order --dist loadgroup hands them out")
    parser.addini("light_cpu_seconds", default="3",
                  help="the CPU seconds a test without a tier marker may use")
    parser.addoption("--shuffle", type=int, metavar="SEED", default=None,
                     help="run modules, and the tests in each, in an order drawn from SEED "
                          "(readkit's tests/support/tiers.py)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "xdist_group(name): tests pytest-xdist's loadgroup "
                                       "keeps on one worker")
    heavy = {}
    for line in config.getini("heavy_fixtures"):
        key, *marks = line.split()
        unknown = set(marks) - set(TIERS)
        if not marks or unknown:
            raise pytest.UsageError(f"heavy_fixtures: {line!r} needs tiers from {TIERS}")
        heavy[key] = tuple(marks)
    config.stash[HEAVY_FIXTURES] = heavy
    guard = Guard(float(config.getini("light_cpu_seconds")))
    config.pluginmanager.register(guard, "readkit-tier-guard")
    GUARDS.append(guard)


def pytest_unconfigure(config: pytest.Config) -> None:
    guard = config.pluginmanager.get_plugin("readkit-tier-guard")
    if guard in GUARDS:
        GUARDS.remove(guard)


@pytest.hookimpl(tryfirst=True)  # before pytest's -m deselection and xdist's loadgroup reads groups
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    heavy = config.stash[HEAVY_FIXTURES]
    used: set[str] = set()
    for item in items:
        for key in fixture_keys(item):
            for tier in heavy.get(key, ()):
                used.add(key)
                if tier not in tiers_of(item):
                    item.add_marker(tier)
        group = group_of(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
    config.stash[USED_HEAVY_FIXTURES] = used
    config.stash[COLLECTED_MODULES] = {item.nodeid.split("::")[0] for item in items}
    config.stash[COLLECTED_GROUPS] = {group for item in items if (group := group_of(item))}
    seed = config.getoption("shuffle")
    if seed is not None:
        items[:] = shuffled(items, seed)
    elif getattr(config.option, "loadgroup", False):  # an xdist worker under --dist loadgroup
        order = config.getini("heaviest_first")
        items.sort(key=lambda item: rank(item, order))


def pytest_report_header(config: pytest.Config) -> str | None:
    seed = config.getoption("shuffle")
    return f"readkit: tests shuffled with --shuffle {seed}" if seed is not None else None


# --- checking the marks while tests run -----------------------------------------------------------


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Running:
    item: pytest.Item
    tiers: set[str]
    started_cpu: float = field(default_factory=cpu_seconds)
    started_wall: float = field(default_factory=time.monotonic)
    shared_fixture_cpu: float = 0.0
    problems: list[str] = field(default_factory=list)


# One audit hook for the process (they cannot be removed); it tells the newest session's guard
# (a pytest run inside a test, as tests/test_tiers.py does, has its own).
GUARDS: list[Guard] = []


def _audit(event: str, args: tuple) -> None:
    if GUARDS and event in ("subprocess.Popen", "os.posix_spawn", "os.exec"):
        GUARDS[-1].started(args[1] if args[1] is not None else [args[0]])  # (program, argv, ...)


sys.addaudithook(_audit)


class Guard:
    """Fails a test whose marks do not say what it does (see the module's docstring)."""

    def __init__(self, light_cpu_seconds: float) -> None:
        self.light_cpu_seconds = light_cpu_seconds
        self.running: Running | None = None
        self.slow_unmarked: list[tuple[float, float, str]] = []

    def started(self, argv) -> None:
        """A child process starts (from the audit hook)."""
        running = self.running
        tier = tier_of_command(argv) if running is not None else None
        if tier is None or tier in running.tiers or (tier == ANY_TIER and running.tiers):
            return
        what = " ".join(Path(str(word)).name for word in _words(argv)[:3])
        problem = (f"it starts `{what}` but is not marked `{tier}`: add "
                   f"@pytest.mark.{tier}, or list the fixture that starts it in "
                   "heavy_fixtures (pyproject.toml); tests/README.md, Tiers")
        if problem not in running.problems:
            running.problems.append(problem)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        self.running = Running(item, tiers_of(item))
        try:
            return (yield)
        finally:
            self.running = None

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(self, fixturedef, request):
        """The CPU a module- or session-wide fixture takes to start is not its first user's."""
        started = cpu_seconds()
        try:
            return (yield)
        finally:
            running = self.running
            if running is not None and fixturedef.scope != "function":
                cost = cpu_seconds() - started
                running.shared_fixture_cpu += cost
                if cost > self.light_cpu_seconds and not running.tiers:
                    running.problems.append(
                        f"its {fixturedef.scope} fixture {fixturedef.argname} took {cost:.1f} s "
                        f"of CPU to start: list it in heavy_fixtures (pyproject.toml) "
                        "with the tier it needs")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        running = self.running
        if running is None or running.item is not item or call.when != "call":
            return report
        cpu = cpu_seconds() - running.started_cpu - running.shared_fixture_cpu
        wall = time.monotonic() - running.started_wall
        if not running.tiers:
            if cpu > self.light_cpu_seconds:
                running.problems.append(
                    f"it used {cpu:.1f} s of CPU, more than a light test may "
                    f"({self.light_cpu_seconds:g} s): mark it `slow` (or the tier that says why: "
                    f"{', '.join(TIERS[:-1])}; tests/README.md, Tiers)")
            elif wall > self.light_cpu_seconds:
                self.slow_unmarked.append((wall, cpu, item.nodeid))
        if running.problems and report.passed:
            report.outcome = "failed"
            report.longrepr = (f"{item.nodeid}: its markers do not say what it does:\n- "
                               + "\n- ".join(running.problems))
        return report

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.slow_unmarked:
            terminalreporter.write_sep("-", "light tests that took long (wall time, "
                                            "the machine may be busy)")
            for wall, cpu, nodeid in sorted(self.slow_unmarked, reverse=True)[:10]:
                terminalreporter.write_line(f"{wall:6.1f} s ({cpu:.1f} s CPU)  {nodeid}")


def _words(argv) -> list[str]:
    if isinstance(argv, (str, bytes)):
        argv = [argv]
    return [str(a, "utf-8", "replace") if isinstance(a, bytes) else str(a) for a in argv]
