"""The client side of cluster grading: one Dask task per submission, results as they arrive.

Dask reruns a task whose worker died on another worker (up to the scheduler's
``distributed.scheduler.allowed-failures``; set it to 1 for exactly one retry). A submission
whose every attempt lost its worker becomes ``crashed``, and the batch goes on. A worker that
cannot grade at all (another kit version, no sandbox, missing data) stops the batch with a
``ClusterError``: results already written stay, and ``--resume`` goes on from them.

Dask's channel runs pickles between trusted processes: anyone who can reach a plain ``tcp://``
scheduler or worker can run code there. So a scheduler on another host must be ``tls://``
(certificates from Dask's configuration) unless ``KIT_CLUSTER_ALLOW_TCP=1`` says the network is
private.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from autograder.config import GradingConfig
from autograder.errors import ClusterError, GradesError, KitError, SubmissionError
from autograder.files import sha256_bytes
from autograder.grade import intake, plan
from autograder.grade.batch_setup import GradingOptions
from autograder.grade.cluster import shipment as shipments
from autograder.results import Status, SubmissionResult

CONNECT_TIMEOUT_S = 30
WORKERS_TIMEOUT_S = 120  # how long a batch waits for the cluster's first worker
IN_FLIGHT = 64  # submissions handed to the cluster at once (each task carries its file)
ALLOW_TCP = "KIT_CLUSTER_ALLOW_TCP"


def grade_on_cluster(
    scheduler: Any,
    *,
    options: GradingOptions,
    config: GradingConfig,
    autograder_dir: Path,
    todo: list[intake.Submission],
) -> Iterator[SubmissionResult]:
    """Grade ``todo`` on the cluster at ``scheduler`` (an address such as ``tls://host:8786``,
    a scheduler file, or a connected ``distributed.Client``, which is left open), yielding each
    result as it arrives."""
    from distributed import as_completed

    from autograder.grade.cluster.worker import grade_task, received

    unsent = _Unsent(options, autograder_dir)
    own = isinstance(scheduler, str)
    client = connect(scheduler) if own else scheduler
    futures: dict = {}
    batch = uuid.uuid4().hex[:12]  # task keys unique to this batch: Dask merges equal keys
    try:
        packed = shipments.pack(options=dataclasses.asdict(options), config=config,
                                autograder_dir=autograder_dir)  # fmt: skip
        # a task, not scattered data: if every worker holding it dies, it is made again
        shipment = client.submit(received, packed, key=f"kit-shipment-{batch}", pure=False)
        waiting = iter(todo)
        running = as_completed([], loop=client.loop)
        unreadable: list[SubmissionResult] = []

        def fill() -> None:
            """Keep ``IN_FLIGHT`` submissions on the cluster (a file that cannot be read costs
            no task: its result is made here)."""
            while len(futures) < IN_FLIGHT:
                submission = next(waiting, None)
                if submission is None:
                    return
                try:
                    data = intake.read_bytes(submission.path)
                except SubmissionError as exc:
                    unreadable.append(unsent.result(submission, Status.INVALID, str(exc)))
                    continue
                future = client.submit(
                    grade_task, shipments.job(submission, data), shipment,
                    key=f"kit-grade-{batch}-{submission.submission_id}", pure=False,
                )  # fmt: skip
                futures[future] = (submission, sha256_bytes(data))
                running.add(future)

        fill()
        yield from _drained(unreadable)
        for future in running:
            submission, digest = futures.pop(future)
            yield _result_of(future, submission, digest, unsent)
            fill()
            yield from _drained(unreadable)
    finally:
        if futures:  # stopped early: nothing of this batch keeps running on the cluster
            client.cancel(list(futures), force=True)
        if own:
            client.close()


def _drained(results: list[SubmissionResult]) -> Iterator[SubmissionResult]:
    while results:
        yield results.pop(0)


def connect(scheduler: str):
    """A Dask client for ``scheduler`` with at least one worker, or ``ClusterError``."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("grading on a cluster needs Dask: pip install -e '.[cluster]'") from None
    address = _address(scheduler)
    _reachable(address)
    where = {"address": scheduler} if "://" in scheduler else {"scheduler_file": scheduler}
    try:
        client = Client(**where, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ClusterError(f"the Dask scheduler {scheduler} has no worker ({exc})") from None
    return client


def _address(scheduler: str) -> str:
    """The scheduler's address, from a scheduler file if that is what was given."""
    if "://" in scheduler:
        return scheduler
    try:
        return str(json.loads(Path(scheduler).read_text(encoding="utf-8"))["address"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ClusterError(f"no Dask scheduler file {scheduler} (dask scheduler "
                           "--scheduler-file writes it)") from None  # fmt: skip


def _reachable(address: str) -> None:
    """Fail in seconds, not after Dask's connect timeout, on a scheduler that is not there;
    refuse plain TCP to another host (no authentication: ``ALLOW_TCP`` overrides)."""
    scheme, _, rest = address.partition("://")
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    if scheme == "tcp" and not _loopback(host) and os.environ.get(ALLOW_TCP) != "1":
        raise ClusterError(
            f"{address} is plain TCP to another host: whoever can reach the cluster can run "
            "code on its workers; use tls:// (README: Grading on a cluster) or, on a private "
            f"network, set {ALLOW_TCP}=1"
        )
    if scheme not in ("tcp", "tls") or not port.isdigit():
        return  # another transport: Dask says what is wrong
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=10).close()
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler {address}: {exc}") from None


def _loopback(host: str) -> bool:
    try:
        return host in ("", "localhost") or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _result_of(
    future, submission: intake.Submission, digest: str, unsent: _Unsent
) -> SubmissionResult:
    """The finished task's result, checked like any results.json; a task that lost every
    worker it ran on is ``crashed``; any other failure is the worker's, and stops the batch."""
    from distributed import KilledWorker

    try:
        data = future.result()
    except KilledWorker as exc:
        return unsent.result(
            submission, Status.CRASHED,
            f"every grading worker it ran on died ({exc.allowed_failures + 1} tries); "
            "regrade it with --resume once the workers are healthy",
        )  # fmt: skip
    except KitError as exc:
        raise ClusterError(f"a worker cannot grade: {exc}") from None
    except Exception as exc:
        raise ClusterError(f"a worker failed: {type(exc).__name__}: {exc}") from None
    try:
        result = SubmissionResult.from_gradescope(data)
    except GradesError as exc:
        raise ClusterError(f"a worker returned no result: {exc}") from None
    if result.submission != submission.submission_id or result.build != unsent.build:
        raise ClusterError(f"a worker returned {result.submission!r} (build {result.build!r}) "
                           f"for {submission.path}")  # fmt: skip
    if result.assignment != unsent.assignment:
        raise ClusterError(f"a worker graded {submission.path} as {result.assignment!r}")
    if result.fingerprint not in ("", digest):
        raise ClusterError(f"a worker graded other bytes than {submission.path}")
    return dataclasses.replace(result, who=submission.who, file=submission.file_name)


class _Unsent:
    """Results the client writes itself: a file it could not read, a task no worker finished."""

    def __init__(self, options: GradingOptions, autograder_dir: Path) -> None:
        self.possible = plan.question_points(autograder_dir, options.assignment)
        self.build = plan.build_fingerprint(autograder_dir)
        stamp = plan.build_stamp(autograder_dir, options.assignment)
        self.term = stamp.get("term", options.term)
        self.assignment = options.assignment

    def result(
        self, submission: intake.Submission, status: Status, reason: str
    ) -> SubmissionResult:
        return SubmissionResult.ungraded(
            submission=submission.submission_id,
            who=submission.who,
            file=submission.file_name,
            fingerprint="",
            status=status,
            reason=" ".join(reason.split())[:300],
            possible=self.possible,
            build=self.build,
            term=self.term,
            assignment=self.assignment,
        )
