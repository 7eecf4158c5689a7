"""The answer store: answers.json beside the notebook that wrote it.

Format: {"version": 1, "article": "<slug>", "assignment": "<name>",
         "answers": {"<unit_id>": "<label>", ...}}.
"article" names the article the unit ids belong to (unit ids are unique within an article only);
files written before articles had slugs have no "article" and are read as the assignment's.
Written atomically (temp file + rename) so a crash or a rapid series of clicks never leaves a
half-written file.

Read as hostile input, because at grading time it is: a submitted file can be a link out of
the submission, a FIFO or a device, a directory, huge, or nested without end. Reading never
follows a link, never blocks, reads at most MAX_BYTES, bounds the nesting, and never raises:
the status and `reason` say what was wrong and what to do. A UTF-8 byte-order mark and labels
typed in upper case are read as the learner meant them.
"""

import contextlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from readkit.course.labels import LABELS

ANSWERS_FILE = "answers.json"
FORMAT_VERSION = 1
# A class's answers file is a few kB; anything this big is not one, and is not parsed.
MAX_BYTES = 1_000_000
# A real file nests three levels deep; past this the parser is not even started.
MAX_DEPTH = 20

OK, MISSING, NOT_A_FILE, CORRUPT, FOREIGN, TOO_LARGE = (
    "ok", "missing", "not-a-file", "corrupt", "foreign", "too-large")


@dataclass
class AnswersFile:
    """What was found at a path: a status, the usable answers and what was wrong with the rest.
    problems[0] says, for an unusable file, what was wrong and what to do."""

    path: Path
    status: str
    answers: dict[str, str] = field(default_factory=dict)
    assignment: str | None = None
    problems: list[str] = field(default_factory=list)
    article: str | None = None

    @property
    def usable(self) -> bool:
        return self.status == OK

    @property
    def reason(self) -> str:
        return "; ".join(self.problems)


def file_kind(mode: int) -> str:
    """What a file of this st_mode is, in words ("a folder", "a link", ...)."""
    if stat.S_ISLNK(mode):
        return "a link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path: Path) -> AnswersFile | bytes:
    """The file's bytes, or an AnswersFile that says why they cannot be read safely."""
    name = path.name
    try:
        # O_NOFOLLOW: a link (to /etc/passwd, /dev/zero, another learner's file) is refused;
        # O_NONBLOCK: opening a FIFO does not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return AnswersFile(path, MISSING, problems=[
            f"{name} not found: label at least one sentence with the Sorter, which saves it."])
    except OSError as error:
        if path.is_symlink():
            return AnswersFile(path, NOT_A_FILE, problems=[
                f"{name} is a link, not a file, and was not followed. Hand in the answers file "
                "itself (the Sorter saves it beside the notebook)."])
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):  # a socket cannot even be opened
            return AnswersFile(path, NOT_A_FILE, problems=[
                f"{name} is {file_kind(mode)}, not a file. Hand in the answers file the Sorter "
                "saved beside the notebook."])
        return AnswersFile(path, NOT_A_FILE, problems=[
            f"{name} could not be opened ({error.strerror or error}). Hand in the answers file "
            "the Sorter saved."])
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return AnswersFile(path, NOT_A_FILE, problems=[
                f"{name} is {file_kind(info.st_mode)}, not a file. Hand in the answers file the "
                "Sorter saved beside the notebook."])
        if info.st_size > MAX_BYTES:
            return AnswersFile(path, TOO_LARGE, problems=[
                f"{name} is {info.st_size:,} bytes, far more than an answers file can be "
                f"(limit {MAX_BYTES:,}). Move it away and label again with the Sorter."])
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            data = handle.read(MAX_BYTES + 1)
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > MAX_BYTES:  # grew while being read
        return AnswersFile(path, TOO_LARGE, problems=[
            f"{name} is larger than an answers file can be (limit {MAX_BYTES:,} bytes). Move "
            "it away and label again with the Sorter."])
    return data


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH (checked before parsing:
    the parser itself would recurse until the interpreter's limit)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _corrupt(path: Path, what: str) -> AnswersFile:
    return AnswersFile(path, CORRUPT, problems=[
        f"{path.name} {what}. Run the Sorter cell again: it moves the broken file aside and "
        "starts a fresh one."])


def read_answers(path: Path | str, assignment: str | None = None,
                 article: str | None = None) -> AnswersFile:
    """Read an answers file. Never raises for bad content: the status and `problems` say what
    was wrong and what to do. Entries with an unknown label are dropped with a problem noted.
    With `assignment` / `article`, a file written for another one is FOREIGN (a file that names
    no article is taken to be for this one)."""
    path = Path(path)
    data = read_bytes(path)
    if isinstance(data, AnswersFile):
        return data
    if not data.strip():
        return _corrupt(path, "is empty")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark (Windows editors) is not content
    except UnicodeDecodeError:
        return _corrupt(path, "is not text (it holds binary data)")
    if _too_deep(text):
        return _corrupt(path, f"nests brackets more than {MAX_DEPTH} levels deep")
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        what = ("has extra text after the answers" if error.msg == "Extra data"
                else "is not valid JSON")
        return _corrupt(path, f"{what} (line {error.lineno}, column {error.colno})")
    except RecursionError:
        return _corrupt(path, "nests too deeply to be an answers file")
    except ValueError:  # a number of more than 4,300 digits (int() refuses to convert it)
        return _corrupt(path, "holds a number too long to be read")
    return _interpret(path, content, assignment, article)


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    return {list: "a list", str: "a string"}.get(type(value), type(value).__name__)


def _interpret(path: Path, content: object, assignment: str | None,
               article: str | None) -> AnswersFile:
    name = path.name
    if not isinstance(content, dict):
        return AnswersFile(path, FOREIGN, problems=[
            f"{name} holds {_json_kind(content)}, not a readkit answers object. Run the Sorter "
            "cell again to start a fresh one."])
    version = content.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        return AnswersFile(path, FOREIGN, problems=[
            f"{name} was written by a newer readkit (format version {version}; this one reads "
            f"version {FORMAT_VERSION}). Update readkit on the grading machine."])
    # type(): JSON true and 1.0 compare equal to 1 but are not format version 1.
    if type(version) is not int or version != FORMAT_VERSION \
            or not isinstance(content.get("answers"), dict):
        return AnswersFile(path, FOREIGN, problems=[
            f"{name} is not a readkit answers file (version {FORMAT_VERSION} with an "
            "'answers' object). Run the Sorter cell again to start a fresh one."])
    found = content.get("assignment")
    if not isinstance(found, str):
        found = None
    if assignment is not None and found != assignment:
        return AnswersFile(path, FOREIGN, assignment=found, problems=[
            f"{name} belongs to assignment {found!r}, not {assignment!r}. Use the answers "
            "file from this assignment's folder."])
    written_for = content.get("article")
    if "article" in content and not isinstance(written_for, str):
        return AnswersFile(path, FOREIGN, assignment=found, problems=[
            f"{name} names no article (its 'article' is {_json_kind(written_for)}). Run the "
            "Sorter cell again to start a fresh one."])
    if article is not None and written_for is not None and written_for != article:
        return AnswersFile(path, FOREIGN, assignment=found, article=written_for, problems=[
            f"{name} holds answers for the article {written_for!r}, not {article!r} (this "
            "assignment's). Use the answers file from this assignment's folder."])
    answers, problems = {}, []
    for unit_id, label in content["answers"].items():
        meant = label.strip().lower() if isinstance(label, str) else label
        if meant in LABELS:
            answers[unit_id] = meant
        else:
            problems.append(f"{unit_id}: unknown label {label!r} ignored "
                            f"(use one of {', '.join(LABELS)})")
    return AnswersFile(path, OK, answers, found, problems, written_for)


@contextlib.contextmanager
def locked(path: Path | str) -> Iterator[None]:
    """Hold an exclusive lock on the answers file's folder while a read-merge-write runs, so
    that two kernels (two views, two Sorters) writing the same file never lose each other's
    answers. The folder itself is locked: no lock file is left beside the notebook. Where the
    system has no flock (Windows; Pyodide, whose fcntl lacks it), writes are still atomic but
    not serialised."""
    try:
        from fcntl import LOCK_EX, flock
    except ImportError:  # pragma: no cover (not on Linux or macOS)
        yield
        return
    fd = os.open(Path(path).parent, os.O_RDONLY | os.O_CLOEXEC)
    try:
        flock(fd, LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def temp_file_beside(path: Path | str, text: str) -> Path:
    """`text` (UTF-8, newlines as given) in a new temp file in `path`'s folder, ready to be
    renamed over `path` (os.replace). A failure leaves no temp file."""
    path = Path(path)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as temp:
            temp.write(text)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return Path(temp_name)


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write `text` to a temp file in the same folder, then rename it over `path`: a reader
    sees the old file or the new one, never a mix, and a failure leaves the old file and no
    temp file behind."""
    temp = temp_file_beside(path, text)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_answers(path: Path | str, assignment: str, answers: dict[str, str],
                  article: str | None = None) -> None:
    """Write atomically: a reader sees the old file or the new one, never a mix."""
    payload = {"version": FORMAT_VERSION, "assignment": assignment, "answers": dict(answers)}
    if article is not None:
        payload["article"] = article
    write_text_atomic(path, json.dumps(payload, indent=1, sort_keys=True) + "\n")


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


def set_aside_note(path: Path) -> str:
    """The Sorter moves an unreadable answers file aside (answers.unreadable-<time>.json) and
    starts a fresh one; say so, since the fresh file explains an empty score."""
    aside = sorted(path.parent.glob(f"{path.stem}.unreadable-*{path.suffix}"))
    if not aside:
        return ""
    return (f" Note: an earlier {path.name} could not be read and was set aside as "
            f"{aside[-1].name}; only the answers given since then count.")
