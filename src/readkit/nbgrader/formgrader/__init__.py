"""A Jupyter server extension that serves nbgrader's formgrader so that nothing a learner
handed in runs as script in the instructor's browser (docs/grading.md, "Around the kernel").

The formgrader shows learners' notebooks and names on the same origin as the instructor's
Jupyter server: script running there acts as the instructor (reads the key through the contents
API, sets grades through the formgrader's API, opens a terminal). Enabled with
`ServerApp.jpserver_extensions = {"readkit.nbgrader.formgrader": True}` (`make lab`, `make
lab-instructor` and the hub's servers do it), it

- sets a Content-Security-Policy on every formgrader response (policy.py): no inline script,
  scripts only from nbgrader's and readkit's static folders, a learner's files sandboxed;
- renders nbgrader's pages with escaping, from templates without inline script (pages.py);
- renders submissions with learner markdown and outputs sanitized (readkit.nbgrader.safe_html);
- marks "Tests failed?" only for cells with tests, not for readkit's partial credit
  (failed_tests.py).

Where nbgrader's formgrader is not loaded (a learner's server on a hub) it only sets the policy.
"""

from __future__ import annotations

from readkit.nbgrader.formgrader import failed_tests, pages, policy

NAME = __name__


def _jupyter_server_extension_points():
    return [{"module": NAME}]


def _load_jupyter_server_extension(serverapp) -> None:
    from jupyter_server.utils import url_path_join
    from tornado.ioloop import IOLoop
    from tornado.web import StaticFileHandler

    webapp = serverapp.web_app
    base_url = webapp.settings.get("base_url", "/")
    webapp.add_transform(policy.transform_for(base_url, webapp.settings))
    webapp.add_handlers(".*$", [(url_path_join(base_url, policy.READKIT_STATIC, "(.*)"),
                                 StaticFileHandler, {"path": str(pages.STATIC)})])
    # nbgrader's formgrader puts its environment and exporter into the settings when it loads;
    # whichever of the two extensions loads first, this runs before the first request.
    harden(webapp.settings, serverapp.log)
    IOLoop.current().add_callback(harden, webapp.settings, serverapp.log)
    failed_tests.install(serverapp)  # "Tests failed?" only for cells with tests


def harden(settings: dict, log=None) -> bool:
    """Put readkit's template environment and submission exporter in place of nbgrader's
    (once); False while nbgrader's formgrader has not set them up."""
    exporter = settings.get("nbgrader_exporter")
    if exporter is None or settings.get("nbgrader_jinja2_env") is None:
        return False
    if getattr(exporter, "readkit_inert", False):
        return True
    from nbgrader.server_extensions.formgrader.handlers import template_path

    settings["nbgrader_jinja2_env"] = pages.template_environment(template_path)
    inert = pages.submission_exporter(exporter.config, template_path)
    inert.readkit_inert = True
    settings["nbgrader_exporter"] = inert
    if log is not None:
        log.info("readkit: the formgrader shows learner content inert, under a "
                 "Content-Security-Policy")
    return True
