"""Kernel start (until ready) and shutdown times: sandboxed vs a plain AsyncKernelManager.

    .venv/bin/python -m benchmarks.sandbox [STARTS]

Prints the median and range of STARTS (default 5) starts of each, alternating so that load from
elsewhere on the machine falls on both.
"""

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

import readkit
from readkit.sandbox.bubblewrap import SandboxSpec
from readkit.sandbox.kernels import kernel_manager


async def start_and_stop(km, folder: str) -> tuple[float, float]:
    start = time.perf_counter()
    await km.start_kernel(cwd=folder)
    client = km.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    ready = time.perf_counter() - start
    client.stop_channels()
    start = time.perf_counter()
    await km.shutdown_kernel()
    return ready, time.perf_counter() - start


def summary(name: str, times: list[tuple[float, float]]) -> str:
    ready, stop = zip(*times, strict=True)
    return (
        f"{name:10} ready {statistics.median(ready):.2f} s (min {min(ready):.2f}, max "
        f"{max(ready):.2f}); shutdown {statistics.median(stop):.2f} s (max {max(stop):.2f})"
    )


async def main(starts: int) -> None:
    spec = SandboxSpec(read_only=(str(Path(readkit.__file__).resolve().parents[1]),))
    results: dict[str, list[tuple[float, float]]] = {"plain": [], "sandboxed": []}
    with tempfile.TemporaryDirectory() as work:
        for _ in range(starts):
            results["plain"].append(await start_and_stop(AsyncKernelManager(), work))
            results["sandboxed"].append(await start_and_stop(kernel_manager(spec), work))
    for name, times in results.items():
        print(summary(name, times))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
