"""Cutting an article's assessment paragraphs into the graded parts of a Sorter assignment.

Parts follow paragraph boundaries and each mixes labels: every label a part has, it has at least
MIN_PER_LABEL sentences of (the label-mix minimum, course/label_mix.py), so that no one sentence
decides how a label is scored in its part. Paragraphs of furniture alone (meta) at either end of
the assessment half may be left out of the parts (not graded) when that is what the rule needs: a
single copyright line at the end would otherwise be a label of one sentence. The cut must not
reward labelling without reading: it is checked as `readkit validate` checks a Sorter assignment
(`readkit.grading.guessing.Fairness`: the three no-reading strategies and their limits, no label
of a single sentence in a part, sentences of comparable weight, little meta). The most even cut
that passes is taken; when the most even one fails, the message says why it was moved.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations

from readkit.course.key import KeyEntry
from readkit.course.label_mix import FURNITURE, MIN_PER_LABEL
from readkit.course.labels import LABELS
from readkit.course.sections import Section
from readkit.grading.trusted import SorterAssignment

MAX_CANDIDATES = 400  # cuts graded at most (each one is 24 gradings of the assignment)


class CutError(Exception):
    """No cut works; the message says why and what to change (`reason`: why, alone)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


@dataclass(frozen=True)
class Cut:
    sections: tuple[Section, ...]
    section_units: dict[str, tuple[str, ...]]
    scores: dict  # the no-reading scores of this cut (Fairness.scores)
    note: str = ""  # why the most even cut was not taken ("" when it was)


def assessment_paragraphs(unit_paragraphs: dict[str, int],
                          key: dict[str, KeyEntry]) -> list[tuple[int, tuple[str, ...]]]:
    """(paragraph, its assessment units in reading order) for each paragraph with any."""
    paragraphs: dict[int, list[str]] = {}
    for unit_id, paragraph in unit_paragraphs.items():
        if unit_id in key:
            paragraphs.setdefault(paragraph, []).append(unit_id)
    return [(number, tuple(units)) for number, units in paragraphs.items()]


def part_points(sizes: list[int], total: float) -> list[float]:
    """`total` shared in proportion to the parts' unit counts, in half points (the last part
    takes what rounding leaves, so the sum is exact)."""
    if len(sizes) == 1:
        return [round(total, 2)]
    share = [max(0.5, round(total * size / sum(sizes) * 2) / 2) for size in sizes[:-1]]
    last = round(total - sum(share), 2)
    if last <= 0:  # too few points to round: equal shares to the cent
        equal = round(total / len(sizes), 2)
        return [equal] * (len(sizes) - 1) + [round(total - equal * (len(sizes) - 1), 2)]
    return [*share, last]


def guessing(sections: tuple[Section, ...], section_units: dict[str, tuple[str, ...]],
             key: dict[str, KeyEntry], unit_paragraphs: dict[str, int],
             unit_text: dict[str, str]) -> tuple[dict, list[str]]:
    """The no-reading scores of these parts, and what fails the checks of `readkit validate`
    (readkit.grading.guessing.Fairness): each strategy that passes its limit, a part with a
    single sentence of a label, sentences of very unequal weight, too much meta."""
    from readkit.grading.guessing import Fairness

    plan = SorterAssignment(sections[0].assignment, sections, section_units, key,
                            unit_paragraphs, unit_text)
    fairness = Fairness.of(plan)
    failed = [f"a learner who never reads gets {strategy} scores "
              f"{fairness.scores[strategy]:.0%} (limit {limit:.0%})"
              for strategy, limit in fairness.guessing_failures()]
    return fairness.scores, failed + fairness.shape_problems()


def _groups(paragraphs: list, parts: int):
    """Every way to cut the paragraphs into `parts` runs of consecutive paragraphs."""
    for cuts in combinations(range(1, len(paragraphs)), parts - 1):
        bounds = (0, *cuts, len(paragraphs))
        yield [paragraphs[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _describe(sections) -> str:
    return ", ".join(f"{s.section} paragraphs {s.first_paragraph}-{s.last_paragraph}"
                     for s in sections)


def single_sentence_labels(part: tuple[str, ...], key: dict[str, KeyEntry]) -> list[str]:
    """The labels that a part has fewer than MIN_PER_LABEL units of (but some)."""
    counts = Counter(key[u].label for u in part)
    return [label for label in LABELS if 0 < counts[label] < MIN_PER_LABEL]


def _mixed(part: tuple[str, ...], key: dict[str, KeyEntry]) -> bool:
    return (len({key[u].label for u in part}) >= 2
            and not single_sentence_labels(part, key))


def _stretches(paragraphs: list, key: dict[str, KeyEntry]):
    """(paragraphs to grade, paragraphs left out): all of them first, then without furniture-only
    paragraphs at either end (fewest left out first)."""
    def furniture(paragraph) -> bool:
        return all(key[u].label == FURNITURE for u in paragraph[1])

    lead = next((i for i, p in enumerate(paragraphs) if not furniture(p)), len(paragraphs))
    tail = next((i for i, p in enumerate(reversed(paragraphs)) if not furniture(p)),
                len(paragraphs))
    options = [(a, b) for a in range(lead + 1) for b in range(tail + 1)
               if a + b < len(paragraphs)]
    for a, b in sorted(options, key=lambda ab: (ab[0] + ab[1], ab)):
        yield paragraphs[a:len(paragraphs) - b], paragraphs[:a] + paragraphs[len(paragraphs) - b:]


def cut_assessment(assignment: str, unit_paragraphs: dict[str, int], unit_text: dict[str, str],
                   key: dict[str, KeyEntry], parts: int, points: float) -> Cut:
    """The graded parts of `assignment`; `key` is the assessment key (unit_id -> entry)."""
    paragraphs = assessment_paragraphs(unit_paragraphs, key)
    if parts < 1:
        raise CutError("--parts must be at least 1.")
    if len(paragraphs) < parts:
        raise CutError(f"The assessment half has {len(paragraphs)} paragraph(s), too few for "
                       f"{parts} parts: ask for at most {len(paragraphs)} (--parts).")
    candidates = []
    for graded, left_out in _stretches(paragraphs, key):
        for groups in _groups(graded, parts):
            units = [tuple(u for _, ids in group for u in ids) for group in groups]
            if all(_mixed(part, key) for part in units):
                sizes = [len(part) for part in units]
                candidates.append((sum(len(ids) for _, ids in left_out),
                                   max(sizes) - min(sizes), groups, units, left_out))
    if not candidates:
        raise _no_mixed_cut(paragraphs, key, parts)
    # stable: fewest units left out, then the most even, then the earliest
    candidates.sort(key=lambda c: c[:2])
    first_failure = ""
    for _, _, groups, units, left_out in candidates[:MAX_CANDIDATES]:
        shares = part_points([len(part) for part in units], points)
        sections = tuple(
            Section(assignment, f"part-{number}", _title(group), group[0][0], group[-1][0], share)
            for number, (group, share) in enumerate(zip(groups, shares, strict=True), start=1))
        section_units = {s.section: part for s, part in zip(sections, units, strict=True)}
        scores, failed = guessing(sections, section_units, key, unit_paragraphs, unit_text)
        if not failed:
            note = (f"The most even cut was moved: {first_failure}." if first_failure else "")
            if left_out:
                note = " ".join(filter(None, [_left_out_note(left_out), note]))
            return Cut(sections, section_units, scores, note)
        if not first_failure:
            first_failure = f"with {_describe(sections)}, " + "; ".join(failed)
    raise CutError(f"Every cut into {parts} parts can be passed without reading ({first_failure}"
                   "). Ask for fewer or more parts (--parts), or look again at the labels and "
                   "accepted alternatives of the assessment half (readkit validate).",
                   f"every cut into {parts} parts can be passed without reading")


def _left_out_note(left_out: list) -> str:
    numbers = [number for number, _ in left_out]
    units = [u for _, ids in left_out for u in ids]
    return (f"Not graded: paragraph(s) {', '.join(map(str, numbers))} ({', '.join(units)}), "
            "furniture alone at the edge of the assessment half: too little meta to grade (a "
            f"label needs {MIN_PER_LABEL} sentences in a part).")


def _no_mixed_cut(paragraphs: list, key: dict[str, KeyEntry], parts: int) -> CutError:
    """Why no cut into `parts` parts has every label of each part at least MIN_PER_LABEL times,
    and what to do."""
    whole = tuple(u for _, ids in paragraphs for u in ids)
    short = single_sentence_labels(whole, key)
    rule = (f"No cut into {parts} part(s) gives each part at least {MIN_PER_LABEL} sentences of "
            "every label it has (with one sentence of a label in a part, that one sentence "
            "decides how the label is scored there)")
    if parts > 1 and not short:
        return CutError(f"{rule}: ask for fewer parts (--parts {parts - 1}).", rule)
    ones = ", ".join(f"{label}: {', '.join(u for u in whole if key[u].label == label)}"
                     for label in short)
    return CutError(
        f"{rule}: the assessment half has a single sentence of a label ({ones}). Check its "
        "label, or move the start of the assessment half so that it has "
        f"{MIN_PER_LABEL} or more of it (readkit validate suggests a split), then run "
        "new-assignment again.", rule)


def _title(group) -> str:
    first, last = group[0][0], group[-1][0]
    return f"Paragraphs {first}-{last}" if first != last else f"Paragraph {first}"
