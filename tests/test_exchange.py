"""The exchange takes no forged or linked hand-in (readkit.nbgrader.handin, .collect; docs/grading.md,
"The exchange").

First, what any account can test: a hand-in is copied whole with the collector's modes; links,
pipes and sockets are refused before any copy; sizes are bounded; a file swapped for a link
after the check (once, and over and over in a race) never brings the target's bytes along;
SafeCollect through the formgrader's own API (NbGraderAPI.collect) refuses unsafe names,
unreadable times and hand-ins in the name of another account, collects the rest, and keeps
each refusal in the course's refusals file (once per name; hostile names made inert).

Then, as root with real system accounts on one exchange as `readkit hub` sets it up (its users,
its exchange folders, its hub environment, the course in the instructor's home; no JupyterHub,
a SQLite gradebook): a learner cannot block the first release; learner A's hand-in in learner
B's name (later, all wrong) is refused and B's own answers are collected, autograded and graded
to B's exact score, with B's row and A's flagged in grades.csv; hand-ins holding a link to
the key (a file and a folder) are refused, get rows of no points in grades.csv, and no
assessment label reaches any file of those learners.
"""

from __future__ import annotations

import csv
import datetime
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from traitlets.config import Config

from readkit.nbgrader import refusals
from readkit.nbgrader.collect import SafeCollect, student_id_problem
from readkit.nbgrader.handin import Limits, Refused, copy, inspect

ROOT = Path(__file__).resolve().parents[1]
A1, NB1 = "01-sort-the-sources", "sort-the-sources"
SECRET = "p51s1,commentary,SECRET-KEY-LINE\n"


def stamp(offset_seconds: float = 0) -> str:
    """A time as nbgrader's submit writes it (folder name and timestamp.txt)."""
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        seconds=offset_seconds)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f %Z")


def make_hand_in(folder: Path, answers: str = '{"version": 1}', when: str | None = None) -> Path:
    (folder / "sub").mkdir(parents=True)
    (folder / "answers.json").write_text(answers)
    (folder / f"{NB1}.ipynb").write_text('{"cells": []}')
    (folder / "sub" / "notes.txt").write_text("notes")
    (folder / "timestamp.txt").write_text(when or stamp())
    return folder


@pytest.fixture
def inbound(tmp_path):
    folder = tmp_path / "inbound"
    folder.mkdir()
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    yield folder, fd
    os.close(fd)


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "instructor" / "key.csv"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): (p.read_text() if p.is_file() else "/")
            for p in sorted(folder.rglob("*"))}


# --- the copy: whole, never through a link -------------------------------------------------------


def test_a_plain_hand_in_is_copied_whole_with_the_collectors_modes(inbound, tmp_path):
    folder, fd = inbound
    hand_in = make_hand_in(folder / "me+a+t+r")
    (hand_in / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(hand_in / "run.sh", 0o6777)
    os.chmod(hand_in / "sub", 0o2777)
    dest = tmp_path / "collected"
    plan = inspect(fd, hand_in.name, os.geteuid(), Limits())
    copy(fd, hand_in.name, plan, dest, os.geteuid(), Limits())
    assert tree(dest) == tree(hand_in)
    modes = {p.relative_to(dest).as_posix(): p.stat().st_mode & 0o7777
             for p in [dest, *dest.rglob("*")]}
    assert modes == {".": 0o755, "sub": 0o755, "answers.json": 0o644, "run.sh": 0o644,
                     f"{NB1}.ipynb": 0o644, "sub/notes.txt": 0o644, "timestamp.txt": 0o644}


def test_ignored_names_are_checked_but_not_copied(inbound, tmp_path):
    folder, fd = inbound
    hand_in = make_hand_in(folder / "me+a+t+r")
    (hand_in / ".ipynb_checkpoints").mkdir()
    (hand_in / ".ipynb_checkpoints" / "x.ipynb").write_text("old")
    skipped = lambda name, is_folder: name == ".ipynb_checkpoints"  # noqa: E731
    plan = inspect(fd, hand_in.name, None, Limits(), skipped)
    copy(fd, hand_in.name, plan, tmp_path / "dest", None, Limits())
    assert not (tmp_path / "dest" / ".ipynb_checkpoints").exists()
    (hand_in / ".ipynb_checkpoints" / "link").symlink_to("/etc/passwd")
    with pytest.raises(Refused, match=r"\.ipynb_checkpoints/link is a link"):
        inspect(fd, hand_in.name, None, Limits(), skipped)


def _file_link(hand_in: Path, secret: Path) -> None:
    (hand_in / "key.csv").symlink_to(secret)


def _folder_link(hand_in: Path, secret: Path) -> None:
    (hand_in / "data").symlink_to(secret.parent, target_is_directory=True)


def _deep_link(hand_in: Path, secret: Path) -> None:
    (hand_in / "sub" / "answers.json").symlink_to(secret)


def _fifo(hand_in: Path, secret: Path) -> None:
    os.mkfifo(hand_in / "answers.pipe")


def _socket(hand_in: Path, secret: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(hand_in / "sub" / "s.sock"))


@pytest.mark.parametrize("make, expected", [
    (_file_link, "key.csv is a link"),
    (_folder_link, "data is a link"),
    (_deep_link, "sub/answers.json is a link"),
    (_fifo, "answers.pipe is a named pipe"),
    (_socket, "sub/s.sock is a socket"),
])
def test_links_pipes_and_sockets_are_refused_before_any_copy(inbound, secret, make, expected):
    folder, fd = inbound
    hand_in = make_hand_in(folder / "me+a+t+r")
    make(hand_in, secret)
    with pytest.raises(Refused, match=expected):
        inspect(fd, hand_in.name, os.geteuid(), Limits())


def test_a_hand_in_that_is_itself_a_link_or_a_file_is_refused(inbound, secret):
    folder, fd = inbound
    (folder / "me+a+t+link").symlink_to(secret.parent, target_is_directory=True)
    (folder / "me+a+t+file").write_text("x")
    with pytest.raises(Refused, match="it is a link, not a folder"):
        inspect(fd, "me+a+t+link", None, Limits())
    with pytest.raises(Refused, match="it is a file, not a folder"):
        inspect(fd, "me+a+t+file", None, Limits())


def test_sizes_counts_and_depth_are_bounded(inbound):
    folder, fd = inbound
    hand_in = make_hand_in(folder / "me+a+t+r")
    (hand_in / "big.bin").write_bytes(b"x" * 3000)
    limits = Limits(file_bytes=2000, handin_bytes=10_000, entries=50, depth=3)
    with pytest.raises(Refused, match=r"big.bin is 3,000 bytes, above the limit of 2,000 bytes "
                                      "per file"):
        inspect(fd, hand_in.name, None, limits)
    (hand_in / "big.bin").unlink()
    for index in range(6):
        (hand_in / f"part{index}.bin").write_bytes(b"x" * 1900)
    with pytest.raises(Refused, match=r"it holds 11,\d{3} bytes, above the limit of 10,000 "
                                      "bytes per hand-in"):
        inspect(fd, hand_in.name, None, limits)
    for index in range(6):
        (hand_in / f"part{index}.bin").unlink()
    for index in range(60):
        (hand_in / f"n{index}").write_text("")
    with pytest.raises(Refused, match="more than 50 files and folders"):
        inspect(fd, hand_in.name, None, limits)
    for index in range(60):
        (hand_in / f"n{index}").unlink()
    (hand_in / "a" / "b" / "c" / "d" / "e").mkdir(parents=True)
    with pytest.raises(Refused, match="nested more than 3 folders deep"):
        inspect(fd, hand_in.name, None, limits)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another account needs root")
def test_a_file_of_another_account_in_the_hand_in_is_refused(inbound):
    folder, fd = inbound
    hand_in = make_hand_in(folder / "me+a+t+r")
    other = pwd.getpwnam("nobody").pw_uid
    os.chown(hand_in / "answers.json", other, -1)
    with pytest.raises(Refused, match=r"answers.json belongs to nobody \(uid \d+\), not to the "
                                      "learner"):
        inspect(fd, hand_in.name, os.geteuid(), Limits())
    assert inspect(fd, hand_in.name, None, Limits())  # owners unchecked: accepted


@pytest.mark.parametrize("swap", ["file-link", "folder-link", "other-file", "grown"])
def test_a_change_after_the_check_refuses_the_hand_in_and_copies_nothing(inbound, secret,
                                                                          tmp_path, swap):
    """The learner changes the hand-in between the check and the copy: the copy stops, what it
    had copied is removed, and no byte of the link's target is anywhere."""
    folder, fd = inbound
    hand_in = make_hand_in(folder / "me+a+t+r")
    plan = inspect(fd, hand_in.name, os.geteuid(), Limits(file_bytes=1000))
    if swap == "file-link":
        (hand_in / "sub" / "notes.txt").unlink()
        (hand_in / "sub" / "notes.txt").symlink_to(secret)
    elif swap == "folder-link":
        shutil.rmtree(hand_in / "sub")
        (hand_in / "sub").symlink_to(secret.parent, target_is_directory=True)
    elif swap == "other-file":  # made before the old one goes: another inode
        (hand_in / "answers.new").write_text("other")
        os.rename(hand_in / "answers.new", hand_in / "answers.json")
    else:
        (hand_in / "answers.json").write_text("x" * 5000)
    dest = tmp_path / "dest"
    with pytest.raises(Refused, match="changed while it was being collected|grew past"):
        copy(fd, hand_in.name, plan, dest, os.geteuid(), Limits(file_bytes=1000))
    assert not dest.exists()


def test_a_learner_racing_links_against_the_copy_gains_nothing(inbound, secret, tmp_path):
    """A thread swaps answers.json and a folder for links to the key (and back) as fast as it
    can while the hand-in is collected again and again: every collect is either refused or
    the learner's own bytes; the key's bytes are never in a copy."""
    folder, fd = inbound
    hand_in = make_hand_in(folder / "me+a+t+r", answers="mine")
    stop = threading.Event()

    def swap_forever():  # the links and the spares wait beside the hand-in, not in it
        real, link = hand_in / "answers.json", folder / "answers.link"
        real_dir, dir_link = hand_in / "sub", folder / "sub.link"
        spare, spare_dir = folder / "spare", folder / "spare-dir"
        link.symlink_to(secret)
        dir_link.symlink_to(secret.parent, target_is_directory=True)
        while not stop.is_set():
            os.rename(real, spare)
            os.rename(link, real)  # answers.json is now the link
            os.rename(real, link)
            os.rename(spare, real)  # and the file again
            os.rename(real_dir, spare_dir)
            os.rename(dir_link, real_dir)
            os.rename(real_dir, dir_link)
            os.rename(spare_dir, real_dir)

    racer = threading.Thread(target=swap_forever)
    racer.start()
    outcomes = {"refused": 0, "copied": 0}
    try:
        for attempt in range(300):
            dest = tmp_path / f"dest{attempt}"
            try:
                plan = inspect(fd, hand_in.name, os.geteuid(), Limits())
                copy(fd, hand_in.name, plan, dest, os.geteuid(), Limits())
            except Refused:
                outcomes["refused"] += 1
                assert not dest.exists()
                continue
            outcomes["copied"] += 1
            for path in dest.rglob("*"):
                assert not path.is_symlink(), path
                if path.is_file():
                    assert "SECRET-KEY-LINE" not in path.read_text(), path
            if (dest / "answers.json").exists():
                assert (dest / "answers.json").read_text() == "mine"
    finally:
        stop.set()
        racer.join()
    assert outcomes["refused"] > 0, outcomes  # the race was really run


# --- SafeCollect through the formgrader's own API --------------------------------------------------


def me() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def another_account() -> str:
    """An existing system account other than this process's (its name a safe student id)."""
    return next(entry.pw_name for entry in pwd.getpwall()
                if entry.pw_uid != os.geteuid() and student_id_problem(entry.pw_name) is None)


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course (the real nbgrader_config.py) with its exchange in grading/exchange and the
    inbound/ folder nbgrader's release makes; alembic (nbgrader's gradebook) on PATH."""
    from tests.support.grading import make_course

    monkeypatch.delenv("READKIT_EXCHANGE", raising=False)
    monkeypatch.delenv("READKIT_COURSE", raising=False)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    root = make_course(tmp_path)
    inbound = root / "grading" / "exchange" / "readkit" / "inbound"
    inbound.mkdir(parents=True)
    os.chmod(inbound, 0o2733)
    return root


def refused_rows(path: Path) -> list[tuple[str, str, str, str]]:
    """The rows of a refusals file (grading/collect/ASSIGNMENT-refused.csv) but their time,
    which must be a UTC time."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", row["time"]), row
    return [(row["handin"], row["student"], row["owner"], row["reason"]) for row in rows]


def formgrader_api(root: Path):
    """nbgrader's NbGraderAPI (what the formgrader's Collect button calls) with the course's
    own nbgrader_config.py."""
    from nbgrader.apps import NbGraderAPI

    config = Config()
    source = (root / "nbgrader_config.py").read_text()
    exec(compile(source, str(root / "nbgrader_config.py"), "exec"),  # noqa: S102
         {"get_config": lambda: config, "__file__": str(root / "nbgrader_config.py")})
    return NbGraderAPI(config=config)


@pytest.mark.nbgrader
def test_the_course_and_the_hub_collect_with_safecollect(course):
    api = formgrader_api(course)
    assert api.exchange.collect is SafeCollect
    hub = Config()
    exec(compile((ROOT / "src/readkit/hub/config/nbgrader_config.py").read_text(), "hub",  # noqa: S102
                 "exec"), {"get_config": lambda: hub})
    assert hub.ExchangeFactory.collect == "readkit.nbgrader.collect.SafeCollect"


@pytest.mark.nbgrader
def test_collect_refuses_what_cannot_count_and_collects_the_rest(course):
    inbound = course / "grading" / "exchange" / "readkit" / "inbound"
    mine = make_hand_in(inbound / f"{me()}+{A1}+{stamp()}+ok", answers="my answers")
    later = stamp(3600)
    make_hand_in(inbound / f"{another_account()}+{A1}+{later}+forged", answers="forged")
    nobody = f"no-such-learner-{secrets.token_hex(3)}"
    make_hand_in(inbound / f"{nobody}+{A1}+{later}+x")
    make_hand_in(inbound / f"<svg onload=alert(1)>+{A1}+{later}+x")
    make_hand_in(inbound / f"evil\x1b[2J+{A1}+{later}+x")
    make_hand_in(inbound / f"{me()}x+{A1}+not a time+x")
    result = formgrader_api(course).collect(A1)
    assert result["success"], result
    log = result["log"]
    collected = course / "grading" / "submitted"
    assert sorted(p.name for p in collected.iterdir()) == [me()]
    assert (collected / me() / A1 / "answers.json").read_text() == "my answers"
    assert tree(collected / me() / A1) == tree(mine)
    other = another_account()
    assert (f"belongs to {me()} (uid {os.geteuid()}): a hand-in in another learner's name"
            in log)
    assert f"handed in in the name of {other}" in log
    assert "there is no system account named no-such-learner-" in log
    assert "'<svg onload=alert(1)>' is not a safe name" in log
    assert "evil\\x1b[2J" in log and "\x1b" not in log  # printable in a terminal
    assert "'not a time' in its name is not a time" in log
    assert "5 hand-in(s) of '01-sort-the-sources' refused, not collected" in log
    # ... and each is kept for readkit grade: name (printable), the id it names (a safe one
    # only), its owner, why.
    expected = [
        (f"{other}+{A1}+{later}+forged", other, me(), "a hand-in in another learner's name"),
        (f"{me()}x+{A1}+not a time+x", f"{me()}x", me(),
         "'not a time' in its name is not a time"),
        (f"<svg onload=alert(1)>+{A1}+{later}+x", "", me(),
         student_id_problem("<svg onload=alert(1)>")),
        (f"evil\\x1b[2J+{A1}+{later}+x", "", me(), student_id_problem("evil\x1b[2J")),
        (f"{nobody}+{A1}+{later}+x", nobody, me(), f"there is no system account named {nobody}"),
    ]
    refused = course / "grading" / "collect" / f"{A1}-refused.csv"
    assert sorted(refused_rows(refused)) == sorted(expected)
    # Collected again, with one more refused: each name listed once.
    more = f"{other}+{A1}+{stamp(7200)}+again"
    make_hand_in(inbound / more)
    formgrader_api(course).collect(A1)
    assert sorted(refused_rows(refused)) == sorted(
        [*expected, (more, other, me(), "a hand-in in another learner's name")])


@pytest.mark.nbgrader
@pytest.mark.skipif(os.geteuid() != 0, reason="a hand-in of another account needs root (chown)")
def test_a_later_hand_in_in_my_name_by_another_account_does_not_hide_mine(course):
    inbound = course / "grading" / "exchange" / "readkit" / "inbound"
    make_hand_in(inbound / f"{me()}+{A1}+{stamp()}+mine", answers="mine")
    forged = make_hand_in(inbound / f"{me()}+{A1}+{stamp(3600)}+forged", answers="forged")
    nobody = pwd.getpwnam("nobody")
    for path in [forged, *forged.rglob("*")]:
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    result = formgrader_api(course).collect(A1)
    answers = course / "grading" / "submitted" / me() / A1 / "answers.json"
    assert answers.read_text() == "mine"
    assert f"in the name of {me()} but belongs to nobody" in result["log"]


@pytest.mark.nbgrader
@pytest.mark.skipif(os.geteuid() != 0, reason="a folder of another account needs root (chown)")
def test_no_collect_from_a_course_folder_that_a_learner_made(course):
    exchange_course = course / "grading" / "exchange" / "readkit"
    make_hand_in(exchange_course / "inbound" / f"{me()}+{A1}+{stamp()}+mine")
    os.chown(exchange_course, pwd.getpwnam("nobody").pw_uid, -1)
    result = formgrader_api(course).collect(A1)
    assert not result["success"]
    assert (f"{exchange_course} belongs to nobody (uid {pwd.getpwnam('nobody').pw_uid}), not "
            "to you or root: a learner may have made it before your first release") in result["log"]
    assert not (course / "grading" / "submitted").exists()


@pytest.mark.nbgrader
def test_a_refused_new_hand_in_leaves_the_collected_one(course, secret):
    inbound = course / "grading" / "exchange" / "readkit" / "inbound"
    make_hand_in(inbound / f"{me()}+{A1}+{stamp()}+first", answers="first")
    api = formgrader_api(course)
    assert api.collect(A1)["success"]
    newer = make_hand_in(inbound / f"{me()}+{A1}+{stamp(60)}+second", answers="second")
    (newer / "key.csv").symlink_to(secret)
    result = api.collect(A1)
    assert "key.csv is a link" in result["log"]
    submitted = course / "grading" / "submitted" / me() / A1
    assert (submitted / "answers.json").read_text() == "first"
    assert not (submitted / "key.csv").exists()
    assert [p.name for p in submitted.parent.iterdir()] == [A1]  # no temporary folder left


@pytest.mark.nbgrader
def test_nbgraders_check_owner_switch_turns_the_owner_check_off_and_says_so(course):
    """For a hub where every learner runs as one uid (docs/hub.md): nbgrader's own switch."""
    inbound = course / "grading" / "exchange" / "readkit" / "inbound"
    other = another_account()
    make_hand_in(inbound / f"{other}+{A1}+{stamp()}+x", answers="theirs?")
    with (course / "nbgrader_config.py").open("a") as config:
        config.write("\nc.ExchangeCollect.check_owner = False\n")
    result = formgrader_api(course).collect(A1)
    assert "check_owner is off" in result["log"]
    answers = course / "grading" / "submitted" / other / A1 / "answers.json"
    assert answers.read_text() == "theirs?"


@pytest.mark.nbgrader
@pytest.mark.parametrize("kind", ["text", "folder"])
def test_a_timestamp_file_that_is_not_a_time_is_refused(course, kind):
    inbound = course / "grading" / "exchange" / "readkit" / "inbound"
    hand_in = make_hand_in(inbound / f"{me()}+{A1}+{stamp()}+x", when="next tuesday, honest")
    if kind == "folder":  # nbgrader's later steps would stop on it (IsADirectoryError)
        (hand_in / "timestamp.txt").unlink()
        (hand_in / "timestamp.txt").mkdir()
    result = formgrader_api(course).collect(A1)
    assert ("its timestamp.txt does not hold a time" if kind == "text"
            else "its timestamp.txt is a folder") in result["log"]
    assert not (course / "grading" / "submitted" / me()).exists()


def test_unsafe_student_ids(tmp_path):
    for good in ("rk-learner01", "jane.doe@school.org", "u_1", "_x", "x" * 64):
        assert student_id_problem(good) is None
    for bad in ("..", ".hidden", "-rf", "a/b", "<b>x</b>", "rk\"x", "a b", "", "x" * 65, "é"):
        assert student_id_problem(bad), bad


def test_refusals_file_keeps_hostile_names_inert(tmp_path):
    """A hand-in name that is HTML, a formula, control characters and far too long: kept
    printable, bounded, not a formula for a spreadsheet, and read back the same; a row edited
    by hand with an unsafe student id or raw control characters is read as hostile input."""
    path = refusals.refusals_file(tmp_path / "grading" / "submitted", A1)
    assert path == tmp_path / "grading" / "collect" / f"{A1}-refused.csv"
    name = ('=HYPERLINK("http://evil.example","x")<img src=x onerror=alert(1)>\x1b[2J\r\n'
            + "z" * 300 + f"+{A1}+t+r")
    item = refusals.refusal(name, name.rsplit("+", 3)[0], os.geteuid(), "it is \x07 odd")
    assert refusals.append_refusals(path, [item]) == 1
    assert refusals.append_refusals(path, [item]) == 0  # the same name: not listed again
    raw = path.read_text(encoding="utf-8")
    assert "\x1b" not in raw and "\r" not in raw and "\x07" not in raw
    header, row = raw.splitlines()  # one line per row: no newline inside a cell
    assert header == "time,handin,student,owner,reason"
    cells = next(csv.reader([row]))
    escaped = ('=HYPERLINK("http://evil.example","x")<img src=x onerror=alert(1)>'
               "\\x1b[2J\\r\\n")
    shown = "'" + escaped + "z" * (199 - len(escaped)) + "…"
    assert len(shown) == 201  # 200 characters and the spreadsheet's apostrophe
    assert cells[1:] == [shown, "", me(), "it is \\x07 odd"]
    (read,) = refusals.read_refusals(path)
    assert (read.handin, read.student, read.owner, read.reason) == (
        shown, "", me(), "it is \\x07 odd")
    with path.open("a", encoding="utf-8", newline="") as handle:  # edited by hand
        csv.writer(handle).writerow(["now", "x+a+t+r", "<b>rk</b>", "o\x1b]0;x\x07",
                                     "r" * 1000])
        csv.writer(handle).writerow(["too", "few"])
    read = refusals.read_refusals(path)[1]
    assert (read.student, read.owner, read.reason) == ("", "o\\x1b]0;x\\x07", "r" * 400 + "…")
    (tmp_path / "other.csv").write_text("name,grade\n")
    with pytest.raises(ValueError, match="is not a list of refused hand-ins"):
        refusals.read_refusals(tmp_path / "other.csv")
    assert refusals.read_refusals(tmp_path / "none.csv") == []


# --- real accounts on one exchange, as `readkit hub` sets it up (root) ------------------------------


def on_a_shared_exchange(test):
    """Root, real system users, the hub environment; real nbgrader and the sandbox."""
    for mark in (pytest.mark.hub, pytest.mark.nbgrader, pytest.mark.sandbox):
        test = mark(test)
    return test


def _require_root_setup() -> None:
    from readkit.hub.deploy import missing_requirements

    problems = missing_requirements(ROOT)
    if problems:
        message = "the exchange test needs: " + "; ".join(problems) + " (make test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def accounts():
    """readkit hub's class without its services (Hub.prepare): the hub environment, an
    instructor and four learners as real system users, the exchange with the course's folders
    made for the instructor. Removed again afterwards (users, homes, the state folder)."""
    _require_root_setup()
    from readkit.hub.deploy import Hub, HubSettings

    prefix = "rkx" + secrets.token_hex(2)
    settings = HubSettings(course=ROOT, learners=4, prefix=prefix,
                           state=Path(f"/tmp/readkit-exchange-test-{prefix}"))
    hub = Hub(settings, say=lambda line: print(line, file=sys.stderr))
    try:
        hub.prepare()
        yield hub
    finally:
        hub.stop()
    for name in [settings.instructor, *settings.learner_names]:
        assert subprocess.run(["id", name], capture_output=True).returncode != 0, name


def as_learner(hub, name: str, script: str, *args: str) -> subprocess.CompletedProcess:
    """A shell command as `name` (what a learner can do in a terminal of their server)."""
    return hub.as_user(name, ["sh", "-c", script, "sh", *args], check=False)


def nbgrader_as(hub, name: str, *args: str) -> subprocess.CompletedProcess:
    cwd = hub.course_dir if name == hub.settings.instructor else None
    return hub.as_user(name, [str(hub.env_bin / "nbgrader"), *args], cwd=cwd, check=False)


def give(hub, name: str, path: Path, text: str) -> None:
    """A file that `name` wrote (written here, then given to them)."""
    path.write_text(text, encoding="utf-8")
    account = hub.accounts[name]
    os.chown(path, account.uid, pwd.getpwnam(name).pw_gid)


@pytest.fixture(scope="module")
def exchange_run(accounts):
    """The whole story on one exchange: a learner tries to take the course folder before the
    first release; the instructor releases; B hands in (nbgrader submit, all right); A hands
    in all wrong in B's name, later; C and D hand in links to the key (a file, a folder); the
    instructor collects, autogrades, grades and generates feedback (real commands, as
    themselves)."""
    from tests.test_nbgrader_e2e import all_right, answers_file, wrong

    hub = accounts
    instructor = hub.settings.instructor
    a, b, c, d = hub.settings.learner_names
    course_folder = hub.exchange / "readkit"
    run: dict = {"names": {"A": a, "B": b, "C": c, "D": d}}

    # Before the first release: A tries to take or block the course's exchange folders.
    run["block"] = {
        "mkdir": as_learner(hub, a, 'mkdir "$1"', str(course_folder)),
        "mkdir outbound": as_learner(hub, a, 'mkdir "$1"', str(course_folder / "outbound" / A1)),
        "move away": as_learner(hub, a, 'mv "$1" "$2"', str(course_folder),
                                str(hub.exchange / "mine")),
        "feedback": as_learner(hub, a, 'touch "$1"', str(course_folder / "feedback" / "x")),
    }
    # The same learner on an exchange left to nbgrader (what readkit hub did before).
    bare = hub.state / "bare-exchange"
    bare.mkdir(mode=0o755)
    os.chmod(bare, 0o1777)
    run["bare mkdir"] = as_learner(hub, a, 'mkdir -m 0777 "$1"', str(bare / "readkit"))

    hub.install_course()  # the course in the instructor's home; readkit release
    run["bare release"] = nbgrader_as(hub, instructor, "release_assignment", A1,
                                      f"--Exchange.root={bare}")
    run["release"] = nbgrader_as(hub, instructor, "release_assignment", A1)
    assert run["release"].returncode == 0, run["release"].stderr[-3000:]

    for name in (a, b, c, d):
        fetched = nbgrader_as(hub, name, "fetch_assignment", A1, "--course=readkit")
        assert fetched.returncode == 0, fetched.stderr[-3000:]
    home = {name: hub.accounts[name].home for name in (a, b, c, d)}
    inbound = course_folder / "inbound"

    # B: all right, handed in with nbgrader's submit (the hub's PrivateSubmit).
    run["B answers"] = answers_file(all_right())
    give(hub, b, home[b] / A1 / "answers.json", run["B answers"])
    submitted = nbgrader_as(hub, b, "submit", A1, "--course=readkit")
    assert submitted.returncode == 0, submitted.stderr[-3000:]

    # A: all wrong, handed in as A (nbgrader submit), then in B's name, an hour later, made
    # by hand in inbound/.
    wrong_answers = answers_file({unit: wrong(unit) for unit in all_right()})
    give(hub, a, home[a] / A1 / "answers.json", wrong_answers)
    submitted = nbgrader_as(hub, a, "submit", A1, "--course=readkit")
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    later = stamp(3600)
    run["forged"] = f"{b}+{A1}+{later}+forged"
    forged = inbound / f"{b}+{A1}+{later}+forged"
    run["forge"] = as_learner(hub, a, 'mkdir "$1" && cp -r "$2"/. "$1"/ && printf %s "$3" > '
                              '"$1/timestamp.txt"', str(forged), str(home[a] / A1), later)

    # C and D: their own hand-ins, holding a link to the key that they cannot read themselves.
    key = hub.course_dir / "data" / "articles" / "raqqa-2021" / "key.csv"
    run["read key"] = as_learner(hub, c, 'cat "$1"', str(key))
    links = {c: ("key.csv", key), d: ("data", hub.course_dir / "data")}
    for name, (link, target) in links.items():
        give(hub, name, home[name] / A1 / "answers.json", wrong_answers)
        when = stamp()
        folder = inbound / f"{name}+{A1}+{when}+linked"
        run[f"link {name}"] = as_learner(
            hub, name, 'mkdir "$1" && cp -r "$2"/. "$1"/ && printf %s "$3" > "$1/timestamp.txt"'
            ' && ln -s "$4" "$1/$5"', str(folder), str(home[name] / A1), when, str(target), link)

    readkit = str(hub.env_bin / "readkit")
    run["collect"] = nbgrader_as(hub, instructor, "collect", A1)
    run["autograde"] = hub.as_instructor([readkit, "autograde", A1], check=False)
    run["grade"] = hub.as_instructor([readkit, "grade", A1], check=False)
    run["feedback"] = nbgrader_as(hub, instructor, "generate_feedback", A1)
    return run



@on_a_shared_exchange
def test_a_learner_cannot_block_the_first_release(accounts, exchange_run):
    block = exchange_run["block"]
    assert "File exists" in block["mkdir"].stderr
    assert "Permission denied" in block["mkdir outbound"].stderr
    assert "Operation not permitted" in block["move away"].stderr
    assert "Permission denied" in block["feedback"].stderr
    assert exchange_run["release"].returncode == 0
    course = accounts.exchange / "readkit"
    owner = accounts.accounts[accounts.settings.instructor].uid
    modes = {name or ".": (course / name).stat() for name in ("", "outbound", "inbound",
                                                               "feedback")}
    assert {name: (s.st_uid, s.st_mode & 0o7777) for name, s in modes.items()} == {
        ".": (owner, 0o755), "outbound": (owner, 0o755), "inbound": (owner, 0o2733),
        "feedback": (owner, 0o711)}
    assert (course / "outbound" / A1 / f"{NB1}.ipynb").is_file()
    # Left to nbgrader, the learner who came first would have blocked it:
    assert exchange_run["bare mkdir"].returncode == 0
    assert exchange_run["bare release"].returncode != 0
    assert "You don't own the directory" in exchange_run["bare release"].stderr


@on_a_shared_exchange
def test_a_hand_in_in_another_learners_name_is_refused(accounts, exchange_run):
    names = exchange_run["names"]
    assert exchange_run["forge"].returncode == 0, exchange_run["forge"].stderr
    collect = exchange_run["collect"]
    log = collect.stdout + collect.stderr
    assert collect.returncode == 0, log[-3000:]
    a, b = names["A"], names["B"]
    assert (f"it is handed in in the name of {b} but belongs to {a} "
            f"(uid {accounts.accounts[a].uid}): a hand-in in another learner's name") in log
    submitted = accounts.course_dir / "grading" / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == sorted([a, b])
    assert (submitted / b / A1 / "answers.json").read_text() == exchange_run["B answers"]


@on_a_shared_exchange
def test_the_victims_own_answers_are_graded(accounts, exchange_run):
    import csv
    import sqlite3

    b = exchange_run["names"]["B"]
    for step in ("autograde", "grade", "feedback"):
        done = exchange_run[step]
        assert done.returncode == 0, (step, (done.stdout + done.stderr)[-3000:])
    reports = accounts.course_dir / "grading" / "reports" / A1
    with (reports / "grades.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert float(rows[b]["points"]) == 30.0  # every unit right; the forged copy would give 0
    connection = sqlite3.connect(accounts.course_dir / "grading" / "gradebook.db")
    scores = dict(connection.execute(
        "SELECT bc.name, g.auto_score FROM grade g JOIN submitted_notebook sn ON "
        "g.notebook_id = sn.id JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
        "JOIN base_cell bc ON g.cell_id = bc.id WHERE sa.student_id = ?", (b,)))
    connection.close()
    assert scores == {"part-1-grade": 8.0, "part-2-grade": 9.0, "part-3-grade": 13.0,
                      "rewrite-choice-grade": 0.0,
                      "rewrite-answer": 0.0}  # the released notebook, unanswered: nbgrader's 0


@on_a_shared_exchange
def test_hand_ins_with_a_link_to_the_key_are_refused_and_leak_nothing(accounts, exchange_run):
    from tests.test_nbgrader_e2e import leaks, visible_text

    names = exchange_run["names"]
    c, d = names["C"], names["D"]
    assert "Permission denied" in exchange_run["read key"].stderr  # they cannot read it
    for name in (c, d):
        assert exchange_run[f"link {name}"].returncode == 0, exchange_run[f"link {name}"].stderr
    grading = accounts.course_dir / "grading"
    for name in (c, d):
        for stage in ("submitted", "autograded", "feedback"):
            folder = grading / stage / name
            found = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
            assert [(p, leaks(visible_text(p))[:1]) for p in found
                    if leaks(visible_text(p))] == [], (name, stage)
            assert not folder.exists(), (name, stage)
    log = exchange_run["collect"].stdout + exchange_run["collect"].stderr
    assert f"Refused the hand-in {c}+{A1}+" in log and "key.csv is a link" in log
    assert f"Refused the hand-in {d}+{A1}+" in log and "data is a link" in log
    assert f"3 hand-in(s) of '{A1}' refused" in log


@on_a_shared_exchange
def test_refused_hand_ins_are_on_the_rows_of_grades_csv(accounts, exchange_run):
    """The refusals do not stay in collect's log: the course's refusals file lists each with
    its owner and reason, and readkit grade flags the victim's row and the forger's, and gives
    C and D (nothing of theirs collected) a row with no points."""
    names = exchange_run["names"]
    a, b, c, d = names["A"], names["B"], names["C"], names["D"]
    grading = accounts.course_dir / "grading"
    rows = {row[0].rsplit("+", 3)[-1] + " " + row[1]: row[1:]
            for row in refused_rows(grading / "collect" / f"{A1}-refused.csv")}
    assert set(rows) == {f"forged {b}", f"linked {c}", f"linked {d}"}
    forged = "a hand-in in another learner's name"
    assert rows[f"forged {b}"] == (b, a, forged)
    assert [row[:2] for row in (rows[f"linked {c}"], rows[f"linked {d}"])] == [(c, c), (d, d)]
    assert rows[f"linked {c}"][2].startswith("key.csv is a link")
    assert rows[f"linked {d}"][2].startswith("data is a link")
    with (grading / "reports" / A1 / "grades.csv").open(encoding="utf-8", newline="") as handle:
        grades = {row["student"]: row for row in csv.DictReader(handle)}
    assert sorted(grades) == sorted([a, b, c, d])
    assert (grades[b]["flag"], grades[b]["points"], grades[b]["reason"]) == (
        "REFUSED-HANDIN", "30",
        f"a hand-in in this name owned by {a} was refused at collect ({forged})")
    assert (grades[a]["flag"], grades[a]["reason"]) == (
        "FORGED-HANDIN",
        f"made a hand-in in another learner's name ({b}), refused at collect ({forged})")
    for name, why in ((c, rows[f"linked {c}"][2]), (d, rows[f"linked {d}"][2])):
        assert [grades[name][k] for k in ("points", "status", "flag", "reason")] == [
            "0", "handin-refused", "REFUSED-HANDIN",
            "a hand-in in this name was refused at collect and nothing else was collected: "
            "no points (ask them to hand in again); a hand-in in this name owned by "
            f"{name} was refused at collect ({why})"]
    out = exchange_run["grade"].stdout
    assert (f"Refused at collect: 3 hand-in(s), not graded (listed in "
            f"grading/collect/{A1}-refused.csv): ") in out
    assert (f"FLAGGED {b}: a hand-in in this name owned by {a} was refused at collect "
            f"({forged})\n") in out
