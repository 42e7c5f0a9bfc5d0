"""A Dask cluster on this machine, from this environment's ``dask`` command: a scheduler on
loopback and ``workers`` one-thread workers, as the README's one-machine recipe starts them.
For tests and benchmarks; a real cluster is started by its operators (README: Slurm)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import ClusterError


@dataclass
class LoopbackCluster:
    scheduler_file: Path
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)  # name -> process

    def kill_worker(self, name: str) -> None:
        """SIGKILL one worker (its own process group), as a machine that fails would."""
        os.killpg(self.workers[name].pid, signal.SIGKILL)


@contextlib.contextmanager
def loopback_cluster(
    folder: Path, *, workers: int = 2, allowed_failures: int = 1, timeout_s: float = 120
) -> Iterator[LoopbackCluster]:
    """Start the cluster with logs in ``folder``; stop every process of it on exit."""
    dask = str(Path(sys.executable).parent / "dask")
    cluster = LoopbackCluster(folder / "scheduler.json")
    processes = [_start(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(cluster.scheduler_file)],
        folder / "scheduler.log",
        DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=str(allowed_failures),
    )]  # fmt: skip
    try:
        deadline = time.monotonic() + timeout_s
        while not cluster.scheduler_file.exists():
            if time.monotonic() > deadline or processes[0].poll() is not None:
                raise ClusterError(f"the scheduler did not start: see {folder / 'scheduler.log'}")
            time.sleep(0.2)
        for number in range(1, workers + 1):
            name = f"w{number}"
            cluster.workers[name] = _start(
                [dask, "worker", "--scheduler-file", str(cluster.scheduler_file), "--name", name,
                 "--nthreads", "1", "--no-nanny", "--no-dashboard"],
                folder / f"{name}.log",
            )  # fmt: skip
            processes.append(cluster.workers[name])
        yield cluster
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _start(argv: list[str], log: Path, **env: str) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            argv, stdout=output, stderr=subprocess.STDOUT, cwd=log.parent,
            env={**os.environ, **env}, start_new_session=True,
        )  # fmt: skip
