"""Graded sections (an article's sections.csv): which paragraphs each part of a Sorter assignment
covers and how many points it is worth. A paragraph range is written only there."""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


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



def parse_sections(rows: Iterable[Mapping[str, str]]) -> list[Section]:
    """Sections from the rows of a sections.csv, checked: every column present, paragraph
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

