"""What nbgrader's formgrader renders, as readkit serves it: its list pages through an
autoescaping Jinja environment whose templates run no inline script, and its submission page
through an HTMLExporter whose learner content is inert.

nbgrader renders its pages (students, a student's assignments, submissions, the gradebook)
with a Jinja environment that does not escape: a student id such as `<svg onload=...>` or
`rk";...;"` (a folder name, an URL) runs as script there. Its templates also carry inline
scripts and handlers, which the formgrader's policy (policy.py) forbids. The environment here
escapes every value, and finds readkit's templates (templates/: base.tpl and the pages that had
inline script, each extending nbgrader's own as `nbgrader/<name>`) before nbgrader's.

The submission page is nbconvert's HTMLExporter with nbgrader's `formgrade` template: here with
readkit.nbgrader.safe_html's configuration merged over the course's, and readkit's head and
macros (submission/) in front of nbgrader's (reachable as `nbgrader-formgrade/<name>`).
"""

from __future__ import annotations

import copy
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
SUBMISSION_TEMPLATES = HERE / "submission"
STATIC = HERE / "static"


def template_environment(nbgrader_templates: str | Path):
    """The Jinja environment of the formgrader's pages."""
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader

    theirs = FileSystemLoader(str(nbgrader_templates))
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(str(TEMPLATES)),
                             PrefixLoader({"nbgrader": theirs}), theirs]),
        autoescape=True)


def submission_exporter(config, nbgrader_templates: str | Path):
    """The HTMLExporter of the submission page: `config` (the formgrader's, with template
    `formgrade`) with learner content made inert."""
    from jinja2 import FileSystemLoader, PrefixLoader
    from nbconvert.exporters import HTMLExporter

    from readkit.nbgrader.safe_html import exporter_config

    merged = copy.deepcopy(config)
    merged.merge(exporter_config())
    formgrade = Path(nbgrader_templates) / "formgrade"
    return HTMLExporter(config=merged, extra_loaders=[
        FileSystemLoader(str(SUBMISSION_TEMPLATES)),
        PrefixLoader({"nbgrader-formgrade": FileSystemLoader(str(formgrade))}),
    ])
