"""Finding an article of the course for the generators (new-assignment, new-lesson).

The lookup of an article's folder lives in `_article` only: everything else here and in the
generators goes through `open_article`, `article_slugs` and `assignment_names`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from readkit.course.course import Article, Course, CourseError

SECTIONS = "sections.csv"


class GeneratorError(Exception):
    """Something the course author can fix; the message says what."""


@dataclass(frozen=True)
class OpenArticle:
    slug: str
    folder: Path
    data: Article  # key(split), units, sections(), rows(name), ...


def _article(course: Course, slug: str | None = None) -> tuple[Article, Path] | list[str]:
    """THE article lookup. slug None: every article's slug, in course order (data/articles.csv);
    else the course's Article (key(split), units, sections(), rows(name), ...) and its folder."""
    if slug is None:
        return list(course.article_slugs)
    article = course.article(slug)
    return article, article.folder


def article_slugs(course: Course) -> list[str]:
    return list(_article(course))


def open_article(course: Course, slug: str) -> OpenArticle:
    """The article `slug`, or GeneratorError saying which articles there are."""
    slugs = article_slugs(course)
    if slug not in slugs:
        raise GeneratorError(
            f"There is no article {slug!r} in this course (articles: {', '.join(slugs) or 'none'})."
            " Check the name, or make the article first: readkit new-article SLUG FILE.")
    try:
        data, folder = _article(course, slug)
    except CourseError as error:
        raise GeneratorError(str(error)) from None
    return OpenArticle(slug, folder, data)


def assignment_names(course: Course) -> dict[str, str]:
    """assignment -> the slug of the article whose sections.csv names it, for every article."""
    names: dict[str, str] = {}
    for slug in article_slugs(course):
        article = open_article(course, slug)
        if (article.folder / SECTIONS).is_file():
            for row in article.data.rows(SECTIONS):
                names.setdefault((row.get("assignment") or "").strip(), slug)
    names.pop("", None)
    return names
