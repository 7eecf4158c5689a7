"""A learner's hand-in in the exchange: checked, then copied, without trusting it.

On a shared exchange each hand-in folder belongs to a learner, who can change it at any moment,
also while it is being collected. nbgrader's collect copies it with shutil.copytree, which
follows links (a link to the key becomes a file in submitted/), reads named pipes and devices,
and keeps the learner's mode bits. Here nothing is ever reached by a path that a learner could
redirect:

- `inspect` walks the hand-in through folder file descriptors (each name looked up with lstat
  relative to its folder's descriptor; folders opened with O_NOFOLLOW | O_DIRECTORY and checked
  to be the folder that lstat saw). Everything must be a plain file or folder, owned by the
  learner, on the exchange's own file system (no mount point), within the limits. Any problem
  refuses the whole hand-in before a byte is copied.
- `copy` walks the same plan again and opens each file with O_NOFOLLOW | O_NONBLOCK, then
  checks on the open descriptor (fstat) that it is the very file `inspect` saw: same device and
  inode, still a plain file, still the learner's. A file swapped for a link in between is not
  opened (O_NOFOLLOW), one swapped for another file is not the same inode: either way the copy
  stops, what was copied is removed, and the hand-in is refused. Reads stop at the limits.
  O_NONBLOCK keeps a file with a lease (or a pipe put there in between) from stalling collect.
- The copies get fixed modes (0644 files, 0755 folders), never the learner's: no set-id or
  executable bit of the learner's reaches the instructor's files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
import shutil
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from readkit.course.answers import file_kind
from readkit.course.safe_text import printable

MiB = 1024 * 1024
FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
CHUNK = MiB
SHOWN_PROBLEMS = 5


@dataclass(frozen=True)
class Limits:
    """What one hand-in may hold (docs/grading.md, "The exchange")."""

    file_bytes: int = 20 * MiB  # a notebook with its outputs, answers.json: far below this
    handin_bytes: int = 50 * MiB  # everything that is copied, added up
    entries: int = 1000  # files and folders, the ignored ones too (they are walked, not copied)
    depth: int = 16  # nested folders (each one open at a time while walking)


class Refused(Exception):
    """Why a hand-in is not collected: a message for the instructor that says what to do.
    Learner-made names in it are already printable."""


@dataclass(frozen=True)
class Entry:
    path: tuple[str, ...]  # relative to the hand-in folder
    folder: bool
    device: int
    inode: int
    size: int
    copied: bool  # False: left out by the course's ignore patterns (checked, never copied)

    @property
    def shown(self) -> str:
        return printable("/".join(self.path))


@dataclass
class Plan:
    """A hand-in as `inspect` found it: its folder's identity and every entry, parents first."""

    device: int
    inode: int
    entries: list[Entry] = field(default_factory=list)

    def children(self, parent: tuple[str, ...]) -> Iterator[Entry]:
        depth = len(parent) + 1
        return (e for e in self.entries if len(e.path) == depth and e.path[:-1] == parent)


def _same(status: os.stat_result, device: int, inode: int) -> bool:
    return status.st_dev == device and status.st_ino == inode


class _Inspection:
    def __init__(self, owner: int | None, device: int, limits: Limits,
                 skipped: Callable[[str, bool], bool]) -> None:
        self.owner, self.device, self.limits, self.skipped = owner, device, limits, skipped
        self.problems: list[str] = []
        self.entries: list[Entry] = []
        self.copied_bytes = 0
        self.full = False

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def check(self, shown: str, status: os.stat_result) -> bool:
        """Whether this entry is a plain file or folder of the learner's, here; else say why."""
        mode = status.st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            self.problem(f"{shown} is {file_kind(mode)}")
            return False
        if self.owner is not None and status.st_uid != self.owner:
            self.problem(f"{shown} belongs to {account_name(status.st_uid)}, not to the learner")
            return False
        if status.st_dev != self.device:
            self.problem(f"{shown} is on another file system (a mount point)")
            return False
        return True

    def folder(self, fd: int, parent: tuple[str, ...], copied: bool) -> None:
        if len(parent) > self.limits.depth:
            self.problem(f"{printable('/'.join(parent))} is nested more than "
                         f"{self.limits.depth} folders deep")
            return
        with os.scandir(fd) as listing:
            for item in listing:
                if self.full:
                    return
                if len(self.entries) >= self.limits.entries:
                    self.problem(f"it holds more than {self.limits.entries} files and folders")
                    self.full = True  # stop walking: a million names cost time to list
                    return
                path = (*parent, item.name)
                shown = printable("/".join(path))
                try:
                    status = os.stat(item.name, dir_fd=fd, follow_symlinks=False)
                except OSError as error:
                    self.problem(f"{shown} cannot be read ({error.strerror or error})")
                    continue
                if not self.check(shown, status):
                    continue
                is_folder = stat.S_ISDIR(status.st_mode)
                keep = copied and not self.skipped(item.name, is_folder)
                size = 0 if is_folder else status.st_size
                self.entries.append(Entry(path, is_folder, status.st_dev, status.st_ino, size,
                                          keep))
                if is_folder:
                    self.subfolder(fd, item.name, path, status, keep)
                elif keep:
                    self.copied_bytes += size
                    if size > self.limits.file_bytes:
                        self.problem(f"{shown} is {_size(size)}, above the limit of "
                                     f"{_size(self.limits.file_bytes)} per file")

    def subfolder(self, fd: int, name: str, path: tuple[str, ...], seen: os.stat_result,
                  copied: bool) -> None:
        shown = printable("/".join(path))
        try:
            child = os.open(name, FOLDER_FLAGS, dir_fd=fd)
        except OSError as error:
            self.problem(f"{shown} cannot be opened ({error.strerror or error})")
            return
        try:
            if not _same(os.fstat(child), seen.st_dev, seen.st_ino):
                self.problem(f"{shown} changed while it was checked")
                return
            self.folder(child, path, copied)
        finally:
            os.close(child)


def inspect(parent_fd: int, name: str, owner: int | None, limits: Limits,
            skipped: Callable[[str, bool], bool] = lambda name, folder: False) -> Plan:
    """Check the hand-in folder `name` in the folder open as `parent_fd` (inbound/) and return
    what to copy, or raise Refused with every problem found (the first few shown).

    owner: the uid everything in it must belong to (None: not checked). skipped(name, folder):
    the course's ignore patterns (still walked and checked, never copied)."""
    try:
        top = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    except OSError as error:
        raise Refused(f"it cannot be read ({error.strerror or error})") from None
    walk = _Inspection(owner, os.fstat(parent_fd).st_dev, limits, skipped)
    if not stat.S_ISDIR(top.st_mode):
        kind = "a file" if stat.S_ISREG(top.st_mode) else file_kind(top.st_mode)
        raise Refused(f"it is {kind}, not a folder")
    if walk.check("the hand-in folder", top):
        walk.subfolder(parent_fd, name, (), top, True)
    if walk.copied_bytes > limits.handin_bytes:
        walk.problem(f"it holds {_size(walk.copied_bytes)}, above the limit of "
                     f"{_size(limits.handin_bytes)} per hand-in")
    if walk.problems:
        shown = walk.problems[:SHOWN_PROBLEMS]
        more = len(walk.problems) - len(shown)
        raise Refused("; ".join(shown) + (f"; and {more} more" if more > 0 else ""))
    return Plan(top.st_dev, top.st_ino, walk.entries)


def copy(parent_fd: int, name: str, plan: Plan, dest: Path, owner: int | None, limits: Limits,
         file_mode: int = 0o644, folder_mode: int = 0o755) -> None:
    """Copy what `plan` lists of the hand-in `name` into the new folder `dest` (which must not
    exist), re-checking every entry on its open descriptor. On any difference from the plan,
    or past a limit, `dest` is removed and Refused is raised."""
    os.mkdir(dest, folder_mode)
    os.chmod(dest, folder_mode)
    try:
        top = _open_folder(parent_fd, name, plan.device, plan.inode, owner, "the hand-in folder")
        try:
            _copy_folder(top, (), plan, dest, owner, limits, [0], file_mode, folder_mode)
        finally:
            os.close(top)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _changed(shown: str) -> Refused:
    return Refused(f"{shown} changed while it was being collected (a link or another file in "
                   "its place): nothing of this hand-in is collected")


def _open_folder(parent_fd: int, name: str, device: int, inode: int, owner: int | None,
                 shown: str) -> int:
    try:
        fd = os.open(name, FOLDER_FLAGS, dir_fd=parent_fd)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT):
            raise _changed(shown) from None
        raise Refused(f"{shown} cannot be opened ({error.strerror or error})") from None
    status = os.fstat(fd)
    if not _same(status, device, inode) or (owner is not None and status.st_uid != owner):
        os.close(fd)
        raise _changed(shown)
    return fd


def _copy_folder(fd: int, parent: tuple[str, ...], plan: Plan, dest: Path, owner: int | None,
                 limits: Limits, total: list[int], file_mode: int, folder_mode: int) -> None:
    for entry in plan.children(parent):
        if not entry.copied:
            continue
        target = dest.joinpath(*entry.path)
        if entry.folder:
            os.mkdir(target, folder_mode)
            os.chmod(target, folder_mode)
            child = _open_folder(fd, entry.path[-1], entry.device, entry.inode, owner,
                                 entry.shown)
            try:
                _copy_folder(child, entry.path, plan, dest, owner, limits, total, file_mode,
                             folder_mode)
            finally:
                os.close(child)
        else:
            _copy_file(fd, entry, target, owner, limits, total, file_mode)


def _copy_file(fd: int, entry: Entry, target: Path, owner: int | None, limits: Limits,
               total: list[int], file_mode: int) -> None:
    try:
        source = os.open(entry.path[-1], FILE_FLAGS, dir_fd=fd)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOENT, errno.ENXIO, errno.EISDIR):
            raise _changed(entry.shown) from None
        raise Refused(f"{entry.shown} cannot be opened ({error.strerror or error})") from None
    try:
        status = os.fstat(source)
        if (not stat.S_ISREG(status.st_mode) or not _same(status, entry.device, entry.inode)
                or (owner is not None and status.st_uid != owner)):
            raise _changed(entry.shown)
        out = os.open(target, WRITE_FLAGS, file_mode)
        try:
            os.fchmod(out, file_mode)
            copied = 0
            while chunk := os.read(source, CHUNK):
                copied += len(chunk)
                total[0] += len(chunk)
                if copied > limits.file_bytes or total[0] > limits.handin_bytes:
                    raise Refused(f"{entry.shown} grew past the limits while it was being "
                                  "collected: nothing of this hand-in is collected")
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view):]
        finally:
            os.close(out)
    except BlockingIOError:
        raise Refused(f"{entry.shown} could not be read without waiting (a lease or a lock "
                      "on it): nothing of this hand-in is collected") from None
    finally:
        os.close(source)


def account_name(uid: int) -> str:
    """'name (uid N)' of a system account, or 'uid N'."""
    with contextlib.suppress(KeyError):
        return f"{printable(pwd.getpwuid(uid).pw_name)} (uid {uid})"
    return f"uid {uid}"


def _size(count: int) -> str:
    return f"{count / MiB:.1f} MiB" if count >= MiB else f"{count:,} bytes"
