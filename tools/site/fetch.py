"""The site's pinned downloads, cached so that a repeat build (every `make test`) fetches
nothing: Pyodide's core from npm (its integrity checked), the browser's wheels from PyPI
(browser-requirements.txt, hashes checked by pip), pure-Python wheels built from pinned
sources where PyPI has no wheel for the browser (source-requirements.txt), and readkit's
learner wheel, built from this checkout each time (it is small and follows the code)."""

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from tools.site import HERE, ROOT

PYODIDE_VERSION = "314.0.6"
# npm's dist.integrity of pyodide@314.0.6: the tarball is checked before it is unpacked.
PYODIDE_INTEGRITY = ("sha512-BKDTJyIqFxC4BExLqeRS3f5xvXZIjOt8C3zGLN/Cc7tFxSwvKVhVkchQQ2AGLOtR4"
                     "YrVOIFxbV8poyDOOmWwxQ==")
# What pip must pretend to be to pick wheels for Pyodide 314 (Python 3.14, emscripten 5.0.3).
PLATFORM = "pyemscripten_2026_0_wasm32"
PYTHON = "3.14"
BROWSER_REQUIREMENTS = HERE / "browser-requirements.txt"
SOURCE_REQUIREMENTS = HERE / "source-requirements.txt"
# Pyodide's core: the loader, the interpreter and the standard library. The npm package also
# has type declarations, source maps, a classic-script loader and console pages: not shipped.
CORE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
              "pyodide-lock.json", "package.json")


class FetchError(RuntimeError):
    pass


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def pyodide_core(cache: Path) -> Path:
    """The unpacked npm package pyodide@PYODIDE_VERSION (its `package/` folder)."""
    folder = cache / f"pyodide-{PYODIDE_VERSION}"
    if (folder / "package" / "pyodide.asm.wasm").is_file():
        return folder / "package"
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tarball.is_file():
        if shutil.which("npm") is None:
            raise FetchError("npm is needed once to fetch Pyodide's core (Debian: apt-get "
                             "install npm; Node 18 or later).")
        subprocess.run(["npm", "pack", "--silent", f"pyodide@{PYODIDE_VERSION}",
                        "--pack-destination", str(cache)], check=True, stdout=subprocess.DEVNULL)
    if _integrity(tarball) != PYODIDE_INTEGRITY:
        tarball.unlink()
        raise FetchError(f"{tarball.name} does not have npm's integrity {PYODIDE_INTEGRITY}: "
                         "removed; run the build again.")
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(partial, filter="data")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder / "package"


def browser_wheels(cache: Path) -> list[Path]:
    """The pinned wheels of browser-requirements.txt for Pyodide's platform. pip checks every
    hash; a stamp holding the requirements' own hash skips pip (and the network) when the
    cache already has exactly this set."""
    folder = cache / "wheels"
    stamp = folder / ".requirements.sha256"
    wanted = hashlib.sha256(BROWSER_REQUIREMENTS.read_bytes()).hexdigest()
    if not (stamp.is_file() and stamp.read_text() == wanted):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--require-hashes", "--only-binary=:all:", "--platform", PLATFORM,
             "--python-version", PYTHON, "--implementation", "cp",
             "--abi", f"cp{PYTHON.replace('.', '')}", "-d", str(folder),
             "-r", str(BROWSER_REQUIREMENTS)],
            check=True,
        )
        stamp.write_text(wanted)
    return sorted(folder.glob("*.whl"))


def source_wheels(cache: Path) -> list[Path]:
    """Pure-Python wheels of source-requirements.txt: the pinned sources (hashes checked) built
    with no C compiler, so that an optional C extension is left out; each must come out
    py3-none-any (checked), or the browser could not load it."""
    folder = cache / "source-wheels"
    stamp = folder / ".requirements.sha256"
    wanted = hashlib.sha256(SOURCE_REQUIREMENTS.read_bytes()).hexdigest()
    if not (stamp.is_file() and stamp.read_text() == wanted):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--require-hashes", "--no-binary=:all:", "-w", str(folder),
             "-r", str(SOURCE_REQUIREMENTS)],
            check=True, env={**os.environ, "CC": "false"},
        )
        stamp.write_text(wanted)
    wheels = sorted(folder.glob("*.whl"))
    impure = [w.name for w in wheels if not w.name.endswith("-py3-none-any.whl")]
    if impure:
        raise FetchError(f"{', '.join(impure)}: built with a C extension; the browser needs "
                         "pure-Python wheels (is CC honoured by this package's build?)")
    return wheels


def learner_wheel(cache: Path) -> Path:
    """readkit's learner wheel, built from this checkout (tools/hatch_learner_data.py puts the
    article and the practice key in it, never the assessment labels or rationales)."""
    folder = cache / "readkit-wheel"
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", "--no-index", "-w", str(folder), str(ROOT)],
        check=True,
    )
    (wheel,) = folder.glob("readkit-*.whl")
    return wheel


# The Pyodide kernel's own wheels, shipped in its lab extension: piplite (its micropip
# wrapper), the kernel, and the ipykernel shim. widgetsnbextension 4.0.999 is an empty shim that
# satisfies ipywidgets 8 (the real one is a notebook-6 extension of no use in the browser).
KERNEL_WHEELS = {"piplite": None, "pyodide-kernel": None, "ipykernel": None,
                 "widgetsnbextension": "4.0.999"}


def kernel_wheels() -> list[Path]:
    """The kernel's wheels from the jupyterlite-pyodide-kernel package of this environment
    (the same version as the extension the site ships)."""
    from packaging.utils import canonicalize_name, parse_wheel_filename

    pypi = (Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyterlite"
            / "pyodide-kernel-extension" / "static" / "pypi")
    found = {}
    for wheel in sorted(pypi.glob("*.whl")):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        name = canonicalize_name(name)
        if name in KERNEL_WHEELS and KERNEL_WHEELS[name] in (None, str(version)):
            found[name] = wheel
    missing = sorted(set(KERNEL_WHEELS) - set(found))
    if missing:
        raise FetchError(f"The Pyodide kernel's wheels {missing} are not in {pypi}: is "
                         "jupyterlite-pyodide-kernel installed (.venv-site)?")
    return list(found.values())
