"""What a screenshot test compares: the pixels of a region (a colour where the picture must show
one) and the accessibility tree of a part of the page (Playwright's ARIA snapshot, compared
whole with a file in tests/golden/browser/). Not a file's size.

The committed pictures in docs/img/ and the golden snapshots are rewritten only when missing or
asked for (READKIT_SCREENSHOTS=1), so that a test run leaves the work tree clean; under CI a
missing golden snapshot fails.
"""

import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "img"
GOLDEN = ROOT / "tests" / "golden" / "browser"


def rewrite() -> bool:
    return os.environ.get("READKIT_SCREENSHOTS") == "1"


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """Where a picture for the docs goes: docs/img/NAME when missing or asked for, else a
    temporary file."""
    target = IMAGES / name
    if rewrite() or not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path / name


def rgb(css: str) -> tuple[int, int, int]:
    """A computed CSS colour ("rgb(25, 118, 210)", "rgba(...)") as an RGB triple."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    return tuple(round(c) for c in numbers[:3])


def colour_at(png: bytes, origin: dict, x: float, y: float) -> tuple[int, int, int]:
    """The RGB colour at page point (x, y) of a screenshot taken of the element whose bounding
    box is `origin` (device scale factor 1)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGB").getpixel((int(x - origin["x"]), int(y - origin["y"])))


def assert_aria_snapshot(locators, name: str) -> None:
    """The accessibility tree (roles, names, states) of the locators' elements, in order, is the
    one in tests/golden/browser/NAME.aria.yml."""
    locators = locators if isinstance(locators, list | tuple) else [locators]
    seen = "\n".join(locator.aria_snapshot() for locator in locators).strip() + "\n"
    golden = GOLDEN / f"{name}.aria.yml"
    if rewrite() or not golden.exists():
        if not golden.exists() and os.environ.get("CI") and not rewrite():
            pytest.fail(f"{golden.relative_to(ROOT)} is missing: run the test with "
                        "READKIT_SCREENSHOTS=1, check the file and commit it.")
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(seen, encoding="utf-8")
    assert seen == golden.read_text(encoding="utf-8"), (
        f"The accessibility tree differs from {golden.relative_to(ROOT)} (if the change is "
        "meant, rerun with READKIT_SCREENSHOTS=1 and commit the file):\n" + seen)
