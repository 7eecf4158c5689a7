"""The units as the widgets' front ends draw them: each unit's text as runs, its markup read
(readkit.course.markup) and its quotations marked, so that the browser only builds DOM nodes
from plain strings (textContent) and never parses the article's text or sets HTML from it.

    {"unit_id": "p05s1", "paragraph": 5, "text": "Theme: <u>Terrorism</u>, ...",
     "runs": [{"text": "Theme: "}, {"text": "Terrorism", "u": True}, ...]}

A run carries "u" (underlined), "b" (bold) and "q" (inside a quotation) only when true. A
quotation opened in one unit and closed in a later unit of the same paragraph (a quotation cut
into sentences) marks the units between as quoted too.
"""

from collections.abc import Iterable

from readkit.course.markup import parse

OPENING = ('"', "\u201c")
CLOSING = ('"', "\u201d")


def _quoted_runs(text: str, inside: bool) -> tuple[list[dict], bool]:
    """`text`'s runs, split where a quotation opens (before its mark) or closes (after it)."""
    runs: list[dict] = []
    for run in parse(text):
        flags = {name: True for name, on in (("u", run.underline), ("b", run.bold)) if on}
        pieces, start = [], 0  # (end, quoted) of each piece of this run
        for i, char in enumerate(run.text):
            if not inside and char in OPENING:
                pieces.append((i, False))
                inside = True
            elif inside and char in CLOSING:
                pieces.append((i + 1, True))
                inside = False
        pieces.append((len(run.text), inside))
        for end, quoted in pieces:
            if end > start:
                quote = {"q": True} if quoted else {}
                runs.append({"text": run.text[start:end], **flags, **quote})
            start = end
    return runs, inside


def unit_runs(units: Iterable[dict]) -> list[dict]:
    """Each unit dict ({"unit_id", "paragraph", "text", ...}), in the order given, with its
    "runs" added."""
    shown, paragraph, inside = [], None, False
    for unit in units:
        if unit["paragraph"] != paragraph:
            paragraph, inside = unit["paragraph"], False
        runs, inside = _quoted_runs(unit["text"], inside)
        shown.append({**unit, "runs": runs})
    return shown
