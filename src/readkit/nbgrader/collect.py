"""nbgrader's collect, collecting only what each named learner handed in (docs/grading.md).

On a shared exchange any account may create entries in inbound/ (nbgrader makes it 2733), and
a hand-in is named `<student>+<assignment>+<time>+<random>` by whoever makes it. nbgrader's own
collect takes the latest name per student, warns "owned by A; cheating attempt?" and collects it
anyway, and copies it following links. SafeCollect keeps nbgrader's choices (latest hand-in, or
the latest before the due date; --update) and changes what it trusts:

- a hand-in counts for learner B only if its folder belongs to B's system account: one that A
  made in B's name is refused with a message, and B's own latest hand-in is collected instead;
- a name that is not a safe student id, or whose time is not a time, is refused (nbgrader
  would stop the whole collect on an unreadable time);
- the chosen hand-in is checked and copied by readkit.nbgrader.handin (every file and folder
  the learner's, plain files and folders only, bounded sizes, no link ever followed, race-safe),
  into a new folder that replaces the collected copy only once it is complete;
- the course folder and inbound/ must be the collector's (or root's): a learner who made them
  could remove or replace other learners' hand-ins.

Each refused hand-in gets an ERROR line (the formgrader shows the log after Collect) and a row
in the course's grading/collect/ASSIGNMENT-refused.csv (readkit.nbgrader.refusals), which
`readkit grade` puts on the rows of the learner it names and of the account that made it; the
others are collected. Configured in the course's nbgrader_config.py and the hub's
(`c.ExchangeFactory.collect = "readkit.nbgrader.collect.SafeCollect"`), so `nbgrader collect`,
the formgrader's Collect button and the hub share this one path.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
from collections import defaultdict
from fnmatch import fnmatch
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import check_mode, parse_utc
from traitlets import Integer

from readkit.course.safe_text import printable
from readkit.nbgrader import refusals, student_ids
from readkit.nbgrader.handin import Limits, Refused, account_name, copy, inspect

TIMESTAMP_FILE = "timestamp.txt"
TIMESTAMP_BYTES = 100


def student_id_problem(student_id: str) -> str | None:
    """Why `student_id` may not name a learner's folder, or None when it may. Student ids
    become folder names under submitted/ and text on the formgrader's pages: the kit's one
    check (readkit.nbgrader.student_ids), as autograde and grade apply it."""
    if student_ids.is_safe(student_id):
        return None
    return f"the student id {printable(student_id)!r} is not a safe name ({student_ids.RULE})"


class SafeCollect(ExchangeCollect):
    """nbgrader's collect for a shared exchange where learners are real system users."""

    max_file_bytes = Integer(
        Limits.file_bytes,
        help="Largest file a hand-in may hold, in bytes (nbgrader's CourseDirectory."
             "max_file_size applies too, when smaller). A larger one refuses the hand-in.",
    ).tag(config=True)
    max_handin_bytes = Integer(
        Limits.handin_bytes,
        help="Largest hand-in (the files collected, added up), in bytes (nbgrader's "
             "CourseDirectory.max_dir_size applies too, when smaller).",
    ).tag(config=True)
    max_entries = Integer(
        Limits.entries, help="Most files and folders one hand-in may hold."
    ).tag(config=True)

    # -- nbgrader's steps ------------------------------------------------------------------

    def start(self):
        self.refused: list[refusals.Refusal] = []
        self.inbound_fd: int | None = None
        try:
            return super().start()
        finally:
            self._keep_refusals()
            if self.inbound_fd is not None:
                os.close(self.inbound_fd)

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        self.inbound_fd = os.open(self.inbound_path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self._check_exchange_owner()
        student = self.coursedir.student_id or "*"
        if student != "*" and (problem := student_id_problem(student)):
            self.fail(f"Cannot collect: {problem}.")
        if not self.check_owner:
            self.log.warning("ExchangeCollect.check_owner is off: hand-ins are not checked "
                             "against the account of the learner they name, so any account "
                             "that can write to inbound/ can hand in for any learner.")
        self.duedate = self._duedate()
        candidates = defaultdict(list)
        for name in sorted(os.listdir(self.inbound_fd)):
            record = self._record(name, student)
            if record is not None:
                candidates[record["username"]].append(record)
        self.src_records = [self._choose(records) for records in candidates.values()]

    def copy_files(self):
        if not self.src_records:
            self.log.warning("No submissions of '%s' for course '%s' to collect",
                             self.coursedir.assignment_id, self.coursedir.course_id)
        else:
            self.log.info("Processing %d submissions of '%s' for course '%s'",
                          len(self.src_records), self.coursedir.assignment_id,
                          self.coursedir.course_id)
        for record in self.src_records:
            try:
                self._collect(record)
            except Refused as reason:
                self._refuse(record["filename"], str(reason), advice=(
                    "A hand-in may hold only the learner's own plain files and folders, "
                    "within the size limits (docs/grading.md): ask them to hand in again "
                    "(Nbgrader > Assignment List, or nbgrader submit)"))
        if self.refused:
            self.log.error("%d hand-in(s) of '%s' refused, not collected: each is listed above "
                           "with the reason. The other hand-ins are collected.",
                           len(self.refused), self.coursedir.assignment_id)

    # -- which hand-ins count -------------------------------------------------------------

    def _check_exchange_owner(self) -> None:
        if self.coursedir.groupshared:
            return  # several instructors share these folders through their group
        trusted = {os.geteuid(), 0}
        found = {self.course_path: os.lstat(self.course_path),  # a link is its maker's
                 self.inbound_path: os.fstat(self.inbound_fd)}  # the folder being read
        for path, status in found.items():
            owner = status.st_uid
            if owner not in trusted:
                self.fail(
                    f"{path} belongs to {account_name(owner)}, not to you or root: a learner "
                    "may have made it before your first release, and could then remove or "
                    "replace other learners' hand-ins. Move the course folder out of the "
                    "exchange (as root), then release again (readkit hub makes these folders "
                    "for the instructor; docs/hub.md).")

    def _duedate(self):
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gradebook:
            try:
                return gradebook.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                return None

    def _record(self, name: str, student: str) -> dict | None:
        """The hand-in `name` of inbound/ as nbgrader's record, if it is one of this
        assignment (and student); None (refused with a message) when it cannot count."""
        parts = name.rsplit("+", 3)
        if len(parts) < 3 or parts[1] != self.coursedir.assignment_id:
            return None
        username = parts[0]
        if student != "*" and username != student:
            return None
        if problem := student_id_problem(username):
            return self._refuse(name, problem)
        try:
            timestamp = parse_utc(parts[2])
        except (ValueError, OverflowError, TypeError):
            return self._refuse(name, f"{printable(parts[2])!r} in its name is not a time")
        try:
            status = os.stat(name, dir_fd=self.inbound_fd, follow_symlinks=False)
        except OSError as error:
            return self._refuse(name, f"it cannot be read ({error.strerror or error})")
        if not self.check_owner:
            return {"username": username, "filename": name, "timestamp": timestamp,
                    "owner": None}
        try:
            learner = pwd.getpwnam(username).pw_uid
        except KeyError:
            return self._refuse(name, f"there is no system account named {username}", advice=(
                "On this exchange a hand-in counts only when it belongs to the account of the "
                "learner it names (docs/hub.md)"))
        if status.st_uid != learner:
            return self._refuse(
                name, "a hand-in in another learner's name", said=(
                    f"it is handed in in the name of {username} but belongs to "
                    f"{account_name(status.st_uid)}: a hand-in in another learner's name"),
                advice=(f"{username}'s own latest hand-in, if any, is collected instead; this "
                        "one stays in inbound/ (its owner or root can remove it)"))
        return {"username": username, "filename": name, "timestamp": timestamp,
                "owner": learner}

    def _choose(self, records: list[dict]) -> dict:
        """nbgrader's choice: the latest hand-in, or with --before-duedate the latest one on
        time (the latest of all when none was)."""
        latest = sorted(records, key=lambda record: record["timestamp"], reverse=True)
        if self.duedate is not None and self.before_duedate:
            on_time = [record for record in latest if record["timestamp"] <= self.duedate]
            if on_time:
                return on_time[0]
        return latest[0]

    def _refuse(self, name: str, reason: str, said: str = "", advice: str = "") -> None:
        """Refuse the hand-in `name`: an ERROR line (`said`, else `reason`, then `advice`)
        and a row of the refusals file (`reason`, short: readkit grade quotes it)."""
        try:
            owner = os.stat(name, dir_fd=self.inbound_fd, follow_symlinks=False).st_uid
        except OSError:
            owner = None
        self.refused.append(refusals.refusal(name, name.rsplit("+", 3)[0], owner, reason))
        text = said or reason
        self.log.error("Refused the hand-in %s (not collected): %s.", printable(name),
                       f"{text}. {advice}" if advice else text)
        return None

    def _keep_refusals(self) -> None:
        """The refusals of this run, added to the course's refusals file (readkit grade reads
        it). A file that cannot be written is said in the log; the collect stands."""
        if not self.refused:
            return
        path = None
        try:
            path = refusals.refusals_file(
                Path(self.coursedir.root) / self.coursedir.submitted_directory,
                self.coursedir.assignment_id)
            refusals.append_refusals(path, self.refused)
        except (OSError, ValueError) as error:
            self.log.error("The refused hand-ins could not be recorded in %s (%s): readkit "
                           "grade will not show them; they are listed above.",
                           printable(path or "the refusals file"), printable(error))

    # -- the copy ---------------------------------------------------------------------------

    def _limits(self) -> Limits:
        course = self.coursedir
        return Limits(file_bytes=min(self.max_file_bytes, 1000 * course.max_file_size),
                      handin_bytes=min(self.max_handin_bytes, 1000 * course.max_dir_size),
                      entries=self.max_entries)

    def _skipped(self, name: str, folder: bool) -> bool:
        """nbgrader's CourseDirectory.ignore and .include, as its own copy applies them."""
        if any(fnmatch(name, pattern) for pattern in self.coursedir.ignore):
            return True
        return not folder and bool(self.coursedir.include) and not any(
            fnmatch(name, pattern) for pattern in self.coursedir.include)

    def _collect(self, record: dict) -> None:
        student = record["username"]
        assignment = self.coursedir.assignment_id
        dest = Path(self.coursedir.format_path(self.coursedir.submitted_directory, student,
                                               assignment))
        updating = dest.is_dir()
        if updating and not self._newer(dest, record["timestamp"]):
            if self.update:
                self.log.info("No newer submission to collect: %s %s", student, assignment)
            else:
                self.log.info("Submission already exists, use --update to update: %s %s",
                              student, assignment)
            return
        limits = self._limits()
        plan = inspect(self.inbound_fd, record["filename"], record["owner"], limits,
                       self._skipped)
        token = secrets.token_hex(4)
        fresh = dest.parent / f".{assignment}.collecting-{token}"
        mode = (0o664, 0o2775) if self.coursedir.groupshared else (0o644, 0o755)
        made_parent = not dest.parent.exists()
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            copy(self.inbound_fd, record["filename"], plan, fresh, record["owner"], limits,
                 *mode)
            _check_timestamp(fresh)
        except Refused:
            shutil.rmtree(fresh, ignore_errors=True)
            if made_parent:
                dest.parent.rmdir()  # no empty student folder for a refused hand-in
            raise
        if updating:
            self.log.info("Updating submission: %s %s", student, assignment)
            old = dest.parent / f".{assignment}.replaced-{token}"
            os.rename(dest, old)
            os.rename(fresh, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            self.log.info("Collecting submission: %s %s", student, assignment)
            os.rename(fresh, dest)

    def _newer(self, dest: Path, timestamp) -> bool:
        """nbgrader's rule for replacing a collected copy."""
        existing = self.coursedir.get_existing_timestamp(str(dest))
        if self.update and (existing is None or timestamp > existing):
            return True
        return bool(self.before_duedate and existing != timestamp)


def _check_timestamp(folder: Path) -> None:
    """timestamp.txt, when there, must be a time: nbgrader's later steps (collect --update,
    autograde) stop on one that is not."""
    path = folder / TIMESTAMP_FILE  # in the collector's own copy: no link, no pipe
    if not path.exists():
        return
    if not path.is_file():
        raise Refused(f"its {TIMESTAMP_FILE} is a folder (nbgrader's submit writes a time "
                      "there): ask the learner to hand in again")
    data = path.read_bytes()
    try:
        if len(data) > TIMESTAMP_BYTES or not data.strip():
            raise ValueError
        parse_utc(data.decode("utf-8").strip())
    except (ValueError, OverflowError, TypeError, UnicodeDecodeError):
        raise Refused(f"its {TIMESTAMP_FILE} does not hold a time (nbgrader's submit writes "
                      "one): ask the learner to hand in again") from None

