"""Benchmark: the warm pipeline against the cold one and sequential `otter run`, in one run.

For each assignment (mlp, word2vec, sentence_embeddings) it grades the original sample notebooks
(plus the built solution; 8 for mlp) with `autograder grade` on the warm path (a sandbox
template per lane, a verdict worker per two lanes); for mlp also with `--cold` (fresh jailed
processes per submission) and one by one with `otter run` and the otter autograder zip from
`autograder build`, under the same grading budget (a sitecustomize patches Keras for otter as
the sandbox harness does). Prints, per assignment: median and p95 seconds per submission once
its lane is warm, the first submission's latency, the lanes' cold-start seconds, wall time, peak
memory per job (PSS of the grader's whole process tree, sampled, divided by jobs), the
throughput ratios, and the kit's overhead per submission: sandbox seconds beyond the notebook's
own cells, verdict seconds (median, p95), and all of it against the cells' own seconds.

Then a *class* (skip with ``--no-class``): 30 mlp notebooks that share the reference
architecture and settings, each with its own small differences elsewhere (generated here), as
a TA's first batch on an empty budget store sees it. Every run uses an empty store of its own.
``--lanes-per-verdict 1`` gives each lane its own verdict worker (the old layout), for
comparing memory per job.

    .venv/bin/python benchmarks/grading.py [--jobs 2] [--assignment mlp ...] [--no-otter]
                                           [--cluster] [--no-class] [--lanes-per-verdict N]

``--cluster`` also grades mlp on a loopback Dask cluster of ``--jobs`` one-thread workers and
prints its overhead per submission against the local ``--jobs`` pool.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import paths  # noqa: E402
from autograder.config import load_config  # noqa: E402
from autograder.grade.batch import grade_batch  # noqa: E402
from autograder.grade.sandbox.budget import write_budget_sitecustomize  # noqa: E402

ASSIGNMENTS = ("mlp", "word2vec", "sentence_embeddings")


def submissions(folder: Path, assignment: str) -> list[Path]:
    """The original fixtures plus the built solution, at least 8 notebooks (the accuracy
    corpus's ``alt_*``/``bug_*`` cases are left out so figures stay comparable across runs)."""
    cfg = load_config()
    folder.mkdir(parents=True)
    files = sorted(
        p
        for p in (paths.SAMPLE_SUBMISSIONS_DIR / assignment).glob("*.ipynb")
        if not p.name.startswith(("alt_", "bug_"))
    )
    autograder_dir = paths.BUILD_DIR / cfg.course.term / assignment / "autograder"
    files.append(autograder_dir / f"{assignment}.ipynb")
    while len(files) < 8:
        files.append(files[0])
    for i, file in enumerate(files):
        shutil.copyfile(file, folder / f"s{i:02d}_{file.stem}.ipynb")
    return sorted(folder.glob("*.ipynb"))


def tree_memory_mb(pid: int, *, pss: bool = False) -> float:
    """Memory of a process and all its descendants (psutil), in MB: resident, or proportional
    (PSS: a page shared by a template and its children counts once in all)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_full_info().pss if pss else proc.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


class PeakSampler:
    """Sample the PSS of this process's children (the grader's jails) in a thread."""

    def __init__(self, interval_s: float = 0.5) -> None:
        self.peak, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval_s,), daemon=True)

    def _run(self, interval_s: float) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.wait(interval_s):
            total = sum(tree_memory_mb(child.pid, pss=True) for child in me.children())
            self.peak = max(self.peak, total)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


def otter_run(notebook: Path, zip_path: Path, out: Path, site: Path) -> tuple[float, float]:
    """Seconds and peak resident memory (MB, whole process tree) of one `otter run`."""
    env = {**os.environ, "PYTHONPATH": str(site), "TF_USE_LEGACY_KERAS": "1"}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "otter", "run", "-a", str(zip_path), "-o", str(out), str(notebook)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=out,
    )
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_memory_mb(proc.pid))
        time.sleep(0.2)
    return time.monotonic() - started, peak


def otter_total(results_file: Path) -> float | None:
    """otter run's results.json has per-question scores and no total; None if it wrote none."""
    if not results_file.exists():
        return None
    tests = json.loads(results_file.read_text()).get("tests", [])
    return round(sum(t["score"] for t in tests if "score" in t), 4)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclasses.dataclass
class KitRun:
    label: str
    wall: float
    results: list
    peak_per_job_mb: float

    def overhead(self) -> str:
        """What the kit adds to the notebook's own cells, per submission: in the sandbox
        (its seconds minus the cells' own) and after it (the verdict, with the host's little
        bookkeeping and any wait for a shared verdict worker), and in all against the cells."""
        graded = [r for r in self.results if r.sandbox_seconds is not None and r.cells]
        if not graded:
            return "  (no submission ran its cells)"
        cells = [sum(c.seconds for c in r.cells) for r in graded]
        sandbox = [r.sandbox_seconds - c for r, c in zip(graded, cells, strict=True)]
        verdict = [r.seconds - (r.startup_seconds or 0) - r.sandbox_seconds for r in graded]
        kit = sum(sandbox) + sum(verdict)
        return (
            f"  {'':<22} overhead per submission: sandbox beyond the cells median "
            f"{statistics.median(sandbox):.2f} s, p95 {p95(sandbox):.2f} s; verdict median "
            f"{statistics.median(verdict):.2f} s, p95 {p95(verdict):.2f} s; kit overhead "
            f"{100 * kit / sum(cells):.0f}% of the cells' own {statistics.median(cells):.1f} s "
            "(median)"
        )

    def report(self, jobs: int) -> str:
        steady = [r.seconds - (r.startup_seconds or 0) for r in self.results]
        firsts = [r.seconds for r in self.results if r.startup_seconds]
        starts = [r.startup_seconds for r in self.results if r.startup_seconds]
        line = (
            f"  {self.label:<22} wall {self.wall:6.1f} s; per submission median "
            f"{statistics.median(steady):5.1f} s, p95 {p95(steady):5.1f} s"
        )
        if starts:
            line += (
                f"; cold start {statistics.median(starts):.1f} s per lane, first submission "
                f"{statistics.median(firsts):.1f} s"
            )
        return line + f"; peak {self.peak_per_job_mb:.0f} MB per job (PSS)"


def grade_with_kit(
    folder: Path, assignment: str, jobs: int, out: Path, *, cold: bool, scheduler=None
) -> KitRun:
    with PeakSampler() as sampler:
        started = time.monotonic()
        results = grade_batch([folder], assignment=assignment, jobs=jobs, out=out,
                              progress=False, cold=cold, scheduler=scheduler)  # fmt: skip
        wall = time.monotonic() - started
    label = "autograder grade --cold" if cold else "autograder grade"
    if scheduler:
        label = f"dask, {jobs} local workers"
    return KitRun(label, wall, results, sampler.peak / jobs)


def grade_on_loopback_cluster(folder: Path, assignment: str, jobs: int, work: Path) -> KitRun:
    """The same batch on a Dask cluster of ``jobs`` one-thread workers on this machine (the
    workers' memory is outside the sampled tree: no peak is printed for it)."""
    from distributed import Client

    from autograder.grade.cluster.loopback import loopback_cluster

    (work / "cluster").mkdir(parents=True)
    with loopback_cluster(work / "cluster", workers=jobs) as cluster:
        with Client(scheduler_file=str(cluster.scheduler_file), timeout=60,
                    security=cluster.security()) as client:  # fmt: skip
            client.wait_for_workers(jobs, timeout=120)
            return grade_with_kit(folder, assignment, jobs, work / "dask", cold=False,
                                  scheduler=client)  # fmt: skip


def grade_with_otter(notebooks: list[Path], assignment: str, work: Path) -> tuple[float, list]:
    cfg = load_config()
    term_dir = paths.BUILD_DIR / cfg.course.term / assignment / "autograder"
    zip_path = term_dir / f"{assignment}-otter-autograder.zip"
    budget = dataclasses.asdict(cfg.assignment(assignment).budget)
    site = write_budget_sitecustomize(work / "site", budget)
    seconds, peaks, scores = [], [], []
    started = time.monotonic()
    for notebook in notebooks:
        out = work / "otter" / notebook.stem
        out.mkdir(parents=True)
        took, peak = otter_run(notebook, zip_path, out, site)
        seconds.append(took)
        peaks.append(peak)
        scores.append(otter_total(out / "results.json"))
    wall = time.monotonic() - started
    print(
        f"  {'otter run, sequential':<22} wall {wall:6.1f} s; per submission median "
        f"{statistics.median(seconds):5.1f} s, p95 {p95(seconds):5.1f} s; "
        f"peak {statistics.median(peaks):.0f} MB median (RSS)"
    )
    return wall, scores


CLASS_SIZE = 30


def class_submissions(folder: Path, count: int = CLASS_SIZE) -> list[Path]:
    """A class: ``count`` mlp notebooks that all build the reference architecture with the
    reference settings (the built solution's model, compile and budget), each written with its
    own small differences elsewhere, as students do: a note, another plot grid or figure size,
    a look at the data, ``model.summary()``, the weights' shape shown instead of the array."""
    import random

    cfg = load_config()
    source = paths.BUILD_DIR / cfg.course.term / "mlp" / "autograder" / "mlp.ipynb"
    base = json.loads(source.read_text())
    folder.mkdir(parents=True)
    for i in range(count):
        rng = random.Random(i)
        notebook = json.loads(json.dumps(base))
        cells = notebook["cells"]
        extra = None
        for index, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            text = "".join(cell["source"])
            if text.startswith("import os"):
                text = f"# {rng.choice(['HW2', 'hw 2', 'MLP homework'])}, student {i:02d}\n" + text
            elif text.startswith("n_rows, n_cols = 4, 10"):
                rows, cols = rng.randint(2, 5), rng.randint(5, 10)
                text = text.replace("n_rows, n_cols = 4, 10", f"n_rows, n_cols = {rows}, {cols}")
            elif text.startswith("pd.DataFrame(history.history).plot(figsize=(8, 5))"):
                text = text.replace("(8, 5)", f"({rng.randint(6, 12)}, {rng.randint(4, 7)})")
            elif text.startswith("dense_params") and rng.random() < 0.5:
                text += "\nmodel.summary()"
            elif text.startswith("hidden1 = ") and rng.random() < 0.5:
                text = text.rstrip().removesuffix("weights") + "weights.shape, biases[:5]"
            elif text.startswith("fashion_mnist = ") and extra is None:
                look = rng.choice(["X_train.shape, X_valid.shape, X_test.shape",
                                   "X_train.min(), X_train.max()",
                                   "np.bincount(y_train)", "y_train[:10]"])  # fmt: skip
                extra = (index + 1, {"cell_type": "code", "metadata": {}, "outputs": [],
                                     "execution_count": None, "source": look})  # fmt: skip
            cell["source"] = text
        if extra is not None:
            cells.insert(*extra)
        (folder / f"student{i:02d}.ipynb").write_text(json.dumps(notebook))
    return sorted(folder.glob("*.ipynb"))


def class_scenario(work: Path, jobs: int) -> None:
    """What a TA sees: the first batch of a class on an empty budget store."""
    from autograder.grade.verdict import budget_store

    notebooks = class_submissions(work / "class" / "in")
    budget_store.STORE_DIR = work / "class" / "store" / "budget"  # empty: the class's first batch
    print(f"class: {len(notebooks)} mlp submissions sharing the reference architecture, "
          "first batch on an empty budget store")  # fmt: skip
    run = grade_with_kit(work / "class" / "in", "mlp", jobs, work / "class" / "out", cold=False)
    print(run.report(jobs))
    print(run.overhead())
    totals = sorted({r.total for r in run.results})
    stored = len(list(budget_store.STORE_DIR.glob("*.npz")))
    print(f"  totals {totals}; {stored} budgeted cop(ies) trained, the rest restored")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--assignment", action="append", choices=ASSIGNMENTS)
    parser.add_argument("--no-otter", action="store_true", help="skip the otter baseline")
    parser.add_argument(
        "--cluster", action="store_true", help="mlp also on a loopback Dask cluster"
    )
    parser.add_argument("--no-class", action="store_true", help="skip the class scenario")
    parser.add_argument(
        "--lanes-per-verdict",
        type=int,
        help="lanes one verdict worker serves (default: the lanes'; 1: a worker per lane)",
    )
    args = parser.parse_args()
    if args.lanes_per_verdict:
        from autograder.grade import lanes

        lanes.LANES_PER_VERDICT = args.lanes_per_verdict
    cfg = load_config()
    work = Path(tempfile.mkdtemp(prefix="kit-bench-"))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores, --jobs {args.jobs}, load average {load} (other programs' "
          "work counts in every figure)")  # fmt: skip
    from autograder.grade.verdict import budget_store

    budget_store.STORE_DIR = work / "store" / "budget"  # every run starts on an empty store
    try:
        for assignment in args.assignment or ASSIGNMENTS:
            notebooks = submissions(work / assignment / "in", assignment)
            print(f"{assignment}: {len(notebooks)} submissions, "
                  f"budget {cfg.assignment(assignment).budget}")  # fmt: skip
            warm = grade_with_kit(work / assignment / "in", assignment, args.jobs,
                                  work / assignment / "warm", cold=False)  # fmt: skip
            print(warm.report(args.jobs))
            print(warm.overhead())
            if assignment != "mlp":
                continue
            cold = grade_with_kit(work / assignment / "in", assignment, args.jobs,
                                  work / assignment / "cold", cold=True)  # fmt: skip
            print(cold.report(args.jobs))
            print(cold.overhead())
            print(f"  warm vs cold throughput: {cold.wall / warm.wall:.2f}x")
            scores = {r.submission: r.total for r in warm.results}
            assert scores == {r.submission: r.total for r in cold.results}, "warm != cold"
            if args.cluster:
                dask = grade_on_loopback_cluster(work / assignment / "in", assignment,
                                                 args.jobs, work / assignment)  # fmt: skip
                print(dask.report(args.jobs).split("; peak")[0])
                print(
                    f"  dask vs --jobs {args.jobs}: wall {dask.wall / warm.wall:.2f}x, overhead "
                    f"{(dask.wall - warm.wall) / len(notebooks):+.1f} s per submission"
                )
                assert scores == {r.submission: r.total for r in dask.results}, "dask != local"
            if args.no_otter:
                continue
            otter_wall, otter_scores = grade_with_otter(notebooks, assignment, work / assignment)
            print(f"  throughput ratio (otter wall / kit wall): {otter_wall / warm.wall:.2f}x")
            print("  kit scores:  ", [scores[n.stem] for n in notebooks])
            print("  otter scores:", otter_scores)
        if not args.no_class:
            class_scenario(work, args.jobs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
