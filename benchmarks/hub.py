"""`python -m benchmarks.hub` (`make bench-hub`, root): a class of 200 on the hub, submitting
within one minute, then autograded; the time per submission and the largest memory use.

What runs (readkit.hub.deploy, the same hub as `make hub` and tests/test_hub.py):
1. the hub with N learners (real system users), the PostgreSQL gradebook, the instructor's
   server; the instructor releases 01 through the formgrader API;
2. every learner fetches 01 and writes an answers.json (the demo's seeded learner model);
3. the submission window: N submissions at evenly spread times within W seconds. K learners
   submit through their running JupyterLab servers (hub -> proxy -> server -> nbgrader's
   assignment_list endpoint); the rest run nbgrader's `submit` as themselves, as in a terminal
   (a root helper that imported nbgrader once forks, drops to the learner's uid and runs
   `nbgrader submit`: the same exchange code, PrivateSubmit included). Not all N through
   servers: an idle JupyterLab server holds about 150 MB, so 200 of them (30 GB) do not fit in
   this machine's 24 GB, and starting one costs about 3 s of CPU;
4. the instructor collects (formgrader API) and runs `readkit autograde --jobs J` (sandboxed
   kernels, PostgreSQL gradebook); the gradebook must hold N scores.

Memory is sampled every 0.25 s (MemTotal - MemAvailable, the whole machine) and reported as the
peak and the peak above the idle baseline measured before the hub starts. The last line printed
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from readkit import demo
from readkit.course.course import Course
from readkit.grading.trusted import SorterAssignment
from readkit.hub.deploy import COURSE_ID, DATABASE, Hub, HubSettings, free_port

ROOT = Path(__file__).resolve().parents[1]
A1 = "01-sort-the-sources"

# Runs in the hub environment's Python as root: one JSON request per line on stdin
# ({"user", "home", "uid", "gid", "argv"}), one JSON reply per line on stdout
# ({"user", "rc", "seconds"}). Each request forks; the child becomes the learner and runs
# `nbgrader ARGV` in their home with nbgrader already imported.
HELPER = r"""
import json, os, sys, time, io, contextlib
from nbgrader.apps.nbgraderapp import NbGraderApp
import nbgrader.apps.submitapp, nbgrader.apps.fetchassignmentapp  # noqa: F401 (preloaded)
import nbgrader.exchange.default, readkit.nbgrader.exchange  # noqa: F401
out = sys.stdout
children = {}
def reap(block):
    while children:
        pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
        if pid == 0:
            return
        user, start = children.pop(pid)
        out.write(json.dumps({"user": user, "rc": os.waitstatus_to_exitcode(status),
                              "seconds": time.perf_counter() - start}) + "\n")
        out.flush()
for line in sys.stdin:
    request = json.loads(line)
    reap(False)
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([]); os.setgid(request["gid"]); os.setuid(request["uid"])
            os.environ.update(HOME=request["home"], USER=request["user"],
                              LOGNAME=request["user"], READKIT_EXCHANGE=request["exchange"])
            os.chdir(request["home"])
            sink = open(os.path.join(request["home"], ".nbgrader-bench.log"), "a")
            os.dup2(sink.fileno(), 1); os.dup2(sink.fileno(), 2)
            NbGraderApp.launch_instance(request["argv"])
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
        except BaseException:
            code = 1
        os._exit(code)
    children[pid] = (request["user"], request["start"])
reap(True)
"""


class MemorySampler(threading.Thread):
    def __init__(self, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak, self.running = interval, 0, True
        self.start()

    @staticmethod
    def used() -> int:
        info = {}
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, value = line.split(":", 1)
            info[key] = int(value.split()[0]) * 1024
        return info["MemTotal"] - info["MemAvailable"]

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.used())
            time.sleep(self.interval)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak


class Helper:
    """The forking nbgrader runner (HELPER) in the hub environment."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.process = subprocess.Popen(
            [str(hub.env_bin / "python"), "-c", HELPER], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1,
            env={"PATH": f"{hub.env_bin}:/usr/bin:/bin", "LANG": "C.UTF-8"})
        self.results: list[dict] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.results.append(json.loads(line))

    def send(self, name: str, argv: list[str]) -> None:
        account = self.hub.accounts[name]
        self.process.stdin.write(json.dumps({
            "user": name, "uid": account.uid, "gid": _gid(name),
            "home": str(account.home), "exchange": str(self.hub.exchange), "argv": argv,
            "start": time.perf_counter()}) + "\n")
        self.process.stdin.flush()

    def close(self, timeout: float = 600) -> list[dict]:
        self.process.stdin.close()
        self.process.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return self.results


def _gid(name: str) -> int:
    import pwd

    return pwd.getpwnam(name).pw_gid


def answers_texts(count: int, seed: int) -> list[str | None]:
    course = Course.open(ROOT)
    plan = SorterAssignment.from_course(course, A1)
    people = demo.learners(count, seed, bad=True, cheat=False)
    answers = demo.class_answers(plan, people, seed)
    texts: list[str | None] = []
    for person in people:
        if person.kind == demo.NO_FILE:
            texts.append(None)
        elif person.kind == demo.CORRUPT_FILE:
            texts.append('{"version": 1, "assignment": "' + A1 + '", "answers": {"p4')
        elif person.kind == demo.EMPTY:
            texts.append(json.dumps({"version": 1, "assignment": A1, "answers": {}}))
        else:
            texts.append(json.dumps({"version": 1, "assignment": A1,
                                     "answers": answers[person.student]}))
    return texts


def write_answers(hub: Hub, name: str, text: str | None) -> None:
    if text is None:
        return
    folder = hub.accounts[name].home / A1
    path = folder / "answers.json"
    path.write_text(text, encoding="utf-8")
    os.chown(path, hub.accounts[name].uid, _gid(name))


def run_benchmark(learners: int, window: float, servers: int, jobs: int, seed: int,
                  say=print) -> dict:
    baseline = MemorySampler.used()
    sampler = MemorySampler()
    prefix = "rkb" + secrets.token_hex(2)
    settings = HubSettings(course=ROOT, learners=learners, prefix=prefix, port=free_port(),
                           state=Path(f"/tmp/readkit-hub-bench-{prefix}"))
    result: dict = {"learners": learners, "window_s": window, "through_servers": servers,
                    "jobs": jobs}
    started = time.perf_counter()
    with Hub(settings, say=say) as hub:
        result["hub_up_s"] = round(time.perf_counter() - started, 1)
        names = settings.learner_names
        instructor = settings.instructor
        hub.start_server(instructor)
        status, body = hub.server(instructor, "POST", f"formgrader/api/assignment/{A1}/release")
        assert status == 200 and body["success"], body

        # Everyone fetches and writes answers.json before the window.
        say(f"{learners} learners fetch {A1} ...")
        helper = Helper(hub)
        on_server = names[:servers]
        for name in names[servers:]:
            helper.send(name, ["fetch_assignment", A1, f"--course={COURSE_ID}"])
        start = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(hub.start_server, on_server))
        result["servers_started_s"] = round(time.perf_counter() - start, 1)
        for name in on_server:
            status, body = hub.server(name, "POST", "assignments/fetch",
                                      form={"course_id": COURSE_ID, "assignment_id": A1})
            assert status == 200 and body.get("success"), body
        fetched = helper.close()
        assert all(r["rc"] == 0 for r in fetched), [r for r in fetched if r["rc"]][:3]
        for name, text in zip(names, answers_texts(learners, seed), strict=True):
            write_answers(hub, name, text)

        # The window: submissions at evenly spread times.
        say(f"{learners} submissions within {window:.0f} s ...")
        helper = Helper(hub)
        server_times: list[float] = []
        lock = threading.Lock()

        def through_server(name: str) -> None:
            begin = time.perf_counter()
            status, body = hub.server(name, "POST", "assignments/submit",
                                      form={"course_id": COURSE_ID, "assignment_id": A1})
            assert status == 200 and body.get("success"), body
            with lock:
                server_times.append(time.perf_counter() - begin)

        # the learners on servers are spread through the window like everyone else
        order = list(names[servers:])
        step = learners // max(1, servers)
        for index, name in enumerate(on_server):
            order.insert(index * step, name)
        threads = []
        window_start = time.perf_counter()
        for index, name in enumerate(order):
            due = window_start + window * index / learners
            time.sleep(max(0.0, due - time.perf_counter()))
            if name in on_server:
                thread = threading.Thread(target=through_server, args=(name,))
                thread.start()
                threads.append(thread)
            else:
                helper.send(name, ["submit", A1, f"--course={COURSE_ID}"])
        submitted = helper.close()
        for thread in threads:
            thread.join()
        window_done = time.perf_counter() - window_start
        failed = [r for r in submitted if r["rc"] != 0]
        times = [r["seconds"] for r in submitted] + server_times
        inbound = hub.exchange / COURSE_ID / "inbound"
        result.update({
            "submissions": len(list(inbound.iterdir())),
            "submit_failed": len(failed),
            "window_done_s": round(window_done, 1),
            "submit_s_median": round(statistics.median(times), 3),
            "submit_s_p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 3),
            "submit_s_max": round(max(times), 3),
            "submit_via_server_s_median": round(statistics.median(server_times), 3)
            if server_times else None,
        })
        for name in on_server:
            hub.stop_server(name)

        # Collect and autograde the class.
        say("collect and autograde ...")
        start = time.perf_counter()
        status, body = hub.server(instructor, "POST", f"formgrader/api/assignment/{A1}/collect",
                                  timeout=900)
        assert status == 200 and body["success"], str(body)[:2000]
        result["collect_s"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        graded = hub.as_instructor([str(hub.env_bin / "readkit"), "autograde", A1,
                                    "--jobs", str(jobs)], check=False, timeout=3600)
        seconds = time.perf_counter() - start
        result.update({
            "autograde_rc": graded.returncode,
            "autograde_s": round(seconds, 1),
            "autograde_s_per_sub": round(seconds / learners, 3),
            "gradebook_scores": int(hub.psql(
                "SELECT count(DISTINCT sa.student_id) FROM submitted_assignment sa JOIN "
                f"assignment a ON sa.assignment_id = a.id WHERE a.name = '{A1}'",
                DATABASE).strip()),
            "locked_errors": (graded.stdout + graded.stderr).count("database is locked"),
        })
    peak = sampler.stop()
    result.update({"memory_peak_gb": round(peak / 1e9, 2),
                   "memory_peak_above_idle_gb": round((peak - baseline) / 1e9, 2),
                   "wall_s": round(time.perf_counter() - started, 1)})
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hub", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--window", type=float, default=60.0, help="seconds (default: 60)")
    parser.add_argument("--servers", type=int, default=20,
                        help="learners who submit through a running JupyterLab server")
    parser.add_argument("--jobs", type=int, default=4, help="autograde workers (default: 4)")
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("benchmarks.hub makes system users: run it as root (sudo make bench-hub)",
              file=sys.stderr)
        return 2
    result = run_benchmark(args.learners, args.window, min(args.servers, args.learners),
                           args.jobs, args.seed, say=lambda line: print(line, flush=True))
    print(json.dumps(result))
    return 0 if result["gradebook_scores"] == args.learners and not result["submit_failed"] \
        else 1


if __name__ == "__main__":
    sys.exit(main())
