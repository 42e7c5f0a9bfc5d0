"""Grading on a Dask cluster: the same grades as locally, the same trust, a dead worker retried.

The slow test starts a real ``dask scheduler`` and two ``dask worker`` processes on loopback from
this environment, grades fixture submissions through them with the CLI, kills one worker while
it holds a submission, and compares every grade with the local pipeline's (expected.toml).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SUBMISSIONS, expected_results

from autograder.config import load_config
from autograder.errors import ClusterError, ConfigError
from autograder.grade import plan
from autograder.grade.cluster import shipment as shipments
from autograder.results import Identity, Status


def _fake_build(folder: Path) -> Path:
    build = folder / "autograder"
    (build / "tests").mkdir(parents=True)
    (build / "plan").mkdir()
    (build / "tests" / "q_one.py").write_text("OK_FORMAT = False\n")
    (build / "plan" / "plan.json").write_text('{"questions": []}')
    (build / "mlp.ipynb").write_text("{}")
    (build / "mlp-autograder.zip").write_bytes(b"PK")  # the LMS zips do not travel
    (build / "plan" / "elsewhere").symlink_to("/etc/passwd")  # nor does a link
    return build


def test_the_build_travels_whole_and_a_tampered_or_foreign_one_is_refused(tmp_path):
    build = _fake_build(tmp_path / "client")
    shipment = shipments.pack(options={"assignment": "mlp"}, config=load_config(),
                              autograder_dir=build)  # fmt: skip
    assert set(shipment["files"]) == {"tests/q_one.py", "plan/plan.json", "mlp.ipynb"}
    assert not any(isinstance(v, Path) for v in shipment.values())  # plain data, no host paths

    worker = tmp_path / "worker"
    worker.mkdir(mode=0o700)
    config, unpacked = shipments.unpack(shipment, worker)
    assert config.assignment("mlp").points == load_config().assignment("mlp").points
    assert plan.build_fingerprint(unpacked) == plan.build_fingerprint(build)
    assert (unpacked / "tests" / "q_one.py").stat().st_mode & 0o777 == 0o644
    assert (unpacked / "tests").stat().st_mode & 0o777 == 0o755  # the verdict jail reads it

    for number, (tamper, said) in enumerate(
        [
            (lambda s: s.update(kit="0" * 64), "another version of the kit"),
            (lambda s: s["files"].update({"../escape.py": b"x"}), "outside its build"),
            (lambda s: s["files"].update({"/etc/cron.d/x": b"x"}), "outside its build"),
            (lambda s: s["files"].update({"tests/q_one.py": b"changed"}), "incomplete"),
        ]
    ):
        bad = json.loads(json.dumps({**shipment, "files": {}}))
        bad["files"] = dict(shipment["files"])
        tamper(bad)
        target = tmp_path / f"refused{number}"
        target.mkdir()
        with pytest.raises(ClusterError, match=said):
            shipments.unpack(bad, target)
    assert not (tmp_path / "escape.py").exists()


def test_an_unreadable_tests_folder_never_scores_as_no_test(tmp_path):
    from autograder.grade.verdict.testfiles import load_test_files

    (tmp_path / "tests").mkdir()
    with pytest.raises(FileNotFoundError, match="no test file"):
        load_test_files(tmp_path / "tests")
    with pytest.raises(FileNotFoundError):
        load_test_files(tmp_path / "missing")


class _Finished:
    def __init__(self, value=None, error: BaseException | None = None) -> None:
        self.value, self.error = value, error

    def result(self):
        if self.error is not None:
            raise self.error
        return self.value


def test_a_task_that_lost_every_worker_is_crashed_and_a_broken_worker_stops_the_batch(tmp_path):
    from distributed import KilledWorker

    from autograder.grade.cluster import client
    from autograder.grade.intake import Submission

    unsent = client._Unsent.__new__(client._Unsent)
    unsent.possible, unsent.build, unsent.term = {"q1": 2.0, "q2": 3.0}, "b1", "t1"
    unsent.assignment = "demo"
    eve = Submission(tmp_path / "eve.ipynb", "eve", Identity("file:eve", "eve"))

    lost = client._result_of(_Finished(error=KilledWorker("k", "tcp://w", 1)), eve, "d1", unsent)
    assert lost.status is Status.CRASHED and lost.total == 0 and lost.possible == 5
    assert "2 tries" in lost.reason and "--resume" in lost.reason

    with pytest.raises(ClusterError, match="cannot grade: no sandbox"):
        client._result_of(_Finished(error=ClusterError("no sandbox")), eve, "d1", unsent)
    with pytest.raises(ClusterError, match="returned no result"):
        client._result_of(_Finished({"score": 1}), eve, "d1", unsent)

    graded = lost.to_gradescope()
    graded["extra_data"]["kit"]["identity"] = {"kind": "file", "key": "mallory", "name": "M"}
    kept = client._result_of(_Finished(graded), eve, "d1", unsent)
    assert kept.who == eve.who and kept.file == "eve.ipynb"  # the client's identity, always
    for key, value, said in [("fingerprint", "d2", "other bytes"), ("build", "b2", "build"),
                             ("submission", "someone-else", "someone-else"),
                             ("assignment", "word2vec", "as 'word2vec'")]:  # fmt: skip
        forged = json.loads(json.dumps(graded))
        forged["extra_data"]["kit"][key] = value
        with pytest.raises(ClusterError, match=said):
            client._result_of(_Finished(forged), eve, "d1", unsent)


def test_the_scheduler_comes_from_grading_toml_and_an_absent_one_fails_fast(tmp_path, monkeypatch):
    from autograder.grade.cluster.client import connect

    config, text = tmp_path / "grading.toml", load_config().path.read_text()
    assert load_config().scheduler == ""  # the bundled default grades here
    config.write_text(text.replace("[grading]\n", '[grading]\nscheduler = "tcp://127.0.0.1:9"\n'))
    assert load_config(config).scheduler == "tcp://127.0.0.1:9"
    config.write_text(text.replace("[grading]\n", "[grading]\nscheduler = 8786\n"))
    with pytest.raises(ConfigError, match="grading.scheduler"):
        load_config(config)

    started = time.monotonic()
    nowhere = str(tmp_path / "nowhere.json")
    for scheduler, said in [("tcp://127.0.0.1:9", "cannot reach"), (nowhere, "no Dask")]:
        with pytest.raises(ClusterError, match=said) as raised:
            connect(scheduler)
        assert raised.value.exit_code == 6
    assert time.monotonic() - started < 25  # not Dask's 30 s connect timeout
    with pytest.raises(ClusterError, match="plain TCP"):  # unauthenticated, across a network
        connect("tcp://192.0.2.10:8786")
    monkeypatch.setenv("KIT_CLUSTER_ALLOW_TCP", "1")  # a private network, the operator says
    with pytest.raises(ClusterError, match="cannot reach"):
        connect("tcp://192.0.2.10:1")


def test_the_example_slurm_script_starts_one_lane_workers_and_grades_through_them(
    monkeypatch, tmp_path
):
    import copy
    import runpy

    import dask
    import dask_jobqueue

    from autograder import paths
    from autograder.grade import batch

    script = paths.REPO_ROOT / "examples" / "slurm" / "grade.py"
    seen: dict = {}

    monkeypatch.setenv("HOME", str(tmp_path))  # the certificate's shared folder

    class NoSlurm(dask_jobqueue.SLURMCluster):  # everything but submitting the jobs
        def scale(self, n=None, jobs: int = 0, **kwargs) -> None:
            if jobs:  # (closing scales to 0)
                seen.update(jobs=jobs, job_script=self.job_script())

    monkeypatch.setattr(dask_jobqueue, "SLURMCluster", NoSlurm)

    def grade_batch(paths, **kw):
        seen.update(kw, inputs=paths, address=kw["scheduler"].scheduler_info()["address"])

    monkeypatch.setattr(batch, "grade_batch", grade_batch)
    monkeypatch.setattr(sys, "argv", ["slurm_grade.py", str(tmp_path)])
    monkeypatch.setattr(dask.config, "config", copy.deepcopy(dask.config.config))
    runpy.run_path(str(script), run_name="__main__")
    assert seen["inputs"] == [tmp_path] and seen["assignment"] == "mlp"
    assert seen["address"].startswith("tls://") and seen["jobs"] == 5
    job = seen["job_script"]
    assert "--nthreads 1" in job and "--nworkers 4" in job and sys.executable in job
    assert "#SBATCH -p grading" in job and "--tls-key" in job


def test_a_cluster_never_grades_without_a_sandbox_or_without_the_data(tmp_path, monkeypatch,
                                                                       capsys):  # fmt: skip
    from autograder.cli import main
    from autograder.data import environment
    from autograder.errors import DataError
    from autograder.grade.batch_setup import GradingOptions
    from autograder.grade.grader import LocalGrader

    code = main(["grade", str(tmp_path), "--assignment", "mlp", "--isolation", "none",
                 "--scheduler", "tcp://127.0.0.1:9"])  # fmt: skip
    assert code == 2 and "never grades without a sandbox" in capsys.readouterr().err

    monkeypatch.setattr(environment, "notebook_environment", lambda config: {})
    with pytest.raises(DataError, match="autograder data --assignment mlp"):
        LocalGrader(
            config=load_config(),
            autograder_dir=tmp_path,
            jobs=1,
            options=GradingOptions(assignment="mlp", term="t", isolation="none"),
        )


def test_local_grading_imports_no_dask():
    code = (
        "import sys, autograder.cli, autograder.grade.main, autograder.grade.batch\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- a real cluster


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.slow
def test_a_cluster_grades_like_the_local_pipeline_and_survives_a_killed_worker(mlp_build, tmp_path):
    from distributed import Client

    from autograder.grade.cluster.loopback import loopback_cluster

    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    names = ("correct_functional", "wrong_sizes")
    for name in names:
        (inputs / f"{name}.ipynb").write_bytes((SUBMISSIONS / "mlp" / f"{name}.ipynb").read_bytes())
    (inputs / "empty.ipynb").write_bytes(b"")
    (tmp_path / "cluster").mkdir()
    with (
        loopback_cluster(tmp_path / "cluster", workers=2, allowed_failures=1) as cluster,
        Client(
            scheduler_file=str(cluster.scheduler_file), timeout=60, security=cluster.security()
        ) as observer,
    ):
        observer.wait_for_workers(2, timeout=120)
        by_name = {info["name"]: address
                   for address, info in observer.scheduler_info()["workers"].items()}  # fmt: skip
        grading = subprocess.Popen(
            [sys.executable, "-m", "autograder", "grade", str(inputs), "--assignment", "mlp",
             "--out", str(out), "--scheduler", str(cluster.scheduler_file), "--no-progress"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, **cluster.client_environment()},  # its TLS certificate
        )  # fmt: skip
        # w1 is killed (-9, with the jails it started) while it holds a submission to grade
        held = _wait_for(
            lambda: [k for k in observer.processing().get(by_name["w1"], ())
                     if str(k).startswith("kit-grade-") and str(k).endswith(names)],
            240, "w1 to take a notebook to grade",
        )  # fmt: skip
        time.sleep(3)  # well into grading it
        cluster.kill_worker("w1")
        output, _ = grading.communicate(timeout=600)
        stranger = subprocess.run(  # without the certificate, nobody gets in
            [sys.executable, "-c", "from distributed import Client; import sys; "
             f"Client(scheduler_file={str(cluster.scheduler_file)!r}, timeout=5)"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert stranger.returncode != 0
    assert grading.returncode == 0, output[-3000:]

    results = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    assert set(results) == {*names, "empty"}  # every submission once: none lost, none twice
    expected = expected_results("mlp")
    for name in names:
        kit = results[name]["extra_data"]["kit"]
        assert kit["status"] == "graded", (name, kit["reason"])
        assert results[name]["score"] == pytest.approx(expected[name]["total"], abs=1e-3), name
        assert kit["isolation"] == "strong"
    assert results["empty"]["extra_data"]["kit"]["status"] == "invalid"
    retried = str(held[0]).removeprefix("kit-grade-").split("-", 1)[1]
    assert retried in names  # the submission w1 held was graded, on w2
    assert (out / "grades.csv").exists() and "correct_functional" in output
