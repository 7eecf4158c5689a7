"""What the graded notebooks' cells call inside the learner's (sandboxed) kernel.

- `check_answers(assignment, section=None)`: the visible pre-submit check of a Sorter part. It
  says whether answers.json is there and readable and how many sentences are still unlabelled;
  nothing about correctness. It needs no key (a learner's installation has none).
- `check_names(task, namespace)` / `score_numbers(task, namespace)`: the visible check and the
  hidden test of a pandas task of 02-trace-the-numbers; expected values are computed at grading
  time from the claims.csv (learner-side data) of the table the notebook works on: the one
  `readkit.load_claims()` gives (the course's first article), or `article=` as both take.

The Sorter parts' points are not computed here: readkit's trusted grade step does that outside
every kernel, from answers.json as submitted (readkit.grading.trusted).

Every call contains its own I/O errors and warnings: nothing reaches stderr (nbgrader scores a
cell 0 on any stderr output) and a missing or broken file gives a message that says what to do.
"""

import contextlib
import io
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from readkit.course.answers import ANSWERS_FILE, read_answers, set_aside_note
from readkit.course.course import Course
from readkit.course.forms import learners_form
from readkit.grading import numbers, scoring

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


# --- Sorter parts ------------------------------------------------------------------------



def check_answers(
    assignment: str, section: str | None = None, path: str = ANSWERS_FILE,
    course: Course | None = None,
) -> None:
    """Print whether answers.json is present and readable and how many sentences of the
    assignment (or of one section) are still unlabelled. Says nothing about correctness."""
    with _quiet():
        try:
            _check_answers(course or Course.default(), assignment, section, Path(path))
        except Exception as error:  # noqa: BLE001
            print(f"Could not check your answers: {error}")
    _ensure_stdout_flushed()


def _check_answers(course: Course, assignment: str, section: str | None, path: Path) -> None:
    test = course.form_test(assignment)
    if test is not None:  # a pre-test or post-test: the learner's form (course/forms.py)
        form = learners_form(test, path)[0]
        article, parts = course.article(form.slug), form.parts
    else:
        article, parts = course.article_for(assignment), assignment
    found = read_answers(path, assignment, article.slug)
    if not found.usable:
        print("Not ready: " + " ".join(found.problems))
        return
    if test is not None and section is None:
        print(f"Your {form.name}: {article.title}.")
    sections = [article.section(parts, section)] if section else article.sections(parts)
    units = [u for s in sections for u in article.section_units(s)]
    missing = [u for u in units if u not in found.answers]
    where = f"{sections[0].title} ({sections[0].section})" if section else assignment
    print(f"{path.name} found and readable. {where}: {len(units) - len(missing)} of {len(units)} "
          "sentences labelled." + set_aside_note(path))
    if missing:
        # Submit in nbgrader's Assignment List runs no check of its own: this line is where a
        # learner learns, before handing in, how many sentences are still unlabelled.
        print(f"Before you submit: {len(missing)} of {len(units)} sentences are still "
              f"unlabelled: {', '.join(missing)}.")
    else:
        print("Every sentence has a label.")
    outside = [u for u in found.answers if u not in article.unit_paragraphs]
    if outside:
        print(f"{len(outside)} answer(s) for unknown sentence ids are ignored: "
              f"{', '.join(sorted(outside)[:10])}.")
    for problem in found.problems:
        print(problem)
    if section:  # printed beside the part's score in the feedback (issue: explain the rule there)
        print(scoring.SCORING_NOTE)


# --- 02-trace-the-numbers -----------------------------------------------------------------


def check_names(task: str, namespace: Mapping[str, Any]) -> None:
    """Visible check for a pandas task: are the names the task asks for defined, and what are
    they (type and size)? Says nothing about correctness."""
    with _quiet():
        try:
            names = numbers.NUMBER_TASKS[task].names
        except KeyError:
            print(f"Unknown task {task!r}; tasks are: {', '.join(numbers.NUMBER_TASKS)}.")
            return
        for name in names:
            if name not in namespace:
                print(f"{name}: not defined yet. Run the cell where you set it.")
            else:
                print(f"{name}: {numbers.describe(namespace[name])}")
    _ensure_stdout_flushed()


def score_numbers(task: str, namespace: Mapping[str, Any], course: Course | None = None,
                  article: str | None = None) -> float:
    """Points for one pandas task of 02-trace-the-numbers: the learner's values (looked up by
    name in `namespace`, pass `globals()`) against values computed now from the claims.csv of
    `article` (default: the course's first article, the table `readkit.load_claims()` gives)."""

    def compute() -> float:
        spec = numbers.NUMBER_TASKS[task]
        article_data = (course or Course.default()).article(article)
        expected = numbers.expected_numbers(article_data.claims())
        checks = numbers.check_numbers(task, namespace, expected)
        points = scoring.points_for_checks([ok for _, ok in checks], spec.points)
        print(f"{spec.title}: {points:g} of {spec.points:g} points.")
        for message, ok in checks:
            print(("right: " if ok else "not right: ") + message)
        return points

    points = _contained(compute)
    _ensure_stdout_flushed()
    return points


