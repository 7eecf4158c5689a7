"""readkit: a Jupyter course kit for reading the news critically.

    readkit/course/      the Course, the data contract, the answers store     learner side
    readkit/grading/     pure scoring and what graded notebook cells call      learner side
    readkit/widgets/     Sorter, self-checks, text views (JS/CSS beside them)  learner side
    readkit/sandbox/     bubblewrap sandbox for learner kernels (standalone)
    readkit/nbgrader/    nbgrader plug-ins, the autograde runner, release
    readkit/results/     grade, report, LMS export
    readkit/hub/         a class on JupyterHub
    readkit/authoring/   bring your own article

Names are imported lazily: a grading kernel that only needs one check must not pay for pandas
or the widget libraries (readkit.Sorter itself imports none: its widget is made only where it
is shown).
"""

from importlib import import_module

__version__ = "0.2.0"

_LAZY = {
    "Course": "readkit.course.course",
    "Sorter": "readkit.widgets.sorter",
    "AuthorSorter": "readkit.widgets.author",
    "HandIn": "readkit.widgets.handin",
    "SelfCheck": "readkit.widgets.selfcheck",
    "EvidenceTable": "readkit.widgets.selfcheck",
    "show_units": "readkit.widgets.show",
    "show_reporting_verbs": "readkit.widgets.show",
    "side_by_side": "readkit.widgets.show",
    "reveal": "readkit.widgets.show",
    "reveal_key": "readkit.widgets.show",
}
# The data loaders of the default course (Course.default()), for short lesson cells:
# readkit.load_units() (the default article) or readkit.load_units(article="harbour-bridge").
_LOADERS = ("load_units", "load_sources", "load_claims", "load_key")

__all__ = ["__version__", *_LAZY, *_LOADERS]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    if name in _LOADERS:
        return _loader(name)
    raise AttributeError(f"module 'readkit' has no attribute {name!r}")


def _loader(name: str):
    from readkit.course.article import Article
    from readkit.course.course import Course

    def load(*args, article: str | None = None, **kwargs):
        return getattr(Course.default().article(article), name)(*args, **kwargs)

    load.__name__ = load.__qualname__ = name
    load.__doc__ = getattr(Article, name).__doc__
    return load
