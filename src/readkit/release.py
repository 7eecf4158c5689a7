"""Release: regenerate exercises/ from solutions/ with nbgrader (what `make release` runs).

exercises/ is generated, committed and never edited by hand; CI regenerates it and fails on any
difference. Before nbgrader runs, the course is checked for what would make grades wrong or leak
answers: an answers.json in a source folder (it would be handed to every learner), sections
outside the assessment split, an unreadable readkit.toml.
"""

import contextlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from readkit.autograde import ANSWERS_FILE

SOURCE, RELEASE = "solutions", "exercises"


@dataclass
class ReleaseResult:
    released: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def source_assignments(course_root: Path | str) -> list[str]:
    """The assignment folders in solutions/, in order (hidden folders skipped)."""
    source = Path(course_root) / SOURCE
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))


def nbgrader_environment() -> dict[str, str]:
    """This environment's bin/ first on PATH: nbgrader calls alembic and jupyter by name."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def nbgrader_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("nbgrader")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "nbgrader", *args]


# What a grade cell's score call names, to compare the cell's points with what it can return.
_SCORE_CALLS = (
    (re.compile(r'score_section\(\s*"([^"]+)",\s*"([^"]+)"'), "section"),
    (re.compile(r'score_numbers\(\s*"([^"]+)"'), "numbers"),
    (re.compile(r"score_rewrite_choice\("), "choice"),
)


def check_grade_cells(notebook: Path) -> list[str]:
    """Each autograded cell's points must equal the maximum its score call returns: nbgrader
    aborts a learner's whole grading on a result above the cell's points, and gives credit
    that can never be reached below it."""
    from readkit import scoring
    from readkit.autograde import GradingSetupError, find_section

    problems = []
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        points = float(meta.get("points", 0))
        for pattern, kind in _SCORE_CALLS:
            match = pattern.search(source)
            if not match:
                continue
            try:
                if kind == "section":
                    maximum = find_section(*match.groups()).points
                elif kind == "numbers":
                    maximum = float(scoring.NUMBER_TASKS[match.group(1)].points)
                else:
                    maximum = 1.0
            except (GradingSetupError, KeyError) as error:
                problems.append(f"{notebook.name} cell {meta.get('grade_id')}: {error}")
                break
            if maximum != points:
                problems.append(
                    f"{notebook.name} cell {meta.get('grade_id')} is worth {points:g} points "
                    f"but its score call returns up to {maximum:g}: make them equal"
                )
            break
    return problems


def check_course(course_root: Path, assignments: list[str]) -> list[str]:
    """Problems that must be fixed before a release (empty when none)."""
    from readkit.autograde import validate_course

    problems = []
    for name in assignments:
        folder = course_root / SOURCE / name
        if not folder.is_dir():
            problems.append(f"{SOURCE}/{name} does not exist (have: "
                            f"{', '.join(source_assignments(course_root)) or 'nothing'})")
            continue
        if not any(folder.glob("*.ipynb")):
            problems.append(f"{SOURCE}/{name} has no notebook")
        for stray in sorted(folder.rglob(ANSWERS_FILE)):
            problems.append(
                f"{stray.relative_to(course_root)} would be released to every learner: "
                "delete it (it is left by running the Sorter in the source folder)"
            )
    saved = os.environ.pop("READKIT_COURSE", None)
    try:
        with contextlib.chdir(course_root):
            problems.extend(validate_course())
            if not problems:
                for name in assignments:
                    for notebook in sorted((course_root / SOURCE / name).glob("*.ipynb")):
                        problems.extend(check_grade_cells(notebook))
    finally:
        if saved is not None:
            os.environ["READKIT_COURSE"] = saved
    return problems


def release(course_root: Path | str, assignments: list[str] | None = None) -> ReleaseResult:
    """Run `nbgrader generate_assignment NAME --force` for each assignment (all of solutions/
    by default) from the course root. Stops at the first failure with a message that says what
    went wrong and what to do."""
    root = Path(course_root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        return ReleaseResult(error=f"{root} is not a course folder (no nbgrader_config.py).")
    names = list(assignments) if assignments else source_assignments(root)
    if not names:
        return ReleaseResult(error=f"Nothing to release: {root / SOURCE} has no assignment folder.")
    problems = check_course(root, names)
    if problems:
        return ReleaseResult(error="Not released; fix these first:\n- " + "\n- ".join(problems))
    # The gradebook (grading/gradebook.db in nbgrader_config.py) is created by this command, but
    # SQLite does not create its folder: a fresh checkout has no grading/ (it is git-ignored).
    (root / "grading").mkdir(exist_ok=True)
    result = ReleaseResult()
    for name in names:
        try:
            done = subprocess.run(
                nbgrader_command("generate_assignment", name, "--force"),
                cwd=root, env=nbgrader_environment(), capture_output=True, text=True,
            )
        except OSError as error:
            result.error = (f"Could not run nbgrader ({error}). Set up the course environment "
                            "first: make lab.")
            return result
        if done.returncode != 0:
            log = (done.stderr or done.stdout).strip().splitlines()
            result.error = (
                f"nbgrader generate_assignment {name} failed (exit {done.returncode}); "
                f"{RELEASE}/{name} may be incomplete. Last lines of its log:\n  "
                + "\n  ".join(log[-12:])
            )
            return result
        result.released.append(name)
    return result
