"""Bundle the widgets' front ends: src/readkit/widgets/js/*.js (ES modules that import each
other) -> src/readkit/widgets/static/<widget>.js, one self-contained ES module per widget, which
is what anywidget loads (`make widgets`; esbuild, pinned in package.json / package-lock.json).

Why a bundle: anywidget imports a widget's `_esm` text from a blob: URL, where a relative import
("./keys.js") has nothing to resolve against; an http `_esm` would need a server route to the
package's files that JupyterLab, Notebook 7, Voila and JupyterLite do not share. So the shared
modules are put into each widget's file at build time.

Why committed: learners and teachers who clone the repository, the wheel, the JupyterLite site
and `make check` need no Node.js. Each bundle's first line records the sha256 of the sources it
was built from; tests/test_widget_bundles.py fails when a source changed without a rebuild
(without Node.js), and rebuilds and compares byte for byte where esbuild is installed.

    python -m tools.build_widgets            # rebuild static/
    python -m tools.build_widgets --check    # exit 1 when static/ is not what the sources give
"""

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDGETS = ROOT / "src" / "readkit" / "widgets"
SOURCES = WIDGETS / "js"
BUNDLES = WIDGETS / "static"
ENTRIES = ("sorter", "author", "selfcheck", "evidence", "handin")
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
BANNER = "// Built by `make widgets` (esbuild {version}) from readkit/widgets/js: do not edit. " \
         "Sources sha256 {digest}"


class BuildError(RuntimeError):
    pass


def esbuild_version() -> str:
    """The esbuild version package.json pins (the one `npm ci` installs)."""
    manifest = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    return manifest["devDependencies"]["esbuild"]


def sources_digest() -> str:
    """sha256 over every source module (name and bytes) and the pinned esbuild version."""
    digest = hashlib.sha256(f"esbuild {esbuild_version()}\n".encode())
    for path in sorted(SOURCES.glob("*.js")):
        digest.update(f"{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def banner() -> str:
    return BANNER.format(version=esbuild_version(), digest=sources_digest())


def recorded_digest(bundle: Path) -> str | None:
    """The sources' sha256 written in a bundle's first line, if any."""
    first = bundle.read_text(encoding="utf-8").split("\n", 1)[0]
    return first.rsplit("Sources sha256 ", 1)[1].strip() if "Sources sha256 " in first else None


def build(out: Path = BUNDLES) -> list[Path]:
    if not ESBUILD.exists():
        raise BuildError(f"esbuild is not installed ({ESBUILD.relative_to(ROOT)} is missing): run "
                         "`npm ci` in the repository (Node.js and npm), or `make widgets`.")
    out.mkdir(parents=True, exist_ok=True)
    command = [str(ESBUILD), *(str(SOURCES / f"{name}.js") for name in ENTRIES), "--bundle",
               "--format=esm", "--target=es2020", "--charset=utf8", "--legal-comments=none",
               f"--banner:js={banner()}", f"--outdir={out}", "--log-level=warning"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"esbuild failed:\n{done.stderr}")
    return [out / f"{name}.js" for name in ENTRIES]


def differences(built: Path, committed: Path = BUNDLES) -> list[str]:
    """The bundles that differ between two folders (or are missing from the committed one)."""
    return [name for name in ENTRIES
            if not (committed / f"{name}.js").exists()
            or (committed / f"{name}.js").read_bytes() != (built / f"{name}.js").read_bytes()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="build into a temporary folder and compare with static/")
    args = parser.parse_args(argv)
    try:
        if args.check:
            with tempfile.TemporaryDirectory() as folder:
                build(Path(folder))
                stale = differences(Path(folder))
            if stale:
                print(f"Out of date: {', '.join(stale)} (run `make widgets`).", file=sys.stderr)
                return 1
            print("The widget bundles are up to date.")
            return 0
        for bundle in build():
            print(f"Built {bundle.relative_to(ROOT)}")
    except BuildError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
