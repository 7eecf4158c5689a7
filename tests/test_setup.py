"""The foundation: the environment files agree, the tools run from the venv, `make lab`'s server
answers and stays closed without its token, and a second `make test` installs nothing."""

import json
import os
import re
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

import readkit
from readkit.lab import lab_command
from tests.support.browser_harness import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _pyproject_requirements() -> dict[str, str]:
    """Every dependency and every extra's, readkit's own extras (readkit[instructor]) aside."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [
        spec for extra in project["optional-dependencies"].values() for spec in extra]
    found = {Requirement(s).name.lower(): str(Requirement(s).specifier) for s in specs}
    found.pop(project["name"], None)
    return found


def test_test_extra_includes_the_instructor_side():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert "readkit[instructor]" in extras["test"]
    assert {Requirement(s).name for s in extras["instructor"]} == {"nbgrader", "jinja2", "nh3",
                                                                      "scipy"}


def test_test_extra_includes_the_hub():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert "readkit[hub]" in extras["test"]
    assert {Requirement(s).name for s in extras["hub"]} == {"readkit", "jupyterhub", "psycopg"}


def _conda_requirements() -> dict[str, str]:
    """conda packages plus the pip section (packages conda-forge lacks), readkit itself aside."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(e["pip"] for e in env["dependencies"] if isinstance(e, dict))
    entries = [e for e in env["dependencies"] if isinstance(e, str)] + pip_section
    found = {}
    for entry in entries:
        if entry == "-e ." or entry.split(">")[0].split("=")[0] in ("python", "pip"):
            continue
        requirement = Requirement(entry.replace(" ", ""))
        found[requirement.name.lower()] = str(requirement.specifier)
    return found


def test_environment_yml_matches_pyproject():
    assert _conda_requirements() == _pyproject_requirements()


def test_build_backend_is_in_the_test_extra():
    """The tests build the learner wheel without build isolation (offline): the venv has the
    backend because the test extra asks for it, with the same range as [build-system]."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    backend = {Requirement(s).name.lower(): str(Requirement(s).specifier)
               for s in pyproject["build-system"]["requires"]}
    test_extra = {Requirement(s).name.lower(): str(Requirement(s).specifier)
                  for s in pyproject["project"]["optional-dependencies"]["test"]}
    assert backend == {"hatchling": ">=1.24"}
    assert backend.items() <= test_extra.items()


def test_environment_yml_installs_readkit_itself():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_entries = next(e["pip"] for e in env["dependencies"] if isinstance(e, dict))
    assert pip_entries[-1] == "-e ."


def test_constraints_pin_every_dependency():
    pinned = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    missing = set(_pyproject_requirements()) - pinned
    assert not missing, f"constraints.txt lacks {missing}: run `make lock`"


def test_every_uv_install_reads_the_overrides():
    """overrides.txt leaves rfc3987-syntax out (its grammar costs every process that imports
    nbformat 1.1 s of CPU): the Makefile's installs and the hub environment's read it, and the
    hub environment is rebuilt when it changes."""
    from readkit.hub import deploy

    assert re.search(r'^rfc3987-syntax ; sys_platform == "never"$',
                     (ROOT / "overrides.txt").read_text(), re.MULTILINE)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^UV_INSTALL = .*--overrides overrides\.txt", makefile, re.MULTILINE)
    assert "overrides.txt" in re.search(r"^DEPS := (.*)$", makefile, re.MULTILINE).group(1)
    assert "overrides.txt" in deploy.DEPENDENCY_FILES
    assert '"--overrides", str(course_root / "overrides.txt")' in Path(deploy.__file__).read_text()
    assert "rfc3987-syntax==" not in (ROOT / "constraints.txt").read_text()


def test_the_venv_has_no_iri_grammar_to_build():
    import importlib.util

    assert importlib.util.find_spec("rfc3987_syntax") is None, (
        "rfc3987-syntax is in this venv although overrides.txt leaves it out: run make test "
        f"or make check again (its install removes it), or {BIN / 'uv'} pip uninstall "
        f"--python {sys.executable} rfc3987-syntax lark")


def test_version_importable_from_venv():
    out = subprocess.run(
        [sys.executable, "-c", "import readkit; print(readkit.__version__)"],
        capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == readkit.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", readkit.__version__)


@pytest.mark.slow  # each tool loads its whole app to print a version: seconds of CPU
@pytest.mark.parametrize(
    ("tool", "pattern"),
    [("jupyter-lab", r"\b4\.\d+\.\d+"),
     pytest.param("nbgrader", r"\b0\.9\.\d+", marks=pytest.mark.nbgrader),
     ("voila", r"\b0\.5\.\d+")],
)
def test_tools_run_from_venv(tool, pattern):
    out = subprocess.run([BIN / tool, "--version"], capture_output=True, text=True, check=True)
    assert re.search(pattern, out.stdout.strip().splitlines()[-1])


def test_second_setup_installs_nothing():
    """After `make test` installed, the stamp is up to date: make would run no pip install."""
    result = subprocess.run(
        ["make", "-n", ".venv/.installed-test", ".venv/.installed-lab"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert "pip install" not in result.stdout, result.stdout
    assert result.returncode == 0


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:
        return 0  # not listening yet


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """The exact server command `make lab` runs, on a free port, no browser, known token."""
    port, token = free_port(), "readkit-test-token"
    tmp_path = tmp_path_factory.mktemp("lab")
    env = dict(
        os.environ,
        JUPYTER_TOKEN=token,
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
    )
    command = lab_command(port, open_browser=False)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _get(f"{base}/api/status?token={token}") != 200:
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stderr.read()}")
            if time.monotonic() > deadline:
                pytest.fail("server did not answer within 60 s")
            time.sleep(0.3)
        yield base, token, command
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_lab_server_answers_with_token(lab_server):
    base, token, command = lab_server
    assert _get(f"{base}/api/status?token={token}") == 200
    assert _get(f"{base}/lab?token={token}") == 200
    # make lab opens on the lessons folder
    assert "--LabApp.default_url=/lab/tree/lessons" in command
    assert _get(f"{base}/lab/tree/lessons?token={token}") == 200
    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as response:
        assert "started" in json.loads(response.read())


def test_lab_server_stays_closed_without_token(lab_server):
    base, _, command = lab_server
    assert _get(f"{base}/api/status") == 403
    assert "--ServerApp.ip=127.0.0.1" in command
    assert not any("token=" in part.lower() for part in command)


def test_make_lab_installs_what_the_readmes_own_article_steps_import():
    """`make lab` is the README's setup, and its "Use your own article" steps (new-article,
    handout) import the authoring extra's libraries: the lab's stamp installs that extra."""
    import ast

    dry = subprocess.run(["make", "-n", "-B", ".venv/.installed-lab"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    installed = re.search(r"-e '\.\[([a-z,]+)\]'", dry).group(1).split(",")
    assert {"instructor", "authoring"} <= set(installed), dry
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    provided = {Requirement(spec).name.lower() for extra in installed for spec in extras[extra]}
    # every third-party module the authoring commands import, by its distribution's name
    distributions = {"lxml": "lxml", "trafilatura": "trafilatura", "pysbd": "pysbd",
                     "jinja2": "jinja2", "nbformat": "nbformat"}
    imported = set()
    for path in (ROOT / "src" / "readkit" / "authoring").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module
                     else [])
            imported |= {name.split(".")[0] for name in names}
    needed = {distributions[name] for name in imported if name in distributions}
    assert needed - {"nbformat"} <= provided, needed - provided  # nbformat comes with nbgrader
    assert {"lxml", "trafilatura", "pysbd"} <= needed
