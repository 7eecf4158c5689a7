"""The `readkit` command. Each subcommand imports what it needs only when it runs, so that
`readkit --help` and the light commands start fast."""

import argparse
import sys
from importlib import import_module
from pathlib import Path


def _lab(args: argparse.Namespace) -> int:
    from readkit.lab import run_lab

    return run_lab(args.port, open_browser=not args.no_browser)


def _validate(args: argparse.Namespace) -> int:
    from readkit.course.course import Course
    from readkit.course.validate import main as validate_main
    from readkit.grading import guessing

    return validate_main(args.data or Course(args.course).data, args.article,
                         guessing.check_article)


def _release(args: argparse.Namespace) -> int:
    from readkit.course.course import Course, CourseError
    from readkit.nbgrader.release import release

    try:
        course = Course.open(args.course)
    except CourseError as error:
        print(error, file=sys.stderr)
        return 2
    result = release(course, args.assignments or None)
    if result.error:
        print(result.error, file=sys.stderr)
        return 1
    print(f"Released {', '.join(result.released)} into exercises/. Commit exercises/ with "
          "solutions/: CI regenerates it and fails on any difference.")
    return 0


def _bench(args: argparse.Namespace) -> int:
    """The benchmarks live in the course repository (benchmarks/), not in the package."""
    folder = Path(args.course).resolve() / "benchmarks"
    if not (folder / f"{args.bench.replace('-', '_')}.py").is_file():
        print(f"readkit bench: no benchmarks/{args.bench}.py in {folder.parent}. The benchmarks "
              "come with the course repository: run `make bench` there (it installs the test "
              "tools they need).", file=sys.stderr)
        return 2
    sys.path.insert(0, str(folder.parent))
    module = import_module(f"benchmarks.{args.bench.replace('-', '_')}")
    return module.main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    from readkit import __version__

    parser = argparse.ArgumentParser(
        prog="readkit", description="Course kit for reading the news critically."
    )
    parser.add_argument("--version", action="version", version=f"readkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lab = commands.add_parser("lab", help="open the course in JupyterLab (token on, 127.0.0.1)")
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--no-browser", action="store_true", help="print the URL, open no browser")
    lab.set_defaults(run=_lab)

    validate = commands.add_parser(
        "validate", help="check every article (or one) against the data contract")
    validate.add_argument("article", nargs="?", metavar="ARTICLE",
                          help="an article's slug (default: every article of data/articles.csv)")
    validate.add_argument("--data", type=Path, help="data folder (default: the course's data/)")
    validate.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                          help="course folder (default: the working directory)")
    validate.set_defaults(run=_validate)

    release = commands.add_parser(
        "release", help="regenerate exercises/ from solutions/ (nbgrader generate_assignment)")
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                         help="assignment folder names in solutions/ (default: all)")
    release.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                         help="course folder (default: the working directory)")
    release.set_defaults(run=_release)

    # Instructor tools: each module gives add_arguments(parser) and run(args), and imports its
    # heavy libraries (pandas, nbgrader, matplotlib) only when it runs.
    for name, module_name, help_text in (
        ("grade", "results.grade", "grade answers.json as submitted; check nbgrader's gradebook"),
        ("autograde", "nbgrader.autograde",
         "nbgrader autograde every submission, sandboxed, N at once"),
        ("report", "results.report", "class report (HTML) and Canvas lms.csv"),
        ("demo", "demo", "simulate a class end to end and build its report"),
        ("hub", "hub.deploy",
         "a class on JupyterHub here: real users, exchange, PostgreSQL (root)"),
    ):
        module = import_module(f"readkit.{module_name}")
        tool = commands.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(tool)
        tool.set_defaults(run=module.run)

    # Course authors' tools (readkit[authoring]): the same add_arguments/run shape.
    for name, module_name, help_text in (
        ("new-article", "new_article", "turn a saved web page or a text file into a new "
         "article folder: text, sentence units, a draft key to check"),
        ("draft-key", "draft_command", "draft the key rows of an article's blank units from "
         "readable rules (marked draft until confirmed in author mode)"),
        ("handout", "handout", "printable HTML (and PDF) of an article with label boxes, and a "
         "separate teacher's answer sheet"),
        ("new-lesson", "new_lesson", "a self-study lesson notebook on an article: the codebook's "
         "procedure, a practice Sorter, self-checks from its hard cases"),
        ("new-assignment", "new_assignment", "a graded Sorter assignment on an article: parts in "
         "its sections.csv and an nbgrader notebook in solutions/"),
    ):
        module = import_module(f"readkit.authoring.{module_name}")
        tool = commands.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(tool)
        tool.set_defaults(run=module.run)

    bench = commands.add_parser(
        "bench", help="measure widget and grading speed, segmentation, the draft key, the static "
                      "site (course repository only)")
    bench.add_argument("bench", choices=("widget", "grading", "segment", "draft-key", "site"),
                       metavar="WHAT",
                       help="widget: render and key/click-to-disk in JupyterLab + Chromium; "
                            "grading: stock nbgrader vs readkit autograde, grade + report of "
                            "1,000; segment: sentence segmenters vs the Raqqa article's hand "
                            "units; draft-key: the draft key vs the finished key of every "
                            "article; site: the JupyterLite site's size, first kernel idle and "
                            "key-to-saved in the browser kernel (after make site)")
    bench.add_argument("rest", nargs=argparse.REMAINDER, help="options of that benchmark")
    bench.add_argument("--course", type=Path, default=Path("."), help=argparse.SUPPRESS)
    bench.set_defaults(run=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
