"""The site's pyodide-lock.json: the wheels the site ships and nothing else.

Pyodide's own lock lists 356 packages whose files the npm package does not carry, with the
hashes of Pyodide's rebuilt wheels, not PyPI's: a package the page asked for from it would be
fetched from a CDN, or fail. So the lock is written anew from the wheels in the folder: their
real sha256 and their dependencies from each wheel's METADATA with the markers evaluated for
Pyodide (pyodide-lock's add_wheels_to_spec); a dependency that is not shipped is an error here,
not in a learner's browser.
"""

import json
from pathlib import Path

from packaging.utils import canonicalize_name

# What readkit needs in the browser. Its wheel declares the desktop install (JupyterLab,
# Voila, pandas, matplotlib): none of those exist for Pyodide, and the learner side never
# imports them at import time.
READKIT_DEPENDS = ["anywidget", "ipywidgets"]


def write_lock(core: Path, folder: Path, readkit_wheel: Path) -> list[str]:
    """Write folder/pyodide-lock.json for every wheel in `folder` (readkit's among them) and
    return the package names, readkit last."""
    from pyodide_lock import PyodideLockSpec
    from pyodide_lock.spec import InfoSpec
    from pyodide_lock.utils import add_wheels_to_spec, package_spec_from_wheel

    info = json.loads((core / "pyodide-lock.json").read_text(encoding="utf-8"))["info"]
    version = json.loads((core / "package.json").read_text(encoding="utf-8"))["version"]
    empty = PyodideLockSpec(info=InfoSpec(**{"version": version, **info}), packages={})
    others = sorted(w for w in folder.glob("*.whl") if w.name != readkit_wheel.name)
    spec = add_wheels_to_spec(empty, others, base_path=folder)
    readkit = package_spec_from_wheel(folder / readkit_wheel.name, spec.info)
    readkit.file_name = readkit_wheel.name
    missing = [name for name in READKIT_DEPENDS if canonicalize_name(name) not in spec.packages]
    if missing:
        raise RuntimeError(f"readkit needs {missing} in the browser: add them to "
                           "browser-requirements.txt.")
    readkit.depends = [canonicalize_name(name) for name in READKIT_DEPENDS]
    spec.packages[readkit.name] = readkit
    spec.to_json(folder / "pyodide-lock.json", indent=1)
    return [*sorted(name for name in spec.packages if name != readkit.name), readkit.name]
