"""The package's layout holds: who may import whom, and who may name a file under data/.

    readkit/course/      learner side: never imports instructor code or a front end
    readkit/widgets/     learner side: never imports instructor code
    readkit/grading/     learner side (grading kernels): no instructor code, no widgets, no IPython
    readkit/instructor/  the commands

Only the Course (readkit/course) opens data/ files; instructor/learner_data.py writes the
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
INSTRUCTOR = ("readkit.instructor",)
FRONT_ENDS = ("readkit.widgets", "anywidget", "ipywidgets", "IPython")
FORBIDDEN = {
    "course": INSTRUCTOR + FRONT_ENDS,
    "widgets": INSTRUCTOR,
    "grading": INSTRUCTOR + FRONT_ENDS,
}


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


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_it_must_not(layer):
    paths = modules(layer)
    assert PACKAGE / layer / "__init__.py" in paths and len(paths) >= 3
    wrong = {
        str(path.relative_to(PACKAGE)): bad
        for path in paths
        if (bad := forbidden_in(imports_of(path.read_text(encoding="utf-8"), module_name(path)),
                                FORBIDDEN[layer]))
    }
    assert wrong == {}


@pytest.mark.parametrize(("source", "name", "expected"), [
    ("import readkit.instructor.grade", "readkit.grading.x", ["readkit.instructor.grade"]),
    ("from readkit.instructor import grade", "readkit.grading.x",
     ["readkit.instructor", "readkit.instructor.grade"]),
    ("from readkit import instructor", "readkit.grading.x", ["readkit.instructor"]),
    ("from ..instructor.report import build", "readkit.grading.x",
     ["readkit.instructor.report", "readkit.instructor.report.build"]),
    ("def later():\n    from IPython.display import HTML", "readkit.grading.x",
     ["IPython.display", "IPython.display.HTML"]),
    ("import importlib\nimportlib.import_module('ipywidgets')", "readkit.grading.x",
     ["ipywidgets"]),
    ("from readkit.course.course import Course\nimport anywidgets_like", "readkit.grading.x", []),
])
def test_import_check_catches_every_form(source, name, expected):
    """The check above can fail: each way of importing a forbidden module is found."""
    forbidden = INSTRUCTOR + FRONT_ENDS
    assert forbidden_in(imports_of(source, name), forbidden) == expected


def test_grading_kernels_load_no_instructor_code_widgets_or_ipython():
    """Also what is imported on the way (transitively): import every grading module in a fresh
    interpreter and look at sys.modules."""
    names = [module_name(path) for path in modules("grading")]
    code = (f"import sys\nfor name in {names!r}:\n    __import__(name)\n"
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    loaded = set(out.stdout.split())
    assert set(names) <= loaded
    assert forbidden_in(loaded, INSTRUCTOR + FRONT_ENDS) == []


# -- who names data/ --------------------------------------------------------------------------

# A string literal outside readkit/course that is "data" or holds "data/": the module and the
# path it names. Only these, each for the reason given; anything new opens data/ behind the
# Course's back (use Article.file / Article.rows) or must be added here with its reason.
ALLOWED_DATA_NAMES = sorted([
    ("cli.py", "data/"),                              # `readkit validate` help text
    ("cli.py", "data/articles.csv"),                  # `readkit validate` help text
    ("instructor/demo.py", "data"),                   # copy_course copies the whole folder
    ("instructor/demo.py", "../../../../data/articles"),  # the cheat cell the sandbox must refuse
    ("instructor/hub.py", "data"),                    # copies the course; the learner wheel's digest
])
EXEMPT = ("course/", "instructor/learner_data.py")
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
