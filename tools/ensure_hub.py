"""Make sure what `readkit hub` needs is here: used by `make hub` and `make test` (the hub test).

- Debian packages: postgresql (the gradebook server), bubblewrap (the autograde sandbox),
  python3-venv (the hub environment is made from Debian's /usr/bin/python3); installed with
  apt-get when run as root;
- configurable-http-proxy (JupyterHub's proxy) from npm, pinned, into .venv/chp (Node >= 18).
"""

import subprocess
import sys
from pathlib import Path

from tools.debian import apt_install, can_install

ROOT = Path(__file__).resolve().parents[1]
PROXY_VERSION = "5.3.0"
PROXY_DIR = ROOT / ".venv" / "chp"
PROXY = PROXY_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
# tool that must exist -> Debian package that brings it
PACKAGES = {
    "/usr/lib/postgresql": "postgresql",
    "/usr/bin/bwrap": "bubblewrap",
    "/usr/lib/python3.11/ensurepip": "python3-venv",
    "/usr/bin/npm": "npm",
}


def missing_packages() -> list[str]:
    return [package for path, package in PACKAGES.items() if not Path(path).exists()]


def install_packages(packages: list[str]) -> bool:
    if not can_install():
        print(f"Missing Debian packages: {' '.join(packages)}. Install them (as root: "
              f"apt-get install {' '.join(packages)}) and run again.", file=sys.stderr)
        return False
    print(f"Installing Debian packages: {' '.join(packages)} ...")
    apt_install(*packages)
    return not missing_packages()


def proxy_version() -> str:
    if not PROXY.exists():
        return ""
    done = subprocess.run([str(PROXY), "--version"], capture_output=True, text=True)
    return done.stdout.strip()


def install_proxy() -> bool:
    if proxy_version() == PROXY_VERSION:
        return True
    print(f"Installing configurable-http-proxy {PROXY_VERSION} from npm into {PROXY_DIR} ...")
    PROXY_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "install", "--prefix", str(PROXY_DIR), "--no-save",
                           "--no-audit", "--no-fund", f"configurable-http-proxy@{PROXY_VERSION}"],
                          capture_output=True, text=True)
    if done.returncode != 0 or proxy_version() != PROXY_VERSION:
        print(f"npm could not install configurable-http-proxy:\n{done.stderr[-2000:]}",
              file=sys.stderr)
        return False
    return True


def main() -> int:
    packages = missing_packages()
    if packages and not install_packages(packages):
        return 1
    return 0 if install_proxy() else 1


if __name__ == "__main__":
    sys.exit(main())
