"""Release: regenerate exercises/ from solutions/ with nbgrader (what `make release` runs).

exercises/ is generated, committed and never edited by hand; CI regenerates it and fails on any
difference. Before nbgrader runs, the course is checked for what would make grades wrong or leak
answers: an answers.json in a source folder (it would be handed to every learner), an
unreadable readkit.toml, grade cells whose points differ from what they can score, and the data
contract of the articles it grades, which release asks `readkit validate` about
(readkit.course.validate) instead of repeating its rules.
"""

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from readkit.course import validate as contract
from readkit.course.answers import ANSWERS_FILE
from readkit.course.course import Course, CourseError
from readkit.grading import numbers, trusted


@dataclass
class ReleaseResult:
    released: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def source_assignments(course: Course) -> list[str]:
    """The assignment folders of the source directory, in order (hidden folders skipped)."""
    source = course.layout.source
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


_SCORE_NUMBERS = re.compile(r'score_numbers\(\s*"([^"]+)"')
# The article a number task's cell names (`score_numbers("filter", globals(), article="x")`).
_NUMBERS_ARTICLE = re.compile(r'score_numbers\([^\n]*?\barticle\s*=\s*"([^"]+)"')


def _cell_maximum(course: Course, assignment: str, grade_id: str, source: str) -> float | None:
    """The most points a grade cell can get: a Sorter part's points (TrustedScores sets them),
    part 5's choice point, a number task's points; None for a cell readkit does not score."""
    for section in course.sections(assignment):
        if grade_id == trusted.grade_cell_id(section.section):
            return section.points
    if grade_id == trusted.CHOICE_GRADE_CELL:
        return trusted.CHOICE_POINTS
    match = _SCORE_NUMBERS.search(source)
    if match:
        return float(numbers.NUMBER_TASKS[match.group(1)].points)
    return None


def check_grade_cells(course: Course, assignment: str, notebook: Path) -> list[str]:
    """Each autograded cell's points must equal the most it can score: nbgrader aborts a
    learner's whole grading on a result above the cell's points, and gives credit that can
    never be reached below it. Every Sorter part needs its grade cell."""
    problems = []
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    seen = set()
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or cell.get("cell_type") != "code":
            continue
        grade_id, points = meta.get("grade_id", ""), float(meta.get("points", 0))
        seen.add(grade_id)
        try:
            maximum = _cell_maximum(course, assignment, grade_id, "".join(cell.get("source", "")))
        except KeyError as error:
            problems.append(f"{notebook.name} cell {grade_id}: unknown task {error}")
            continue
        if maximum is not None and maximum != points:
            problems.append(f"{notebook.name} cell {grade_id} is worth {points:g} points but "
                            f"can score up to {maximum:g}: make them equal")
    for section in course.sections(assignment):
        if trusted.grade_cell_id(section.section) not in seen:
            problems.append(f"{notebook.name} has no grade cell "
                            f"{trusted.grade_cell_id(section.section)} for {section.section}: "
                            "its points would never be recorded")
    return problems


def number_task_articles(course: Course, assignments: list[str] | None = None
                         ) -> dict[str | None, list[str]]:
    """The articles whose claims the number tasks of the source notebooks score (None: the
    course's first article, the table `readkit.load_claims()` gives) -> those assignments."""
    found: dict[str | None, list[str]] = {}
    source = course.layout.source
    for name in assignments if assignments is not None else source_assignments(course):
        for notebook in sorted((source / name).glob("*.ipynb")):
            try:
                cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
            except (OSError, ValueError, AttributeError):
                continue  # check_grade_cells reports an unreadable notebook
            for cell in cells:
                text = "".join(cell.get("source", ""))
                if _SCORE_NUMBERS.search(text):
                    named = _NUMBERS_ARTICLE.search(text)
                    users = found.setdefault(named.group(1) if named else None, [])
                    if name not in users:
                        users.append(name)
    return found


def graded_articles(course: Course, assignments: list[str]) -> list[str]:
    """The articles whose sections.csv has parts of `assignments`, in articles.csv order."""
    return [slug for slug in course.article_slugs
            if any(course.article(slug).sections(name) for name in assignments)]


def validate_course(course: Course, assignments: list[str] | None = None) -> list[str]:
    """What would make grading wrong: the settings, and the data contract of every article that
    `assignments` (all of solutions/ by default) grade, as `readkit validate` checks it
    (readkit.course.validate: sections inside the assessment split, no draft in the key, ...),
    plus the claims of the article their number tasks score. [] when fine. Articles that no
    released assignment uses (one still being labelled) are left to `readkit validate`."""
    names = assignments if assignments is not None else source_assignments(course)
    try:
        _ = course.settings  # raises on an unreadable readkit.toml
        slugs = graded_articles(course, names)
    except (CourseError, OSError, ValueError, KeyError) as error:
        return [str(error)]
    found, _ = contract.validate_course(course, slugs)
    problems = [str(problem) for problem in found]
    for slug, users in number_task_articles(course, names).items():
        try:
            article = course.article(slug)
            expected = numbers.expected_numbers(article.claims())
        except (CourseError, OSError, ValueError, KeyError) as error:
            problems.append(f"the number tasks of {', '.join(users)}: {error}")
            continue
        problems.extend(
            f"{article.slug}/claims.csv: {problem} (the number tasks of {', '.join(users)} "
            "score this table: fix it, or have the notebook name the article it is about with "
            "article=\"...\" in readkit.load_claims and score_numbers)"
            for problem in expected.problems)
    return problems


def check_course(course: Course, assignments: list[str]) -> list[str]:
    """Problems that must be fixed before a release (empty when none)."""
    problems = []
    source = course.layout.source
    for name in assignments:
        folder = source / name
        if not folder.is_dir():
            problems.append(f"{source.name}/{name} does not exist (have: "
                            f"{', '.join(source_assignments(course)) or 'nothing'})")
            continue
        if not any(folder.glob("*.ipynb")):
            problems.append(f"{source.name}/{name} has no notebook")
        for stray in sorted(folder.rglob(ANSWERS_FILE)):
            problems.append(
                f"{stray.relative_to(course.root)} would be released to every learner: "
                "delete it (it is left by running the Sorter in the source folder)")
    problems.extend(validate_course(course, [name for name in assignments
                                             if (source / name).is_dir()]))
    if not problems:
        for name in assignments:
            for notebook in sorted((source / name).glob("*.ipynb")):
                problems.extend(check_grade_cells(course, name, notebook))
    return problems


def release(course: Course, assignments: list[str] | None = None) -> ReleaseResult:
    """Run `nbgrader generate_assignment NAME --force` for each assignment (all of solutions/
    by default) from the course root. Stops at the first failure with a message that says what
    went wrong and what to do."""
    root = course.root
    names = list(assignments) if assignments else source_assignments(course)
    if not names:
        return ReleaseResult(error=f"Nothing to release: {course.layout.source} has no "
                             "assignment folder.")
    problems = check_course(course, names)
    if problems:
        return ReleaseResult(error="Not released; fix these first:\n- " + "\n- ".join(problems))
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
                f"{course.layout.release.name}/{name} may be incomplete. Last lines of its "
                "log:\n  "
                + "\n  ".join(log[-12:])
            )
            return result
        result.released.append(name)
    return result
