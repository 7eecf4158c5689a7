"""An LMS's bulk download of answers.json hand-ins, put where `readkit grade` reads them.

The static site's learners (and any class that hands in through an LMS) upload answers.json to
an assignment; the teacher downloads every submission at once and runs `readkit grade
ASSIGNMENT --uploads PATH`. Each answers file becomes grading/submitted/<id>/ASSIGNMENT/
answers.json, the place nbgrader's collect uses, and is graded from there like any hand-in.

The learner comes from the names the LMS gave (readkit.nbgrader.upload_files reads the files
without trusting them):

- Moodle: a folder per submission, `Full Name_12345_assignsubmission_file_/answers.json`;
- Canvas: loose files, `lastnamefirstname_12345_67890_answers.json` (user id, then attachment
  id), `LATE` after the name (or before it) when handed in late, and `answers-1.json` when the
  learner handed in again;
- Google Classroom and by hand: `<learner>/answers.json`, `<learner>.json`,
  `<learner>-answers.json` (or `Name - answers.json`).

The id is the name made safe by the one student-id rule (student_ids.from_name). Two uploads
of one learner: the newest wins (Canvas's attachment id, then the `-N` / ` (N)` copy number,
then the file time) and the others are reported. Two learners whose names give one id but
whose LMS ids differ get that id with their LMS id appended, so neither is dropped. Only .json
files are answers files; everything else is left out with why. What a .json file holds is
checked by grading itself (a corrupt or foreign file gets its row and reason in grades.csv).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from readkit.course.answers import ANSWERS_FILE
from readkit.course.course import Course
from readkit.course.safe_text import printable
from readkit.nbgrader import student_ids
from readkit.nbgrader.upload_files import Entry, read_upload

_MOODLE_FOLDER = re.compile(r"(?P<name>.+)_(?P<user>\d+)_assignsubmission_file_?")
_CANVAS_FILE = re.compile(
    r"(?:LATE_)?(?P<name>[^_]+?)(?:_LATE)?_(?P<user>\d+)_(?P<attachment>\d+)_(?P<file>.+)",
    re.IGNORECASE)
_COPY_NUMBER = re.compile(r"(?:-(\d+)| ?\((\d+)\))$")  # answers-1, "answers (1)"
_ANSWERS_SUFFIX = re.compile(r"[\s_-]*answers$", re.IGNORECASE)
_IGNORED = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


def is_answers_name(name: str) -> bool:
    """Whether an upload's file may be an answers file (only these are read)."""
    return name.lower().endswith(".json")


@dataclass
class Found:
    """One answers file of the upload and whose it is."""

    entry: Entry
    learner: str  # the name the LMS gave (hostile)
    lms_id: str  # the LMS's number for the learner ('' when it gives none)
    order: tuple[int, ...]  # later is newer
    student: str = ""


@dataclass
class Imported:
    """What an import did: per answers file the id it became (or why it was left out)."""

    assignment: str
    imported: list[Found] = field(default_factory=list)
    unchanged: list[Found] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (upload name, why)

    def summary_lines(self) -> list[str]:
        """What `readkit grade --uploads` prints first: which file became which id."""
        lines = [f"Imported {len(self.imported)} answers file(s) of {self.assignment} from the "
                 f"upload ({len(self.unchanged)} already there, unchanged); skipped "
                 f"{len(self.skipped)}."]
        lines += [f"  {found.student:<24} <- {found.entry.name}"
                  for found in sorted(self.imported + self.unchanged, key=lambda f: f.student)]
        lines += [f"  skipped {name}: {why}" for name, why in self.skipped]
        return [printable(line) for line in lines]


def _copy_number(stem: str) -> tuple[str, int]:
    match = _COPY_NUMBER.search(stem)
    if not match:
        return stem, 0
    return stem[:match.start()], int(match.group(1) or match.group(2))


def whose(name: str) -> tuple[str, str, tuple[int, ...]] | str:
    """(the learner's name as the LMS gave it, their LMS id, an order where later is newer) for
    an answers file's path inside the upload, or why no learner can be told from it."""
    parts = name.replace("\\", "/").split("/")
    base = parts[-1]
    for folder in parts[:-1]:
        moodle = _MOODLE_FOLDER.fullmatch(folder)
        if moodle:
            _, copy = _copy_number(base[:-len(".json")])
            return moodle["name"], moodle["user"], (copy,)
    canvas = _CANVAS_FILE.fullmatch(base)
    if canvas:
        _, copy = _copy_number(canvas["file"][:-len(".json")])
        return canvas["name"], canvas["user"], (int(canvas["attachment"]), copy)
    stem, copy = _copy_number(base[:-len(".json")])
    learner = _ANSWERS_SUFFIX.sub("", stem).strip(" _-")
    if not learner and len(parts) > 1:
        learner = parts[-2]
    if not learner:
        return (f"no learner's name in it: put each learner's {ANSWERS_FILE} in a folder named "
                "after them (their LMS login), or name it <login>.json")
    return learner, "", (copy,)


def _ignored(name: str) -> bool:
    return name.startswith(_IGNORED) or "/__MACOSX/" in name or \
        name.rsplit("/", 1)[-1] in _IGNORED


def find(entries: list[Entry]) -> tuple[list[Found], list[tuple[str, str]]]:
    """The answers files of an upload with their learner, and the rest with why they are
    left out."""
    found, skipped = [], []
    for entry in entries:
        if entry.problem:
            skipped.append((entry.name, entry.problem))
        elif _ignored(entry.name):
            skipped.append((entry.name, "system file of the computer that made the zip"))
        elif entry.data is None or not is_answers_name(entry.name):
            skipped.append((entry.name, f"not an answers file (only .json files are "
                                        f"imported; learners hand in {ANSWERS_FILE})"))
        else:
            named = whose(entry.name)
            if isinstance(named, str):
                skipped.append((entry.name, named))
            else:
                found.append(Found(entry, *named))
    return found, skipped


def newest_per_student(found: list[Found]) -> tuple[list[Found], list[tuple[str, str]]]:
    """One answers file per student id, the newest; the older ones with why they were left
    out. Names that give one id but belong to different LMS learners get their LMS id added."""
    by_id: dict[str, list[Found]] = {}
    skipped = []
    for item in found:
        slug = student_ids.from_name(item.learner)
        if slug is None:
            skipped.append((item.entry.name, "no student id can be made from the learner's "
                                             "name; rename its file or folder in the upload "
                                             "to their LMS login and run again"))
            continue
        by_id.setdefault(slug, []).append(item)
    for slug, items in list(by_id.items()):
        if len({item.lms_id for item in items}) > 1:
            del by_id[slug]
            for item in items:
                by_id.setdefault(student_ids.from_name(f"{slug}_{item.lms_id}"), []).append(item)
    chosen = []
    for student, items in sorted(by_id.items()):
        items.sort(key=lambda item: (item.order, item.entry.mtime, item.entry.name))
        newest = items[-1]
        newest.student = student
        chosen.append(newest)
        skipped += [(item.entry.name, f"an older hand-in of {student} (kept: "
                                      f"{newest.entry.name})") for item in items[:-1]]
    return chosen, skipped


def _write(target: Path, data: bytes) -> None:
    """Write atomically: a file beside the target, then renamed over it."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".json")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _place(course: Course, assignment: str, found: Found, update: bool) -> str | None:
    """Put one answers file into the student's submission folder: None when written, "same"
    when it is already there, else why it was not."""
    student_dir = course.layout.submitted / found.student
    folder = student_dir / assignment
    if student_dir.is_symlink() or folder.is_symlink():
        return (f"grading/submitted/{found.student} holds a link, not a folder (readkit grade "
                "refuses it); remove the link and import again")
    target = folder / ANSWERS_FILE
    if folder.is_dir() and any(folder.iterdir()):
        if target.is_file() and not target.is_symlink() and \
                target.read_bytes() == found.entry.data:
            return "same"
        if not update:
            return (f"grading/submitted/{found.student}/{assignment}/ already holds a "
                    "submission (from nbgrader collect or an earlier upload) and it was not "
                    "replaced; run again with --update to replace its answers.json")
        if target.is_symlink() or (target.exists() and not target.is_file()):
            return f"its {ANSWERS_FILE} is not a plain file; remove it and import again"
    folder.mkdir(parents=True, exist_ok=True)
    _write(target, found.entry.data)
    return None


def import_uploads(course: Course, assignment: str, path: Path,
                   update: bool = False) -> Imported:
    """Every answers file of the upload at `path` (a folder or a .zip) into grading/submitted/
    <id>/<assignment>/answers.json. An existing submission there is replaced only with
    `update` (its answers.json; the rest of the folder stays)."""
    found, skipped = find(read_upload(path, is_answers_name))
    chosen, older = newest_per_student(found)
    result = Imported(assignment, skipped=skipped + older)
    for item in chosen:
        try:
            why = _place(course, assignment, item, update)
        except OSError as error:  # e.g. a file where the submission folder should be
            why = (f"grading/submitted/{item.student}/{assignment}/answers.json cannot be "
                   f"written ({error.strerror or error}); see what is there and run again")
        if why is None:
            result.imported.append(item)
        elif why == "same":
            result.unchanged.append(item)
        else:
            result.skipped.append((item.entry.name, why))
    return result
