"""readkit.sandbox.reaper's folder removal, as an instructor who is not root runs it.

A kernel can write in the sandbox's ipc folder and take permissions away there. Run as root,
every removal works whatever the modes say; so the removal runs here in a Python without the
two capabilities that let root ignore them (setpriv, util-linux), as a hub instructor's would.
"""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

DROP_ROOTS_PASS = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


def as_a_plain_owner(function: str, path: Path) -> None:
    subprocess.run([*DROP_ROOTS_PASS, sys.executable, "-c",
                    f"from readkit.sandbox.reaper import {function}; {function}({str(path)!r})"],
                   check=True, timeout=60)


@pytest.fixture
def kernel_leftovers(tmp_path):
    """What a kernel could leave in the ipc folder: locked folders (one inside another), a
    file, and a link to a folder of the host's, which must be removed, never followed."""
    host = tmp_path / "host-folder"
    host.mkdir()
    (host / "instructor.txt").write_text("keep")
    host.chmod(0o750)
    run = tmp_path / "scratch" / "run"
    (run / "locked" / "deeper").mkdir(parents=True)
    (run / "locked" / "deeper" / "a-secret.txt").write_text("A-SECRET")
    (run / "locked" / "a-secret.txt").write_text("A-SECRET")
    (run / "kernel.json").write_text("{}")
    (run / "host").symlink_to(host)
    (run / "locked" / "deeper").chmod(0)
    (run / "locked").chmod(0)
    yield run, host
    for folder in (run / "locked", run / "locked" / "deeper"):  # for tmp_path's own cleanup
        if folder.exists():
            folder.chmod(0o700)


def test_the_next_kernel_finds_the_ipc_folder_empty(kernel_leftovers):
    run, host = kernel_leftovers
    as_a_plain_owner("empty_folder", run)
    assert os.listdir(run) == []
    assert os.listdir(host) == ["instructor.txt"]  # the link went, not what it pointed to
    assert stat.S_IMODE(host.stat().st_mode) == 0o750


def test_the_scratch_folder_goes_with_its_sandbox(kernel_leftovers):
    run, host = kernel_leftovers
    as_a_plain_owner("remove_folder", run.parent)
    assert not run.parent.exists()
    assert (host / "instructor.txt").read_text() == "keep"
