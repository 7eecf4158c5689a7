"""readkit.sandbox.bubblewrap: real notebooks run by nbclient in the bubblewrap sandbox.

Each test plays a hostile learner against a fake course on disk: the key in course/data/key.csv,
another learner's answers in course/grading/submitted/other/, and the learner's own work folder
course/grading/autograded/me/01/ (copied into the sandbox as /home/learner/01, its cwd).
"""

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

import readkit
from readkit.sandbox import bubblewrap as sandbox
from readkit.sandbox.bubblewrap import SandboxSpec, kernel_folder, sandbox_available
from readkit.sandbox.kernels import kernel_manager
from readkit.sandbox.pool import close_pools

pytestmark = pytest.mark.sandbox

KEY_SECRET = "KEY-SECRET-7f3a"
OTHER_SECRET = "OTHER-LEARNER-SECRET-91c2"
SRC = Path(readkit.__file__).resolve().parents[1]  # the editable install's src/
REPO = SRC.parent


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    (root / "data").mkdir(parents=True)
    (root / "data" / "key.csv").write_text(f"unit,label\n1,{KEY_SECRET}\n")
    other = root / "grading" / "submitted" / "other" / "01"
    other.mkdir(parents=True)
    (other / "answers.json").write_text(json.dumps({"1": OTHER_SECRET}))
    work = root / "grading" / "autograded" / "me" / "01"
    work.mkdir(parents=True)
    return root, work


def notebook(*sources: str):
    cells = [nbformat.v4.new_code_cell(textwrap.dedent(s)) for s in sources]
    return nbformat.v4.new_notebook(cells=cells)


def run(work: Path, *sources: str, spec=None, shutdown=True, **client_options):
    """Execute cells in a sandboxed kernel; the notebook and its manager.

    nbclient never shuts down a kernel manager it was given: `shutdown` does it here, with
    km.shutdown_kernel() as the grading code will.
    """
    nb = notebook(*sources)
    km = kernel_manager(spec or SandboxSpec(read_only=(str(SRC),)))
    options = {"timeout": 60, "allow_errors": True} | client_options
    client = NotebookClient(nb, km=km, resources={"metadata": {"path": str(work)}}, **options)
    try:
        client.execute()
    finally:
        if shutdown:
            shut_down(km)
    return nb, km


def shut_down(km) -> None:
    """Shut the kernel down, then this process's sandbox (each test is a grading run)."""
    run_sync(km.shutdown_kernel)()  # on the event loop nbclient used
    close_pools()


def text_of(cell) -> str:
    """Everything a cell showed: streams, results and tracebacks."""
    parts = []
    for out in cell.outputs:
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
        if out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
    return "".join(parts)


def lines_of(cell) -> list[str]:
    return text_of(cell).splitlines()


def assert_no_secret(nb):
    dump = nbformat.writes(nb)
    assert KEY_SECRET not in dump and OTHER_SECRET not in dump


def test_sandbox_is_available_here():
    assert sandbox_available() is None


def test_missing_bubblewrap_is_explained(monkeypatch):
    sandbox._probe.cache_clear()
    monkeypatch.setenv("PATH", "/nonexistent")
    try:
        assert sandbox_available() == (
            "bubblewrap is not installed: apt-get install bubblewrap "
            "(or python -m tools.ensure_bubblewrap from the course folder)"
        )
        with pytest.raises(RuntimeError, match="bubblewrap is not installed"):
            kernel_manager(SandboxSpec())
    finally:
        sandbox._probe.cache_clear()


READ_SECRETS = """
import os
def attempt(path):
    try:
        with open(path) as f:
            print("READ", f.read())
    except OSError as e:
        print(type(e).__name__, path)
"""


def test_secret_files_cannot_be_read_by_path(course):
    root, work = course
    key, answers = root / "data" / "key.csv", root / "grading/submitted/other/01/answers.json"
    nb, _ = run(
        work,
        READ_SECRETS,
        f"attempt({str(key)!r}); attempt({str(answers)!r})",
        "attempt('../../../../data/key.csv'); attempt('../../../submitted/other/01/answers.json')",
    )
    assert lines_of(nb.cells[1]) == [f"FileNotFoundError {key}", f"FileNotFoundError {answers}"]
    assert lines_of(nb.cells[2]) == [
        "FileNotFoundError ../../../../data/key.csv",
        "FileNotFoundError ../../../submitted/other/01/answers.json",
    ]
    assert_no_secret(nb)


def test_the_kernel_works_in_a_copy_that_names_nothing_of_the_host(course):
    """The kernel's folder is a copy at /home/learner/<the folder's name>: above it only the way
    down; the course's folders are not there at any path."""
    root, work = course
    (work / "mine.txt").write_text("my own file")
    walk = """
    import json, os
    here, seen = os.getcwd(), {}
    while here != "/home":
        here = os.path.dirname(here)
        seen[here] = sorted(os.listdir(here))
    found = [os.path.join(d, f) for top in (ROOT, "/home") for d, _, files in os.walk(top) for f in files]
    print(json.dumps({"cwd": os.getcwd(), "seen": seen, "found": found}))
    """.replace("ROOT", repr(str(root)))
    nb, _ = run(work, walk)
    result = json.loads(text_of(nb.cells[0]))
    assert result == {"cwd": "/home/learner/01",
                      "seen": {"/home/learner": ["01"], "/home": ["learner"]},
                      "found": ["/home/learner/01/mine.txt"]}
    assert kernel_folder(str(work)) == "/home/learner/01"
    assert_no_secret(nb)


def test_writes_only_inside_the_work_folder(course):
    """Read-only binds stay read-only, even for root in the sandbox trying to remount them.

    The read-only target is a learner-data folder of the fake course (not the repository's own
    src/, which a broken sandbox would let this test overwrite).
    """
    root, work = course
    public = root / "public"
    public.mkdir()
    (public / "article.txt").write_text("the article")
    write = """
    import subprocess
    def write(path):
        try:
            with open(path, "w") as f:
                f.write("learner was here")
            print("WROTE", path)
        except OSError as e:
            print(type(e).__name__, e.errno, path)
    """
    targets = [root / "data" / "key.csv", public / "article.txt", public / "new.txt"]
    remount = ["mount", "-o", "remount,rw,bind", str(public)]
    nb, _ = run(
        work,
        write,
        "\n".join(f"write({str(t)!r})" for t in targets),
        "write('answers.json')\nprint(open('answers.json').read())",
        "print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])",
        f"print(subprocess.run({remount!r}, capture_output=True).returncode)\n"
        f"write({str(public / 'article.txt')!r})",
        spec=SandboxSpec(read_only=(str(public),)),
    )
    assert lines_of(nb.cells[1]) == [
        f"FileNotFoundError 2 {targets[0]}",  # not even there: data/ is not bound
        f"OSError 30 {targets[1]}",  # EROFS
        f"OSError 30 {targets[2]}",
    ]
    assert lines_of(nb.cells[2]) == ["WROTE answers.json", "learner was here"]
    assert not (work / "answers.json").exists()  # written in the sandbox's copy, in RAM
    assert lines_of(nb.cells[3]) == ["0000000000000000"]  # root without any capability
    assert lines_of(nb.cells[4]) == ["32", f"OSError 30 {targets[1]}"]  # mount: permission denied
    assert (root / "data" / "key.csv").read_text() == f"unit,label\n1,{KEY_SECRET}\n"
    assert (public / "article.txt").read_text() == "the article"
    assert sorted(os.listdir(public)) == ["article.txt"]


def test_the_sandbox_root_is_read_only_and_its_ram_folders_are_bounded(course):
    """tmpfs is RAM that RLIMIT_AS does not count: / and /dev are read-only, /tmp and /dev/shm sized."""
    _, work = course
    probe = """
    import os
    for path in ["/x", "/etc/x", "/root/x", "/dev/x", "/dev/null", "/tmp/x", "/dev/shm/x"]:
        try:
            with open(path, "w") as f:
                f.write("1")
            print("WROTE", path)
        except OSError as e:
            print(type(e).__name__, e.errno, path)
    for path in ["/tmp", "/dev/shm"]:
        print(path, os.statvfs(path).f_blocks * os.statvfs(path).f_frsize // 2**20, "MiB")
    """
    nb, _ = run(work, probe, spec=SandboxSpec(tmp_bytes=64 * 2**20))
    assert lines_of(nb.cells[0]) == [
        "OSError 30 /x",
        "OSError 30 /etc/x",
        "OSError 30 /root/x",
        "OSError 30 /dev/x",
        "WROTE /dev/null",
        "WROTE /tmp/x",
        "WROTE /dev/shm/x",
        "/tmp 64 MiB",
        "/dev/shm 64 MiB",
    ]


def test_proc_is_read_only_so_no_cell_sets_a_host_wide_sysctl(course):
    """Run as root, the sandbox's uid 0 is the host's: /proc/sys would take a write (a new
    kernel.core_pattern runs a program as the host's root) without any capability. Each file
    is only opened for writing, never written."""
    _, work = course
    probe = """
    import os
    for path in ["/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches",
                 "/proc/1/oom_score_adj", "/proc/self/oom_score_adj"]:
        try:
            os.close(os.open(path, os.O_WRONLY))
            print("OPENED", path)
        except OSError as e:
            print(type(e).__name__, e.errno, path)
    """
    nb, _ = run(work, probe)
    assert lines_of(nb.cells[0]) == [
        "OSError 30 /proc/sys/kernel/core_pattern",
        "OSError 30 /proc/sys/vm/drop_caches",
        "OSError 30 /proc/1/oom_score_adj",
        "OSError 30 /proc/self/oom_score_adj",
    ]


def test_readkit_imports_from_the_bound_src_but_the_repo_data_is_invisible(course):
    _, work = course
    assert (REPO / "data").is_dir()  # on the host it is there
    nb, _ = run(
        work,
        "import os, readkit\nprint(readkit.__file__)",
        f"print(sorted(os.listdir({str(REPO)!r})), os.path.exists({str(REPO / 'data')!r}))",
    )
    assert lines_of(nb.cells[0]) == [str(SRC / "readkit" / "__init__.py")]
    venv = os.path.relpath(sys.prefix, REPO)
    assert lines_of(nb.cells[1]) == [f"{sorted([venv, 'src'])} False"]


def test_no_network(course):
    _, work = course
    server = socket.create_server(("127.0.0.1", 0))  # something to connect to on the host
    port = server.getsockname()[1]
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()  # reachable from here
        connect = """
        import socket
        for address in [("127.0.0.1", PORT), ("1.1.1.1", 80), ("8.8.8.8", 53)]:
            try:
                socket.create_connection(address, timeout=3).close()
                print("CONNECTED", address[0])
            except OSError as e:
                print(type(e).__name__, address[0])
        """.replace("PORT", str(port))
        nb, _ = run(work, connect)
    finally:
        server.close()
    assert lines_of(nb.cells[0]) == [
        "ConnectionRefusedError 127.0.0.1",  # the sandbox's own, empty loopback
        "OSError 1.1.1.1",  # ENETUNREACH: no route at all
        "OSError 8.8.8.8",
    ]


def test_a_huge_allocation_fails_and_the_kernel_goes_on(course):
    _, work = course
    limit = "import resource\nprint(resource.getrlimit(resource.RLIMIT_AS))"
    nb, _ = run(work, limit, "block = bytearray(4 * 1024**3)", "print('still alive')")
    assert lines_of(nb.cells[0]) == [f"({2 * 1024**3}, {2 * 1024**3})"]  # 2 GiB, not unlimited
    errors = [out for out in nb.cells[1].outputs if out.output_type == "error"]
    assert [e.ename for e in errors] == ["MemoryError"]
    assert lines_of(nb.cells[2]) == ["still alive"]


def test_an_infinite_loop_is_interrupted_by_the_cell_timeout(course):
    _, work = course
    start = time.monotonic()
    nb, _ = run(
        work, "while True: pass", "print('next cell')", timeout=5, interrupt_on_timeout=True
    )
    elapsed = time.monotonic() - start
    errors = [out.ename for out in nb.cells[0].outputs if out.output_type == "error"]
    assert errors == ["KeyboardInterrupt"]
    assert lines_of(nb.cells[1]) == ["next cell"]
    assert elapsed < 15


HEARTBEATS = """
import os, subprocess, time
beat = "while :; do date +%s%N > {name}; sleep 0.2; done"
# a background process in its own session, out of the kernel's process group
subprocess.Popen(["sh", "-c", beat.format(name="hb-popen")], start_new_session=True)
# a double-forked daemon: its parent exits, it is re-parented to the namespace's init
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        subprocess.run(["sh", "-c", beat.format(name="hb-daemon")])
    os._exit(0)
time.sleep(1)
"""

CHECK_BEATING = """
first = {n: open(n).read() for n in ("hb-popen", "hb-daemon")}
time.sleep(0.7)
print(all(open(n).read() != first[n] for n in first))
"""


def beat_file(work: Path, name: str) -> str:
    """The heartbeat file `name`, read through the root of the process that writes it (the
    sandbox's copy of the work folder is in RAM, inside the sandbox); '' once none does."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"> {name};".encode() in (entry / "cmdline").read_bytes():
                return (entry / "root" / kernel_folder(str(work)).lstrip("/") / name).read_text()
        except OSError:
            continue
    return ""


def heartbeats_changing(work: Path) -> dict[str, bool]:
    def beats():
        return {n: beat_file(work, n) for n in ("hb-popen", "hb-daemon")}

    before = beats()
    time.sleep(1.0)
    after = beats()
    return {n: after[n] != before[n] for n in before}


def heartbeats_stop(work: Path, within: float = 15.0) -> bool:
    """Whether both heartbeats stop within `within` seconds (a killed sandbox's processes die
    as soon as its PID namespace does, which on a busy machine takes a moment)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if heartbeats_changing(work) == {"hb-popen": False, "hb-daemon": False}:
            return True
    return False


def test_shutdown_kills_background_processes_and_daemons(course):
    _, work = course
    nb, km = run(work, HEARTBEATS, CHECK_BEATING, shutdown=False)
    assert lines_of(nb.cells[1]) == ["True"]  # both run while the kernel does
    assert heartbeats_changing(work) == {"hb-popen": True, "hb-daemon": True}  # seen from here
    shut_down(km)
    assert not km.has_kernel
    assert heartbeats_stop(work)


def test_wall_time_limit_kills_a_kernel_that_ignores_interrupts(course):
    _, work = course
    spec = SandboxSpec(read_only=(str(SRC),), wall_seconds=8)
    stubborn = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass"
    start = time.monotonic()
    with pytest.raises(DeadKernelError):
        run(work, HEARTBEATS, stubborn, spec=spec, timeout=120)
    elapsed = time.monotonic() - start
    assert 7 < elapsed < 20
    assert heartbeats_stop(work)


def test_environment_is_rebuilt_not_inherited(course, monkeypatch):
    root, work = course
    monkeypatch.setenv("INSTRUCTOR_TOKEN", "token-of-the-instructor")
    spec = SandboxSpec(read_only=(str(SRC),), env={"READKIT_COURSE": str(root / "public")})
    show = "import os\nfor n in ['INSTRUCTOR_TOKEN', 'JPY_PARENT_PID', 'READKIT_COURSE', 'HOME', 'OPENBLAS_NUM_THREADS']: print(n, os.environ.get(n))"
    who = "import getpass, pwd\nprint(getpass.getuser(), [p.pw_name for p in pwd.getpwall()])"
    nb, _ = run(work, show, who, spec=spec)
    assert lines_of(nb.cells[0]) == [
        "INSTRUCTOR_TOKEN None",
        "JPY_PARENT_PID None",
        f"READKIT_COURSE {root / 'public'}",
        "HOME /home/learner/01",
        "OPENBLAS_NUM_THREADS 1",
    ]
    assert lines_of(nb.cells[1]) == ["learner ['root']"]  # no host user names


def test_sockets_live_in_a_short_scratch_folder_removed_at_shutdown(course):
    _, work = course
    inside = "import os\nprint([sorted(os.listdir('/tmp/' + d)) for d in os.listdir('/tmp') if d.startswith('rk-sandbox-')])"
    nb, km = run(work, "1 + 1", inside, shutdown=False)
    scratch = Path(km.provisioner.pool.scratch)
    assert scratch.parent == Path("/tmp") and scratch.name.startswith("rk-sandbox-")
    assert Path(km.connection_file) == scratch / "run" / "kernel.json"
    assert len(str(scratch / "run" / "k-5")) < 107
    assert {"kernel.json", "k-1", "k-5"} <= set(os.listdir(scratch / "run"))
    assert sorted(os.listdir(scratch / "etc")) == ["group", "passwd"]
    assert text_of(nb.cells[0]) == "2"
    assert lines_of(nb.cells[1]) == ["[['run']]"]  # etc/, a bind source, is not reachable inside
    shut_down(km)
    assert not scratch.exists()
    assert os.listdir(work) == []  # no profile, cache or history left in the graded folder


GRADER_THAT_DIES = """
import sys
import nbformat
from nbclient import NotebookClient
from readkit.sandbox.bubblewrap import SandboxSpec
from readkit.sandbox.kernels import kernel_manager
work, code = sys.argv[1], sys.argv[2]
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
km = kernel_manager(SandboxSpec())
NotebookClient(nb, km=km, resources={"metadata": {"path": work}}).execute()
print(km.provisioner.pool.scratch, flush=True)
sys.stdin.read()  # until killed
"""


def test_the_sandbox_dies_with_a_grading_process_that_is_killed(course):
    """No shutdown at all: SIGKILL the process that started the kernel (wall time is 600 s)."""
    _, work = course
    grader = subprocess.Popen(
        [sys.executable, "-c", GRADER_THAT_DIES, str(work), textwrap.dedent(HEARTBEATS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        scratch = Path(grader.stdout.readline().strip())
        assert scratch.name.startswith("rk-sandbox-") and scratch.is_dir()
        assert heartbeats_changing(work) == {"hb-popen": True, "hb-daemon": True}
    finally:
        grader.kill()
        grader.wait()
    assert heartbeats_stop(work)
    assert not scratch.exists()  # the watchdog cleaned up after the grader


READ_ALL_OF_PROC = """
import json, os
SKIP = {"mem", "pagemap", "kcore", "kmsg", "clear_refs", "kpagecount", "kpageflags", "kpagecgroup"}
def every_file(top, depth=0):
    try:
        names = os.listdir(top)
    except OSError:
        return
    for name in names:
        path = os.path.join(top, name)
        try:
            if os.path.islink(path):
                yield path, os.readlink(path).encode()
            elif os.path.isdir(path):
                if depth < 4 and name not in ("self", "thread-self", "map_files"):
                    yield from every_file(path, depth + 1)
            elif name not in SKIP:
                with open(path, "rb") as f:
                    yield path, f.read(4 << 20)
        except OSError:
            pass
read, found = [], {}
for path, data in every_file("/proc"):
    read.append(path)
    for needle in NEEDLES:
        if needle.encode() in data:
            found.setdefault(needle, []).append(path)
among = ("cmdline", "environ", "mountinfo", "cgroup", "cwd")  # what the test checks was read
print(json.dumps({"kernel": os.getpid(), "count": len(read), "found": found,
                  "read": [p for p in read if p.count("/") == 3 and p.endswith(among)]}))
"""


def test_nothing_a_kernel_reads_in_proc_names_the_course(course):
    """Every file and link under /proc that a kernel can read (its own, the zygote's: command
    line, mountinfo, cgroup, environment, ...): the course root is in none of them."""
    root, work = course
    needles = [str(root), os.path.realpath(root), "/home/learner/01"]
    nb, _ = run(work, READ_ALL_OF_PROC.replace("NEEDLES", repr(needles)), timeout=300)
    result = json.loads(text_of(nb.cells[0]))
    kernel = f"/proc/{result['kernel']}"
    zygote_and_kernel = {"/proc/1/cmdline", "/proc/1/mountinfo", "/proc/1/cgroup",
                         f"{kernel}/environ", f"{kernel}/mountinfo", f"{kernel}/cwd"}
    assert zygote_and_kernel <= set(result["read"]) and result["count"] > 1000
    assert f"{kernel}/cwd" in result["found"]["/home/learner/01"]  # the scan finds what is there
    assert sorted(result["found"]) == ["/home/learner/01"]
