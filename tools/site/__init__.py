"""`make site`: the course as a static JupyterLite site that runs in the browser, offline.

    .venv-site/bin/python -m tools.site build    # into dist/site/ (what `make site` runs)
    .venv-site/bin/python -m tools.site serve    # on 127.0.0.1 for a try-out (`make site-serve`)

One module per job:
    fetch.py     the pinned downloads, cached in build/site-cache/: Pyodide's core (npm) and the
                 browser's wheels (PyPI, hashes checked); readkit's learner wheel, built here
    bytecode.py  Python 3.14 bytecode in those wheels (Pyodide itself compiles them, under
                 Node: compile.mjs runs pycompile.py), so the kernel starts faster
    lock.py      the site's pyodide-lock.json: only the shipped wheels, real hashes, and the
                 dependencies read from each wheel (pyodide-lock does the reading)
    contents.py  what the learner's file browser holds: the lessons (a "needs make lab" note on
                 top of those that compute with pandas), assignment 01's learner copy
    build.py     the staging folder and `jupyter lite build`
    serve.py     a static server on 127.0.0.1 (the test, the benchmark and `make site-serve`)

The build runs in its own environment, .venv-site (build-requirements.txt), so the site gets
exactly the lab extensions it needs. It lives in tools/ and not in the readkit package: it
needs the course repository (lessons, exercises, data) and would otherwise ship inside the
learner wheel, and so inside the site itself.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
OUTPUT = ROOT / "dist" / "site"
CACHE = ROOT / "build" / "site-cache"
