"""An independent count of a Sorter test's points, for the gain tests: the course's CSV files
read with the csv module and the chance-corrected agreement of docs/grading.md computed here,
none of readkit's grading code involved."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_points(data: Path, slug: str, parts: str, answers: dict[str, str]) -> tuple[float, float]:
    """(points, max points) of `answers` on the graded parts named `parts` of article `slug`."""
    folder = data / "articles" / slug
    paragraph = {r["unit_id"]: int(r["paragraph"]) for r in _rows(folder / "units.csv")}
    key = {r["unit_id"]: {r["label"], *filter(None, r["accept"].split("|"))}
           for r in _rows(folder / "key.csv") if r["split"] == "assessment"}
    total = maximum = 0.0
    for section in _rows(folder / "sections.csv"):
        if section["assignment"] != parts:
            continue
        first, last = int(section["first_paragraph"]), int(section["last_paragraph"])
        units = [u for u in key if first <= paragraph[u] <= last]
        n = len(units)
        right = sum(answers.get(u) in key[u] for u in units)
        chosen = Counter(answers.get(u, "(none)") for u in units)
        accepting = Counter(label for u in units for label in key[u])
        chance = sum(count * accepting[label] for label, count in chosen.items()) / n ** 2
        kappa = 1.0 if chance >= 1 else (right / n - chance) / (1 - chance)
        points = float(section["points"])
        total += min(round(max(kappa, 0.0) * points, 2), points)
        maximum += points
    return total, maximum
