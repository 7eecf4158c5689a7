"""Issue 21's acceptance for every Sorter assignment of the course (01, the pre-test and the
post-test on each form, the assignments on the other articles written for the kit), measured
through the real `readkit grade` command on answers files handed in:

- the key scores 100%;
- the best constant label per part <= 30% of the Sorter points, one constant label for
  everything <= 25%, uniform random labels <= 15% (the mean of 20 seeded files);
- within each part no sentence weighs more than 3 times another (a sentence's weight: the
  points lost when it alone is labelled wrong, the mean over the labels the key does not accept
  for it);
- meta is at most 20% of the graded sentences;

and `readkit validate` reports the same numbers (readkit.grading.guessing computes them with
the same trusted grade step).
"""

from __future__ import annotations

import csv
import random
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from readkit.course.answers import write_answers
from readkit.course.course import Course
from readkit.course.labels import LABELS
from readkit.grading import guessing, trusted
from tests.support.grading import make_course

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course.open(ROOT)
READKIT = str(Path(sys.executable).with_name("readkit"))
FORM_PARTS = {form.parts for form in COURSE.forms}
# Every Sorter assignment learners take: the tests on the forms, and every assignment of a
# sections.csv that is not a form's parts.
ASSIGNMENTS = sorted({s.assignment for s in COURSE.sections()} - FORM_PARTS | set(COURSE.form_tests))

pytestmark = pytest.mark.usefixtures("no_course_variable")


def form_plans(assignment: str) -> dict[str, trusted.SorterAssignment]:
    """'' -> the plan, or for a test: form letter -> the plan on that form."""
    plan = trusted.SorterAssignment.from_course(COURSE, assignment)
    return plan.forms or {"": plan}


def hand_in_files(root: Path, assignment: str, form: str, plan: trusted.SorterAssignment
                  ) -> dict[str, dict[str, str]]:
    """Every answers file of the measure, handed in under a student name that says what it is:
    the key, each constant label, 20 random ones (the draws of guessing.plan_guessing_scores),
    and the key with one unit wrong, for every unit and every label the key does not accept."""
    key = {u: plan.key[u].label for u in plan.unit_ids}
    files = {"key": key}
    files |= {f"all-{label}": dict.fromkeys(plan.unit_ids, label) for label in LABELS}
    rng = random.Random(guessing.RANDOM_SEED)
    for run in range(guessing.RANDOM_RUNS):
        files[f"random-{run:02d}"] = {u: rng.choice(LABELS) for u in plan.unit_ids}
    for unit in plan.unit_ids:
        for label in LABELS:
            if label not in plan.key[unit].accepted:
                files[f"wrong-{unit}-{label}"] = {**key, unit: label}
    for name, answers in files.items():
        folder = root / "grading" / "submitted" / f"{name}-{form}".rstrip("-") / assignment
        folder.mkdir(parents=True)
        write_answers(folder / "answers.json", assignment, answers, plan.article)
    return files


def graded(root: Path, assignment: str) -> dict[str, dict[str, float]]:
    """student -> section -> points, from the grades.csv that `readkit grade` writes."""
    done = subprocess.run([READKIT, "grade", assignment, "--course", str(root)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    path = root / "grading" / "reports" / assignment / "grades.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sections = [s.section for s in COURSE.sections(assignment)]
    return {row["student"]: {s: float(row[s]) for s in sections} for row in rows}


def with_notebook(root: Path, assignment: str) -> None:
    """readkit grade reads an assignment's grade cells from its source notebook: the
    assignments on the other articles written for the kit have none in solutions/ yet, so the
    test course gets the one `readkit new-assignment` writes for their parts."""
    if (root / "solutions" / assignment).is_dir():
        return
    from readkit.cli import main

    slug = COURSE.article_for(assignment).slug
    assert main(["new-assignment", slug, "--name", assignment, "--course", str(root)]) == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_sorter_assignment_measures_reading(tmp_path, assignment, capsys):
    root = make_course(tmp_path, solutions=True)
    with_notebook(root, assignment)
    capsys.readouterr()
    plans = form_plans(assignment)
    for form, plan in plans.items():
        hand_in_files(root, assignment, form, plan)
    points = graded(root, assignment)
    for form, plan in plans.items():
        def share(name, form=form, plan=plan):
            return sum(points[f"{name}-{form}".rstrip("-")].values()) / plan.max_points

        def part(name, section, form=form):
            return points[f"{name}-{form}".rstrip("-")][section]

        sections = [s.section for s in plan.sections]
        assert share("key") == 1.0
        best_per_part = sum(max(part(f"all-{label}", s) for label in LABELS)
                            for s in sections) / plan.max_points
        one_label = max(share(f"all-{label}") for label in LABELS)
        random_mean = statistics.fmean(share(f"random-{run:02d}")
                                       for run in range(guessing.RANDOM_RUNS))
        assert best_per_part <= 0.30 and one_label <= 0.25 and random_mean <= 0.15
        # what readkit validate reports is what readkit grade gives
        scores = guessing.plan_guessing_scores(plan)
        assert (scores["best label per part"], scores["one label for everything"]) == (
            pytest.approx(best_per_part), pytest.approx(one_label))
        assert scores["random labels"] == pytest.approx(random_mean)
        weights = guessing.sentence_weights(plan)
        for section in plan.sections:
            name = section.section
            measured = {}
            for unit in plan.section_units[name]:
                lost = [section.points - part(f"wrong-{unit}-{label}", name) for label in LABELS
                        if label not in plan.key[unit].accepted]
                measured[unit] = statistics.fmean(lost)
            assert measured == pytest.approx(weights[name], abs=1e-9)
            assert max(measured.values()) <= 3 * min(measured.values()), (assignment, name)
        labels = [plan.key[u].label for u in plan.unit_ids]
        assert labels.count("meta") <= 0.20 * len(labels)
        assert guessing.Fairness.of(plan).problems() == []


def test_the_assignments_checked_are_the_courses():
    assert ASSIGNMENTS == ["00-pre-test", "01-sort-the-sources", "03-post-test",
                           "04-sort-holloway-meadow-column-2026", "05-sort-bus-route-14-2026"]
