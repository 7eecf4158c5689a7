"""Make sure a Chromium for the browser tests is installed (used by `make test` and `make bench`).

Runs with the venv's Python, after the install, from the repository root as a module
(`.venv/bin/python -m tools.ensure_chromium`: it imports tests.support.browser_harness), so it
looks for Chromium exactly as the tests do.
"""

import sys

from tests.support.browser_harness import find_chromium
from tools.debian import apt_install, can_install


def main() -> int:
    if find_chromium():
        return 0
    if can_install():
        print("Chromium is missing: installing Debian's chromium package (about 30 s)...")
        apt_install("chromium")
        if find_chromium():
            return 0
    print(
        "The browser tests need Chromium and it is not installed.\n"
        "Install it, then run the command again:\n"
        "  Debian/Ubuntu: sudo apt-get install chromium\n"
        "  elsewhere: install Chromium or Chrome and set READKIT_CHROMIUM=/path/to/chromium",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
