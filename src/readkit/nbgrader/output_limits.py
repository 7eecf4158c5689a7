"""How much of one learner's output the grading process holds and writes: bounded, whatever the
learner's code prints, displays or sends.

Measured before these bounds: one cell printing 500 MiB in one line made the autograde worker
2.1 GiB and the autograded notebook 524 MB (nbgrader's LimitOutput counts lines, not bytes), and
`nbgrader generate_feedback` needed 2.6 GB for it. The bounds (docs/grading.md):

- a message from the kernel: one zmq frame of at most MESSAGE_LIMIT on every channel
  (zmq.MAXMSGSIZE: libzmq drops the connection when it reads a larger frame's header, before
  the frame is read), and at most RECEIVE_QUEUE messages waiting on a socket;
- what is kept of a cell's outputs, CELL_LIMIT, and of a notebook's, NOTEBOOK_LIMIT (counted
  as JSON text, for every message that the executor would keep: outputs, display updates,
  widget state, the error of the reply);
- the handed-in notebook before nbgrader reads it: its file at most NOTEBOOK_FILE_LIMIT, the
  text of its cells (sources and attachments) at most SOURCE_LIMIT, so the feedback page that
  nbgrader makes from it (highlighting makes code about 13 times larger) stays small, and at
  most CELL_COUNT_LIMIT cells: nbgrader and nbconvert cost memory and time per cell, however
  empty (measured before this bound: 150,000 empty markdown cells, 11 MB, made autograde take
  365 s, generate_feedback peak at 1.61 GB and write a 30.7 MB page, and the formgrader's
  server hang for over a minute: about 2.4 ms, 10.7 KB of memory and 205 B of page per cell).
  The limit is fixed, not the released count plus a margin: the check reads the hand-in alone
  (also in plain `nbgrader autograde`, through SafeSubmission), and this course's notebooks
  have 10 to 19 cells, so 5,000 leaves a learner room for hundreds of notes of their own
  while a notebook just under it (4,996 cells) took autograde 9 s, generate_feedback 181 MiB
  of peak RSS and a 1.2 MB page.

What goes over is dropped, the cell says so in an error output (a graded cell that lost output
scores 0: a dropped result must never count as a passing cell with no output), grading goes on,
and the nbgrader log gets a line starting with LOG_PREFIX for readkit autograde's summary.

Known limit: zmq bounds a frame, not a message: one message of very many frames (a kernel can
attach any number of binary buffers) is still queued whole. A worker that runs out of memory
fails its own learner only (readkit.nbgrader.autograde).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.utils import run_sync
from nbformat.v4 import new_output
from traitlets import default

KiB = 1024
MiB = 1024 * KiB
MESSAGE_LIMIT = 2 * MiB
RECEIVE_QUEUE = 32
CELL_LIMIT = 1 * MiB
NOTEBOOK_LIMIT = 2 * MiB
NOTEBOOK_FILE_LIMIT = 16 * MiB
SOURCE_LIMIT = 512 * KiB
CELL_COUNT_LIMIT = 5_000
LOG_PREFIX = "readkit output limit: "
WATCHED = ("shell", "iopub", "stdin", "control")
# Messages that keep nothing (or only a timestamp) in the notebook.
FREE = frozenset({"status", "execute_input", "clear_output", "comm_close"})
DISPLAYS = frozenset({"display_data", "execute_result", "update_display_data"})


def size_text(size: int) -> str:
    """1048576 -> '1 MiB', 700060 -> '683.7 KiB', 1000 -> '1000 B'."""
    for unit, name in ((MiB, "MiB"), (KiB, "KiB")):
        if size >= unit:
            return f"{size / unit:.1f}".removesuffix(".0") + f" {name}"
    return f"{size} B"


def bounded_context(context: zmq.Context) -> zmq.Context:
    """`context` with readkit's limits on every socket made from it from now on."""
    context.setsockopt(zmq.MAXMSGSIZE, MESSAGE_LIMIT)
    context.setsockopt(zmq.RCVHWM, RECEIVE_QUEUE)
    return context


class BoundedKernelClient(AsyncKernelClient):
    """jupyter_client's async kernel client whose sockets never read a frame over MESSAGE_LIMIT.

    libzmq ends a connection that sends one, for good (a protocol error is not retried): each
    channel socket is watched (`dropped`), and `reconnect` connects it again."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._watchers: dict[str, tuple[zmq.Socket, zmq.Socket]] = {}
        self._reconnects = 0

    @default("context")
    def _context_default(self) -> zmq.asyncio.Context:
        self._created_context = True
        return bounded_context(zmq.asyncio.Context())

    def connect_shell(self, identity: bytes | None = None) -> zmq.Socket:
        return self._watched("shell", super().connect_shell(identity))

    def connect_iopub(self, identity: bytes | None = None) -> zmq.Socket:
        return self._watched("iopub", super().connect_iopub(identity))

    def connect_stdin(self, identity: bytes | None = None) -> zmq.Socket:
        return self._watched("stdin", super().connect_stdin(identity))

    def connect_control(self, identity: bytes | None = None) -> zmq.Socket:
        return self._watched("control", super().connect_control(identity))

    def _watched(self, channel: str, socket: zmq.Socket) -> zmq.Socket:
        monitor = socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        # Read without an event loop: a plain socket over the same zmq socket.
        self._watchers[channel] = (socket, zmq.Socket.shadow(monitor.underlying))
        return socket

    def dropped(self) -> list[str]:
        """The channels whose connection ended since the last call."""
        found = []
        for channel, (_, monitor) in self._watchers.items():
            with suppress(zmq.ZMQError):
                while monitor.recv_multipart(zmq.NOBLOCK):
                    if channel not in found:
                        found.append(channel)
        return found

    def reconnect(self, channel: str) -> None:
        socket, _ = self._watchers[channel]
        url = self.channel_url(channel)
        with suppress(zmq.ZMQError):
            socket.disconnect(url)
        if socket.type == zmq.DEALER:
            # The kernel's side still holds the ended connection under the old identity (with
            # the rest of the message it was sending) and would ignore a new one of that name.
            self._reconnects += 1
            socket.setsockopt(zmq.ROUTING_ID, self.session.bsession + b"-%d" % self._reconnects)
        socket.connect(url)

    def channel_url(self, channel: str) -> str:
        port = getattr(self, f"{channel}_port")
        if self.transport == "tcp":
            return f"tcp://{self.ip}:{port}"
        return f"{self.transport}://{self.ip}-{port}"


@dataclass
class OutputBudget:
    """What one notebook's execution has kept so far, and what was dropped, per cell."""

    cell_limit: int = CELL_LIMIT
    notebook_limit: int = NOTEBOOK_LIMIT
    used: int = 0
    per_cell: Counter = field(default_factory=Counter)
    displays: Counter = field(default_factory=Counter)  # display_id -> outputs that show it
    cut: dict[int, str] = field(default_factory=dict)  # cell index -> why

    def admit(self, msg: dict, cell_index: int) -> bool:
        """Whether the executor may keep this message (False: drop it, the cell is noted)."""
        kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type", "")
        if kind in FREE:
            return True
        content = msg.get("content") or {}
        cost = message_size(content) + sum(len(buffer) for buffer in msg.get("buffers") or ())
        transient = content.get("transient") if isinstance(content, dict) else None
        display_id = transient.get("display_id") if isinstance(transient, dict) else None
        if display_id and kind in DISPLAYS:
            # nbclient writes a display's new data into every output that shows it
            shown = self.displays[display_id]
            cost *= max(1, shown + (kind != "update_display_data"))
        if kind == "stream" and isinstance(content.get("text"), str):
            cost = self.shorten_stream(content, cell_index, cost)
        if not self.charge(cell_index, cost, f"{kind} output"):
            return False
        if display_id and kind in ("display_data", "execute_result"):
            self.displays[display_id] += 1
        return True

    def shorten_stream(self, content: dict, cell_index: int, cost: int) -> int:
        """Keep the head of printed text that goes over (what a learner needs to see)."""
        room = min(self.cell_limit - self.per_cell[cell_index], self.notebook_limit - self.used)
        if cost <= room:
            return cost
        limit = self.cell_limit if room == self.cell_limit - self.per_cell[cell_index] \
            else self.notebook_limit
        where = "this cell" if limit == self.cell_limit else "this notebook"
        self.note(cell_index, f"printed output over {size_text(limit)} in {where} was cut "
                              f"(a message of {size_text(cost)})")
        keep = (room - 2 * KiB) // 6  # a character is at most 6 in JSON
        if keep <= 0:
            return cost  # no room left: dropped whole
        content["text"] = content["text"][:keep]
        return message_size(content)

    def charge(self, cell_index: int, cost: int, what: str) -> bool:
        if self.per_cell[cell_index] + cost > self.cell_limit:
            self.note(cell_index, f"output over {size_text(self.cell_limit)} in this cell "
                                  f"was dropped ({what} of {size_text(cost)})")
            return False
        if self.used + cost > self.notebook_limit:
            self.note(cell_index, f"output over {size_text(self.notebook_limit)} in this "
                                  f"notebook was dropped ({what} of {size_text(cost)})")
            return False
        self.per_cell[cell_index] += cost
        self.used += cost
        return True

    def note(self, cell_index: int, why: str) -> None:
        self.cut.setdefault(cell_index, why)


def message_size(content) -> int:
    """Characters of the content as JSON: about what keeping it costs in the notebook."""
    try:
        return len(json.dumps(content, ensure_ascii=False, default=str))
    except (TypeError, ValueError, RecursionError):
        return MESSAGE_LIMIT


def limit_output(why: str):
    return new_output("error", ename="OutputLimit", evalue=why, traceback=[
        f"OutputLimit: {why} (readkit grades with bounded output: docs/grading.md)."])


class BoundedOutput:
    """Put before nbclient's NotebookClient (nbgrader's Execute) in a class's bases: the
    kernel's messages are read and kept within this module's limits."""

    def preprocess(self, nb, resources=None, km=None):
        self._budget = OutputBudget()
        try:
            return super().preprocess(nb, resources, km)
        finally:
            for index, why in sorted(self._budget.cut.items()):
                self.log.warning("%scell %d: %s", LOG_PREFIX, index + 1, why)

    def start_new_kernel(self, **kwargs):
        # nbclient's sync wrapper calls NotebookClient's own async method, past any override:
        # go through this class's (and its subclasses') async_start_new_kernel instead.
        return run_sync(self.async_start_new_kernel)(**kwargs)

    async def async_start_new_kernel(self, **kwargs):
        bounded_context(self.km.context)  # the manager's own control socket
        self.km.client_factory = BoundedKernelClient
        return await super().async_start_new_kernel(**kwargs)

    def process_message(self, msg, cell, cell_index):
        if not self._budget.admit(msg, cell_index):
            return None
        return super().process_message(msg, cell, cell_index)

    def on_cell_executed(self, **kwargs):
        """nbgrader adds the reply's error to the cell when no error output came (a timeout,
        or an error output dropped here): that too is kept within the budget."""
        cell, index, reply = kwargs.get("cell"), kwargs.get("cell_index"), kwargs.get(
            "execute_reply")
        content = (reply or {}).get("content") or {}
        if cell is not None and content.get("status") == "error" and not any(
                out.get("output_type") == "error" and out.get("ename") == content.get("ename")
                for out in cell.outputs):
            error = {k: content.get(k) for k in ("ename", "evalue", "traceback")}
            if not self._budget.charge(index, message_size(error), "error"):
                kwargs["execute_reply"] = {**reply, "content": {
                    "status": "error", "ename": "OutputLimit", "evalue": "", "traceback": []}}
        hook = getattr(super(), "on_cell_executed", None)
        return hook(**kwargs) if callable(hook) else None

    def preprocess_cell(self, cell, resources, index):
        from nbclient.exceptions import CellTimeoutError

        self._reconnect_dropped(index)
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except CellTimeoutError:
            # The connection that dropped an oversized message lost the kernel's "idle" too:
            # the reply came, the cell is over. Anything else is a real timeout.
            if not self._reconnect_dropped(index):
                raise
        else:
            self._reconnect_dropped(index)
        why = self._budget.cut.get(index)
        if why:
            cell.outputs.append(limit_output(why))
        return cell, resources

    def _reconnect_dropped(self, index: int) -> bool:
        """Connect again every channel that a kernel's oversized message ended; note it for
        the cell `index`. False when none ended (or the kernel is dead: then it was not us)."""
        kc = getattr(self, "kc", None)
        if not isinstance(kc, BoundedKernelClient):
            return False
        dropped = kc.dropped()
        if not dropped or not run_sync(self.km.is_alive)():
            return False
        self._budget.note(index, f"a message from the kernel over {size_text(MESSAGE_LIMIT)} "
                                 f"was dropped unread ({', '.join(dropped)} channel)")
        for channel in dropped:
            kc.reconnect(channel)
        run_sync(kc.wait_for_ready)(timeout=self.startup_timeout)
        return True


def oversized_notebook(folder: Path) -> str | None:
    """Why a handed-in notebook in `folder` is too large to grade, or None."""
    for path in sorted(folder.glob("*.ipynb")):
        try:
            size = os.lstat(path).st_size
        except OSError:
            continue
        if size > NOTEBOOK_FILE_LIMIT:
            return (f"not autograded: {path.name} is {size_text(size)}, more than the "
                    f"{size_text(NOTEBOOK_FILE_LIMIT)} readkit reads of a notebook. Ask the "
                    "learner to clear its outputs (Edit > Clear Outputs of All Cells) and hand "
                    "it in again.")
        try:
            notebook = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            continue  # nbgrader says what is wrong with it
        count = cell_count(notebook)
        if count > CELL_COUNT_LIMIT:
            return (f"not autograded: {path.name} has {count:,} cells, more than the "
                    f"{CELL_COUNT_LIMIT:,} readkit grades in a notebook. Ask the learner to "
                    "hand in the released notebook with their answers, without the cells they "
                    "added (or to merge them), and hand it in again.")
        text = cell_text_size(notebook)
        if text > SOURCE_LIMIT:
            return (f"not autograded: the cells of {path.name} hold {size_text(text)} of text, "
                    f"more than the {size_text(SOURCE_LIMIT)} readkit grades. Ask the learner "
                    "to remove what they pasted in and hand it in again.")
    return None


def cell_count(notebook) -> int:
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    return len(cells) if isinstance(cells, list) else 0


def cell_text_size(notebook) -> int:
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    total = 0
    for cell in cells if isinstance(cells, list) else ():
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        parts = source if isinstance(source, list) else [source]
        total += sum(len(str(part)) for part in parts)
        if cell.get("attachments"):
            total += message_size(cell["attachments"])
    return total
