"""tools/run_browser_tests_alone.py finds every browser test (collection only: no browser)."""

import pytest

from tools.run_browser_tests_alone import browser_tests


@pytest.mark.slow  # collects the browser tests in a pytest of its own
def test_it_lists_every_browser_test_by_its_node_id():
    ids = browser_tests(None)
    assert "tests/browser/test_sorter_browser.py::TestJupyterLab::" \
           "test_raw_markup_units_render_as_formatted_text" in ids
    assert "tests/browser/test_author_browser.py::TestAuthorMode::" \
           "test_an_article_is_labelled_by_keyboard_only" in ids
    assert any(node.startswith("tests/browser/test_lessons_browser.py::") for node in ids)
    assert all(node.startswith("tests/browser/") for node in ids)
    assert browser_tests("raw_markup") == [
        "tests/browser/test_sorter_browser.py::TestJupyterLab::"
        "test_raw_markup_units_render_as_formatted_text"]
