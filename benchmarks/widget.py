"""How fast the Sorter is in a real browser: JupyterLab + headless Chromium, the whole article.

    render_ms            from the Sorter cell's execution start (after a first cell has imported
                         readkit) to every unit laid out on the page, measured in the page; the
                         first render of the page (cold), with the re-runs in render_runs_ms
    click_to_disk_*_ms   from a mouse click on a choice to answers.json on disk holding it,
                         polled from Python on the file's mtime and size, over `clicks` clicks

Goals: render under 1000 ms, p95 click-to-disk under 150 ms.
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from readkit.course.labels import LABELS

RENDER_RUNS = 3
CLICKS = 60
NOTEBOOK = "app => app.shell.currentWidget.content"


def _paragraph_range() -> tuple[int, int, int]:
    """(first paragraph, last paragraph, number of units) of the whole article."""
    from readkit.course.course import Course

    units = [u._asdict() for u in Course.default().units]
    paragraphs = [unit["paragraph"] for unit in units]
    return min(paragraphs), max(paragraphs), len(units)


def _run_cell(page, index: int) -> None:
    """Select cell `index` and run it (fired: the command's promise may not settle)."""
    page.evaluate(
        "i => { const app = window.jupyterapp; const nb = app.shell.currentWidget.content;"
        " nb.activeCellIndex = i; window.__rkT0 = performance.now();"
        " app.commands.execute('notebook:run-cell'); }", index)


def _render_once(page, units: int) -> float:
    """Run the Sorter cell; ms until all its units are laid out (the old output is marked
    stale first so that it is never counted)."""
    page.evaluate("() => document.querySelectorAll('.rk-sorter')"
                  ".forEach(e => e.setAttribute('data-stale', ''))")
    _run_cell(page, 1)
    page.wait_for_function(
        """n => {
          const units = document.querySelectorAll('.rk-sorter:not([data-stale]) .rk-unit');
          if (units.length !== n || !units[n - 1].getBoundingClientRect().height) return false;
          window.__rkT1 = performance.now();
          return true;
        }""", arg=units, polling="raf", timeout=60_000)
    return page.evaluate("() => window.__rkT1 - window.__rkT0")


def _wait_for_label(path: Path, unit_id: str, label: str, since: tuple, timeout: float = 10):
    """Tight poll of the file until it holds `label` for `unit_id`; returns its stat key."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            stat = path.stat()
        except FileNotFoundError:
            stat = None
        if stat is not None and (stat.st_mtime_ns, stat.st_size, stat.st_ino) != since:
            try:
                answers = json.loads(path.read_bytes())["answers"]
            except (OSError, ValueError, KeyError):
                answers = {}
            if answers.get(unit_id) == label:
                return (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        time.sleep(0.0005)
    raise TimeoutError(f"{path.name} did not get {unit_id}={label} within {timeout} s")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def run(clicks: int = CLICKS, render_runs: int = RENDER_RUNS, log=None) -> dict:
    """Start JupyterLab and Chromium, render a Sorter over the whole article and click.
    Returns and prints the figures (needs Chromium: see tests.support.browser_harness)."""
    from readkit.course.course import Course
    from tests.support.browser_harness import (
        chromium,
        jupyter_server,
        open_notebook,
        write_notebook,
    )

    log = log or (lambda text: print(text, file=sys.stderr, flush=True))
    first, last, units = _paragraph_range()
    course = Course.default().root
    with tempfile.TemporaryDirectory(prefix="readkit-bench-") as folder:
        folder = Path(folder)
        answers = folder / "bench.json"
        write_notebook(folder / "bench.ipynb", [
            "import readkit, readkit.widgets.sorter",
            f"sorter = readkit.Sorter(({first}, {last}), assignment='bench', mode='assessment',"
            " answers_path='bench.json')\nsorter",
        ])
        with jupyter_server("lab", folder, env={"READKIT_COURSE": str(course)}) as server, \
                chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            open_notebook(page, server, "bench.ipynb")
            _run_cell(page, 0)
            page.wait_for_function(
                "() => window.jupyterapp.shell.currentWidget.content.widgets[0]"
                ".model.executionCount !== null", timeout=60_000)
            renders = [_render_once(page, units) for _ in range(render_runs)]
            js_render = float(page.get_attribute(".rk-sorter:not([data-stale])",
                                                 "data-render-ms"))
            log(f"render: {', '.join(f'{ms:.0f}' for ms in renders)} ms "
                f"({units} units; the view's own DOM build {js_render:.0f} ms)")

            ids = page.eval_on_selector_all(".rk-sorter:not([data-stale]) .rk-unit",
                                            "els => els.map(e => e.dataset.unit)")
            current: dict[str, str] = {}
            since = None
            timings = []
            for n in range(clicks):
                unit_id = ids[n % len(ids)]
                previous = current.get(unit_id)
                label = LABELS[(LABELS.index(previous) + 1) % len(LABELS)] if previous \
                    else LABELS[n % len(LABELS)]
                target = page.locator(f'.rk-sorter:not([data-stale]) .rk-unit[data-unit='
                                      f'"{unit_id}"] [data-label="{label}"]')
                target.scroll_into_view_if_needed()
                box = target.bounding_box()
                started = time.perf_counter()
                page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                since = _wait_for_label(answers, unit_id, label, since)
                timings.append((time.perf_counter() - started) * 1000)
                current[unit_id] = label
            page.close()
    result = {
        "units": units,
        "render_ms": round(renders[0], 1),
        "click_to_disk_p50_ms": round(statistics.median(timings), 1),
        "click_to_disk_p95_ms": round(_percentile(timings, 0.95), 1),
        "render_runs_ms": [round(ms, 1) for ms in renders],
        "dom_build_ms": js_render,
        "clicks": len(timings),
        "cores": os.cpu_count(),
    }
    print(json.dumps(result), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    from tests.support.browser_harness import ChromiumMissing

    try:
        run()
    except ChromiumMissing as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # python -m benchmarks.widget (make bench)
    sys.exit(main())
