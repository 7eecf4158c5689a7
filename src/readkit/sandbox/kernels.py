"""jupyter_client's side of the sandbox: a kernel provisioner, registered as the entry point
`readkit-sandbox` (group `jupyter_client.kernel_provisioners`), whose kernels this process's
zygote forks (readkit.sandbox.pool), in the bubblewrap sandbox its config describes or, for
trusted code, on the host; and the kernel spec that names it.

A kernel spec picks the provisioner in its metadata, with the sandbox's settings as the
provisioner's config (what `SandboxSpec.config()` gives):

    "interrupt_mode": "message",
    "metadata": {"kernel_provisioner": {"provisioner_name": "readkit-sandbox",
                                        "config": {"sandboxed": true, "memory_bytes": ...}}}

`kernel_manager(spec, ...)` makes a plain AsyncKernelManager with such a spec. The kernel's folder
is the `cwd` its start is given (nbclient, and so nbgrader's Execute, gives the notebook's
folder). Python (ipykernel) kernels only: the zygote has imported ipykernel already.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Bool, Dict, Float, Instance, Integer, List, Unicode

from readkit.sandbox.bubblewrap import SandboxSpec, kernel_environment, sandbox_available
from readkit.sandbox.pool import READY_SECONDS, KernelPool, SandboxFailure, pool_for

PROVISIONER = "readkit-sandbox"  # its entry point's name (pyproject.toml)
# After a shutdown request, how long one poll waits for the zygote's exit notice: the kernel
# exits within tens of milliseconds, and jupyter_client would otherwise look every 100 ms.
EXIT_NOTICE_SECONDS = 1.0


def _is_ipykernel(argv: list[str]) -> bool:
    return any("ipykernel" in part for part in argv)


def sandboxed_kernel_spec(base: KernelSpec, spec: SandboxSpec, sandboxed: bool = True
                          ) -> KernelSpec:
    """`base` (a Python kernel's spec) run by the sandbox's provisioner with `spec`'s settings
    (`sandboxed=False`: trusted code, by the same zygote on the host, without the sandbox).
    Interrupts go as messages: the kernel is in its own session, out of reach of a signal to a
    process group."""
    if not _is_ipykernel(base.argv):
        raise ValueError(f"the sandbox runs Python (ipykernel) kernels only, not {base.argv!r}")
    provisioner = {"provisioner_name": PROVISIONER,
                   "config": {"sandboxed": sandboxed, **spec.config()}}
    return KernelSpec(**{**base.trait_values(), "interrupt_mode": "message",
                         "metadata": {**base.metadata, "kernel_provisioner": provisioner}})


class SandboxKernelSpecs(KernelSpecManager):
    """The kernel specs found as usual, each run in the sandbox of `sandbox_spec`."""

    sandbox_spec = Instance(SandboxSpec, args=())
    sandboxed = Bool(True, help="False: trusted code, run by the zygote without the sandbox")

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return sandboxed_kernel_spec(super().get_kernel_spec(kernel_name), self.sandbox_spec,
                                     self.sandboxed)


def kernel_manager(spec: SandboxSpec, kernel_name: str = "python3", sandboxed: bool = True,
                   **kw: Any) -> AsyncKernelManager:
    """A kernel manager whose kernel runs in the sandbox of `spec` (raises when no sandbox can
    be made here), or with `sandboxed=False` on the host with spec's environment only.

    Use with nbclient: `NotebookClient(nb, km=kernel_manager(spec), resources={"metadata":
    {"path": folder}}).execute()`; or `await km.start_kernel(cwd=folder)`.
    """
    if sandboxed and (reason := sandbox_available()):
        raise RuntimeError(reason)
    specs = SandboxKernelSpecs(sandbox_spec=spec, sandboxed=sandboxed, config=kw.get("config"))
    return AsyncKernelManager(kernel_name=kernel_name, kernel_spec_manager=specs, **kw)


class SandboxProvisioner(LocalProvisioner):
    """jupyter_client's provisioner for a kernel forked by this process's zygote.

    Its traits are the kernel spec's provisioner config: `sandboxed` and SandboxSpec's fields.
    """

    sandboxed = Bool(True, config=True, help="False: trusted code, on the host, no sandbox")
    read_only = List(Unicode(), config=True, help="host paths bound read-only at the same path")
    python_paths = List(Unicode(), config=True,
                        help="the interpreter's install and venv (default: this process's)")
    memory_bytes = Integer(SandboxSpec.memory_bytes, config=True,
                           help="each process's address-space limit")
    wall_seconds = Float(SandboxSpec.wall_seconds, config=True, help="the kernel's lifetime")
    tmp_bytes = Integer(SandboxSpec.tmp_bytes, config=True, help="size of each RAM folder")
    env = Dict(value_trait=Unicode(), config=True, help="the kernel's environment, added last")

    pool: KernelPool | None = None
    pid: int | None = None
    sandbox_died = ""  # why, when the sandbox (not the kernel) ended this kernel
    shutting_down = False

    @property
    def sandbox_spec(self) -> SandboxSpec:
        paths = {"python_paths": tuple(self.python_paths)} if self.python_paths else {}
        return SandboxSpec(read_only=tuple(self.read_only), memory_bytes=self.memory_bytes,
                           wall_seconds=self.wall_seconds, tmp_bytes=self.tmp_bytes,
                           env=dict(self.env), **paths)

    @property
    def has_process(self) -> bool:
        return self.pid is not None

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        folder = kwargs.get("cwd")
        if not folder or not os.path.isdir(folder):
            raise ValueError(f"the sandbox's work folder does not exist: {folder!r} (start the "
                             "kernel with cwd=the notebook's folder)")
        if not _is_ipykernel(self.kernel_spec.argv):
            raise ValueError("the sandbox runs Python (ipykernel) kernels only")
        self.cwd = kwargs["cwd"] = os.path.realpath(folder)
        spec = self.sandbox_spec if self.sandboxed else None
        self.pool = pool_for(spec)
        try:
            self.pool.prepare(self.cwd)  # before the connection file is written into run/
        except SandboxFailure:  # that sandbox is gone: the kernel gets a new one
            self.pool = pool_for(spec)
            self.pool.prepare(self.cwd)
        # The sandbox has no network: its kernel's sockets are files in the pool's run folder,
        # which it shares with this process, and so is the connection file.
        km = self.parent
        km.transport = "ipc"
        km.connection_file = os.path.join(self.pool.run_dir, "kernel.json")
        km.ip = os.path.join(self.pool.run_dir, "k")  # sockets are k-1 ... k-5
        return await super().pre_launch(**kwargs)

    def _kernel_env(self, launch_env: dict[str, str], cwd: str) -> dict[str, str]:
        if self.sandboxed:
            return kernel_environment(self.sandbox_spec, cwd, self.kernel_spec.env)
        env = {**launch_env, **self.env}
        env.pop("JPY_PARENT_PID", None)  # the kernel's parent is the zygote
        return env

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict:
        cwd = self.pool.kernel_cwd(self.cwd)
        env = self._kernel_env(kwargs.get("env") or {}, cwd)
        # ipykernel's own arguments (-f CONNECTION_FILE, extra ones): the zygote is the launcher
        launcher = next(i for i, part in enumerate(cmd) if "ipykernel" in part)
        limits = (self.memory_bytes, self.wall_seconds) if self.sandboxed else (None, None)
        self.pid = self.pool.start(cmd[launcher + 1:], cwd, env, *limits)
        self.shutting_down = False
        await self._sockets_bound()
        return self.connection_info

    async def _sockets_bound(self) -> None:
        """Until the kernel has bound its ipc sockets (at most READY_SECONDS): a client that
        connects earlier waits for zmq's reconnect interval (0.1 s) on each channel."""
        info = self.connection_info
        ports = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
        paths = [f"{info['ip']}-{info[port]}" for port in ports]
        deadline = time.monotonic() + READY_SECONDS
        while not all(os.path.exists(path) for path in paths):
            if time.monotonic() > deadline or self.pool.poll(self.pid) is not None:
                return  # jupyter_client reports the dead or silent kernel as usual
            await asyncio.sleep(0.005)

    async def shutdown_requested(self, restart: bool = False) -> None:
        self.shutting_down = True

    def _poll_now(self) -> int | None:
        code = self.pool.poll(self.pid)
        if code is not None and self.pool.dead and not self.sandbox_died:
            self.sandbox_died = self.pool.dead
        return code

    async def poll(self) -> int | None:
        """The kernel's exit code, None while it runs. Once its shutdown was asked for, waits up
        to EXIT_NOTICE_SECONDS for the zygote's exit notice, so that the manager learns of the
        exit the moment it happens."""
        if self.pid is None:
            return 0
        code = self._poll_now()
        if code is None and self.shutting_down:
            await self._notice(EXIT_NOTICE_SECONDS)
            code = self._poll_now()
        return code

    async def _notice(self, timeout: float) -> None:
        """Until the zygote has written something (an exit notice) or `timeout` has passed."""
        loop = asyncio.get_running_loop()
        written = loop.create_future()

        def readable() -> None:
            if not written.done():
                written.set_result(None)

        try:
            fd = self.pool.notices
            loop.add_reader(fd, readable)
        except (NotImplementedError, OSError, ValueError):  # no selector loop, or pipe closed
            await asyncio.sleep(0.01)
            return
        try:
            await asyncio.wait_for(written, timeout)
        except TimeoutError:
            pass
        finally:
            loop.remove_reader(fd)

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
