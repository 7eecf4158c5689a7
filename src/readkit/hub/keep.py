"""The class's grades outlive the hub: what `readkit hub` saves when it stops, and how a second
`readkit hub --resume FOLDER` picks it up again.

A saved class is one folder (by default <course repository>/hub-grades/<date>-<time>/, owned by
the owner of the course repository, mode 0700: it holds learners' work and grades):

    grading/          the instructor's course's grading/ as it was: submitted/, autograded/,
                      feedback/, reports/<assignment>/ (grades.csv, lms.csv, report/, scores.json)
    gradebook.sql     the PostgreSQL gradebook (pg_dump, plain SQL, no owners or grants)
    README.txt        what is here and how to pick it up again

Everything under grading/ was written by the instructor's account (and, in submitted/, by
learners): it is copied as plain files and folders only, never through a link, so a link there
cannot pull another file of the machine into the teacher's folder.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

GRADING = "grading"
GRADEBOOK_DUMP = "gradebook.sql"
README = "README.txt"


def copy_plain_tree(source: Path, dest: Path) -> list[str]:
    """Copy the folders and regular files under `source` into `dest` (made), opening nothing
    through a link. Returns what was left out (links, devices, pipes), relative to source."""
    skipped: list[str] = []
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(os.scandir(source), key=lambda e: e.name):
        info = entry.stat(follow_symlinks=False)
        target = dest / entry.name
        if stat.S_ISDIR(info.st_mode):
            skipped += [f"{entry.name}/{name}" for name in
                        copy_plain_tree(Path(entry.path), target)]
        elif stat.S_ISREG(info.st_mode):
            _copy_file(Path(entry.path), target)
        else:
            skipped.append(entry.name)
    return skipped


def _copy_file(source: Path, target: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(source, flags), "rb") as reader, target.open("xb") as writer:
        while chunk := reader.read(1 << 20):
            writer.write(chunk)


def chown_tree(top: Path, uid: int, gid: int) -> None:
    for folder, names, files in os.walk(top):
        os.chown(folder, uid, gid, follow_symlinks=False)
        for name in names + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def save_class(course: Path, into: Path, dump: str | None, owner: tuple[int, int]
               ) -> tuple[Path, list[str]]:
    """Save `course`/grading (and the gradebook's dump) into a new folder under `into`, given
    to `owner` (uid, gid). Returns the folder and what was left out."""
    if not into.exists():
        into.mkdir(parents=True)
        os.chown(into, *owner)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = into / stamp
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = into / f"{stamp}-{suffix}"
    folder.mkdir(mode=0o700)
    skipped = []
    if (course / GRADING).is_dir() and not (course / GRADING).is_symlink():
        skipped = copy_plain_tree(course / GRADING, folder / GRADING)
    else:
        (folder / GRADING).mkdir()
    if dump is not None:
        (folder / GRADEBOOK_DUMP).write_text(dump, encoding="utf-8")
    (folder / README).write_text(
        "A class saved by `readkit hub` when it stopped.\n\n"
        "grading/       the course's grading folder: submitted/, autograded/, feedback/,\n"
        "               reports/<assignment>/ (grades.csv, lms.csv, report/index.html)\n"
        + (f"{GRADEBOOK_DUMP}  the PostgreSQL gradebook (pg_dump, plain SQL)\n"
           if dump is not None else "")
        + "\nPick it up again (as root, in the course repository):\n"
        f"    make hub RESUME={folder}\n    (or: readkit hub --resume {folder})\n",
        encoding="utf-8")
    chown_tree(folder, *owner)
    return folder, skipped


def saved_class_problem(folder: Path) -> str | None:
    """Why `folder` is not a class `readkit hub` saved (None: it is one)."""
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not (folder / GRADING).is_dir() or (folder / GRADING).is_symlink():
        return f"{folder} has no grading/ folder: is it a folder readkit hub saved on stop?"
    if (folder / GRADEBOOK_DUMP).is_symlink():
        return f"{folder / GRADEBOOK_DUMP} is a link"
    return None
