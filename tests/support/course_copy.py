"""This checkout as git holds it. A learner or teacher who uses the course in it (`make lab`:
a lesson run, JupyterLab saves its outputs; the Sorter writes answers.json) changes files that
are not a change to the course: the checks of what is committed read git's copy (the staged
one, what the next commit takes), and the copy the slow tests work on takes such notebooks as
git holds them.

copy_of_the_course: a copy as a fresh clone has it, for the slow tests that add an article as a
teacher does or install `make lab`'s environment: the files git tracks or would add (not what
it ignores: .venv, grading/, answers.json), as the working tree has them (a change not yet
committed is tested), except a tracked notebook saved with outputs (a run, never committed so:
the pre-commit hook strips them), which is taken as git holds it."""

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def is_git_checkout() -> bool:
    return (ROOT / ".git").exists()


def cells_with_outputs(notebook: bytes) -> list[int]:
    """The indexes of a notebook's cells that have outputs or an execution count."""
    return [index for index, cell in enumerate(json.loads(notebook)["cells"])
            if cell.get("outputs") or cell.get("execution_count") is not None]


def committed(path: Path) -> bytes:
    """The file at `path` as git holds it (staged, else committed); as it is where git does not
    track it (a new file, a file outside this checkout, or not a git checkout)."""
    if is_git_checkout() and path.is_relative_to(ROOT):
        held = subprocess.run(["git", "cat-file", "blob", f":{path.relative_to(ROOT)}"],
                              cwd=ROOT, capture_output=True)
        if held.returncode == 0:
            return held.stdout
    return path.read_bytes()


def tracked_files(folder: Path) -> list[Path]:
    """The files under `folder` of this checkout that git tracks (every file there where this is
    not a git checkout), sorted."""
    if not is_git_checkout():
        return sorted(path for path in folder.rglob("*") if path.is_file())
    listed = subprocess.run(["git", "ls-files", "-z", "--", folder.relative_to(ROOT)], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    return sorted(ROOT / name for name in listed if name)


def copy_of_the_course(target: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
        capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
            if name.endswith(".ipynb") and cells_with_outputs(source.read_bytes()):
                (target / name).write_bytes(committed(source))
    return target
