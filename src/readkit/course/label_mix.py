"""The label mix of an article's key: the one minimum per label, and where to put the split.

The rule (docs/codebook.md, "How the key is checked"; data/README.md): the assessment half needs
at least MIN_PER_LABEL units of each label it grades (sourced, claim, commentary): a graded part
scores each label against chance, so a label with fewer units makes one sentence decide it.
Furniture (meta) is not required there: in real news the headline, byline, date and captions
sit at the top, in the practice half. The practice half should have MIN_PER_LABEL of every label
the article has, so learners practise each before they are graded; fewer is a note, not a
problem (a short article), and an article that is all assessment (a test on unpractised text,
data/forms.csv) has no practice half to check.

`suggest_split` finds the paragraph where the assessment half should start so that both halves
meet the rule; `readkit new-article` puts a draft key's split there and `readkit validate` names
it when the split leaves a label short.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from readkit.course.key import ASSESSMENT, PRACTICE
from readkit.course.labels import LABELS

MIN_PER_LABEL = 2
GRADED_LABELS = ("sourced", "claim", "commentary")  # required in the assessment half
FURNITURE = "meta"  # not required there


def describe(counts: Mapping[str, int]) -> str:
    """'3 sourced, 2 claim, 1 commentary, 4 meta'."""
    return ", ".join(f"{counts.get(label, 0)} {label}" for label in LABELS)


def short_in_assessment(counts: Mapping[str, int]) -> list[str]:
    return [label for label in GRADED_LABELS if counts.get(label, 0) < MIN_PER_LABEL]


def short_in_practice(counts: Mapping[str, int], article: Mapping[str, int]) -> list[str]:
    """Labels the article has but the practice half has fewer than the minimum of."""
    return [label for label in LABELS
            if article.get(label, 0) and counts.get(label, 0) < MIN_PER_LABEL]


@dataclass(frozen=True)
class Split:
    """Assessment from `unit_id` (the first unit of `paragraph`) on; each half's label counts."""

    unit_id: str
    paragraph: int
    practice: Counter
    assessment: Counter

    @property
    def meets_rule(self) -> bool:
        return not short_in_assessment(self.assessment) and not self.practice_short

    @property
    def practice_short(self) -> list[str]:
        return short_in_practice(self.practice, self.practice + self.assessment)

    def describe(self) -> str:
        return (f"practice {describe(self.practice)}; assessment {describe(self.assessment)}")


def split_at(units: Sequence[tuple[str, int, str]], paragraph: int) -> Split:
    """The split that starts the assessment at `paragraph`. units: (unit_id, paragraph, label)
    in reading order."""
    practice = Counter(label for _, number, label in units if number < paragraph and label)
    assessment = Counter(label for _, number, label in units if number >= paragraph and label)
    first = next(unit_id for unit_id, number, _ in units if number >= paragraph)
    return Split(first, paragraph, practice, assessment)


def suggest_split(units: Sequence[tuple[str, int, str]]) -> Split | None:
    """The paragraph to start the assessment half at: of the splits whose assessment half has
    the minimum of each graded label, the one with the fewest labels short in practice, then
    the one nearest an even half; when none has, the one whose assessment half is least short.
    None for an article of one paragraph."""
    paragraphs = sorted({number for _, number, _ in units})
    splits = [split_at(units, number) for number in paragraphs[1:]]
    if not splits:
        return None
    total = len(units)

    def evenness(split: Split) -> float:
        return abs(sum(split.assessment.values()) - total / 2)

    def shortfall(split: Split) -> int:
        return sum(max(0, MIN_PER_LABEL - split.assessment.get(label, 0))
                   for label in GRADED_LABELS)

    return min(splits, key=lambda s: (shortfall(s), len(s.practice_short), evenness(s)))


def current_split(units: Sequence[tuple[str, int, str, str]]) -> tuple[Counter, Counter]:
    """(practice counts, assessment counts) of a key as it is. units: (unit_id, paragraph,
    label, split)."""
    halves = {PRACTICE: Counter(), ASSESSMENT: Counter()}
    for _, _, label, split in units:
        if label and split in halves:
            halves[split][label] += 1
    return halves[PRACTICE], halves[ASSESSMENT]
