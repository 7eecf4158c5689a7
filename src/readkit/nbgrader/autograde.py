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
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import multiprocessing
import os
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
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


class _CheckedSchemas:
    """nbgrader validates every cell's metadata with `jsonschema.validate(meta, schema)`, which
    checks the schema itself against its metaschema and builds a validator on every call (most
    of CheckCellMetadata's time). This stands in for the jsonschema module there: the same
    checks and errors, with one checked validator per schema."""

    def __init__(self, module) -> None:
        self._module = module
        self._validators: dict[int, tuple[object, object]] = {}

    def __getattr__(self, name: str):
        return getattr(self._module, name)

    def validate(self, instance, schema, *args, **kwargs):
        if args or kwargs:
            return self._module.validate(instance, schema, *args, **kwargs)
        known = self._validators.get(id(schema))
        if known is None or known[0] is not schema:
            cls = self._module.validators.validator_for(schema)
            cls.check_schema(schema)
            known = self._validators[id(schema)] = (schema, cls(schema))
        error = self._module.exceptions.best_match(known[1].iter_errors(instance))
        if error is not None:
            raise error
        return None


def _one_engine_per_database(create_engine):
    """nbgrader opens a new SQLAlchemy engine for every Gradebook (several per submission), so
    every query is compiled again each time; a worker keeps one engine per database URL (its
    compiled-statement cache with it). Gradebook.close() still disposes the engine's
    connections, so no connection stays open between submissions."""
    engines: dict[tuple, object] = {}

    def cached(url, *args, **kwargs):
        key = (str(url), args, tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = create_engine(url, *args, **kwargs)
        return engines[key]

    return cached


def _lighten_nbgrader() -> None:
    """In a worker only: the two CPU costs per submission of nbgrader's own code that change
    nothing in what it records (measured in benchmarks/grading.py)."""
    import nbgrader.api
    import nbgrader.nbgraderformat.common as formats

    if not isinstance(formats.jsonschema, _CheckedSchemas):
        formats.jsonschema = _CheckedSchemas(formats.jsonschema)
    if not getattr(nbgrader.api.create_engine, "readkit_cached", False):
        nbgrader.api.create_engine = _one_engine_per_database(nbgrader.api.create_engine)
        nbgrader.api.create_engine.readkit_cached = True


def _make_app(root: Path, assignment: str, force: bool):
    """An AutogradeApp initialised as `nbgrader autograde ASSIGNMENT [--force]` would be, at the
    course root, with its log going to a buffer instead of the terminal."""
    quiet_nbgrader_imports()
    from nbgrader.apps.autogradeapp import AutogradeApp

    # nbgrader reads nbgrader_config.py from the working folder: this is a worker process of
    # our own, so changing its folder changes nothing for the caller.
    os.chdir(root)
    _lighten_nbgrader()
    app = AutogradeApp()
    app.initialize([assignment, *(["--force"] if force else [])])
    app.coursedir.assignment_id = assignment
    for handler in list(app.log.handlers):
        app.log.removeHandler(handler)
    app.log.propagate = False
    return app


_LOGS: Path | None = None


def log_dir(course: Course, assignment: str) -> Path:
    return course.layout.submitted.parent / "logs" / "autograde" / assignment


def _init_worker(root: str, assignment: str, force: bool, logs: str, trust: bool) -> None:
    """Worker start: its output (and its kernels', which inherit it) goes to a log file, not
    through the progress lines; nbgrader calls alembic by name (the venv's bin/ on PATH)."""
    global _APP, _LOGS
    _LOGS = Path(logs)
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    if trust:
        from readkit.nbgrader.preprocessors import TRUST_VARIABLE

        os.environ[TRUST_VARIABLE] = "1"
    with contextlib.suppress(OSError):
        handle = open(_LOGS / f"worker-{os.getpid()}.log", "ab", buffering=0)  # noqa: SIM115
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
    _APP = _make_app(Path(root), assignment, force)


def _autograde_one(student: str, force_retry: bool = False) -> tuple[bool, str, str]:
    """nbgrader autograde ASSIGNMENT --student STUDENT in this process: (ok, error, log)."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException

    from readkit.nbgrader.submission_files import refusal

    app = _APP
    # Checked before nbgrader copies anything: its copy follows links and reads devices.
    problem = refusal(Path(app.coursedir.format_path(
        app.coursedir.submitted_directory, student, app.coursedir.assignment_id)))
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
    return StudentRun(student, ok, time.perf_counter() - start, tries, "" if ok else message)


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
    try:
        with ProcessPoolExecutor(jobs, mp_context=_context(), initializer=_init_worker,
                                 initargs=(str(course.root), assignment, force, str(logs),
                                           trust_learner_code)) as pool:
            pending = {pool.submit(_grade, s): s for s in everyone}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    student = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool as error:
                        result = StudentRun(student, False, 0.0, error=f"worker died ({error})")
                    except Exception as error:  # noqa: BLE001
                        result = StudentRun(student, False, 0.0,
                                            error=f"{type(error).__name__}: {error}")
                    summary.runs.append(result)
                    say(progress_line(len(summary.runs), total, result))
    finally:
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
        return f"{head} autograded {result.student} ({result.seconds:.1f} s{retried})"
    return f"{head} FAILED {result.student} ({result.seconds:.1f} s{retried}): {result.error}"


def summary_lines(summary: AutogradeSummary) -> list[str]:
    count = len(summary.runs)
    per = summary.seconds / count if count else 0.0
    lines = [f"Autograded {len(summary.done)} of {count} submission(s) of {summary.assignment} "
             f"in {summary.seconds:.1f} s ({per:.2f} s per submission, {summary.jobs} workers)."]
    if summary.trusted:
        lines.append("Learner code ran WITHOUT a sandbox (--trust-learner-code): it could read "
                     "the key and other learners' work.")
    if summary.failed:
        where = f"{summary.logs}/<student>.log" if summary.logs else "the nbgrader log"
        lines.append(f"Failed ({len(summary.failed)}); the full nbgrader log of each is in "
                     f"{where}:")
        lines.extend(f"  {r.student}: {r.error}" for r in summary.failed)
    # Student folder names and nbgrader's errors come from learners (a name can hold escape
    # sequences that rewrite the terminal): every line made printable.
    return [printable(line) for line in lines]


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
        print(f"readkit autograde: {error}", file=sys.stderr)
        return 2
    for line in summary_lines(summary):
        print(line)
    return 1 if summary.failed else 0
