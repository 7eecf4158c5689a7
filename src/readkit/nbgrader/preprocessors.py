"""readkit's parts of nbgrader's autograde pipeline (configured in nbgrader_config.py):

- `SandboxedExecute`: nbgrader's Execute, with every learner kernel in a bubblewrap sandbox
  (readkit.sandbox.bubblewrap) that sees only that learner's working copy, the interpreter and
  the learner-side data: no key, no gradebook, no other learner, no network, limits on memory
  and time. Where no sandbox can be made it refuses, unless the course says that learner code
  is trusted (`SandboxedExecute.trust_learner_code = True`).
- `TrustedScores`: after the kernel ran, the Sorter parts' grade cells get their points from
  readkit.grading.trusted, computed in this (the instructor's) process from the submission as
  it was handed in. Whatever the learner's code printed or redefined, this is what
  SaveAutoGrades records and what feedback shows.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from multiprocessing import util as mp_util
from pathlib import Path

from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Integer, Unicode

from readkit.course.answers import ANSWERS_FILE, read_answers
from readkit.course.course import COURSE_VARIABLE, Course
from readkit.course.learner_data import write_learner_data
from readkit.grading import trusted
from readkit.nbgrader.output_limits import BoundedOutput, oversized_notebook
from readkit.nbgrader.submission_files import refusal
from readkit.sandbox import bubblewrap as sandboxing
from readkit.sandbox.kernels import kernel_manager
from readkit.sandbox.pool import SandboxFailure


def _course(config) -> Course:
    return Course.open(CourseDirectory(config=config).root)


def _submission_dir(config, resources) -> Path:
    coursedir = CourseDirectory(config=config)
    info = resources["nbgrader"]
    return Path(coursedir.format_path(coursedir.submitted_directory, info["student"],
                                      info["assignment"]))


def _package_source() -> tuple[str, ...]:
    """readkit's own source folder when it is an editable install (src/ of the course
    repository: code only, never the course root, which holds the key); nothing when readkit
    is installed into the environment, which the sandbox binds anyway."""
    package = Path(__file__).resolve().parents[1]
    if any(part in ("site-packages", "dist-packages") for part in package.parts):
        return ()
    return (str(package.parent),)


class SandboxUnavailable(RuntimeError):
    pass


_LEARNER_DATA: dict[Path, Path] = {}


def _learner_data(course: Course, scratch: str = "") -> Path:
    """The learner-side data of `course`, written once per process into `scratch` (the system's
    temporary folder when empty) and removed when the process exits."""
    folder = _LEARNER_DATA.get(course.root)
    if folder is None or not folder.is_dir():
        if not _LEARNER_DATA:
            _at_exit(_remove_learner_data)
        folder = Path(tempfile.mkdtemp(prefix="rk-data-", dir=scratch or None))
        try:
            write_learner_data(course, folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        _LEARNER_DATA[course.root] = folder
    return folder


def _at_exit(function) -> None:
    """At this process's exit, also as a multiprocessing worker (which skips atexit, and drops
    finalizers registered before it was forked: so register from the worker itself)."""
    atexit.register(function)
    mp_util.Finalize(None, function, exitpriority=90)


def _remove_learner_data() -> None:
    from readkit.sandbox.pool import close_pools

    close_pools()  # the sandbox binds these folders
    for folder in _LEARNER_DATA.values():
        shutil.rmtree(folder, ignore_errors=True)
    _LEARNER_DATA.clear()


class SandboxedExecute(BoundedOutput, Execute):
    """nbgrader's Execute with each kernel in a sandbox (see the module docstring), holding
    and keeping a bounded amount of its output (readkit.nbgrader.output_limits)."""

    trust_learner_code = Bool(
        False, help="Run learner kernels without a sandbox, as the instructor (only for code "
        "you trust; readkit's report then says so). readkit autograde --trust-learner-code sets it."
    ).tag(config=True)
    memory_limit_mb = Integer(2048, help="Address-space limit of a learner kernel (MiB).").tag(
        config=True)
    wall_limit = Integer(600, help="Seconds a learner kernel may live in all.").tag(config=True)
    scratch_folder = Unicode(
        "", help="Folder for this process's copy of the learner-side data; empty: the system's "
        "temporary folder. readkit autograde gives its workers one it removes after the run, so "
        "that a worker killed mid-run (no exit handler runs) leaves no copy behind."
    ).tag(config=True)

    @property
    def trusted(self) -> bool:
        return self.trust_learner_code

    def preprocess(self, nb, resources=None, km=None):
        self._stuck = None
        # One copy per grading process: it is bound into the process's one sandbox.
        self._learner_data = _learner_data(_course(self.config), self.scratch_folder)
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        """Run one cell; once a cell has made the kernel unresponsive (a loop that ignores the
        interrupt) or killed it, the rest are not run and say so. The submission is still graded:
        TrustedScores needs no kernel, and a code check that did not run scores 0."""
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        if getattr(self, "_stuck", None):
            if cell.cell_type == "code":
                cell.outputs = [_not_run(self._stuck)]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except (CellTimeoutError, DeadKernelError, TimeoutError) as error:
            died = getattr(getattr(self.km, "provisioner", None), "sandbox_died", "")
            if died:  # not the learner's doing: grade this submission again
                raise SandboxFailure(
                    f"the grading sandbox failed while this submission ran ({died}): "
                    "autograde it again (readkit autograde ASSIGNMENT --student S --force)"
                ) from error
            self._stuck = (f"an earlier cell stopped the kernel ({type(error).__name__}: it never "
                           "ended, even when interrupted, or the kernel hit its time or memory "
                           "limit)")
            cell.outputs.append(_not_run(self._stuck, "this cell never ended"))
            return cell, resources

    def create_kernel_manager(self):
        """A kernel manager whose kernel spec names readkit's sandbox provisioner
        (readkit.sandbox.kernels); nbclient starts it in the notebook's folder."""
        if not self.kernel_name:  # as nbclient does: the notebook's own kernel
            self.kernel_name = self.nb.metadata.get("kernelspec", {}).get("name") or "python3"
        problem = None if self.trusted else sandboxing.sandbox_available()
        if problem:
            raise SandboxUnavailable(
                f"Learner code cannot be sandboxed here: {problem}. Install bubblewrap (Debian/"
                "Ubuntu: apt-get install bubblewrap), or, only if you trust every submission, "
                "set c.SandboxedExecute.trust_learner_code = True (readkit autograde "
                "--trust-learner-code)."
            )
        spec = sandboxing.SandboxSpec(
            read_only=(*_package_source(), str(self._learner_data)),
            memory_bytes=self.memory_limit_mb * 1024 * 1024,
            wall_seconds=self.wall_limit,
            # The sandbox starts from an empty environment: readkit.Sorter needs to know that
            # nbgrader is grading (it then draws nothing, the submitted file stays as is).
            env={COURSE_VARIABLE: str(self._learner_data), "NBGRADER_EXECUTION": "autograde"},
        )
        # Trusted: the same zygote on the host, this environment, no sandbox.
        self.km = kernel_manager(spec, self.kernel_name, sandboxed=not self.trusted,
                                 config=self.config)
        return self.km


class SafeSubmission(NbGraderPreprocessor):
    """First step of nbgrader's sanitize pass: a submission that holds a link, a named pipe or a
    device, or a notebook over readkit's bounds (readkit.nbgrader.output_limits: size, text,
    cell count), is refused before any learner code runs (readkit autograde refuses it even
    before nbgrader copies or reads it: see readkit.nbgrader.submission_files)."""

    def preprocess(self, nb, resources):
        folder = _submission_dir(self.config, resources)
        problem = refusal(folder) or oversized_notebook(folder)
        if problem:
            raise SubmissionRefused(problem)
        return nb, resources


class SubmissionRefused(RuntimeError):
    pass


def _not_run(why: str, what: str = "not run"):
    return new_output("error", ename="NotRun", evalue=f"{what}: {why}", traceback=[
        f"NotRun: {what}: {why}."])


class TrustedScores(NbGraderPreprocessor):
    """Sorter parts' grade cells: points and feedback from readkit's trusted grade step."""

    def preprocess(self, nb, resources):
        assignment = resources["nbgrader"]["assignment"]
        try:
            plan = trusted.SorterAssignment.from_course(_course(self.config), assignment)
        except trusted.NotASorterAssignment:
            return nb, resources  # no Sorter parts (02-trace-the-numbers): nothing to do
        # Any other CourseError (an unreadable key or sections.csv) stops this submission's
        # autograde: the grade cells must never keep the kernel's output, which nbgrader would
        # count as full marks.
        found = read_answers(_submission_dir(self.config, resources) / ANSWERS_FILE, assignment,
                             plan.article)
        grade = trusted.grade_answers(found, plan, resources["nbgrader"]["student"])
        by_cell = plan.cell_sections()
        choice = None
        for cell in nb.cells:
            if (cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    == trusted.CHOICE_CELL):
                choice = trusted.chosen_unit(cell.source)
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in by_cell:
                section = by_cell[grade_id]
                points = grade.section_points[section.section]
                lines = trusted.part_feedback(plan, grade, section, found)
            elif grade_id == trusted.CHOICE_GRADE_CELL:
                points, lines = trusted.choice_points(plan, found, choice)
            else:
                continue
            self._set_result(cell, points, lines)
        return nb, resources

    @staticmethod
    def _set_result(cell, points: float, lines: list[str]) -> None:
        """Replace what the kernel printed with the trusted result: nbgrader reads the first
        text/plain execute_result as the cell's points."""
        cell.outputs = [
            new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
            new_output("execute_result", data={"text/plain": repr(float(points))},
                       execution_count=cell.get("execution_count")),
        ]
