"""Finding an article of the course for the generators (new-assignment, new-lesson), with
messages that say what to do."""

from __future__ import annotations

from readkit.course.course import Article, Course, CourseError


class GeneratorError(Exception):
    """Something the course author can fix; the message says what."""


def open_article(course: Course, slug: str) -> Article:
    """The article `slug`, or GeneratorError saying which articles there are."""
    try:
        return course.article(slug)
    except CourseError as error:
        raise GeneratorError(str(error)) from None


def assignment_names(course: Course) -> dict[str, str]:
    """assignment -> the slug of the article whose sections.csv names it, for every article."""
    names: dict[str, str] = {}
    for slug in course.article_slugs:
        try:
            sections = open_article(course, slug).sections()
        except (CourseError, ValueError) as error:
            raise GeneratorError(f"{slug}/sections.csv cannot be read: {error}") from None
        for section in sections:
            names.setdefault(section.assignment, slug)
    return names
