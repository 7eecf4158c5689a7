"""readkit.sandbox.pool and the zygote: one sandbox per grading process, reused by
one learner's kernel after another. Nothing of learner A (processes, files in its folder, /tmp,
/dev/shm, the ipc folder, keyrings) reaches learner B; the zygote (the sandbox's PID 1) cannot be signalled,
traced or read by a kernel; limits and exit codes are each kernel's own; a zygote killed in the
middle of grading fails that learner only.
"""

import json
import os
import platform
import signal
import tempfile
import textwrap
import threading
import uuid
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

import readkit
from readkit.sandbox import pool as kernel_pool
from readkit.sandbox.bubblewrap import SandboxSpec
from readkit.sandbox.kernels import SandboxProvisioner, kernel_manager, sandboxed_kernel_spec
from readkit.sandbox.pool import close_pools
from readkit.sandbox.zygote import IOPRIO_GET

pytestmark = pytest.mark.sandbox

SRC = str(Path(readkit.__file__).resolve().parents[1])


@pytest.fixture
def autograded(tmp_path):
    """course/grading/autograded/<learner>/01 for learners a and b; the pool closed afterwards."""
    folders = {}
    for learner in ("a", "b"):
        folders[learner] = tmp_path / "course" / "grading" / "autograded" / learner / "01"
        folders[learner].mkdir(parents=True)
    yield folders
    close_pools()


def notebook(*sources):
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(textwrap.dedent(s)) for s in sources])


def execute(km, folder, *sources, **options):
    nb = notebook(*sources)
    NotebookClient(nb, km=km, resources={"metadata": {"path": str(folder)}},
                   **({"timeout": 60, "allow_errors": True} | options)).execute()
    return nb


def out(cell) -> list[str]:
    text = ""
    for output in cell.outputs:
        text += output.get("text", "") + output.get("data", {}).get("text/plain", "")
        if output.output_type == "error":
            text += f"{output.ename}\n"
    return text.splitlines()


def host_processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def spec(**limits) -> SandboxSpec:
    return SandboxSpec(read_only=(SRC,), **limits)


LEAVE_TRACES = """
import os, subprocess
for path in ["mine.txt", "/tmp/a-trace", "/dev/shm/a-trace", os.path.join(RUN, "a-trace")]:
    with open(path, "w") as f:
        f.write("A-SECRET")
os.symlink("/etc/passwd", os.path.join(RUN, "kernel.json.planted"))
locked = os.path.join(RUN, "locked")  # the host empties this one, as the instructor
os.mkdir(locked); open(os.path.join(locked, "f"), "w").write("A-SECRET"); os.chmod(locked, 0)
os.chmod("/tmp", 0)  # make the wipe harder
os.mkdir("/dev/shm/locked"); open("/dev/shm/locked/f", "w").write("A-SECRET"); os.chmod("/dev/shm/locked", 0)
if os.fork() == 0:  # a double-forked daemon that outlives its kernel
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sh", ["/bin/sh", "-c", "while :; do sleep 0.2; done", "MARKER"])
    os._exit(0)
import time
def daemon_runs():
    for p in os.listdir("/proc"):
        try:
            if p.isdigit() and b"MARKER" in open(f"/proc/{p}/cmdline", "rb").read():
                return True
        except OSError:
            pass
while not daemon_runs():
    time.sleep(0.05)
print("left")
"""

LOOK_FOR_TRACES = """
import os
found = []
for top in [os.getcwd(), os.path.dirname(os.getcwd()), os.path.dirname(os.path.dirname(os.getcwd())), "/tmp", "/dev/shm", RUN]:
    for folder, dirs, files in os.walk(top):
        for name in files + dirs:
            path = os.path.join(folder, name)
            if "a-trace" in name or "planted" in name or name in ("a", "locked"):
                found.append(path)
            elif os.path.isfile(path) and not os.path.islink(path):
                try:
                    if "A-SECRET" in open(path, errors="replace").read():
                        found.append(path)
                except OSError:
                    pass
processes = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            processes.append(open(f"/proc/{pid}/cmdline", "rb").read())
        except OSError:
            pass
print(found, sorted(os.listdir(".")), any(b"MARKER" in p for p in processes))
"""


def test_nothing_of_learner_a_reaches_learner_b(autograded):
    """A leaves files everywhere it can write and a daemon, and is never shut down: B's start
    kills A's processes and empties the folders before B's files arrive."""
    marker = f"rk-daemon-{uuid.uuid4().hex}"
    (autograded["a"] / "a-notebook-file.txt").write_text("A-SECRET")
    (autograded["b"] / "b-own.txt").write_text("mine")
    km_a = kernel_manager(spec())
    run_dir = None

    def with_run(code):
        return code.replace("RUN", repr(run_dir)).replace("MARKER", marker)

    nb_a = execute(km_a, autograded["a"], "1")
    run_dir = os.path.dirname(km_a.connection_file)
    nb_a = execute(km_a, autograded["a"], with_run(LEAVE_TRACES))
    assert out(nb_a.cells[0]) == ["left"]
    assert host_processes_with(marker) != []  # the daemon runs
    km_b = kernel_manager(spec())
    nb_b = execute(km_b, autograded["b"], with_run(LOOK_FOR_TRACES))
    assert host_processes_with(marker) == []  # dead before B's kernel started
    assert out(nb_b.cells[0]) == ["[] ['b-own.txt'] False"]
    assert not run_sync(km_a.is_alive)()
    assert run_sync(km_a.provisioner.poll)() == -signal.SIGKILL
    run_sync(km_b.shutdown_kernel)()
    assert sorted(os.listdir(autograded["a"])) == ["a-notebook-file.txt"]  # the host's copies
    assert sorted(os.listdir(autograded["b"])) == ["b-own.txt"]


ATTACK_THE_ZYGOTE = """
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
def attempt(what, action):
    try:
        action()
        print(what, "done")
    except OSError as error:
        print(what, type(error).__name__)
def ptrace():
    if libc.ptrace(16, 1, 0, 0) != 0:  # PTRACE_ATTACH
        raise OSError(ctypes.get_errno(), "ptrace")
attempt("ptrace", ptrace)
attempt("mem", lambda: open("/proc/1/mem", "rb").read(1))
attempt("stdin", lambda: open("/proc/1/fd/0", "wb").write(b'{"op": "reset"}\\n'))  # its requests
attempt("stdout", lambda: open("/proc/1/fd/1", "rb").read(1))
attempt("root", lambda: os.listdir("/proc/1/root/"))
attempt("environ", lambda: open("/proc/1/environ", "rb").read())
for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP, signal.SIGINT):
    os.kill(1, sig)
print("signals sent")
"""


def test_a_kernel_cannot_signal_trace_or_read_the_zygote(autograded):
    km = kernel_manager(spec())
    nb = execute(km, autograded["a"], ATTACK_THE_ZYGOTE, "print('kernel alive')")
    pool = km.provisioner.pool
    assert out(nb.cells[0]) == [
        "ptrace PermissionError", "mem PermissionError", "stdin PermissionError",
        "stdout PermissionError", "root PermissionError", "environ PermissionError",
        "signals sent"]
    assert out(nb.cells[1]) == ["kernel alive"]
    run_sync(km.shutdown_kernel)()
    km_b = kernel_manager(spec())
    nb_b = execute(km_b, autograded["b"], "import os\nprint(os.getppid())")
    assert out(nb_b.cells[0]) == ["1"]  # forked by the same zygote, which survived it all
    assert km_b.provisioner.pool is pool and pool.alive
    run_sync(km_b.shutdown_kernel)()


FORK_LOOP = """
import subprocess
subprocess.Popen(["/bin/sh", "-c", "while :; do sleep 100 & sleep 0.01; done", "MARKER"],
                 start_new_session=True)
import time; time.sleep(1)
print(len([p for p in __import__("os").listdir("/proc") if p.isdigit()]) > 20)
"""


def test_a_fork_loop_is_killed_to_the_last_process(autograded):
    marker = f"rk-forks-{uuid.uuid4().hex}"
    km = kernel_manager(spec())
    nb = execute(km, autograded["a"], FORK_LOOP.replace("MARKER", marker))
    assert out(nb.cells[0]) == ["True"]
    run_sync(km.shutdown_kernel)()
    assert host_processes_with(marker) == []
    count = "import os\nprint(sorted(open(f'/proc/{p}/comm').read().strip() for p in os.listdir('/proc') if p.isdigit()))"
    km_b = kernel_manager(spec())
    nb_b = execute(km_b, autograded["b"], count)
    assert "sleep" not in out(nb_b.cells[0])[0] and "sh" not in out(nb_b.cells[0])[0]
    run_sync(km_b.shutdown_kernel)()


def test_a_killed_zygote_fails_that_learner_and_the_next_gets_a_new_sandbox(autograded):
    km = kernel_manager(spec())
    execute(km, autograded["a"], "1")
    pool = km.provisioner.pool
    # from the host, while a cell runs: the sandbox's PID 1 dies, and its namespace with it
    threading.Timer(1, os.kill, (pool.zygote_pid, signal.SIGKILL)).start()
    with pytest.raises(DeadKernelError):
        execute(km, autograded["a"], "import time; time.sleep(30)", allow_errors=False)
    assert km.provisioner.sandbox_died == "the kernel sandbox ended"
    run_sync(km.shutdown_kernel)()
    km_b = kernel_manager(spec())
    nb_b = execute(km_b, autograded["b"], "print('graded')")
    assert out(nb_b.cells[0]) == ["graded"]
    assert km_b.provisioner.pool is not pool and not km_b.provisioner.sandbox_died
    run_sync(km_b.shutdown_kernel)()


# A kernel renames the folder on the way to a mount point (the folder of a read-only bind,
# or the ipc folder), puts a folder of its own at the mount's path (with the real one inside it,
# so that the whole stays "kept"), and plants a file there.
MOVE_A_MOUNT = """
import os
target = TARGET
parent = os.path.dirname(target)
os.rename(parent, "/tmp/moved")
os.makedirs(target)
open(os.path.join(target, "planted.txt"), "w").write("A-SECRET")
os.rename("/tmp/moved", os.path.join(target, "hidden"))
print(sorted(os.listdir(target)))
"""
LOOK_FOR_A = """
import os
print([os.path.join(top, name) for top, dirs, files in os.walk("/tmp") for name in dirs + files
       if name in ("hidden", "moved", "planted.txt")])
"""


@pytest.mark.parametrize("mount", ["read-only data", "ipc folder"])
def test_a_moved_mount_point_is_not_kept_for_the_next_learner(autograded, mount):
    """Emptying by path would keep A's folder at the mount's path: B would read A's file as the
    course's data, or B's kernel would never be reached (its sockets are elsewhere). The zygote
    sees the mount moved, and B gets a new sandbox."""
    with tempfile.TemporaryDirectory(prefix="rk-test-", dir="/tmp") as scratch:  # in its /tmp
        data = Path(scratch) / "data"
        data.mkdir()
        (data / "fact.txt").write_text("REAL")
        limits = SandboxSpec(read_only=(SRC, str(data)))
        km_a = kernel_manager(limits)
        execute(km_a, autograded["a"], "1")
        pool = km_a.provisioner.pool
        target = str(data) if mount == "read-only data" else pool.run_dir
        nb_a = execute(km_a, autograded["a"], MOVE_A_MOUNT.replace("TARGET", repr(target)))
        assert out(nb_a.cells[0]) == ["['hidden', 'planted.txt']"]
        run_sync(km_a.shutdown_kernel)()
        assert not pool.alive
        assert pool.dead == ("the sandbox could not be cleaned: a kernel moved the mount point "
                             f"{target}")
        km_b = kernel_manager(limits)
        nb_b = execute(km_b, autograded["b"], f"print(open({str(data / 'fact.txt')!r}).read())",
                       LOOK_FOR_A)
        assert km_b.provisioner.pool is not pool
        assert out(nb_b.cells[0]) == ["REAL"]
        assert out(nb_b.cells[1]) == ["[]"]
        run_sync(km_b.shutdown_kernel)()


SHOW_SETTINGS = """
import os, resource
print(resource.getrlimit(resource.RLIMIT_DATA), os.getpriority(os.PRIO_PROCESS, 0),
      __import__("ctypes").CDLL(None).syscall(IOPRIO_GET, 1, 0) if IOPRIO_GET else 0)
"""


IOPRIO_SET = {"x86_64": 251, "aarch64": 30}.get(platform.machine())  # beside zygote's IOPRIO_GET


@pytest.mark.parametrize("change", [
    "resource.prlimit(1, resource.RLIMIT_DATA, (50 * 2**20, 50 * 2**20))",  # pandas fails to load
    "os.setpriority(os.PRIO_PROCESS, 1, 19)",
    f"print(__import__('ctypes').CDLL(None).syscall({IOPRIO_SET}, 1, 1, 3 << 13))",  # idle class
])
def test_what_a_kernel_changes_in_the_zygote_no_later_kernel_inherits(autograded, change):
    """A kernel may change its zygote's limits or niceness (the same user), which every later
    kernel would inherit: B would fail (or crawl) for A's doing. B gets a new sandbox."""
    if IOPRIO_SET is None and "syscall" in change:
        pytest.skip(f"ioprio_set's number on {platform.machine()} is not in this test")
    km_a = kernel_manager(spec())
    nb_a = execute(km_a, autograded["a"], f"import os, resource\n{change}\nprint('changed')")
    assert out(nb_a.cells[0])[-1] == "changed" and out(nb_a.cells[0])[:-1] in ([], ["0"])
    pool = km_a.provisioner.pool
    run_sync(km_a.shutdown_kernel)()
    assert pool.dead == ("the sandbox could not be cleaned: a kernel changed the zygote's "
                         "limits, priorities or scheduling")
    km_b = kernel_manager(spec())
    nb_b = execute(km_b, autograded["b"], SHOW_SETTINGS.replace("IOPRIO_GET", str(IOPRIO_GET)))
    assert out(nb_b.cells[0]) == ["(-1, -1) 0 0"]
    run_sync(km_b.shutdown_kernel)()


def test_an_ipc_folder_the_host_could_not_empty_gets_the_next_learner_a_new_sandbox(
        autograded, monkeypatch):
    """Whatever stayed in the ipc folder (the host could not remove it), the next learner's
    kernel does not meet it: that sandbox is dropped and the kernel starts in a new one."""
    km_a = kernel_manager(spec())
    execute(km_a, autograded["a"], "import os, ipykernel\nopen(os.path.join(os.path.dirname("
            "ipykernel.get_connection_file()), 'a-left.txt'), 'w').write('A-SECRET')")
    pool = km_a.provisioner.pool
    # the first sandbox's folders cannot be emptied (nothing is removed from them)
    monkeypatch.setattr(kernel_pool, "empty_folder", lambda path: not path.startswith(
        pool.scratch))
    run_sync(km_a.shutdown_kernel)()
    km_b = kernel_manager(spec())
    nb_b = execute(km_b, autograded["b"], "import os, ipykernel\n"
                   "print(sorted(os.listdir(os.path.dirname(ipykernel.get_connection_file()))))")
    assert pool.dead == "the sandbox's folders could not be emptied"
    assert km_b.provisioner.pool is not pool
    assert out(nb_b.cells[0]) == ["['k-1', 'k-2', 'k-3', 'k-4', 'k-5', 'kernel.json']"]
    run_sync(km_b.shutdown_kernel)()


def test_every_kernel_of_a_pool_has_its_memory_and_wall_limit(autograded):
    limits = spec(memory_bytes=1024**3, wall_seconds=4)
    show = "import resource\nprint(resource.getrlimit(resource.RLIMIT_AS))"
    for learner in ("a", "b"):
        km = kernel_manager(limits)
        nb = execute(km, autograded[learner], show, "block = bytearray(2 * 1024**3)")
        assert out(nb.cells[0]) == [f"({1024**3}, {1024**3})"]
        assert out(nb.cells[1]) == ["MemoryError"]
        with pytest.raises(DeadKernelError):  # the wall time is the whole kernel's
            execute(km, autograded[learner], "import time\nwhile True: time.sleep(1)",
                    timeout=120)
        assert run_sync(km.provisioner.poll)() == -signal.SIGKILL
        run_sync(km.shutdown_kernel)()


@pytest.mark.parametrize("sandboxed", [True, False])
def test_exit_codes_are_the_kernels_own(autograded, sandboxed):
    km = kernel_manager(spec(), sandboxed=sandboxed)
    with pytest.raises(DeadKernelError):
        execute(km, autograded["a"], "import os\nos._exit(7)", allow_errors=False)
    assert run_sync(km.provisioner.poll)() == 7
    run_sync(km.shutdown_kernel)()


def test_trusted_code_runs_in_the_same_zygote_on_the_host_and_its_daemons_die(autograded):
    """--trust-learner-code: no sandbox (the real folder, the host's files), the same fork."""
    marker = f"rk-trusted-{uuid.uuid4().hex}"
    km = kernel_manager(SandboxSpec(), sandboxed=False)
    daemon = LEAVE_TRACES.split("if os.fork() == 0:", 1)[1].replace("MARKER", marker)
    nb = execute(km, autograded["a"], "import os\nprint(os.getcwd())\n_ = open('w.txt', 'w').write('x')",
                 "import os\nif os.fork() == 0:" + daemon)
    assert out(nb.cells[0]) == [str(autograded["a"])]
    assert (autograded["a"] / "w.txt").read_text() == "x"
    assert isinstance(km.provisioner.pool, kernel_pool.KernelPool) and km.provisioner.pool.spec is None
    assert host_processes_with(marker) != []
    run_sync(km.shutdown_kernel)()
    assert host_processes_with(marker) == []


def test_a_kernel_spec_names_the_sandbox_provisioner(autograded, tmp_path, monkeypatch):
    """jupyter_client's public way: a kernel spec on disk whose metadata names the provisioner
    (an entry point) with the sandbox's settings; a plain AsyncKernelManager runs it."""
    base = KernelSpecManager().get_kernel_spec("python3")
    folder = tmp_path / "jupyter" / "kernels" / "python3-sandboxed"
    folder.mkdir(parents=True)
    spec_json = sandboxed_kernel_spec(base, spec(memory_bytes=1024**3)).to_dict()
    (folder / "kernel.json").write_text(json.dumps(spec_json))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    km = AsyncKernelManager(kernel_name="python3-sandboxed")
    nb = execute(km, autograded["a"], f"import os, resource\nprint(os.getcwd(), "
                 f"os.path.exists({str(autograded['a'])!r}), resource.getrlimit(resource.RLIMIT_AS)[0])")
    assert spec_json["metadata"]["kernel_provisioner"]["provisioner_name"] == "readkit-sandbox"
    assert isinstance(km.provisioner, SandboxProvisioner)
    assert km.kernel_spec.interrupt_mode == "message" and km.transport == "ipc"
    assert out(nb.cells[0]) == [f"/home/learner/01 False {1024**3}"]
    run_sync(km.shutdown_kernel)()


def test_a_failed_sandbox_is_that_submissions_failure_row(monkeypatch):
    """SandboxedExecute turns a kernel lost with its sandbox into an error of the submission
    (not 'not run' cells that would be graded), and readkit autograde's row says what to do."""
    from nbgrader.preprocessors import Execute

    from readkit.nbgrader.autograde import _last_error
    from readkit.nbgrader.preprocessors import SandboxedExecute

    def dies(self, cell, resources, index):
        raise DeadKernelError("Kernel died")

    monkeypatch.setattr(Execute, "preprocess_cell", dies)
    step = SandboxedExecute()
    step._stuck = None
    step.km = type("KM", (), {"provisioner": type("P", (), {
        "sandbox_died": "the kernel sandbox ended"})()})()
    with pytest.raises(kernel_pool.SandboxFailure) as failure:
        step.preprocess_cell(nbformat.v4.new_code_cell("1"), {}, 0)
    message = ("the grading sandbox failed while this submission ran (the kernel sandbox "
               "ended): autograde it again (readkit autograde ASSIGNMENT --student S --force)")
    assert str(failure.value) == message
    log = ("[ERROR] There was an error processing assignment: x\n[ERROR] Traceback (most recent "
           f"call last):\n  File ...\nreadkit.sandbox.pool.SandboxFailure: {message}\n"
           "[ERROR] There was an error processing assignment 'a' for student 's'\n")
    assert _last_error(log) == message


SYSV_AND_MQUEUE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
shm = libc.shmget(0x5ec, 4096, 0o1600)  # IPC_CREAT | 0600
sem = libc.semget(0x5ed, 1, 0o1600)
msg = libc.msgget(0x5ee, 0o1600)
print(shm >= 0, sem >= 0, msg >= 0)
try:
    fd = os.open("/dev/mqueue/x", os.O_CREAT)  # not mounted: and mq_open has no room
except OSError as error:
    print(type(error).__name__)
mq = libc.mq_open(b"/a-queue", os.O_CREAT | os.O_RDWR, 0o600, None)
print(mq, ctypes.get_errno() != 0)
"""

SYSV_LEFT = """
print([len(open(f"/proc/sysvipc/{k}").readlines()) - 1 for k in ("shm", "sem", "msg")])
"""


def test_system_v_ipc_is_removed_and_posix_queues_cannot_be_made(autograded):
    """Kernel objects that outlive a process in the sandbox's IPC namespace: none reaches B."""
    km = kernel_manager(spec())
    nb = execute(km, autograded["a"], SYSV_AND_MQUEUE, SYSV_LEFT)
    assert out(nb.cells[0]) == ["True True True", "FileNotFoundError", "-1 True"]
    assert out(nb.cells[1]) == ["[1, 1, 1]"]
    run_sync(km.shutdown_kernel)()
    km_b = kernel_manager(spec())
    nb_b = execute(km_b, autograded["b"], SYSV_LEFT)
    assert out(nb_b.cells[0]) == ["[0, 0, 0]"]
    run_sync(km_b.shutdown_kernel)()


KEYS = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
SYS_add_key, SYS_request_key, SYS_keyctl = 248, 249, 250
KEYCTL_GET_PERSISTENT, KEYCTL_SEARCH, KEYCTL_READ = 22, 10, 11
def call(number, *args):
    args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    result = libc.syscall(ctypes.c_long(number), *args)
    return result if result >= 0 else -ctypes.get_errno()
def keyrings():
    # thread, process, session, user and user-session keyrings (KEY_SPEC_*), and the user's
    # persistent keyring, which outlives every process of the sandbox
    found = {"thread": -1, "process": -2, "session": -3, "user": -4, "user-session": -5}
    found["persistent"] = call(SYS_keyctl, KEYCTL_GET_PERSISTENT, -1, -3)
    return found
def add(keyring):
    return call(SYS_add_key, b"user", b"rk-note", b"from a", 6, keyring)
def read(keyring):
    key = call(SYS_keyctl, KEYCTL_SEARCH, keyring, b"user", b"rk-note", 0)
    if key < 0:
        return key
    payload = ctypes.create_string_buffer(64)
    size = call(SYS_keyctl, KEYCTL_READ, key, payload, 64)
    return payload.raw[:size].decode() if size >= 0 else size
"""
EPERM = 1
# add_key through the 32-bit ABI (int 0x80, i386's number 286), in a process of its own: the
# filter allows the native ABI only, so the process is killed (SIGSYS) before the call runs.
I386_ADD_KEY = r"""
import subprocess, sys
code = (
    "import ctypes, mmap\n"
    "machine = bytes([0xB8, 30, 1, 0, 0, 0xCD, 0x80, 0xC3])  # mov eax, 286; int 0x80; ret\n"
    "page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
    "page.write(machine)\n"
    "call = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(page)))\n"
    "print(call())\n")
print(subprocess.run([sys.executable, "-c", code]).returncode)
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the system call numbers of x86_64")
def test_no_key_of_learner_a_reaches_learner_b_in_any_keyring(autograded):
    """Keyrings are not namespaced and outlive their processes (the persistent keyring outlives
    them all): no kernel may use them. A tries to leave a key in each, and to ask the kernel for
    one; B, next in the same sandbox, finds nothing."""
    km = kernel_manager(spec())
    nb = execute(km, autograded["a"], KEYS + "print({name: add(k) for name, k in keyrings().items()})",
                 KEYS + "print(call(SYS_request_key, b'user', b'rk-note', b'callout', -3))",
                 I386_ADD_KEY)
    pool = km.provisioner.pool
    refused = {name: -EPERM for name in
               ("thread", "process", "session", "user", "user-session", "persistent")}
    assert out(nb.cells[0]) == [str(refused)]
    assert out(nb.cells[1]) == [str(-EPERM)]
    assert out(nb.cells[2]) == [str(-signal.SIGSYS)]
    run_sync(km.shutdown_kernel)()
    km_b = kernel_manager(spec())
    nb_b = execute(km_b, autograded["b"], KEYS + "print({name: read(k) for name, k in keyrings().items()})")
    assert km_b.provisioner.pool is pool  # the same sandbox
    assert "from a" not in out(nb_b.cells[0])[0]
    assert out(nb_b.cells[0]) == [str(refused)]
    run_sync(km_b.shutdown_kernel)()
