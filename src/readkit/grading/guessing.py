"""What a learner who never reads would score on a Sorter assignment: the no-reading strategies
(one label per part, one label for everything, random labels), each graded by the trusted grade
step exactly as a submitted answers.json is. `readkit validate` and `readkit new-assignment`
refuse an assignment where guessing earns much.
"""

import random
from collections.abc import Mapping
from pathlib import Path

from readkit.course.answers import ANSWERS_FILE, OK, AnswersFile
from readkit.course.course import ARTICLES, DATA, Course, CourseError
from readkit.course.labels import LABELS
from readkit.course.validate import Problem
from readkit.grading import trusted

# A Sorter assignment must not reward labelling without reading (issue 13): the share of its
# points that each no-reading strategy may reach at most.
GUESS_LIMITS = {"best label per part": 0.40, "one label for everything": 0.35,
                "random labels": 0.30}
RANDOM_RUNS, RANDOM_SEED = 20, 13


def check_article(course: Course, slug: str) -> tuple[list[Problem], str]:
    """Every Sorter assignment of an article's sections.csv: what learners who never read would
    score. Problems where a strategy passes its limit, and a summary for `readkit validate`."""
    where = f"{DATA}/{ARTICLES}/{slug}/sections.csv"
    try:
        assignments = dict.fromkeys(s.assignment for s in course.article(slug).sections())
    except (OSError, ValueError, KeyError, CourseError):
        return [], ""  # the data-contract check reports it
    problems, summary = [], ""
    for assignment in assignments:
        try:
            scores = guessing_scores(course, assignment)
        except CourseError:
            continue  # a section without assessment units: the data-contract check reports it
        summary += f"; {assignment} without reading: " + ", ".join(
            f"{strategy} {scores[strategy]:.1%}" for strategy in GUESS_LIMITS)
        for strategy, limit in GUESS_LIMITS.items():
            if scores[strategy] > limit:
                problems.append(Problem(
                    where, None, f"assignment {assignment}: a learner who never "
                    f"reads scores {scores[strategy]:.0%} of the Sorter points with "
                    f"{strategy} ({describe_guessing(strategy, scores)}; the limit is "
                    f"{limit:.0%}); mix labels within each part (re-cut the paragraph "
                    "ranges) so that no label guess earns much"))
    return problems, summary


def guessing_scores(course: Course, assignment: str, runs: int = RANDOM_RUNS,
                    seed: int = RANDOM_SEED) -> dict:
    """The share of a Sorter assignment's points (0 to 1) that answers written without reading
    earn, each graded by the trusted grade step (`readkit.grading.trusted.grade_answers`)
    exactly as a submitted answers.json is by `readkit grade` and autograde:

    - "best label per part": each part all one label, the best one for that part;
    - "one label for everything": the same label for every unit, the best of the four;
    - "random labels": each unit a uniformly random label, the mean of `runs` seeded runs.

    Also "best labels" (part -> label) and "one label" (the label) for the messages. Raises
    CourseError (NotASorterAssignment) as `SorterAssignment.from_course` does."""
    return plan_guessing_scores(trusted.SorterAssignment.from_course(course, assignment), runs,
                                seed)


def plan_guessing_scores(plan: trusted.SorterAssignment, runs: int = RANDOM_RUNS,
                         seed: int = RANDOM_SEED) -> dict:
    """`guessing_scores` for a grading plan that need not be in sections.csv yet (readkit
    new-assignment checks a cut before it writes it)."""
    assignment, total = plan.assignment, plan.max_points

    def points(answers: dict[str, str]) -> dict[str, float]:
        found = AnswersFile(Path(ANSWERS_FILE), OK, answers=answers, assignment=assignment)
        return trusted.grade_answers(found, plan).section_points

    parts = [s.section for s in plan.sections]
    constant = {label: points(dict.fromkeys(plan.unit_ids, label)) for label in LABELS}
    best = {part: max(LABELS, key=lambda label, part=part: constant[label][part])
            for part in parts}
    one = {label: sum(constant[label].values()) for label in LABELS}
    one_label = max(LABELS, key=one.__getitem__)
    rng = random.Random(seed)
    random_total = 0.0
    for _ in range(runs):
        random_total += sum(points({u: rng.choice(LABELS) for u in plan.unit_ids}).values())
    return {
        "best label per part": sum(constant[best[part]][part] for part in parts) / total,
        "one label for everything": one[one_label] / total,
        "random labels": random_total / runs / total,
        "best labels": best,
        "one label": one_label,
    }


def describe_guessing(strategy: str, scores: Mapping) -> str:
    if strategy == "best label per part":
        return ", ".join(f"{part}: {label}" for part, label in scores["best labels"].items())
    if strategy == "one label for everything":
        return f"every unit {scores['one label']}"
    return f"mean of {RANDOM_RUNS} seeded runs"
