"""The NN- numbers of the course's lessons and assignments, as the generator tests need them:
nothing pinned, since a teacher who adds a lesson or an assignment moves the next one on."""

from __future__ import annotations

from pathlib import Path


def next_number(folder: Path, pattern: str) -> int:
    """The number after the highest NN- among the names in `folder` matching `pattern`."""
    numbers = [int(p.name[:2]) for p in folder.glob(pattern) if p.name[:2].isdigit()]
    return max(numbers, default=0) + 1
