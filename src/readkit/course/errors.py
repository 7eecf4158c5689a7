"""The course layer's one error type (its own module: course.py and article.py both raise it)."""


class CourseError(RuntimeError):
    """The course or one of its files is missing or unreadable; the message says what to do."""
