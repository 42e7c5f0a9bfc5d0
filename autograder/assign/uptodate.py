"""Whether an assignment's build is up to date: ``build`` and ``demo`` skip one whose inputs
(master notebook, ``reference/``, its grading.toml section for the term, the kit's own code and
the versions of what builds it) and outputs are those of its last complete build.

The stamp (``build/TERM/NAME/up-to-date.json``) is written after a build, marked checked after
its self-check passed, and goes with the build folder (every build starts by removing it). It
also records the fingerprint of the build's tests and plan, so a build changed by hand is
rebuilt. ``--force`` rebuilds regardless.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from importlib import metadata
from pathlib import Path

from autograder import paths
from autograder.config import GradingConfig
from autograder.files import sha256_file
from autograder.grade.plan import build_fingerprint

STAMP = "up-to-date.json"
TOOLS = ("otter-grader", "tensorflow", "tf-keras", "numpy", "nbformat", "jinja2")


def inputs_digest(cfg: GradingConfig, name: str, term: str) -> str:
    """sha256 over everything a build of ``name`` for ``term`` is made from."""
    course = dataclasses.replace(cfg.course, term=term)
    spec = cfg.assignment(name).for_term(course)
    settings = {"course": dataclasses.asdict(course), "assignment": dataclasses.asdict(spec)}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    files = [paths.SOLUTIONS_DIR / f"{name}.ipynb"]
    files += sorted((paths.REPO_ROOT / "reference").rglob("*.py"))
    files += sorted(paths.PACKAGE_DIR.rglob("*.py"))
    files += sorted(p for p in paths.PACKAGE_DIR.rglob("*") if p.suffix in (".j2", ".css", ".toml"))
    for path in files:
        digest.update(f"{_name(path)}\0{_sha256(path)}\0".encode())
    for tool in TOOLS:
        try:
            digest.update(f"{tool}=={metadata.version(tool)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{tool} missing\0".encode())
    return digest.hexdigest()


def _name(path: Path) -> str:
    for top in (paths.REPO_ROOT, paths.PACKAGE_DIR.parent):
        if path.is_relative_to(top):
            return str(path.relative_to(top))
    return str(path)


def _sha256(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return "missing"


def state(build_dir: Path, digest: str) -> str | None:
    """``"checked"`` when the build in ``build_dir`` was made from ``digest``'s inputs, is
    unchanged since and passed its self-check; ``"built"`` when only the first two hold; None
    when it is out of date (or missing)."""
    try:
        stamp = json.loads((build_dir / STAMP).read_text())
        outputs = build_fingerprint(build_dir / "autograder")
    except (OSError, ValueError):
        return None
    current = (
        isinstance(stamp, dict)
        and stamp.get("inputs") == digest
        and stamp.get("outputs") == outputs
        and (build_dir / "autograder" / "plan" / "plan.json").is_file()
    )
    if not current:
        return None
    return "checked" if stamp.get("checked") is True else "built"


def record(build_dir: Path, digest: str, *, checked: bool) -> None:
    """Stamp a complete build (``checked``: its self-check passed)."""
    stamp = {
        "inputs": digest,
        "outputs": build_fingerprint(build_dir / "autograder"),
        "checked": checked,
    }
    (build_dir / STAMP).write_text(json.dumps(stamp, indent=1) + "\n")
