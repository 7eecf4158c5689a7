"""`readkit grade ASSIGNMENT --uploads PATH`: an LMS's bulk download of answers.json hand-ins
(Moodle's folders, Canvas's zip with its LATE and -1 names, one file per learner) lands in
grading/submitted/<id>/ASSIGNMENT/answers.json and is graded like any hand-in; everything
hostile in the upload is left out with why, and nothing is written outside the course."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readkit.cli import main
from readkit.course.answers import MAX_BYTES
from readkit.nbgrader import student_ids, uploads
from tests.support.grading import (
    ASSIGNMENT,
    GOLDEN,
    hand_in,
    hand_in_notebook,
    submission_dir,
)

SUBMISSIONS = GOLDEN / "grade" / "submissions"
ALICE, BOB = SUBMISSIONS / "alice-perfect.json", SUBMISSIONS / "bob-partial.json"
# grades.csv's Sorter columns (part-1..3) of the golden files (tests/golden/grade/), and the
# rest of an answers-only hand-in's row: no notebook, so no chosen sentence and a rewrite to
# grade by hand (no gradebook in these courses); both label every sentence (0 unlabelled).
ALICE_PARTS, BOB_PARTS = "8,9,13", "4.21,9,8.97"
NO_NOTEBOOK = (",0,,ok; no-gradebook,pending,rewrite-choice scores 0: no sort-the-sources.ipynb "
               "was handed in,,,0")


def grade(root: Path, upload: Path, *options: str) -> int:
    return main(["grade", ASSIGNMENT, "--course", str(root), "--uploads", str(upload),
                 *options])


def grades_rows(root: Path) -> dict[str, str]:
    lines = (root / "grading" / "reports" / ASSIGNMENT / "grades.csv").read_text().splitlines()
    return {line.split(",", 1)[0]: line.split(",", 1)[1] for line in lines[1:]}


def row(parts: str) -> str:
    return f",35,,{parts}{NO_NOTEBOOK}"


def submitted(root: Path, student: str) -> bytes:
    return (submission_dir(root, student) / "answers.json").read_bytes()


def zip_entry(archive: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o100644,
              date=(2026, 12, 1, 10, 0, 0)) -> None:
    info = zipfile.ZipInfo(name, date_time=date)
    info.create_system = 3  # Unix: external_attr holds the mode, as Info-ZIP writes it
    info.external_attr = mode << 16
    archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def test_moodle_folder_is_imported_and_graded(course_root, tmp_path, capsys):
    upload = tmp_path / "01 Sort the sources-12-download"
    for folder, source in (("Alice Perfect_1001_assignsubmission_file_", ALICE),
                           ("Bob Partial_1002_assignsubmission_file_", BOB)):
        (upload / folder).mkdir(parents=True)
        shutil.copy(source, upload / folder / "answers.json")
    (upload / "Bob Partial_1002_assignsubmission_onlinetext_").mkdir()
    (upload / "Bob Partial_1002_assignsubmission_onlinetext_" / "onlinetext.html").write_text(
        "<p>see file</p>")

    assert grade(course_root, upload) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:5] == [
        f"Imported 2 answers file(s) of {ASSIGNMENT} from the upload (0 already there, "
        "unchanged); skipped 1.",
        "  Alice_Perfect            <- Alice Perfect_1001_assignsubmission_file_/answers.json",
        "  Bob_Partial              <- Bob Partial_1002_assignsubmission_file_/answers.json",
        "  skipped Bob Partial_1002_assignsubmission_onlinetext_/onlinetext.html: not an "
        "answers file (only .json files are imported; learners hand in answers.json)",
        f"Graded 2 submission(s) of {ASSIGNMENT} (max 35 points) in " + out[4].split(" in ")[1],
    ]
    assert submitted(course_root, "Alice_Perfect") == ALICE.read_bytes()
    assert submitted(course_root, "Bob_Partial") == BOB.read_bytes()
    assert grades_rows(course_root) == {"Alice_Perfect": row(ALICE_PARTS),
                                        "Bob_Partial": row(BOB_PARTS)}

    # The same download again (the teacher runs grade twice): nothing changes, nothing refused.
    assert grade(course_root, upload) == 0
    assert capsys.readouterr().out.startswith(
        f"Imported 0 answers file(s) of {ASSIGNMENT} from the upload (2 already there, "
        "unchanged); skipped 1.")


def canvas_zip(path: Path, outside: Path) -> Path:
    """A Canvas "Download Submissions" zip: loose files named <lastfirst>_<user id>_<attachment
    id>_<file>; perfectalice handed in twice (the second late, renamed answers-1.json by Canvas),
    plus every kind of hostile entry."""
    with zipfile.ZipFile(path, "w") as archive:
        zip_entry(archive, "perfectalice_2001_3001_answers.json", BOB.read_bytes(),
                  date=(2026, 12, 2, 9, 0, 0))  # older, though its zip time is later
        zip_entry(archive, "perfectalice_LATE_2001_3005_answers-1.json", ALICE.read_bytes())
        # as Python's writestr and many LMS zip writers store it: permission bits, no file type
        archive.writestr("partialbob_2002_3002_answers.json", BOB.read_bytes())
        zip_entry(archive, "partialbob_2002_3002_sort-the-sources.ipynb", b"{}")
        # zip-slip: a path out of the upload, absolute and relative
        zip_entry(archive, f"../../{outside.name}", ALICE.read_bytes())
        zip_entry(archive, "/tmp/slipcarl_2003_3003_answers.json", ALICE.read_bytes())
        # a link (to the key, to /etc/passwd): its "content" is the link's target
        zip_entry(archive, "linkdan_2004_3004_answers.json", b"/etc/passwd", mode=0o120777)
        # 2 MB that packs into a few kB: more than any answers file
        zip_entry(archive, "bigerin_2005_3006_answers.json", b" " * (2 * 1024 * 1024))
        # HTML and a terminal escape in the learner's name
        zip_entry(archive, "<svg onload=alert(1)>_2006_3007_answers.json", BOB.read_bytes())
        zip_entry(archive, "\x1b[2Jclsfrank_2007_3008_answers.json", ALICE.read_bytes())
        zip_entry(archive, "__MACOSX/._partialbob_2002_3002_answers.json", b"\x00\x05")
    return path


def test_canvas_zip_late_duplicate_and_hostile_entries(course_root, tmp_path, capsys):
    outside = tmp_path / "slipped.json"
    upload = canvas_zip(tmp_path / "submissions.zip", outside)
    # The 2 MB entry's header claims 2 MB: the bound is on what is read, shown by a header
    # that lies (a zip bomb) in test_a_zip_bomb_is_bounded_by_what_it_unpacks_to.
    assert grade(course_root, upload) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == (f"Imported 4 answers file(s) of {ASSIGNMENT} from the upload (0 "
                        "already there, unchanged); skipped 7.")
    assert lines[1:5] == [
        "  2Jclsfrank               <- \\x1b[2Jclsfrank_2007_3008_answers.json",
        "  partialbob               <- partialbob_2002_3002_answers.json",
        "  perfectalice             <- perfectalice_LATE_2001_3005_answers-1.json",
        "  svg_onload_alert_1       <- <svg onload=alert(1)>_2006_3007_answers.json",
    ]
    assert sorted(lines[5:12]) == sorted([
        "  skipped partialbob_2002_3002_sort-the-sources.ipynb: not an answers file (only "
        ".json files are imported; learners hand in answers.json)",
        f"  skipped ../../{outside.name}: its path leads out of the upload (zip-slip); not "
        "extracted",
        "  skipped /tmp/slipcarl_2003_3003_answers.json: its path leads out of the upload "
        "(zip-slip); not extracted",
        "  skipped linkdan_2004_3004_answers.json: it is a link, not a file; not followed",
        "  skipped bigerin_2005_3006_answers.json: it is 2,097,152 bytes, far more than an "
        f"answers file can be (limit {MAX_BYTES:,})",
        "  skipped __MACOSX/._partialbob_2002_3002_answers.json: system file of the computer "
        "that made the zip",
        "  skipped perfectalice_2001_3001_answers.json: an older hand-in of perfectalice "
        "(kept: perfectalice_LATE_2001_3005_answers-1.json)",
    ])
    assert "\x1b" not in out and lines[12].startswith("Graded 4 submission(s)")
    # Nothing outside the course, no link, no file of the hostile entries.
    assert not outside.exists() and not Path("/tmp/slipcarl_2003_3003_answers.json").exists()
    assert sorted(p.name for p in (course_root / "grading" / "submitted").iterdir()) == [
        "2Jclsfrank", "partialbob", "perfectalice", "svg_onload_alert_1"]
    assert submitted(course_root, "perfectalice") == ALICE.read_bytes()  # the late one won
    # Exact points from the files as submitted.
    assert grades_rows(course_root) == {
        "2Jclsfrank": row(ALICE_PARTS), "partialbob": row(BOB_PARTS),
        "perfectalice": row(ALICE_PARTS), "svg_onload_alert_1": row(BOB_PARTS)}


def test_a_zip_bomb_is_bounded_by_what_it_unpacks_to(course_root, tmp_path, capsys):
    """An entry whose headers claim 100 bytes but that inflates to 2 MB: it is read no further
    than the claim (zipfile stops there, and readkit never past MAX_BYTES + 1), fails its
    checksum and is left out; the honest entry beside it is imported."""
    upload = tmp_path / "bomb.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        zip_entry(archive, "bomb_1_2_answers.json", b"{" + b" " * (2 * 1024 * 1024))
        zip_entry(archive, "ok_3_4_answers.json", ALICE.read_bytes())
    # Rewrite the bomb's sizes in its local and central headers to claim 100 bytes.
    data = bytearray(upload.read_bytes())
    with zipfile.ZipFile(upload) as archive:
        info = archive.getinfo("bomb_1_2_answers.json")
        central = data.index(b"PK\x01\x02")
    data[info.header_offset + 22:info.header_offset + 26] = (100).to_bytes(4, "little")
    data[central + 24:central + 28] = (100).to_bytes(4, "little")
    upload.write_bytes(bytes(data))
    with zipfile.ZipFile(upload) as archive:
        assert archive.getinfo("bomb_1_2_answers.json").file_size == 100
    assert grade(course_root, upload) == 0
    out = capsys.readouterr().out
    assert ("  skipped bomb_1_2_answers.json: it cannot be read from the zip (Bad CRC-32 for "
            "file 'bomb_1_2_answers.json')\n") in out
    assert "Imported 1 answers file(s)" in out
    assert not submission_dir(course_root, "bomb").exists()


def test_plain_folder_links_devices_and_names_that_are_not_utf8(course_root, tmp_path,
                                                                 capsys):
    upload = tmp_path / "classroom"
    (upload / "ada").mkdir(parents=True)
    shutil.copy(BOB, upload / "ada" / "answers.json")
    shutil.copy(ALICE, upload / "ada" / "answers (1).json")  # handed in again: newer
    shutil.copy(BOB, upload / "grace-answers.json")
    shutil.copy(ALICE, upload / "Zoë Ça - answers.json")
    shutil.copy(ALICE, os.fsencode(upload) + b"/caf\xe9.json")  # not UTF-8
    (upload / "mallory").mkdir()
    (upload / "mallory" / "answers.json").symlink_to(ALICE)  # a link: never followed
    (upload / "linked").symlink_to(upload / "ada")  # a linked folder: not walked
    os.mkfifo(upload / "fifo.json")  # would block a naive reader
    (upload / "answers.json").write_bytes(ALICE.read_bytes())  # whose?
    (upload / "big.json").write_bytes(b" " * (2 * 1024 * 1024))

    assert grade(course_root, upload) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[:5] == [
        f"Imported 4 answers file(s) of {ASSIGNMENT} from the upload (0 already there, "
        "unchanged); skipped 6.",
        "  Zoe_Ca                   <- Zoë Ça - answers.json",
        "  ada                      <- ada/answers (1).json",
        "  caf                      <- caf\\udce9.json",
        "  grace                    <- grace-answers.json",
    ]
    assert sorted(lines[5:11]) == [
        "  skipped ada/answers.json: an older hand-in of ada (kept: ada/answers (1).json)",
        "  skipped answers.json: no learner's name in it: put each learner's answers.json in "
        "a folder named after them (their LMS login), or name it <login>.json",
        "  skipped big.json: big.json is 2,097,152 bytes, far more than an answers file can "
        f"be (limit {MAX_BYTES:,})",
        "  skipped fifo.json: it is a named pipe (FIFO), not a file; not followed",
        "  skipped linked: it is a link, not a file; not followed",
        "  skipped mallory/answers.json: it is a link, not a file; not followed",
    ]
    assert grades_rows(course_root) == {
        "Zoe_Ca": row(ALICE_PARTS), "ada": row(ALICE_PARTS), "caf": row(ALICE_PARTS),
        "grace": row(BOB_PARTS)}


def test_an_existing_submission_is_replaced_only_with_update(course_root, tmp_path, capsys):
    """partialbob handed in through nbgrader (notebook and answers.json); the LMS download has
    another answers.json of his: not replaced without --update, which replaces answers.json
    only (the notebook stays)."""
    hand_in(course_root, "partialbob", "bob-partial.json")
    notebook = hand_in_notebook(course_root, "partialbob", "p51s2")
    notebook_bytes = notebook.read_bytes()
    upload = tmp_path / "canvas"
    upload.mkdir()
    shutil.copy(ALICE, upload / "partialbob_2002_3009_answers.json")

    assert grade(course_root, upload) == 0
    out = capsys.readouterr().out
    assert ("  skipped partialbob_2002_3009_answers.json: grading/submitted/partialbob/"
            f"{ASSIGNMENT}/ already holds a submission (from nbgrader collect or an earlier "
            "upload) and it was not replaced; run again with --update to replace its "
            "answers.json\n") in out
    assert submitted(course_root, "partialbob") == BOB.read_bytes()
    assert grades_rows(course_root)["partialbob"].startswith(f",35,,{BOB_PARTS},1,")

    assert grade(course_root, upload, "--update") == 0
    assert "  partialbob               <- partialbob_2002_3009_answers.json\n" in \
        capsys.readouterr().out
    assert submitted(course_root, "partialbob") == ALICE.read_bytes()
    assert notebook.read_bytes() == notebook_bytes
    assert grades_rows(course_root)["partialbob"].startswith(f",35,,{ALICE_PARTS},1,")


def test_one_name_two_lms_learners_keeps_both(course_root, tmp_path, capsys):
    """Two Moodle learners named Jo Lee (participant ids 7 and 8): neither is taken for an
    older hand-in of the other."""
    upload = tmp_path / "moodle"
    for number, source in (("7", ALICE), ("8", BOB)):  # a folder this time
        folder = upload / f"Jo Lee_{number}_assignsubmission_file_"
        folder.mkdir(parents=True)
        shutil.copy(source, folder / "answers.json")
    assert grade(course_root, upload) == 0
    assert capsys.readouterr().out.splitlines()[1:3] == [
        "  Jo_Lee_7                 <- Jo Lee_7_assignsubmission_file_/answers.json",
        "  Jo_Lee_8                 <- Jo Lee_8_assignsubmission_file_/answers.json"]
    assert grades_rows(course_root) == {"Jo_Lee_7": row(ALICE_PARTS),
                                        "Jo_Lee_8": row(BOB_PARTS)}


def test_clear_errors_and_nothing_written(course_root, tmp_path, capsys):
    not_an_upload = tmp_path / "grades.xlsx"
    not_an_upload.write_bytes(b"PK not really a zip")
    assert grade(course_root, not_an_upload) == 2
    assert capsys.readouterr().err == (
        f"readkit grade: {not_an_upload} is neither a folder nor a .zip file. Give the LMS's "
        "bulk download of the assignment's submissions: the .zip as downloaded, or the folder "
        "it was unpacked into.\n")
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(ALICE, upload / "ada.json")
    # A mistyped assignment: refused before any file lands in a folder of its name.
    assert main(["grade", "01-sort-the-source", "--course", str(course_root), "--uploads",
                 str(upload)]) == 2
    assert "solutions/01-sort-the-source has no notebook" in capsys.readouterr().err
    assert main(["grade", ASSIGNMENT, "--course", str(course_root), "--update"]) == 2
    assert capsys.readouterr().err == "readkit grade: --update only goes with --uploads PATH.\n"
    assert not (course_root / "grading" / "submitted").exists()


@pytest.mark.parametrize(("name", "learner"), [
    ("Ada Lovelace_17_assignsubmission_file_/answers.json", ("Ada Lovelace", "17", (0,))),
    ("x/Ada Lovelace_17_assignsubmission_file_/answers (2).json", ("Ada Lovelace", "17", (2,))),
    ("lovelaceada_17_4242_answers.json", ("lovelaceada", "17", (4242, 0))),
    ("lovelaceada_LATE_17_4250_answers-1.json", ("lovelaceada", "17", (4250, 1))),
    ("LATE_lovelaceada_17_4250_answers-2.json", ("lovelaceada", "17", (4250, 2))),
    ("lovelaceada_late_17_4250_answers.json", ("lovelaceada", "17", (4250, 0))),
    ("ada/answers.json", ("ada", "", (0,))),
    ("submissions/ada/answers-3.json", ("ada", "", (3,))),
    ("ada.json", ("ada", "", (0,))),
    ("ada-answers.json", ("ada", "", (0,))),
    ("ada_Answers (1).json", ("ada", "", (1,))),
    ("Ada Lovelace - answers.json", ("Ada Lovelace", "", (0,))),
])
def test_whose(name, learner):
    assert uploads.whose(name) == learner


@pytest.mark.parametrize("name", ["answers.json", "answers-1.json", " - answers.json"])
def test_whose_refuses_a_file_that_names_no_learner(name):
    assert uploads.whose(name).startswith("no learner's name in it")


def test_ids_from_names_pass_the_one_rule():
    assert [student_ids.from_name(name) for name in (
        "Ada Lovelace", "lovelaceada", "Zoë O'Brien", "<svg onload=alert(1)>", "..hidden",
        "-rf", "=1+1", "a" * 100, "日本", "\x1b[2J", "ada\u202e")] == [
        "Ada_Lovelace", "lovelaceada", "Zoe_O_Brien", "svg_onload_alert_1", "hidden", "rf",
        "1_1", "a" * student_ids.MAX_LENGTH, None, "2J", "ada"]


@given(st.text(max_size=200))
def test_any_name_gives_a_safe_id_or_none(name):
    student = student_ids.from_name(name)
    assert student is None or student_ids.is_safe(student)


def test_a_file_where_the_folder_should_be_is_reported(course_root, tmp_path, capsys):
    (course_root / "grading" / "submitted" / "ada").mkdir(parents=True)
    (course_root / "grading" / "submitted" / "ada" / ASSIGNMENT).write_text("not a folder")
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(ALICE, upload / "ada.json")
    shutil.copy(BOB, upload / "grace.json")
    shutil.copy(BOB, upload / "日本.json")
    assert grade(course_root, upload) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        f"Imported 1 answers file(s) of {ASSIGNMENT} from the upload (0 already there, "
        "unchanged); skipped 2.",
        "  grace                    <- grace.json",
        "  skipped 日本.json: no student id can be made from the learner's name; rename its "
        "file or folder in the upload to their LMS login and run again",
        f"  skipped ada.json: grading/submitted/ada/{ASSIGNMENT}/answers.json cannot be "
        "written (File exists); see what is there and run again",
    ]
    assert grades_rows(course_root)["grace"] == row(BOB_PARTS)
