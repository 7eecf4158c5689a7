"""The host side of the kernel zygote (readkit.sandbox.zygote): one per grading process.

`KernelPool` starts the zygote lazily, in one bubblewrap sandbox (readkit.sandbox.bubblewrap)
or, for trusted code, on the host, and serves one kernel at a time. Before each kernel: the
zygote kills every process of the previous one and empties the sandbox's RAM folders (reset),
this side empties the ipc folder and the inbox, and only then copies the next learner's folder
into the inbox. A kernel's wall time is enforced from here; a zygote that does not answer in
time, or dies, takes its sandbox with it and the next kernel gets a new one.
readkit.sandbox.kernels holds jupyter_client's side (the kernel provisioner).
"""

from __future__ import annotations

import atexit
import compileall
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing import util as mp_util
from pathlib import Path

from readkit.sandbox import bubblewrap as sandbox
from readkit.sandbox import seccomp
from readkit.sandbox.reaper import empty_folder, remove_folder

ZYGOTE = str(Path(__file__).with_name("zygote.py"))
READY_SECONDS = 60  # first start: imports on a busy machine
ANSWER_SECONDS = 10  # any later request; then the sandbox is killed
KILLED = -signal.SIGKILL

REAPER = str(Path(__file__).with_name("reaper.py"))  # bwrap's parent: see there


class SandboxFailure(RuntimeError):
    """The sandbox (not the learner's kernel) failed: the submission must be graded again."""


def _copy_folder(source: str, target: str) -> None:
    """The notebook's folder into the inbox: folders and regular files only, links skipped."""
    for entry in os.scandir(source):
        destination = os.path.join(target, entry.name)
        if entry.is_dir(follow_symlinks=False):
            os.mkdir(destination)
            _copy_folder(entry.path, destination)
        elif entry.is_file(follow_symlinks=False):
            shutil.copy2(entry.path, destination, follow_symlinks=False)


def _child_pid(fd: int) -> int:
    """The sandbox's PID 1 as the host sees it, from bwrap's --info-fd (JSON, then closed)."""
    data = b""
    with os.fdopen(fd, "rb") as stream:
        while chunk := stream.read1(4096):
            data += chunk
            with contextlib.suppress(ValueError):
                return int(json.loads(data)["child-pid"])
    raise SandboxFailure(f"bubblewrap did not start the sandbox: {data[-200:]!r}")


def _compile_readkit() -> None:
    """Bytecode for readkit's modules, as any import on the host writes it: kernels never write
    it (a read-only bind in the sandbox), so without it each compiles readkit's source again."""
    package = Path(__file__).resolve().parents[1]
    with contextlib.suppress(OSError):
        compileall.compile_dir(package, quiet=2, workers=1)


class KernelPool:
    """One zygote and the kernel it serves; `spec` None runs it unsandboxed (trusted code)."""

    def __init__(self, spec=None) -> None:
        _compile_readkit()

        self.spec = spec
        self.scratch = sandbox.make_scratch()
        self.run_dir = os.path.join(self.scratch, "run")
        self.inbox = os.path.join(self.scratch, "inbox")
        self.lock = threading.RLock()
        self.exited: dict[int, int] = {}  # kernel pid -> exit code
        self.kernel: int | None = None
        self.deadline_timer: threading.Timer | None = None
        self.dead = ""  # why the sandbox is gone
        self.zygote_pid = 0  # on the host
        self._buffer = b""
        self._lifeline: int | None = None  # our end of the reaper's pipe (see REAPER)
        self._lifeline_pipe = (-1, -1)
        self._seccomp_fd = -1
        config = {"inbox": self.inbox, "wipe": [], "keep": []}
        if spec is not None:
            config = sandbox.zygote_config(spec, self.scratch)
            command, info = self._sandbox_command()
        else:
            command, info = [sys.executable, ZYGOTE], None
        self._log = tempfile.TemporaryFile()  # bwrap's and the zygote's errors  # noqa: SIM115
        try:
            self.process = self._launch(command, info)
            # The zygote's config comes first on its stdin, not in its argv: every kernel can
            # read the zygote's command line (/proc/1/cmdline, and its own, inherited by fork).
            try:
                self.process.stdin.write((json.dumps(config) + "\n").encode())
                self.process.stdin.flush()
            except OSError:  # it ended at once: bwrap's own message is in the log
                raise SandboxFailure("the kernel sandbox ended") from None
            ready = self._answer(READY_SECONDS)
        except SandboxFailure:
            why = self._log_text()
            self.close()
            raise SandboxFailure(f"the kernel sandbox did not start: {why}") from None
        except BaseException:
            self.close()
            raise
        if "ready" not in ready:
            why = self._log_text()
            self.close()
            raise SandboxFailure(f"the kernel sandbox did not start: {why}")
        if spec is None:
            self.zygote_pid = ready["ready"]

    # --- the process -------------------------------------------------------------------------

    def _sandbox_command(self) -> tuple[list[str], tuple[int, int]]:
        info = os.pipe()
        self._lifeline_pipe = os.pipe()
        self._seccomp_fd = seccomp.filter_fd()
        bwrap = sandbox.zygote_command(self.spec, self.scratch, info[1], self._seccomp_fd)
        bwrap += [sys.executable, sandbox.ZYGOTE_INSIDE]
        reaper = [sys.executable, "-I", "-S", REAPER, str(self._lifeline_pipe[0]),
                  self.scratch, f"{info[1]},{self._seccomp_fd}", "--"]
        return reaper + bwrap, info

    def _launch(self, command: list[str], info) -> subprocess.Popen:
        fds = (info[1], self._seccomp_fd, self._lifeline_pipe[0]) if info is not None else ()
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            pass_fds=fds, start_new_session=True)
        if info is not None:
            os.close(info[1])
            os.close(self._seccomp_fd)
            self._seccomp_fd = -1
            os.close(self._lifeline_pipe[0])
            self._lifeline = self._lifeline_pipe[1]
            self.zygote_pid = _child_pid(info[0])
        return process

    def _log_text(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self._log.seek(0)
            text = self._log.read()[-2000:].decode(errors="replace").strip()
            return text.splitlines()[-1] if text else "no message"
        return "no message"

    @property
    def alive(self) -> bool:
        if not self.dead and self.process.poll() is not None:
            self._die("the kernel sandbox ended")
        return not self.dead

    # --- messages ----------------------------------------------------------------------------

    def _read(self, timeout: float) -> dict | None:
        """The next message, or None when none came in `timeout` s; exit notes are recorded."""
        deadline = time.monotonic() + timeout
        out = self.process.stdout.fileno()
        while True:
            if b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                message = json.loads(line)
                if "exited" in message:
                    self._kernel_exited(message["exited"], message["code"])
                    continue
                return message
            left = max(deadline - time.monotonic(), 0)
            if not select.select([out], [], [], left)[0]:
                return None
            chunk = os.read(out, 65536)
            if not chunk:
                self._die("the kernel sandbox ended")
                return None
            self._buffer += chunk

    def _answer(self, timeout: float = ANSWER_SECONDS) -> dict:
        message = self._read(timeout)
        if message is None:
            self._die(self.dead or "the kernel sandbox stopped answering")
            raise SandboxFailure(f"{self.dead} ({self._log_text()})")
        return message

    def _request(self, request: dict, timeout: float = ANSWER_SECONDS) -> dict:
        if not self.alive:
            raise SandboxFailure(self.dead or "the kernel sandbox ended")
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            self._die("the kernel sandbox ended")
            raise SandboxFailure(self.dead) from None
        return self._answer(timeout)

    def _kernel_exited(self, pid: int, code: int) -> None:
        self.exited[pid] = code
        if pid == self.kernel:
            self.kernel = None
            self._cancel_deadline()

    # --- what the provisioner calls ----------------------------------------------------------

    def _reset(self) -> None:
        """Kill every process of the last kernel, empty the RAM folders; a zygote that cannot
        (a folder it could not empty) is never used again."""
        answer = self._request({"op": "reset"})
        if answer.get("reset") is not True:
            self._die(f"the sandbox could not be cleaned: {answer.get('error')}")
            raise SandboxFailure(self.dead)

    def prepare(self, folder: str) -> None:
        """Make the sandbox clean for a new kernel, then fill the inbox with `folder`."""
        with self.lock:
            self._reset()
            if not (empty_folder(self.run_dir) and empty_folder(self.inbox)):
                # nothing of the last kernel may meet the next: a new sandbox
                self._die("the sandbox's folders could not be emptied")
                raise SandboxFailure(self.dead)
            if self.spec is not None:
                os.mkdir(os.path.join(self.inbox, "files"))
                _copy_folder(folder, os.path.join(self.inbox, "files"))

    def kernel_cwd(self, folder: str) -> str:
        """The kernel's working folder for the host's `folder`: that folder on the host (trusted
        code), the path of its copy in the sandbox (which names nothing of the host)."""
        return folder if self.spec is None else sandbox.kernel_folder(folder)

    @property
    def notices(self) -> int:
        """The file descriptor the zygote's unasked exit notices arrive on (read by `poll`)."""
        return self.process.stdout.fileno()

    def start(self, argv: list[str], cwd: str, env: dict, memory: int | None,
              wall: float | None) -> int:
        """Start a kernel in `cwd` (see kernel_cwd) once `prepare` filled the inbox."""
        with self.lock:
            kernel = {"argv": argv, "cwd": cwd, "env": env, "memory": memory}
            with open(os.path.join(self.inbox, "request.json"), "x", encoding="utf-8") as file:
                json.dump(kernel, file)
            answer = self._request({"op": "start"})
            if "started" not in answer:
                raise SandboxFailure(f"the kernel did not start: {answer.get('error')}")
            self.kernel = answer["started"]
            if wall:
                self.deadline_timer = threading.Timer(wall, self.kill, (self.kernel,))
                self.deadline_timer.daemon = True
                self.deadline_timer.start()
            return self.kernel

    def poll(self, pid: int) -> int | None:
        with self.lock:
            if pid in self.exited:
                return self.exited[pid]
            if self.alive:
                self._read(0)
            if pid in self.exited:
                return self.exited[pid]
            if not self.alive:
                return self.exited.setdefault(pid, KILLED)
            return None

    def signal(self, pid: int, signum: int) -> None:
        with self.lock:
            if self.poll(pid) is None:
                self._request({"op": "signal", "signum": signum})

    def kill(self, pid: int) -> None:
        """Kill the kernel and everything it started, and empty the RAM folders and ipc folder."""
        with self.lock:
            if self.poll(pid) is not None:
                return
            with contextlib.suppress(SandboxFailure):  # else _die killed the whole sandbox
                self._reset()
            self.exited.setdefault(pid, KILLED)
            if self.kernel == pid:
                self.kernel = None
            empty_folder(self.run_dir)

    def release(self, pid: int) -> None:
        """After a kernel's cleanup: nothing of its learner stays running until the next one."""
        with self.lock:
            self._cancel_deadline()
            if self.alive:
                with contextlib.suppress(SandboxFailure):
                    self._reset()
            empty_folder(self.run_dir)  # what stays is seen before the next kernel (prepare)
            empty_folder(self.inbox)

    def _cancel_deadline(self) -> None:
        if self.deadline_timer is not None:
            self.deadline_timer.cancel()
            self.deadline_timer = None

    def _die(self, why: str) -> None:
        """Kill the zygote and with it the whole sandbox (its PID namespace)."""
        self.dead = self.dead or why
        with contextlib.suppress(OSError):  # PID 1 of the sandbox: its namespace dies with it
            os.kill(self.zygote_pid or self.process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.kernel is not None:
            self.exited.setdefault(self.kernel, KILLED)
            self.kernel = None
        self._cancel_deadline()

    def close(self) -> None:
        with self.lock:
            self._cancel_deadline()
            process = getattr(self, "process", None)
            if process is not None and process.poll() is None:
                with contextlib.suppress(OSError):
                    process.stdin.close()  # the zygote kills everything and exits
                try:
                    process.wait(ANSWER_SECONDS)
                except subprocess.TimeoutExpired:
                    self._die("closed")
                    process.wait()
            self.dead = self.dead or "closed"
            if self._seccomp_fd >= 0:  # the sandbox never started
                os.close(self._seccomp_fd)
                self._seccomp_fd = -1
            if self._lifeline is not None:
                with contextlib.suppress(OSError):
                    os.close(self._lifeline)
                self._lifeline = None
            if getattr(self, "_log", None):
                self._log.close()
            remove_folder(self.scratch)


# --- one pool per process ---------------------------------------------------------------------

_POOL: KernelPool | None = None
_POOL_LOCK = threading.Lock()
_EXIT_REGISTERED = 0  # the pid that registered the exit hook


def pool_for(spec) -> KernelPool:
    """This process's pool for `spec` (None: trusted): the current one when it has that spec and
    is alive, else a new one (the old one is closed first)."""
    global _POOL
    with _POOL_LOCK:
        pool = _POOL
        if pool is not None and pool.alive and pool.spec == spec:
            return pool
        if pool is not None:
            pool.close()
            _POOL = None
        if _EXIT_REGISTERED != os.getpid():
            _register_exit()
            globals()["_EXIT_REGISTERED"] = os.getpid()
        _POOL = KernelPool(spec)
        return _POOL


def close_pools() -> None:
    """Stop this process's zygote (and its sandbox) and remove its folder."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.close()
            _POOL = None


def _close_at_exit() -> None:
    with contextlib.suppress(Exception):
        close_pools()


def _register_exit() -> None:
    """Close the pool at exit, also in a multiprocessing worker (which skips atexit, and drops
    finalizers registered before it was forked: so this runs in the process that has a pool)."""
    atexit.register(_close_at_exit)
    mp_util.Finalize(None, _close_at_exit, exitpriority=100)
