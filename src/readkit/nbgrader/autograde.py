"""`readkit autograde ASSIGNMENT --jobs N`: nbgrader's autograde for every submitted student, in
N worker processes, with every learner kernel sandboxed.

Each student is graded by nbgrader's own code path (AutogradeApp configured from the course's
nbgrader_config.py exactly as the command line does, then its Autograde converter with
`--student S`), so the gradebook is the same as sequential `nbgrader autograde` gives. The
course's config puts readkit's SandboxedExecute and TrustedScores into that pipeline: learner
code runs where it cannot see the key, other learners or the network, and the Sorter points
come from the files as submitted. Where no sandbox can be made this command refuses, unless
--trust-learner-code says the code is trusted. Every run notes in
grading/logs/autograde/ASSIGNMENT/mode.json whose code ran unsandboxed; `readkit report` warns
while anyone's did.

Workers come from a fork server (multiprocessing's "forkserver": a fresh single-threaded
process that imported nbgrader once), so each worker starts without paying nbgrader's import
(1.5-3.5 s) and no multi-threaded process is ever forked. Kernel start and stop are partly
waiting, so more workers than cores still helps: the default is 2 per core (at most 8). The
SQLite gradebook serialises writers; a "database is locked" failure is retried.

No learner sinks the run: a worker holds a bounded amount of one learner's output
(readkit.nbgrader.output_limits; what was dropped is in the summary and in `readkit grade`'s
reason), and a worker that dies (killed, out of memory) fails only the learner it was grading:
a new worker grades the rest. Workers apply readkit.nbgrader.patches (nbgrader speed-ups).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import connection as mp_connection
from pathlib import Path

from readkit.course.course import Course
from readkit.course.errors import CourseError, GradingError
from readkit.course.safe_text import printable
from readkit.nbgrader import student_ids

LOCKED = "database is locked"
RETRIES = 3
MAX_DEFAULT_JOBS = 8
PIPELINE = ("readkit.nbgrader.preprocessors.SandboxedExecute",
            "readkit.nbgrader.preprocessors.TrustedScores")
MODE_FILE = "mode.json"  # in the assignment's log folder: was learner code sandboxed?
# What the fork server imports once, so that workers start with it loaded.
PRELOAD = ["nbgrader.apps.autogradeapp", "nbgrader.converters", "nbconvert.exporters",
           "readkit.nbgrader.preprocessors"]


def default_jobs() -> int:
    """Two workers per core (kernel start-up is mostly waiting), at most 8."""
    return max(1, min(MAX_DEFAULT_JOBS, 2 * (os.cpu_count() or 1)))


def quiet_nbgrader_imports() -> None:
    """Skip jsonschema's optional rfc3987_syntax format checker (it builds a grammar at import,
    0.9-2.6 s per process). Only the "iri"/"iri-reference" formats use it; notebook schemas
    do not. Must run before nbformat/jsonschema are imported; harmless afterwards."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


@dataclass
class StudentRun:
    student: str
    ok: bool
    seconds: float
    tries: int = 1
    error: str = ""
    note: str = ""  # graded, but output over readkit's limits was dropped (output_limits.py)


@dataclass
class AutogradeSummary:
    assignment: str
    jobs: int
    seconds: float = 0.0
    runs: list[StudentRun] = field(default_factory=list)
    logs: Path | None = None
    trusted: bool = False  # learner code ran unsandboxed (--trust-learner-code)

    @property
    def done(self) -> list[StudentRun]:
        return [r for r in self.runs if r.ok]

    @property
    def failed(self) -> list[StudentRun]:
        return [r for r in self.runs if not r.ok]

    @property
    def cut(self) -> list[StudentRun]:
        return [r for r in self.runs if r.ok and r.note]


def submitted_students(course: Course, assignment: str) -> list[str]:
    base = course.layout.submitted
    if not base.is_dir():
        return []
    return sorted(
        d.name for d in base.iterdir()
        if d.is_dir() and not d.is_symlink() and not d.name.startswith(".")
        and (d / assignment).is_dir() and not (d / assignment).is_symlink()
    )


# --- worker side ----------------------------------------------------------------------------

_APP = None  # the AutogradeApp of this process
_LOGS: Path | None = None
_START_ERROR = ""  # why this worker could not set itself up


def _make_app(root: Path, assignment: str, force: bool, trust: bool, scratch: str):
    """An AutogradeApp initialised as `nbgrader autograde ASSIGNMENT [--force]` at the course
    root would be, with its log going to a buffer instead of the terminal. Whether learner
    code is trusted is configuration (SandboxedExecute.trust_learner_code), given on its
    command line so that it holds whatever a config file says; so is the run's scratch folder."""
    quiet_nbgrader_imports()
    from nbgrader.apps.autogradeapp import AutogradeApp

    from readkit.nbgrader import patches

    app = AutogradeApp()
    app.load_cwd_config = False  # the course's nbgrader_config.py, from `root`, not the cwd's
    app.initialize([assignment, *(["--force"] if force else []),
                    f"--SandboxedExecute.trust_learner_code={trust}",
                    f"--SandboxedExecute.scratch_folder={scratch}"], root=str(root))
    app.coursedir.assignment_id = assignment
    for handler in list(app.log.handlers):
        app.log.removeHandler(handler)
    app.log.propagate = False
    patches.apply(app.log)
    return app


def log_dir(course: Course, assignment: str) -> Path:
    return course.layout.submitted.parent / "logs" / "autograde" / assignment


def _init_worker(root: str, assignment: str, force: bool, logs: str, trust: bool,
                 scratch: str) -> None:
    """Worker start (a fresh child process setting itself up): its output, and its kernels'
    (which inherit it), goes to a log file, not through the progress lines."""
    global _APP, _LOGS
    _LOGS = Path(logs)
    with contextlib.suppress(OSError):
        handle = open(_LOGS / f"worker-{os.getpid()}.log", "ab", buffering=0)  # noqa: SIM115
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
    _APP = _make_app(Path(root), assignment, force, trust, scratch)


def _work(connection, root: str, assignment: str, force: bool, logs: str, trust: bool,
          scratch: str) -> None:
    """A worker process: set up once, then grade the students the parent sends, one at a
    time, until it sends None (or goes away)."""
    global _START_ERROR
    try:
        _init_worker(root, assignment, force, logs, trust, scratch)
    except Exception as error:  # noqa: BLE001 (every student it is given says why)
        _START_ERROR = f"the grading worker could not start: {type(error).__name__}: {error}"
    while True:
        try:
            student = connection.recv()
        except (EOFError, OSError):
            return
        if student is None:
            return
        result = (StudentRun(student, False, 0.0, error=_START_ERROR) if _START_ERROR
                  else _grade(student))
        connection.send(result)


def _autograde_one(student: str, force_retry: bool = False) -> tuple[bool, str, str]:
    """nbgrader autograde ASSIGNMENT --student STUDENT in this process: (ok, error, log)."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException

    from readkit.nbgrader.output_limits import oversized_notebook
    from readkit.nbgrader.submission_files import refusal

    app = _APP
    # Checked before nbgrader copies or reads anything: its copy follows links and reads
    # devices, and it reads a notebook whole.
    folder = Path(app.coursedir.format_path(app.coursedir.submitted_directory, student,
                                            app.coursedir.assignment_id))
    problem = refusal(folder) or oversized_notebook(folder)
    if problem:
        return False, problem, problem
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    app.log.addHandler(handler)
    previous = app.coursedir.student_id
    try:
        app.coursedir.student_id = student
        converter = Autograde(coursedir=app.coursedir, parent=app)
        if force_retry:
            converter.force = True
        converter.start()
        return True, "", buffer.getvalue()
    except NbGraderException:
        log = buffer.getvalue()
        return False, _last_error(log) or "nbgrader reported an error", log
    except Exception as error:  # noqa: BLE001 (one submission's failure must not stop the class)
        log = buffer.getvalue() + "\n" + traceback.format_exc()
        return False, f"{type(error).__name__}: {error}", log
    finally:
        app.coursedir.student_id = previous
        app.log.removeHandler(handler)


def _last_error(log: str) -> str:
    """The error lines of an nbgrader log, on one line (else its last line); a failed sandbox
    (not the learner's doing) says so, and what to do, first."""
    lines = log.strip().splitlines()
    sandbox = [line.split("SandboxFailure: ", 1)[1] for line in lines if "SandboxFailure: " in line]
    if sandbox:
        return sandbox[-1][-500:]
    errors = [line for line in lines if line.startswith(("[ERROR]", "[CRITICAL]"))]
    return " ".join(errors or lines[-1:])[-500:]


def _output_notes(log: str) -> str:
    """What readkit.nbgrader.output_limits dropped of this learner's output, on one line."""
    from readkit.nbgrader.output_limits import LOG_PREFIX

    marker = f"[WARNING] {LOG_PREFIX}"
    notes = [line[len(marker):] for line in log.splitlines() if line.startswith(marker)]
    return "; ".join(notes)[:500]


def _grade(student: str) -> StudentRun:
    start = time.perf_counter()
    tries, ok, message, log = 0, False, "", ""
    while tries < RETRIES:
        tries += 1
        ok, message, log = _autograde_one(student, force_retry=tries > 1)
        if ok or LOCKED not in log:
            break
        time.sleep(0.5 * 2 ** (tries - 1))
    if _LOGS is not None:
        with contextlib.suppress(OSError):
            (_LOGS / f"{student}.log").write_text(log, encoding="utf-8")
    return StudentRun(student, ok, time.perf_counter() - start, tries, "" if ok else message,
                      note=_output_notes(log))


class _Worker:
    """One worker process and the student it is grading (None: idle)."""

    def __init__(self, context, args: tuple) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_work, args=(child, *args),
                                       name="readkit-autograde")
        self.process.start()
        child.close()
        self.student: str | None = None
        self.started = 0.0

    def give(self, student: str) -> None:
        self.student, self.started = student, time.perf_counter()
        self.connection.send(student)

    def result(self) -> StudentRun | None:
        """Its student's result, or None when it died before sending one."""
        try:
            if self.connection.poll():
                return self.connection.recv()
        except (EOFError, OSError):
            pass
        return None

    def stop(self, wait: float) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(None)
        self.process.join(wait)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self.connection.close()


def died(assignment: str, student: str, exitcode: int | None) -> str:
    """The failure row of a student whose worker died while grading them."""
    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
        if exitcode == -signal.SIGKILL:
            how += ", e.g. for lack of memory"
    else:
        how = f"exit code {exitcode}"
    return (f"the worker grading it died ({how}); the others were graded by a new worker. "
            f"Autograde it again: readkit autograde {assignment} --student {student} --force")


def grade_in_workers(students: list[str], jobs: int, args: tuple, assignment: str):
    """Yield each student's StudentRun as `jobs` worker processes finish them. A worker that
    dies fails only the student it was grading; a new worker takes the next student
    (concurrent.futures' process pool would fail every queued student: BrokenProcessPool)."""
    context = _context()
    queue = deque(students)
    workers: list[_Worker] = []
    try:
        while queue or any(w.student for w in workers):
            for worker in [w for w in workers if not w.student and not w.process.is_alive()]:
                worker.stop(0)
                workers.remove(worker)
            for worker in workers:
                if not worker.student and queue:
                    worker.give(queue.popleft())
            while len(workers) < jobs and queue:
                workers.append(_Worker(context, args))
                workers[-1].give(queue.popleft())
            busy = [w for w in workers if w.student]
            ready = mp_connection.wait([w.connection for w in busy]
                                       + [w.process.sentinel for w in busy])
            for worker in busy:
                if worker.connection not in ready and worker.process.sentinel not in ready:
                    continue
                student, worker.student = worker.student, None
                result = worker.result()
                if result is None:  # it died: only its student fails
                    worker.process.join(5)
                    result = StudentRun(student, False, time.perf_counter() - worker.started,
                                        error=died(assignment, student, worker.process.exitcode))
                    worker.stop(0)
                    workers.remove(worker)
                yield result
    finally:
        for worker in workers:
            worker.stop(30)


# --- parent side ----------------------------------------------------------------------------


def read_mode(course: Course, assignment: str) -> dict | None:
    """What the last runs of `readkit autograde` recorded: {"sandboxed": bool,
    "unsandboxed_students": [...]}, or None when nothing was recorded (or it is unreadable)."""
    try:
        mode = json.loads((log_dir(course, assignment) / MODE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(mode, dict) or not isinstance(mode.get("sandboxed"), bool):
        return None
    students = mode.get("unsandboxed_students")
    mode["unsandboxed_students"] = [s for s in students if isinstance(s, str)] \
        if isinstance(students, list) else []
    return mode


def record_mode(course: Course, assignment: str, students: list[str], sandboxed: bool) -> None:
    """Note in mode.json whether these students' code ran in the sandbox. Students graded
    unsandboxed before stay listed until they are autograded again with the sandbox."""
    before = read_mode(course, assignment) or {}
    unsandboxed = set(before.get("unsandboxed_students", ())) - set(students)
    if not sandboxed:
        unsandboxed |= set(students)
    mode = {"sandboxed": not unsandboxed, "unsandboxed_students": sorted(unsandboxed)}
    path = log_dir(course, assignment) / MODE_FILE
    path.write_text(json.dumps(mode, indent=1) + "\n", encoding="utf-8")


def unsandboxed_warning(course: Course, assignment: str) -> str | None:
    """The warning `readkit report` shows when mode.json says learner code ran unsandboxed."""
    mode = read_mode(course, assignment)
    if mode is None or mode["sandboxed"]:
        return None
    count = len(mode["unsandboxed_students"])
    return (f"WARNING: the code of {count} submission(s) of {assignment} was autograded WITHOUT "
            "a sandbox (readkit autograde --trust-learner-code): it could read the key and other "
            "learners' work. Autograde them again without that flag where bubblewrap runs.")



def _check_ready(course: Course, assignment: str, trust: bool) -> None:
    layout = course.layout
    if not (layout.source / assignment).is_dir():
        raise GradingError(f"There is no {layout.source.name}/{assignment} in {course.root}: "
                           "check the assignment name.")
    configured = _configured_pipeline(course.root)
    missing = [name for name in PIPELINE if name not in configured]
    if missing:
        raise GradingError(
            f"{course.root / 'nbgrader_config.py'} does not put {', '.join(missing)} into "
            "c.Autograde.autograde_preprocessors: learner code would run unsandboxed and the "
            "Sorter points would come from the kernel. Copy that setting from readkit's course.")
    if not trust:
        from readkit.sandbox.bubblewrap import sandbox_available

        problem = sandbox_available()
        if problem:
            raise GradingError(
                f"Learner code cannot be sandboxed on this machine: {problem}. Install "
                "bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and run again; only if "
                "you trust every submission, pass --trust-learner-code.")
    from readkit.nbgrader.gradebook import sqlite_path

    path = sqlite_path(layout.db_url)
    if path is not None and not path.is_file():
        raise GradingError(f"No gradebook at {path}: run `readkit release {assignment}` "
                           "first (it records the grade cells).")


def _configured_pipeline(root: Path) -> list[str]:
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    steps = config.get("Autograde", {}).get("autograde_preprocessors", [])
    return [step if isinstance(step, str) else f"{step.__module__}.{step.__qualname__}"
            for step in steps]


def _context():
    """Workers forked from a fresh single-threaded server that imported nbgrader once."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def autograde_all(
    course: Course, assignment: str, jobs: int | None = None, students: list[str] | None = None,
    force: bool = False, say: Callable[[str], None] = print, trust_learner_code: bool = False,
) -> AutogradeSummary:
    """Autograde every submitted student (or `students`) in `jobs` worker processes, printing a
    line per student as each finishes, going on past failures."""
    jobs = jobs or default_jobs()
    if jobs < 1:
        raise GradingError("--jobs must be at least 1.")
    _check_ready(course, assignment, trust_learner_code)
    everyone = submitted_students(course, assignment)
    if students:
        unknown = sorted(set(students) - set(everyone))
        if unknown:
            raise GradingError(f"No submission of {assignment} for: {', '.join(unknown)} "
                               f"(looked in {course.layout.submitted}).")
        everyone = [s for s in everyone if s in students]
    if not everyone:
        raise GradingError(f"No submissions in {course.layout.submitted}/<student>/{assignment}/ "
                           "(nbgrader collect puts them there).")
    total = len(everyone)
    # A folder name that is not a safe student id is never handed to nbgrader: it would reach
    # the formgrader's pages, URLs and the gradebook as it is.
    refused = [s for s in everyone if student_ids.problem(s)]
    everyone = [s for s in everyone if not student_ids.problem(s)]
    jobs = max(1, min(jobs, len(everyone)))
    summary = AutogradeSummary(assignment, jobs, trusted=trust_learner_code)
    start = time.perf_counter()
    logs = log_dir(course, assignment)
    logs.mkdir(parents=True, exist_ok=True)
    for student in refused:
        summary.runs.append(StudentRun(student, False, 0.0, error=(
            f"not autograded: {student_ids.problem(student)}; {student_ids.RENAME_FOLDER}")))
        say(progress_line(len(summary.runs), total, summary.runs[-1]))
    if not everyone:
        summary.logs = logs
        return summary
    record_mode(course, assignment, everyone, sandboxed=not trust_learner_code)
    args = (str(course.root), assignment, force, str(logs), trust_learner_code)
    try:
        # The workers' temporary copies go in a folder this process removes once they have
        # stopped: a worker killed mid-run (SIGKILL, e.g. for lack of memory) runs no exit
        # handler of its own.
        with (tempfile.TemporaryDirectory(prefix="rk-autograde-") as scratch,
              contextlib.closing(grade_in_workers(everyone, jobs, (*args, scratch),
                                                  assignment)) as results):
            for result in results:
                summary.runs.append(result)
                say(progress_line(len(summary.runs), total, result))
    finally:
        record_outcomes(course, assignment, summary.runs)
        for worker_log in logs.glob("worker-*.log"):
            with contextlib.suppress(OSError):
                if worker_log.stat().st_size == 0:
                    worker_log.unlink()
    summary.logs = logs
    summary.seconds = time.perf_counter() - start
    return summary


def progress_line(done: int, total: int, result: StudentRun) -> str:
    """One line per finished student; learner-chosen names and errors made printable."""
    return printable(_progress_line(done, total, result))


def _progress_line(done: int, total: int, result: StudentRun) -> str:
    width = len(str(total))
    head = f"[{done:>{width}}/{total}]"
    retried = f", {result.tries} tries" if result.tries > 1 else ""
    if result.ok:
        cut = "; output over readkit's limits dropped" if result.note else ""
        return f"{head} autograded {result.student} ({result.seconds:.1f} s{retried}){cut}"
    return f"{head} FAILED {result.student} ({result.seconds:.1f} s{retried}): {result.error}"


def summary_lines(summary: AutogradeSummary) -> list[str]:
    """What `readkit autograde` prints at the end; learner-chosen names, errors and notes made
    printable (a student folder's name could hold terminal escape sequences)."""
    from readkit.course.safe_text import printable

    count = len(summary.runs)
    per = summary.seconds / count if count else 0.0
    lines = [f"Autograded {len(summary.done)} of {count} submission(s) of {summary.assignment} "
             f"in {summary.seconds:.1f} s ({per:.2f} s per submission, {summary.jobs} workers)."]
    if summary.trusted:
        lines.append("Learner code ran WITHOUT a sandbox (--trust-learner-code): it could read "
                     "the key and other learners' work.")
    if summary.cut:
        lines.append(f"Graded, with output over readkit's limits dropped ({len(summary.cut)}; "
                     "docs/grading.md, 'Resources: bounded output'):")
        lines.extend(f"  {r.student}: {r.note}" for r in summary.cut)
    if summary.failed:
        where = f"{summary.logs}/<student>.log" if summary.logs else "the nbgrader log"
        lines.append(f"Failed ({len(summary.failed)}); the full nbgrader log of each is in "
                     f"{where}:")
        lines.extend(f"  {r.student}: {r.error}" for r in summary.failed)
    # Student folder names and nbgrader's errors come from learners (a name can hold escape
    # sequences that rewrite the terminal): every line made printable.
    return [printable(line) for line in lines]


OUTCOMES_FILE = "outcomes.json"  # in the log folder: who failed or had output dropped, and why


def record_outcomes(course: Course, assignment: str, runs: list[StudentRun]) -> None:
    """Note, for `readkit grade`, each student of this run who failed or whose output was
    dropped (and forget those graded cleanly now)."""
    path = log_dir(course, assignment) / OUTCOMES_FILE
    known = autograde_notes(course, assignment)
    for run in runs:
        known.pop(run.student, None)
        if not run.ok:
            known[run.student] = f"autograde failed: {run.error}"
        elif run.note:
            known[run.student] = f"autograde dropped output over readkit's limits: {run.note}"
    with contextlib.suppress(OSError):
        path.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def autograde_notes(course: Course, assignment: str) -> dict[str, str]:
    """student -> what the last `readkit autograde` of them said went wrong (failed, or output
    dropped); empty when nothing was recorded or the file is unreadable."""
    try:
        notes = json.loads((log_dir(course, assignment) / OUTCOMES_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(notes, dict):
        return {}
    return {k: v for k, v in notes.items() if isinstance(k, str) and isinstance(v, str)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Run `nbgrader autograde ASSIGNMENT --student S` for every submitted student in N "
        "parallel worker processes, with a progress line per student, going on past failures. "
        "Every learner kernel runs in a sandbox; the Sorter points come from the files as "
        "submitted. Gives the same gradebook as sequential nbgrader autograde."
    )
    parser.add_argument("assignment", metavar="ASSIGNMENT",
                        help="assignment name, e.g. 01-sort-the-sources")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help=f"worker processes (default: 2 per CPU core, at most "
                             f"{MAX_DEFAULT_JOBS}; here {default_jobs()})")
    parser.add_argument("--student", action="append", metavar="S", dest="students",
                        help="only this student (repeat for several; default: all submitted)")
    parser.add_argument("--force", action="store_true",
                        help="autograde again submissions that were already autograded")
    parser.add_argument("--trust-learner-code", action="store_true",
                        help="run learner kernels without the sandbox (only for code you "
                             "trust, e.g. where bubblewrap cannot run); the summary says so")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="course folder (default: the working directory)")


def run(args: argparse.Namespace) -> int:
    try:
        course = Course.open(args.course)
        summary = autograde_all(course, args.assignment, args.jobs, args.students, args.force,
                                say=lambda line: print(line, flush=True),
                                trust_learner_code=args.trust_learner_code)
    except CourseError as error:
        from readkit.course.safe_text import printable

        print("\n".join(map(printable, f"readkit autograde: {error}".splitlines())),
              file=sys.stderr)
        return 2
    for line in summary_lines(summary):
        print(line)
    return 1 if summary.failed else 0
