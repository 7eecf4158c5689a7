"""Where the course lives: the folder with nbgrader_config.py, data/, solutions/ and exercises/."""

import os
from pathlib import Path

CONFIG_FILE = "nbgrader_config.py"


class CourseNotFound(RuntimeError):
    pass


def _is_course(folder: Path) -> bool:
    return (folder / CONFIG_FILE).is_file() and (folder / "data").is_dir()


def find_course_root(start: Path | str | None = None) -> Path:
    """The course root: $READKIT_COURSE, else the nearest course folder above `start` (or the
    working directory, which is where nbgrader runs a submission), else this source checkout."""
    configured = os.environ.get("READKIT_COURSE")
    if configured:
        root = Path(configured).expanduser().resolve()
        if not _is_course(root):
            raise CourseNotFound(
                f"READKIT_COURSE={configured} is not a course folder "
                f"(it needs {CONFIG_FILE} and data/). Fix the variable or unset it."
            )
        return root
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_course(folder):
            return folder
    checkout = Path(__file__).resolve().parents[2]
    if _is_course(checkout):
        return checkout
    raise CourseNotFound(
        f"No course folder found above {here}. Run this from the course folder (the one with "
        f"{CONFIG_FILE}) or set READKIT_COURSE to it."
    )
