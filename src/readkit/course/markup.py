"""The markup an article's text may carry, read for display: the data stays as typed.

units.csv and article.txt hold the article byte for byte, markup included ("Theme:
<u>Terrorism</u>", "In-depth Report: **SYRIA**"). Every view (the Sorter, the lessons' text
views, the handout) shows it formatted: underlined and bold text, never the markup characters
and never raw HTML from the data. Only the two forms the articles use are read, each only when
it is closed within the same text; anything else (an unclosed <u>, a lone **, any other tag)
stays text, shown as typed.

    parse('Theme: <u>Terrorism</u>')   # [Run('Theme: '), Run('Terrorism', underline=True)]
    plain('In-depth Report: **SYRIA**')  # 'In-depth Report: SYRIA' (what a reader sees)
    to_html('a <u>b</u> & c')          # 'a <u>b</u> &amp; c' (escaped, then formatted)
"""

import html
import re
from typing import NamedTuple

# <u>...</u> and **...**, the shortest closed span each; the inside may hold the other form.
_FORMS = re.compile(r"<u>(?P<underline>.+?)</u>|\*\*(?P<bold>.+?)\*\*", re.DOTALL)


class Run(NamedTuple):
    """A piece of text shown one way: plain, underlined, bold or both."""

    text: str
    underline: bool = False
    bold: bool = False


def parse(text: str) -> list[Run]:
    """The text as runs in reading order, markup characters left out; adjacent runs differ in
    their formatting. An empty text gives no runs."""
    runs: list[Run] = []

    def add(piece: str, underline: bool, bold: bool) -> None:
        if not piece:
            return
        if runs and runs[-1][1:] == (underline, bold):
            runs[-1] = Run(runs[-1].text + piece, underline, bold)
        else:
            runs.append(Run(piece, underline, bold))

    def walk(piece: str, underline: bool, bold: bool) -> None:
        position = 0
        for match in _FORMS.finditer(piece):
            add(piece[position:match.start()], underline, bold)
            if match.group("underline") is not None:
                walk(match.group("underline"), True, bold)
            else:
                walk(match.group("bold"), underline, True)
            position = match.end()
        add(piece[position:], underline, bold)

    walk(text, False, False)
    return runs


def plain(text: str) -> str:
    """What a reader sees: the text without its markup characters."""
    return "".join(run.text for run in parse(text))


def run_html(run: Run) -> str:
    """One run as HTML: its text escaped, in <u> and/or <strong>."""
    out = html.escape(run.text)
    if run.underline:
        out = f"<u>{out}</u>"
    if run.bold:
        out = f"<strong>{out}</strong>"
    return out


def to_html(text: str) -> str:
    """The text as HTML: escaped, its markup as <u> and <strong> (and nothing else)."""
    return "".join(run_html(run) for run in parse(text))
