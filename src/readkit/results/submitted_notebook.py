"""One cell's source from a learner's notebook as handed in (the answer cell that names the
chosen sentence), read as hostile input: never through a link, never blocking on a pipe, at
most MAX_BYTES, and never raising (the reason says what was wrong)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from readkit.course.answers import file_kind

# An honest notebook of these assignments is well under 5 MB even with its outputs.
MAX_BYTES = 64 * 1024 * 1024


def _read(path: Path) -> bytes | str:
    """The file's bytes, or why they cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return f"no {path.name} was handed in"
    except OSError:
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            mode = stat.S_IFREG
        return f"{path.name} is {file_kind(mode)}, not a notebook file"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return f"{path.name} is {file_kind(info.st_mode)}, not a notebook file"
        if info.st_size > MAX_BYTES:
            return f"{path.name} is {info.st_size:,} bytes (over {MAX_BYTES:,}) and was not read"
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            data = handle.read(MAX_BYTES + 1)
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > MAX_BYTES:
        return f"{path.name} is over {MAX_BYTES:,} bytes and was not read"
    return data


def cell_source(path: Path, grade_id: str) -> tuple[str | None, str]:
    """(source, "") of the cell whose nbgrader grade_id is `grade_id`, or (None, why not).
    Of several such cells (a learner copied one), the last: nbgrader's DeduplicateIds keeps
    the last and strips the others, so that is the one autograde's TrustedScores reads."""
    data = _read(path)
    if isinstance(data, str):
        return None, data
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, f"{path.name} is not a readable notebook (not valid JSON)"
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return None, f"{path.name} is not a readable notebook (no list of cells)"
    for cell in reversed(cells):
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(nbgrader, dict) and nbgrader.get("grade_id") == grade_id:
            source = cell.get("source", "")
            if isinstance(source, list) and all(isinstance(line, str) for line in source):
                return "".join(source), ""
            if isinstance(source, str):
                return source, ""
            return None, f"{path.name}: the cell {grade_id} has no readable source"
    return None, f"{path.name} has no cell {grade_id}"
