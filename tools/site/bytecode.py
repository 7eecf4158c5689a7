"""Python 3.14 bytecode in the site's wheels, so that the browser's kernel does not compile
IPython and the rest from source at every start (about half of its import time).

Only Pyodide's own Python can write that bytecode: tools/site/compile.mjs runs
tools/site/pycompile.py in Pyodide under Node. The dependencies' compiled wheels are cached,
keyed by what went in; readkit's (small, and new at every build) is compiled each time.
"""

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from tools.site import HERE
from tools.site.fetch import PYODIDE_VERSION, FetchError

SCRIPTS = (HERE / "compile.mjs", HERE / "pycompile.py")


def _compile(core: Path, wheels: list[Path], out: Path, mode: str) -> list[Path]:
    if shutil.which("node") is None:
        raise FetchError("Node (18 or later) is needed to compile the site's wheels for Pyodide.")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="readkit-site-wheels-") as inbox:
        for wheel in wheels:
            shutil.copy(wheel, Path(inbox) / wheel.name)
        subprocess.run(["node", str(HERE / "compile.mjs"), str(core), inbox, str(out), mode],
                       check=True)
    return [out / wheel.name for wheel in wheels]


def _key(wheels: list[Path]) -> str:
    digest = hashlib.sha256(PYODIDE_VERSION.encode())
    for path in [*SCRIPTS, *sorted(wheels)]:
        digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def compiled(core: Path, wheels: list[Path], readkit_wheel: Path, cache: Path) -> list[Path]:
    """The wheels with bytecode: the dependencies' (only what the kernel imports while it
    starts) from the cache when it has them, readkit's (every module) fresh."""
    folder = cache / "compiled" / _key(wheels)
    done = folder / ".done"
    if not done.is_file():
        shutil.rmtree(cache / "compiled", ignore_errors=True)  # older sets
        _compile(core, wheels, folder, "startup")
        done.touch()
    readkit = _compile(core, [readkit_wheel], cache / "readkit-compiled", "all")
    return [folder / wheel.name for wheel in wheels] + readkit
