"""Make sure learner kernels can be sandboxed here: bubblewrap (and libseccomp, for its seccomp
filter) installed and able to run.

Runs with the venv's Python as `python -m tools.ensure_bubblewrap`, after the install (like
tools.ensure_chromium): it tries the sandbox exactly as autograde does, installs Debian's
bubblewrap or libseccomp2 when one is missing and we are root, and otherwise says what is wrong
and what to do.
"""

import ctypes.util
import shutil
import sys

from readkit.sandbox import bubblewrap as sandbox
from readkit.sandbox import seccomp
from tools.debian import apt_install, can_install


def install_bubblewrap() -> None:
    print("bubblewrap is missing: installing Debian's bubblewrap package...")
    apt_install("bubblewrap")
    sandbox._probe.cache_clear()


def install_libseccomp() -> None:
    print("libseccomp is missing: installing Debian's libseccomp2 package...")
    apt_install("libseccomp2")
    seccomp._libseccomp.cache_clear()
    sandbox._probe.cache_clear()


def main() -> int:
    reason = sandbox.sandbox_available()
    if reason and shutil.which("bwrap") is None and can_install():
        install_bubblewrap()
        reason = sandbox.sandbox_available()
    if reason and ctypes.util.find_library("seccomp") is None and can_install():
        install_libseccomp()
        reason = sandbox.sandbox_available()
    if reason is None:
        return 0
    print(
        "Learner code cannot be sandboxed here, so autograde and the sandbox tests cannot run:\n"
        f"  {reason}\n"
        "Fix that, then run the command again.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
