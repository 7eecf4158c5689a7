"""Make sure learner kernels can be sandboxed here: bubblewrap installed and able to run.

Runs with the venv's Python, after the install (like tools/ensure_chromium.py): it tries the
sandbox exactly as autograde does, installs Debian's bubblewrap when it is missing and we are
root, and otherwise says what is wrong and what to do.
"""

import os
import shutil
import subprocess
import sys

from readkit.instructor import sandbox


def install_bubblewrap() -> None:
    print("bubblewrap is missing: installing Debian's bubblewrap package...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = {"check": True, "env": env, "stdout": subprocess.DEVNULL}
    subprocess.run(["apt-get", "update", "-qq"], **quiet)
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "bubblewrap"]
    subprocess.run(install, **quiet)
    sandbox._probe.cache_clear()


def main() -> int:
    reason = sandbox.sandbox_available()
    if reason and shutil.which("bwrap") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        install_bubblewrap()
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
