"""Build hook: put the learner-safe data into the wheel as readkit/_data.

Learners in a class get the wheel. It carries data/articles.csv and, for every article, its
text, units, sources, claims and sections, and only the practice rows of its key.csv
(readkit.course.learner_data decides which). Editable
installs read the course's data/ directly and need nothing here.
"""

import importlib
import shutil
import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _learner_data_module(root: Path):
    # The build environment does not have readkit installed: import it from the source tree.
    # readkit.course.learner_data and what it imports (the contract's CSV reader, the key's
    # rows) need the standard library only.
    sys.path.insert(0, str(root / "src"))
    try:
        return importlib.import_module("readkit.course.learner_data")
    finally:
        sys.path.remove(str(root / "src"))


class LearnerDataHook(BuildHookInterface):
    PLUGIN_NAME = "learner-data"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        data = root / "data"
        if self.target_name != "wheel" or version == "editable" or not data.is_dir():
            return
        self._staging = Path(tempfile.mkdtemp(prefix="readkit-wheel-data-"))
        for path in _learner_data_module(root).write_learner_files(data, self._staging):
            inside = path.relative_to(self._staging).as_posix()
            build_data["force_include"][str(path)] = f"readkit/_data/{inside}"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        if getattr(self, "_staging", None):
            shutil.rmtree(self._staging, ignore_errors=True)
