"""The widget behind readkit.HandIn (readkit.widgets.handin): only the button, made where it is
shown; what it sends is HandIn's."""

from pathlib import Path

import anywidget
import traitlets as t

_HERE = Path(__file__).parent


class HandInWidget(anywidget.AnyWidget):
    """A download button: its front end is static/handin.js (built from js/ by `make widgets`)."""

    _esm = _HERE / "static" / "handin.js"
    _css = _HERE / "handin.css"

    filename = t.Unicode().tag(sync=True)
    help = t.Unicode().tag(sync=True)
