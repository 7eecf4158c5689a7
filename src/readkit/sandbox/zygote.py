"""The kernel zygote: one long-lived process per grading process that forks learner kernels.

Run as `python zygote.py` (a script, not `-m`: importing the readkit package here would hand
every kernel the course's readkit before a learner's own). In the sandbox it is PID 1 of
bubblewrap's PID namespace; with --trust-learner-code it runs on the host. Standard
library and ipykernel only. It imports ipykernel and the widget libraries once, so a kernel
costs a fork, not a fresh Python (see readkit.sandbox.pool for the host side).

Never runs learner code itself, and stays single-threaded (no zmq context before a fork).
PR_SET_DUMPABLE 0: a kernel cannot ptrace it or open /proc/1/mem or /proc/1/fd. As PID 1 it
gets no signal from inside the namespace that it has no handler for (SIGKILL, SIGTERM, ...).
Kernel keyrings, which outlive processes, are off in the sandbox (readkit.sandbox.seccomp):
nothing of them to empty here.

Protocol: one JSON object a line, requests on stdin, answers on stdout. The first line on stdin
is the config (what to empty between kernels): not in argv, which every kernel can read in /proc
(its own command line is the zygote's).
  {"op": "start"} -> {"started": pid} | {"error"}: the kernel's argv, cwd, env and memory limit
      are in INBOX/request.json, read by the forked child only
  {"op": "reset"} -> {"reset": true}: every other process killed, the RAM folders emptied
  {"op": "signal", "signum"} -> {"signalled": pid}
and unasked {"exited": pid, "code": c} when the kernel ends (c < 0: killed by signal -c).
"""

import ctypes
import json
import os
import resource
import select
import shutil
import signal
import sys

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36
# What every grading kernel imports anyway (measured: ipykernel's start, and tomllib for
# readkit.toml). Not readkit (a submission may bring its own, which must be the one its cells
# import), not the widget libraries (while nbgrader grades, a readkit.Sorter holds no widget and
# imports none), not debugpy (no debugger at grading time: a quarter of a kernel's start).
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
           "IPython.core.interactiveshell", "IPython.core.completerlib", "IPython.core.debugger",
           "IPython.extensions.storemagic", "sqlite3", "tornado.platform.asyncio",
           "tornado.queues", "tomllib")

_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


class Zygote:
    def __init__(self, config: dict, buffer: bytes = b"") -> None:
        self.inbox = config["inbox"]  # the next kernel's request.json (and files/: its folder)
        self.work_root = config.get("work_root")  # the tmpfs its folder is copied into
        self.wipe = config.get("wipe", [])  # [path, mode]: emptied at every reset
        self.keep = set(config.get("keep", []))  # mount points inside them: never removed
        # Where each mount point is and what is mounted there, taken before any kernel ran: a
        # kernel can rename a folder on the way to one (in /tmp, say) and make a folder of its
        # own at its path, which emptying by path would then keep for the next kernel.
        self.mounts = {path: identity(path) for path in self.keep}
        self.settings = process_settings()
        self.kernel: int | None = None
        self.dirty = False  # a kernel ran since the last reset
        self.buffer = buffer  # what came on stdin after the config

    # --- answers ---------------------------------------------------------------------------

    @staticmethod
    def send(message: dict) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(1, data):]

    def note_exit(self, pid: int, status: int) -> None:
        if pid == self.kernel:
            self.kernel = None
            self.send({"exited": pid, "code": os.waitstatus_to_exitcode(status)})

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.note_exit(pid, status)

    # --- requests --------------------------------------------------------------------------

    def start(self) -> dict:
        """Fork the next kernel. What it is (folder, environment, arguments) is in the inbox,
        and only the child reads it: nothing of a learner passes through the zygote's memory,
        which every later kernel inherits."""
        if self.dirty:
            return {"error": "not reset since the last kernel"}
        self.dirty = True
        pid = os.fork()
        if pid == 0:
            run_kernel(self.inbox, self.work_root)  # never returns
        self.kernel = pid
        return {"started": pid}

    def reset(self) -> dict:
        kill_everything(self.note_exit)
        moved = [path for path, was in self.mounts.items() if identity(path) != was]
        if moved:  # stays dirty: the host replaces this sandbox
            return {"error": f"a kernel moved the mount point {', '.join(moved[:3])}"}
        if process_settings() != self.settings:  # every later kernel would inherit them
            return {"error": "a kernel changed the zygote's limits, priorities or scheduling"}
        failed: list[str] = []
        for path, mode in self.wipe:
            empty(path, mode, self.keep, failed)
        if os.getpid() == 1:  # the sandbox's own IPC namespace (never the host's)
            remove_sysv_ipc(failed)
        if failed:  # stays dirty: the host replaces this sandbox
            return {"error": f"could not remove {', '.join(failed[:3])}"}
        self.dirty = False
        return {"reset": True}

    def signal(self, request: dict) -> dict:
        if self.kernel is None:
            return {"error": "no kernel"}
        try:
            os.killpg(self.kernel, int(request["signum"]))
        except ProcessLookupError:
            pass
        return {"signalled": self.kernel}

    def handle(self, request: dict) -> dict:
        op = request.get("op")
        if op == "start":
            return self.start()
        if op == "reset":
            return self.reset()
        if op == "signal":
            return self.signal(request)
        return {"error": f"unknown op {op!r}"}

    def serve(self) -> None:
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.send({"ready": os.getpid(), "threads": len(os.listdir("/proc/self/task"))})
        while True:
            ready = select.select([0, wake_r], [], [])[0]
            if wake_r in ready:
                while True:
                    try:
                        if not os.read(wake_r, 512):
                            break
                    except BlockingIOError:
                        break
                self.reap()
            if 0 not in ready:
                continue
            chunk = os.read(0, 65536)
            if not chunk:  # the grading process is gone
                self.reset()
                return
            self.buffer += chunk
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                try:
                    answer = self.handle(json.loads(line))
                except Exception as error:  # noqa: BLE001 (the host must get an answer)
                    answer = {"error": f"{type(error).__name__}: {error}"}
                self.reap()
                self.send(answer)


def kill_everything(note_exit) -> None:
    """SIGKILL every other process this zygote is responsible for and reap them all.

    As PID 1, kill(-1) reaches every process of the namespace at once; on the host (trusted
    code) the zygote is a subreaper and kills its descendants, which all come back to it."""
    while True:
        if os.getpid() == 1:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
        else:
            for pid in children():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return
        note_exit(pid, status)


def children() -> list[int]:
    found = []
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as file:
            found += [int(pid) for pid in file.read().split()]
    return found


def remove_sysv_ipc(failed: list[str]) -> None:
    """System V shared memory, semaphores and message queues outlive their processes."""
    IPC_RMID = 0
    removers = {"shm": lambda i: _libc.shmctl(i, IPC_RMID, None),
                "sem": lambda i: _libc.semctl(i, 0, IPC_RMID),
                "msg": lambda i: _libc.msgctl(i, IPC_RMID, None)}
    for kind, remove in removers.items():
        try:
            with open(f"/proc/sysvipc/{kind}") as file:
                ids = [int(line.split()[1]) for line in file.readlines()[1:]]
        except OSError:
            continue
        for ipc_id in ids:
            if remove(ipc_id) != 0:
                failed.append(f"System V {kind} {ipc_id}")


RLIMITS = sorted({getattr(resource, name) for name in dir(resource) if name.startswith("RLIMIT_")})


# ioprio_get(2) has no wrapper in Python or glibc: its number where readkit is used.
IOPRIO_GET = {"x86_64": 252, "aarch64": 31}.get(os.uname().machine)


def process_settings() -> tuple:
    """What a forked kernel inherits from this process and a process of the same user may change
    in it from outside (prlimit, setpriority, sched_setscheduler, sched_setaffinity, ioprio_set)."""
    io_priority = _libc.syscall(IOPRIO_GET, 1, 0) if IOPRIO_GET else None  # IOPRIO_WHO_PROCESS
    return (tuple(resource.getrlimit(limit) for limit in RLIMITS),
            os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0),
            os.sched_getparam(0).sched_priority, tuple(sorted(os.sched_getaffinity(0))),
            io_priority)


def identity(path: str) -> tuple | None:
    """What `path` is: its real path (no link on the way) and the file there (device, inode)."""
    try:
        status = os.lstat(path)
    except OSError:
        return None
    return os.path.realpath(path), status.st_dev, status.st_ino


def empty(path: str, mode: int, keep: set[str], failed: list[str]) -> None:
    """Remove everything below `path` except the mount points in `keep` (and what is in them),
    noting in `failed` what could not be removed.

    Never follows a link. A learner may have taken permissions away; the zygote (the folders'
    owner, without capabilities) gives them back before it removes."""
    try:
        os.chmod(path, mode)
        entries = list(os.scandir(path))
    except OSError:
        failed.append(path)
        return
    for entry in entries:
        if entry.path in keep:
            continue
        try:
            if any(k.startswith(entry.path + "/") for k in keep):
                empty(entry.path, 0o755, keep, failed)
            elif entry.is_dir(follow_symlinks=False):
                empty(entry.path, 0o700, set(), failed)
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            failed.append(entry.path)


def run_kernel(inbox: str, work_root: str | None) -> None:
    """In the forked child: become the learner's kernel, then exit with its exit code."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # interrupts are the kernel's
        with open(os.path.join(inbox, "request.json"), "rb") as file:
            request = json.load(file)
        cwd = os.path.normpath(request["cwd"])
        if work_root:  # in the sandbox: a copy of the folder, in RAM
            if cwd != work_root and not cwd.startswith(work_root.rstrip("/") + "/"):
                raise ValueError(f"{cwd} is not inside {work_root}")
            shutil.copytree(os.path.join(inbox, "files"), cwd, symlinks=True, dirs_exist_ok=True)
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        if request.get("memory"):
            limit = int(request["memory"])
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        # POSIX message queues outlive their process and cannot be listed without a mount:
        # none at all, so none is left for the next learner.
        resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
        if os.getpid() != 1:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        prctl(PR_SET_DUMPABLE, 1)  # the kernel's own memory only: the zygote's stays closed
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path.insert(0, os.getcwd())  # as `python -m ipykernel_launcher` has it
        # No history database: nothing reads it at grading time (a file less per kernel).
        sys.argv = ["ipykernel_launcher", *request["argv"], "--HistoryManager.enabled=False"]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=sys.argv[1:])
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 (the code is what the host sees)
        code = 1
    finally:
        # No atexit: the kernel has answered its shutdown request, and ipykernel's own atexit
        # close can hang for good when an interrupt's flush races it (jupyter_client sends one
        # before every shutdown). Its sockets and files go with the process.
        os._exit(code)


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]  # the script's folder is no place to import modules from
    sys.dont_write_bytecode = True
    sys.modules["debugpy"] = None  # type: ignore[assignment]
    prctl(PR_SET_DUMPABLE, 0)
    # Python's own SIGINT handler would let a kernel's kill(1, SIGINT) stop PID 1: no handler,
    # and the kernel ignores it like every other signal it has none for.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.getpid() != 1:
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    line, rest = read_line(0)
    Zygote(json.loads(line), rest).serve()


def read_line(fd: int) -> tuple[bytes, bytes]:
    """The first line on `fd` and what was read past it."""
    data = b""
    while b"\n" not in data:
        chunk = os.read(fd, 65536)
        if not chunk:
            raise SystemExit("no config on stdin")
        data += chunk
    line, rest = data.split(b"\n", 1)
    return line, rest


if __name__ == "__main__":
    main()
