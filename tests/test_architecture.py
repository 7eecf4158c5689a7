"""The package's layout holds: each stage imports only the stages below it, nothing imports in a
circle, and only the Course names a file under data/.

    readkit/course/     the Course and the data contract (its one parser and validator)
    readkit/grading/    pure scoring, the no-reading strategies; what graded cells call
    readkit/widgets/    what learners see (the author mode's file logic is authoring's)
    readkit/sandbox/    bubblewrap, the kernel zygote and pool: nothing else of readkit
    readkit/nbgrader/   readkit's nbgrader plug-ins, the autograde runner, release
    readkit/results/    grade, report, LMS export
    readkit/hub/        JupyterHub deployment
    readkit/authoring/  course authors' tools
    cli.py, lab.py, demo.py at the top: they may use every stage.

Learner-side code (course, grading, widgets) never imports the instructor side or nbgrader.
Only the Course (readkit/course) opens data/ files; course/learner_data.py writes the
learner-side copy of a data folder. Everything else names data/ only in messages.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "readkit"
FRONT_ENDS = ("readkit.widgets", "anywidget", "ipywidgets", "IPython")
STAGES = ("course", "grading", "widgets", "sandbox", "nbgrader", "results", "hub", "authoring")
# Which of readkit's stages each stage may import: the arrows of docs/architecture.md, all
# pointing down. A stage may always import itself.
MAY_IMPORT = {
    "course": (),
    "grading": ("course",),
    "widgets": ("course", "grading", "authoring"),  # author mode edits through authoring's editor
    "sandbox": (),
    "nbgrader": ("course", "grading", "sandbox"),
    "results": ("course", "grading", "nbgrader"),
    "hub": ("course", "nbgrader", "results"),
    "authoring": ("course", "grading"),
}
# Outside libraries a stage must not import either (learner side: no front end where no widget
# is drawn, no nbgrader where a learner's install has none).
MAY_NOT_USE = {
    "course": FRONT_ENDS + ("nbgrader",),
    "grading": FRONT_ENDS + ("nbgrader",),
    "widgets": ("nbgrader",),
}


def forbidden_for(stage: str) -> tuple[str, ...]:
    allowed = {stage, *MAY_IMPORT[stage]}
    return tuple(f"readkit.{other}" for other in STAGES if other not in allowed) + (
        "readkit.cli", "readkit.lab", "readkit.demo") + MAY_NOT_USE.get(stage, ())


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, name: str = "readkit.x.module") -> set[str]:
    """Every module a source imports: import statements at any depth (inside functions too),
    relative imports resolved, `from pkg import sub` read as pkg.sub too, and
    importlib.import_module("...") / __import__("...") with a literal name."""
    package = name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name)
                       and node.func.id in ("import_module", "__import__")))):
            found.add(node.args[0].value)
    return found


def forbidden_in(found: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(name for name in found
                  if any(name == f or name.startswith(f + ".") for f in forbidden))


@pytest.mark.parametrize("stage", STAGES)
def test_stage_imports_only_the_stages_below_it(stage):
    paths = modules(stage)
    assert PACKAGE / stage / "__init__.py" in paths and len(paths) >= 2
    wrong = {
        str(path.relative_to(PACKAGE)): bad
        for path in paths
        if (bad := forbidden_in(imports_of(path.read_text(encoding="utf-8"), module_name(path)),
                                forbidden_for(stage)))
    }
    assert wrong == {}


def test_every_subpackage_is_a_stage_with_a_docstring():
    """A newcomer finds each job by its folder's name: every subpackage is listed above and says
    in its docstring what it does."""
    found = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert found == sorted(STAGES)
    for stage in STAGES:
        tree = ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8"))
        assert len(ast.get_docstring(tree) or "") > 40, stage


def import_graph() -> dict[str, set[str]]:
    """readkit module -> the readkit modules it imports (at any depth of its code)."""
    names = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in names.items():
        found = imports_of(path.read_text(encoding="utf-8"), name)
        graph[name] = {target for target in found if target in names and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (Tarjan), sorted."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_no_import_cycle():
    """Not even through an import inside a function: every module can be read bottom up."""
    graph = import_graph()
    # A package's __init__ that re-exports its modules is not a cycle of design.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    assert cycles(graph) == []


def test_cycle_check_finds_a_cycle():
    """The check above can fail: a loop of three and a pair are both found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    assert cycles(graph) == [["a", "b", "c"], ["d", "e"]]


def test_sandbox_runs_without_the_rest_of_readkit():
    """The sandbox is standalone: importing all of it in a fresh interpreter loads no other part
    of readkit (only the package's own lazy __init__)."""
    names = [module_name(path) for path in modules("sandbox")]
    code = (f"import sys\nfor name in {names!r}:\n    __import__(name)\n"
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    loaded = {m for m in out.stdout.split() if m.startswith("readkit.")}
    assert loaded and all(m.startswith("readkit.sandbox") for m in loaded), sorted(loaded)


@pytest.mark.parametrize(("source", "name", "expected"), [
    ("import readkit.results.grade", "readkit.grading.x", ["readkit.results.grade"]),
    ("from readkit.results import grade", "readkit.grading.x",
     ["readkit.results", "readkit.results.grade"]),
    ("from readkit import results", "readkit.grading.x", ["readkit.results"]),
    ("from ..results.report import build", "readkit.grading.x",
     ["readkit.results.report", "readkit.results.report.build"]),
    ("def later():\n    from IPython.display import HTML", "readkit.grading.x",
     ["IPython.display", "IPython.display.HTML"]),
    ("import importlib\nimportlib.import_module('ipywidgets')", "readkit.grading.x",
     ["ipywidgets"]),
    ("from readkit.course.course import Course\nimport anywidgets_like", "readkit.grading.x", []),
])
def test_import_check_catches_every_form(source, name, expected):
    """The check above can fail: each way of importing a forbidden module is found."""
    assert forbidden_in(imports_of(source, name), forbidden_for("grading")) == expected


def test_grading_kernels_load_nothing_above_them():
    """Also what is imported on the way (transitively): import every grading module in a fresh
    interpreter and look at sys.modules."""
    names = [module_name(path) for path in modules("grading")]
    code = (f"import sys\nfor name in {names!r}:\n    __import__(name)\n"
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    loaded = set(out.stdout.split())
    assert set(names) <= loaded
    assert forbidden_in(loaded, forbidden_for("grading")) == []


# -- who names data/ --------------------------------------------------------------------------

# A string literal outside readkit/course that is "data" or holds "data/": the module and the
# path it names. Only these, each for the reason given; anything new opens data/ behind the
# Course's back (use Article.file / Article.rows) or must be added here with its reason.
ALLOWED_DATA_NAMES = sorted([
    ("cli.py", "data/"),                              # `readkit validate` help text
    ("cli.py", "data/articles.csv"),                  # `readkit validate` help text
    ("demo.py", "data"),                              # copy_course copies the whole folder
    ("demo.py", "../../../../data/articles"),         # the cheat cell the sandbox must refuse
    ("hub/deploy.py", "data"),                        # copies the course; the learner wheel's digest
    ("nbgrader/safe_html.py", "data"),                # the data: URL scheme, an output's data
])
EXEMPT = ("course/",)
DATA_PATH = re.compile(r"(?<![\w-])(?:\.\./)*data(?:/[\w.-]*)?(?![\w-])")


def docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and node.body and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)):
            found.add(id(node.body[0].value))
    return found


def data_names(source: str) -> set[str]:
    """The data/ paths named by the string literals of a source (docstrings aside)."""
    tree = ast.parse(source)
    skip = docstrings(tree)
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in skip):
            if node.value == "data":
                found.add("data")
            elif "data/" in node.value:
                found |= {m for m in DATA_PATH.findall(node.value) if "/" in m}
    return found


def test_only_the_course_names_files_under_data():
    found = sorted(
        (str(path.relative_to(PACKAGE)), name)
        for path in PACKAGE.rglob("*.py")
        if not str(path.relative_to(PACKAGE)).startswith(EXEMPT)
        for name in data_names(path.read_text(encoding="utf-8"))
    )
    assert found == ALLOWED_DATA_NAMES


@pytest.mark.parametrize(("source", "expected"), [
    ('open("data/key.csv")', {"data/key.csv"}),
    ('root / "data" / "key.csv"', {"data"}),
    ("Path('../data/units.csv').read_text()", {"../data/units.csv"}),
    ('f"{root}/data/{name}"', {"data/"}),
    ('"""Reads data/key.csv."""\nx = "metadata/x" + "big data"', set()),
])
def test_data_name_check_catches_a_path(source, expected):
    """The check above can fail: a path into data/ is found, a docstring or a word is not."""
    assert data_names(source) == expected


def test_the_course_itself_names_data():
    """The exemption is needed: the Course is where data/ is named."""
    assert "data" in data_names((PACKAGE / "course" / "course.py").read_text(encoding="utf-8"))
