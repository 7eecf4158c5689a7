"""Hostile learners through real `readkit autograde` and `nbgrader autograde` (issue 12's first
acceptance bullet), on the real released notebook, in ONE temporary course graded in one run.

Each hostile learner hands in the released notebook with one extra cell after the introduction
(tests/fixtures/submissions/hostile-*/cell.py, below a header of what such a learner could find
out or guess: the course's absolute path, a port, a file name on the host) and an answers.json
that is part right. Honest learners are graded beside them. `readkit autograde --jobs 4` grades
everyone but one; that one (the key hunt through the file system) goes through plain
`nbgrader autograde`, at the same time, to show that the course's nbgrader_config.py sandboxes
nbgrader's own command too. Then `nbgrader generate_feedback` for everyone.

For each hostile learner: its cell ran (it says so, and that its host is the sandbox), found no
key and no other learner's work, wrote nothing outside its working copy, left no process, made
no connection; no assessment label next to its unit id, no rationale and no other learner's
data in any autograded notebook or feedback file; its gradebook grade is the grade of its
answers.json as submitted (readkit.grading.trusted, from a copy the test kept); every honest
learner has the exact expected points. The course's cell timeout is lowered to 10 s.
"""

import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from readkit.course.answers import read_answers
from readkit.course.course import Course
from readkit.grading import trusted
from readkit.nbgrader.release import release
from tests.support.grading import REPO, make_course
from tests.test_nbgrader_e2e import KEY, SECTION_UNITS, leaks, visible_text, wrong

pytestmark = pytest.mark.nbgrader

A1, NB1 = "01-sort-the-sources", "sort-the-sources"
FIXTURES = REPO / "tests" / "fixtures" / "submissions"
BIN = Path(sys.executable).parent
SECTIONS = ("part-1", "part-2", "part-3", "part-4")
GRADE_CELLS = (*(f"{s}-grade" for s in SECTIONS), trusted.CHOICE_GRADE_CELL)
TIMEOUT = 10  # c.SandboxedExecute.timeout of the test course (the key-files cell walks
# ~90,000 files: a busy machine needs more than 5 s for it)

# graded by `readkit autograde`
HOSTILE = ("key-readkit", "other-learner", "rewrite", "brings-own", "daemon", "memory", "loop",
           "loop-ignores-sigint", "network")
# graded by plain `nbgrader autograde` (the fixture is hostile-key-files)
THROUGH_NBGRADER = "key-files"
# Honest learners: points of part-1..part-4 (7.5, 7.5, 5, 10) and of the rewrite choice, worked
# out by hand with docs/grading.md's rule, points x (R - C) / (1 - C): the key gives R = 1, so
# full points; a wrong or missing label everywhere gives R = 0 and so 0 (clamped).
HONEST = {
    "honest-perfect": (7.5, 7.5, 5.0, 10.0, 1.0),
    "honest-all-wrong": (0.0, 0.0, 0.0, 0.0, 0.0),
    # parts 1 and 3 right, the rest unlabelled; the chosen unit (p51s2, part 1) is commentary
    "honest-parts-1-and-3": (7.5, 0.0, 5.0, 0.0, 1.0),
}
OTHER = "honest-perfect"  # whose work the hostile learners go after
# A cell that ignores SIGINT: the interrupt at the timeout gets no reply, so SandboxedExecute
# stops running that kernel's cells (each says why) and the submission is still graded.
IGNORES_SIGINT = "hostile-loop-ignores-sigint"

HEADER = '''\
# (what this learner found out or guessed; put here by the test)
COURSE = {course!r}
ME = {me!r}
OTHER = {other!r}
PORT = {port!r}
HOSTS = {hosts!r}
HEARTBEAT = {heartbeat!r}
MARKER = {marker!r}
PAYLOAD = {payload!r}


def report(name, text):
    import socket

    print(f"HOSTILE {{name}} on {{socket.gethostname()}}: {{text}}", flush=True)


'''


def student_of(name: str) -> str:
    return f"hostile-{name}"


def answers_file(answers: dict, **extra) -> bytes:
    return json.dumps({"version": 1, "assignment": A1, "answers": answers, **extra},
                      indent=1).encode()


def part_right(*sections: str) -> dict:
    """The key's labels for these sections, a wrong label everywhere else."""
    right = {u for s in sections for u in SECTION_UNITS[s]}
    return {u: (KEY[u]["label"] if u in right else wrong(u)) for u in KEY}


def host_addresses() -> list[str]:
    found = ["127.0.0.1"]
    try:
        for *_, address in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            if address[0] not in found:
                found.append(address[0])
    except OSError:
        pass
    return found


@dataclass
class Graded:
    root: Path
    marker: str
    heartbeat: Path
    loaded: Path
    listener: socket.socket
    as_submitted: dict[str, bytes]  # student -> answers.json bytes as handed in
    readkit_run: subprocess.CompletedProcess
    nbgrader_run: subprocess.CompletedProcess
    seconds: dict[str, float] = field(default_factory=dict)
    key_before: bytes = b""
    canary: str = ""

    def autograded(self, student: str) -> Path:
        return self.root / "grading" / "autograded" / student / A1

    def notebook_text(self, student: str) -> str:
        return (self.autograded(student) / f"{NB1}.ipynb").read_text(encoding="utf-8")

    def hostile_output(self, student: str) -> str:
        nb = nbformat.read(self.autograded(student) / f"{NB1}.ipynb", 4)
        cell = next(c for c in nb.cells if c.get("id") == "hostile-cell")
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")

    def scores(self, student: str) -> tuple:
        from nbgrader.api import Gradebook

        with Gradebook("sqlite:///" + str(self.root / "grading" / "gradebook.db")) as gb:
            return tuple(gb.find_grade(cell, NB1, A1, student).score for cell in GRADE_CELLS)


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "READKIT_COURSE"}
    env.update(PATH=os.pathsep.join([str(BIN), env.get("PATH", "")]), HOME=str(home))
    return env


def released_notebook(root: Path, choice: str | None = "p51s2"):
    nb = nbformat.read(root / "exercises" / A1 / f"{NB1}.ipynb", 4)
    if choice:
        cell = next(c for c in nb.cells if c.get("id") == trusted.CHOICE_CELL)
        cell.source = f'chosen_unit = "{choice}"'
    return nb


def hand_in(root: Path, student: str, nb, answers: bytes, as_submitted: dict) -> Path:
    folder = root / "grading" / "submitted" / student / A1
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{NB1}.ipynb")
    (folder / "answers.json").write_bytes(answers)
    as_submitted[student] = answers
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    base = tmp_path_factory.mktemp("hostile")
    root = make_course(base)
    home = base / "home"
    home.mkdir()
    import shutil

    shutil.copytree(REPO / "solutions", root / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    env = environment(home)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("READKIT_COURSE", raising=False)
        result = release(Course.open(root), [A1])
    assert result.ok, result.error
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.SandboxedExecute.timeout = {TIMEOUT}  # test: loops end sooner\n")

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", 0))
    listener.listen(16)
    marker = f"rk-hostile-daemon-{uuid.uuid4().hex}"
    heartbeat = base / "heartbeat-on-the-host"
    loaded = base / "learner-config-was-loaded"
    canary = f"canary-{uuid.uuid4().hex}"
    as_submitted: dict[str, bytes] = {}

    # honest learners
    solution = nbformat.read(root / "solutions" / A1 / f"{NB1}.ipynb", 4)
    hand_in(root, "honest-perfect", solution,
            answers_file({u: row["label"] for u, row in KEY.items()}, note=canary), as_submitted)
    hand_in(root, "honest-all-wrong", released_notebook(root, None),
            answers_file({u: wrong(u) for u in KEY}), as_submitted)
    hand_in(root, "honest-parts-1-and-3", released_notebook(root),
            answers_file({u: KEY[u]["label"] for s in ("part-1", "part-3")
                          for u in SECTION_UNITS[s]}), as_submitted)

    # hostile learners: part 3 right, the rest wrong (brings-own: everything "meta", as its
    # own key says)
    payload = base64.b64encode(answers_file({u: row["label"] for u, row in KEY.items()})).decode()
    for name in (*HOSTILE, THROUGH_NBGRADER):
        student = student_of(name)
        header = HEADER.format(course=str(root), me=student, other=OTHER, port=listener.getsockname()[1],
                               hosts=host_addresses(), heartbeat=str(heartbeat), marker=marker,
                               payload=payload)
        nb = released_notebook(root)
        cell_source = (FIXTURES / f"hostile-{name}" / "cell.py").read_text(encoding="utf-8")
        nb.cells.insert(1, new_code_cell(header + cell_source, id="hostile-cell"))
        answers = (answers_file(dict.fromkeys(KEY, "meta")) if name == "brings-own"
                   else answers_file(part_right("part-3")))
        folder = hand_in(root, student, nb, answers, as_submitted)
        if name == "brings-own":
            shutil.copytree(FIXTURES / "hostile-brings-own" / "readkit", folder / "readkit")
            config = (FIXTURES / "hostile-brings-own" / "nbgrader_config.py").read_text()
            (folder / "nbgrader_config.py").write_text(config.replace("@LOADED@", str(loaded)))
            (folder / "data" / "articles" / "raqqa-2021").mkdir(parents=True)
            (folder / "data" / "articles" / "raqqa-2021" / "key.csv").write_text(
                "unit_id,label,accept,source,split,rationale\n"
                + "".join(f"{u},meta,,,assessment,\n" for u in KEY))

    key_before = (root / "data" / "articles" / "raqqa-2021" / "key.csv").read_bytes()
    students = sorted(s for s in as_submitted if s != student_of(THROUGH_NBGRADER))
    seconds = {}
    start = time.perf_counter()
    plain = subprocess.Popen(
        [str(BIN / "nbgrader"), "autograde", A1, "--student", student_of(THROUGH_NBGRADER)],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    readkit_run = subprocess.run(
        [sys.executable, "-m", "readkit.cli", "autograde", A1, "--jobs", "4",
         *(arg for s in students for arg in ("--student", s))],
        cwd=root, env=env, capture_output=True, text=True, timeout=900)
    seconds["readkit autograde"] = time.perf_counter() - start
    output, _ = plain.communicate(timeout=900)
    nbgrader_run = subprocess.CompletedProcess(plain.args, plain.returncode, output, "")
    seconds["both autogrades"] = time.perf_counter() - start
    start = time.perf_counter()
    feedback = subprocess.run([str(BIN / "nbgrader"), "generate_feedback", A1], cwd=root,
                              env=env, capture_output=True, text=True, timeout=900)
    seconds["generate_feedback"] = time.perf_counter() - start
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr
    return Graded(root, marker, heartbeat, loaded, listener, as_submitted, readkit_run,
                  nbgrader_run, seconds, key_before, canary)


def expected_scores(graded: Graded, student: str) -> tuple:
    """The points of the answers.json this learner handed in (a copy the test kept), as
    readkit's trusted grade step computes them, with the chosen unit of its notebook."""
    plan = trusted.SorterAssignment.from_course(Course.open(graded.root), A1)
    copy = graded.root.parent / "as-submitted" / student / "answers.json"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(graded.as_submitted[student])
    found = read_answers(copy, A1)
    grade = trusted.grade_answers(found, plan)
    nb = nbformat.read(graded.root / "grading" / "submitted" / student / A1 / f"{NB1}.ipynb", 4)
    choice_cell = next(c for c in nb.cells if c.get("id") == trusted.CHOICE_CELL)
    choice, _ = trusted.choice_points(plan, found, trusted.chosen_unit(choice_cell.source))
    return (*(grade.section_points[s] for s in SECTIONS), choice)


def hostile_students() -> list[str]:
    return [student_of(name) for name in (*HOSTILE, THROUGH_NBGRADER)]


def autograded_students(graded) -> list[str]:
    return list(graded.as_submitted)


# --- the runs ---------------------------------------------------------------------------------


def test_both_runs_graded_everyone_else(graded):
    out = graded.readkit_run.stdout
    count = len(graded.as_submitted) - 1
    for student in autograded_students(graded):
        if student != student_of(THROUGH_NBGRADER):
            assert f"] autograded {student} (" in out, out
    assert f"Autograded {count} of {count} submission(s) of {A1}" in out
    assert "WITHOUT a sandbox" not in out
    assert graded.nbgrader_run.returncode == 0, graded.nbgrader_run.stdout[-3000:]
    # a looping cell costs one timeout, not more (the wall time stays reasonable)
    assert graded.seconds["both autogrades"] < 240, graded.seconds


def test_readkit_autograde_graded_everyone(graded):
    assert graded.readkit_run.returncode == 0, graded.readkit_run.stdout


@pytest.mark.parametrize("student", hostile_students())
def test_hostile_cell_ran_in_the_sandbox(graded, student):
    name = student.removeprefix("hostile-")
    assert f"HOSTILE {name} on sandbox: " in graded.hostile_output(student)


@pytest.mark.parametrize("student", hostile_students())
def test_grade_is_that_of_the_answers_as_submitted(graded, student):
    expected = expected_scores(graded, student)
    assert graded.scores(student) == expected
    submitted = graded.root / "grading" / "submitted" / student / A1 / "answers.json"
    assert submitted.read_bytes() == graded.as_submitted[student]


def test_hostile_files_are_worth_part_3_only(graded):
    """A rewrite, a brought key or kernel-side points that worked would show: the files as
    handed in are worth part 3's 5 points (part 3 right, every other unit wrong: R = 1 there,
    R = 0 elsewhere). brings-own labels everything meta: 0, as part-4's meta recall 25/25
    averages with 0 for its sourced, commentary and claim units, R = 0.25, below its chance
    value C = (1/4 + 3/12 + 27/100 + 3/8) / 4 = 0.28625, and the other parts have no meta."""
    for student in hostile_students():
        expected = expected_scores(graded, student)
        if student == student_of("brings-own"):
            assert expected == (0.0, 0.0, 0.0, 0.0, 0.0), student
        else:
            assert expected == (0.0, 0.0, 5.0, 0.0, 0.0), student


@pytest.mark.parametrize("student", sorted(HONEST))
def test_honest_learners_exact_scores(graded, student):
    assert graded.scores(student) == HONEST[student]


def test_readkit_grade_finds_the_gradebook_holds_its_points(graded):
    from readkit.results.grade import grade_assignment

    grades = grade_assignment(Course.open(graded.root), A1)
    assert grades.flagged == []
    by_student = {s.student: s for s in grades.students}
    for student in autograded_students(graded):
        cells = by_student[student].cells
        assert tuple(cells[c].auto for c in (*SECTIONS, "rewrite-choice")) == pytest.approx(
            graded.scores(student)), student


# --- what the learners could see --------------------------------------------------------------


def test_no_key_through_readkit(graded):
    assert "labels found: 0 (" in graded.hostile_output(student_of("key-readkit"))


def test_no_key_through_the_file_system_in_nbgrader_autograde(graded):
    text = graded.hostile_output(student_of(THROUGH_NBGRADER))
    assert "key files with assessment labels: 0 " in text
    assert re.search(r"places tried: \d{2,}", text)


def test_no_other_learners_work(graded):
    text = graded.hostile_output(student_of("other-learner"))
    # its copy is /home/learner/<assignment> in the sandbox: no learner's id is there, not its own
    assert "files read: 0; next to me: ['learner']" in text


def test_no_key_and_no_other_learners_data_in_notebooks_or_feedback(graded):
    """Every autograded notebook and feedback page: no assessment label next to its unit id,
    no rationale. Every file of the autograded and feedback folders (also what a learner's
    code wrote there, and the copies of its own files): no other learner's data."""
    grading = graded.root / "grading"
    notebooks = sorted((grading / "autograded").rglob("*.ipynb"))
    pages = sorted((grading / "feedback").rglob("*.html"))
    everyone = len(autograded_students(graded))
    assert len(notebooks) == len(pages) == everyone
    for path in notebooks + pages:
        assert leaks(visible_text(path)) == [], path
    for folder in ("autograded", "feedback"):
        for path in (p for p in (grading / folder).rglob("*") if p.is_file()):
            owner = path.relative_to(grading / folder).parts[0]
            if owner != OTHER:
                assert graded.canary not in visible_text(path), path


def test_the_leak_detector_finds_a_printed_key():
    """The control of the test above: the key file and readkit's key, printed, are found."""
    assert leaks((REPO / "data" / "articles" / "raqqa-2021" / "key.csv").read_text(encoding="utf-8"))
    assert leaks(str(Course.open(REPO).article().key("assessment")))


# --- what the learners could change -----------------------------------------------------------


def test_rewrite_reached_only_its_working_copy(graded):
    student = student_of("rewrite")
    text = graded.hostile_output(student)
    assert text.count("answers.json") >= 4  # it tried every target
    assert "'answers.json']" in text  # its working copy took the write: in the sandbox's RAM
    kept = graded.autograded(student) / "answers.json"  # the host's copy is as submitted
    assert kept.read_bytes() == graded.as_submitted[student]
    assert (graded.root / "data" / "articles" / "raqqa-2021" / "key.csv").read_bytes() == graded.key_before
    for student, answers in graded.as_submitted.items():
        path = graded.root / "grading" / "submitted" / student / A1 / "answers.json"
        assert path.read_bytes() == answers, student


def test_brought_readkit_config_and_key_change_nothing(graded):
    student = student_of("brings-own")
    text = graded.hostile_output(student)
    assert (graded.autograded(student) / "readkit" / "__init__.py").is_file()
    brought = f"/home/learner/{A1}/readkit/__init__.py"  # that folder's copy in the sandbox
    assert f"readkit from {brought}, brought: True" in text  # its readkit ran in its kernel
    assert "part-1 in the kernel: 7.5; own key file: True" in text
    assert not graded.loaded.exists()  # its nbgrader_config.py was never loaded
    # the course's key, not its own (which would give 30 of 31)
    assert graded.scores(student) == expected_scores(graded, student)
    assert sum(graded.scores(student)) < 10.0


# --- what the learners left behind ------------------------------------------------------------


def host_processes() -> dict[int, tuple[str, str]]:
    """pid -> (command line, working folder) of every process on the host."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8",
                                                                                   "replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        found[int(entry.name)] = (cmdline, cwd)
    return found


def test_no_process_outlives_grading(graded):
    student = student_of("daemon")
    assert "heartbeat here: True" in graded.hostile_output(student)  # the daemon did start
    beat = graded.autograded(student) / "heartbeat.txt"
    assert not beat.exists()  # its working copy was in the sandbox's RAM
    processes = host_processes()
    assert [pid for pid, (cmd, _) in processes.items() if graded.marker in cmd] == []
    course = str(graded.root)
    assert [(pid, cwd) for pid, (_, cwd) in processes.items() if cwd.startswith(course)] == []
    assert not graded.heartbeat.exists()  # it never reached the host's /tmp


def test_unbounded_memory_ends_in_memory_error(graded):
    assert re.search(r"MemoryError after \d+ MiB", graded.hostile_output(student_of("memory")))


@pytest.mark.parametrize("name", ["loop", "loop-ignores-sigint"])
def test_loops_are_stopped_and_the_rest_is_graded(graded, name):
    student = student_of(name)
    nb = nbformat.read(graded.autograded(student) / f"{NB1}.ipynb", 4)
    cell = next(c for c in nb.cells if c.get("id") == "hostile-cell")
    errors = {o.ename for o in cell.outputs if o.output_type == "error"}
    assert errors & {"KeyboardInterrupt", "CellTimeoutError", "NotRun"}, cell.outputs
    later = nb.cells[nb.cells.index(cell) + 1:]
    not_run = [c for c in later if c.cell_type == "code"
               and any(o.get("ename") == "NotRun" for o in c.outputs)]
    if name == "loop":  # interrupted: the kernel answers again and every later cell runs
        assert not_run == []
    else:  # never answered: the later cells are not run, and each says why
        assert not_run and all("an earlier cell stopped the kernel" in o.evalue
                               for c in not_run for o in c.outputs if o.get("ename") == "NotRun")


def test_no_connection_arrived(graded):
    text = graded.hostile_output(student_of("network"))
    assert "connected" not in text
    assert "127.0.0.1 ConnectionRefusedError" in text or "127.0.0.1 OSError" in text
    graded.listener.setblocking(False)
    with pytest.raises(BlockingIOError):
        graded.listener.accept()
    graded.listener.close()
