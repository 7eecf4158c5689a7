"""Learner-written text on its way to the instructor: a terminal and a spreadsheet.

Student folder names, unit ids and labels come from submissions. Control characters (escape
sequences that could rewrite the terminal) are shown as visible escapes, and a CSV cell that a
spreadsheet would run as a formula gets a leading apostrophe (OWASP's CSV-injection advice).
"""

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: object) -> str:
    """Text safe to print: control and bidi-override characters become \\xNN / \\uNNNN."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), str(text))


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
