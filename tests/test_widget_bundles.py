"""The widgets' front ends as ES modules: what anywidget loads is the bundle of each widget
(src/readkit/widgets/static/, built from js/ by `make widgets`), it is up to date with the
sources, it imports nothing at run time, and the sources hold one copy of each shared piece
(escape, the key map, a label's name with its letter, element ids) and build no HTML from
strings."""

import os
import re
import tempfile
from pathlib import Path

import pytest

from readkit.widgets.author import AuthorSorter
from readkit.widgets.handin_widget import HandInWidget
from readkit.widgets.selfcheck import EvidenceTable, SelfCheck
from readkit.widgets.sorter_widget import SorterWidget
from tools import build_widgets

SOURCES = sorted(build_widgets.SOURCES.glob("*.js"))
WIDGETS = {"sorter": SorterWidget, "author": AuthorSorter, "selfcheck": SelfCheck,
           "evidence": EvidenceTable, "handin": HandInWidget}


def source(name: str) -> str:
    return (build_widgets.SOURCES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", build_widgets.ENTRIES)
def test_each_widget_loads_its_bundle_which_imports_nothing(name):
    bundle = build_widgets.BUNDLES / f"{name}.js"
    assert str(WIDGETS[name]._esm) == bundle.read_text(encoding="utf-8")
    code = bundle.read_text(encoding="utf-8")
    # anywidget imports the text from a blob: URL: a relative import there cannot resolve.
    assert not re.search(r"^\s*import\b|\bimport\(", code, re.MULTILINE), name
    assert re.search(r"^export \{\s*\w+ as default\s*\};?$", code, re.MULTILINE), name


@pytest.mark.parametrize("name", build_widgets.ENTRIES)
def test_every_bundle_was_built_from_the_sources_as_they_are(name):
    """No Node.js needed: each bundle records the sha256 of the sources it was built from."""
    recorded = build_widgets.recorded_digest(build_widgets.BUNDLES / f"{name}.js")
    assert recorded == build_widgets.sources_digest(), (
        f"static/{name}.js was built from other sources than js/ holds now: run `make widgets` "
        "and commit static/.")


def test_the_digest_changes_with_any_source(monkeypatch, tmp_path):
    for path in SOURCES:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(build_widgets, "SOURCES", tmp_path)
    before = build_widgets.sources_digest()
    (tmp_path / "keys.js").write_text(source("keys.js") + "\n// a change\n", encoding="utf-8")
    assert build_widgets.sources_digest() != before


def test_a_rebuild_gives_the_committed_bundles_byte_for_byte():
    if not build_widgets.ESBUILD.exists():
        if os.environ.get("CI"):
            pytest.fail("esbuild is not installed (npm ci): CI must check the bundles.")
        pytest.skip("esbuild is not installed: run `npm ci` (the digest test above still runs)")
    with tempfile.TemporaryDirectory() as folder:
        build_widgets.build(Path(folder))
        assert build_widgets.differences(Path(folder)) == []


def test_no_source_builds_html_from_strings():
    """The article's text, a learner's text and labels only ever become text nodes."""
    for path in SOURCES:
        code = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                     "createContextualFragment", "DOMParser"):
            assert sink not in code, (path.name, sink)


def test_each_shared_piece_is_defined_once():
    exported: dict[str, list[str]] = {}
    for path in SOURCES:
        for name in re.findall(r"^export (?:function|const|let) (\w+)", path.read_text(
                encoding="utf-8"), re.MULTILINE):
            exported.setdefault(name, []).append(path.name)
    assert {name: files for name, files in exported.items() if len(files) > 1} == {}
    assert {"keepKeys", "radioTarget", "keyMap", "h", "uniqueId", "announcer", "sentence",
            "nameWithLetter", "choiceRadio"} <= set(exported)
    everything = "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)
    # The copies the widgets once had: an escape for HTML strings, a view counter, key maps.
    assert "escape" not in everything.replace("CSS.escape", "")
    assert "viewCount" not in everything and "++count" not in everything
    assert everything.count("new Map(labels.map") == 2  # the digit and letter maps, keys.js
    assert "new Map(labels.map" not in source("sorter.js") + source("author.js")
    for entry in build_widgets.ENTRIES:  # every entry imports what it shares
        assert re.search(r'^import .* from "\./\w+\.js";$', source(f"{entry}.js"), re.MULTILINE)
