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

from readkit.sandbox import reaper
from readkit.sandbox.reaper import empty_folder

DROP_ROOTS_PASS = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


def as_a_plain_owner(function: str, path: Path) -> str:
    """`function(path)` of readkit.sandbox.reaper, run without root's two DAC capabilities:
    what it returned."""
    return subprocess.run(
        [*DROP_ROOTS_PASS, sys.executable, "-c",
         f"from readkit.sandbox.reaper import {function}; print({function}({str(path)!r}))"],
        check=True, timeout=120, capture_output=True, text=True).stdout.strip()


def make_chain(top: Path, names: list[str]) -> None:
    """Folders one inside the next, made by file descriptor (no path needed), a file last."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for name in names:
        os.mkdir(name, dir_fd=fd)
        deeper = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = deeper
    os.close(os.open("A-LEFT-THIS", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    os.close(fd)


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
    assert as_a_plain_owner("empty_folder", run) == "True"
    assert os.listdir(run) == []
    assert os.listdir(host) == ["instructor.txt"]  # the link went, not what it pointed to
    assert stat.S_IMODE(host.stat().st_mode) == 0o750


def test_the_scratch_folder_goes_with_its_sandbox(kernel_leftovers):
    run, host = kernel_leftovers
    assert as_a_plain_owner("remove_folder", run.parent) == "True"
    assert not run.parent.exists()
    assert (host / "instructor.txt").read_text() == "keep"


def test_trees_deeper_or_longer_than_a_path_go_too(tmp_path):
    """A kernel can make folders thousands deep (past Python's recursion limit) or a tree
    whose paths are longer than PATH_MAX (4096): they go, and so does a locked ipc folder."""
    run = tmp_path / "run"
    run.mkdir()
    make_chain(run, ["d"] * 3000)
    make_chain(run, ["x" * 250] * 20)
    run.chmod(0)
    try:
        assert as_a_plain_owner("empty_folder", run) == "True"
        assert os.listdir(run) == []
    finally:  # else pytest's own cleanup of old temporary folders fails on what is left
        empty_folder(str(run))


def test_a_folder_moved_up_while_the_host_is_inside_stops_the_walk(tmp_path, monkeypatch):
    """Should a kernel process still run (a sandbox being killed) and move the folder the host
    is in up the tree, each step up would land one level too high, and what is left to do would
    be done in the host's folders: here tmp_path/victim, the instructor's."""
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "instructor.txt").write_text("keep")
    outside = tmp_path / "outside"
    run = outside / "run"
    (run / "L1" / "d0" / "L3").mkdir(parents=True)
    (run / "L1" / "victim").mkdir()
    remove_files = reaper._remove_files

    def a_kernel_moves_l3_up(fd, subfolders):
        here = os.readlink(f"/proc/self/fd/{fd}")
        if here.endswith("/d0/L3"):
            os.rename(here, outside / "L3")
        return remove_files(fd, subfolders)

    monkeypatch.setattr(reaper, "_remove_files", a_kernel_moves_l3_up)
    assert reaper.empty_folder(str(run)) is False
    assert (tmp_path / "victim" / "instructor.txt").read_text() == "keep"
    assert sorted(os.listdir(outside)) == ["L3", "run"]


def test_a_folder_swapped_for_a_link_is_never_followed(tmp_path, monkeypatch):
    """Between listing a folder and unlocking it, a live process puts a link to the host's
    folder in its place: the host's folder keeps its mode and its files."""
    host = tmp_path / "host-folder"
    host.mkdir()
    (host / "instructor.txt").write_text("keep")
    host.chmod(0o750)
    run = tmp_path / "run"
    (run / "swap").mkdir(parents=True)
    remove_files = reaper._remove_files

    def a_kernel_swaps_the_folder(fd, subfolders):
        clean = remove_files(fd, subfolders)
        if "swap" in subfolders:
            os.rename("swap", "moved", src_dir_fd=fd, dst_dir_fd=fd)
            os.symlink(host, "swap", dir_fd=fd)
        return clean

    monkeypatch.setattr(reaper, "_remove_files", a_kernel_swaps_the_folder)
    assert reaper.empty_folder(str(run)) is False  # "swap" could not be entered
    assert stat.S_IMODE(host.stat().st_mode) == 0o750
    assert os.listdir(host) == ["instructor.txt"]
