"""The files of an LMS's bulk download (a folder or a .zip), read as hostile input.

Everything in an upload comes from learners and from an LMS that kept their file names: a zip
entry may name a path out of the folder (`../../.bashrc`, `/etc/x`: zip-slip), be a link or a
device, claim a small size and inflate to gigabytes (a zip bomb), carry a name that is not
UTF-8 or holds HTML or terminal escapes. Here nothing is ever extracted to a path the upload
names: only the bytes of the wanted files are read, each bounded by the limit an answers file
has (readkit.course.answers.MAX_BYTES, checked on what is actually read, never on what the zip
header claims); links are never followed; a folder is walked without following a link and no
deeper than MAX_DEPTH; at most MAX_ENTRIES entries are looked at. Every entry that cannot be
used comes back with why, for the import's summary.
"""

from __future__ import annotations

import datetime
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from readkit.course.answers import MAX_BYTES, AnswersFile, file_kind, read_bytes
from readkit.course.errors import GradingError

MAX_ENTRIES = 10_000  # a class's download holds a few files per learner
MAX_DEPTH = 16
_UNIX = 3  # ZipInfo.create_system of an archive made on Unix (mode bits in external_attr)


@dataclass(frozen=True)
class Entry:
    """One file of the upload: its path inside it ('/'-separated, as the LMS named it: hostile,
    show it only through printable), its bytes when it is wanted and could be read, its time,
    and why it cannot be used ('' when it can)."""

    name: str
    data: bytes | None = None
    mtime: float = 0.0
    problem: str = ""


def read_upload(path: Path, wanted: Callable[[str], bool]) -> list[Entry]:
    """Every file of the upload at `path` (a folder or a .zip); the bytes of those `wanted` (by
    their name) are read. Raises GradingError when `path` itself is neither."""
    if path.is_dir():
        return list(_folder_entries(path, wanted))
    if path.is_file() and zipfile.is_zipfile(path):
        return list(_zip_entries(path, wanted))
    raise GradingError(
        f"{path} is neither a folder nor a .zip file. Give the LMS's bulk download of the "
        "assignment's submissions: the .zip as downloaded, or the folder it was unpacked into.")


def _too_many(count: int) -> Entry:
    return Entry(f"({count - MAX_ENTRIES} more entries)", problem=(
        f"not read: the upload holds more than {MAX_ENTRIES:,} entries; download the "
        "submissions of one assignment at a time"))


# --- a .zip --------------------------------------------------------------------------------


def _unsafe_path(name: str) -> bool:
    """Whether a zip entry's name reaches out of the upload (zip-slip): absolute, a drive, or a
    `..` step (Windows tools write `\\` as the separator, so it counts as one too)."""
    parts = re.split(r"[/\\]", name)
    return (name.startswith(("/", "\\")) or bool(re.match(r"[A-Za-z]:", name))
            or ".." in parts or "\x00" in name)


def _zip_problem(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    if _unsafe_path(info.filename):
        return "its path leads out of the upload (zip-slip); not extracted"
    # Only a file type the archive states counts: many zip writers (Python's writestr, Java's,
    # Windows') give permission bits alone, or none.
    if info.create_system == _UNIX and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        return f"it is {file_kind(mode)}, not a file; not followed"
    if info.flag_bits & 0x1:
        return "it is encrypted"
    if info.file_size > MAX_BYTES:
        return (f"it is {info.file_size:,} bytes, far more than an answers file can be "
                f"(limit {MAX_BYTES:,})")
    return ""


def _zip_time(info: zipfile.ZipInfo) -> float:
    try:
        return datetime.datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):  # a made-up date (month 0)
        return 0.0


def _zip_entries(path: Path, wanted: Callable[[str], bool]) -> Iterator[Entry]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise GradingError(f"{path} cannot be read as a .zip file ({error}). Download it from "
                           "the LMS again.") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        for info in infos[:MAX_ENTRIES]:
            name, mtime = info.filename, _zip_time(info)
            problem = _zip_problem(info)
            if problem or not wanted(name):
                yield Entry(name, None, mtime, problem)
                continue
            try:
                with archive.open(info) as handle:
                    data = handle.read(MAX_BYTES + 1)  # never more, whatever the header says
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                    RuntimeError, ValueError) as error:
                yield Entry(name, None, mtime, f"it cannot be read from the zip ({error})")
                continue
            if len(data) > MAX_BYTES:
                yield Entry(name, None, mtime, (
                    f"it unpacks to more than an answers file can be (limit {MAX_BYTES:,} "
                    "bytes; a zip bomb?)"))
                continue
            yield Entry(name, data, mtime)
        if len(infos) > MAX_ENTRIES:
            yield _too_many(len(infos))


# --- a folder ------------------------------------------------------------------------------


def _folder_entries(root: Path, wanted: Callable[[str], bool]) -> Iterator[Entry]:
    pending: list[tuple[Path, str, int]] = [(root, "", 0)]
    count = 0
    while pending:
        folder, prefix, depth = pending.pop()
        try:
            with os.scandir(folder) as listing:
                found = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            yield Entry(prefix or ".", problem=f"the folder cannot be read ({error.strerror})")
            continue
        for entry in found:
            count += 1
            if count > MAX_ENTRIES:
                yield _too_many(count)
                return
            name = prefix + entry.name
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as error:
                yield Entry(name, problem=f"it cannot be read ({error.strerror})")
                continue
            if stat.S_ISDIR(info.st_mode):
                if depth + 1 >= MAX_DEPTH:
                    yield Entry(name + "/", problem=f"folders nest more than {MAX_DEPTH} deep")
                else:
                    pending.append((Path(entry.path), name + "/", depth + 1))
            elif not stat.S_ISREG(info.st_mode):
                yield Entry(name, None, info.st_mtime,
                            f"it is {file_kind(info.st_mode)}, not a file; not followed")
            elif not wanted(name):
                yield Entry(name, None, info.st_mtime)
            else:
                # The same bounded read as grading: no link followed, no FIFO waited on.
                data = read_bytes(Path(entry.path))
                if isinstance(data, AnswersFile):
                    yield Entry(name, None, info.st_mtime, _reason(data))
                else:
                    yield Entry(name, data, info.st_mtime)


def _reason(found: AnswersFile) -> str:
    """The first sentence of the reader's reason (the rest tells a learner what to do)."""
    return found.reason.split(". ")[0]
