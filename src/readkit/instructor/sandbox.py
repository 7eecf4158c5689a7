"""A bubblewrap sandbox for the kernels that run learner code during autograde.

A sandboxed kernel sees the interpreter, the virtual environment, the read-only paths of a
`SandboxSpec` and one read-write work folder (the notebook's folder, its cwd). Nothing else of the
host's file system: not the course root, not `data/key.csv`, not `grading/`. It has no network
(its own empty network namespace), an address-space limit, a wall-time limit for the whole kernel,
no capabilities, and every process it starts dies with it (its own PID namespace: when the
sandbox's init exits, the kernel kills everything left in the namespace).

The kernel is started as

    python -I -S -c WATCHDOG WALL BYTES FD -- bwrap ... -- python -m ipykernel_launcher -f CF

The watchdog (outside the sandbox, so learner code cannot see or kill it) sets the memory limit,
then kills bwrap, and with it the sandbox (`--die-with-parent`), when the wall time is up or
when the kernel manager's end of the pipe FD closes: the grading process shut the kernel down,
or died without doing so (`timeout` alone left such kernels running until their wall time); it
then also removes the scratch folder.

Traps this module deals with (measured with bubblewrap 0.8, jupyter_client 8, ipykernel 7):
- jupyter_client 8's LocalProvisioner builds argv from `format_kernel_cmd`; `kernel_cmd` is ignored.
- TCP cannot cross the network namespace: transport "ipc", with the sockets and the connection
  file in a short scratch folder under /tmp (a unix socket path has at most 107 bytes), bound at
  the same path after the sandbox's own `--tmpfs /tmp` (a bind made before it is hidden by it).
- ipykernel watches JPY_PARENT_PID and exits when that pid is not visible (it never is in a PID
  namespace): the environment is cleared and rebuilt from an allow list.
- `--new-session` puts the kernel in its own process group, out of reach of jupyter_client's
  killpg-based interrupt: interrupts go as messages on the control channel.
- Run as root, bwrap keeps every capability inside its user namespace unless told otherwise, and
  with CAP_SYS_ADMIN a cell can `mount -o remount,rw` a read-only bind and write to the host's
  files: `--cap-drop ALL` (and no nested user namespaces where bwrap supports it).

Only the standard library and jupyter_client are imported, so the grading code can wire this in
without import cycles.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Instance, Unicode

GiB = 1024**3
MiB = 1024**2

# Runs outside the sandbox, single-threaded (so setting the rlimit in preexec_fn is safe), with
# only the standard library: argv is WALL BYTES FD SCRATCH -- COMMAND...
WATCHDOG = """
import os, resource, select, shutil, signal, subprocess, sys, time
wall, limit, lifeline = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
scratch, command = sys.argv[4], sys.argv[6:]
deadline = time.monotonic() + wall
def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
child = subprocess.Popen(command, preexec_fn=limit_memory)
signal.signal(signal.SIGTERM, lambda *_: child.kill())
exited = os.pidfd_open(child.pid)
while child.poll() is None:
    left = deadline - time.monotonic()
    ready = select.select([lifeline, exited], [], [], max(left, 0))[0] if left > 0 else []
    if exited in ready:
        break
    if not ready:
        child.kill()  # out of time
        break
    if not os.read(lifeline, 1):
        child.kill()  # the kernel manager is done with it, or gone
        child.wait()
        shutil.rmtree(scratch, ignore_errors=True)  # sockets and key of a kernel nobody can use
        break
code = child.wait()
sys.exit(code if code >= 0 else 128 - code)
"""

# Top-level folders that merged-/usr systems make symlinks into /usr (bound when they are real).
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
# What Python and common libraries read from /etc; nothing here names a user or a secret.
ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives", "/etc/fonts")

# Namespaces, sessions and capabilities: the part of the command every sandbox shares.
ISOLATION = (
    "--unshare-all",
    "--unshare-user",  # as root --unshare-all only *tries* one; --disable-userns needs it
    "--cap-drop", "ALL",  # root keeps all capabilities in the sandbox otherwise (see above)
    "--die-with-parent",
    "--new-session",  # no TIOCSTI into the caller's terminal
    "--hostname", "sandbox",
)  # fmt: skip
NO_NESTED_USERNS = ("--disable-userns",)


def _interpreter_paths() -> tuple[str, ...]:
    """The running Python's install and its virtual environment (they are the same outside one)."""
    return tuple(dict.fromkeys([sys.base_prefix, sys.prefix]))


@dataclass(frozen=True)
class SandboxSpec:
    """What a sandboxed kernel may see and use.

    `python_paths` and `read_only` are bound read-only at the same paths: the interpreter and the
    venv by default, plus e.g. an editable install's `src/` folder and the learner-data folder
    (`env={"READKIT_COURSE": that folder}` tells readkit where it is). Never bind the course root:
    it holds the key. `memory_bytes` limits each process's address space (RLIMIT_AS, so 2 GiB of
    virtual memory, not resident memory); `wall_seconds` is the whole kernel's lifetime, after which
    it and everything it started is killed; `tmp_bytes` caps each of the sandbox's private /tmp
    and /dev/shm (tmpfs, so RAM).
    """

    read_only: tuple[str, ...] = ()
    python_paths: tuple[str, ...] = field(default_factory=_interpreter_paths)
    memory_bytes: int = 2 * GiB
    wall_seconds: float = 600
    tmp_bytes: int = 256 * MiB
    env: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        for path in (*self.python_paths, *self.read_only):
            if not os.path.isabs(path):
                raise ValueError(f"sandbox paths must be absolute: {path!r}")
        if self.memory_bytes <= 0 or self.wall_seconds <= 0 or self.tmp_bytes <= 0:
            raise ValueError("sandbox limits must be positive")


# ---------------------------------------------------------------------------------------------
# Is a sandbox possible here?


def _missing_tool() -> str | None:
    if shutil.which("bwrap") is None:
        return (
            "bubblewrap is not installed: apt-get install bubblewrap "
            "(or python -m tools.ensure_bubblewrap from the course folder)"
        )
    if not hasattr(os, "pidfd_open"):
        return "the sandbox needs Linux >= 5.3 (os.pidfd_open)"
    return None


def _probe_command(extra: Iterable[str]) -> list[str]:
    return ["bwrap", *ISOLATION, *extra, *_system_mounts(), "--", "/usr/bin/true"]


def _explain_failure(stderr: str) -> str:
    text = stderr.strip() or "no message"
    userns = ("namespace", "uid map", "uid_map", "Operation not permitted", "Permission denied")
    if any(word in text for word in userns):
        return (
            f"bubblewrap cannot create namespaces here ({text}): unprivileged user namespaces "
            "are off. Enable them (sysctl kernel.unprivileged_userns_clone=1, or "
            "user.max_user_namespaces > 0), run as root, or in a container allow them "
            "(e.g. docker --security-opt seccomp=unconfined --cap-add SYS_ADMIN)"
        )
    return f"bubblewrap fails here: {text}"


@functools.cache
def _probe() -> tuple[str | None, tuple[str, ...]]:
    """(why no sandbox, or None; the optional hardening flags this bwrap and kernel accept)."""
    missing = _missing_tool()
    if missing:
        return missing, ()
    failure = ""
    for extra in (NO_NESTED_USERNS, ()):  # --disable-userns needs bwrap >= 0.8 and a new kernel
        try:
            run = subprocess.run(_probe_command(extra), capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"bubblewrap could not be run: {error}", ()
        if run.returncode == 0:
            return None, extra
        failure = failure or run.stderr
    return _explain_failure(failure), ()


def sandbox_available() -> str | None:
    """None when a bubblewrap sandbox can be made here, else why not and what to install."""
    return _probe()[0]


# ---------------------------------------------------------------------------------------------
# The command line


def _system_mounts() -> list[str]:
    """/usr read-only, the merged-/usr links (or binds), a minimal /etc, /proc, /dev."""
    args = ["--ro-bind", "/usr", "/usr"]
    for path in SYSTEM_LINKS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ETC_FILES:
        args += ["--ro-bind-try", path, path]
    return args + ["--proc", "/proc", "--dev", "/dev"]


def _depth(path: str) -> int:
    return path.rstrip("/").count("/")


def _bind_pairs(spec: SandboxSpec, work_dir: str, scratch: str) -> list[tuple[str, str, str]]:
    """(option, source, destination) for every bind, parents before children so none is hidden.

    A path is bound at its real location and, when the given path goes through a symlink, at the
    given path too, so that both spellings (e.g. in a .pth file) work inside.
    """
    binds: dict[str, tuple[str, str]] = {}
    wanted = [(p, "--ro-bind") for p in (*spec.python_paths, *spec.read_only)]
    wanted += [(work_dir, "--bind"), (os.path.join(scratch, "run"), "--bind")]
    for path, option in wanted:
        real = os.path.realpath(path)
        for destination in dict.fromkeys([real, os.path.abspath(path)]):
            binds[destination] = (option, real)
    ordered = sorted(binds, key=_depth)
    return [(binds[dest][0], binds[dest][1], dest) for dest in ordered]


IDENTITY = {
    "passwd": "root:x:0:0:learner:/nonexistent:/usr/sbin/nologin\n",
    "group": "root:x:0:\n",
}


def make_scratch() -> str:
    """A short private folder under /tmp: `run/` (sockets, connection file; bound read-write)
    and `etc/` (a one-line passwd and group, so getpass and friends work and no host user is
    named). `etc/` is written here, before any learner code runs, and only its files are bound,
    read-only: nothing the kernel can change is ever a bind source for a later (re)start."""
    scratch = os.path.realpath(tempfile.mkdtemp(prefix="rk-sandbox-", dir="/tmp"))
    os.mkdir(os.path.join(scratch, "run"))
    os.mkdir(os.path.join(scratch, "etc"))
    for name, line in IDENTITY.items():
        with open(os.path.join(scratch, "etc", name), "x") as file:
            file.write(line)
    return scratch


def _identity_binds(scratch: str) -> list[str]:
    args = []
    for name in IDENTITY:
        args += ["--ro-bind", os.path.join(scratch, "etc", name), f"/etc/{name}"]
    return args


def kernel_environment(
    spec: SandboxSpec, work_dir: str, kernel_env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The sandbox's whole environment: nothing of the caller's (tokens, JPY_PARENT_PID) leaks in.

    Caches and IPython's profile go to the sandbox's private /tmp, not into the graded folder.
    """
    bins = [os.path.join(prefix, "bin") for prefix in reversed(spec.python_paths)]
    env = {
        "PATH": os.pathsep.join([*bins, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": work_dir,
        "USER": "learner",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "IPYTHONDIR": "/tmp/ipython",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "XDG_CACHE_HOME": "/tmp/cache",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.update(kernel_env or {})
    env.update(spec.env)
    env.pop("JPY_PARENT_PID", None)
    return env


def sandbox_prefix(
    spec: SandboxSpec,
    work_dir: str,
    scratch: str,
    lifeline: int,
    kernel_env: Mapping[str, str] | None = None,
) -> list[str]:
    """The argv that goes before the kernel's own argv; `lifeline` is the watchdog's pipe fd."""
    reason, hardening = _probe()
    if reason:
        raise RuntimeError(reason)
    work_dir = os.path.abspath(work_dir)
    args = [sys.executable, "-I", "-S", "-c", WATCHDOG]
    args += [f"{spec.wall_seconds:g}", str(spec.memory_bytes), str(lifeline), scratch, "--"]
    args += ["bwrap", *ISOLATION, *hardening, *_system_mounts()]
    # The private /tmp first: the scratch folder (and a work folder under /tmp) is bound into it.
    # tmpfs is RAM outside RLIMIT_AS: /tmp and /dev/shm get a size, / and /dev become read-only.
    args += ["--size", str(spec.tmp_bytes), "--tmpfs", "/tmp"]
    args += ["--size", str(spec.tmp_bytes), "--tmpfs", "/dev/shm"]
    for option, source, destination in _bind_pairs(spec, work_dir, scratch):
        args += [option, source, destination]
    args += _identity_binds(scratch)
    args += ["--remount-ro", "/dev", "--remount-ro", "/"]
    args += ["--clearenv"]
    for name, value in kernel_environment(spec, work_dir, kernel_env).items():
        args += ["--setenv", name, value]
    return args + ["--chdir", work_dir, "--"]


# ---------------------------------------------------------------------------------------------
# The kernel manager


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernel runs inside the bubblewrap sandbox of `sandbox_spec`.

    `work_dir` is the notebook's folder: bound read-write, the kernel's cwd and HOME.
    Use with nbclient: `NotebookClient(nb, km=make_kernel_manager(spec, folder)).execute()`.
    """

    sandbox_spec = Instance(SandboxSpec, args=())
    work_dir = Unicode(help="the notebook's folder: read-write inside, the kernel's cwd")
    scratch_dir = Unicode("", help="short /tmp folder for the ipc sockets and connection file")
    kernel_log = Unicode(
        "", help="file for the kernel's own stdout/stderr (bwrap errors); default: discarded"
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("cache_ports", False)
        super().__init__(**kwargs)
        if self.transport != "ipc":
            raise ValueError("a sandboxed kernel has no network: transport must be 'ipc'")

    @property
    def kernel_spec(self) -> KernelSpec | None:
        # The kernel is in its own session: a killpg(SIGINT) from here never reaches it.
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"
        return spec

    def _make_scratch(self) -> None:
        if self.scratch_dir and os.path.isdir(self.scratch_dir):
            return  # a restart keeps its connection file and sockets folder
        self.scratch_dir = make_scratch()
        self.connection_file = os.path.join(self.scratch_dir, "run", "kernel.json")
        self.ip = os.path.join(self.scratch_dir, "run", "k")  # sockets are k-1 ... k-5

    def _remove_scratch(self) -> None:
        if self.scratch_dir:
            shutil.rmtree(self.scratch_dir, ignore_errors=True)
            self.scratch_dir = ""

    async def _async_pre_start_kernel(self, **kw):
        if not self.work_dir and kw.get("cwd"):
            # nbclient passes the notebook's folder as cwd: enough for kernel_manager_class use
            self.work_dir = os.path.abspath(kw["cwd"])
        if not self.work_dir or not os.path.isdir(self.work_dir):
            raise ValueError(f"the sandbox's work folder does not exist: {self.work_dir!r}")
        self._make_scratch()
        return await super()._async_pre_start_kernel(**kw)

    async def _async_start_kernel(self, **kw) -> None:
        try:
            await super()._async_start_kernel(**kw)
        except BaseException:
            self._close_lifeline()
            self._remove_scratch()
            raise

    # The watchdog's pipe: it reads the end `_lifeline[0]`; this process holds `_lifeline[1]`,
    # which the OS closes when this process dies, however it dies.
    _lifeline: tuple[int, int] | None = None

    def _open_lifeline(self) -> int:
        self._close_lifeline()
        self._lifeline = os.pipe()  # not inheritable: only this kernel's watchdog gets it
        return self._lifeline[0]

    def _close_lifeline(self) -> None:
        if self._lifeline:
            for fd in self._lifeline:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._lifeline = None

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        assert self._lifeline is not None, "format_kernel_cmd opens the lifeline"
        kw["pass_fds"] = (*kw.get("pass_fds", ()), self._lifeline[0])
        try:
            # Learner code can write to fd 1/2 directly: never onto the instructor's terminal.
            if "stdout" in kw or "stderr" in kw:
                await super()._async_launch_kernel(kernel_cmd, **kw)
            else:
                with open(self.kernel_log or os.devnull, "ab") as log:  # Popen dups it
                    await super()._async_launch_kernel(kernel_cmd, stdout=log, stderr=log, **kw)
        finally:
            os.close(self._lifeline[0])  # the watchdog has its copy
            self._lifeline = (-1, self._lifeline[1])

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        argv = super().format_kernel_cmd(extra_arguments)
        kernel_env = self.kernel_spec.env if self.kernel_spec else {}
        lifeline = self._open_lifeline()
        spec, work, scratch = self.sandbox_spec, self.work_dir, self.scratch_dir
        return sandbox_prefix(spec, work, scratch, lifeline, kernel_env) + argv

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        self._close_lifeline()  # the kernel is stopped by now; this makes sure of it
        if not restart:
            self._remove_scratch()


def make_kernel_manager(
    spec: SandboxSpec, work_dir: str | os.PathLike[str], kernel_name: str = "python3", **kw
) -> SandboxedKernelManager:
    """A sandboxed kernel manager for one notebook folder (raises when no sandbox can be made)."""
    reason = sandbox_available()
    if reason:
        raise RuntimeError(reason)
    return SandboxedKernelManager(
        sandbox_spec=spec, work_dir=os.path.abspath(work_dir), kernel_name=kernel_name, **kw
    )
