"""What `readkit.Sorter` (and `readkit.HandIn`, the download button) is while nbgrader
autogrades a notebook.

Nobody sees the widget then, and the grade comes from the answers.json that was handed in. So
the widget library is not loaded in every grading kernel (about 0.15 s of CPU per submission),
and the submitted answers.json is left exactly as it came, even when it is unreadable (the
real Sorter would move such a file aside and start a fresh one).
"""

from pathlib import Path


class SorterPlaceholder:
    def __init__(self, units=None, *, assignment, answers_path="answers.json", mode="practice",
                 article=None, course=None):
        self.units, self.assignment, self.mode = units, assignment, mode
        self.answers_path = Path(answers_path)

    @classmethod
    def section(cls, assignment, section, *, course=None, answers_path="answers.json"):
        return cls(section, assignment=assignment, answers_path=answers_path, mode="assessment")

    def __repr__(self) -> str:
        return (f"Sorter for {self.assignment} (not shown while nbgrader grades: "
                f"the grade comes from {self.answers_path.name})")


class HandInPlaceholder:
    def __init__(self, assignment, *, answers_path="answers.json"):
        self.assignment = assignment

    def __repr__(self) -> str:
        return f"Download button for {self.assignment} (not shown while nbgrader grades)"
