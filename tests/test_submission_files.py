"""A submission holding more than plain files is refused before nbgrader copies it (its copy
follows links and reads devices)."""

import os

from readkit.nbgrader.submission_files import refusal, unsafe_entries


def test_plain_files_and_folders_are_fine(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "answers.json").write_text("{}")
    (tmp_path / "sub" / "notes.txt").write_text("x")
    assert unsafe_entries(tmp_path) == []
    assert refusal(tmp_path) is None


def test_links_pipes_and_devices_are_named_at_any_depth(tmp_path):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "key.csv").symlink_to("/etc/passwd")
    (tmp_path / "deep" / "er" / "zero").symlink_to("/dev/zero")
    (tmp_path / "other").symlink_to(tmp_path / "deep", target_is_directory=True)
    os.mkfifo(tmp_path / "deep" / "pipe")
    assert unsafe_entries(tmp_path) == [
        "deep/er/zero is a link", "deep/pipe is a named pipe (FIFO)", "key.csv is a link",
        "other is a link"]
    message = refusal(tmp_path)
    assert message.startswith("not autograded: the submission holds more than plain files "
                              "(deep/er/zero is a link; deep/pipe is a named pipe (FIFO); ")
    assert message.endswith("Ask the learner to hand in the assignment folder again without "
                            "links or special files.")


def test_a_submission_folder_that_is_a_link_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    assert unsafe_entries(tmp_path / "alias") == ["alias is a link, not a folder"]


def test_more_than_five_problems_are_counted(tmp_path):
    for n in range(7):
        (tmp_path / f"l{n}").symlink_to("/etc/hostname")
    assert refusal(tmp_path).count(" is a link") == 5
    assert "; and 2 more)" in refusal(tmp_path)
