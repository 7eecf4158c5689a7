"""A whole class on JupyterHub (readkit.hub.deploy, `make hub`), end to end, as root.

One hub for the module: 11 learners and an instructor as real system users, the PostgreSQL
gradebook, nbgrader's exchange. Through the hub's REST API and nbgrader's server endpoints:
the instructor releases 01 (formgrader API); 10 learners each start their server, fetch, write
answers.json (the demo's seeded learner model: strong and weak learners, one corrupt file, one
without answers.json, empty ones) and submit; one learner tries to read another's submission and
is refused; the instructor collects (formgrader API), two graders autograde at the same time
against PostgreSQL, `readkit report` and `readkit grade` run; the gradebook holds exactly the
expected scores, and the same submissions graded with a SQLite gradebook give the same grades.
Then a real browser: learner 11 logs in, fetches from Nbgrader > Assignment List, labels sentences
by keyboard (one digit key per sentence) in the Sorter and submits; the instructor's
formgrader lists that submission and its JupyterLab panel shows the formgrader in a frame.
Issue 26 (the class as a teacher meets it): the instructor's own terminal runs the documented
commands; no news question, no "Tests failed" mark for cells that ran, no request off
127.0.0.1 from the Sorter's or the formgrader's pages; the stop saves the grades where its
message says, and a second hub picks them up (the last two tests: they stop the hub).

Everything is started and removed by the fixture (users, processes, the database cluster, the
state folder), also when a test fails. Wall time on 2 cores: see docs/hub.md.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from readkit import demo
from readkit.course.answers import read_answers
from readkit.course.course import Course
from readkit.course.labels import LABELS
from readkit.grading.trusted import SorterAssignment, grade_answers
from readkit.hub.deploy import (
    COURSE_ID,
    DATABASE,
    DEFAULT_ENV,
    Hub,
    HubSettings,
    free_port,
    missing_requirements,
)

pytestmark = [pytest.mark.hub, pytest.mark.nbgrader, pytest.mark.sandbox]

ROOT = Path(__file__).resolve().parents[1]
A1, NB1 = "01-sort-the-sources", "sort-the-sources"
# Learners through the REST API (one more signs in with the browser): ten are enough for every
# kind the demo makes (corrupt, empty, no answers.json); benchmarks/hub.py measures a class of 30.
CLASS = 10
SEED = 1606


def _require_setup() -> None:
    problems = missing_requirements(ROOT)
    if problems:
        message = "the hub test needs: " + "; ".join(problems) + " (make test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    _require_setup()
    prefix = "rkt" + secrets.token_hex(2)
    state = Path(f"/tmp/readkit-hub-test-{prefix}")
    # READKIT_HUB_ENV: another hub environment than /opt/readkit-hub/env (a second checkout
    # testing its own readkit wheel beside the first).
    settings = HubSettings(course=ROOT, learners=CLASS + 1, prefix=prefix, port=free_port(),
                           state=state, save_to=tmp_path_factory.mktemp("saved"),
                           env=Path(os.environ.get("READKIT_HUB_ENV", DEFAULT_ENV)))
    messages: list[str] = []

    def say(line: str) -> None:
        messages.append(line)
        print(line, file=sys.stderr)

    started = time.perf_counter()
    with Hub(settings, say=say) as running:
        running.started_in = time.perf_counter() - started
        running.messages = messages
        yield running
    for name in [settings.instructor, *settings.learner_names]:
        assert subprocess.run(["id", name], capture_output=True).returncode != 0, name
    assert not state.exists()


# --- the class, through the REST API ------------------------------------------------------------


def class_answers(course: Course) -> dict[str, str | None]:
    """learner -> answers.json text (None: no file), from the demo's seeded learner model."""
    plan = SorterAssignment.from_course(course, A1)
    people = demo.learners(CLASS, SEED, bad=True, cheat=False)
    answers = demo.class_answers(plan, people, SEED)
    texts = {}
    for person in people:
        if person.kind == demo.NO_FILE:
            texts[person.student] = None
        elif person.kind == demo.CORRUPT_FILE:
            texts[person.student] = '{"version": 1, "assignment": "' + A1 + '", "answers": {"p4'
        elif person.kind == demo.EMPTY:
            texts[person.student] = json.dumps({"version": 1, "assignment": A1, "answers": {}})
        else:
            texts[person.student] = json.dumps(
                {"version": 1, "assignment": A1, "answers": answers[person.student]}, indent=1)
    return texts


def expected_points(course: Course, text: str | None, folder: Path) -> dict[str, float]:
    """grade id -> points readkit's trusted step gives this answers.json (computed here, from
    the text the learner wrote; the released notebook's rewrite choice is unchanged: 0)."""
    plan = SorterAssignment.from_course(course, A1)
    path = folder / "answers.json"
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(text, encoding="utf-8")
    grade = grade_answers(read_answers(path, A1), plan)
    points = {f"{section}-grade": value for section, value in grade.section_points.items()}
    points["rewrite-choice-grade"] = 0.0
    return points


def expected_unlabelled(course: Course, text: str | None, folder: Path) -> int:
    """How many of the assignment's Sorter sentences this answers.json leaves unlabelled."""
    plan = SorterAssignment.from_course(course, A1)
    path = folder / "answers.json"
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(text, encoding="utf-8")
    grade = grade_answers(read_answers(path, A1), plan)
    return len(plan.section_of()) - sum(1 for r in grade.results if r.labelled)


SCORES_SQL = (
    "SELECT sa.student_id, bc.name, g.auto_score FROM grade g "
    "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
    "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
    "JOIN assignment a ON sa.assignment_id = a.id "
    "JOIN base_cell bc ON g.cell_id = bc.id "
    f"WHERE a.name = '{A1}' AND bc.type = 'GradeCell' ORDER BY 1, 2")


def postgres_scores(hub: Hub) -> dict[str, dict[str, float | None]]:
    scores: dict[str, dict[str, float | None]] = {}
    for line in hub.psql(SCORES_SQL, DATABASE).splitlines():
        student, cell, score = line.split("|")
        scores.setdefault(student, {})[cell] = float(score) if score else None
    return scores


@pytest.fixture(scope="module")
def graded(hub, tmp_path_factory):
    """The class: release, the hand-ins, the refused peek, collect, two graders, report."""
    course = Course.open(ROOT)
    instructor = hub.settings.instructor
    names = hub.settings.learner_names[:CLASS]
    texts = dict(zip(names, class_answers(course).values(), strict=True))
    timings: dict[str, float] = {}

    hub.start_server(instructor)
    status, body = hub.server(instructor, "POST", f"formgrader/api/assignment/{A1}/release")
    assert status == 200 and body["success"], body

    start = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        steps = list(pool.map(lambda n: hub.hand_in(n, A1, texts[n]), names))
    timings["hand_in"] = time.perf_counter() - start
    timings["server_start_mean"] = sum(s["start"] for s in steps) / len(steps)

    inbound = hub.exchange / COURSE_ID / "inbound"
    submissions = sorted(inbound.iterdir())
    peek = peek_at_another(hub, names[0], names[1], inbound)

    status, body = hub.server(instructor, "POST", f"formgrader/api/assignment/{A1}/collect")
    assert status == 200 and body["success"], body

    # Two graders at once, each half of the class, on the one PostgreSQL gradebook.
    readkit = str(hub.env_bin / "readkit")
    halves = [names[: CLASS // 2], names[CLASS // 2:]]
    start = time.perf_counter()
    graders = [threading.Thread(target=lambda i=i: results.__setitem__(i, hub.as_instructor(
        [readkit, "autograde", A1, "--jobs", "2", *[f"--student={n}" for n in halves[i]]],
        check=False))) for i in range(2)]
    results: dict[int, subprocess.CompletedProcess] = {}
    for thread in graders:
        thread.start()
    for thread in graders:
        thread.join()
    timings["autograde"] = time.perf_counter() - start
    grade = hub.as_instructor([readkit, "grade", A1], check=False)
    report = hub.as_instructor([readkit, "report", A1], check=False)  # reads grade's record

    folder = tmp_path_factory.mktemp("expected")
    expected = {n: expected_points(course, texts[n], folder) for n in names}
    unlabelled = {n: expected_unlabelled(course, texts[n], folder) for n in names}
    print(f"hub up in {hub.started_in:.0f} s; " + ", ".join(
        f"{k} {v:.1f} s" for k, v in timings.items()), file=sys.stderr)
    return {"texts": texts, "expected": expected, "unlabelled": unlabelled,
            "submissions": submissions, "peek": peek,
            "autograde": results, "report": report, "grade": grade, "timings": timings}


def peek_at_another(hub: Hub, nosy: str, other: str, inbound: Path) -> dict[str, object]:
    """`nosy` (a real learner account, as in a terminal of their server) tries to list the
    exchange's inbound folder and to read `other`'s submission by its exact path."""
    target = next(p for p in inbound.iterdir() if p.name.startswith(f"{other}+{A1}+"))
    return {
        "target": target,
        "list": hub.as_user(nosy, ["ls", str(inbound)], check=False),
        "list_folder": hub.as_user(nosy, ["ls", str(target)], check=False),
        "read": hub.as_user(nosy, ["cat", str(target / "answers.json")], check=False),
        "write": hub.as_user(nosy, ["touch", str(target / "answers.json")], check=False),
        "own": hub.as_user(other, ["cat", str(target / "answers.json")], check=False),
    }


def test_every_learner_handed_in(hub, graded):
    names = hub.settings.learner_names[:CLASS]
    owners = sorted(p.name.split("+")[0] for p in graded["submissions"])
    assert owners == sorted(names)  # one submission each: nothing lost, nothing doubled
    for name in names:
        collected = hub.course_dir / "grading" / "submitted" / name / A1
        assert (collected / f"{NB1}.ipynb").is_file(), name
        text = graded["texts"][name]
        if text is None:
            assert not (collected / "answers.json").exists()
        else:  # the file the learner wrote, byte for byte
            assert (collected / "answers.json").read_text(encoding="utf-8") == text, name


def test_a_learner_cannot_read_another_learners_submission(graded):
    peek = graded["peek"]
    for attempt in ("list", "list_folder", "read", "write"):
        assert peek[attempt].returncode != 0, attempt
        assert "Permission denied" in peek[attempt].stderr, attempt
    assert peek["own"].returncode == 0 and '"version": 1' in peek["own"].stdout
    mode = peek["target"].stat().st_mode & 0o7777
    assert mode & 0o007 == 0, oct(mode)  # nothing for other users


def test_two_graders_autograde_the_class_on_postgresql(graded):
    for run in graded["autograde"].values():
        output = run.stdout + run.stderr
        assert run.returncode == 0, output[-3000:]
        assert f"Autograded {CLASS // 2} of {CLASS // 2} submission(s)" in output, output[-2000:]
        assert "database is locked" not in output and "FAILED" not in output


def test_the_gradebook_holds_exactly_the_expected_scores(hub, graded):
    scores = postgres_scores(hub)
    assert set(scores) == set(graded["expected"])
    wrong = [(student, cell, scores[student].get(cell), points)
             for student, expected in graded["expected"].items()
             for cell, points in expected.items()
             if scores[student].get(cell) is None
             or abs(scores[student][cell] - points) > 0.005]
    assert wrong == [], [(w, graded["texts"][w[0]] and graded["texts"][w[0]][:80]) for w in wrong]
    # the written answer of part 5 waits for the instructor (manual grading): no score yet
    assert all(set(cells) - set(graded["expected"][s]) <= {"rewrite-answer"}
               for s, cells in scores.items())
    assert hub.psql("SELECT count(*) FROM submitted_assignment sa JOIN assignment a ON "
                    f"sa.assignment_id = a.id WHERE a.name = '{A1}'", DATABASE).strip() == str(CLASS)
    assert len({sum(points.values()) for points in scores.values()}) > CLASS // 2  # a spread


def test_readkit_grade_and_report_read_the_postgresql_gradebook(hub, graded):
    grade, report = graded["grade"], graded["report"]
    assert grade.returncode == 0, grade.stdout + grade.stderr
    assert report.returncode == 0, report.stdout + report.stderr
    assert "GRADEBOOK-DIFFERS" not in grade.stdout + report.stdout
    reports = hub.course_dir / "grading" / "reports" / A1
    with (reports / "grades.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(graded["expected"])
    for student, points in graded["expected"].items():
        assert float(rows[student]["points"]) == pytest.approx(sum(points.values())), student
    # the unlabelled count of each hand-in (issue 26: 41 of 53 unlabelled went unnoticed)
    assert {s: int(row["unlabelled"]) for s, row in rows.items()} == graded["unlabelled"]
    assert len(set(graded["unlabelled"].values())) > 3  # empty, full and partial hand-ins
    assert (reports / "report" / "index.html").is_file()
    with (reports / "lms.csv").open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) >= CLASS


def test_the_formgrader_and_grades_csv_agree(hub, graded):
    """The formgrader's total of each submission and its maximum (35) are grades.csv's."""
    status, body = hub.server(hub.settings.instructor, "GET", f"formgrader/api/submissions/{A1}")
    assert status == 200, body
    formgrader = {row["student"]: (row["score"], row["max_score"]) for row in body}
    reports = hub.course_dir / "grading" / "reports" / A1
    with (reports / "grades.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(formgrader) == set(rows)
    for student, row in rows.items():
        assert formgrader[student] == (pytest.approx(float(row["points"])), 35.0), student
        assert row["max"] == "35"


def test_the_formgrader_marks_no_failed_tests_for_cells_that_ran(hub, graded):
    """Every hand-in's cells ran; most have partial credit in a Sorter part (and no sentence
    chosen for part 5): nbgrader's formgrader marked them all "Tests failed"."""
    instructor = hub.settings.instructor
    status, listed = hub.server(instructor, "GET",
                                f"formgrader/api/submitted_notebooks/{A1}/{NB1}")
    assert status == 200 and len(listed) == CLASS, listed
    assert [s["student"] for s in listed if s["failed_tests"]] == []
    below_full = [s for s, points in graded["expected"].items()
                  if sum(points.values()) < 31]  # below the autograded cells' 31 points
    assert len(below_full) == CLASS
    status, listed = hub.server(instructor, "GET",
                                f"formgrader/api/student_notebook_submissions/{below_full[0]}/{A1}")
    assert status == 200 and [s["failed_tests"] for s in listed] == [False]


def test_the_instructors_terminal_runs_the_documented_commands(hub, graded):
    """A terminal of the instructor's own server (JupyterLab's terminals API and its
    websocket, as File > New > Terminal opens one): readkit, nbgrader and jupyter are the hub
    environment's, and `readkit grade` runs in the course folder as the README says; so does
    the feedback step, for one learner: the score on the learner's feedback page is the one
    in grades.csv (and the formgrader's: above), and the page names no other machine."""
    import re

    partial = next(s for s, points in graded["expected"].items()
                   if 0 < sum(points.values()) < 31)
    output = run_in_terminal(hub, hub.settings.instructor, (
        "command -v readkit nbgrader jupyter; cd ~/readkit-course && "
        f"readkit grade {A1} && nbgrader generate_feedback {A1} --student={partial}; "
        "echo END-OF-STEPS $?"))
    env_bin = hub.env_bin
    for tool in ("readkit", "nbgrader", "jupyter"):
        assert f"{env_bin}/{tool}" in output, output[-3000:]
    assert "END-OF-STEPS 0" in output, output[-3000:]
    assert "grades.csv" in output, output[-3000:]

    with (hub.course_dir / "grading" / "reports" / A1 / "grades.csv").open(
            encoding="utf-8", newline="") as handle:
        points = next(row["points"] for row in csv.DictReader(handle)
                      if row["student"] == partial)
    page = (hub.course_dir / "grading" / "feedback" / partial / A1 / f"{NB1}.html").read_text(
        encoding="utf-8")
    score = re.search(rf"{NB1} \(Score: ([0-9.]+) / ([0-9.]+)\)", page)
    assert score, page[:2000]
    assert (float(score.group(1)), float(score.group(2))) == (pytest.approx(float(points)), 35)
    # nothing the page loads comes from another machine (nbgrader's asked a CDN for MathJax)
    assert re.findall(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="(https?:[^"]*)"',
                      page) == []


def run_in_terminal(hub: Hub, name: str, line: str, timeout: float = 300) -> str:
    """Open a terminal in `name`'s server, type `line`, return what it printed up to the
    "END-OF-STEPS <status>" it must end with."""
    import re

    import websocket  # websocket-client, as jupyter_server depends on it

    status, body = hub.server(name, "POST", "api/terminals")
    assert status == 200, body
    terminal = body["name"]
    url = f"{hub.url.replace('http', 'ws', 1)}/user/{name}/terminals/websocket/{terminal}"
    connection = websocket.create_connection(
        url, header=[f"Authorization: token {hub.api_token}"], timeout=timeout)
    output, deadline = "", time.monotonic() + timeout
    try:
        connection.send(json.dumps(["stdin", line + "\r"]))
        while not re.search(r"END-OF-STEPS \d+", output) and time.monotonic() < deadline:
            message = json.loads(connection.recv())
            if message[0] == "stdout":
                output += message[1]
    finally:
        connection.close()
        hub.server(name, "DELETE", f"api/terminals/{terminal}")
    return output


def test_learners_cannot_open_the_gradebook(hub, graded):
    learner = hub.settings.learner_names[0]
    attempt = hub.as_user(learner, [
        "psql", "-h", str(hub.pg_socket), "-p", "5432", "-U", hub.settings.instructor,
        "-d", DATABASE, "-c", "SELECT 1"], check=False)
    assert attempt.returncode != 0
    assert "Peer authentication failed" in attempt.stderr


def test_postgresql_and_sqlite_gradebooks_agree(hub, graded, tmp_path):
    """The same submissions (a third of the class, the odd files among them), autograded into
    a SQLite gradebook in a copy of the course, give the same grades cell by cell."""
    names = sorted(graded["expected"])[::3]
    names += [n for n, text in graded["texts"].items()
              if (text is None or text.endswith('"p4')) and n not in names]
    root = demo.copy_course(ROOT, tmp_path / "course")
    course = Course.open(root)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("READKIT_COURSE", None)
    demo.generate_assignment(course, A1)
    for name in names:
        shutil.copytree(hub.course_dir / "grading" / "submitted" / name / A1,
                        course.layout.submitted / name / A1)
    done = subprocess.run([sys.executable, "-m", "readkit.cli", "autograde", A1, "--jobs", "3",
                           "--course", str(root)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    connection = sqlite3.connect(root / "grading" / "gradebook.db")
    sqlite_scores: dict[str, dict[str, float | None]] = {}
    for student, cell, score in connection.execute(SCORES_SQL):
        sqlite_scores.setdefault(student, {})[cell] = score
    connection.close()
    postgres = postgres_scores(hub)
    assert sqlite_scores == {name: postgres[name] for name in names}


# --- what each kind of user sees -------------------------------------------------------------------


def test_instructor_panels_for_the_instructor_only(hub, graded):
    instructor, learner = hub.settings.instructor, hub.settings.learner_names[0]
    hub.start_server(learner)
    try:
        assert hub.server(learner, "GET", "formgrader/api/assignments")[0] == 404
        assert hub.server(learner, "GET", f"assignments?course_id={COURSE_ID}")[0] == 200
        learner_lab = hub.server(learner, "GET", "lab")[1]
        instructor_lab = hub.server(instructor, "GET", "lab")[1]
    finally:
        hub.stop_server(learner)
    status, body = hub.server(instructor, "GET", "formgrader/api/assignments")
    assert status == 200 and any(a["name"] == A1 for a in body)
    for panel in ("formgrader", "create-assignment", "course-list"):
        assert f'@jupyter/nbgrader:{panel}' in disabled_extensions(learner_lab), panel
        assert f'@jupyter/nbgrader:{panel}' not in disabled_extensions(instructor_lab), panel
    assert "@jupyter/nbgrader:assignment-list" not in disabled_extensions(learner_lab)


def disabled_extensions(lab_html: str) -> list[str]:
    start = lab_html.index('id="jupyter-config-data"')
    data = lab_html[lab_html.index(">", start) + 1: lab_html.index("</script>", start)]
    return json.loads(data).get("disabledExtensions", [])


def test_no_page_of_a_hub_server_may_be_framed(hub, graded):
    """One origin for every server: frame-ancestors 'self' would let any learner's page frame
    the instructor's server (the red team read key.csv that way). JupyterLab and the formgrader
    (readkit's policy, which also allows no inline script: docs/grading.md) say 'none'."""
    import urllib.request

    for path in ("formgrader", "formgrader/manage_assignments", "lab", "api/status"):
        request = urllib.request.Request(f"{hub.url}/user/{hub.settings.instructor}/{path}",
                                         headers={"Authorization": f"token {hub.api_token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            policy = response.headers["Content-Security-Policy"].split("; ")
            assert "frame-ancestors 'none'" in policy, (path, policy)
            assert "frame-ancestors 'self'" not in policy, (path, policy)
    status, _ = hub.server(hub.settings.instructor, "GET", "formgrader/manage_assignments")
    assert status == 200


def test_hub_listens_on_loopback_only(hub):
    listening = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
    ours = [line for line in listening.splitlines()
            if any(name in line for name in ("node", "jupyterhub", "python3", "postgres"))
            and f":{hub.settings.port}" in line]
    assert ours and all("127.0.0.1:" in line for line in ours), ours
    assert hub.psql("SHOW listen_addresses").strip() == ""


# --- a real browser through the hub ------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (as tests/browser/conftest.py: skipped without it, failed under CI)."""
    from tests.support.browser_harness import chromium, find_chromium

    if find_chromium() is None:
        message = "Chromium not found: run `make browser` or set READKIT_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with chromium() as launched:
        yield launched


@pytest.mark.browser
def test_browser_learner_labels_by_keyboard_and_submits_instructor_sees_it(hub, graded, browser):
    learner, instructor = hub.settings.learner_names[CLASS], hub.settings.instructor
    home = hub.accounts[learner].home
    # The test drives JupyterLab through window.jupyterapp: exposed for these two users only.
    hub.stop_server(instructor)
    for name in (learner, instructor):
        expose_app(hub, name)
    off_machine: list[str] = []
    page = login(browser, hub, learner, off_machine)
    try:
        # The panel the README names, through the menu a learner uses.
        page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
        page.locator(".lm-Menu-item", has_text="Assignment List").click()
        fetch = page.locator("#released_assignments_list button", has_text="Fetch")
        fetch.click(timeout=60_000)
        page.wait_for_function("() => document.querySelector('#fetched_assignments_list')"
                               f" && document.querySelector('#fetched_assignments_list')"
                               f".textContent.includes('{A1}')", timeout=60_000)
        page.evaluate("p => window.jupyterapp.commands.execute('docmanager:open', {path: p})",
                      f"{A1}/{NB1}.ipynb")
        page.wait_for_function("() => { const w = window.jupyterapp.shell.currentWidget;"
                               " return w && w.sessionContext && w.sessionContext.session &&"
                               " w.sessionContext.session.kernel &&"
                               " w.sessionContext.session.kernel.status === 'idle'; }",
                               timeout=120_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_selector(".rk-sorter .rk-unit [role='radio']", timeout=120_000)
        first = page.locator(".rk-sorter [role='radio']").first
        first_unit = first.evaluate("e => e.closest('.rk-unit').dataset.unit")
        second_unit = page.locator(".rk-sorter .rk-unit").nth(1).get_attribute("data-unit")
        first.focus()
        # One key per sentence: the label's digit (1-4, in LABELS order) labels it and the
        # focus moves on to the next sentence by itself.
        page.keyboard.press(str(LABELS.index("claim") + 1))
        page.wait_for_function("u => document.activeElement.closest('.rk-unit')"
                               ".dataset.unit === u", arg=second_unit)
        page.keyboard.press(str(LABELS.index("meta") + 1))
        wanted = {first_unit: "claim", second_unit: "meta"}
        answers = wait_for_json(home / A1 / "answers.json", wanted)
        assert answers["assignment"] == A1
        # No "get notified about news?" question over the Sorter (it comes a moment after start).
        assert "notified about official Jupyter news" not in page.inner_text("body")
        assert page.locator(".jp-Notification-Toast, .Toastify__toast").count() == 0

        page.evaluate("() => window.jupyterapp.commands.execute('nbgrader:open-assignment-list')")
        page.locator("#fetched_assignments_list button", has_text="Submit").click(timeout=60_000)
        page.wait_for_function("() => document.querySelector('#submitted_assignments_list')"
                               ".textContent.includes('" + A1 + "')", timeout=60_000)
    finally:
        page.context.close()
    inbound = hub.exchange / COURSE_ID / "inbound"
    mine = [p for p in inbound.iterdir() if p.name.startswith(f"{learner}+{A1}+")]
    assert len(mine) == 1
    assert json.loads((mine[0] / "answers.json").read_text())["answers"] == wanted

    # The instructor collects (the formgrader's Collect) and the formgrader lists it.
    hub.start_server(instructor)
    status, body = hub.server(instructor, "POST", f"formgrader/api/assignment/{A1}/collect")
    assert status == 200 and body["success"], body
    page = login(browser, hub, instructor, off_machine)
    try:
        page.goto(f"{hub.url}/user/{instructor}/formgrader/manage_submissions/{A1}")
        page.wait_for_selector(f"text={learner}", timeout=60_000)
        # A grading page: nbgrader's formgrade.js sets up the page to the end (its one MathJax
        # call answered by readkit's stand-in: no MathJax from a CDN) and the page asks
        # nothing of another machine.
        status, body = hub.server(instructor, "GET",
                                  f"formgrader/api/submitted_notebooks/{A1}/{NB1}")
        assert status == 200 and body, body
        page.goto(f"{hub.url}/user/{instructor}/formgrader/submissions/{body[0]['id']}")
        page.wait_for_function("() => window.MathJax && window.MathJax.loaded === true",
                               timeout=60_000)
        page.wait_for_selector("#notebook-container .cell", timeout=60_000)
        # Manage Students > a learner with partial credit: the notebook's row, no failed mark.
        partial = next(s for s, points in graded["expected"].items()
                       if 0 < sum(points.values()) < 31)
        page.goto(f"{hub.url}/user/{instructor}/formgrader/manage_students/{partial}/{A1}")
        page.wait_for_selector(f"tbody tr:has-text('{NB1}')", timeout=60_000)
        marks = page.evaluate("""() => {
            const heads = [...document.querySelectorAll('thead th')].map(t => t.textContent);
            const column = heads.findIndex(t => /tests failed/i.test(t));
            return [column, [...document.querySelectorAll('tbody tr')].map(row =>
                row.children[column].querySelectorAll('.glyphicon-ok').length)];
        }""")
        assert marks[0] >= 0 and marks[1] == [0], marks
        # The Lab panel (Nbgrader > Formgrader) cannot frame the formgrader (frame-ancestors
        # 'none': one origin for all servers); its button opens the formgrader in a tab.
        page.goto(f"{hub.url}/user/{instructor}/lab")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands"
                               ".hasCommand('nbgrader:open-formgrader')", timeout=120_000)
        page.evaluate("() => window.jupyterapp.commands.execute('nbgrader:open-formgrader')")
        button = page.frame_locator("#formgrader-iframe iframe").locator("#open")
        button.wait_for(timeout=60_000)
        with page.context.expect_page(timeout=60_000) as opened:
            button.click()
        tab = opened.value
        tab.wait_for_url(f"**/user/{instructor}/formgrader**", timeout=60_000)
        tab.locator("text=Manage Assignments").first.wait_for(timeout=60_000)
        tab.close()
    finally:
        page.context.close()
    assert off_machine == []  # no request from the Sorter's or the formgrader's pages left


def expose_app(hub: Hub, name: str) -> None:
    """LabApp.expose_app_in_browser in `name`'s root-owned config folder (their ~/.jupyter is
    ignored on the hub)."""
    config = hub.user_config(name) / "jupyter_server_config.json"
    data = json.loads(config.read_text()) if config.is_file() else {}
    data.setdefault("LabApp", {})["expose_app_in_browser"] = True
    config.write_text(json.dumps(data))


def login(browser, hub: Hub, name: str, off_machine: list[str] | None = None):
    """A signed-in page of `name`'s JupyterLab. Every request to another machine than
    127.0.0.1 is aborted and its URL appended to `off_machine`."""
    import urllib.parse

    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    if off_machine is not None:
        def guard(route) -> None:
            if urllib.parse.urlsplit(route.request.url).hostname in ("127.0.0.1", None):
                route.continue_()
            else:
                off_machine.append(route.request.url)
                route.abort()

        context.route(lambda url: not url.startswith(("data:", "blob:")), guard)
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", hub.settings.password)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{name}/lab**", timeout=180_000)
    # the nbgrader panels' commands exist once the lab extensions are loaded (every user has
    # the Assignment List)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands"
                           ".hasCommand('nbgrader:open-assignment-list')", timeout=120_000)
    return page


def wait_for_json(path: Path, expected: dict, timeout: float = 30) -> dict:
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        if path.is_file():
            last = json.loads(path.read_text(encoding="utf-8"))
            if last.get("answers") == expected:
                return last
        time.sleep(0.1)
    raise AssertionError(f"{path} never held {expected}; last seen: {last}")


# --- one origin: a learner serves no active page on it (red team, BROKEN-4) --------------------


def plant(hub: Hub, name: str, files: dict[str, str]) -> None:
    """Files in `name`'s home, theirs (what the learner can write with their own account)."""
    account = hub.accounts[name]
    for relative, text in files.items():
        path = account.home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for relative in files:
        for path in [account.home / relative, *(account.home / relative).parents]:
            if path == account.home:
                break
            os.chown(path, account.uid, account.gid)


def server_pid(hub: Hub, name: str) -> int:
    from readkit.hub.deploy import processes_of

    for pid in processes_of(hub.accounts[name].uid):
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            if b"jupyterhub-singleuser" in handle.read():
                return pid
    raise AssertionError(f"no server process of {name}")


@pytest.fixture(scope="module")
def planted(hub, graded):
    """The first learner, with nothing but their own account, prepares every way of making
    their server load their settings or code (the red team's ~/.jupyter first), then starts it."""
    learner = hub.settings.learner_names[0]
    home = hub.accounts[learner].home
    site = next((hub.settings.env / "lib").glob("python3*")).name  # the hub environment's
    page = "<!doctype html><script>window.__pwned = 1</script>"
    plant(hub, learner, {
        ".jupyter/jupyter_server_config.json": json.dumps(
            {"ServerApp": {"extra_static_paths": [str(home / "evil")]}}),
        "evil/evil.html": page,
        ".local/share/jupyter/labextensions/evil/static/evil.html": page,
        f".local/lib/{site}/site-packages/evil.pth":
            f"import os; open({str(home / 'pth-ran')!r}, 'w').close()\n",
        "nbgrader_config.py": f"open({str(home / 'nbgrader-config-ran')!r}, 'w').close()\n",
        "page.html": page,
    })
    hub.start_server(learner)
    status, _ = hub.server(learner, "GET", f"assignments?course_id={COURSE_ID}")
    assert status == 200  # the Assignment List, which read nbgrader_config.py from the home
    return learner


def test_a_learners_own_settings_and_code_stay_out_of_their_server(hub, planted):
    learner, home = planted, hub.accounts[planted].home
    # ~/.jupyter is ignored: the page of extra_static_paths is not served (the red team's way)
    assert hub.server(learner, "GET", "static/evil.html")[0] == 404
    # ~/.local/share/jupyter: no lab extension (nor template) of the learner's
    assert hub.server(learner, "GET", "lab/extensions/evil/static/evil.html")[0] == 404
    # ~/.local site-packages: the .pth file did not run in the server
    assert not (home / "pth-ran").exists()
    # nbgrader_config.py in the home: not executed by the Assignment List
    assert not (home / "nbgrader-config-ran").exists()
    # the learner's own processes cannot look into (or ptrace) the running server
    peek = hub.as_user(learner, ["cat", f"/proc/{server_pid(hub, learner)}/environ"],
                       check=False)
    assert peek.returncode != 0 and "Permission denied" in peek.stderr, peek


def test_a_learners_html_files_are_served_sandboxed(hub, planted):
    """/files/ (and the /view/ page's frame of it) serve a learner's HTML without an origin."""
    import urllib.request

    for path in ("files/page.html", "view/page.html"):
        request = urllib.request.Request(f"{hub.url}/user/{planted}/{path}",
                                         headers={"Authorization": f"token {hub.api_token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            policy = response.headers["Content-Security-Policy"].split("; ")
        assert "frame-ancestors 'none'" in policy, (path, policy)
        if path.startswith("files/"):
            assert "sandbox allow-scripts" in policy, policy  # no allow-same-origin


@pytest.mark.browser
def test_browser_a_page_of_another_prefix_cannot_frame_the_instructors_server(
        hub, planted, browser):
    """The red team's page, on the learner's prefix of the hub's origin (put there by the
    browser's routing: the learner's server no longer serves it), opened by the signed-in
    instructor: no page of the instructor's server loads in its frames, the Formgrader panel's
    page loads without an origin, and nothing of the instructor's is read."""
    instructor = hub.settings.instructor
    hub.start_server(instructor)
    attack = f"""<!doctype html><body><script>
    window.__result = {{}};
    const frame = (key, src) => new Promise(done => {{
      const f = document.createElement('iframe');
      f.src = src;
      f.onload = () => {{
        try {{ window.__result[key] = 'read: ' + f.contentDocument.cookie + ' '
                + f.contentDocument.body.innerText.slice(0, 60); }}
        catch (e) {{ window.__result[key] = 'refused: ' + e.name; }}
        done();
      }};
      document.body.appendChild(f);
    }});
    Promise.all([
      frame('status', '/user/{instructor}/api/status'),
      frame('lab', '/user/{instructor}/lab'),
      frame('formgrader', '/user/{instructor}/formgrader/manage_assignments'),
      frame('panel', '/user/{instructor}/formgrader'),
    ]).then(() => {{ window.__done = true; }});
    </script></body>"""
    page = login(browser, hub, instructor)
    try:
        evil = f"{hub.url}/user/{planted}/evil.html"
        page.context.route(evil, lambda route: route.fulfill(
            status=200, content_type="text/html", body=attack))
        violations: list[str] = []
        page.on("console", lambda message: violations.append(message.text))
        page.goto(evil)
        page.wait_for_function("() => window.__done === true", timeout=60_000)
        result = page.evaluate("window.__result")
    finally:
        page.context.close()
    # A blocked frame shows the browser's error page: another origin, nothing to read.
    assert all(value.startswith("refused") for value in result.values()), result
    assert sum("frame-ancestors 'none'" in text for text in violations) >= 3, violations


def test_a_learner_who_takes_their_servers_port_is_cut_off_within_seconds(hub, planted):
    """The residual risk of one origin (docs/hub.md): a learner stops their own server and
    listens on its port; the proxy sends /user/<them>/ there until the hub's poll notices."""
    import re
    import urllib.request

    learner = planted
    pid = server_pid(hub, learner)
    listening = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
    port = next(int(m.group(1)) for line in listening.splitlines()
                if f"pid={pid}," in line and (m := re.search(r"127\.0\.0\.1:(\d+)", line)))
    squat = hub.accounts[learner].home / "squat"
    plant(hub, learner, {f"squat/user/{learner}/index.html": "SQUATTED"})
    start = time.perf_counter()
    hub.as_user(learner, ["kill", "-9", str(pid)])
    squatter = subprocess.Popen(
        ["runuser", "-u", learner, "--", "/usr/bin/python3", "-m", "http.server", str(port),
         "--bind", "127.0.0.1", "--directory", str(squat)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    served, deadline = [], time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{hub.url}/user/{learner}/", timeout=10) as reply:
                    text = reply.read().decode(errors="replace")
            except OSError:
                text = ""
            if "SQUATTED" in text:
                served.append(time.perf_counter() - start)
            elif served or time.perf_counter() - start > 10:
                break
            time.sleep(0.1)
        _, user = hub.api("GET", f"/hub/api/users/{learner}")
    finally:
        squatter.kill()
        squatter.wait(timeout=30)
    noticed = time.perf_counter() - start
    print(f"squatted port served for {served[-1] if served else 0:.1f} s "
          f"({len(served)} answers); hub noticed after at most {noticed:.1f} s",
          file=sys.stderr)
    assert isinstance(user, dict) and not user.get("servers"), user  # the hub let it go
    status, text = hub.request("GET", f"/user/{learner}/")
    assert "SQUATTED" not in str(text)


# --- the stop keeps the grades; a second hub picks them up (last: they stop the hub) -------------


@pytest.fixture(scope="module")
def stopped(hub, graded):
    """The hub stopped as Ctrl-C stops it, after grading: the folder its message names."""
    import re

    before, start = len(hub.messages), time.perf_counter()
    hub.stop()
    print(f"hub stopped (grades saved) in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    said = "\n".join(hub.messages[before:])
    found = re.search(r"The class's grades are saved in (\S+)", said)
    assert found, said
    return {"said": said, "folder": Path(found.group(1))}


def test_the_stop_saves_the_grades_where_its_message_says(hub, stopped):
    folder = stopped["folder"]
    assert folder.parent == hub.settings.save_to
    reports = folder / "grading" / "reports" / A1
    for name in ("grades.csv", "lms.csv", "scores.json", "report/index.html"):
        assert (reports / name).is_file(), name
    with (reports / "grades.csv").open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == CLASS
    assert len(list((folder / "grading" / "submitted").iterdir())) == CLASS + 1
    dump = (folder / "gradebook.sql").read_text(encoding="utf-8")
    assert "COPY public.grade " in dump and "COPY public.submitted_assignment " in dump
    assert f"make hub RESUME={folder}" in stopped["said"]
    assert f"make hub RESUME={folder}" in (folder / "README.txt").read_text()
    # the teacher's (the course repository's owner), and no one else's
    owner = ROOT.stat().st_uid
    assert all(p.stat().st_uid == owner for p in [folder, *folder.rglob("*")])
    assert folder.stat().st_mode & 0o077 == 0
    # and the class itself is gone: accounts, the state folder
    assert subprocess.run(["id", hub.settings.instructor], capture_output=True).returncode != 0
    assert not hub.state.exists()


def test_a_second_hub_resumes_the_saved_class(hub, graded, stopped):
    """`readkit hub --resume FOLDER` (make hub RESUME=FOLDER): the saved grading/ and the
    gradebook come back; `readkit grade` gives the same grades.csv. (The services only: no
    JupyterHub needed to show it.)"""
    saved = stopped["folder"]
    prefix = hub.settings.prefix  # the same accounts, as `make hub` makes them
    settings = HubSettings(course=ROOT, learners=1, prefix=prefix, env=hub.settings.env,
                           state=Path(f"/tmp/readkit-hub-test-{prefix}-resumed"), resume=saved)
    second = Hub(settings, say=lambda line: print(line, file=sys.stderr))
    try:
        second.start(jupyterhub=False)
        scores = postgres_scores(second)
        assert set(scores) == set(graded["expected"])
        assert all(scores[s][cell] == pytest.approx(points)
                   for s, expected in graded["expected"].items()
                   for cell, points in expected.items())
        grade = second.as_instructor([str(second.env_bin / "readkit"), "grade", A1])
        assert "GRADEBOOK-DIFFERS" not in grade.stdout
        # Every row graded before the stop, the same again; the browser learner's hand-in
        # (collected after that grading, never autograded) is back too, waiting for autograde.
        reports = "grading/reports/" + A1 + "/grades.csv"
        before = (saved / reports).read_text(encoding="utf-8").splitlines()
        after = (second.course_dir / reports).read_text(encoding="utf-8").splitlines()
        assert len(before) == CLASS + 1 and set(before) <= set(after)
        late = hub.settings.learner_names[CLASS]
        assert [row.split(",")[0] for row in after if row not in before] == [late]
        assert "not-autograded" in after[-1]
    finally:
        second.stop()
    assert not settings.state.exists()
