"""What travels between the client and a cluster's workers, as plain data.

The build (tests and plan) and grading.toml travel once per batch as bytes; each task carries
one submission's bytes and who handed it in. Nothing is a path of the client's machine, and a
worker refuses a shipment made by another version of the kit (its grades could differ).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path, PurePosixPath

from autograder import paths
from autograder.config import GradingConfig, load_config
from autograder.errors import ClusterError
from autograder.grade import intake, plan
from autograder.results import Identity

MAX_BUILD_BYTES = 64 * 2**20  # a build is well under 1 MB; anything near this is not one
KIT_PACKAGES = ("autograder", "reference")  # the code that decides a grade


@functools.cache
def kit_fingerprint() -> str:
    """sha256 over the kit's own Python sources (package and reference functions)."""
    digest = hashlib.sha256()
    for package in KIT_PACKAGES:
        folder = paths.PACKAGE_DIR.parent / package
        for file in sorted(folder.rglob("*.py")):
            digest.update(file.relative_to(folder.parent).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def pack(*, options: dict, config: GradingConfig, autograder_dir: Path) -> dict:
    """The batch's shipment: the kit's fingerprint, the options, grading.toml's text and every
    file of the build (regular files only, relative POSIX paths; not the LMS zips)."""
    files, total = {}, 0
    for file in sorted(autograder_dir.rglob("*")):
        if file.is_symlink() or not file.is_file() or file.suffix == ".zip":
            continue
        data = file.read_bytes()
        total += len(data)
        if total > MAX_BUILD_BYTES:
            raise ClusterError(f"the build {autograder_dir} is over {MAX_BUILD_BYTES >> 20} MB")
        files[file.relative_to(autograder_dir).as_posix()] = data
    return {
        "kit": kit_fingerprint(),
        "options": options,
        "config": config.path.read_text(encoding="utf-8"),
        "build": plan.build_fingerprint(autograder_dir),
        "files": files,
    }


def unpack(shipment: dict, folder: Path) -> tuple[GradingConfig, Path]:
    """Write the shipment under ``folder`` (0700: private to this worker's root; inside it the
    build is world-readable, as in a checkout, for the unprivileged verdict jail that binds
    it); its config and build."""
    if shipment.get("kit") != kit_fingerprint():
        raise ClusterError(
            "this worker runs another version of the kit than the client "
            f"(kit {str(shipment.get('kit'))[:12]} asked, {kit_fingerprint()[:12]} here): "
            "install the same commit on every worker"
        )
    config_file = folder / "grading.toml"
    config_file.write_text(shipment["config"], encoding="utf-8")
    autograder_dir = folder / "build" / "autograder"
    for name, data in shipment["files"].items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ClusterError(f"the shipment holds a file outside its build: {name!r}")
        target = autograder_dir.joinpath(*relative.parts)
        for parent in reversed(target.relative_to(folder).parents[:-1]):
            (folder / parent).mkdir(exist_ok=True)
            (folder / parent).chmod(0o755)  # readable by the unprivileged verdict, as a build is
        target.write_bytes(data)
        target.chmod(0o644)
    if plan.build_fingerprint(autograder_dir) != shipment["build"]:
        raise ClusterError("the build arrived incomplete (its fingerprint differs)")
    return load_config(config_file), autograder_dir


def job(submission: intake.Submission, data: bytes) -> dict:
    """One task's input: the submission's id, identity, file name and bytes."""
    return {
        "id": submission.submission_id,
        "who": submission.who.to_json(),
        "suffix": ".zip" if submission.path.suffix == ".zip" else ".ipynb",
        "data": data,
    }


def submission_in(job: dict, folder: Path) -> intake.Submission:
    """The job's submission as a file in ``folder`` (the worker's private copy)."""
    path = folder / f"submission{job['suffix']}"
    path.write_bytes(job["data"])
    return intake.Submission(path, str(job["id"]), Identity.from_json(job["who"]))
