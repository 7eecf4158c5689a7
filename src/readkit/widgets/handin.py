"""Hand in by download: a button under the assignment's last check that saves answers.json to
the learner's computer, for a class that collects files (an LMS upload, the browser version of
the course, where the answers live in the browser's storage).

    readkit.HandIn("01-sort-the-sources")

The file is read when the button is pressed, checked with the answers store's reader (the
same one that grades it) and sent as it is on disk: the teacher grades exactly what the Sorter
saved, with `readkit grade`.
"""

import os
from pathlib import Path

from readkit.course import answers as store
from readkit.widgets.sorter import nbgrader_autogrades

HELP = (
    "To hand in by upload: press the button, then upload the downloaded answers.json where "
    "your teacher asked (your class's LMS assignment, for example). Another way: right-click "
    "answers.json in the file browser on the left and choose Download. Your written answers "
    "(part 5) are in this notebook: if your teacher asks for them, save it and download it "
    "too (File, Download). In a class that collects the whole folder (on JupyterHub: "
    "Nbgrader > Assignment List > Submit), submit there instead."
)


def file_message(path: Path, assignment: str) -> dict:
    """What the button gets: the file as it is on disk, or why it is not ready."""
    found = store.read_answers(path, assignment)
    if not found.usable:
        return {"type": "not-ready", "text": " ".join(found.problems)}
    count = len(found.answers)
    return {"type": "file", "name": path.name, "text": path.read_text(encoding="utf-8-sig"),
            "summary": f"{path.name} downloaded: {count} sentence"
                       f"{'' if count == 1 else 's'} labelled. Now upload it."}


class HandIn:
    """A "Download answers.json" button for `assignment`'s answers file (beside the notebook by
    default). While nbgrader autogrades it is nothing: no widget, no file read (like the
    Sorter, whose module it shares the test with)."""

    def __init__(self, assignment: str, *, answers_path: str | Path = store.ANSWERS_FILE) -> None:
        # Resolved now, like the Sorter's: a later chdir does not move the file.
        self.path = Path(os.path.abspath(Path(answers_path).expanduser()))
        self.assignment = assignment
        self.widget = None
        if not nbgrader_autogrades():
            from readkit.widgets.handin_widget import HandInWidget

            self.widget = HandInWidget(filename=self.path.name, help=HELP)
            self.widget.on_msg(self._on_message)

    def file_message(self) -> dict:
        """What the button gets when pressed (file_message)."""
        return file_message(self.path, self.assignment)

    def _on_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("type") == "download":
            self.widget.send(self.file_message())

    def _repr_mimebundle_(self, **kwargs):
        if self.widget is None:
            return {"text/plain": repr(self)}
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        if self.widget is None:
            return f"HandIn for {self.assignment} (not shown while nbgrader grades)"
        return f"HandIn for {self.assignment} ({self.path.name})"
