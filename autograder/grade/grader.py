"""A batch's grader on this machine: its set-up (``batch_setup``), its lanes (``lanes``) and the
pool that feeds them submissions, each graded by the pipeline (``pipeline.grade_one``). Used by a
local batch and, the same way, by each worker of a cluster."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from autograder.config import GradingConfig
from autograder.grade import intake
from autograder.grade.batch_setup import GradingOptions, close_batch, open_batch
from autograder.grade.isolation.run import kill_all_jails
from autograder.grade.lanes import Lane, make_lanes
from autograder.grade.pipeline import grade_one
from autograder.results import SubmissionResult


class LocalGrader:
    """One batch's build, limits and lanes: ``grade`` grades one submission, from any number
    of threads (``jobs`` run at once, the rest wait for a free lane)."""

    def __init__(
        self,
        *,
        config: GradingConfig,
        options: GradingOptions,
        autograder_dir: Path,
        jobs: int,
        cpu_quota: float | None = None,
    ) -> None:
        self.jobs = jobs
        self.batch = open_batch(config=config, options=options, autograder_dir=autograder_dir,
                                jobs=jobs, cpu_quota=cpu_quota)  # fmt: skip
        self.root = self.batch.root
        self.stopping = threading.Event()
        self.every_lane, self.verdicts = make_lanes(self.batch, jobs, self.stopping)
        self.lanes: queue.SimpleQueue[Lane] = queue.SimpleQueue()
        for lane in self.every_lane:
            self.lanes.put(lane)

    def grade(self, submission: intake.Submission) -> SubmissionResult:
        """Grade one submission on a free lane (never raises: see ``grade_one``)."""
        lane = self.lanes.get()
        try:
            return grade_one(self.batch, submission, lane)
        finally:
            self.lanes.put(lane)

    def grade_all(self, todo: list[intake.Submission]) -> Iterator[SubmissionResult]:
        """Grade ``todo`` on ``jobs`` lanes, yielding each result as it is known; closes the
        grader at the end (or when the caller stops early: every jail is killed)."""
        pool = ThreadPoolExecutor(max_workers=self.jobs)
        try:
            futures = [pool.submit(self.grade, s) for s in todo]
            for future in as_completed(futures):
                yield future.result()  # grade_one never raises
        except BaseException:  # interrupted: no jail may outlive the grader
            self.stopping.set()  # no lane starts a jail again, no verdict begins
            pool.shutdown(wait=False, cancel_futures=True)
            kill_all_jails()
            raise
        finally:
            pool.shutdown(wait=True)
            self.close()

    def close(self) -> None:
        for lane in self.every_lane:
            lane.close()
        for verdict in self.verdicts:
            verdict.close()
        close_batch(self.root)
