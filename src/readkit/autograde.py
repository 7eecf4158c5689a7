"""The in-notebook side of grading: what the graded notebooks' cells call.

- `check_answers(assignment, section=None)`: the visible pre-submit check. It says whether
  answers.json is there and readable and how many sentences are still unlabelled; nothing about
  correctness, and it works without the answer key (a learner's installation has none).
- `score_section(assignment, section)`: the body of a hidden test cell. It reads ./answers.json
  and the assessment key (data/key.csv of the course, at grading time), prints which units were
  not right, and returns the points as a plain float.
- `check_names(task, namespace)` / `score_numbers(task, namespace)`: the same pair for the pandas
  tasks of 02-trace-the-numbers; expected values are computed from data/claims.csv at grading time.

Every call contains its own I/O errors and warnings: nothing reaches stderr (nbgrader scores a
cell 0 on any stderr output) and a learner's missing or broken file gives 0 points with a message
that says what to do. Course-data files are read with the csv module (no pandas here: every
kernel that nbgrader starts pays for what grading cells import).
"""

import contextlib
import csv
import io
import sys
import tomllib
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readkit import scoring
from readkit.answers import MISSING, AnswersFile, read_answers
from readkit.article import data_file, read_units
from readkit.course import CourseNotFound, find_course_root
from readkit.scoring import Section

ANSWERS_FILE = "answers.json"
SETTINGS_FILE = "readkit.toml"
SORT_ASSIGNMENT = "01-sort-the-sources"
COMMENTARY = "commentary"


class GradingSetupError(RuntimeError):
    """The course itself is incomplete or inconsistent (the instructor's to fix)."""


# --- course files -------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """readkit.toml at the course root. show_key: feedback also gives the key's labels and
    rationales (off by default, so that the assessment can be reused)."""

    show_key: bool = False


def read_settings(course_root: Path | str | None = None) -> Settings:
    """Settings from <course root>/readkit.toml; defaults when there is no course or no file.
    Raises GradingSetupError on a file that is not valid TOML or has a wrong value."""
    try:
        root = Path(course_root) if course_root is not None else find_course_root()
    except CourseNotFound:
        return Settings()
    path = root / SETTINGS_FILE
    if not path.is_file():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise GradingSetupError(f"{path} is not valid TOML ({error}); fix it.") from None
    feedback = data.get("feedback", {})
    if not isinstance(feedback, dict):
        raise GradingSetupError(f"{path}: [feedback] must be a table.")
    show_key = feedback.get("show_key", False)
    if not isinstance(show_key, bool):
        raise GradingSetupError(
            f"{path}: [feedback] show_key must be true or false, not {show_key!r}."
        )
    return Settings(show_key=show_key)


def _csv_rows(name: str) -> list[dict[str, str]]:
    with data_file(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_sections(assignment: str | None = None) -> list[Section]:
    """The graded sections from data/sections.csv (all, or one assignment's), checked."""
    sections = scoring.parse_sections(_csv_rows("sections.csv"))
    return [s for s in sections if assignment is None or s.assignment == assignment]


def read_unit_paragraphs() -> dict[str, int]:
    """unit_id -> paragraph, in reading order, from data/units.csv."""
    return {unit["unit_id"]: unit["paragraph"] for unit in read_units()}


def find_section(assignment: str, section: str) -> Section:
    sections = read_sections(assignment)
    for found in sections:
        if found.section == section:
            return found
    names = ", ".join(s.section for s in sections) or "none"
    raise GradingSetupError(
        f"data/sections.csv has no section {section!r} for {assignment!r} (it has: {names})."
    )


# --- containment --------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No warnings, and nothing written to stderr from Python, for the duration."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stderr(io.StringIO()):
            yield


def _setup_problem(error: Exception) -> None:
    print(
        "Grading could not run: the course files are incomplete. This is not your mistake; "
        f"tell your instructor. ({type(error).__name__}: {error})"
    )


def _contained(compute: Callable[[], float]) -> float:
    """Run a scoring function quietly; any failure is printed (stdout) and gives 0.0."""
    with _quiet():
        try:
            return compute()
        except Exception as error:  # noqa: BLE001 (one broken course file must not crash a class)
            _setup_problem(error)
            return 0.0


def _ensure_stdout_flushed() -> None:
    with contextlib.suppress(Exception):
        sys.stdout.flush()


def _set_aside_note(path: Path) -> str:
    """The Sorter moves an unreadable answers file aside (answers.unreadable-<time>.json) and
    starts a fresh one; say so, since the fresh file explains an empty score."""
    aside = sorted(path.parent.glob(f"{path.stem}.unreadable-*{path.suffix}"))
    if not aside:
        return ""
    return (f" Note: an earlier {path.name} could not be read and was set aside as "
            f"{aside[-1].name}; only the answers given since then count.")


# --- 01-sort-the-sources ------------------------------------------------------------------


def check_answers(
    assignment: str = SORT_ASSIGNMENT, section: str | None = None, path: str = ANSWERS_FILE
) -> None:
    """Print whether answers.json is present and readable and how many sentences of the
    assignment (or of one section) are still unlabelled. Says nothing about correctness."""
    with _quiet():
        try:
            _check_answers(assignment, section, Path(path))
        except Exception as error:  # noqa: BLE001
            print(f"Could not check your answers: {error}")
    _ensure_stdout_flushed()


def _check_answers(assignment: str, section: str | None, path: Path) -> None:
    found = read_answers(path, assignment)
    if not found.usable:
        print("Not ready: " + " ".join(found.problems))
        return
    paragraphs = read_unit_paragraphs()
    sections = [find_section(assignment, section)] if section else read_sections(assignment)
    units = [u for s in sections for u in scoring.units_in_paragraphs(s, paragraphs)]
    missing = [u for u in units if u not in found.answers]
    where = f"{sections[0].title} ({sections[0].section})" if section else assignment
    print(f"{path.name} found and readable. {where}: {len(units) - len(missing)} of {len(units)} "
          "sentences labelled." + _set_aside_note(path))
    if missing:
        print(f"Still unlabelled ({len(missing)}): {', '.join(missing)}.")
    else:
        print("Every sentence has a label.")
    outside = [u for u in found.answers if u not in paragraphs]
    if outside:
        print(f"{len(outside)} answer(s) for unknown sentence ids are ignored: "
              f"{', '.join(sorted(outside)[:10])}.")
    for problem in found.problems:
        print(problem)


def score_section(assignment: str, section: str, path: str = ANSWERS_FILE) -> float:
    """Points for one section from ./answers.json (a plain float in [0, section points]).
    Prints the points and which units were not right (with show_key, also the key's labels
    and rationales); a missing or unreadable file gives 0.0 and says what to do."""
    points = _contained(lambda: _score_section(assignment, section, Path(path)))
    _ensure_stdout_flushed()
    return points


def _score_section(assignment: str, section_name: str, path: Path) -> float:
    from readkit.key import ASSESSMENT, read_key

    section = find_section(assignment, section_name)
    heading = f"{section.title} (paragraphs {section.first_paragraph}-{section.last_paragraph})"
    found = read_answers(path, assignment)
    if not found.usable:
        print(f"{heading}: 0 of {section.points:g} points. " + _not_gradable(found))
        return 0.0
    key = read_key(ASSESSMENT)
    try:
        settings = read_settings()
    except GradingSetupError as error:  # only feedback detail depends on it: grade anyway
        print(f"(Note for the instructor: {error} Feedback gives no key details meanwhile.)")
        settings = Settings()
    unit_ids = scoring.section_unit_ids(section, read_unit_paragraphs(), key)
    if not unit_ids:
        raise GradingSetupError(f"section {section_name!r} has no assessment units in data/")
    results = scoring.unit_results(found.answers, key, unit_ids)
    points = scoring.section_points(results, section.points)
    print(f"{heading}: {points:g} of {section.points:g} points." + _set_aside_note(path))
    for line in scoring.feedback_lines(results, key, show_key=settings.show_key):
        print(line)
    return points


def _not_gradable(found: AnswersFile) -> str:
    if found.status == MISSING:
        return (f"No {found.path.name} was handed in with this notebook, so no sentence could be "
                f"graded. Submit the assignment folder with {found.path.name} in it (the Sorter "
                "saves it next to the notebook).")
    return " ".join(found.problems)


def score_rewrite_choice(
    assignment: str, unit_id: Any, path: str = ANSWERS_FILE, max_points: float = 1.0
) -> float:
    """Points for naming a sentence of this assignment that the learner labelled commentary
    (their own label in answers.json; the key is not consulted)."""

    def compute() -> float:
        found = read_answers(path, assignment)
        if not found.usable:
            print("No points. " + _not_gradable(found))
            return 0.0
        paragraphs = read_unit_paragraphs()
        sections = read_sections(assignment)
        units = {u for s in sections for u in scoring.units_in_paragraphs(s, paragraphs)}
        if not isinstance(unit_id, str) or unit_id not in units:
            print(f"No points: {unit_id!r} is not the id of a sentence in this assignment "
                  "(ids look like 'p47s3'; the Sorter shows them).")
            return 0.0
        # The label is named apart from the id: feedback never puts a unit id next to a label.
        if found.answers.get(unit_id) != COMMENTARY:
            print(f"No points: answers.json does not give {unit_id} the label that Part 5 asks "
                  "for. Pick a sentence you labelled commentary.")
            return 0.0
        print(f"chosen_unit {unit_id}: OK.")
        return scoring.clamp_points(max_points, max_points)

    points = _contained(compute)
    _ensure_stdout_flushed()
    return points


# --- 02-trace-the-numbers -----------------------------------------------------------------


def read_claims() -> list[dict[str, str]]:
    """data/claims.csv as plain rows (strings), in file order."""
    return _csv_rows("claims.csv")


def check_names(task: str, namespace: Mapping[str, Any]) -> None:
    """Visible check for a pandas task: are the names the task asks for defined, and what are
    they (type and size)? Says nothing about correctness."""
    with _quiet():
        try:
            names = scoring.NUMBER_TASKS[task].names
        except KeyError:
            print(f"Unknown task {task!r}; tasks are: {', '.join(scoring.NUMBER_TASKS)}.")
            return
        for name in names:
            if name not in namespace:
                print(f"{name}: not defined yet. Run the cell where you set it.")
            else:
                print(f"{name}: {scoring.describe(namespace[name])}")
    _ensure_stdout_flushed()


def score_numbers(task: str, namespace: Mapping[str, Any]) -> float:
    """Points for one pandas task of 02-trace-the-numbers: the learner's values (looked up by
    name in `namespace`, pass `globals()`) against values computed from data/claims.csv now."""

    def compute() -> float:
        spec = scoring.NUMBER_TASKS[task]
        expected = scoring.expected_numbers(read_claims())
        checks = scoring.check_numbers(task, namespace, expected)
        points = scoring.points_for_checks([ok for _, ok in checks], spec.points)
        print(f"{spec.title}: {points:g} of {spec.points:g} points.")
        for message, ok in checks:
            print(("right: " if ok else "not right: ") + message)
        return points

    points = _contained(compute)
    _ensure_stdout_flushed()
    return points


# --- course checks (release, CI) ----------------------------------------------------------


def validate_course() -> list[str]:
    """What would make grading wrong: settings, sections and their units. [] when fine."""
    from readkit.key import ASSESSMENT, read_key

    problems = []
    try:
        read_settings()
        sections = read_sections()
        paragraphs = read_unit_paragraphs()
        key = read_key(ASSESSMENT)
        expected_numbers = scoring.expected_numbers(read_claims())
    except Exception as error:  # noqa: BLE001
        return [str(error)]
    for section in sections:
        units = scoring.units_in_paragraphs(section, paragraphs)
        if not units:
            problems.append(f"sections.csv: {section.section} has no units in its paragraphs")
        outside = [u for u in units if u not in key]
        if outside:
            problems.append(
                f"sections.csv: {section.assignment} {section.section} covers units that are not "
                f"in the assessment split: {', '.join(outside)} (graded units must be assessment "
                "units; move the section's paragraphs or the split)"
            )
    problems.extend(f"claims.csv: {p}" for p in expected_numbers.problems)
    return problems
