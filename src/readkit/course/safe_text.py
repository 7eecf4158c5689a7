"""Learner-written text on its way to the instructor: a terminal and a spreadsheet.

Student folder names, unit ids and labels come from submissions. Control characters (escape
sequences that could rewrite the terminal) are shown as visible escapes, and a CSV cell that a
spreadsheet would run as a formula gets a leading apostrophe (OWASP's CSV-injection advice).
"""

import re

# Every C0 control (tab and newline too: learner text never spans cells or lines, and a newline
# could forge a line of `readkit grade`'s summary), DEL and C1, the line and paragraph
# separators, the bidi overrides, and lone surrogates (a JSON "\ud800" or a file name that is
# not UTF-8: they cannot even be encoded for the terminal or the CSV file).
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: object) -> str:
    """Text safe to print: control and bidi-override characters and lone surrogates become
    \\t, \\n, \\xNN or \\uNNNN."""
    return _CONTROL.sub(_escape, str(text))


def _escape(match: re.Match) -> str:
    char = match.group(0)
    if "\ud800" <= char <= "\udfff":
        return f"\\u{ord(char):04x}"
    return char.encode("unicode_escape").decode("ascii")


def csv_cell(text: object) -> str:
    """A CSV cell no spreadsheet runs as a formula, with control characters made visible.
    Numbers are left alone (a negative number stays a number)."""
    value = printable(text)
    if value.startswith(_FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
