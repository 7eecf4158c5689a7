"""A bubblewrap sandbox for the kernels that run learner code during autograde.

One sandbox per grading process: its PID 1 is the kernel zygote (readkit.sandbox.zygote,
driven by readkit.sandbox.pool), which forks each learner's kernel. The sandbox sees the
interpreter, the virtual environment and the read-only paths of a `SandboxSpec`; nothing else of
the host's file system: not the course root, not `data/key.csv`, not `grading/`. Each kernel works
in a copy of its notebook's folder, on a sized tmpfs at a path that names nothing of the host
(WORK_ROOT/<the folder's name>): its writes never reach the host's disk (only the ipc sockets'
folder is writable from inside), and neither its cwd nor /proc (mountinfo, the zygote's command
line) shows where the course lives. It has no network (its own empty network namespace), an
address-space limit, a wall-time limit, no capabilities, and no kernel keyrings
(readkit.sandbox.seccomp).

Between two kernels the zygote, as PID 1, kills every other process of the namespace
(kill(-1, SIGKILL) until none is left) and empties the tmpfs folders; the host empties the ipc
folder and only then copies in the next learner's folder. Nothing of one learner meets the next.

Traps this module deals with (measured with bubblewrap 0.8, jupyter_client 8, ipykernel 7):
- TCP cannot cross the network namespace: transport "ipc", with the sockets and the connection
  file in a short scratch folder under /tmp (a unix socket path has at most 107 bytes), bound at
  the same path after the sandbox's own `--tmpfs /tmp` (a bind made before it is hidden by it).
- ipykernel watches JPY_PARENT_PID and exits when that pid is not visible (it never is in a PID
  namespace): the environment is cleared and rebuilt from an allow list.
- The kernel is in its own session, out of reach of jupyter_client's killpg-based interrupt:
  interrupts go as messages on the control channel.
- Run as root, bwrap keeps every capability inside its user namespace unless told otherwise, and
  with CAP_SYS_ADMIN a cell can `mount -o remount,rw` a read-only bind and write to the host's
  files: `--cap-drop ALL` (and no nested user namespaces where bwrap supports it).
- bwrap 0.8 covers /proc/irq and /proc/bus but not /proc/sys or /proc/sysrq-trigger, and run as
  root the sandbox's uid 0 is the host's: without capabilities, a cell could still write a
  host-wide sysctl. /proc is remounted read-only.
- /proc/self/mountinfo names the host path of every bind's source, wherever it is mounted inside:
  the sandbox binds only the Python environment, the spec's read-only paths and its own scratch
  folder. Keep the environment out of the course folder where that folder's path is private.

Only the standard library is imported, so the grading code can wire this in without import
cycles.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from readkit.sandbox import seccomp
from readkit.sandbox.seccomp import SeccompUnavailable

GiB = 1024**3
MiB = 1024**2

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
    "--as-pid-1",  # the zygote is init: kill(-1) reaches every learner process, none can kill it
)  # fmt: skip
NO_NESTED_USERNS = ("--disable-userns",)

# The kernels' tmpfs: each learner's folder is copied to WORK_ROOT/<its name>, the kernel's cwd
# and HOME. A fixed path that names nothing of the host (not the course, not the learner's id).
WORK_ROOT = "/home/learner"


def inside(path: str, folder: str) -> bool:
    """Whether `path` is strictly below `folder`."""
    return path.startswith(folder.rstrip("/") + "/")


def clashes(path: str, other: str) -> bool:
    """Whether one of two paths is the other or lies below it."""
    return path == other or inside(path, other) or inside(other, path)


def _interpreter_paths() -> tuple[str, ...]:
    """The running Python's install and its virtual environment (they are the same outside one)."""
    return tuple(dict.fromkeys([sys.base_prefix, sys.prefix]))


@dataclass(frozen=True)
class SandboxSpec:
    """What a sandboxed kernel may see and use.

    `python_paths` and `read_only` are bound read-only at the same paths: the interpreter and the
    venv by default, plus e.g. an editable install's `src/` folder and the learner-data folder
    (`env={"READKIT_COURSE": that folder}` tells readkit where it is). Never bind the course root:
    it holds the key. None may be WORK_ROOT or lie on its way (the kernels' folders).
    `memory_bytes` limits each process's address space (RLIMIT_AS, so 2 GiB of virtual memory,
    not resident memory); `wall_seconds` is the whole kernel's lifetime, after which it and
    everything it started is killed; `tmp_bytes` caps each of the sandbox's private /tmp and
    /dev/shm (tmpfs, so RAM).
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
            if clashes(os.path.realpath(path), WORK_ROOT) or clashes(path, WORK_ROOT):
                raise ValueError(f"{path} cannot be bound in the sandbox: {WORK_ROOT} is where "
                                 "the kernels work")
        if self.memory_bytes <= 0 or self.wall_seconds <= 0 or self.tmp_bytes <= 0:
            raise ValueError("sandbox limits must be positive")

    def config(self) -> dict:
        """The spec as JSON-able values (a kernel provisioner's config in a kernel spec)."""
        return {"read_only": list(self.read_only), "python_paths": list(self.python_paths),
                "memory_bytes": self.memory_bytes, "wall_seconds": self.wall_seconds,
                "tmp_bytes": self.tmp_bytes, "env": dict(self.env)}


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


def _probe_command(extra: Iterable[str], seccomp_fd: int) -> list[str]:
    return ["bwrap", *ISOLATION, *extra, "--seccomp", str(seccomp_fd), *_system_mounts(), "--",
            "/usr/bin/true"]


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
    try:
        seccomp.keyrings_off()
    except SeccompUnavailable as error:
        return str(error), ()
    failure = ""
    for extra in (NO_NESTED_USERNS, ()):  # --disable-userns needs bwrap >= 0.8 and a new kernel
        fd = seccomp.filter_fd()
        try:
            run = subprocess.run(_probe_command(extra, fd), capture_output=True, text=True,
                                 timeout=20, pass_fds=(fd,))
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"bubblewrap could not be run: {error}", ()
        finally:
            os.close(fd)
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


INBOX = "/inbox"  # the next kernel's folder, copied in by the host (read-only inside)
ZYGOTE_INSIDE = "/zygote.py"  # readkit's zygote, bound alone (src/ may not be bound)
TMP_MODE = 0o1777


def _bind_pairs(spec: SandboxSpec, scratch: str) -> list[tuple[str, str, str]]:
    """(option, source, destination) for every bind, at its real location and, when the given
    path goes through a symlink, at the given path too (both spellings work inside)."""
    binds: dict[str, tuple[str, str]] = {}
    wanted = [(p, "--ro-bind") for p in (*spec.python_paths, *spec.read_only)]
    wanted += [(os.path.join(scratch, "run"), "--bind")]
    for path, option in wanted:
        real = os.path.realpath(path)
        for destination in dict.fromkeys([real, os.path.abspath(path)]):
            binds[destination] = (option, real)
    binds[INBOX] = ("--ro-bind", os.path.join(scratch, "inbox"))
    zygote = os.path.join(os.path.dirname(__file__), "zygote.py")
    binds[ZYGOTE_INSIDE] = ("--ro-bind", zygote)
    return [(option, source, dest) for dest, (option, source) in binds.items()]


def kernel_folder(folder: str) -> str:
    """Where a kernel for the host's `folder` works inside the sandbox: a copy of it, in RAM."""
    return os.path.join(WORK_ROOT, os.path.basename(os.path.realpath(folder)) or "work")


def zygote_config(spec: SandboxSpec, scratch: str) -> dict:
    """What the zygote empties between kernels, and the mount points it must leave."""
    return {
        "inbox": INBOX,
        "work_root": WORK_ROOT,
        "wipe": [[WORK_ROOT, 0o755], ["/tmp", TMP_MODE], ["/dev/shm", TMP_MODE]],
        "keep": [dest for _, _, dest in _bind_pairs(spec, scratch)],
    }


IDENTITY = {
    "passwd": "root:x:0:0:learner:/nonexistent:/usr/sbin/nologin\n",
    "group": "root:x:0:\n",
}


def make_scratch() -> str:
    """A short private folder under /tmp: `run/` (sockets, connection file; bound read-write),
    `inbox/` (the next kernel's folder; bound read-only) and `etc/` (a one-line passwd and group,
    so getpass and friends work and no host user is named). `etc/` is written here, before any
    learner code runs, and only its files are bound, read-only."""
    scratch = os.path.realpath(tempfile.mkdtemp(prefix="rk-sandbox-", dir="/tmp"))
    for name in ("run", "inbox", "etc"):
        os.mkdir(os.path.join(scratch, name))
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


def zygote_command(spec: SandboxSpec, scratch: str, info_fd: int, seccomp_fd: int) -> list[str]:
    """The bwrap argv that goes before the zygote's own; bwrap writes its child's pid to info_fd
    and reads the seccomp filter (readkit.sandbox.seccomp.filter_fd) from seccomp_fd."""
    reason, hardening = _probe()
    if reason:
        raise RuntimeError(reason)
    args = ["bwrap", *ISOLATION, *hardening, "--info-fd", str(info_fd), "--seccomp",
            str(seccomp_fd), *_system_mounts()]
    # The private /tmp first: the scratch folder (and read-only paths under /tmp) go into it.
    # tmpfs is RAM outside RLIMIT_AS: every tmpfs gets a size, / and /dev become read-only.
    args += ["--size", str(spec.tmp_bytes), "--tmpfs", "/tmp"]
    args += ["--size", str(spec.tmp_bytes), "--tmpfs", "/dev/shm"]
    mounts = [(dest, [option, source, dest]) for option, source, dest in _bind_pairs(spec, scratch)]
    mounts.append((WORK_ROOT, ["--size", str(spec.tmp_bytes), "--tmpfs", WORK_ROOT]))
    for _, mount in sorted(mounts, key=lambda m: _depth(m[0])):  # parents before children
        args += mount
    args += _identity_binds(scratch)
    # /proc too: bwrap 0.8 leaves /proc/sys and /proc/sysrq-trigger writable, and a sandbox
    # started by root is the host's root there (uid 0 maps to 0): no capability is needed to
    # set a host-wide sysctl such as kernel.core_pattern. Read-only, also /proc/1/oom_score_adj.
    args += ["--remount-ro", "/dev", "--remount-ro", "/proc", "--remount-ro", "/"]
    args += ["--clearenv"]
    for name, value in kernel_environment(spec, "/").items():
        args += ["--setenv", name, value]
    return args + ["--chdir", "/", "--"]
