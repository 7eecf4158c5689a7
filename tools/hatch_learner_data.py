"""Build hook: put the learner-safe data into the wheel as readkit/_data.

Learners in a class get the wheel. It carries the article, units, sources, claims and sections,
and only the practice rows of key.csv: assessment labels and rationales stay with the instructor.
Editable installs read the course's data/ directly and need nothing here.
"""

import csv
import shutil
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PUBLIC_FILES = ("article.txt", "units.csv", "sources.csv", "claims.csv", "sections.csv")


def write_practice_key(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, [r for r in reader if r["split"] == "practice"]
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


class LearnerDataHook(BuildHookInterface):
    PLUGIN_NAME = "learner-data"

    def initialize(self, version: str, build_data: dict) -> None:
        data = Path(self.root) / "data"
        if self.target_name != "wheel" or version == "editable" or not data.is_dir():
            return
        self._staging = Path(tempfile.mkdtemp(prefix="readkit-wheel-data-"))
        for name in PUBLIC_FILES:
            if (data / name).is_file():
                shutil.copy2(data / name, self._staging / name)
        write_practice_key(data / "key.csv", self._staging / "key.csv")
        for path in self._staging.iterdir():
            build_data["force_include"][str(path)] = f"readkit/_data/{path.name}"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        if getattr(self, "_staging", None):
            shutil.rmtree(self._staging, ignore_errors=True)
