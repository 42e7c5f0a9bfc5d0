"""What one batch shares on this machine, set up once (``open_batch``): its build and limits, its
private folder, and the data each side may see (``Batch``). Every submission of the batch is
graded against this one record; nothing in it changes while the batch runs."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import paths
from autograder.catalog import AssignmentKit, kit_for
from autograder.config import Assignment, GradingConfig
from autograder.errors import DataError, SandboxUnavailable, UsageError
from autograder.files import remove_tree
from autograder.grade import answers, plan
from autograder.grade.isolation import Mode, require
from autograder.grade.isolation.box import sweep_stale_mounts
from autograder.grade.isolation.cgroups import sweep_stale
from autograder.grade.launch import WORKDIR, stage_kit
from autograder.grade.protocol import read_json
from autograder.grade.verdict import budget_store, compute
from autograder.grade.verdict.run import VERDICT_HOME

BATCH_PREFIX = "kit-grade-"

DataView = tuple[list[tuple[str, str]], dict[str, str]]  # read-only binds, environment


@dataclass(frozen=True)
class GradingOptions:
    """What a grader is asked for beyond grading.toml: plain data, the same on every machine
    (the part of ``batch.BatchOptions`` a cluster worker is sent)."""

    assignment: str
    term: str
    isolation: str = str(Mode.STRONG)
    timeout: float | None = None  # seconds per submission (None: the assignment's limit)
    memory: int | None = None  # MB per submission (None: the assignment's limit)
    cold: bool = False


@dataclass(frozen=True)
class Batch:
    """Everything one batch shares: the build, the limits, what each side may see."""

    assignment: Assignment
    kit: AssignmentKit
    autograder_dir: Path  # build/TERM/NAME/autograder (trusted: tests and plan)
    root: Path  # private temporary folder (0700): kit/, boxes/, verdicts/, lanes/
    mode: Mode
    kit_lib: Path  # the in-jail modules, staged
    sandbox_data: DataView
    verdict_data: DataView
    timeout_s: float
    memory_mb: int
    cpu_quota: float
    possible: dict[str, float]  # question -> points, in notebook order
    term: str = ""  # the build's term and variant: a notebook made for others is refused
    variant: str = ""
    build: str = ""  # fingerprint of the build's tests and plan, recorded in every result
    manual_questions: tuple[dict, ...] = ()  # name and prompt of each question graded by hand
    called: frozenset[str] = frozenset()  # the student functions the grader calls
    reference_flops: float | None = None  # the build's figure for the budgeted training's bound
    warm: bool = True  # sandbox template per lane, shared verdict workers (strong isolation only)
    budget_store: Path | None = None  # the class-wide budget store (warm path only)

    @property
    def tests_dir(self) -> Path:
        return self.autograder_dir / "tests"

    @property
    def sandbox_limits(self) -> dict[str, float | int]:
        return {
            "timeout_s": self.timeout_s,
            "memory_mb": self.memory_mb,
            "cpu_quota": self.cpu_quota,
            "processes": self.assignment.limits.processes,
        }


def open_batch(
    *,
    config: GradingConfig,
    options: GradingOptions,
    autograder_dir: Path,
    jobs: int,
    cpu_quota: float | None = None,
) -> Batch:
    """Check that this machine can grade the batch (isolation, data), make its private folder
    and stage what each side sees; remove the folder again (``close_batch``) when done."""
    from autograder.data.environment import notebook_environment

    mode = require(Mode(options.isolation))
    if mode is Mode.USER and jobs > 1:  # its end kills every process of the one user
        raise UsageError("--isolation user grades one submission at a time: pass -j 1")
    spec = config.assignment(options.assignment)
    kit = kit_for(options.assignment)
    stamp = plan.build_stamp(autograder_dir, options.assignment)
    data_env = notebook_environment(config)
    missing = [variable for variable in kit.datasets if not data_env.get(variable)]
    if missing:  # every notebook would fail on it: nobody is graded 0 for the machine
        raise DataError(
            f"{options.assignment} reads data this machine does not have "
            f"({', '.join(missing)}): run `autograder data --assignment {options.assignment}`"
        )
    sweep_stale_batches()
    root = Path(tempfile.mkdtemp(prefix=BATCH_PREFIX))  # 0700: no other user sees in
    try:
        (root / "owner").write_text(str(os.getpid()))
        for sub in ("boxes", "verdicts"):
            (root / sub).mkdir(mode=0o700)
        home = WORKDIR if mode not in (Mode.NONE, Mode.USER) else ""
        sandbox_data = data_view(kit, data_env, home, mode, include_hidden=False)
        if mode is Mode.USER:  # the student user reads copies; the rest stays root's
            sandbox_data = user_mode_batch(root, kit, data_env, autograder_dir)
        warm = mode is Mode.STRONG and not options.cold
        calls = read_json(autograder_dir / "plan" / "plan.json")["calls"]
        return Batch(
            assignment=spec,
            kit=kit,
            autograder_dir=autograder_dir,
            root=root,
            mode=mode,
            kit_lib=stage_kit(root / "kit"),
            sandbox_data=sandbox_data,
            verdict_data=data_view(kit, data_env, VERDICT_HOME, mode, include_hidden=True),
            timeout_s=options.timeout or spec.limits.timeout_s,
            memory_mb=options.memory or spec.limits.memory_mb,
            cpu_quota=cpu_quota or max(0.1, (os.cpu_count() or 1) / jobs),
            possible=plan.question_points(autograder_dir, options.assignment),
            term=stamp.get("term", options.term),
            variant=stamp.get("variant", ""),
            build=plan.build_fingerprint(autograder_dir),
            manual_questions=tuple(answers.read_manual_questions(autograder_dir / "plan")),
            called=frozenset(str(c["function"]) for c in calls),
            reference_flops=compute.read_reference(autograder_dir / "plan"),
            warm=warm,
            budget_store=budget_store.open_store() if warm else None,
        )
    except BaseException:
        close_batch(root)
        raise


def close_batch(root: Path) -> None:
    sweep_stale_mounts(str(root))
    remove_tree(root)


def user_mode_batch(
    root: Path, kit: AssignmentKit, data_env: dict[str, str], autograder_dir: Path
) -> DataView:
    """``user`` mode: refuse where the student user could read the grader's private files;
    let it traverse the batch folder to its box; copy the data it may read (hidden parts
    left out) into the batch. The notebook's data view: no binds, variables at the copies."""
    from autograder.grade.isolation import user

    private = [autograder_dir, paths.PACKAGE_DIR, paths.REPO_ROOT / "reference",
               paths.REPO_ROOT / "grading.toml", *kit.hidden_data(data_env)]  # fmt: skip
    problems = user.private_problems(private)
    if problems:
        raise SandboxUnavailable(f"the user sandbox would expose the grader's files: "
                                 f"{'; '.join(problems[:3])}")  # fmt: skip
    binds, env = plan.data_view(kit, data_env, home=WORKDIR, include_hidden=False)
    inner = [(h, i.lstrip("/")) for h, i in binds if not i.startswith(WORKDIR + "/")]
    user.stage_data(inner, root / "data")
    for sub in (root, root / "boxes"):
        sub.chmod(0o711)
    staged = {k: str(root / "data" / v.lstrip("/")) if v.startswith("/") else v
              for k, v in env.items()}  # fmt: skip
    return [], staged


def data_view(
    kit: AssignmentKit, data_env: dict[str, str], home: str, mode: Mode, *, include_hidden: bool
) -> DataView:
    if mode in (Mode.NONE, Mode.USER):  # the host's paths (none: nothing is hidden)
        wanted = {*kit.datasets, *kit.keras_datasets}
        return [], {k: v for k, v in data_env.items() if k in wanted}
    return plan.data_view(kit, data_env, home=home, include_hidden=include_hidden)


def sweep_stale_batches() -> None:
    """Remove what graders killed with -9 left: batch folders, box mounts, cgroups."""
    sweep_stale()
    for folder in Path(tempfile.gettempdir()).glob(f"{BATCH_PREFIX}*"):
        try:
            owner = int((folder / "owner").read_text())
        except (OSError, ValueError):
            owner = 0
        if owner and Path(f"/proc/{owner}").exists():
            continue
        if owner or time.time() - folder.stat().st_mtime > 60:  # no owner: an old layout
            sweep_stale_mounts(str(folder))
            remove_tree(folder)


def link_keras_datasets(kit: AssignmentKit, data_env: dict[str, str], home: Path) -> None:
    """Without a jail: ``~/.keras/datasets/NAME`` links to the host folder."""
    for variable, folder in kit.keras_datasets.items():
        if data_env.get(variable):
            (home / ".keras" / "datasets").mkdir(parents=True, exist_ok=True)
            (home / ".keras" / "datasets" / folder).symlink_to(data_env[variable])
