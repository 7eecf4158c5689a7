"""A whole class on JupyterHub (readkit.hub.deploy, `make hub`), end to end, as root.

One hub for the module: 31 learners and an instructor as real system users, the PostgreSQL
gradebook, nbgrader's exchange. Through the hub's REST API and nbgrader's server endpoints:
the instructor releases 01 (formgrader API); 30 learners each start their server, fetch, write
answers.json (the demo's seeded learner model: strong and weak learners, one corrupt file, one
without answers.json, empty ones) and submit; one learner tries to read another's submission and
is refused; the instructor collects (formgrader API), two graders autograde at the same time
against PostgreSQL, `readkit report` and `readkit grade` run; the gradebook holds exactly the 30
expected scores, and the same submissions graded with a SQLite gradebook give the same grades.
Then a real browser: learner 31 logs in, fetches from the Assignments panel, labels sentences
by keyboard (one digit key per sentence) in the Sorter and submits; the instructor's
formgrader lists that submission and its JupyterLab panel shows the formgrader in a frame.

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
    Hub,
    HubSettings,
    free_port,
    missing_requirements,
)

pytestmark = [pytest.mark.hub, pytest.mark.nbgrader, pytest.mark.sandbox]

ROOT = Path(__file__).resolve().parents[1]
A1, NB1 = "01-sort-the-sources", "sort-the-sources"
CLASS = 30  # learners through the REST API; one more signs in with the browser
SEED = 1606


def _require_setup() -> None:
    problems = missing_requirements(ROOT)
    if problems:
        message = "the hub test needs: " + "; ".join(problems) + " (make test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def hub():
    _require_setup()
    prefix = "rkt" + secrets.token_hex(2)
    state = Path(f"/tmp/readkit-hub-test-{prefix}")
    settings = HubSettings(course=ROOT, learners=CLASS + 1, prefix=prefix, port=free_port(),
                           state=state)
    started = time.perf_counter()
    with Hub(settings, say=lambda line: print(line, file=sys.stderr)) as running:
        running.started_in = time.perf_counter() - started
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
    """The class: release, 30 hand-ins, the refused peek, collect, two graders, report."""
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
    print(f"hub up in {hub.started_in:.0f} s; " + ", ".join(
        f"{k} {v:.1f} s" for k, v in timings.items()), file=sys.stderr)
    return {"texts": texts, "expected": expected, "submissions": submissions, "peek": peek,
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
        assert "Autograded 15 of 15 submission(s)" in output, output[-2000:]
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
                    f"sa.assignment_id = a.id WHERE a.name = '{A1}'", DATABASE).strip() == "30"
    assert len({sum(points.values()) for points in scores.values()}) > 10  # a real spread


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
    assert (reports / "report" / "index.html").is_file()
    with (reports / "lms.csv").open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) >= CLASS


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


def test_formgrader_may_be_framed_by_its_own_server(hub, graded):
    """nbgrader issues 1870/1910/1919: behind JupyterHub >= 4.1 the formgrader panel is blank
    unless the single-user server allows frame-ancestors 'self'."""
    import urllib.request

    request = urllib.request.Request(f"{hub.url}/user/{hub.settings.instructor}/formgrader",
                                     headers={"Authorization": f"token {hub.api_token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        # (readkit's formgrader policy, which also allows no inline script: docs/grading.md)
        policy = response.headers["Content-Security-Policy"].split("; ")
        assert "frame-ancestors 'self'" in policy and "object-src 'none'" in policy


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
    page = login(browser, hub, learner)
    try:
        page.evaluate("() => window.jupyterapp.commands.execute('nbgrader:open-assignment-list')")
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
    page = login(browser, hub, instructor)
    try:
        page.goto(f"{hub.url}/user/{instructor}/formgrader/manage_submissions/{A1}")
        page.wait_for_selector(f"text={learner}", timeout=60_000)
        # The Lab panel shows the formgrader in a frame of the same server (CSP 'self').
        page.goto(f"{hub.url}/user/{instructor}/lab")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands"
                               ".hasCommand('nbgrader:open-formgrader')", timeout=120_000)
        page.evaluate("() => window.jupyterapp.commands.execute('nbgrader:open-formgrader')")
        frame = page.frame_locator("iframe").first
        frame.locator("text=Manage Assignments").first.wait_for(timeout=60_000)
    finally:
        page.context.close()


def expose_app(hub: Hub, name: str) -> None:
    account = hub.accounts[name]
    config = account.home / ".jupyter" / "jupyter_server_config.json"
    config.parent.mkdir(exist_ok=True)
    data = json.loads(config.read_text()) if config.is_file() else {}
    data.setdefault("LabApp", {})["expose_app_in_browser"] = True
    config.write_text(json.dumps(data))
    os.chown(config.parent, account.uid, os.stat(account.home).st_gid)
    os.chown(config, account.uid, os.stat(account.home).st_gid)


def login(browser, hub: Hub, name: str):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", hub.settings.password)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{name}/lab**", timeout=180_000)
    # the nbgrader panels' commands exist once the lab extensions are loaded (every user has
    # the Assignments panel)
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
