"""`make lab` as a learner meets it, in Chromium: no "get notified about news?" popup, and
nbgrader's instructor panels (Create Assignment, Formgrader, Courses) are not loaded; `make
lab-instructor` loads them. The server runs exactly readkit.lab's command and environment
(token on), in a temporary folder, with every Jupyter folder of its own."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from readkit.lab import (
    INSTRUCTOR_PLUGINS,
    NOTIFICATION_PLUGIN,
    lab_command,
    lab_environment,
    write_lab_config,
)
from tests.support.browser_harness import _stop, free_port

pytestmark = pytest.mark.browser
TOKEN = "readkit-learner-test"
LEARNER_PLUGINS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment")


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@pytest.fixture(params=["learner", "instructor"])
def lab_as(request, tmp_path):
    instructor = request.param == "instructor"
    (tmp_path / "root" / "lessons").mkdir(parents=True)
    home = tmp_path / "home"
    base = dict(os.environ, JUPYTER_TOKEN=TOKEN, JUPYTER_CONFIG_DIR=str(home / "config"),
                JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
                JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    env = lab_environment(write_lab_config(tmp_path / "readkit-config", instructor=instructor),
                          base)
    port = free_port()
    process = subprocess.Popen(lab_command(port, open_browser=False), cwd=tmp_path / "root",
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while _status(f"{url}/api/status?token={TOKEN}") != 200:
            assert process.poll() is None, "the lab server exited"
            assert time.monotonic() < deadline, "the lab server did not answer within 60 s"
            time.sleep(0.2)
        yield request.param, url
    finally:
        _stop(process)


def test_lab_shows_no_news_popup_and_only_the_panels_for_its_user(browser, lab_as):
    who, url = lab_as
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{url}/lab/tree/lessons?token={TOKEN}")
        page.wait_for_selector("#jp-main-dock-panel", timeout=60000)
        page.wait_for_timeout(4000)  # the news question comes a moment after start
        assert "notified about official Jupyter news" not in page.inner_text("body")
        assert page.locator(".jp-Notification-Toast, .Toastify__toast").count() == 0
        config = json.loads(page.evaluate(
            "() => document.getElementById('jupyter-config-data').textContent"))
        disabled = set(config.get("disabledExtensions", []))
        # The default itself is "false" (not "none", which asks); a user's own choice still wins.
        schema = page.evaluate(
            "async ([url, id, token]) => (await (await fetch(`${url}/lab/api/settings/${id}"
            "?token=${token}`)).json()).schema", [url, NOTIFICATION_PLUGIN, TOKEN])
        assert schema["properties"]["fetchNews"]["default"] == "false"
    finally:
        page.close()
    if who == "learner":
        assert set(INSTRUCTOR_PLUGINS) <= disabled
    else:
        assert not set(INSTRUCTOR_PLUGINS) & disabled
    assert not set(LEARNER_PLUGINS) & disabled  # Assignments and Validate stay for learners
