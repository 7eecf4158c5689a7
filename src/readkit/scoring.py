"""Scoring: answers + key -> per-unit results, points and feedback text.

Pure functions: no file access, no pandas, no printing. The same functions grade a notebook
inside nbgrader (through `readkit.autograde`) and a whole class outside it (instructor tooling),
so both always agree.

Points are plain Python floats rounded to 2 decimals and clamped to [0, max_points]: nbgrader
parses a test cell's first text/plain result as points and aborts a submission on a value above
the cell's maximum.

A Sorter section is scored so that labelling without reading earns little (docs/grading.md,
"How the widget parts are graded"): the mean over the key's labels present in the section of
the share of that label's units labelled right, corrected for what uniform random labels would
get on the same units.
"""

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from readkit.labels import LABELS


class KeyLike(Protocol):
    """What scoring needs from a key entry (`readkit.key.KeyEntry` fits)."""

    @property
    def label(self) -> str: ...

    @property
    def accepted(self) -> tuple[str, ...]: ...

    @property
    def rationale(self) -> str: ...


class UnitResult(NamedTuple):
    """One unit of a graded section: what the learner chose (None: not labelled) and whether it
    earns credit (the key's label or one of its accepted alternatives). `label` and `accepted`
    are the key's (the unit's class, and how many labels earn credit), which `section_points`
    needs; they default to "no class given" for results built by hand. A NamedTuple: a class
    report builds one per learner and unit, and a tuple is several times cheaper to create."""

    unit_id: str
    chosen: str | None
    correct: bool
    label: str = ""
    accepted: tuple[str, ...] = ()

    @property
    def labelled(self) -> bool:
        return self.chosen is not None


@dataclass(frozen=True)
class Section:
    """A graded part of an assignment: the assessment units in paragraphs first..last."""

    assignment: str
    section: str
    title: str
    first_paragraph: int
    last_paragraph: int
    points: float


SECTION_COLUMNS = ("assignment", "section", "title", "first_paragraph", "last_paragraph", "points")


def _check_max(max_points: float) -> float:
    max_points = float(max_points)
    if not math.isfinite(max_points) or max_points < 0:
        raise ValueError(f"max_points must be a finite number >= 0, not {max_points!r}")
    return max_points


def clamp_points(points: float, max_points: float) -> float:
    """A plain float, rounded to 2 decimals, within [0, max_points] (rounding never lifts it
    above a max_points that has more decimals: then max_points itself is returned)."""
    max_points = _check_max(max_points)
    points = float(points)
    if math.isnan(points):
        return 0.0
    return min(float(round(max(points, 0.0), 2)), max_points)


def unit_results(
    answers: Mapping[str, str], key: Mapping[str, KeyLike], unit_ids: Iterable[str]
) -> list[UnitResult]:
    """One result per unit id, in the order given. A unit is right when the chosen label is the
    key's label or an accepted alternative. Answers for units outside `unit_ids` are ignored."""
    results = []
    for unit_id in unit_ids:
        try:
            entry = key[unit_id]
        except KeyError:
            raise KeyError(f"unit {unit_id!r} is not in the answer key (data/key.csv)") from None
        chosen = answers.get(unit_id)
        if chosen is not None and not isinstance(chosen, str):
            chosen = None
        accepted = entry.accepted
        results.append(UnitResult(unit_id, chosen, chosen is not None and chosen in accepted,
                                  entry.label, accepted))
    return results


def balanced_recall(results: Sequence[UnitResult]) -> tuple[float, float]:
    """(recall, chance) of a section.

    A unit belongs to the class of its key label; it counts as right for that class when the
    learner chose the key's label or an accepted alternative (an unlabelled unit is wrong).
    recall: the mean, over the classes present, of the share of each class's units that are
    right. chance: the recall that uniform random labels get on average, the mean over the
    classes of (labels accepted / 4) averaged over the class's units."""
    classes: dict[str, list[UnitResult]] = {}
    for result in results:
        classes.setdefault(result.label, []).append(result)
    if not classes:
        return 0.0, 0.0
    recall = sum(sum(1 for r in units if r.correct) / len(units) for units in classes.values())
    chance = sum(
        sum(len(r.accepted or (r.label,)) for r in units) / (len(units) * len(LABELS))
        for units in classes.values()
    )
    return recall / len(classes), min(chance / len(classes), 1.0)


def section_points(results: Sequence[UnitResult], max_points: float) -> float:
    """Points for a Sorter section: max_points * (recall - chance) / (1 - chance), clamped to
    [0, max_points] and rounded to 2 decimals (`balanced_recall` defines both terms).

    So the key scores max_points, uniform random labels 0 on average, and one label for every
    unit only the share of the other classes' units that accept that label. An empty section
    gives 0.0 (a course-data mistake that `parse_sections` users should catch)."""
    max_points = _check_max(max_points)
    if not results:
        return 0.0
    recall, chance = balanced_recall(results)
    share = recall if chance >= 1 else (recall - chance) / (1 - chance)
    return clamp_points(max_points * share, max_points)


def points_for_checks(passed: Sequence[bool], max_points: float) -> float:
    """Partial credit for a code cell: max_points * (checks passed) / (checks)."""
    max_points = _check_max(max_points)
    if not passed:
        return 0.0
    return clamp_points(max_points * sum(1 for ok in passed if ok) / len(passed), max_points)


def feedback_lines(
    results: Sequence[UnitResult], key: Mapping[str, KeyLike], show_key: bool = False
) -> list[str]:
    """What the learner is told about a section.

    Always: how many units were right. Without show_key: the ids of the units labelled wrong,
    then of those unlabelled, and no label of the key (so the assessment can be reused). With
    show_key: instead, one line per unit not right, in reading order, with the learner's choice,
    the key's label, its accepted alternatives and the rationale."""
    right = sum(1 for result in results if result.correct)
    lines = [f"{right} of {len(results)} units right."]
    wrong = [r for r in results if r.labelled and not r.correct]
    unlabelled = [r for r in results if not r.labelled]
    if not show_key:
        if wrong:
            lines.append("Look again at: " + ", ".join(r.unit_id for r in wrong) + ".")
        if unlabelled:
            lines.append("Not labelled: " + ", ".join(r.unit_id for r in unlabelled) + ".")
        return lines
    for result in results:
        if result.correct:
            continue
        entry = key[result.unit_id]
        chosen = f"you chose {result.chosen}" if result.labelled else "not labelled"
        also = [label for label in entry.accepted if label != entry.label]
        accepted = f" (also accepted: {', '.join(also)})" if also else ""
        lines.append(
            f"{result.unit_id}: {chosen}; the key says {entry.label}{accepted}. {entry.rationale}"
        )
    return lines


def parse_sections(rows: Iterable[Mapping[str, str]]) -> list[Section]:
    """Sections from the rows of data/sections.csv, checked: every column present, paragraph
    ranges in order and not overlapping within an assignment, points > 0, names unique."""
    sections: list[Section] = []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        missing = [column for column in SECTION_COLUMNS if not str(row.get(column) or "").strip()]
        if missing:
            raise ValueError(f"sections.csv line {number}: empty or missing {', '.join(missing)}")
        try:
            section = Section(
                assignment=row["assignment"].strip(),
                section=row["section"].strip(),
                title=row["title"].strip(),
                first_paragraph=int(row["first_paragraph"]),
                last_paragraph=int(row["last_paragraph"]),
                points=float(row["points"]),
            )
        except ValueError as error:
            raise ValueError(f"sections.csv line {number}: {error}") from None
        if not 1 <= section.first_paragraph <= section.last_paragraph:
            raise ValueError(
                f"sections.csv line {number}: paragraphs must satisfy "
                f"1 <= first_paragraph <= last_paragraph"
            )
        if not (math.isfinite(section.points) and section.points > 0):
            raise ValueError(f"sections.csv line {number}: points must be a number > 0")
        for other in sections:
            if other.assignment != section.assignment:
                continue
            if other.section == section.section:
                raise ValueError(f"sections.csv line {number}: section {section.section!r} twice")
            if not (
                section.last_paragraph < other.first_paragraph
                or other.last_paragraph < section.first_paragraph
            ):
                raise ValueError(
                    f"sections.csv line {number}: paragraphs overlap section {other.section!r}"
                )
        sections.append(section)
    return sections


def units_in_paragraphs(section: Section, unit_paragraphs: Mapping[str, int]) -> list[str]:
    """Every unit in a section's paragraph range, in the order of `unit_paragraphs`
    (unit_id -> paragraph, reading order): what the Sorter shows and the checks count."""
    return [
        unit_id
        for unit_id, paragraph in unit_paragraphs.items()
        if section.first_paragraph <= paragraph <= section.last_paragraph
    ]


def section_unit_ids(
    section: Section, unit_paragraphs: Mapping[str, int], key: Mapping[str, object]
) -> list[str]:
    """The units a section grades: the units in its paragraph range that are in `key` (pass
    the assessment split)."""
    return [unit_id for unit_id in units_in_paragraphs(section, unit_paragraphs) if unit_id in key]


@dataclass(frozen=True)
class SectionResult:
    section: Section
    results: tuple[UnitResult, ...]
    points: float


def grade_sections(
    answers: Mapping[str, str],
    key: Mapping[str, KeyLike],
    sections: Iterable[Section],
    unit_paragraphs: Mapping[str, int],
) -> list[SectionResult]:
    """Grade every section of an assignment from one learner's answers (the whole job of a grade
    cell, for all of them at once: what out-of-kernel grading of a class calls per learner)."""
    graded = []
    for section in sections:
        results = unit_results(answers, key, section_unit_ids(section, unit_paragraphs, key))
        points = section_points(results, section.points)
        graded.append(SectionResult(section, tuple(results), points))
    return graded


# --- 02-trace-the-numbers: the pandas tasks ----------------------------------------------
# Expected values are computed from the rows of data/claims.csv (plain dicts of strings) at
# grading time; the learner's values are pandas objects (or plain Python ones), read by duck
# typing so that this module never imports pandas. Messages say what is right or not, never
# the expected value.

RAQQA, KUNDUZ = "raqqa-2017", "kunduz-2001"


@dataclass(frozen=True)
class NumberTask:
    title: str
    names: tuple[str, ...]
    points: float


NUMBER_TASKS = {
    "filter": NumberTask("Filter the two events", ("raqqa", "kunduz"), 2),
    "group": NumberTask("Count the figures by event and reporter", ("figures_by_reporter",), 2),
    "compare": NumberTask("Compare like with like", ("raqqa_fighters", "kunduz_evacuated"), 2),
    "add-up": NumberTask(
        "Check that the Kunduz numbers add up", ("kunduz_total", "not_surrendered", "adds_up"), 3
    ),
    "reporters": NumberTask("Who reported each event's numbers", ("reporters",), 2),
}


@dataclass(frozen=True)
class ExpectedNumbers:
    raqqa_ids: tuple[str, ...]
    kunduz_ids: tuple[str, ...]
    figures_by_reporter: dict[tuple[str, str], int]
    raqqa_fighters: float
    kunduz_evacuated: float
    kunduz_total: float
    not_surrendered: float
    adds_up: bool
    reporters: dict[str, frozenset[str]]
    problems: tuple[str, ...] = ()


def _one_value(rows: list[Mapping[str, str]], what: str, problems: list[str]) -> float:
    values = {float(row["value"]) for row in rows}
    if len(values) != 1:
        problems.append(f"expected one value for {what}, found {sorted(values) or 'none'}")
        return math.nan
    return values.pop()


def expected_numbers(claims: Iterable[Mapping[str, str]]) -> ExpectedNumbers:
    """The answers to the pandas tasks, from the rows of claims.csv. `problems` lists what in
    the data does not fit the tasks (checked by the course tests and before release)."""
    claims = list(claims)
    problems: list[str] = []
    raqqa = [row for row in claims if row["event"] == RAQQA]
    kunduz = [row for row in claims if row["event"] == KUNDUZ]

    def kunduz_men(word: str) -> list[Mapping[str, str]]:
        return [r for r in kunduz if r["unit"] == "men" and word in r["counts_what"]]

    fighters = [row for row in raqqa if row["unit"] == "fighters"]
    total = _one_value(kunduz_men("men in Kunduz") + kunduz_men("trapped"), "men in Kunduz",
                       problems)
    surrendered = _one_value(kunduz_men("surrendered"), "men who surrendered", problems)
    unaccounted = [float(row["value"]) for row in kunduz_men("unaccounted")]
    if len(unaccounted) != 2:
        problems.append("expected a low and a high end for the men unaccounted for")
        unaccounted = [math.nan, math.nan]
    not_surrendered = total - surrendered
    figures: dict[tuple[str, str], int] = {}
    for row in claims:
        pair = (row["event"], row["reported_by"])
        figures[pair] = figures.get(pair, 0) + 1
    return ExpectedNumbers(
        raqqa_ids=tuple(row["claim_id"] for row in raqqa),
        kunduz_ids=tuple(row["claim_id"] for row in kunduz),
        figures_by_reporter=figures,
        raqqa_fighters=_one_value(fighters, f"fighters of {RAQQA}", problems),
        kunduz_evacuated=_one_value(kunduz_men("evacuated"), "men evacuated", problems),
        kunduz_total=total,
        not_surrendered=not_surrendered,
        adds_up=min(unaccounted) <= not_surrendered <= max(unaccounted),
        reporters={
            event: frozenset(row["reported_by"] for row in claims if row["event"] == event)
            for event in (RAQQA, KUNDUZ)
        },
        problems=tuple(problems),
    )


def describe(value: Any) -> str:
    """A short neutral description of a learner's value (type and size, never a verdict)."""
    kind = type(value).__name__
    shape = getattr(value, "shape", None)
    if kind == "DataFrame" and shape is not None:
        return f"a DataFrame with {shape[0]} rows and {shape[1]} columns"
    if kind == "Series" and shape is not None:
        return f"a Series of {shape[0]} values"
    if isinstance(value, bool) or kind == "bool_":
        return f"{kind} {bool(value)}"
    if isinstance(value, int | float) or kind.startswith(("int", "float")):
        return f"the number {value}"
    if isinstance(value, Mapping):
        return f"a dict of {len(value)} entries"
    return f"a {kind}"


def _claim_ids(value: Any) -> list[str] | None:
    """The claim ids a learner's value holds: a DataFrame with a claim_id column or index, or
    (the no-code path) a plain list of claim ids read off the table."""
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return list(value)
    columns = getattr(value, "columns", None)
    if columns is not None and "claim_id" in columns:
        return [str(v) for v in value["claim_id"]]
    index = getattr(value, "index", None)
    if index is not None and getattr(index, "name", None) == "claim_id":
        return [str(v) for v in index]
    return None


def _mapping(value: Any) -> Mapping | None:
    if isinstance(value, Mapping):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and getattr(value, "columns", None) is None:  # a Series
        result = to_dict()
        return result if isinstance(result, Mapping) else None
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, str | bytes) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _same_number(value: Any, expected: float) -> bool:
    number = _number(value)
    return number is not None and math.isclose(number, expected, rel_tol=1e-9, abs_tol=1e-9)


def _is_true(value: Any) -> bool:
    return (isinstance(value, bool) or type(value).__name__ == "bool_") and bool(value)


def _is_false(value: Any) -> bool:
    return (isinstance(value, bool) or type(value).__name__ == "bool_") and not bool(value)


def _strings(value: Any) -> frozenset[str] | None:
    if isinstance(value, str):
        return frozenset([value])
    try:
        return frozenset(str(item) for item in value)
    except TypeError:
        return None


def check_numbers(
    task: str, namespace: Mapping[str, Any], expected: ExpectedNumbers
) -> list[tuple[str, bool]]:
    """(message, passed) for each check of a task. A name missing from `namespace` fails its
    checks with a message that says so; no message gives the expected value away."""
    spec = NUMBER_TASKS[task]
    missing = [name for name in spec.names if name not in namespace]
    get = namespace.get

    def defined(name: str, message: str, passed: Callable[[], bool]) -> tuple[str, bool]:
        if name in missing:
            return f"{name} is not defined (run the cell that sets it)", False
        try:
            return message, bool(passed())
        except Exception:  # noqa: BLE001 (a learner's value of an unexpected kind fails quietly)
            return message, False

    if task == "filter":
        return [
            defined(name, f"{name} holds exactly the rows of event {event}",
                    lambda name=name, ids=ids: _claim_ids(get(name)) is not None
                    and sorted(_claim_ids(get(name))) == sorted(ids))
            for name, event, ids in (
                ("raqqa", RAQQA, expected.raqqa_ids), ("kunduz", KUNDUZ, expected.kunduz_ids)
            )
        ]
    if task == "group":
        counts = lambda: _mapping(get("figures_by_reporter")) or {}  # noqa: E731
        return [
            defined("figures_by_reporter",
                    "figures_by_reporter has one entry per (event, reported_by) pair",
                    lambda: set(counts()) == set(expected.figures_by_reporter)),
            defined("figures_by_reporter", "figures_by_reporter has the right counts",
                    lambda: {k: _number(v) for k, v in counts().items()}
                    == {k: float(v) for k, v in expected.figures_by_reporter.items()}),
        ]
    if task == "compare":
        return [
            defined("raqqa_fighters", "raqqa_fighters: fighters permitted to leave Raqqa",
                    lambda: _same_number(get("raqqa_fighters"), expected.raqqa_fighters)),
            defined("kunduz_evacuated", "kunduz_evacuated: men evacuated from Kunduz",
                    lambda: _same_number(get("kunduz_evacuated"), expected.kunduz_evacuated)),
        ]
    if task == "add-up":
        answer = _is_true if expected.adds_up else _is_false
        return [
            defined("kunduz_total", "kunduz_total: men in Kunduz",
                    lambda: _same_number(get("kunduz_total"), expected.kunduz_total)),
            defined("not_surrendered", "not_surrendered: men in Kunduz minus those who surrendered",
                    lambda: _same_number(get("not_surrendered"), expected.not_surrendered)),
            defined("adds_up", "adds_up: True or False, whether not_surrendered lies in the "
                    "range given for the men unaccounted for",
                    lambda: answer(get("adds_up"))),
        ]
    if task == "reporters":
        reporters = lambda: _mapping(get("reporters")) or {}  # noqa: E731
        return [
            defined("reporters", f"reporters[{event!r}]: everyone who reported a figure",
                    lambda event=event: _strings(reporters().get(event))
                    == expected.reporters[event])
            for event in (RAQQA, KUNDUZ)
        ]
    raise KeyError(f"unknown task {task!r}; tasks are: {', '.join(NUMBER_TASKS)}")
