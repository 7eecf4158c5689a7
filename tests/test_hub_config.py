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
    "exchange": "/srv/x", "course_id": "readkit",
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


def test_every_server_may_frame_itself_and_learners_submit_privately(tmp_path, monkeypatch):
    server = load_config("jupyter_server_config.py", tmp_path, monkeypatch)
    headers = server.ServerApp.tornado_settings["headers"]
    assert headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    monkeypatch.setenv("READKIT_EXCHANGE", "/srv/x")
    nbgrader = load_config("nbgrader_config.py", tmp_path, monkeypatch)
    assert nbgrader.Exchange.root == "/srv/x"
    assert nbgrader.ExchangeFactory.submit == "readkit.nbgrader.exchange.PrivateSubmit"


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
