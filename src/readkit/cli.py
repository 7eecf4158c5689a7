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
    from readkit.article import data_dir
    from readkit.validate import main as validate_main

    return validate_main(args.data or data_dir())


def _release(args: argparse.Namespace) -> int:
    from readkit.course import find_course_root
    from readkit.release import release

    result = release(find_course_root(), args.assignments or None)
    if result.error:
        print(result.error, file=sys.stderr)
        return 1
    print(f"Released {', '.join(result.released)} into exercises/. Commit exercises/ with "
          "solutions/: CI regenerates it and fails on any difference.")
    return 0


def _bench_widget(args: argparse.Namespace) -> int:
    from readkit.bench_widget import main as bench_widget_main

    return bench_widget_main()


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

    validate = commands.add_parser("validate", help="check data/ against the data contract")
    validate.add_argument("--data", type=Path, help="data folder (default: the course's data/)")
    validate.set_defaults(run=_validate)

    release = commands.add_parser(
        "release", help="regenerate exercises/ from solutions/ (nbgrader generate_assignment)")
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                         help="assignment folder names in solutions/ (default: all)")
    release.set_defaults(run=_release)

    # Instructor tools: each module gives add_arguments(parser) and run(args), and imports its
    # heavy libraries (pandas, nbgrader, matplotlib) only when it runs.
    for name, module_name, help_text in (
        ("grade", "gradebook", "grade answers.json out of the kernel; cross-check nbgrader"),
        ("autograde", "parallel", "nbgrader autograde every submission, N in parallel"),
        ("report", "report", "class report (HTML) and Canvas lms.csv"),
        ("demo", "demo", "simulate a class end to end and build its report"),
    ):
        module = import_module(f"readkit.{module_name}")
        tool = commands.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(tool)
        tool.set_defaults(run=module.run)

    bench = commands.add_parser("bench", help="measure widget and grading speed")
    benches = bench.add_subparsers(dest="bench", required=True, metavar="WHAT")
    widget = benches.add_parser(
        "widget", help="render a Sorter over the whole article in JupyterLab + Chromium and "
        "time rendering and click-to-disk")
    widget.set_defaults(run=_bench_widget)
    grading = benches.add_parser(
        "grading", help="time nbgrader vs readkit autograde, and grade + report of 1,000")
    bench_grading = import_module("readkit.bench_grading")
    bench_grading.add_arguments(grading)
    grading.set_defaults(run=bench_grading.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
