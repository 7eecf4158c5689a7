"""The errors a user can fix (their own module: every stage raises them; the message says what
to do)."""


class CourseError(RuntimeError):
    """The course or one of its files is missing or unreadable; the message says what to do."""


class GradingError(CourseError):
    """Something the instructor must fix before a class can be graded (the message says what).
    A CourseError too: a command that grades reports both the same way."""
