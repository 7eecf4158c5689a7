"""jupyter_client's side of the sandbox: a kernel manager whose kernels this process's zygote
forks (readkit.sandbox.pool), in the bubblewrap sandbox of a SandboxSpec or, for trusted code,
on the host; and the provisioner that launches them."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import Mapping

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Bool, Instance, Unicode

from readkit.sandbox.bubblewrap import SandboxSpec, kernel_environment, sandbox_available
from readkit.sandbox.pool import READY_SECONDS, KernelPool, SandboxFailure, pool_for


def _is_ipykernel(argv: list[str]) -> bool:
    return any("ipykernel" in part for part in argv)


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernel the zygote of this process forks, inside the bubblewrap
    sandbox of `sandbox_spec` (or, `sandboxed=False`, trusted code, on the host: the same
    zygote, so that the two cost the same but for the sandbox).

    `work_dir` is the notebook's folder (nbclient's cwd by default): the kernel's cwd and HOME,
    a copy of it in the sandbox. Python (ipykernel) kernels only.
    Use with nbclient: `NotebookClient(nb, km=make_kernel_manager(spec, folder)).execute()`.
    """

    sandbox_spec = Instance(SandboxSpec, args=())
    sandboxed = Bool(True, help="False: trusted code, run by the zygote without the sandbox")
    work_dir = Unicode(help="the notebook's folder: the kernel's cwd (a copy in the sandbox)")
    scratch_dir = Unicode("", help="the pool's short /tmp folder: ipc sockets, connection file")

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

    async def _async_pre_start_kernel(self, **kw):
        if not self.work_dir and kw.get("cwd"):
            # nbclient passes the notebook's folder as cwd: enough for kernel_manager_class use
            self.work_dir = os.path.abspath(kw["cwd"])
        if not self.work_dir or not os.path.isdir(self.work_dir):
            raise ValueError(f"the sandbox's work folder does not exist: {self.work_dir!r}")
        self.work_dir = os.path.realpath(self.work_dir)
        if not self.kernel_spec or not _is_ipykernel(self.kernel_spec.argv):
            raise ValueError("the sandbox runs Python (ipykernel) kernels only")
        kw["cwd"] = self.work_dir
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
        if not isinstance(self.provisioner, ZygoteProvisioner):
            self.provisioner = ZygoteProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)

    async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):
        # The zygote reports the exit at once: look every 20 ms, not 100.
        await super()._async_finish_shutdown(waittime, min(pollinterval, 0.02), restart)

    # What ZygoteProvisioner asks

    def kernel_pool(self):
        pool = pool_for(self.sandbox_spec if self.sandboxed else None, self.work_dir)
        self.scratch_dir = pool.scratch
        self.connection_file = os.path.join(pool.run_dir, "kernel.json")
        self.ip = os.path.join(pool.run_dir, "k")  # sockets are k-1 ... k-5
        return pool

    def kernel_env(self, launch_env: Mapping[str, str]) -> dict[str, str]:
        if self.sandboxed:
            kernel_env = self.kernel_spec.env if self.kernel_spec else {}
            return kernel_environment(self.sandbox_spec, self.work_dir, kernel_env)
        env = dict(launch_env)
        env.pop("JPY_PARENT_PID", None)  # the kernel's parent is the zygote
        return env

    def memory_limit(self) -> int | None:
        return self.sandbox_spec.memory_bytes if self.sandboxed else None

    def wall_limit(self) -> float | None:
        return self.sandbox_spec.wall_seconds if self.sandboxed else None


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


class ZygoteProvisioner(LocalProvisioner):
    """jupyter_client's provisioner for a kernel forked by this process's zygote."""

    pool: KernelPool | None = None
    pid: int | None = None
    sandbox_died = ""  # why, when the sandbox (not the kernel) ended this kernel

    @property
    def has_process(self) -> bool:
        return self.pid is not None

    async def pre_launch(self, **kwargs):
        km = self.parent
        self.pool = km.kernel_pool()
        try:
            self.pool.prepare(km.work_dir)  # before the connection file is written into run/
        except SandboxFailure:  # that sandbox is gone: the kernel gets a new one
            self.pool = km.kernel_pool()
            self.pool.prepare(km.work_dir)
        return await super().pre_launch(**kwargs)

    async def launch_kernel(self, cmd, **kwargs):
        km = self.parent
        env = km.kernel_env(kwargs.get("env") or {})
        # ipykernel's own arguments (-f CONNECTION_FILE, extra ones): the zygote is the launcher
        launcher = next(i for i, part in enumerate(cmd) if "ipykernel" in part)
        self.pid = self.pool.start(cmd[launcher + 1:], km.work_dir, env, km.memory_limit(),
                                   km.wall_limit())
        self.cwd = km.work_dir
        await self._sockets_bound(km)
        return self.connection_info

    async def _sockets_bound(self, km) -> None:
        """Until the kernel has bound its ipc sockets (at most READY_SECONDS): a client that
        connects earlier waits for zmq's reconnect interval (0.1 s) on each channel."""
        channels = ("shell", "iopub", "stdin", "control", "hb")
        paths = [f"{km.ip}-{getattr(km, f'{name}_port')}" for name in channels]
        deadline = time.monotonic() + READY_SECONDS
        while not all(os.path.exists(path) for path in paths):
            if time.monotonic() > deadline or self.pool.poll(self.pid) is not None:
                return  # jupyter_client reports the dead or silent kernel as usual
            await asyncio.sleep(0.005)

    async def poll(self) -> int | None:
        if self.pid is None:
            return 0
        code = self.pool.poll(self.pid)
        if code is not None and self.pool.dead and not self.sandbox_died:
            self.sandbox_died = self.pool.dead
        return code

    async def wait(self) -> int | None:
        while (code := await self.poll()) is None:
            await asyncio.sleep(0.05)
        self.pid = None
        return code

    async def send_signal(self, signum: int) -> None:
        if self.pid is None:
            return
        if signum == signal.SIGKILL:
            self.pool.kill(self.pid)
        elif signum:
            self.pool.signal(self.pid, signum)

    async def kill(self, restart: bool = False) -> None:
        if self.pid is not None:
            self.pool.kill(self.pid)

    async def terminate(self, restart: bool = False) -> None:
        await self.kill(restart)

    async def cleanup(self, restart: bool = False) -> None:
        if self.pool is not None:
            self.pool.release(self.pid or 0)
        self.pid = None
