"""The Gradescope autograder zip: the kit itself, its pinned stack and this build's tests.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once on its stock
Ubuntu image, then ``run_autograder`` per submission. ``setup.sh`` installs bubblewrap, a Python
the stack supports (3.11: from apt where the image has it, else a standalone build through uv),
the pinned stack and the kit's own wheel into ``/autograder/kit-venv``, and provisions the data;
``run_autograder`` grades with the kit's sandboxed pipeline (``autograder.grade.gradescope``).
Both honour ``AUTOGRADER_ROOT`` (default ``/autograder``) and ``KIT_PYTHON``, so a test can run
them in a scratch tree. The zip is byte-for-byte reproducible (sorted entries, fixed dates, the
wheel built with ``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

from autograder import paths
from autograder.assign.normalize import ZIP_DATE
from autograder.config import GradingConfig
from autograder.errors import BuildError
from autograder.files import atomic_write_bytes

UV_VERSION = "0.9.5"
SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, on its stock image: system packages, Python 3.11, the
# pinned stack and the kit (bundled wheel) in $ROOT/kit-venv, then the datasets.
set -euo pipefail
ROOT=${AUTOGRADER_ROOT:-/autograder}
SOURCE=$ROOT/source
VENV=$ROOT/kit-venv
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for pkg in bubblewrap libseccomp2 util-linux ca-certificates; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
PYTHON=${KIT_PYTHON:-}
if [ -z "$PYTHON" ] && command -v python3.11 >/dev/null; then PYTHON=$(command -v python3.11); fi
export DEBIAN_FRONTEND=noninteractive
if [ -z "$PYTHON" ] && command -v apt-get >/dev/null \
   && apt-get install -y -qq python3.11 python3.11-venv >/dev/null 2>&1; then
  PYTHON=$(command -v python3.11)
fi
if [ -z "$PYTHON" ]; then  # no Python 3.11 in the image's package lists: a standalone build
  UV="uv==@UV_VERSION@"
  python3 -m pip install -q "$UV" || python3 -m pip install -q --break-system-packages "$UV"
  python3 -m uv python install 3.11
  PYTHON=$(python3 -m uv python find 3.11)
fi
echo "setup: $("$PYTHON" --version) from $PYTHON"
"$PYTHON" -m venv --clear "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -r "$SOURCE/requirements.txt"
"$VENV/bin/python" -m pip install -q --no-deps "$SOURCE"/wheels/*.whl
KIT_HOME=$SOURCE/kit "$VENV/bin/autograder" data --assignment @ASSIGNMENT@
"""
RUN = r"""#!/usr/bin/env bash
# Gradescope runs this per submission: the kit grades $ROOT/submission in its sandbox and
# writes $ROOT/results/results.json.
ROOT=${AUTOGRADER_ROOT:-/autograder}
export KIT_HOME=$ROOT/source/kit
cd "$ROOT/source" || exit 1
exec "$ROOT/kit-venv/bin/python" -m autograder.grade.gradescope --root "$ROOT" \
  --assignment @ASSIGNMENT@ --term @TERM@
"""


def write_gradescope_zip(cfg: GradingConfig, name: str, term: str, build_dir: Path) -> Path:
    """``build_dir/autograder/NAME-autograder.zip``: what an instructor uploads to Gradescope."""
    autograder = build_dir / "autograder"
    entries: dict[str, bytes] = {
        "setup.sh": SETUP.replace("@UV_VERSION@", UV_VERSION)
        .replace("@ASSIGNMENT@", name)
        .encode(),
        "run_autograder": RUN.replace("@ASSIGNMENT@", name).replace("@TERM@", term).encode(),
        "requirements.txt": requirements().encode(),
        "kit/grading.toml": Path(cfg.path).read_bytes(),
        f"wheels/{(wheel := kit_wheel()).name}": wheel.read_bytes(),
    }
    inside = f"kit/build/{term}/{name}/autograder"
    for part in ("tests", "plan"):
        for path in sorted((autograder / part).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                entries[f"{inside}/{path.relative_to(autograder)}"] = path.read_bytes()
    entries[f"{inside}/{name}.ipynb"] = (autograder / f"{name}.ipynb").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in sorted(entries):
            info = zipfile.ZipInfo(entry, date_time=ZIP_DATE)
            executable = entry in ("setup.sh", "run_autograder")
            info.external_attr = (0o755 if executable else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[entry])
    target = autograder / f"{name}-autograder.zip"
    atomic_write_bytes(target, buffer.getvalue())
    return target


def requirements() -> str:
    """The pinned stack, from pyproject.toml (the one list of pins)."""
    project = tomllib.loads((paths.REPO_ROOT / "pyproject.toml").read_text())["project"]
    return "".join(f"{pin}\n" for pin in project["dependencies"])


_WHEELS: dict[str, Path] = {}


def kit_wheel() -> Path:
    """The kit as a wheel, built once per process from a clean copy of its sources (building
    in the checkout would write setuptools' own ``build/`` into the kit's)."""
    if "kit" in _WHEELS and _WHEELS["kit"].exists():
        return _WHEELS["kit"]
    folder = Path(tempfile.mkdtemp(prefix="kit-wheel-"))
    atexit.register(shutil.rmtree, folder, True)  # kept for the process, gone after it
    source = folder / "src"
    source.mkdir()
    shutil.copyfile(paths.REPO_ROOT / "pyproject.toml", source / "pyproject.toml")
    for package in ("autograder", "reference"):
        shutil.copytree(paths.REPO_ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
    env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800", "PIP_NO_INPUT": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(folder / "dist"), str(source)],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    wheels = sorted((folder / "dist").glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        raise BuildError(f"building the kit's wheel failed: {proc.stderr.strip()[-500:]}")
    _WHEELS["kit"] = wheels[0]
    return wheels[0]
