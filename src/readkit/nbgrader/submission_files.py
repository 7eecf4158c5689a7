"""What a submission folder holds, checked before nbgrader copies it.

nbgrader's autograde copies every file of a submission into the autograded folder with
shutil.copy, which follows links and reads devices: a submitted link to the course's key.csv
would put the key inside the learner's own sandbox, a link to /dev/zero would fill the disk, and
a link to another learner's folder would hand over their work. So a submission that holds
anything but plain files and folders is not autograded; `readkit grade` still gives it a row.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from readkit.course.answers import file_kind


def unsafe_entries(folder: Path) -> list[str]:
    """'<relative path> is a link' (etc.) for every entry under `folder`, the folder itself
    included, that is not a plain file or folder. Links are never followed."""
    found = []
    try:
        top = os.lstat(folder)
    except OSError as error:
        return [f"{folder.name} cannot be read ({error.strerror or error})"]
    if not stat.S_ISDIR(top.st_mode):
        return [f"{folder.name} is {file_kind(top.st_mode)}, not a folder"]
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as error:
            found.append(f"{current.relative_to(folder)} cannot be read ({error.strerror})")
            continue
        for entry in entries:
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                pending.append(Path(entry.path))
            elif not stat.S_ISREG(mode):
                found.append(f"{Path(entry.path).relative_to(folder)} is {file_kind(mode)}")
    return sorted(found)


def refusal(folder: Path) -> str | None:
    """Why this submission folder must not be autograded, or None."""
    problems = unsafe_entries(folder)
    if not problems:
        return None
    shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5
                                       else "")
    return (f"not autograded: the submission holds more than plain files ({shown}). Ask the "
            "learner to hand in the assignment folder again without links or special files.")
