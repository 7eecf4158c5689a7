"""The answer store: answers.json beside the notebook that wrote it.

Format: {"version": 1, "assignment": "<name>", "answers": {"<unit_id>": "<label>", ...}}.
Written atomically (temp file + rename) so a crash or a rapid series of clicks never leaves a
half-written file; read tolerantly so one bad file never stops the grading of a class.
"""

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from readkit.labels import LABELS

FORMAT_VERSION = 1
# A class's answers file is a few kB; anything this big is not one, and is not parsed.
MAX_BYTES = 1_000_000

OK, MISSING, CORRUPT, FOREIGN, TOO_LARGE = "ok", "missing", "corrupt", "foreign", "too-large"


@dataclass
class AnswersFile:
    """What was found at a path: a status, the usable answers and what was wrong with the rest."""

    path: Path
    status: str
    answers: dict[str, str] = field(default_factory=dict)
    assignment: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.status == OK


def read_answers(path: Path | str, assignment: str | None = None) -> AnswersFile:
    """Read an answers file. Never raises for bad content: the status and `problems` say what
    was wrong and what to do. Entries with an unknown label are dropped with a problem noted."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return AnswersFile(path, MISSING, problems=[
            f"{path.name} not found: label at least one sentence with the Sorter, which saves it."
        ])
    if size > MAX_BYTES:
        return AnswersFile(path, TOO_LARGE, problems=[
            f"{path.name} is {size:,} bytes, far more than an answers file can be "
            f"(limit {MAX_BYTES:,}). Move it away and label again with the Sorter."
        ])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return AnswersFile(path, CORRUPT, problems=[
            f"{path.name} is not valid JSON ({error}). Run the Sorter cell again: it moves the "
            "broken file aside and starts a fresh one."
        ])
    if (
        not isinstance(data, dict)
        or data.get("version") != FORMAT_VERSION
        or not isinstance(data.get("answers"), dict)
    ):
        return AnswersFile(path, FOREIGN, problems=[
            f"{path.name} is not a readkit answers file (version {FORMAT_VERSION} with an "
            "'answers' object). Run the Sorter cell again to start a fresh one."
        ])
    found = data.get("assignment")
    if assignment is not None and found != assignment:
        return AnswersFile(path, FOREIGN, assignment=found, problems=[
            f"{path.name} belongs to assignment {found!r}, not {assignment!r}. Use the answers "
            "file from this assignment's folder."
        ])
    answers, problems = {}, []
    for unit_id, label in data["answers"].items():
        if label in LABELS:
            answers[str(unit_id)] = label
        else:
            problems.append(
                f"{unit_id}: unknown label {label!r} ignored (use one of {', '.join(LABELS)})"
            )
    return AnswersFile(path, OK, answers, found, problems)


def write_answers(path: Path | str, assignment: str, answers: dict[str, str]) -> None:
    """Write atomically: a reader sees the old file or the new one, never a mix."""
    path = Path(path)
    payload = {"version": FORMAT_VERSION, "assignment": assignment, "answers": dict(answers)}
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as temp:
            json.dump(payload, temp, indent=1, sort_keys=True)
            temp.write("\n")
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def move_aside(path: Path | str) -> Path:
    """Keep an unreadable file under a timestamped name (nothing is ever deleted)."""
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.unreadable-{stamp}{path.suffix}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.stem}.unreadable-{stamp}-{counter}{path.suffix}")
    os.replace(path, target)
    return target
