"""`readkit hub` (`make hub`): a whole class on JupyterHub, on this machine, on 127.0.0.1.

    sudo readkit hub --learners 5          # until Ctrl-C; then everything is removed again

What it brings up (the shape of a class on The Littlest JupyterHub or Zero to JupyterHub):

- a hub environment: a virtual environment made from Debian's /usr/bin/python3 in a
  world-readable folder (default /opt/readkit-hub/env) with JupyterHub 5, JupyterLab, nbgrader
  and readkit's learner wheel (no assessment key), pinned by constraints.txt; its sys-prefix
  Jupyter config (config/nbgrader_config.py, config/jupyter_server_config.py) gives every user the
  exchange, private submissions and a formgrader-friendly Content-Security-Policy, and hides the
  instructor panels (formgrader, Create Assignment, course list) from everyone but the instructor;
- one instructor and N learners as real system users (useradd; removed again on stop);
- the course (nbgrader_config.py, readkit.toml, data/, solutions/) in the instructor's home,
  released into a PostgreSQL gradebook;
- PostgreSQL from Debian's packages: a throwaway cluster in the state folder, reachable only
  through its unix socket, with peer authentication (the instructor's system user is the only
  role that can open the gradebook: no password, no TCP port, learners are refused);
- nbgrader's exchange in a 1777 folder, the course's folders in it made for the instructor
  before anyone can log in; submissions readable only by their learner and the instructor
  (readkit.nbgrader.exchange), collected only from the learner they name
  (readkit.nbgrader.collect);
- JupyterHub with configurable-http-proxy (npm), a shared password (printed once) and the
  LocalProcessSpawner (config/jupyterhub_config.py documents every setting).

`Hub` is also what tests/test_hub.py and benchmarks/hub.py drive (`with Hub(settings) as hub:`).
Everything it made is recorded in the state folder as it is made, and `stop()` removes it in
reverse order, also after a failure half-way through.
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from readkit.hub import keep

CONFIG = Path(__file__).resolve().parent / "config"  # the Jupyter config files it installs
DEBIAN_PYTHON = "/usr/bin/python3"
DEFAULT_ENV = Path("/opt/readkit-hub/env")
DEFAULT_STATE = Path("/srv/readkit-hub")
COURSE_ID = "readkit"
COURSE_FOLDER = "readkit-course"  # in the instructor's home
DATABASE = "readkit_gradebook"
PG_PORT = 5432  # names the socket file only: the cluster listens on no TCP address
COURSE_FILES = ("nbgrader_config.py", "readkit.toml", "data", "solutions", "exercises")
ENV_STAMP = ".readkit-hub-env"
# The files that decide the environment's packages (overrides.txt: what uv leaves out).
DEPENDENCY_FILES = ("pyproject.toml", "constraints.txt", "overrides.txt")
NBGRADER_LAB = "@jupyter/nbgrader"
# Panels only the instructor gets (JupyterLab plugin ids of nbgrader's lab extension).
INSTRUCTOR_PANELS = ("formgrader", "create-assignment", "course-list")
FORMGRADER_SERVER_EXTENSION = "nbgrader.server_extensions.formgrader"
HUB_SERVER_EXTENSION = "readkit.hub.singleuser"  # every hub server: readkit/hub/singleuser.py
NOTIFICATION_PLUGIN = "@jupyterlab/apputils-extension:notification"
USER_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,20}$")


class HubError(RuntimeError):
    """Something that stops the hub from coming up; the message says what to do."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def proxy_command(course_root: Path) -> str | None:
    """configurable-http-proxy: $READKIT_CHP, the one `make hub` installs, or one on PATH."""
    configured = os.environ.get("READKIT_CHP")
    local = course_root / ".venv" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
    for candidate in (configured, str(local), shutil.which("configurable-http-proxy")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb (Debian's layout)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def missing_requirements(course_root: Path) -> list[str]:
    """What this machine lacks for `readkit hub` (empty: ready). `make hub` installs it all."""
    problems = []
    if os.geteuid() != 0:
        problems.append("readkit hub makes system users and runs JupyterHub's "
                        "LocalProcessSpawner: run it as root (sudo make hub)")
    if not os.access(DEBIAN_PYTHON, os.X_OK):
        problems.append(f"{DEBIAN_PYTHON} is missing: apt-get install python3 python3-venv")
    if proxy_command(course_root) is None:
        problems.append("configurable-http-proxy is missing: make hub installs it "
                        "(npm install --prefix .venv/chp configurable-http-proxy)")
    if postgres_bin() is None:
        problems.append("PostgreSQL is missing: apt-get install postgresql")
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is missing (Debian: passwd / util-linux)")
    return problems


def sh(argv: list[str], *, user: str | None = None, check: bool = True, timeout: float = 600,
        cwd: str | Path | None = None, env: dict[str, str] | None = None,
        input: str | None = None) -> subprocess.CompletedProcess:
    """A command (as `user` through runuser when given), its output captured."""
    command = ["runuser", "-u", user, "--", *argv] if user else list(argv)
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=env, input=input)
    if check and done.returncode != 0:
        raise HubError(f"{' '.join(map(str, command))} failed ({done.returncode}):\n"
                       f"{(done.stdout + done.stderr)[-3000:]}")
    return done


# --- the hub environment ------------------------------------------------------------------------


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for top in paths:
        files = sorted(p for p in top.rglob("*") if p.is_file()) if top.is_dir() else [top]
        for path in files:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(str(path.relative_to(top.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_environment(course_root: Path, env: Path, say: Callable[[str], None] = print) -> Path:
    """The world-readable hub environment at `env`, (re)built when pyproject.toml,
    constraints.txt or overrides.txt changed, readkit's learner wheel reinstalled when src/ or
    data/ changed."""
    stamp_file = env / ENV_STAMP
    deps = _digest([course_root / name for name in DEPENDENCY_FILES])
    package = _digest([course_root / "src", course_root / "data", course_root / "tools"])
    stamp = json.loads(stamp_file.read_text()) if stamp_file.is_file() else {}
    # uv, beside this Python (the Makefile puts it in .venv): minutes of pip become seconds.
    # readkit is always built afresh: uv's cache would otherwise keep a wheel of older sources.
    # Compiled at install: the environment is root's, and users' servers cannot write .pyc.
    install = [str(Path(sys.executable).with_name("uv")), "pip", "install", "--quiet",
               "--compile-bytecode", "--python", str(env / "bin" / "python"),
               "-c", str(course_root / "constraints.txt"),
               "--overrides", str(course_root / "overrides.txt"), "--refresh-package", "readkit"]
    if stamp.get("deps") != deps or not (env / "bin" / "jupyterhub").exists():
        say(f"Building the hub environment in {env} from {DEBIAN_PYTHON} (once; about a minute)")
        shutil.rmtree(env, ignore_errors=True)
        env.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(env.parent, 0o755)
        sh([DEBIAN_PYTHON, "-m", "venv", str(env)])
        # The learner wheel, not an editable install: it carries no assessment key, and an
        # editable install would point every user's Python into the course checkout.
        sh([*install, f"{course_root}[hub]"], timeout=1800)
        stamp = {"deps": deps, "package": package}
    elif stamp.get("package") != package:
        say("Reinstalling readkit's learner wheel in the hub environment")
        sh([*install, "--no-deps", "--reinstall-package", "readkit", str(course_root)], timeout=600)
        stamp["package"] = package
    _configure_environment(env)
    sh(["chmod", "-R", "a+rX", str(env)])
    stamp_file.write_text(json.dumps(stamp))
    return env


def _configure_environment(env: Path) -> None:
    """Sys-prefix Jupyter config of the hub environment: read by every user's server."""
    etc = env / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CONFIG / "nbgrader_config.py", etc / "nbgrader_config.py")
    shutil.copyfile(CONFIG / "jupyter_server_config.py", etc / "jupyter_server_config.py")
    # The instructor panels off for everyone at this level; the instructor's root-owned
    # config folder (Hub.user_config, first on JUPYTER_CONFIG_PATH) turns them on again (a
    # user's own ~/.jupyter is ignored: disable_user_config). Same as `jupyter labextension
    # disable --level=sys_prefix ...` and `jupyter server extension disable --sys-prefix ...`.
    # readkit.hub.singleuser on for every server.
    labconfig = etc / "labconfig"
    labconfig.mkdir(exist_ok=True)
    _merge_json(labconfig / "page_config.json", {"disabledExtensions": {
        f"{NBGRADER_LAB}:{panel}": True for panel in INSTRUCTOR_PANELS}})
    _merge_json(etc / "jupyter_server_config.json", {"ServerApp": {"jpserver_extensions": {
        FORMGRADER_SERVER_EXTENSION: False, HUB_SERVER_EXTENSION: True}}})
    # No "get notified about news?" question for any hub account (it covered the Sorter's label
    # buttons); a choice a user makes in JupyterLab's settings still wins.
    _merge_json(labconfig / "default_setting_overrides.json", {NOTIFICATION_PLUGIN: {
        "fetchNews": "false", "checkForUpdates": False}})
    # Feedback pages load no MathJax from a CDN (config/feedback/mathjax.html.j2).
    feedback = env / "share" / "jupyter" / "nbconvert" / "templates" / "feedback"
    feedback.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CONFIG / "feedback" / "mathjax.html.j2", feedback / "mathjax.html.j2")


def _merge_json(path: Path, update: dict) -> None:
    data = json.loads(path.read_text()) if path.is_file() else {}
    for key, value in update.items():
        if isinstance(value, dict):
            data.setdefault(key, {}).update(value)
        else:
            data[key] = value
    path.write_text(json.dumps(data, indent=2) + "\n")


# --- settings and state ---------------------------------------------------------------------------


@dataclass
class HubSettings:
    course: Path  # the course repository: copied to the instructor, built into the wheel
    learners: int = 5
    prefix: str = "rk"  # user names: <prefix>-instructor, <prefix>-learner01, ...
    port: int = 8000
    state: Path = DEFAULT_STATE
    env: Path = DEFAULT_ENV
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    # Where stop() saves the class's grading/ and gradebook before it removes anything (a new
    # folder in it per stop; `readkit hub` gives <course>/hub-grades). None: nothing is saved.
    save_to: Path | None = None
    # A folder an earlier stop saved: its grading/ and gradebook come back into the new course.
    resume: Path | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.learners <= 500:
            raise HubError(f"--learners must be between 1 and 500, not {self.learners}")
        if not re.fullmatch(r"[a-z][a-z0-9]{0,9}", self.prefix):
            raise HubError(f"--prefix must be 1-10 lower-case letters or digits, starting with "
                           f"a letter, not {self.prefix!r}")
        if self.resume is not None:
            problem = keep.saved_class_problem(self.resume)
            if problem:
                raise HubError(f"--resume: {problem}")

    @property
    def instructor(self) -> str:
        return f"{self.prefix}-instructor"

    @property
    def learner_names(self) -> list[str]:
        width = max(2, len(str(self.learners)))
        return [f"{self.prefix}-learner{i:0{width}d}" for i in range(1, self.learners + 1)]


@dataclass
class Account:
    name: str
    uid: int
    home: Path
    gid: int = -1  # the user's own group (useradd --user-group)


def make_user(name: str) -> Account:
    """A system user of the class: its own group, a home no other user can read (the course
    is in the instructor's). Removed again with remove_user."""
    sh(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash",
        "--comment", "readkit hub", name])
    entry = pwd.getpwnam(name)
    os.chmod(entry.pw_dir, 0o700)
    return Account(name, entry.pw_uid, Path(entry.pw_dir), entry.pw_gid)


# The course's folders in the exchange, with the modes nbgrader's own release_assignment
# (course folder, outbound/, inbound/) and release_feedback (feedback/) give them: outbound/
# readable by all, inbound/ setgid and writable but not listable by others, feedback/
# reachable but not listable.
EXCHANGE_FOLDERS = (("", 0o755), ("outbound", 0o755), ("inbound", 0o2733), ("feedback", 0o711))


def make_exchange(exchange: Path, course_id: str, instructor: Account) -> Path:
    """nbgrader's exchange (1777, like /tmp: anyone may create, only owners remove) with the
    course's folders in it, made for the instructor before any learner can log in.

    Left to nbgrader, the first `release_assignment` makes them; a learner who makes
    <exchange>/<course> first owns it, the release then fails ("You don't own the directory")
    and that learner could remove other learners' hand-ins. Made here, the course folder is the
    instructor's and the sticky exchange keeps learners from moving it. Returns the course
    folder."""
    exchange.mkdir(parents=True, exist_ok=True)
    os.chmod(exchange, 0o1777)
    course = exchange / course_id
    for name, mode in EXCHANGE_FOLDERS:
        folder = course / name if name else course
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # never trust one that someone else may have made
            raise HubError(f"{folder} exists already: readkit hub makes the course's exchange "
                           "folders itself. Remove it (as root) and start again.") from None
        os.chown(folder, instructor.uid, instructor.gid)
        os.chmod(folder, mode)  # after chown, which may clear the setgid bit
    return course


class Hub:
    """A running class hub. `start()` brings everything up, `stop()` removes all it made."""

    def __init__(self, settings: HubSettings, say: Callable[[str], None] = print) -> None:
        self.settings = settings
        self.say = say
        self.state = settings.state
        self.record = self.state / "made.json"
        self.made: dict[str, list] = {"users": [], "processes": []}
        self.accounts: dict[str, Account] = {}
        self.process: subprocess.Popen | None = None
        self.api_token = secrets.token_hex(32)
        self.url = f"http://127.0.0.1:{settings.port}"
        self.db_url = ""
        # stop() removes only what this Hub recorded: never a running hub's users and files
        # because a second `readkit hub` found its state folder taken.
        self.owns_state = False
        self.saved: Path | None = None  # where stop() saved the class's grades
        self.discard_grades = False  # `readkit hub --clean --discard-grades`: stop saves nothing

    # -- paths -------------------------------------------------------------------------------

    @property
    def exchange(self) -> Path:
        return self.state / "exchange"

    @property
    def hub_state(self) -> Path:
        return self.state / "hub"

    @property
    def pg_data(self) -> Path:
        return self.state / "postgres" / "data"

    @property
    def pg_socket(self) -> Path:
        return self.state / "postgres" / "run"

    @property
    def user_configs(self) -> Path:
        return self.state / "user-config"

    def user_config(self, name: str) -> Path:
        """The Jupyter config folder of `name`'s server (JUPYTER_CONFIG_PATH): root's, readable
        by all, writable by none of the hub's users (config/jupyterhub_config.py)."""
        return self.user_configs / name

    @property
    def course_dir(self) -> Path:
        return self.accounts[self.settings.instructor].home / COURSE_FOLDER

    @property
    def env_bin(self) -> Path:
        return self.settings.env / "bin"

    # -- bring up ----------------------------------------------------------------------------

    def __enter__(self) -> Hub:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, jupyterhub: bool = True) -> None:
        """Everything; without `jupyterhub`, the class without its hub (a test resumes a saved
        class that way)."""
        self.prepare()
        self._start_postgres()
        self.install_course()
        if jupyterhub:
            self._start_hub()

    def prepare(self) -> None:
        """The class before its services: the state folder, the hub environment, the users and
        the exchange (tests/test_exchange.py uses this much, with a SQLite gradebook)."""
        problems = missing_requirements(self.settings.course)
        if problems:
            raise HubError("readkit hub cannot start here:\n  " + "\n  ".join(problems))
        self._make_state()
        ensure_environment(self.settings.course, self.settings.env, self.say)
        self._make_users()
        # Before anyone can log in (the hub starts last): the course's exchange folders.
        make_exchange(self.exchange, COURSE_ID, self.accounts[self.settings.instructor])

    def _save(self) -> None:
        self.record.write_text(json.dumps(self.made))

    def _make_state(self) -> None:
        if self.record.is_file():
            raise HubError(f"{self.state} holds a hub that was not stopped: run "
                           f"`readkit hub --clean --state {self.state}` first.")
        self.state.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o755)  # users traverse it to reach the exchange and the socket
        self._save()
        self.owns_state = True
        self.hub_state.mkdir(mode=0o700, exist_ok=True)

    def _make_users(self) -> None:
        names = [self.settings.instructor, *self.settings.learner_names]
        taken = [name for name in names if _user_exists(name)]
        if taken:
            raise HubError(f"system user(s) {', '.join(taken[:5])} exist already: pick another "
                           "--prefix (readkit hub never touches accounts it did not make).")
        self.user_configs.mkdir(mode=0o755, exist_ok=True)
        for name in names:
            self.made["users"].append(name)
            self._save()
            self.accounts[name] = make_user(name)
            self.user_config(name).mkdir(mode=0o755)

    def _start_postgres(self) -> None:
        bin_dir = postgres_bin()
        postgres = pwd.getpwnam("postgres")
        top = self.pg_data.parent
        top.mkdir(mode=0o755, exist_ok=True)
        for folder, mode in ((self.pg_data, 0o700), (self.pg_socket, 0o755)):
            folder.mkdir(mode=mode, exist_ok=True)
            os.chown(folder, postgres.pw_uid, postgres.pw_gid)
        self.made["postgres"] = str(self.pg_data)
        self._save()
        # initdb and pg_ctl refuse to run as root: as the postgres system user.
        sh([str(bin_dir / "initdb"), "-D", str(self.pg_data), "--auth-local=peer",
             "--auth-host=reject", "-U", "postgres", "--no-sync", "-E", "UTF8"], user="postgres")
        self._pg_ctl("start")
        instructor = self.settings.instructor
        self.psql(f'CREATE ROLE "{instructor}" LOGIN')
        self.psql(f'CREATE DATABASE {DATABASE} OWNER "{instructor}"')
        self.psql(f"REVOKE ALL ON DATABASE {DATABASE} FROM PUBLIC")
        self.db_url = (f"postgresql+psycopg://{urllib.parse.quote(instructor)}@/{DATABASE}"
                       f"?host={self.pg_socket}&port={PG_PORT}")

    def _pg_ctl(self, action: str) -> None:
        """Start or stop the class's PostgreSQL cluster (as the postgres system user)."""
        options = (f"-c listen_addresses='' -c port={PG_PORT} "
                   f"-c unix_socket_directories='{self.pg_socket}' -c max_connections=200")
        command = {"start": ["-l", str(self.pg_socket / "postgres.log"), "-w", "-t", "60",
                             "-o", options, "start"],
                   "stop": ["-m", "fast", "-w", "stop"]}[action]
        sh([str(postgres_bin() / "pg_ctl"), "-D", str(self.pg_data), *command],
           user="postgres", timeout=90)

    def _pg_running(self) -> bool:
        return (self.pg_data / "postmaster.pid").is_file()

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the database superuser (the postgres system user, peer auth)."""
        done = sh(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h",
                    str(self.pg_socket), "-p", str(PG_PORT), "-U", "postgres", "-d", database,
                    "-c", sql], user="postgres")
        return done.stdout

    def as_instructor(self, argv: list[str], check: bool = True, timeout: float = 900
                      ) -> subprocess.CompletedProcess:
        """A command as the instructor, in the course folder, with the hub environment (what
        they run in a terminal of their hub server)."""
        return self.as_user(self.settings.instructor, argv, cwd=self.course_dir, check=check,
                            timeout=timeout)

    def as_user(self, name: str, argv: list[str], cwd: Path | None = None, check: bool = True,
                timeout: float = 900) -> subprocess.CompletedProcess:
        account = self.accounts[name]
        env = {"HOME": str(account.home), "USER": name, "LOGNAME": name, "LANG": "C.UTF-8",
               "PATH": os.pathsep.join([str(self.env_bin), "/usr/local/bin", "/usr/bin",
                                        "/bin"]),
               "READKIT_EXCHANGE": str(self.exchange)}
        return sh(["env", *[f"{k}={v}" for k, v in env.items()], *argv], user=name,
                   cwd=cwd or account.home, check=check, timeout=timeout)

    def install_course(self) -> None:
        """The course in the instructor's home, its gradebook on PostgreSQL (SQLite in the
        course when PostgreSQL is not started), assignments generated (nbgrader
        generate_assignment records the grade cells in the gradebook)."""
        instructor = self.accounts[self.settings.instructor]
        course = self.course_dir
        course.mkdir()
        for name in COURSE_FILES:
            source = self.settings.course / name
            if source.is_dir():
                shutil.copytree(source, course / name, ignore=shutil.ignore_patterns(
                    ".ipynb_checkpoints", "__pycache__", "answers.json"))
            elif source.is_file():
                shutil.copy2(source, course / name)
        with (course / "nbgrader_config.py").open("a", encoding="utf-8") as handle:
            handle.write(
                "\n# --- added by readkit hub: this copy of the course runs on a JupyterHub ---\n"
                + ("# Several graders at once: PostgreSQL, not SQLite (no 'database is "
                   "locked').\n# Unix socket + peer authentication: only this system user "
                   f"gets in.\nc.CourseDirectory.db_url = {self.db_url!r}\n" if self.db_url
                   else "")
                + "# The shared exchange (1777; submissions private: readkit.nbgrader.exchange"
                ", collected\n# only from the learner they name: readkit.nbgrader.collect).\n"
                f"c.Exchange.root = {str(self.exchange)!r}\n")
        jupyter = self.user_config(instructor.name)
        (jupyter / "labconfig").mkdir(mode=0o755, parents=True, exist_ok=True)
        # The instructor panels on again for the instructor only (their folder comes before the
        # hub environment's sys-prefix level), as `jupyter labextension enable ...` and
        # `jupyter server extension enable nbgrader.server_extensions.formgrader` would at a
        # level the instructor cannot edit either (not ~/.jupyter: disable_user_config).
        _merge_json(jupyter / "labconfig" / "page_config.json", {"disabledExtensions": {
            f"{NBGRADER_LAB}:{panel}": False for panel in INSTRUCTOR_PANELS}})
        _merge_json(jupyter / "jupyter_server_config.json", {"ServerApp": {
            "jpserver_extensions": {FORMGRADER_SERVER_EXTENSION: True}}})
        # The formgrader finds the course from the server's root (the home folder).
        (jupyter / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.root = {str(course)!r}\n", encoding="utf-8")
        # What stop() needs to save the class before it removes the instructor's account.
        owner = self.settings.course.stat()
        save_to = self.settings.save_to
        self.made.update(course=str(course), instructor=instructor.name,
                         save_to=save_to and str(save_to), owner=[owner.st_uid, owner.st_gid])
        self._save()
        if self.settings.resume is not None:
            self.say(f"Picking up the class saved in {self.settings.resume}")
            skipped = keep.copy_plain_tree(self.settings.resume / keep.GRADING,
                                           course / keep.GRADING)
            if skipped:
                self.say(f"  not copied (not plain files): {', '.join(skipped[:10])}")
        sh(["chown", "-R", f"{instructor.name}:{instructor.name}", str(instructor.home)])
        if self.settings.resume is not None:
            self._restore_gradebook(self.settings.resume / keep.GRADEBOOK_DUMP)
        self.say("Generating the assignments into the PostgreSQL gradebook")
        self.as_instructor([str(self.env_bin / "readkit"), "release", "--course", str(course)])

    def _restore_gradebook(self, dump: Path) -> None:
        """The saved gradebook into the new (empty) PostgreSQL database, as the instructor's
        role (it owns the database and nothing else: the dump cannot do more than they can)."""
        if not dump.is_file() or not self.db_url:
            return
        sh(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-h",
            str(self.pg_socket), "-p", str(PG_PORT), "-d", DATABASE, "-f", "-"],
           user=self.settings.instructor, input=dump.read_text(encoding="utf-8"))

    def _start_hub(self) -> None:
        proxy = proxy_command(self.settings.course)
        settings = {
            "port": self.settings.port, "hub_port": free_port(), "proxy_api_port": free_port(),
            "proxy": proxy, "proxy_token": secrets.token_hex(32), "env": str(self.settings.env),
            "hub_state": str(self.hub_state), "instructor": self.settings.instructor,
            "learners": self.settings.learner_names, "password": self.settings.password,
            "api_token": self.api_token, "exchange": str(self.exchange), "course_id": COURSE_ID,
            "user_config": str(self.user_configs),
        }
        path = self.hub_state / "settings.json"
        path.touch(mode=0o600)
        path.write_text(json.dumps(settings, indent=1))
        env = {"PATH": os.pathsep.join([str(self.env_bin), "/usr/bin", "/bin"]),
               "LANG": "C.UTF-8", "HOME": str(self.hub_state),
               "READKIT_HUB_SETTINGS": str(path)}
        log = (self.hub_state / "jupyterhub.log").open("ab")
        with log:
            self.process = subprocess.Popen(
                [str(self.env_bin / "jupyterhub"), "-f", str(CONFIG / "jupyterhub_config.py")],
                cwd=self.hub_state, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.made["processes"].append(self.process.pid)
        self._save()
        deadline = time.monotonic() + 90
        while True:
            if self.process.poll() is not None:
                raise HubError(f"JupyterHub exited ({self.process.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(OSError, HubError):
                if self.api("GET", "/hub/api/")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise HubError(f"JupyterHub did not answer within 90 s:\n{self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self, lines: int = 40) -> str:
        path = self.hub_state / "jupyterhub.log"
        if not path.is_file():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # -- talking to the hub and the servers ------------------------------------------------

    def request(self, method: str, path: str, body: object = None, token: str | None = None,
                timeout: float = 120, form: dict | None = None) -> tuple[int, object]:
        """(status, parsed JSON or text) of an HTTP request to the hub's public URL."""
        headers = {"Authorization": f"token {token or self.api_token}"}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, text, kind = (response.status, response.read().decode(),
                                      response.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as error:
            status, text, kind = (error.code, error.read().decode(errors="replace"),
                                  error.headers.get("Content-Type", ""))
        # nbgrader's endpoints send JSON as text/html: parse whatever looks like JSON.
        if text and ("json" in kind or text.lstrip()[:1] in ("{", "[")):
            with contextlib.suppress(ValueError):
                return status, json.loads(text)
        return status, text

    api = request

    def start_server(self, name: str, timeout: float = 240) -> None:
        """Start `name`'s single-user server through the hub's REST API; wait until ready."""
        status, body = self.api("POST", f"/hub/api/users/{name}/server")
        if status not in (201, 202, 400):  # 400: already running
            raise HubError(f"starting {name}'s server: {status} {body}")
        deadline = time.monotonic() + timeout
        while True:
            status, user = self.api("GET", f"/hub/api/users/{name}")
            server = user.get("servers", {}).get("", {}) if isinstance(user, dict) else {}
            if server.get("ready"):
                return
            if status == 200 and not server and time.monotonic() > deadline - timeout + 5:
                raise HubError(f"{name}'s server stopped while starting:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise HubError(f"{name}'s server was not ready after {timeout:.0f} s")
            time.sleep(0.5)

    def stop_server(self, name: str, timeout: float = 60) -> None:
        status, body = self.api("DELETE", f"/hub/api/users/{name}/server")
        if status not in (202, 204, 400):
            raise HubError(f"stopping {name}'s server: {status} {body}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _, user = self.api("GET", f"/hub/api/users/{name}")
            if isinstance(user, dict) and not user.get("servers"):
                return
            time.sleep(0.3)

    def server(self, name: str, method: str, path: str, body: object = None,
               form: dict | None = None, timeout: float = 300) -> tuple[int, object]:
        """A request to `name`'s own server (/user/<name>/<path>) through the proxy."""
        return self.request(method, f"/user/{name}/{path.lstrip('/')}", body, form=form,
                            timeout=timeout)

    def hand_in(self, name: str, assignment: str, answers: str | None,
                stop_after: bool = True) -> dict[str, float]:
        """One learner's round trip through their own server, as the Assignment List and the
        Sorter do it: start the server, fetch `assignment` (nbgrader's assignment_list
        endpoint), write answers.json (the Contents API; None: hand in without one), submit,
        stop the server. Returns the seconds each step took."""
        steps, start = {}, time.perf_counter()

        def step(label: str) -> None:
            nonlocal start
            now = time.perf_counter()
            steps[label] = now - start
            start = now

        self.start_server(name)
        step("start")
        form = {"course_id": COURSE_ID, "assignment_id": assignment}
        status, body = self.server(name, "POST", "assignments/fetch", form=form)
        if status != 200 or not isinstance(body, dict) or not body.get("success"):
            raise HubError(f"{name} could not fetch {assignment}: {status} {str(body)[:500]}")
        step("fetch")
        if answers is not None:
            status, body = self.server(
                name, "PUT", f"api/contents/{assignment}/answers.json",
                {"type": "file", "format": "text", "content": answers})
            if status not in (200, 201):
                raise HubError(f"{name} could not save answers.json: {status} {body}")
        step("save")
        status, body = self.server(name, "POST", "assignments/submit", form=form)
        if status != 200 or not isinstance(body, dict) or not body.get("success"):
            raise HubError(f"{name} could not submit {assignment}: {status} {str(body)[:500]}")
        step("submit")
        if stop_after:
            self.stop_server(name)
            step("stop")
        return steps

    # -- tear down -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the hub (and with it every server and the proxy), PostgreSQL, and remove the
        users and the state folder. Goes on past every failure; safe to call twice."""
        if not self.owns_state:
            return
        errors = []
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        for pid in self.made.get("processes", []):
            _kill_group(pid)
        if self.record.is_file():
            with contextlib.suppress(ValueError):
                self.made = json.loads(self.record.read_text())
        # The grades first, while the instructor's home and PostgreSQL are still there.
        kept = self._save_class(errors)
        if self.made.get("postgres") and postgres_bin() and self._pg_running():
            with contextlib.suppress(HubError, subprocess.TimeoutExpired):
                self._pg_ctl("stop")
        for name in reversed(self.made.get("users", [])):
            if name in kept:
                continue
            try:
                remove_user(name)
            except HubError as error:
                errors.append(str(error))
        if kept:
            self.made["users"] = kept
            self._save()
        elif self.state.is_dir() and self.record.is_file():
            shutil.rmtree(self.state, ignore_errors=True)
        self.made = {"users": [], "processes": []}
        self.process = None
        self.owns_state = False
        if errors:
            self.say("readkit hub: could not remove everything:\n  " + "\n  ".join(errors))


    def _save_class(self, errors: list[str]) -> list[str]:
        """Save the course's grading/ and a dump of the gradebook into a new folder of
        `save_to` (before anything is removed). Returns the users to keep: none when saved (or
        nothing to save), the instructor when saving failed, so that no grade is lost."""
        course, save_to = self.made.get("course"), self.made.get("save_to")
        if not course or not save_to or not Path(course).is_dir() or self.discard_grades:
            return []
        instructor = self.made.get("instructor", "")
        try:
            dump = self._dump_gradebook() if self.made.get("postgres") else None
            self.saved, skipped = keep.save_class(
                Path(course), Path(save_to), dump, tuple(self.made["owner"]))
        except (OSError, HubError, subprocess.TimeoutExpired) as error:
            errors.append(
                f"could not save the class's grades ({error}); nothing of them is removed: the "
                f"course is in {course} (user {instructor}), the gradebook in {self.pg_data}. "
                f"Copy what you need, then run `readkit hub --clean --state {self.state}` "
                "(it tries to save them again first; add --discard-grades to remove them "
                "unsaved).")
            return [instructor]
        reports = ", ".join(sorted(p.name for p in (self.saved / keep.GRADING / "reports")
                                   .glob("*"))) if (self.saved / keep.GRADING / "reports"
                                                    ).is_dir() else "none yet"
        self.say(f"The class's grades are saved in {self.saved}\n"
                 f"  grading/ (submissions, feedback; grades.csv, lms.csv and the report of "
                 f"each assignment graded: {reports})"
                 + (f", {keep.GRADEBOOK_DUMP} (the PostgreSQL gradebook)" if dump else "")
                 + f"\n  Pick the class up again: make hub RESUME={self.saved}")
        if skipped:
            self.say(f"  not saved (not plain files): {', '.join(skipped[:10])}")
        return []

    def _dump_gradebook(self) -> str:
        """pg_dump of the gradebook (PostgreSQL started for it when it is not running)."""
        started = False
        if not self._pg_running():
            self._pg_ctl("start")
            started = True
        try:
            return sh([str(postgres_bin() / "pg_dump"), "-h", str(self.pg_socket), "-p",
                       str(PG_PORT), "-U", "postgres", "--no-owner", "--no-privileges", "-d",
                       DATABASE], user="postgres", timeout=600).stdout
        finally:
            if started:
                self._pg_ctl("stop")


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def processes_of(uid: int) -> list[int]:
    """The pids of `uid`'s processes (from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
    return pids


def remove_user(name: str) -> None:
    """Remove a user readkit hub made: its left-over processes (by pid), its home, its group."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return
    for _ in range(20):
        pids = processes_of(entry.pw_uid)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    done = sh(["userdel", "--remove", name], check=False)
    if _user_exists(name):
        raise HubError(f"userdel {name} failed: {done.stderr.strip()}")
    with contextlib.suppress(KeyError):
        grp.getgrnam(name)
        sh(["groupdel", name], check=False)


def clean(state: Path, say: Callable[[str], None] = print, discard_grades: bool = False
          ) -> None:
    """Remove what a hub that was not stopped left (its state folder's record); its grades are
    saved first, as a stop saves them, unless `discard_grades`."""
    record = state / "made.json"
    if not record.is_file():
        say(f"Nothing to clean in {state}.")
        return
    hub = Hub(HubSettings(course=Path("."), state=state), say)
    hub.owns_state = True  # asked for: remove what the record lists
    hub.discard_grades = discard_grades
    hub.stop()
    say(f"Kept what holds the grades (see above); the record is in {record}."
        if record.is_file() else f"Removed the hub recorded in {state}.")


# --- the command ------------------------------------------------------------------------------


def first_assignment(course: Path) -> str:
    """The course's first assignment (the first folder of solutions/): the next steps name it."""
    found = sorted(p.name for p in (course / "solutions").glob("*")
                   if p.is_dir() and not p.name.startswith("."))
    return found[0] if found else "ASSIGNMENT"


def next_steps(instructor: str, assignment: str) -> str:
    """What to do once the hub is up, each instructor step a command that works as written in a
    terminal of the instructor's server (JupyterLab: File > New > Terminal). docs/hub.md has the
    same steps (tests/test_hub_config.py holds them together)."""
    return (
        "Next steps (docs/hub.md, \"A class, step by step\"):\n"
        f"  1. Instructor: log in as {instructor}, open File > New > Terminal and release:\n"
        f"       cd ~/{COURSE_FOLDER}\n"
        f"       nbgrader release_assignment {assignment}\n"
        "     (or Nbgrader > Formgrader > Manage Assignments > Release)\n"
        "  2. Learners: log in, Nbgrader > Assignment List > Fetch; open the notebook, label\n"
        "     every sentence, run the last cell (it says how many are still unlabelled), then\n"
        "     Nbgrader > Assignment List > Submit.\n"
        "  3. Instructor, in the same terminal:\n"
        f"       nbgrader collect {assignment}                     # the hand-ins\n"
        f"       readkit autograde {assignment} --jobs 4           # sandboxed\n"
        f"       readkit grade {assignment}                        # grades.csv\n"
        f"       readkit report {assignment}                       # the report, lms.csv\n"
        f"       nbgrader generate_feedback {assignment}           # feedback, then:\n"
        f"       nbgrader release_feedback {assignment}\n"
        "     The formgrader (Nbgrader > Formgrader) shows every submission.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Start a class on JupyterHub on this machine (127.0.0.1 only): one instructor and N "
        "learners as real system users, nbgrader's exchange with private submissions, the "
        "course in the instructor's home with a PostgreSQL gradebook, the formgrader for the "
        "instructor only. Runs until Ctrl-C; then saves the class's grades (grading/ and the "
        "gradebook) into a folder of yours and removes the accounts, servers and PostgreSQL. "
        "Needs root; `make hub` installs what is missing. Deployments: docs/hub.md.")
    parser.add_argument("--learners", type=int, default=5, metavar="N",
                        help="learner accounts (default: 5)")
    parser.add_argument("--port", type=int, default=8000, help="hub port (default: 8000)")
    parser.add_argument("--prefix", default="rk",
                        help="user names: PREFIX-instructor, PREFIX-learner01... (default: rk)")
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE,
                        help=f"folder for the exchange, PostgreSQL and the hub's files "
                             f"(default: {DEFAULT_STATE}; removed on stop)")
    parser.add_argument("--env", type=Path, default=DEFAULT_ENV,
                        help=f"world-readable hub environment (default: {DEFAULT_ENV}; kept)")
    parser.add_argument("--save-to", type=Path, default=None, metavar="DIR",
                        help="where the stop saves the class's grades, a new folder each time "
                             "(default: hub-grades/ in the course repository, owned by its "
                             "owner)")
    parser.add_argument("--resume", type=Path, default=None, metavar="FOLDER",
                        help="pick up a class an earlier stop saved (its grading/ and "
                             "gradebook come back into the new course)")
    parser.add_argument("--clean", action="store_true",
                        help="only remove what a hub that did not stop left in --state "
                             "(its grades are saved first)")
    parser.add_argument("--discard-grades", action="store_true",
                        help="with --clean: remove the class without saving its grades")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="the course repository (default: the working directory)")


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def _stopping(*_) -> None:
    print("Still saving the grades and removing the accounts: one moment.", flush=True)


def run(args: argparse.Namespace) -> int:
    if args.clean:
        clean(args.state.resolve(), discard_grades=args.discard_grades)
        return 0
    course = args.course.resolve()
    if not (course / "pyproject.toml").is_file() or not (course / "nbgrader_config.py").is_file():
        print(f"readkit hub: {course} is not the course repository (it needs pyproject.toml "
              "and nbgrader_config.py): run it there or pass --course.", file=sys.stderr)
        return 2
    try:
        settings = HubSettings(
            course=course, learners=args.learners, prefix=args.prefix, port=args.port,
            state=args.state.resolve(), env=args.env.resolve(),
            save_to=(args.save_to or course / "hub-grades").resolve(),
            resume=args.resume and args.resume.resolve())
    except HubError as error:
        print(f"readkit hub: {error}", file=sys.stderr)
        return 2
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _run_hub(settings, course)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _run_hub(settings: HubSettings, course: Path) -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # `kill PID` cleans up like Ctrl-C
    code = 1
    try:
        with Hub(settings, lambda line: print(line, flush=True)) as hub:
            print(f"\nreadkit hub is up: {hub.url}/hub/login\n"
                  f"  instructor: {settings.instructor} (formgrader, Create Assignment)\n"
                  f"  learners:   {', '.join(settings.learner_names)}\n"
                  f"  password (every account; shown once): {settings.password}\n"
                  f"  course:     {hub.course_dir}\n"
                  f"  gradebook:  PostgreSQL {DATABASE} (socket {hub.pg_socket})\n"
                  f"  exchange:   {hub.exchange}\n\n"
                  + next_steps(settings.instructor, first_assignment(course)) + "\n\n"
                  f"Ctrl-C stops the hub: the grades are saved into {settings.save_to} first, "
                  "then the accounts, servers and PostgreSQL are removed.", flush=True)
            try:
                while hub.process and hub.process.poll() is None:
                    time.sleep(1)
                print(f"JupyterHub exited:\n{hub.log_tail()}", file=sys.stderr)
            except KeyboardInterrupt:
                code = 0
            # A second Ctrl-C must not cut the saving of the grades short.
            signal.signal(signal.SIGINT, _stopping)
            signal.signal(signal.SIGTERM, _stopping)
    except KeyboardInterrupt:  # while starting: what was made is removed again
        code = 0
    except HubError as error:
        print(f"readkit hub: {error}", file=sys.stderr)
        return 1
    print(f"Stopped; the accounts, servers and PostgreSQL are removed. The hub environment "
          f"({settings.env}, about 700 MB) stays on purpose, so the next `make hub` starts in "
          f"about a minute: remove it with `rm -rf {settings.env}`.")
    return code
