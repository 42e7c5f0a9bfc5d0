"""Benchmark: `autograder grade` against sequential `otter run`, same submissions, same budget.

Grades at least 8 MLP submissions twice in one run: with the kit's parallel sandboxed grader,
then one by one with `otter run` and the otter autograder zip from `autograder build`. The
grading budget (grading.toml) is applied to otter too, through a sitecustomize that patches
Keras the same way the sandbox harness does. Prints per-submission median seconds, throughput
ratio and peak memory per job.

    .venv/bin/python benchmarks/grading.py [--jobs 2]
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
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import paths  # noqa: E402
from autograder.config import load_config  # noqa: E402
from autograder.grade.pipeline import grade_batch  # noqa: E402
from autograder.grade.sandbox.budget import write_budget_sitecustomize  # noqa: E402


def submissions(folder: Path) -> list[Path]:
    """The original mlp fixtures plus the built solution, 8 notebooks (the accuracy corpus's
    ``alt_*``/``bug_*`` cases are left out so figures stay comparable across runs)."""
    cfg = load_config()
    files = sorted(
        p
        for p in (paths.SAMPLE_SUBMISSIONS_DIR / "mlp").glob("*.ipynb")
        if not p.name.startswith(("alt_", "bug_"))
    )
    solution = paths.BUILD_DIR / cfg.course.term / "mlp" / "autograder" / "mlp.ipynb"
    files.append(solution)
    while len(files) < 8:
        files.append(files[0])
    for i, file in enumerate(files):
        shutil.copyfile(file, folder / f"s{i:02d}_{file.stem}.ipynb")
    return sorted(folder.glob("*.ipynb"))


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (psutil), in MB."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


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
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.2)
    return time.monotonic() - started, peak


def otter_total(results_file: Path) -> float | None:
    """otter run's results.json has per-question scores and no total; None if it wrote none."""
    if not results_file.exists():
        return None
    tests = json.loads(results_file.read_text()).get("tests", [])
    return round(sum(t["score"] for t in tests if "score" in t), 4)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    cfg = load_config()
    zip_path = paths.BUILD_DIR / cfg.course.term / "mlp" / "autograder" / "mlp-autograder.zip"
    if not zip_path.exists():
        raise SystemExit("run `autograder build --assignment mlp` first")
    work = Path(tempfile.mkdtemp(prefix="kit-bench-"))
    (work / "in").mkdir()
    notebooks = submissions(work / "in")
    print(
        f"{len(notebooks)} submissions, {os.cpu_count()} cores, "
        f"budget {cfg.assignment('mlp').budget}"
    )

    started = time.monotonic()
    results = grade_batch(
        [work / "in"], assignment="mlp", jobs=args.jobs, out=work / "kit", progress=False
    )
    kit_wall = time.monotonic() - started
    kit_seconds = [r.seconds for r in results]
    kit_peaks = [r.peak_mb or 0 for r in results]

    budget = dataclasses.asdict(cfg.assignment("mlp").budget)
    site = write_budget_sitecustomize(work / "site", budget)
    otter_seconds, otter_peaks, otter_scores = [], [], []
    started = time.monotonic()
    for notebook in notebooks:
        out = work / "otter" / notebook.stem
        out.mkdir(parents=True)
        seconds, peak = otter_run(notebook, zip_path, out, site)
        otter_seconds.append(seconds)
        otter_peaks.append(peak)
        results_file = out / "results.json"
        otter_scores.append(otter_total(results_file))
    otter_wall = time.monotonic() - started

    print(
        f"autograder grade (--jobs {args.jobs}): wall {kit_wall:.1f} s, "
        f"median {statistics.median(kit_seconds):.1f} s per submission, "
        f"peak memory per job median {statistics.median(kit_peaks):.0f} MB, "
        f"max {max(kit_peaks):.0f} MB"
    )
    print(
        f"otter run, sequential:       wall {otter_wall:.1f} s, "
        f"median {statistics.median(otter_seconds):.1f} s per submission, "
        f"peak memory median {statistics.median(otter_peaks):.0f} MB"
    )
    print(f"throughput ratio (otter wall / kit wall): {otter_wall / kit_wall:.2f}x")
    print("kit scores:  ", [r.total for r in sorted(results, key=lambda r: r.submission)])
    print("otter scores:", otter_scores)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
