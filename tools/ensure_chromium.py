"""Make sure a Chromium for the browser tests is installed (used by `make test` and `make bench`).

Runs with the venv's Python, after the install, from the repository root as a module
(`.venv/bin/python -m tools.ensure_chromium`: it imports tests.support.browser_harness), so it
looks for Chromium exactly as the tests do.
"""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.browser_harness import HEADLESS_SHELL, find_chromium
from tools.debian import apt_install, can_install


def main() -> int:
    found = find_chromium()
    if found and (os.environ.get("READKIT_CHROMIUM") or Path(found).name == HEADLESS_SHELL):
        return 0
    if can_install():
        # The headless shell even beside a full Chromium: the tests take a third less CPU.
        print(f"Installing Debian's {HEADLESS_SHELL} package for the browser tests (about 30 s)...")
        try:
            apt_install(HEADLESS_SHELL)
        except subprocess.CalledProcessError as error:
            print(f"apt-get could not install {HEADLESS_SHELL} ({error})", file=sys.stderr)
        found = find_chromium()
    if found:
        return 0
    print(
        "The browser tests need Chromium and it is not installed.\n"
        "Install it, then run the command again:\n"
        f"  Debian/Ubuntu: sudo apt-get install {HEADLESS_SHELL} (or chromium)\n"
        "  elsewhere: install Chromium or Chrome and set READKIT_CHROMIUM=/path/to/chromium",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
