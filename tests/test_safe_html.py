"""readkit.nbgrader.safe_html: learner markdown and outputs as inert HTML, in the feedback files
(nbgrader generate_feedback through the course's nbgrader_config.py) and wherever an
HTMLExporter reads the course's configuration. No browser here: the HTML itself is checked
for anything that runs (tests/browser/test_formgrader_safety.py opens it in Chromium)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from readkit.nbgrader import safe_html
from tests.support.grading import REPO

FIXTURE = REPO / "tests" / "fixtures" / "submissions" / "hostile-html"
# Elements that run script or load a document of their own.
ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "svg", "math", "base", "meta",
               "form", "style", "link", "template"}


def active_parts(html: str) -> list[str]:
    """Every element or attribute of `html` that could run script: an active element, an
    event-handler attribute, a javascript: or non-image data: URL."""
    from html.parser import HTMLParser

    found = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ACTIVE_TAGS:
                found.append(f"<{tag}>")
            for name, value in attrs:
                url = (value or "").strip().lower()
                if name.startswith("on") or url.startswith("javascript:") or (
                        url.startswith("data:") and not url.startswith("data:image/")):
                    found.append(f"<{tag} {name}={value!r}>")

    Finder().feed(html)
    return found


PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTk"
       "SuQmCC")
BEACON = "http://127.0.0.1:9/"


def hostile_image_outputs():
    """Images whose metadata (set by the learner's code: display(..., metadata=...)) nbconvert
    writes into <img> attributes, width and height unquoted."""
    return [
        new_output("display_data", data={"image/png": PNG, "text/plain": "png"}, metadata={
            "image/png": {"width": "1 onload=alert(1)", "height": 30, "unconfined": True,
                          "needs_background": "light", "isolated": True},
            "filenames": {"image/png": BEACON + "png"},
            "width": "2 onerror=alert(2)"}),
        new_output("execute_result", execution_count=1,
                   data={"image/jpeg": "/9j/x", "text/plain": "jpeg"}, metadata={
                       "image/jpeg": {"height": "1 onerror=alert(3)", "width": "40",
                                      "alt": '"><img src=x onerror=alert(4)>'},
                       "filenames": {"image/jpeg": BEACON + "jpeg"}}),
        new_output("display_data", data={"image/png": PNG, "text/plain": "top"},
                   metadata={"height": "1 onmouseover=alert(5)", "alt": "TOP-LEVEL-ALT"}),
    ]


def hostile_notebook():
    """What mallory's autograded notebook holds (tests/fixtures/submissions/hostile-html),
    outputs included as her output cell makes them."""
    markdown = (FIXTURE / "markdown-cell.md").read_text(encoding="utf-8")
    rewrite = (FIXTURE / "rewrite-answer.md").read_text(encoding="utf-8")
    outputs = [
        new_output("display_data", data={
            "text/html": "OUTPUT-HTML-VISIBLE <script>window.name+='|out-script'</script>"
                         "<img src=x onerror=\"window.name+='|out-img'\">",
            "text/plain": "<IPython.core.display.HTML object>"}),
        new_output("display_data", data={
            "image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><text>'
                             "OUTPUT-SVG</text></svg>",
            "text/plain": "<IPython.core.display.SVG object>"}),
        new_output("display_data", data={"application/javascript": "window.name+='|out-js'",
                                         "text/plain": "OUTPUT-JS-AS-TEXT"}),
        new_output("display_data", data={
            "text/markdown": "OUTPUT-MARKDOWN-VISIBLE <img src=x onerror=alert(1)>",
            "text/plain": "<IPython.core.display.Markdown object>"}),
        new_output("display_data", data={"text/html": "<script>alert(1)</script><b>iso</b>"},
                   metadata={"text/html": {"isolated": True}}),
        new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2,
                                                         "version_minor": 0},
            "text/plain": "OUTPUT-WIDGET-AS-TEXT"}),
        new_output("stream", name="stdout", text="OUTPUT-STREAM-VISIBLE <img src=x onerror=x>\n"),
        *hostile_image_outputs(),
    ]
    return new_notebook(cells=[
        new_markdown_cell(markdown, id="notes"),
        new_code_cell("display(...)", id="outputs", outputs=outputs),
        new_markdown_cell(rewrite, id="rewrite-answer", metadata={"nbgrader": {
            "grade": True, "solution": True, "grade_id": "rewrite-answer", "points": 4,
            "locked": False, "schema_version": 3, "cell_type": "markdown", "task": False,
            "score": 0.0, "comment": "A grader comment <img src=x onerror=alert(1)>"}}),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}})


def notebook_part(html: str) -> str:
    """The part of a page that nbconvert made from the notebook's cells."""
    return html[html.index('id="notebook"'):]


def feedback_html(config: Config, notebook=None) -> str:
    """The notebook (the hostile one by default) through nbgrader's feedback template, as
    generate_feedback exports it."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader.handlers import static_path, template_path

    config = Config(config)
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [template_path]
    config.HTMLExporter.extra_template_paths = [
        str(Path(static_path) / "node_modules" / "bootstrap" / "dist" / "css")]
    notebook = hostile_notebook() if notebook is None else notebook
    html, _ = HTMLExporter(config=config).from_notebook_node(notebook, resources={
        "nbgrader": {"notebook": "sort-the-sources", "score": 0.0, "max_score": 35.0,
                     "late_penalty": 0.0}})
    return html


def course_config() -> Config:
    return PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()


def test_feedback_through_the_course_config_holds_nothing_that_runs():
    page = notebook_part(feedback_html(course_config()))
    assert active_parts(page) == []
    for text in ("MARKDOWN-TEXT-VISIBLE", "REWRITE-TEXT-VISIBLE", "OUTPUT-HTML-VISIBLE",
                 "OUTPUT-MARKDOWN-VISIBLE", "OUTPUT-STREAM-VISIBLE", "OUTPUT-JS-AS-TEXT",
                 "OUTPUT-WIDGET-AS-TEXT"):
        assert text in page, text
    # the SVG output stays an image (<img> never runs an SVG's script), the math stays text
    assert '<img alt="No description has been provided for this image" src="data:image/svg+xml' \
        in page
    assert "Inline math with markup: $x" in page


def test_a_learners_widget_state_is_not_shown_and_cannot_stop_the_page():
    """Widget views are dropped from the outputs, so their saved state is dropped too: a state
    without "state" (red team) stopped nbconvert's widget filter, and generate_feedback with
    it, and left the formgrader's page of that learner an error page."""
    notebook = hostile_notebook()
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "version_major": 2, "version_minor": 0}}
    page = feedback_html(course_config(), notebook)
    assert "MARKDOWN-TEXT-VISIBLE" in page and "widget-state" not in page


def test_image_metadata_keeps_whole_pixel_sizes_and_alt_text_only():
    """An output's width and height are written unquoted into <img>: only whole pixels stay;
    no external source (filenames), no top-level fallback, no other key."""
    page = notebook_part(feedback_html(course_config()))
    images = [tag for tag in re.findall(r"<img[^>]*>", page) if "data:image/png" in tag
              or "data:image/jpeg" in tag]
    assert [re.sub(r"base64,[^\"]*", "base64,...", tag) for tag in images] == [
        '<img alt="No description has been provided for this image" height="30" '
        'src="data:image/png;base64,..."/>',
        '<img alt=\'"&gt;&lt;img src=x onerror=alert(4)&gt;\' src="data:image/jpeg;base64,..." '
        'width="40"/>',
        '<img alt="No description has been provided for this image" '
        'src="data:image/png;base64,..."/>',
    ]
    assert BEACON not in page and "unconfined" not in page and "alert(" not in page.replace(
        "onerror=alert(4)&gt;", "")


@pytest.mark.parametrize("value, pixels", [
    (100, 100), (100.0, 100), ("100", 100), (10_000, 10_000), (10_001, None), (0, None),
    (-3, None), (2.5, None), ("50%", None), ("1 onload=x", None), ("\uff11", None),
    (True, None), (float("nan"), None), (float("inf"), None), (None, None), ([1], None),
])
def test_sizes_are_whole_pixels(value, pixels):
    kept = safe_html.safe_output_metadata({"image/png": {"width": value}}, ["image/png"])
    assert kept == ({"image/png": {"width": pixels}} if pixels else {})


def test_output_metadata_keeps_only_the_shown_types():
    metadata = {"image/png": {"width": 5, "alt": "a"}, "text/html": {"isolated": True},
                "application/javascript": {"width": 5}, "width": 7, "filenames": {}}
    assert safe_html.safe_output_metadata(metadata, ["image/png", "text/html"]) == {
        "image/png": {"width": 5, "alt": "a"}}
    assert safe_html.safe_output_metadata(["not", "a", "dict"], ["image/png"]) == {}
    assert safe_html.safe_output_metadata({"image/png": {"alt": "x" * 5000}}, ["image/png"]) \
        == {"image/png": {"alt": "x" * 1000}}


def test_without_it_nbgraders_feedback_runs_learner_markdown():
    """Why the setting exists: nbgrader's feedback template renders markdown cells unsanitized,
    even with nbconvert's own sanitize_html on."""
    config = Config()
    config.HTMLExporter.sanitize_html = True
    found = active_parts(notebook_part(feedback_html(config)))
    assert "<script>" in found and "<svg>" in found
    assert any(" onerror=" in part for part in found)


@pytest.mark.parametrize("html, kept", [
    ('<img src="x" onerror="alert(1)">', '<img src="x">'),
    ('<a href="javascript:alert(1)">j</a>', '<a rel="noopener noreferrer">j</a>'),
    ('<a href="data:text/html,<script>alert(1)</script>">d</a>',
     '<a rel="noopener noreferrer">d</a>'),
    ('<img src="data:image/png;base64,iVBO">', '<img src="data:image/png;base64,iVBO">'),
    ('<img src="data:text/html;base64,PHNjcmlwdD4=">', "<img>"),
    ('<p id="statusmessage" class="c" style="position:fixed">t</p>', '<p class="c">t</p>'),
    ("<svg onload=alert(1)><text>t</text></svg>", ""),
    ("<style>body{display:none}</style>x", "x"),
    ('<a href="https://example.org/">ok</a>',
     '<a href="https://example.org/" rel="noopener noreferrer">ok</a>'),
])
def test_clean(html, kept):
    assert safe_html.clean(html) == kept


def test_markdown_with_a_missing_attachment_still_shows_its_text():
    """nbconvert raises on an attachment that does not exist: one learner's cell must not break
    the page (the formgrader would show an error instead of the submission)."""
    from jinja2 import Environment

    environment = Environment()
    environment.filters["md"] = safe_html.markdown2html
    shown = environment.from_string("{{ source | md }}").render(source="see ![x](attachment:missing.png) <b>here</b>", cell={})
    assert "see" in shown and "&lt;b&gt;here&lt;/b&gt;" in shown


def test_course_config_is_the_inert_exporter_config():
    assert course_config().HTMLExporter == safe_html.exporter_config().HTMLExporter
