"""The hub's settings without a hub (fast, no root): the JupyterHub config template, the
settings' checks, private submissions, and that a second `readkit hub` never removes the first."""

import json
import os
import stat
from pathlib import Path

import pytest
from traitlets.config import Config

from readkit.hub import deploy as hub_module
from readkit.hub.deploy import Hub, HubError, HubSettings
from readkit.nbgrader.exchange import narrow, private_copy

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "src" / "readkit" / "hub" / "config"


def load_config(name: str, tmp_path: Path, monkeypatch, settings: dict | None = None) -> Config:
    config = Config()
    if settings is not None:
        path = tmp_path / "settings.json"
        path.write_text(json.dumps(settings))
        monkeypatch.setenv("READKIT_HUB_SETTINGS", str(path))
    source = (HERE / name).read_text()
    exec(compile(source, name, "exec"), {"get_config": lambda: config})  # noqa: S102
    return config


SETTINGS = {
    "port": 8123, "hub_port": 8124, "proxy_api_port": 8125, "proxy": "/x/chp", "proxy_token": "p",
    "env": "/opt/readkit-hub/env", "hub_state": "/srv/h", "instructor": "rk-instructor",
    "learners": ["rk-learner01", "rk-learner02"], "password": "s3cret-shared", "api_token": "t",
    "exchange": "/srv/x", "course_id": "readkit", "user_config": "/srv/h/user-config",
}


def test_jupyterhub_config_is_loopback_real_users_and_the_right_roles(tmp_path, monkeypatch):
    c = load_config("jupyterhub_config.py", tmp_path, monkeypatch, SETTINGS)
    assert c.JupyterHub.ip == c.JupyterHub.hub_ip == "127.0.0.1"
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:8125"
    assert c.JupyterHub.spawner_class == "jupyterhub.spawner.LocalProcessSpawner"
    assert c.Spawner.cmd == ["/opt/readkit-hub/env/bin/jupyterhub-singleuser"]
    assert c.Spawner.environment["PATH"].startswith("/opt/readkit-hub/env/bin:")
    assert "/root" not in c.Spawner.environment["PATH"]
    assert c.Authenticator.allowed_users == {"rk-instructor", "rk-learner01", "rk-learner02"}
    assert c.Authenticator.admin_users == set()
    assert c.SharedPasswordAuthenticator.user_password == "s3cret-shared"
    assert c.JupyterHub.load_groups["formgrade-readkit"]["users"] == ["rk-instructor"]
    roles = {role["name"]: role for role in c.JupyterHub.load_roles}
    assert all(len(name) >= 3 for name in roles)
    assert "admin:users" not in roles["readkit-driver"]["scopes"]
    assert c.JupyterHub.cleanup_servers is True


def test_no_server_may_be_framed_and_learners_submit_privately(tmp_path, monkeypatch):
    server = load_config("jupyter_server_config.py", tmp_path, monkeypatch)
    headers = server.ServerApp.tornado_settings["headers"]
    # one origin for every server: 'self' would be every learner's page (red team, BROKEN-4)
    assert headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert server.KernelManager.transport == "ipc"  # no kernel ports for other users
    monkeypatch.setenv("READKIT_EXCHANGE", "/srv/x")
    nbgrader = load_config("nbgrader_config.py", tmp_path, monkeypatch)
    assert nbgrader.Exchange.root == "/srv/x"
    assert nbgrader.ExchangeFactory.submit == "readkit.nbgrader.exchange.PrivateSubmit"


def test_no_users_own_settings_or_code_reach_their_server(tmp_path, monkeypatch):
    from types import SimpleNamespace

    c = load_config("jupyterhub_config.py", tmp_path, monkeypatch, SETTINGS)
    assert c.Spawner.disable_user_config is True
    environment = c.Spawner.environment
    assert environment["PYTHONNOUSERSITE"] == "1"
    spawner = SimpleNamespace(user=SimpleNamespace(name="rk-learner02"))
    assert environment["JUPYTER_CONFIG_PATH"](spawner) == "/srv/h/user-config/rk-learner02"
    passed = set(c.Spawner.env_keep) | set(environment)
    assert not {"PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "JUPYTER_PATH",
                "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "LD_PRELOAD"} & passed
    assert c.Spawner.poll_interval <= 5  # a squatted port is routed until the hub polls


def test_formgrader_pages_follow_the_servers_framing_rule():
    from readkit.nbgrader.formgrader import policy

    hub = {"headers": {"Content-Security-Policy": "frame-ancestors 'none'"}}
    assert policy.frame_ancestors_of(hub) == "'none'"
    assert policy.frame_ancestors_of({}) == "'self'"  # make lab-instructor: one user, no hub
    page = policy.policy_for("/user/i/formgrader/manage_assignments", "http://h", "/user/i/",
                             policy.frame_ancestors_of(hub)).split("; ")
    assert "frame-ancestors 'none'" in page and "frame-ancestors 'self'" not in page


def test_outside_home_drops_every_path_in_the_home(tmp_path, monkeypatch):
    from readkit.hub.singleuser import outside_home

    home = tmp_path / "home"
    (home / ".jupyter").mkdir(parents=True)
    (home / "link").symlink_to(home / ".jupyter")
    monkeypatch.setenv("HOME", str(home))
    paths = [str(home), ["/etc/jupyter", [str(home / ".jupyter"), str(home / "link")]],
             "/opt/env/etc/jupyter"]
    assert outside_home(paths) == ["/etc/jupyter", "/opt/env/etc/jupyter"]


NBGRADER_IN_A_HOME = """
import os, sys
from nbgrader.server_extensions.assignment_list import handlers
if sys.argv[1] == "patched":
    from readkit.hub.singleuser import nbgrader_reads_no_home_config
    nbgrader_reads_no_home_config()
app = handlers.NbGrader()
app.config_file_paths.append([os.getcwd()])
app.load_config_file()
print(os.path.exists("ran"), "course_id" in app.config.CourseDirectory)
"""


@pytest.mark.slow  # a Jupyter server's nbgrader handlers, started for real
def test_nbgrader_handlers_execute_no_nbgrader_config_from_the_home(tmp_path):
    """The Assignment List builds an NbGrader app per request in the learner's home: nbgrader
    executes ./nbgrader_config.py there (Python of the learner's, inside their server)."""
    import subprocess
    import sys

    home = tmp_path / "home"
    home.mkdir()
    (home / "nbgrader_config.py").write_text(
        "open('ran', 'w').close()\nc.CourseDirectory.course_id = 'learners'\n")
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    runs = {how: subprocess.run([sys.executable, "-c", NBGRADER_IN_A_HOME, how], cwd=home,
                                env=env, capture_output=True, text=True, check=True).stdout
            for how in ("unpatched", "patched") if not (home / "ran").unlink(missing_ok=True)}
    assert runs["unpatched"].split() == ["True", "True"]  # what a learner's file did
    assert runs["patched"].split() == ["False", "False"]


def test_the_hub_server_process_is_not_dumpable():
    import subprocess
    import sys

    code = ("import ctypes; from readkit.hub.singleuser import not_dumpable; "
            "print(not_dumpable(), ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))")  # PR_GET_DUMPABLE
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["True", "0"]


def test_the_formgrader_panel_gets_a_page_without_origin_that_opens_a_tab():
    """A frame load of <base>formgrader (what the panel asks for) gets readkit's page, in a
    sandbox without allow-same-origin; every other request reaches the formgrader."""
    import asyncio
    import base64
    import hashlib
    import re

    from tornado.httpclient import AsyncHTTPClient
    from tornado.web import Application, RequestHandler

    from readkit.hub.singleuser import panel_policy, serve_panel_page

    class Formgrader(RequestHandler):
        def get(self) -> None:
            self.finish("FORMGRADER")

    async def fetch_both():
        app = Application([(r"/user/i/formgrader/?", Formgrader)], base_url="/user/i/")
        serve_panel_page(app)
        server = app.listen(0, "127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        client = AsyncHTTPClient()
        url = f"http://127.0.0.1:{port}/user/i/formgrader"
        try:
            framed = await client.fetch(url, headers={"Sec-Fetch-Dest": "iframe"})
            opened = await client.fetch(url, headers={"Sec-Fetch-Dest": "document"})
        finally:
            server.stop()
        return framed, opened

    framed, opened = asyncio.run(fetch_both())
    assert opened.body == b"FORMGRADER"
    page = framed.body.decode()
    assert "Open the formgrader" in page and 'data-url="/user/i/formgrader"' in page
    policy = framed.headers["Content-Security-Policy"]
    assert policy == panel_policy()
    directives = policy.split("; ")
    assert "sandbox allow-scripts" in directives  # no allow-same-origin, no allow-popups
    assert not any("allow-same-origin" in d or "allow-popups" in d for d in directives)
    script = re.search(r"<script>(.*)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in directives  # the page's only script runs


def test_settings_refuse_bad_names_and_counts(tmp_path):
    with pytest.raises(HubError, match="--learners"):
        HubSettings(course=ROOT, learners=0)
    with pytest.raises(HubError, match="--prefix"):
        HubSettings(course=ROOT, prefix="Root;rm")
    names = HubSettings(course=ROOT, learners=3, prefix="ab").learner_names
    assert names == ["ab-learner01", "ab-learner02", "ab-learner03"]


def test_private_copy_and_narrow_leave_nothing_for_others(tmp_path):
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "answers.json").write_text("{}")
    (source / "sub" / "notes.txt").write_text("x")
    (source / "skip.me").write_text("x")
    dest = tmp_path / "inbound" / "learner+01+time+random"
    dest.parent.mkdir()
    private_copy(str(source), str(dest), lambda folder, names: {"skip.me"} & set(names))
    narrow(str(dest))
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*")) == [
        "answers.json", "sub", "sub/notes.txt"]
    for path in [dest, *dest.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o007 == 0, path


def test_a_second_hub_on_a_taken_state_folder_removes_nothing(tmp_path, monkeypatch):
    state = tmp_path / "state"
    state.mkdir()
    record = {"users": ["someone-else"], "processes": [os.getpid()]}
    (state / "made.json").write_text(json.dumps(record))
    removed = []
    monkeypatch.setattr(hub_module, "remove_user", removed.append)
    monkeypatch.setattr(hub_module, "_kill_group", removed.append)
    monkeypatch.setattr(hub_module, "missing_requirements", lambda root: [])
    second = Hub(HubSettings(course=ROOT, state=state), say=lambda line: None)
    with pytest.raises(HubError, match="was not stopped"):
        with second:
            pass
    assert removed == []
    assert json.loads((state / "made.json").read_text()) == record


# --- issue 26: the terminal, the news question, the next steps, the saved class -----------------


def test_every_terminal_puts_the_hub_environment_first_after_the_login_profiles(
        tmp_path, monkeypatch):
    """JupyterLab's terminal is a login shell, whose /etc/profile resets PATH: the shell
    command reads the profiles, then puts the environment's bin/ first (run here for real)."""
    import subprocess
    import sys

    server = load_config("jupyter_server_config.py", tmp_path, monkeypatch)
    command = server.ServerApp.terminado_settings["shell_command"]
    assert command[:3] == ["/bin/bash", "-l", "-c"]
    assert f"{sys.prefix}/bin" in command[3]
    # the same command, asked to print PATH instead of handing over to an interactive shell
    probe = command[3].replace("exec /bin/bash -i", 'printf %s "$PATH"')
    done = subprocess.run(["/bin/bash", "-l", "-c", probe], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.stdout.split(":")[0] == f"{sys.prefix}/bin", done.stdout
    assert server.LabApp.news_url is None
    assert server.LabApp.check_for_updates_class == "jupyterlab.NeverCheckForUpdate"


def test_the_environment_asks_no_news_question_and_loads_no_cdn_mathjax(tmp_path):
    env = tmp_path / "env"
    hub_module._configure_environment(env)
    etc = env / "etc" / "jupyter"
    overrides = json.loads((etc / "labconfig" / "default_setting_overrides.json").read_text())
    assert overrides == {"@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false", "checkForUpdates": False}}
    template = env / "share/jupyter/nbconvert/templates/feedback/mathjax.html.j2"
    assert "macro mathjax" in template.read_text() and "http" not in template.read_text()


def test_feedback_and_the_submission_page_render_without_a_cdn(tmp_path, monkeypatch):
    """A learner's feedback page (nbgrader's feedback template, the hub's mathjax.html.j2 on
    the Jupyter path) and the formgrader's submission page (readkit's exporter) name no URL of
    another machine; the submission page loads the stand-in for formgrade.js's MathJax call
    (without it, formgrade.js stopped before it registered its keyboard shortcuts)."""
    import re

    import nbformat
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    from readkit.nbgrader.formgrader import pages

    hub_module._configure_environment(tmp_path / "env")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "env" / "share" / "jupyter"))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("a $x$")])
    resources = {"base_url": "/user/t", "submission_id": "1", "notebook_id": "n",
                 "assignment_id": "a", "index": 0, "total": 1,
                 "nbgrader": {"notebook": "n", "score": 1, "max_score": 2, "late_penalty": 0}}
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    # as nbgrader's generate_feedback sets it (the feedback page inlines bootstrap.min.css)
    config.HTMLExporter.extra_template_paths = [
        f"{handlers.static_path}/node_modules/bootstrap/dist/css"]
    feedback, _ = HTMLExporter(config=config).from_notebook_node(notebook, resources=resources)
    formgrade = Config()
    formgrade.HTMLExporter.template_name = "formgrade"
    formgrade.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    page, _ = pages.submission_exporter(formgrade, handlers.template_path).from_notebook_node(
        notebook, resources=dict(resources))
    for html in (feedback, page):
        assert re.findall(r'(?:src|href)="(https?:[^"]*)"', html) == []
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts.index("/user/t/readkit/formgrader/static/typesetting_stand_in.js") \
        < scripts.index("/user/t/formgrader/static/js/formgrade.js")


def test_the_next_steps_name_every_step_and_docs_hub_md_has_the_same_commands():
    steps = hub_module.next_steps("rk-instructor", "01-sort-the-sources")
    commands = [line.split("#")[0].strip() for line in steps.splitlines()
                if line.strip().startswith(("cd ", "nbgrader ", "readkit "))]
    assert commands == [
        "cd ~/readkit-course", "nbgrader release_assignment 01-sort-the-sources",
        "nbgrader collect 01-sort-the-sources", "readkit autograde 01-sort-the-sources --jobs 4",
        "readkit grade 01-sort-the-sources", "readkit report 01-sort-the-sources",
        "nbgrader generate_feedback 01-sort-the-sources",
        "nbgrader release_feedback 01-sort-the-sources"]
    assert "Nbgrader > Assignment List > Fetch" in steps
    assert "File > New > Terminal" in steps
    docs = (ROOT / "docs" / "hub.md").read_text()
    for command in commands:
        assert command in docs, command
    # the start message names the course's first assignment: the pre-test comes first
    # (docs/teacher-guide.md), and the steps are the same for it
    assert hub_module.first_assignment(ROOT) == "00-pre-test"


def test_no_learner_facing_text_names_a_panel_the_interface_does_not_have():
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md"),
                 ROOT / "lessons" / "README.md", ROOT / "exercises" / "README.md"]:
        assert "Assignments panel" not in path.read_text(), path
        assert "*Assignments* panel" not in path.read_text(), path
    # the Sorter's hand-in help, shown to every learner
    from readkit.widgets.handin import HELP
    assert "Assignments panel" not in HELP and "Nbgrader > Assignment List > Submit" in HELP
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### A class on JupyterHub"):]
    assert "as root" in section and "Nbgrader > Assignment List" in readme
    assert "/opt/readkit-hub/env" in section and "700 MB" in section


def test_a_saved_class_holds_plain_files_only_and_is_the_teachers(tmp_path):
    from readkit.hub import keep

    course = tmp_path / "course"
    reports = course / "grading" / "reports" / "a1"
    reports.mkdir(parents=True)
    (reports / "grades.csv").write_text("student,points\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("not the class's")
    (course / "grading" / "link").symlink_to(secret)
    (reports / "linked-folder").symlink_to(tmp_path)
    os.mkfifo(course / "grading" / "pipe")
    owner = (os.getuid(), os.getgid())
    folder, skipped = keep.save_class(course, tmp_path / "saved", "-- dump\n", owner)
    assert sorted(skipped) == ["link", "pipe", "reports/a1/linked-folder"]
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        "README.txt", "gradebook.sql", "grading", "grading/reports", "grading/reports/a1",
        "grading/reports/a1/grades.csv"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert f"make hub RESUME={folder}" in (folder / "README.txt").read_text()
    assert keep.saved_class_problem(folder) is None
    second, _ = keep.save_class(course, tmp_path / "saved", None, owner)
    assert second != folder and not (second / "gradebook.sql").exists()
    assert "no grading/" in keep.saved_class_problem(tmp_path)
    with pytest.raises(HubError, match="--resume: .* no grading/"):
        HubSettings(course=ROOT, resume=tmp_path)


def test_a_stop_that_cannot_save_the_grades_removes_none_of_them(tmp_path, monkeypatch):
    """Saving fails (here: the folder to save into is a file): the instructor's account and
    the state folder stay, the message says where the grades are and what to run."""
    state = tmp_path / "state"
    course = tmp_path / "home" / "readkit-course"
    (course / "grading").mkdir(parents=True)
    (tmp_path / "not-a-folder").write_text("")
    state.mkdir()
    record = {"users": ["rk-instructor", "rk-learner01"], "processes": [],
              "course": str(course), "instructor": "rk-instructor",
              "save_to": str(tmp_path / "not-a-folder"), "owner": [os.getuid(), os.getgid()]}
    (state / "made.json").write_text(json.dumps(record))
    removed, said = [], []
    monkeypatch.setattr(hub_module, "remove_user", removed.append)
    hub = Hub(HubSettings(course=ROOT, state=state), say=said.append)
    hub.owns_state = True
    hub.stop()
    assert removed == ["rk-learner01"]
    assert state.is_dir()
    assert json.loads((state / "made.json").read_text())["users"] == ["rk-instructor"]
    assert "could not save the class's grades" in said[-1]
    assert f"readkit hub --clean --state {state}" in said[-1]


def test_the_formgrader_marks_failed_tests_only_for_cells_with_tests(tmp_path, monkeypatch):
    """readkit.nbgrader.formgrader's failed_tests: on a server with nbgrader's formgrader (the
    instructor's), its two lists answer nbgrader's URLs in front of nbgrader's, whichever
    extension loads first, and readkit's own cells (Sorter parts, the choice) never count as
    failed tests, whatever their partial credit; other cells keep nbgrader's rule. A server
    without nbgrader's formgrader (a learner's) gets no such route."""
    from jupyter_server.serverapp import ServerApp
    from tornado.httputil import HTTPServerRequest

    from readkit.course.course import Course
    from readkit.nbgrader.formgrader import failed_tests

    ours = failed_tests.readkit_scored_cells(Course.open(ROOT), "01-sort-the-sources")
    assert ours == {"part-1-grade", "part-2-grade", "part-3-grade",
                    "rewrite-choice-grade"}
    assert failed_tests.readkit_scored_cells(Course.open(ROOT), "02-trace-the-numbers") == set()
    listed = [{"id": "a", "failed_tests": True}, {"id": "b", "failed_tests": True},
              {"id": None, "failed_tests": False}]
    failed = {"a": {"part-2-grade", "rewrite-choice-grade"}, "b": {"part-1-grade", "x-test"}}
    assert [s["failed_tests"] for s in failed_tests.recount_failed_tests(listed, failed, ours)] \
        == [False, True, False]

    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    (tmp_path / "nbgrader_config.py").write_text(f"c = get_config()\n"
                                                 f"c.CourseDirectory.root = {str(tmp_path)!r}\n")
    paths = ("/formgrader/api/submitted_notebooks/a/n",
             "/formgrader/api/student_notebook_submissions/s/a", "/formgrader/api/assignments")
    handlers = {}
    for instructor in (True, False):
        app = ServerApp()
        app.initialize([
            "--ServerApp.jpserver_extensions={'readkit.nbgrader.formgrader': True, "
            f"'nbgrader.server_extensions.formgrader': {instructor}}}",
            f"--ServerApp.root_dir={tmp_path}", "--ServerApp.open_browser=False", "--allow-root"],
            new_httpserver=False)  # routes only: no port bound later on the shared event loop
        found = [app.web_app.find_handler(HTTPServerRequest(
            method="GET", uri=path, headers={"Host": "127.0.0.1"})).handler_class
            for path in paths]
        handlers[instructor] = [getattr(h, "__name__", "") for h in found]
    assert handlers[True] == ["SubmittedNotebooks", "StudentNotebookSubmissions",
                              "AssignmentCollectionHandler"]
    assert "SubmittedNotebooks" not in handlers[False]


def test_the_start_message_gives_the_next_steps_and_the_stop_what_stays(
        tmp_path, monkeypatch, capsys):
    """`readkit hub`'s own messages (the hub itself replaced by a stand-in that is up at once
    and whose JupyterHub has already exited; tests/test_hub.py runs the real one)."""
    import argparse

    class UpAndGone:
        def __init__(self, settings, say):
            self.settings, self.url, self.process = settings, "http://127.0.0.1:8123", None
            self.course_dir, self.pg_socket, self.exchange = Path("/c"), Path("/s"), Path("/x")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def log_tail(self):
            return ""

    monkeypatch.setattr(hub_module, "Hub", UpAndGone)
    args = argparse.Namespace(clean=False, course=ROOT, learners=2, prefix="rk", port=8123,
                              state=tmp_path / "state", env=tmp_path / "env", save_to=None,
                              resume=None)
    assert hub_module.run(args) == 1
    out = capsys.readouterr().out
    assert "nbgrader release_assignment 00-pre-test" in out
    assert "Nbgrader > Assignment List > Fetch" in out
    assert f"the grades are saved into {ROOT / 'hub-grades'} first" in out
    assert f"The hub environment ({tmp_path / 'env'}, about 700 MB) stays on purpose" in out


def test_clean_with_discard_grades_removes_a_class_it_cannot_save(tmp_path, monkeypatch):
    state = tmp_path / "state"
    course = tmp_path / "home" / "readkit-course"
    (course / "grading").mkdir(parents=True)
    (tmp_path / "not-a-folder").write_text("")
    state.mkdir()
    (state / "made.json").write_text(json.dumps({
        "users": ["rk-instructor"], "processes": [], "course": str(course),
        "instructor": "rk-instructor", "save_to": str(tmp_path / "not-a-folder"),
        "owner": [os.getuid(), os.getgid()]}))
    removed, said = [], []
    monkeypatch.setattr(hub_module, "remove_user", removed.append)
    hub_module.clean(state, said.append)
    assert removed == [] and state.is_dir() and "Kept what holds the grades" in said[-1]
    hub_module.clean(state, said.append, discard_grades=True)
    assert removed == ["rk-instructor"] and not state.exists()
    assert said[-1] == f"Removed the hub recorded in {state}."
