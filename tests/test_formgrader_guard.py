"""readkit.nbgrader.formgrader, without a browser: the policy each formgrader response gets,
nbgrader's pages as readkit renders them (escaped, no inline script or handler: what the policy
allows), the submission page's exporter, and that installing readkit enables the extension.
tests/browser/test_formgrader_safety.py runs all of it in Chromium against hostile hand-ins."""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from nbgrader.server_extensions.formgrader.handlers import template_path
from traitlets.config import Config

from readkit.nbgrader import formgrader
from readkit.nbgrader.formgrader import pages, policy
from tests.test_safe_html import active_parts, hostile_notebook

BASE = "/user/teacher"
ORIGIN = "http://hub.example:8000"
SVG_ID = "<svg onload=window.name+='|id-svg'>"
JS_ID = 'rk";window.name+="|id-js";"'
ALLOWED_SCRIPTS = (f"{BASE}/formgrader/static/", f"{BASE}/readkit/formgrader/static/")


class Page(HTMLParser):
    """The scripts, handlers and data-globals of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.scripts, self.handlers, self.globals = [], [], {}
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [f"{tag} {name}" for name in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append(attrs.get("src"))
            self._in_script = True
            if "data-globals" in attrs:
                self.globals.update(json.loads(attrs["data-globals"]))

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.scripts.append(f"inline: {data.strip()[:60]}")


def assert_runs_under_the_policy(page: Page) -> None:
    assert page.handlers == []
    assert page.scripts and all(src and src.startswith(ALLOWED_SCRIPTS) for src in page.scripts), \
        page.scripts


@pytest.mark.parametrize("path, expected", [
    (f"{BASE}/formgrader/manage_students", "page"),
    (f"{BASE}/formgrader/manage_students/%3Csvg%3E/01", "page"),
    (f"{BASE}/formgrader/submissions/abc123/", "page"),
    (f"{BASE}/formgrader/submissions/abc123", "page"),
    (f"{BASE}/formgrader/submissions/abc123/next_incorrect", "page"),
    (f"{BASE}/formgrader/submissions/abc123/prev/", "page"),
    (f"{BASE}/formgrader/submissions/abc123/evil.html", "learner file"),
    (f"{BASE}/formgrader/submissions/abc123/data/figure.svg", "learner file"),
    (f"{BASE}/formgrader/api/grade/1", "page"),
    (f"{BASE}/lab", None),
    (f"{BASE}/files/grading/autograded/x/evil.html", None),
    ("/formgrader/manage_students", None),  # another server's base URL
])
def test_policy_of_each_response(path, expected):
    found = policy.policy_for(path, ORIGIN, BASE + "/")
    if expected is None:
        assert found is None
    elif expected == "learner file":
        assert found == policy.LEARNER_FILE_POLICY and found.startswith("sandbox;")
    else:
        directives = dict(part.split(" ", 1) for part in found.split("; "))
        assert directives["script-src"] == (f"{ORIGIN}{BASE}/formgrader/static/ "
                                            f"{ORIGIN}{BASE}/readkit/formgrader/static/")
        assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
        assert directives["frame-ancestors"] == "'self'"
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-eval'" not in found


PAGES = {
    "manage_assignments.tpl": {"url_prefix": "course", "windows": False, "course_id": "readkit",
                               "exchange": "/x", "exchange_missing": False,
                               "current_config": '{"a": "</pre><script>x()</script>"}',
                               "default_timezone": "+0000"},
    "manage_submissions.tpl": {"course_dir": "/c", "assignment_id": "01-sort-the-sources"},
    "gradebook_assignments.tpl": {},
    "gradebook_notebooks.tpl": {"assignment_id": "01-sort-the-sources"},
    "gradebook_notebook_submissions.tpl": {"assignment_id": "01", "notebook_id": "nb"},
    "manage_students.tpl": {},
    "manage_students_assignments.tpl": {"student_id": SVG_ID},
    "manage_students_notebook_submissions.tpl": {"student_id": JS_ID, "assignment_id": "01"},
    "base_403.tpl": {"error_code": 403},
    "base_500.tpl": {"error_code": 500},
}


def test_every_nbgrader_page_is_covered():
    """A formgrader template of a newer nbgrader that this test does not render fails here."""
    theirs = {p.name for p in Path(template_path).glob("*.tpl")}
    assert theirs - set(PAGES) == {"base.tpl", "gradebook_base.tpl", "manage_students_base.tpl",
                                   "formgrade_404.tpl"}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_nbgrader_pages_render_escaped_without_inline_script(name):
    environment = pages.template_environment(template_path)
    html = environment.get_template(name).render(base_url=BASE, **PAGES[name])
    page = Page(html)
    assert_runs_under_the_policy(page)
    assert page.globals["base_url"] == BASE
    for key in ("student_id", "assignment_id", "notebook_id", "url_prefix", "default_timezone"):
        if key in PAGES[name]:
            assert page.globals[key] == PAGES[name][key], key
    assert "<svg onload" not in html and 'rk";window' not in html
    assert "<script>x()" not in html


def test_without_readkit_the_student_id_page_runs_it():
    """Why: nbgrader's own environment puts the id into the page as markup and into its
    inline script as code."""
    from jinja2 import Environment, FileSystemLoader

    theirs = Environment(loader=FileSystemLoader(template_path))
    html = theirs.get_template("manage_students_assignments.tpl").render(
        base_url=BASE, student_id=SVG_ID)
    assert "<li class=\"active\"><svg onload=window.name+='|id-svg'></li>" in html
    html = theirs.get_template("manage_students_notebook_submissions.tpl").render(
        base_url=BASE, student_id=JS_ID, assignment_id="01")
    assert 'var student_id = "rk";window.name+="|id-js";"";' in html


def formgrade_config() -> Config:
    """The formgrader's exporter config, as nbgrader's FormgradeExtension builds it."""
    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [template_path]
    return config


def test_submission_page_is_inert_and_runs_under_the_policy():
    exporter = pages.submission_exporter(formgrade_config(), template_path)
    student = SVG_ID
    html, _ = exporter.from_notebook_node(hostile_notebook(), resources={
        "assignment_id": "01-sort-the-sources", "notebook_id": "sort-the-sources",
        "submission_id": "abc123", "index": 0, "total": 3, "base_url": BASE,
        "student": student, "last_name": None, "first_name": None,
        "notebook_path": f"course/grading/autograded/{student}/01/sort-the-sources.ipynb"})
    page = Page(html)
    assert_runs_under_the_policy(page)
    assert page.globals == {"submission_id": "abc123", "notebook_id": "sort-the-sources",
                            "assignment_id": "01-sort-the-sources",
                            "base_url": f"{BASE}/formgrader"}
    notebook = html[html.index('id="notebook"'):]
    assert active_parts(notebook) == []
    assert "<svg onload" not in html  # the learner's name in the page is text
    assert ">&lt;svg onload=window.name+='|id-svg'&gt;</a>" in html
    assert "mathjax" not in html.lower()  # from a CDN the policy does not allow
    for text in ("MARKDOWN-TEXT-VISIBLE", "REWRITE-TEXT-VISIBLE", "OUTPUT-HTML-VISIBLE"):
        assert text in notebook
    # the grading form nbgrader's scripts fill in is still there
    assert 'class="score tabbable" id="rewrite-answer"' in html


def test_harden_replaces_nbgraders_environment_and_exporter_once():
    from nbconvert.exporters import HTMLExporter

    assert formgrader.harden({}) is False
    original = HTMLExporter(config=formgrade_config())
    settings = {"nbgrader_exporter": original, "nbgrader_jinja2_env": object()}
    assert formgrader.harden(settings) is True
    inert = settings["nbgrader_exporter"]
    assert inert is not original and inert.sanitize_html and inert.template_name == "formgrade"
    assert settings["nbgrader_jinja2_env"].autoescape is True
    assert formgrader.harden(settings) is True and settings["nbgrader_exporter"] is inert


def test_installing_readkit_enables_the_extension():
    """Like nbgrader's own extensions: every Jupyter server of this environment (make lab,
    make lab-instructor, nbgrader formgrader, a hub's servers) loads it."""
    installed = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "readkit.json"
    shipped = Path(__file__).resolve().parents[1] / "jupyter-config" / \
        "jupyter_server_config.d" / "readkit.json"
    for path in (installed, shipped):
        extensions = json.loads(path.read_text())["ServerApp"]["jpserver_extensions"]
        assert extensions == {formgrader.NAME: True}
    assert formgrader._jupyter_server_extension_points() == [{"module": formgrader.NAME}]
    assert re.fullmatch(r"readkit\.nbgrader\.formgrader", formgrader.NAME)


@pytest.mark.parametrize("protocol, host, origin", [
    ("http", "127.0.0.1:8888", "http://127.0.0.1:8888"),
    ("https", "hub.example.org", "https://hub.example.org"),
    ("http", "[::1]:8000", "http://[::1]:8000"),
    ("http", "evil; script-src *", None),
    ("http", "", None),
    ("javascript", "x", None),
])
def test_origin_of_the_request(protocol, host, origin):
    assert policy.origin_of(protocol, host) == origin


def test_a_host_that_is_no_host_name_gets_no_script_source():
    found = policy.policy_for(f"{BASE}/formgrader/manage_students", None, BASE + "/")
    assert "script-src 'none'" in found.split("; ")
