"""Which student ids the kit accepts: the one check wherever an id enters (collect, `readkit
autograde`, `readkit grade`).

A student id comes from a learner: a hub user name, the name of a hand-in in the exchange, a
folder under grading/submitted/. It ends up in nbgrader's formgrader pages (as HTML and inside
their script), in URLs, in file paths, in the instructor's terminal and in spreadsheets. An id
that is HTML (`<svg onload=...>`), closes a script string (`rk";...;"`), holds a terminal
escape sequence, a path separator or nbgrader's exchange separator `+` is refused here, with a
message that says what to do, instead of being escaped in every place it reaches.

The safe set: 1 to 64 characters, ASCII letters, digits and `. _ @ -`, the first a letter, a
digit or `_` (so never a hidden name, `.` or `..`, something read as an option, or a
spreadsheet formula). Hub and system user names, LMS logins and most e-mail addresses fit.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 64
FIRST_CHARS, CHARS = "A-Za-z0-9_", "A-Za-z0-9._@-"
SAFE_STUDENT_ID = re.compile(f"[{FIRST_CHARS}][{CHARS}]*")
_NOT_ID = re.compile(f"[^{CHARS}]+")
_NOT_FIRST = re.compile(f"^[^{FIRST_CHARS}]+")
# The status of a hand-in refused for its id (readkit grade's grades.csv).
REFUSED = "refused-id"
RULE = (f"a student id is 1 to {MAX_LENGTH} characters: letters A-Z a-z, digits and . _ @ -, "
        "starting with a letter, a digit or _")


# What the instructor does about a refused folder under grading/submitted/.
RENAME_FOLDER = ("rename the folder to the learner's real id (their hub or LMS login) and run "
                 "again")


def problem(student_id: str) -> str | None:
    """Why `student_id` is refused, or None when it is safe. The id itself is not repeated:
    the caller shows it, made printable, and says what to do."""
    if (isinstance(student_id, str) and len(student_id) <= MAX_LENGTH
            and SAFE_STUDENT_ID.fullmatch(student_id)):
        return None
    return f"student id refused ({RULE})"


def is_safe(student_id: str) -> bool:
    return problem(student_id) is None


def from_name(name: str) -> str | None:
    """A safe student id made from a name an LMS gave a hand-in ("Ada Lovelace", "lovelaceada",
    "<svg onload=...>"), or None when nothing of it is left: accents dropped (é -> e), every
    run of other characters made one `_` (none at either end), a start that may not start an
    id cut off, cut to MAX_LENGTH. The result always passes `problem`, the one rule."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_FIRST.sub("", _NOT_ID.sub("_", folded).strip("_"))[:MAX_LENGTH].rstrip("_")
    return slug if is_safe(slug) else None
