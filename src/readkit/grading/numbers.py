"""02-trace-the-numbers: the pandas tasks on an article's claims.csv, scored as pure functions.

The tasks are about two events of the claims table (RAQQA, KUNDUZ); which article's table they
use is the notebook's business, not this module's: the table `readkit.load_claims()` shows (the
course's first article, or the one the cell names; readkit.grading.cells), which the release
checks fits the tasks. Expected values are computed from the rows of claims.csv (plain dicts
of strings); the learner's values are pandas objects (or plain Python ones), read by duck
typing so that this module never imports pandas. Messages say what is right or not, never the
expected value.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The two events the tasks compare (values of claims.csv's `event` column).
RAQQA, KUNDUZ = "raqqa-2017", "kunduz-2001"


@dataclass(frozen=True)
class NumberTask:
    title: str
    names: tuple[str, ...]
    points: float


NUMBER_TASKS = {
    "filter": NumberTask("Filter the two events", ("raqqa", "kunduz"), 2),
    "group": NumberTask("Count the figures by event and reporter", ("figures_by_reporter",), 2),
    "compare": NumberTask("Two figures side by side", ("raqqa_fighters", "kunduz_evacuated"), 2),
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
