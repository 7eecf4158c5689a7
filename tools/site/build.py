"""Build the site: stage a JupyterLite project in the cache, then `jupyter lite build` it.

The staged project (build/site-cache/stage/):
    jupyter-lite.json    the kernel's settings: no package index at run time, every wheel
                         loaded from the site's own lock while Pyodide starts
    static/pyodide/      Pyodide's core, the wheels and pyodide-lock.json (the Pyodide addon
                         copies this well-known folder and points pyodideUrl at it)
    files/               the learner's drive (contents.py)
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tools.site import bytecode, contents, fetch, lock


class BuildError(RuntimeError):
    pass


KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"


def lite_config(packages: list[str]) -> dict:
    """jupyter-lite.json. `packages` load while Pyodide starts (one pass through the lock, no
    piplite look-ups); with disablePyPIFallback nothing is ever asked of a package index."""
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "readkit",
            "litePluginSettings": {KERNEL_PLUGIN: {
                "disablePyPIFallback": True,
                "loadPyodideOptions": {"packages": packages},
            }},
        },
    }


def stage_pyodide(core: Path, wheels: list[Path], readkit_wheel: Path, folder: Path) -> list[str]:
    folder.mkdir(parents=True)
    for name in fetch.CORE_FILES:
        if name not in ("pyodide-lock.json", "package.json"):  # the site writes its own lock
            shutil.copy(core / name, folder / name)
    for wheel in [*wheels, readkit_wheel]:
        shutil.copy(wheel, folder / wheel.name)
    return lock.write_lock(core, folder, readkit_wheel)


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def build(output: Path, cache: Path, assessed: bool = False) -> str:
    """Build the site into `output`; returns a summary of what is in it. `assessed`: without
    the lessons to be done after assignment 01 (contents.py)."""
    core = fetch.pyodide_core(cache)
    *wheels, readkit_wheel = bytecode.compiled(
        core, fetch.browser_wheels(cache) + fetch.source_wheels(cache) + fetch.kernel_wheels(),
        fetch.learner_wheel(cache), cache)
    stage = cache / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    packages = stage_pyodide(core, wheels, readkit_wheel, stage / "static" / "pyodide")
    (stage / "jupyter-lite.json").write_text(json.dumps(lite_config(packages), indent=1),
                                             encoding="utf-8")
    notebooks = contents.write_contents(stage / "files", assessed)
    shutil.rmtree(output, ignore_errors=True)
    # Only the lab app (learners open a link to it); its output is shown when it fails.
    result = subprocess.run(
        [str(Path(sys.executable).with_name("jupyter-lite")), "build", "--lite-dir", str(stage),
         "--output-dir", str(output), "--contents", str(stage / "files"), "--no-sourcemaps",
         "--apps", "lab", "--no-unused-shared-packages"],
        cwd=stage, capture_output=True, text=True,
    )
    if result.returncode:
        raise BuildError(f"jupyter lite build failed:\n{result.stdout[-3000:]}"
                         f"{result.stderr[-3000:]}")
    (output / ".jupyterlite.doit.db").unlink(missing_ok=True)
    notes = [path for path, needs in notebooks.items() if needs]
    left_out = (" (assessed build: without the lessons to do after assignment 01)"
                if assessed else "")
    return (f"Built {output}{left_out} ({folder_size(output) / 1e6:.1f} MB): "
            f"{len(notebooks)} notebooks "
            f"({len(notes)} open on a 'needs make lab' note: {', '.join(notes) or 'none'}), "
            f"{len(packages)} wheels. Try it: make site-serve")
