"""Make sure bubblewrap (the sandbox for learner kernels during autograde) is installed: used by
`make test` and `make bench`. Installs Debian's bubblewrap package when run as root."""

import os
import shutil
import subprocess
import sys


def main() -> int:
    if shutil.which("bwrap"):
        return 0
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("bubblewrap is missing: installing Debian's bubblewrap package...")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        quiet = {"check": True, "env": env, "stdout": subprocess.DEVNULL}
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                        "bubblewrap"], **quiet)
        if shutil.which("bwrap"):
            return 0
    print("Autograde runs learner code in a bubblewrap sandbox, and bubblewrap is not installed.\n"
          "Install it, then run the command again:\n"
          "  Debian/Ubuntu: sudo apt-get install bubblewrap\n"
          "  Fedora: sudo dnf install bubblewrap", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
