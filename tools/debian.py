"""Debian packages for `make test` and `make hub`: installed with apt-get when run as root."""

import os
import shutil
import subprocess


def can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install(*packages: str) -> None:
    """apt-get update, then install `packages` quietly (no recommends). Raises on failure."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = {"check": True, "env": env, "stdout": subprocess.DEVNULL}
    subprocess.run(["apt-get", "update", "-qq"], **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
                   **quiet)
