"""The client side of cluster grading: one Dask task per submission, results as they arrive.

Dask reruns a task whose worker died on another worker (up to the scheduler's
``distributed.scheduler.allowed-failures``; set it to 1 for exactly one retry). A submission
whose every attempt lost its worker becomes ``crashed``, and the batch goes on. A worker that
cannot grade at all (another kit version, no sandbox, missing data) stops the batch with a
``ClusterError``: results already written stay, and ``--resume`` goes on from them.
"""

from __future__ import annotations

import dataclasses
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

from autograder.config import GradingConfig
from autograder.errors import ClusterError, GradesError, KitError, SubmissionError
from autograder.grade import intake, plan
from autograder.grade.cluster import shipment as shipments
from autograder.grade.pipeline import GradingOptions
from autograder.results import Status, SubmissionResult

CONNECT_TIMEOUT_S = 30
WORKERS_TIMEOUT_S = 120  # how long a batch waits for the cluster's first worker


def grade_on_cluster(
    scheduler: str,
    *,
    options: GradingOptions,
    config: GradingConfig,
    autograder_dir: Path,
    todo: list[intake.Submission],
) -> Iterator[SubmissionResult]:
    """Grade ``todo`` on the cluster at ``scheduler`` (an address such as ``tcp://host:8786``
    or a scheduler file), yielding each result as it arrives."""
    unsent = _Unsent(options, autograder_dir)
    client = connect(scheduler)
    futures: dict = {}
    batch = uuid.uuid4().hex[:12]  # task keys unique to this batch: Dask merges equal keys
    try:
        from distributed import as_completed

        shipment = client.scatter(
            [shipments.pack(options=dataclasses.asdict(options), config=config,
                            autograder_dir=autograder_dir)],
            broadcast=True, hash=False,
        )[0]  # fmt: skip
        from autograder.grade.cluster.worker import grade_task

        for submission in todo:
            try:
                data = intake.read_bytes(submission.path)
            except SubmissionError as exc:
                yield unsent.result(submission, Status.INVALID, str(exc))
                continue
            future = client.submit(
                grade_task, shipments.job(submission, data), shipment,
                key=f"kit-grade-{batch}-{submission.submission_id}", pure=False,
            )  # fmt: skip
            futures[future] = submission
        for future in as_completed(list(futures), loop=client.loop):
            yield _result_of(future, futures.pop(future), unsent)
    finally:
        if futures:  # stopped early: nothing of this batch keeps running on the cluster
            client.cancel(list(futures), force=True)
        client.close()


def connect(scheduler: str):
    """A Dask client for ``scheduler`` with at least one worker, or ``ClusterError``."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("grading on a cluster needs Dask: pip install -e '.[cluster]'") from None
    _reachable(scheduler)
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


def _reachable(scheduler: str) -> None:
    """Fail in seconds, not after Dask's connect timeout, on a scheduler that is not there."""
    if "://" not in scheduler:
        if not Path(scheduler).is_file():
            raise ClusterError(f"no Dask scheduler file {scheduler} (dask scheduler "
                               "--scheduler-file writes it)")  # fmt: skip
        return
    scheme, _, rest = scheduler.partition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("tcp", "tls") or not port.isdigit():
        return  # another transport: Dask says what is wrong
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=10).close()
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None


def _result_of(future, submission: intake.Submission, unsent: _Unsent) -> SubmissionResult:
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
    if result.submission != submission.submission_id:
        raise ClusterError(f"a worker returned {result.submission!r} for {submission.path}")
    return dataclasses.replace(result, who=submission.who, file=submission.file_name)


class _Unsent:
    """Results the client writes itself: a file it could not read, a task no worker finished."""

    def __init__(self, options: GradingOptions, autograder_dir: Path) -> None:
        self.possible = plan.question_points(autograder_dir, options.assignment)
        self.build = plan.build_fingerprint(autograder_dir)
        stamp = plan.build_stamp(autograder_dir, options.assignment)
        self.term = stamp.get("term", options.term)

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
        )
