"""An independent count of a Sorter assignment's points, for the golden and gain tests: the
course's CSV files read with the csv module and the chance-corrected agreement of
docs/grading.md computed here, none of readkit's grading code involved. Labels are read as a
learner meant them (stripped, lower case); anything else counts as unlabelled."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

LABELS = ("sourced", "claim", "commentary", "meta")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def section_points(data: Path, slug: str, parts: str, answers: dict) -> dict[str, float]:
    """section -> points of `answers` on the graded parts named `parts` in article `slug`'s
    sections.csv (kappa: p_o right share; p_e the learner's labels against the units that
    accept them; negative scored 0; rounded to 2 decimals)."""
    folder = data / "articles" / slug
    paragraph = {r["unit_id"]: int(r["paragraph"]) for r in _rows(folder / "units.csv")}
    key = {r["unit_id"]: {r["label"], *filter(None, r["accept"].split("|"))}
           for r in _rows(folder / "key.csv") if r["split"] == "assessment"}
    found = {}
    for section in _rows(folder / "sections.csv"):
        if section["assignment"] != parts:
            continue
        first, last = int(section["first_paragraph"]), int(section["last_paragraph"])
        units = [u for u in key if first <= paragraph[u] <= last]
        chosen = {}
        for unit in units:
            label = answers.get(unit)
            label = label.strip().lower() if isinstance(label, str) else None
            chosen[unit] = label if label in LABELS else "(none)"
        n = len(units)
        right = sum(chosen[u] in key[u] for u in units)
        given = Counter(chosen.values())
        accepting = Counter(label for u in units for label in key[u])
        chance = sum(count * accepting[label] for label, count in given.items()) / n ** 2
        kappa = 1.0 if chance >= 1 else (right / n - chance) / (1 - chance)
        points = float(section["points"])
        found[section["section"]] = min(round(max(kappa, 0.0) * points, 2), points)
    return found


def total_points(data: Path, slug: str, parts: str, answers: dict) -> tuple[float, float]:
    """(points, max points) of `answers` on the graded parts `parts` of article `slug`."""
    maximum = sum(float(s["points"]) for s in _rows(data / "articles" / slug / "sections.csv")
                  if s["assignment"] == parts)
    return sum(section_points(data, slug, parts, answers).values()), maximum
