"""A copy of this checkout as a fresh clone has it: the files git tracks or would add (not what
it ignores: .venv, grading/, answers.json), as the working tree has them. The slow tests that
add an article as a teacher does, or install `make lab`'s environment, work on such a copy."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def is_git_checkout() -> bool:
    return (ROOT / ".git").exists()


def copy_of_the_course(target: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
        capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target
