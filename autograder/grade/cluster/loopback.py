"""A Dask cluster on this machine, from this environment's ``dask`` command, as the README's
one-machine recipe starts it: a scheduler and ``workers`` one-thread workers on loopback, with
TLS both ways (a throw-away certificate in ``folder``: no other local user can connect), one
retry per task and one task per thread at a time. For tests and benchmarks; a real cluster is
started by its operators (README: Slurm)."""

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
    folder: Path
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)  # name -> process

    @property
    def scheduler_file(self) -> Path:
        return self.folder / "scheduler.json"

    @property
    def tls_files(self) -> dict[str, str]:
        return {part: str(self.folder / f"cluster.{part}") for part in ("pem", "key")}

    def client_environment(self) -> dict[str, str]:
        """Dask configuration (as variables) for a client of this cluster: its certificate."""
        pem, key = self.tls_files["pem"], self.tls_files["key"]
        return {
            "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": pem,
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": pem,
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": key,
            "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
        }

    def security(self):
        from distributed.security import Security

        pem, key = self.tls_files["pem"], self.tls_files["key"]
        return Security(tls_ca_file=pem, tls_client_cert=pem, tls_client_key=key,
                        require_encryption=True)  # fmt: skip

    def kill_worker(self, name: str) -> None:
        """SIGKILL one worker (its own process group), as a machine that fails would."""
        os.killpg(self.workers[name].pid, signal.SIGKILL)


@contextlib.contextmanager
def loopback_cluster(
    folder: Path, *, workers: int = 2, allowed_failures: int = 1, timeout_s: float = 120
) -> Iterator[LoopbackCluster]:
    """Start the cluster with logs in ``folder``; stop every process of it on exit."""
    dask = str(Path(sys.executable).parent / "dask")
    cluster = LoopbackCluster(folder)
    _write_certificate(cluster.tls_files)
    tls = ["--tls-ca-file", cluster.tls_files["pem"], "--tls-cert", cluster.tls_files["pem"],
           "--tls-key", cluster.tls_files["key"]]  # fmt: skip
    settings = {
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(allowed_failures),
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",  # queued tasks stay queued
    }
    processes = [_start(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--protocol", "tls",
         "--no-dashboard", "--scheduler-file", str(cluster.scheduler_file), *tls],
        folder / "scheduler.log", **settings,
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
                 "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny", "--no-dashboard", *tls],
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
        from autograder.grade.batch_setup import sweep_stale_batches

        sweep_stale_batches()  # what a killed worker left: its batch folders, mounts, cgroups


def _write_certificate(files: dict[str, str]) -> None:
    """A fresh self-signed certificate (its own authority) and key, readable by this user only."""
    from distributed.security import Security

    temporary = Security.temporary()
    for part, text in (("pem", temporary.tls_ca_file), ("key", temporary.tls_client_key)):
        path = Path(files[part])
        path.touch(mode=0o600)
        path.write_text(text, encoding="utf-8")


def _start(argv: list[str], log: Path, **env: str) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            argv, stdout=output, stderr=subprocess.STDOUT, cwd=log.parent,
            env={**os.environ, **env}, start_new_session=True,
        )  # fmt: skip
