"""One learner's output or a dying worker cannot sink the run (issue 20, "bounded output, no
shared failure"), through real `readkit autograde` on the real released notebook with the
bubblewrap sandbox.

A class of three honest learners (readkit.demo's synthetic answers) and three flooders who hand
in the released notebook with one extra cell: two print 500 MiB in one line, one displays a
200 MiB image; each has a cell after it that prints a marker. With --jobs 2 (--jobs 1 takes the
same fork-server and worker path): two flooders are graded at once, and the first worker to
finish one grades the third, so one worker grades two floods in a row and the other honest
learners after a flood. Every honest learner gets exactly the gradebook scores of a run
without the flooders, each flooder is graded (its marker cell ran) with a row that says what
was dropped, no process of the instructor's (readkit autograde, its fork server and workers:
not the sandboxed kernels, which are the learner's, with their own limits) goes above 1 GiB of
peak RSS, and the autograded notebooks and the feedback pages stay under 25 MB. A worker killed
while it grades one learner fails that learner only, with --jobs 1 (the only worker dies) and
--jobs 2 (one of two); the rest are graded by a new worker.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from nbgrader.preprocessors import Execute

from benchmarks.grading import gradebook_scores
from readkit import demo
from readkit.course.course import Course
from readkit.nbgrader import output_limits
from readkit.nbgrader.release import nbgrader_environment
from readkit.sandbox.bubblewrap import sandbox_available
from tests.support.grading import GRADE_CELLS, REPO

A = demo.ASSIGNMENT
NOTEBOOK = "sort-the-sources.ipynb"
HONEST = 3  # enough to see anyone graded differently; benchmarks/grading.py measures speed
GiB = 1024 ** 3
MB = 1000 ** 2
AFTER = "after the flood: this cell ran"
PRINT = "print('x' * (500 * 2**20))\n"
# graded in this order (readkit autograde sorts the students): the first two at once, the third
# by the first worker done with one of them
FLOODERS = {
    "aa-flood-image": ("from IPython.display import Image, display\n"
                       "display(Image(data=b'\\x89PNG\\r\\n\\x1a\\n' + bytes(200 * 2**20), "
                       "format='png'))\n"),
    "aa-flood-print": PRINT,
    "aa-flood-second-print": PRINT,
}
VICTIM = "aa-victim"
# The victim's kernel names itself, so the test can find the worker grading it.
VICTIM_CELL = ("import ctypes\nctypes.CDLL(None).prctl(15, b'rk-victim', 0, 0, 0)  # PR_SET_NAME\n"
               "import time\ntime.sleep(15)\n")  # (/proc is read-only in the sandbox)

def readkit(root: Path, *args: str, tmp: Path | None = None, **kw) -> subprocess.Popen:
    """`readkit ARGS` at the course root `root`; with `tmp`, as its temporary folder."""
    env = {k: v for k, v in nbgrader_environment().items() if k != "READKIT_COURSE"}
    if tmp:
        env["TMPDIR"] = str(tmp)
    return subprocess.Popen([sys.executable, "-m", "readkit.cli", *args], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def add_cells(root: Path, student: str, like: str, *sources: str) -> None:
    """`student` hands in `like`'s submission with `sources` as extra cells after the first."""
    folder = root / "grading" / "submitted"
    shutil.copytree(folder / like / A, folder / student / A)
    path = folder / student / A / NOTEBOOK
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for offset, source in enumerate(sources):
        notebook["cells"].insert(1 + offset, {
            "cell_type": "code", "execution_count": None, "id": f"extra-{offset}",
            "metadata": {}, "outputs": [], "source": source})
    path.write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A released course, six honest submissions, a clean gradebook (kept beside it) and
    the honest learners' scores from a run without anyone hostile."""
    if sandbox_available():
        pytest.skip(f"no sandbox here: {sandbox_available()}")
    base = tmp_path_factory.mktemp("resources")
    root = demo.copy_course(REPO, base / "course")
    course = Course.open(root)
    release = demo.generate_assignment(course, A)
    people = demo.make_class(course, A, HONEST, release=release, bad=False, cheat=False)
    shutil.copy(root / "grading" / "gradebook.db", base / "clean.db")
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        # the flooder's own kernel needs more than the default 2 GiB to build and send 500 MiB
        config.write("\nc.SandboxedExecute.memory_limit_mb = 8192\n")
    done = readkit(root, "autograde", A, "--jobs", "2")
    out, err = done.communicate(timeout=900)
    assert done.returncode == 0, out + err
    honest = [p.student for p in people]
    baseline = gradebook_scores(root / "grading" / "gradebook.db", A)
    assert {s for s, _, _ in baseline} == set(honest)
    assert len(baseline) == len(GRADE_CELLS) * HONEST
    return root, base / "clean.db", honest, baseline


def fresh_copy(course, tmp_path: Path) -> Path:
    source, clean, honest, _ = course
    root = tmp_path / "course"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("autograded", "logs"))
    shutil.copy(clean, root / "grading" / "gradebook.db")
    return root


class PeakMemory:
    """Peak RSS (VmHWM) of every process under `pid`, polled every 50 ms, split into the
    instructor's processes and the learners' (bubblewrap and everything under it)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.instructor, self.learner = pid, {}, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            parents = {int(e.name): _ppid(int(e.name)) for e in os.scandir("/proc")
                       if e.name.isdigit()}
            for pid in parents:
                chain = [pid]  # pid and its ancestors up to self.pid
                while chain[-1] != self.pid and parents.get(chain[-1], 0) > 0 \
                        and len(chain) < 64:
                    chain.append(parents[chain[-1]])
                if chain[-1] != self.pid:
                    continue
                peak = _hwm(pid)
                if any(_comm(p) == "bwrap" for p in chain[:-1]):
                    self.learner = max(self.learner, peak)
                else:
                    name = f"{pid} {_comm(pid)}"
                    self.instructor[name] = max(self.instructor.get(name, 0), peak)
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def _ppid(pid: int) -> int:
    stat = _read(f"/proc/{pid}/stat")
    return int(stat.rsplit(")", 1)[1].split()[1]) if ")" in stat else 0


def _comm(pid: int) -> str:
    return _read(f"/proc/{pid}/comm").strip()


def _hwm(pid: int) -> int:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def outputs_of(root: Path, student: str) -> list[str]:
    """Each cell's outputs in `student`'s autograded notebook, as JSON text."""
    path = root / "grading" / "autograded" / student / A / NOTEBOOK
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [json.dumps(cell.get("outputs", [])) for cell in notebook["cells"]]


def grades_rows(root: Path) -> dict[str, dict]:
    done = readkit(root, "grade", A)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, out + err
    path = root / "grading" / "reports" / A / "grades.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


@pytest.mark.nbgrader
@pytest.mark.sandbox
@pytest.mark.slow
def test_flooders_are_bounded_and_everyone_else_is_graded_as_alone(course, tmp_path):
    _, _, honest, baseline = course
    root = fresh_copy(course, tmp_path)
    for student, cell in FLOODERS.items():
        add_cells(root, student, honest[0], cell, f"print({AFTER!r})\n")
    assert sorted(FLOODERS) == list(FLOODERS) and sorted(FLOODERS)[-1] < min(honest)

    run = readkit(root, "autograde", A, "--jobs", "2")
    memory = PeakMemory(run.pid)
    out, err = run.communicate(timeout=1500)
    memory.stop()
    assert run.returncode == 0, out + err

    # every honest learner: the scores of the run without the flooders
    scores = gradebook_scores(root / "grading" / "gradebook.db", A)
    assert {k: v for k, v in scores.items() if k[0] in honest} == baseline
    everyone = HONEST + len(FLOODERS)
    assert f"Autograded {everyone} of {everyone} submission(s)" in out
    # each flooder: graded, its next cell ran, what was dropped is said where it is seen
    lines = out.splitlines()
    for student in FLOODERS:
        line = next(line for line in lines if f" autograded {student} (" in line)
        assert line.endswith("; output over readkit's limits dropped"), line
        assert sum(1 for k in scores if k[0] == student) == len(GRADE_CELLS)
        outputs = outputs_of(root, student)
        assert "OutputLimit" in outputs[1] and AFTER in outputs[2]
        size = (root / "grading" / "autograded" / student / A / NOTEBOOK).stat().st_size
        assert size < 25 * MB, (student, size)
    for student in ("aa-flood-print", "aa-flood-second-print"):
        assert (f"  {student}: cell 2: a message from the kernel over 2 MiB was dropped unread "
                "(iopub channel)") in out, out
    assert "  aa-flood-image: cell 2: a message from the kernel over 2 MiB was dropped unread" \
        in out, out
    rows = grades_rows(root)
    for student in FLOODERS:
        assert "autograde dropped output over readkit's limits: cell 2: a message from the " \
            "kernel over 2 MiB was dropped unread" in rows[student]["reason"]
    assert not any(rows[s]["reason"] for s in honest)
    # no instructor process above 1 GiB (the learners' kernels have their own limit)
    assert memory.instructor and max(memory.instructor.values()) < GiB, memory.instructor
    print("\npeak RSS, --jobs 2: instructor processes "
          f"{max(memory.instructor.values()) / 2**20:.0f} MiB (of {len(memory.instructor)}); "
          f"learner kernels {memory.learner / 2**20:.0f} MiB")

    # feedback: nbgrader generate_feedback reads the bounded notebooks
    feedback = subprocess.Popen(
        [sys.executable, "-m", "nbgrader", "generate_feedback", A], cwd=root,
        env={k: v for k, v in nbgrader_environment().items() if k != "READKIT_COURSE"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(feedback.pid)
    out, err = feedback.communicate(timeout=900)
    memory.stop()
    assert feedback.returncode == 0, out + err
    for student in FLOODERS:
        page = root / "grading" / "feedback" / student / A / "sort-the-sources.html"
        assert page.stat().st_size < 25 * MB
        assert AFTER in page.read_text(encoding="utf-8")
    assert max(memory.instructor.values()) < GiB, memory.instructor


def _worker_of(kernel: int, readkit_pid: int) -> int | None:
    """The worker process grading in `kernel`: its ancestor whose grandparent is readkit's
    process (readkit -> fork server -> worker -> bubblewrap ... -> kernel)."""
    chain = [kernel]
    while chain[-1] > 1:
        chain.append(_ppid(chain[-1]))
    for index, pid in enumerate(chain[:-2]):
        if chain[index + 2] == readkit_pid:
            return pid
    return None


@pytest.fixture
def temporary():
    """An empty temporary folder for a readkit run, with a short path: multiprocessing's
    forkserver puts its socket in it (108 bytes at most; tmp_path under xdist is too long)."""
    with tempfile.TemporaryDirectory(prefix="rk-test-") as folder:
        yield Path(folder)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.nbgrader
@pytest.mark.sandbox
@pytest.mark.slow
def test_a_killed_worker_fails_only_its_learner(course, tmp_path, jobs, temporary):
    _, _, honest, baseline = course
    root = fresh_copy(course, tmp_path)
    add_cells(root, VICTIM, honest[0], VICTIM_CELL)

    run = readkit(root, "autograde", A, "--jobs", str(jobs), tmp=temporary)
    killed, deadline = None, time.monotonic() + 300
    while killed is None and time.monotonic() < deadline and run.poll() is None:
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and _comm(int(entry.name)) == "rk-victim":
                killed = _worker_of(int(entry.name), run.pid)
                if killed:
                    os.kill(killed, signal.SIGKILL)
                    break
        time.sleep(0.05)
    out, err = run.communicate(timeout=900)
    assert killed, f"the victim's kernel was never seen\n{out}{err}"
    assert run.returncode == 1, out + err
    assert (f"FAILED {VICTIM} (") in out
    assert (f"  {VICTIM}: the worker grading it died (killed by SIGKILL, e.g. for lack of "
            "memory); the others were graded by a new worker. Autograde it again: readkit "
            f"autograde {A} --student {VICTIM} --force") in out, out
    assert f"Autograded {HONEST} of {HONEST + 1} submission(s)" in out
    # The killed worker's copy of the learner-side data went with the run's scratch folder.
    assert sorted(p.name for p in temporary.iterdir()) == []
    scores = gradebook_scores(root / "grading" / "gradebook.db", A)
    assert {k: v for k, v in scores.items() if k[0] in honest} == baseline
    rows = grades_rows(root)
    assert rows[VICTIM]["reason"].endswith(
        "; autograde failed: the worker grading it died (killed by SIGKILL, e.g. for lack of "
        f"memory); the others were graded by a new worker. Autograde it again: readkit "
        f"autograde {A} --student {VICTIM} --force")

    if jobs == 2:  # graded again as the row says (one learner: the same run whatever --jobs)
        again = readkit(root, "autograde", A, "--student", VICTIM, "--force")
        out, err = again.communicate(timeout=600)
        assert again.returncode == 0, out + err
        assert not grades_rows(root)[VICTIM]["reason"]


MANY = "aa-many-cells"
MANY_CELLS = 150_000  # the red team's notebook: 11 MB, inside every byte bound


def add_empty_markdown_cells(root: Path, student: str, like: str, count: int) -> Path:
    """`student` hands in `like`'s submission with `count` empty markdown cells at its end."""
    folder = root / "grading" / "submitted"
    shutil.copytree(folder / like / A, folder / student / A)
    path = folder / student / A / NOTEBOOK
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"] += [{"cell_type": "markdown", "id": f"m{i}", "metadata": {}, "source": ""}
                          for i in range(count)]
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


@pytest.mark.nbgrader
@pytest.mark.sandbox
def test_a_notebook_of_very_many_cells_is_refused_and_everyone_else_is_graded_as_alone(
        course, tmp_path):
    """150,000 empty markdown cells (before the cell bound: autograde 365 s for that learner,
    generate_feedback 1.61 GB and a 30.7 MB page, the formgrader's server busy over a minute):
    refused with what to do, by readkit autograde before nbgrader reads it and by plain
    nbgrader autograde (the formgrader's button) before its code runs; no autograded notebook
    (what the formgrader renders) and no feedback page; everyone else graded as alone."""
    _, _, honest, baseline = course
    root = fresh_copy(course, tmp_path)
    path = add_empty_markdown_cells(root, MANY, honest[0], MANY_CELLS)
    assert output_limits.NOTEBOOK_FILE_LIMIT > path.stat().st_size > 10 * MB
    why = (f"not autograded: {NOTEBOOK} has {MANY_CELLS + 16:,} cells, more than the 5,000 "
           "readkit grades in a notebook. Ask the learner to hand in the released notebook "
           "with their answers, without the cells they added (or to merge them), and hand it "
           "in again.")
    nbgrader_env = {k: v for k, v in nbgrader_environment().items() if k != "READKIT_COURSE"}

    start = time.perf_counter()
    run = readkit(root, "autograde", A, "--jobs", "2")
    memory = PeakMemory(run.pid)
    out, err = run.communicate(timeout=900)
    memory.stop()
    seconds = time.perf_counter() - start
    assert run.returncode == 1, out + err
    line = next(line for line in out.splitlines() if f"FAILED {MANY} (" in line)
    assert line.endswith(f" s): {why}"), line  # refused before nbgrader read it
    assert f"Autograded {HONEST} of {HONEST + 1} submission(s)" in out
    scores = gradebook_scores(root / "grading" / "gradebook.db", A)
    assert scores == baseline  # the honest learners as alone; nothing of the refused one
    autograded = root / "grading" / "autograded" / MANY
    assert not autograded.exists()
    assert grades_rows(root)[MANY]["reason"].endswith(f"; autograde failed: {why}")
    print(f"\nmany cells: readkit autograde --jobs 2 of {HONEST + 1} in {seconds:.1f} s, "
          f"instructor processes peak {max(memory.instructor.values()) / 2**20:.0f} MiB")

    start = time.perf_counter()
    plain = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", A, "--student", MANY],
                           cwd=root, env=nbgrader_env, capture_output=True, text=True,
                           timeout=900)
    assert why in plain.stdout + plain.stderr, plain.stdout + plain.stderr
    assert not list(autograded.rglob("*.ipynb"))
    print(f"many cells: plain nbgrader autograde refused it in "
          f"{time.perf_counter() - start:.1f} s (it reads the notebook first)")

    feedback = subprocess.Popen([sys.executable, "-m", "nbgrader", "generate_feedback", A],
                                cwd=root, env=nbgrader_env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    start, memory = time.perf_counter(), PeakMemory(feedback.pid)
    out, err = feedback.communicate(timeout=900)
    memory.stop()
    assert feedback.returncode == 0, out + err
    pages = root / "grading" / "feedback"
    assert sorted(p.parts[-3] for p in pages.rglob("*.html")) == sorted(honest)
    print(f"many cells: generate_feedback in {time.perf_counter() - start:.1f} s, peak "
          f"{max(memory.instructor.values()) / 2**20:.0f} MiB, largest page "
          f"{max(p.stat().st_size for p in pages.rglob('*.html')) / MB:.2f} MB")


# --- the bounds themselves: a real kernel through nbgrader's Execute, no sandbox -------------


class Bounded(output_limits.BoundedOutput, Execute):
    """nbgrader's Execute with readkit's bounds, as SandboxedExecute has them."""


def run_cells(tmp_path: Path, *sources: str, timeout: int = 5):
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    executor = Bounded(timeout=timeout)
    logs = []
    handler = logging.Handler()
    handler.emit = lambda record: logs.append(record.getMessage())
    executor.log.addHandler(handler)
    try:
        executor.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    finally:
        executor.log.removeHandler(handler)
    return notebook, [line for line in logs if line.startswith(output_limits.LOG_PREFIX)]


def errors_of(cell) -> list[str]:
    return [out.evalue for out in cell.outputs if out.output_type == "error"]


@pytest.mark.nbgrader
def test_each_bound_drops_only_what_goes_over_and_the_kernel_goes_on(tmp_path):
    nb, logs = run_cells(
        tmp_path,
        "print('before')",
        "print('x' * (50 * 2**20))",  # one message over the 2 MiB a frame may have
        "print('after the flood')",
        "import sys\nfor i in range(30):\n    print('y' * 60_000)\n    sys.stdout.flush()",
        "raise ValueError('z' * 3_000_000)",  # the reply itself is over a frame's limit
        "from IPython.display import display\n"
        "for i in range(4): display({'text/plain': 'w' * 700_000}, raw=True)",
        "1 + 1",
    )
    outputs = [[out.output_type for out in cell.outputs] for cell in nb.cells]
    assert nb.cells[0].outputs[0].text == "before\n"
    assert errors_of(nb.cells[1]) == [
        "a message from the kernel over 2 MiB was dropped unread (iopub channel)"]
    assert nb.cells[2].outputs[0].text == "after the flood\n"
    # printed text over the cell's 1 MiB: its head is kept, the rest cut
    kept = "".join(out.text for out in nb.cells[3].outputs if out.output_type == "stream")
    assert 500_000 < len(kept) <= output_limits.CELL_LIMIT and set(kept) <= {"y", "\n"}
    assert errors_of(nb.cells[3])[-1].startswith("printed output over 1 MiB in this cell was cut")
    assert errors_of(nb.cells[4])[-1] == ("a message from the kernel over 2 MiB was dropped "
                                          "unread (iopub, shell channel)")
    assert outputs[5] == ["display_data", "error"]
    assert errors_of(nb.cells[5]) == [
        "output over 1 MiB in this cell was dropped (display_data output of 683.7 KiB)"]
    assert nb.cells[6].outputs[0].data["text/plain"] == "2"
    assert len(nbformat.writes(nb)) < output_limits.NOTEBOOK_LIMIT + 100_000
    assert logs == [f"{output_limits.LOG_PREFIX}cell {i}: {errors_of(nb.cells[i - 1])[-1]}"
                    for i in (2, 4, 5, 6)]


@pytest.mark.nbgrader
def test_the_notebook_bound_holds_across_cells_and_displays(tmp_path):
    show = ("from IPython.display import display\n"
            "display({'text/plain': 'a' * 10}, raw=True, display_id='shown')")
    nb, _ = run_cells(
        tmp_path,
        *["print('n' * 700_000)"] * 3,  # 2.1 MB over three cells: the third is cut
        show, show, show,
        # one update rewrites all three outputs that show it: 3 x 300 KB
        "from IPython.display import update_display\n"
        "update_display({'text/plain': 'u' * 300_000}, raw=True, display_id='shown')",
    )
    assert [len(errors_of(cell)) for cell in nb.cells[:3]] == [0, 0, 1]
    assert errors_of(nb.cells[2])[0].startswith("printed output over 2 MiB in this notebook")
    assert errors_of(nb.cells[6])[0].startswith("output over 2 MiB in this notebook was dropped "
                                                "(update_display_data output of")
    assert len(nbformat.writes(nb)) < output_limits.NOTEBOOK_LIMIT + 100_000


def test_budget_counts_display_updates_for_every_output_they_rewrite():
    budget = output_limits.OutputBudget(cell_limit=1000, notebook_limit=5000)
    shown = {"msg_type": "display_data", "content": {
        "data": {"text/plain": "a"}, "metadata": {}, "transient": {"display_id": "d"}}}
    for index in range(3):
        assert budget.admit(json.loads(json.dumps(shown)), index)
    update = {"msg_type": "update_display_data", "content": {
        "data": {"text/plain": "u" * 300}, "metadata": {}, "transient": {"display_id": "d"}}}
    assert not budget.admit(update, 3)  # 3 outputs x ~370 characters > 1000 for one cell
    assert budget.cut[3].startswith(
        "output over 1000 B in this cell was dropped (update_display_data output of ")
    assert budget.admit({"msg_type": "status", "content": {"execution_state": "idle"}}, 3)


def test_handed_in_notebooks_over_the_bounds_are_refused_before_reading(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "small.ipynb").write_text(json.dumps({"cells": [{"source": ["a", "b"]}]}))
    assert output_limits.oversized_notebook(folder) is None
    pasted = {"cells": [{"cell_type": "markdown", "source": "p" * (600 * 1024),
                         "metadata": {}}]}
    (folder / "pasted.ipynb").write_text(json.dumps(pasted))
    assert output_limits.oversized_notebook(folder) == (
        "not autograded: the cells of pasted.ipynb hold 600 KiB of text, more than the 512 KiB "
        "readkit grades. Ask the learner to remove what they pasted in and hand it in again.")
    (folder / "pasted.ipynb").unlink()
    many = {"cells": [{"cell_type": "markdown", "source": "", "metadata": {}}] * 5_001}
    (folder / "many.ipynb").write_text(json.dumps(many))
    assert output_limits.oversized_notebook(folder) == (
        "not autograded: many.ipynb has 5,001 cells, more than the 5,000 readkit grades in a "
        "notebook. Ask the learner to hand in the released notebook with their answers, "
        "without the cells they added (or to merge them), and hand it in again.")
    many["cells"].pop()
    (folder / "many.ipynb").write_text(json.dumps(many))
    assert output_limits.oversized_notebook(folder) is None
    (folder / "many.ipynb").unlink()
    with (folder / "huge.ipynb").open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    assert output_limits.oversized_notebook(folder).startswith(
        "not autograded: huge.ipynb is 17 MiB, more than the 16 MiB readkit reads of a "
        "notebook. Ask the learner to clear its outputs")
