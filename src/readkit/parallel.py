"""Parallel autograde: `nbgrader autograde ASSIGNMENT --student S` for every submitted student,
in N worker processes (`readkit autograde ASSIGNMENT --jobs N`).

Each student is graded by nbgrader's own code path (AutogradeApp configured from the course's
nbgrader_config.py exactly as the command line does, then its Autograde converter with
`--student S`), so the gradebook is the same as sequential `nbgrader autograde` gives.

Where the time goes, and what this does about it (2-core machine; see docs/instructor-tools.md):
- starting a Python that imports nbgrader costs 1.5-3.5 s (nbformat -> jsonschema builds the
  rfc3987 grammar, 0.9-2.6 s; nbgrader's package also loads its server extensions). A process per
  student pays it per student. Here the parent imports nbgrader once and *forks* the workers,
  which inherit everything already imported; jsonschema's optional rfc3987_syntax checker (for
  "iri" formats, which no notebook schema uses) is not loaded at all;
- the kernel was two thirds of a submission's CPU time, nearly all of it a new Python importing
  ipykernel (0.5-0.8 s). Each worker keeps a kernel fork server that has imported ipykernel
  once and forks a fresh kernel per notebook (~0.13 s); the workers find, first on
  JUPYTER_PATH, a copy of each ipykernel kernelspec (same name, same Python) that uses it, and
  that skips ipykernel's debugger (debugpy), which nothing uses at grading time.
  --stock-kernels starts kernels exactly as nbgrader does. Kernel start and stop are partly
  waiting, so more workers than cores still helps: the default is 2 per core (at most 8);
- the gradebook is SQLite: writes from several processes are serialised by SQLite's lock; a
  "database is locked" failure is retried (with --force, after a pause).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from readkit.gradebook import (
    SUBMITTED,
    GradingError,
    gradebook_location,
    resolve_course,
    sqlite_path,
)

LOCKED = "database is locked"
RETRIES = 3
MAX_DEFAULT_JOBS = 8


def default_jobs() -> int:
    """Two workers per core (kernel start-up is mostly waiting), at most 8."""
    return max(1, min(MAX_DEFAULT_JOBS, 2 * (os.cpu_count() or 1)))


# --- grading kernels ------------------------------------------------------------------------
#
# The kernel is two thirds of a submission's CPU time, and nearly all of that is a new Python
# importing ipykernel, IPython, zmq and tornado (0.5-0.8 s) before the notebook's first cell.
# So each worker keeps a *kernel fork server*: a Python that has imported ipykernel once (and
# nothing else: no readkit, no widgets, no learner code) and forks a fresh kernel process for
# every notebook. A forked kernel is a new process with a new namespace, started by ipykernel's
# own launch code with the environment, working folder and arguments jupyter_client gives it;
# it costs ~0.13 s of CPU instead of ~0.7 s. jupyter_client manages it through a provisioner
# (ForkingProvisioner) that signals and waits for it by pidfd. Where a kernel cannot be forked
# (another Python, no fork server), it is started as usual. Both kinds skip importing debugpy,
# ipykernel's debugger, which nothing uses at grading time (a quarter of a normal start).

PROVISIONER = "readkit-fork"

# How a grading kernel starts when it is not forked: as `python -m ipykernel_launcher` does,
# except that debugpy is not imported.
GRADING_KERNEL_CODE = (
    "import sys\n"
    "sys.modules['debugpy'] = None  # readkit autograde: no debugger in grading kernels\n"
    "if sys.path and sys.path[0] == '':\n"
    "    del sys.path[0]\n"
    "from ipykernel import kernelapp\n"
    "kernelapp.launch_new_instance()\n"
)

# The fork server: reads one JSON request per line (argv, env, cwd), forks, answers the pid.
# The child becomes what GRADING_KERNEL_CODE makes of a new process, in its own session.
FORK_SERVER_CODE = r"""
import json, os, signal, socket, sys, traceback
channel = socket.socket(fileno=int(sys.argv[1]))
sys.modules["debugpy"] = None
import ipykernel.kernelapp, ipykernel.ipkernel, ipykernel.zmqshell, ipykernel.debugger
import IPython.core.interactiveshell


def reap(*_):
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


signal.signal(signal.SIGCHLD, reap)
stream = channel.makefile("rwb")
for line in stream:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            stream.close()
            channel.close()
            os.setsid()
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            sys.argv = request["argv"]
            import random
            random.seed()
            if sys.path and sys.path[0] == "":
                del sys.path[0]
            from ipykernel import kernelapp
            kernelapp.launch_new_instance()
        except SystemExit as error:
            code = error.code if isinstance(error.code, int) else 0
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    stream.write((json.dumps({"pid": pid}) + "\n").encode())
    stream.flush()
"""


class _ForkServer:
    """This process's kernel fork server (started on first use, restarted if it died)."""

    _current: _ForkServer | None = None

    def __init__(self) -> None:
        import socket
        import subprocess

        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-c", FORK_SERVER_CODE, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        self.channel = ours
        self.stream = ours.makefile("rwb")
        # When this process ends (a pool worker ends through multiprocessing, which runs these
        # finalizers but not atexit), close the channel and wait for the server: it then exits,
        # and its CPU time is accounted to this process as a child's.
        from multiprocessing.util import Finalize

        Finalize(self, _ForkServer._stop, args=(self.process, self.stream, self.channel),
                 exitpriority=10)

    @staticmethod
    def _stop(process, stream, channel) -> None:
        import subprocess

        for closable in (stream, channel):
            with contextlib.suppress(OSError):
                closable.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @classmethod
    def get(cls) -> _ForkServer:
        if cls._current is None or cls._current.process.poll() is not None:
            cls._current = cls()
        return cls._current

    def fork(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        import json

        request = {"argv": [*argv, f"--IPKernelApp.parent_handle={self.process.pid}"],
                   "env": env, "cwd": cwd}
        self.stream.write((json.dumps(request) + "\n").encode())
        self.stream.flush()
        answer = self.stream.readline()
        if not answer:
            raise OSError("the kernel fork server closed its channel")
        return int(json.loads(answer)["pid"])


class _ForkedKernel:
    """The part of subprocess.Popen that jupyter_client's LocalProvisioner uses, for a kernel
    that is the fork server's child: poll, wait and signals go through a pidfd (never to a
    recycled pid)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._pidfd = os.pidfd_open(pid)

    def poll(self) -> int | None:
        import select

        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self.returncode = 0
            os.close(self._pidfd)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import select
        import subprocess

        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired("kernel", timeout)
            select.select([self._pidfd], [], [], 0.05)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        import signal

        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signum)

    def terminate(self) -> None:
        import signal

        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        import signal

        self.send_signal(signal.SIGKILL)


@functools.cache
def _forking_provisioner_class():
    from jupyter_client.provisioning import LocalProvisioner

    class ForkingProvisioner(LocalProvisioner):
        """LocalProvisioner that forks grading kernels from the worker's fork server."""

        async def launch_kernel(self, cmd, **kwargs):
            if len(cmd) < 3 or cmd[:2] != [sys.executable, "-c"] or not _can_fork():
                return await super().launch_kernel(cmd, **kwargs)
            env = {str(k): str(v) for k, v in (kwargs.get("env") or os.environ).items()}
            env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it
            cwd = str(kwargs.get("cwd") or os.getcwd())
            try:
                pid = _ForkServer.get().fork(["-c", *cmd[3:]], env, cwd)
            except (OSError, ValueError) as error:
                self.log.warning("kernel fork server failed (%s); starting a kernel", error)
                return await super().launch_kernel(cmd, **kwargs)
            self.process = _ForkedKernel(pid)
            self.pid, self.pgid, self.cwd = pid, None, cwd
            return self.connection_info

    return ForkingProvisioner


def __getattr__(name: str):
    if name == "ForkingProvisioner":  # loaded by jupyter_client through an entry point
        return _forking_provisioner_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _can_fork() -> bool:
    return hasattr(os, "fork") and hasattr(os, "pidfd_open")


def _is_this_python(program: str) -> bool:
    """Does a kernelspec's argv[0] run this Python? ("python" does: jupyter_client puts
    sys.executable in its place.)"""
    major, minor = sys.version_info[:2]
    if program in {"python", f"python{major}", f"python{major}.{minor}"}:
        return True
    return os.path.realpath(program) == os.path.realpath(sys.executable)


def register_provisioner() -> None:
    """Make the fork-server provisioner known to jupyter_client in this process (as an entry
    point in the package metadata would)."""
    from importlib.metadata import EntryPoint

    from jupyter_client.provisioning import KernelProvisionerFactory

    factory = KernelProvisionerFactory.instance()
    factory.provisioners[PROVISIONER] = EntryPoint(
        name=PROVISIONER, value=f"{__name__}:ForkingProvisioner", group=factory.GROUP_NAME)


def write_grading_kernelspecs(target: Path, fork: bool = True) -> list[str]:
    """Under `target`/kernels, a copy of every installed ipykernel kernelspec (same name, same
    Python, same environment) whose kernels start without debugpy and, when `fork` and the
    kernel runs this Python, are forked from the fork server. Put `target` first on
    JUPYTER_PATH to use them. Kernelspecs that are not plain `-m ipykernel_launcher` are left
    alone. Returns the names written."""
    import json

    from jupyter_client.kernelspec import KernelSpecManager

    written = []
    for name, info in sorted(KernelSpecManager().get_all_specs().items()):
        spec = dict(info.get("spec", {}))
        argv = list(spec.get("argv", []))
        if len(argv) < 3 or argv[1:3] != ["-m", "ipykernel_launcher"]:
            continue
        spec["argv"] = [argv[0], "-c", GRADING_KERNEL_CODE, *argv[3:]]
        metadata = spec["metadata"] = dict(spec.get("metadata") or {})
        metadata["debugger"] = False
        if fork and _can_fork() and _is_this_python(argv[0]):
            metadata["kernel_provisioner"] = {"provisioner_name": PROVISIONER}
        folder = target / "kernels" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
        written.append(name)
    return written


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

    @property
    def done(self) -> list[StudentRun]:
        return [r for r in self.runs if r.ok]

    @property
    def failed(self) -> list[StudentRun]:
        return [r for r in self.runs if not r.ok]


def submitted_students(root: Path, assignment: str) -> list[str]:
    base = root / SUBMITTED
    if not base.is_dir():
        return []
    return sorted(
        d.name for d in base.iterdir()
        if d.is_dir() and not d.name.startswith(".") and (d / assignment).is_dir()
    )


# --- worker side ----------------------------------------------------------------------------

_APP = None  # the AutogradeApp of this process


def _make_app(root: Path, assignment: str, force: bool):
    """An AutogradeApp initialised as `nbgrader autograde ASSIGNMENT [--force]` would be, at the
    course root, with its log going to a buffer instead of the terminal."""
    quiet_nbgrader_imports()
    from nbgrader.apps.autogradeapp import AutogradeApp

    os.chdir(root)
    app = AutogradeApp()
    app.initialize([assignment, *(["--force"] if force else [])])
    app.coursedir.assignment_id = assignment
    for handler in list(app.log.handlers):
        app.log.removeHandler(handler)
    app.log.propagate = False
    return app


def warm_up(root: Path, assignment: str, force: bool) -> None:
    """Import nbgrader and build the app in this (parent) process, so that forked workers
    start with it ready. Also loads what the first conversion would load lazily."""
    global _APP
    _APP = _make_app(root, assignment, force)
    register_provisioner()
    with contextlib.suppress(Exception):
        import nbformat

        nbformat.validate(nbformat.v4.new_notebook())
        from nbconvert.exporters import NotebookExporter

        NotebookExporter()


_LOGS: Path | None = None


def log_dir(root: Path, assignment: str) -> Path:
    return root / "grading" / "logs" / "autograde" / assignment


def _init_worker(root: str, assignment: str, force: bool) -> None:
    """Worker start: its output (and its kernels', which inherit it) goes to a log file, not
    through the progress lines; the app is inherited from the parent, or built if spawned."""
    global _APP, _LOGS
    _LOGS = log_dir(Path(root), assignment)
    with contextlib.suppress(OSError):
        handle = open(_LOGS / f"worker-{os.getpid()}.log", "ab", buffering=0)  # noqa: SIM115
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
    if _APP is None or Path.cwd() != Path(root):  # spawned rather than forked
        _APP = _make_app(Path(root), assignment, force)
        register_provisioner()


def _autograde_one(student: str, force_retry: bool = False) -> tuple[bool, str, str]:
    """nbgrader autograde ASSIGNMENT --student STUDENT in this process: (ok, error, log)."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException

    app = _APP
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
    """The error lines of an nbgrader log, on one line (else its last line)."""
    lines = log.strip().splitlines()
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


def _check_ready(root: Path, assignment: str) -> None:
    if not (root / "solutions" / assignment).is_dir():  # the course's source_directory
        raise GradingError(f"There is no solutions/{assignment} in {root}: check the assignment "
                           "name.")
    location = gradebook_location(root)
    path = sqlite_path(location.db_url)
    if path is None:
        return
    if not path.is_file():
        raise GradingError(f"No gradebook at {path}: run `nbgrader generate_assignment "
                           f"{assignment}` first (it records the grade cells).")
    import sqlite3

    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        row = connection.execute("SELECT 1 FROM assignment WHERE name = ?",
                                 (assignment,)).fetchone()
    except sqlite3.Error as error:
        raise GradingError(f"The gradebook {path} cannot be read ({error}).") from None
    finally:
        connection.close()
    if row is None:
        raise GradingError(f"{assignment} is not in the gradebook {path}: run `nbgrader "
                           f"generate_assignment {assignment}` first.")


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def autograde_all(
    root: Path, assignment: str, jobs: int | None = None, students: list[str] | None = None,
    force: bool = False, say: Callable[[str], None] = print, stock_kernels: bool = False,
) -> AutogradeSummary:
    """Autograde every submitted student (or `students`) in `jobs` worker processes, printing a
    line per student as each finishes, going on past failures."""
    root = Path(root).resolve()
    jobs = jobs or default_jobs()
    if jobs < 1:
        raise GradingError("--jobs must be at least 1.")
    _check_ready(root, assignment)
    everyone = submitted_students(root, assignment)
    if students:
        unknown = sorted(set(students) - set(everyone))
        if unknown:
            raise GradingError(f"No submission of {assignment} for: {', '.join(unknown)} "
                               f"(looked in {root / SUBMITTED}).")
        everyone = [s for s in everyone if s in students]
    if not everyone:
        raise GradingError(f"No submissions in {root / SUBMITTED}/<student>/{assignment}/ "
                           "(nbgrader collect puts them there).")
    jobs = min(jobs, len(everyone))
    summary = AutogradeSummary(assignment, jobs)
    start = time.perf_counter()
    here = Path.cwd()
    saved_env = {name: os.environ.get(name) for name in ("PATH", "JUPYTER_PATH")}
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):  # nbgrader runs alembic
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    logs = log_dir(root, assignment)
    logs.mkdir(parents=True, exist_ok=True)
    kernels = None
    if not stock_kernels:
        kernels = Path(tempfile.mkdtemp(prefix="readkit-kernels-"))
        try:
            if write_grading_kernelspecs(kernels):
                os.environ["JUPYTER_PATH"] = os.pathsep.join(
                    filter(None, [str(kernels), saved_env["JUPYTER_PATH"]]))
        except Exception as error:  # noqa: BLE001 (then kernels start as nbgrader starts them)
            say(f"note: kernels start as stock nbgrader starts them ({error})")
    try:
        context = _context()
        if context.get_start_method() == "fork":
            warm_up(root, assignment, force)
        total = len(everyone)
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                                 initargs=(str(root), assignment, force)) as pool:
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
        os.chdir(here)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if kernels is not None:
            shutil.rmtree(kernels, ignore_errors=True)
        for worker_log in logs.glob("worker-*.log"):
            with contextlib.suppress(OSError):
                if worker_log.stat().st_size == 0:
                    worker_log.unlink()
    summary.logs = logs
    summary.seconds = time.perf_counter() - start
    return summary


def progress_line(done: int, total: int, result: StudentRun) -> str:
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
    if summary.failed:
        where = f"{summary.logs}/<student>.log" if summary.logs else "the nbgrader log"
        lines.append(f"Failed ({len(summary.failed)}); the full nbgrader log of each is in "
                     f"{where}:")
        lines.extend(f"  {r.student}: {r.error}" for r in summary.failed)
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Run `nbgrader autograde ASSIGNMENT --student S` for every submitted student in N "
        "parallel worker processes, with a progress line per student, going on past failures. "
        "Gives the same gradebook as sequential nbgrader autograde. Then run `readkit grade`."
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
    parser.add_argument("--stock-kernels", action="store_true",
                        help="start every kernel exactly as nbgrader does (by default kernels "
                             "are forked from a server that has ipykernel imported, and skip "
                             "the debugger: a third less CPU per submission)")
    parser.add_argument("--course", type=Path, metavar="DIR",
                        help="course folder (default: found from the working directory)")


def run(args: argparse.Namespace) -> int:
    try:
        root = resolve_course(args.course)
        summary = autograde_all(root, args.assignment, args.jobs, args.students, args.force,
                                say=lambda line: print(line, flush=True),
                                stock_kernels=args.stock_kernels)
    except GradingError as error:
        print(f"readkit autograde: {error}", file=sys.stderr)
        return 2
    for line in summary_lines(summary):
        print(line)
    return 1 if summary.failed else 0
