"""Run every browser test alone, one pytest process each (as `pytest -k NAME` would), and say
which fail: a test that passes only after others have run depends on them.

    .venv/bin/python -m tools.run_browser_tests_alone              # every browser test
    .venv/bin/python -m tools.run_browser_tests_alone -k sorter    # those whose id matches

Prints one line per test (PASS/FAIL/SKIP and seconds) and a closing summary line
("N passed, N failed"); exits 1 when any failed. Each run starts its own server and browser,
so this takes about 20 s a test on 2 cores.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]


def browser_tests(selection: str | None) -> list[str]:
    """The node ids of the browser tests (marker `browser`), as pytest collects them."""
    command = [*PYTEST, "--collect-only", "-q", "-m", "browser", "tests/browser"]
    if selection:
        command += ["-k", selection]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    ids = [line for line in out.stdout.splitlines() if "::" in line]
    if not ids and out.returncode not in (0, 5):
        raise SystemExit(f"pytest could not collect the browser tests:\n{out.stdout}{out.stderr}")
    return ids


def run_alone(node_id: str) -> tuple[str, float, str]:
    started = time.monotonic()
    done = subprocess.run([*PYTEST, "-q", node_id], cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    status = {0: "PASS", 5: "NONE"}.get(done.returncode, "FAIL")
    if status == "PASS" and " skipped" in done.stdout and " passed" not in done.stdout:
        status = "SKIP"
    return status, seconds, done.stdout + done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", dest="selection", help="only the tests whose id matches (pytest -k)")
    args = parser.parse_args(argv)
    ids = browser_tests(args.selection)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0, "NONE": 0}
    for node_id in ids:
        status, seconds, output = run_alone(node_id)
        counts[status] += 1
        print(f"{status} {seconds:6.1f} s  {node_id}", flush=True)
        if status in ("FAIL", "NONE"):
            print("\n".join(output.splitlines()[-30:]), flush=True)
    print(f"{counts['PASS']} passed, {counts['FAIL'] + counts['NONE']} failed, "
          f"{counts['SKIP']} skipped")
    return 1 if counts["FAIL"] or counts["NONE"] else 0


if __name__ == "__main__":
    sys.exit(main())
