"""Is a Sorter assignment a fair measure of reading? What `readkit validate` (and `readkit
new-assignment`) checks for every Sorter assignment, each score computed by the trusted grade
step exactly as a submitted answers.json is graded:

- the no-reading strategies (one label per part, one label for everything, random labels) earn
  little;
- every sentence of a part weighs about the same: a sentence's weight is the points lost when
  only that sentence is labelled wrong (the rest as the key), averaged over the labels the key
  does not accept for it;
- no label class of a part is a single sentence, and page furniture (meta) is a small share of
  the graded sentences.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from readkit.course.answers import ANSWERS_FILE, OK, AnswersFile
from readkit.course.course import ARTICLES, DATA, Course, CourseError
from readkit.course.label_mix import MIN_PER_LABEL
from readkit.course.labels import LABELS
from readkit.course.validate import Problem
from readkit.grading import parallel, trusted

# The share of a Sorter assignment's points that each no-reading strategy may reach at most.
GUESS_LIMITS = {"best label per part": 0.30, "one label for everything": 0.25,
                "random labels": 0.15}
RANDOM_RUNS, RANDOM_SEED = 20, 13
WEIGHT_RATIO_LIMIT = 3.0  # the heaviest sentence of a part against its lightest
META_LIMIT = 0.20  # the share of an assignment's graded sentences that may be meta


def _points(plan: trusted.SorterAssignment, answers: dict[str, str]) -> dict[str, float]:
    found = AnswersFile(Path(ANSWERS_FILE), OK, answers=answers, assignment=plan.assignment)
    return trusted.grade_answers(found, plan).section_points


def guessing_scores(course: Course, assignment: str, runs: int = RANDOM_RUNS,
                    seed: int = RANDOM_SEED) -> dict:
    """The share of a Sorter assignment's points (0 to 1) that answers written without reading
    earn (see `plan_guessing_scores`). Raises CourseError (NotASorterAssignment) as
    `SorterAssignment.from_course` does."""
    return plan_guessing_scores(trusted.SorterAssignment.from_course(course, assignment), runs,
                                seed)


def plan_guessing_scores(plan: trusted.SorterAssignment, runs: int = RANDOM_RUNS,
                         seed: int = RANDOM_SEED) -> dict:
    """The share of the plan's points (0 to 1) that answers written without reading earn, each
    graded by the trusted grade step (`readkit.grading.trusted.grade_answers`):

    - "best label per part": each part all one label, the best one for that part;
    - "one label for everything": the same label for every unit, the best of the four;
    - "random labels": each unit a uniformly random label, the mean of `runs` seeded runs.

    Also "best labels" (part -> label) and "one label" (the label) for the messages. The plan
    need not be in sections.csv yet (readkit new-assignment checks a cut before it writes it);
    for a test, the plan of one form."""
    total = plan.max_points
    parts = [s.section for s in plan.sections]
    constant = {label: _points(plan, dict.fromkeys(plan.unit_ids, label)) for label in LABELS}
    best = {part: max(LABELS, key=lambda label, part=part: constant[label][part])
            for part in parts}
    one = {label: sum(constant[label].values()) for label in LABELS}
    one_label = max(LABELS, key=one.__getitem__)
    rng = random.Random(seed)
    random_total = 0.0
    for _ in range(runs):
        random_total += sum(_points(plan, {u: rng.choice(LABELS) for u in plan.unit_ids}).values())
    return {
        "best label per part": sum(constant[best[part]][part] for part in parts) / total,
        "one label for everything": one[one_label] / total,
        "random labels": random_total / runs / total,
        "best labels": best,
        "one label": one_label,
    }


def sentence_weights(plan: trusted.SorterAssignment) -> dict[str, dict[str, float]]:
    """part -> unit -> the unit's weight in points: what a learner who labels every other unit
    as the key does loses when this unit alone is labelled wrong, averaged over the labels the
    key does not accept for it (a unit that accepts every label weighs 0)."""
    key = {unit: plan.key[unit].label for unit in plan.unit_ids}
    full = _points(plan, key)
    weights: dict[str, dict[str, float]] = {}
    for section in plan.sections:
        part = section.section
        weights[part] = {}
        for unit in plan.section_units[part]:
            wrong = [label for label in LABELS if label not in plan.key[unit].accepted]
            lost = [full[part] - _points(plan, {**key, unit: label})[part] for label in wrong]
            weights[part][unit] = statistics.fmean(lost) if lost else 0.0
    return weights


def label_mix(plan: trusted.SorterAssignment) -> dict[str, Counter]:
    """part -> how many of its graded units have each key label."""
    return {s.section: Counter(plan.key[u].label for u in plan.section_units[s.section])
            for s in plan.sections}


@dataclass(frozen=True)
class Fairness:
    """What `readkit validate` reports for one Sorter assignment (or one form of a test)."""

    plan: trusted.SorterAssignment
    scores: dict
    weights: dict[str, dict[str, float]]
    mix: dict[str, Counter]

    @classmethod
    def of(cls, plan: trusted.SorterAssignment) -> Fairness:
        return cls(plan, plan_guessing_scores(plan), sentence_weights(plan), label_mix(plan))

    @property
    def graded(self) -> Counter:
        return sum(self.mix.values(), Counter())

    @property
    def meta_share(self) -> float:
        total = sum(self.graded.values())
        return self.graded["meta"] / total if total else 0.0

    def weight_range(self, part: str) -> tuple[float, float]:
        values = [w for w in self.weights[part].values() if w > 0]
        return (min(values), max(values)) if values else (0.0, 0.0)

    def problems(self) -> list[str]:
        """Each limit this assignment passes, in words (empty when it is fair)."""
        return [f"a learner who never reads scores {self.scores[strategy]:.0%} of the Sorter "
                f"points with {strategy} ({describe_guessing(strategy, self.scores)}; the limit "
                f"is {limit:.0%}); mix labels within each part (re-cut the paragraph ranges) so "
                "that no label guess earns much" for strategy, limit in self.guessing_failures()
                ] + self.shape_problems()

    def guessing_failures(self) -> list[tuple[str, float]]:
        """(strategy, its limit) for each no-reading strategy that scores above its limit."""
        return [(strategy, limit) for strategy, limit in GUESS_LIMITS.items()
                if self.scores[strategy] > limit]

    def shape_problems(self) -> list[str]:
        """A part with a single sentence of a label, sentences of very unequal weight, too
        much page furniture."""
        found = []
        for part, counts in self.mix.items():
            single = sorted(label for label, n in counts.items() if 0 < n < MIN_PER_LABEL)
            if single:
                found.append(f"{part} has a single sentence of {', '.join(single)}: that "
                             "sentence alone decides how that label is scored; give the part at "
                             f"least {MIN_PER_LABEL} of each label it has (move its paragraph "
                             "range)")
            low, high = self.weight_range(part)
            if low and high / low > WEIGHT_RATIO_LIMIT:
                found.append(f"in {part} one sentence weighs {high / low:.1f} times another "
                             f"({low:.2f} to {high:.2f} points; the limit is "
                             f"{WEIGHT_RATIO_LIMIT:g} times): make the part larger or its "
                             "labels more even")
        if self.meta_share > META_LIMIT:
            found.append(f"{self.meta_share:.0%} of its graded sentences are meta (the limit is "
                         f"{META_LIMIT:.0%}): leave more of the page furniture out of the parts")
        return found

    def summary(self) -> str:
        graded = self.graded
        mix = ", ".join(f"{graded[label]} {label}" for label in LABELS)
        weights = ", ".join(
            f"{part} {low:.2f}-{high:.2f} ({high / low if low else 0:.2f}x)"
            for part in self.mix for low, high in [self.weight_range(part)])
        return (f"{self.plan.assignment}: {sum(graded.values())} graded sentences ({mix}; meta "
                f"{self.meta_share:.0%}); a sentence weighs {weights} points; without reading: "
                f"{self.guessing_text()}")

    def guessing_text(self) -> str:
        return ", ".join(f"{strategy} {self.scores[strategy]:.1%}" for strategy in GUESS_LIMITS)


def check_article(course: Course, slug: str) -> tuple[list[Problem], str]:
    """Every Sorter assignment of an article's sections.csv: its label mix, the weight of its
    sentences and what learners who never read would score; for a parallel form, how far it
    is from the other (readkit.grading.parallel). Problems where a limit is passed, and the
    summary lines for `readkit validate`."""
    where = f"{DATA}/{ARTICLES}/{slug}/sections.csv"
    try:
        assignments = dict.fromkeys(s.assignment for s in course.article(slug).sections())
    except (OSError, ValueError, KeyError, CourseError):
        return [], ""  # the data-contract check reports it
    problems, summary = [], ""
    for assignment in assignments:
        try:
            fairness = Fairness.of(trusted.SorterAssignment.from_course(course, assignment))
        except CourseError:
            continue  # a section without assessment units: the data-contract check reports it
        summary += "\n  " + fairness.summary()
        problems += [Problem(where, None, f"assignment {assignment}: {problem}")
                     for problem in fairness.problems()]
    found, text = parallel.check_forms(course, slug, Fairness.of)
    return problems + found, summary + text


def describe_guessing(strategy: str, scores: Mapping) -> str:
    if strategy == "best label per part":
        return ", ".join(f"{part}: {label}" for part, label in scores["best labels"].items())
    if strategy == "one label for everything":
        return f"every unit {scores['one label']}"
    return f"mean of {RANDOM_RUNS} seeded runs"
