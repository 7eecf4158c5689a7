"""Runs inside Pyodide (under Node, tools/site/compile.mjs): adds Python 3.14 bytecode to the
wheels in IN_DIR, written to OUT_DIR under the same names.

A wheel from PyPI carries source only, and Pyodide compiles each module every time a page
starts its kernel (IPython, prompt_toolkit, jedi: seconds on a school laptop). Bytecode must
come from the very Python that runs it, which here is Pyodide's own. The .pyc files go to
__pycache__ beside their sources as unchecked hash-based pycs (PEP 552): the import system uses
them without comparing them with the source, which in a site never changes. RECORD lists them.

MODE "startup": only the modules the kernel imports while it starts (found by importing them
here), which keeps the site small (most of pygments' lexers are never imported); "all": every
module (readkit's own, which is small).
"""

import base64
import hashlib
import importlib
import importlib.util
import os
import py_compile
import sys
import tempfile
import warnings
import zipfile

SITE_PACKAGES = f"/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
# What the kernel imports while it starts (pyodide-kernel's worker, then widgets in lessons).
STARTUP = ("micropip", "piplite", "pyodide_kernel", "ipykernel", "IPython", "comm", "jedi",
           "ipywidgets", "anywidget")
FIXED_TIME = (2020, 2, 2, 0, 0, 0)  # the pycs' date in the zip: the same wheel every build


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def startup_files(wheels: list[str]) -> set[str]:
    """The site-packages paths of every module imported while the kernel starts."""
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(SITE_PACKAGES)
    importlib.invalidate_caches()
    for name in STARTUP:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 (a module that needs a page: the rest still counts)
            pass
    return {os.path.relpath(module.__file__, SITE_PACKAGES)
            for module in list(sys.modules.values())
            if (getattr(module, "__file__", None) or "").startswith(SITE_PACKAGES + "/")}


def bytecode(source: bytes, name: str, work: str) -> bytes | None:
    """`source` compiled as site-packages/`name` would be (None: it does not compile)."""
    path, pyc = os.path.join(work, "module.py"), os.path.join(work, "module.pyc")
    with open(path, "wb") as handle:
        handle.write(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            py_compile.compile(path, cfile=pyc, dfile=f"{SITE_PACKAGES}/{name}", doraise=True,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except py_compile.PyCompileError:  # a template or a file for another Python: left as is
        return None
    with open(pyc, "rb") as handle:
        return handle.read()


def compile_wheel(source: str, target: str, wanted) -> int:
    added = {}
    with zipfile.ZipFile(source) as wheel:
        members = [(info, wheel.read(info)) for info in wheel.infolist()]
    with tempfile.TemporaryDirectory() as work:
        for info, data in members:
            if info.filename.endswith(".py") and wanted(info.filename):
                compiled = bytecode(data, info.filename, work)
                if compiled is not None:
                    added[importlib.util.cache_from_source(info.filename)] = compiled
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for info, data in members:
            if info.filename.endswith(".dist-info/RECORD"):
                data = data.decode() + "".join(record_line(n, d) for n, d in added.items())
            wheel.writestr(info, data)
        for name, data in added.items():
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    return len(added)


def main(in_dir: str, out_dir: str, mode: str) -> None:
    wheels = sorted(f"{in_dir}/{name}" for name in os.listdir(in_dir) if name.endswith(".whl"))
    if mode == "all":
        def wanted(name):
            return True
    else:
        imported = startup_files(wheels)

        def wanted(name):
            return name in imported
    for wheel in wheels:
        compile_wheel(wheel, f"{out_dir}/{os.path.basename(wheel)}", wanted)


main(IN_DIR, OUT_DIR, MODE)  # noqa: F821 (set by compile.mjs)
