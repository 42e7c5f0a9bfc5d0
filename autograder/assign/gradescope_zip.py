"""The Gradescope autograder zip: the kit itself, its pinned stack and this build's tests.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once on its stock
Ubuntu image, then ``run_autograder`` per submission. ``setup.sh`` installs bubblewrap and the
assignment's data from apt where the distribution packages it (``dataset-fashion-mnist``; on
Ubuntu from universe), creates the ``user`` sandbox's ``kit-student``, takes a final Python 3.11
(apt's where it is not a release candidate, else a standalone build through uv, readable by
all), installs the pinned stack and the kit's own wheel into ``/autograder/kit-venv``, and
provisions the data; ``run_autograder`` grades with the kit's sandboxed pipeline
(``autograder.grade.gradescope``). Both honour ``AUTOGRADER_ROOT`` (default ``/autograder``)
and ``KIT_PYTHON``, so a test can run them in a scratch tree. The zip is byte-for-byte
reproducible (sorted entries, fixed dates, the wheel built with ``SOURCE_DATE_EPOCH``).
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
from autograder.config import GradingConfig
from autograder.errors import BuildError
from autograder.files import ZIP_DATE, atomic_write_bytes

UV_VERSION = "0.9.5"
SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, on its stock image: system packages (bubblewrap, the
# assignment's data where the distribution packages it), a final Python 3.11, the pinned stack
# and the kit (bundled wheel) in $ROOT/kit-venv, the student user of the `user` sandbox, then
# the datasets.
set -euo pipefail
ROOT=${AUTOGRADER_ROOT:-/autograder}
SOURCE=$ROOT/source
VENV=$ROOT/kit-venv
export DEBIAN_FRONTEND=noninteractive
apt_has() { apt-cache policy "$1" 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; }
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for pkg in bubblewrap libseccomp2 util-linux ca-certificates passwd @APT_DATA@; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    if ! apt_has @APT_DATA_FIRST@ && grep -qs '^ID=ubuntu' /etc/os-release; then
      # Ubuntu packages the data in universe, which a debootstrap image leaves out
      mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
      codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
      if [ -n "$mirror" ] && [ -n "$codename" ]; then
        echo "deb $mirror $codename universe" > /etc/apt/sources.list.d/kit-universe.list
        apt-get update -qq
      fi
    fi
    found=()
    for pkg in "${missing[@]}"; do
      if apt_has "$pkg"; then found+=("$pkg"); else echo "setup: no apt package $pkg here"; fi
    done
    if [ ${#found[@]} -gt 0 ]; then
      echo "setup: apt-get install ${found[*]}"
      apt-get install -y -qq "${found[@]}" >/dev/null
    fi
  fi
fi
if [ "$(id -u)" = 0 ] && ! id kit-student >/dev/null 2>&1; then
  # the `user` sandbox's notebook user (containers without namespaces)
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    kit-student 2>/dev/null || echo "setup: no useradd: the user sandbox uses an unnamed uid"
fi
final_311() {  # a final (not a release-candidate) CPython 3.11
  [ -n "$1" ] && "$1" -c 'import sys; v = sys.version_info
assert v[:2] == (3, 11) and v.releaselevel == "final"' 2>/dev/null
}
PYTHON=${KIT_PYTHON:-}
if [ -n "$PYTHON" ] && ! final_311 "$PYTHON"; then
  echo "setup: KIT_PYTHON=$PYTHON is not a final Python 3.11" >&2; exit 1
fi
if [ -z "$PYTHON" ] && final_311 "$(command -v python3.11 || true)"; then
  PYTHON=$(command -v python3.11)
fi
if [ -z "$PYTHON" ] && command -v apt-get >/dev/null && apt_has python3.11 \
   && apt-get install -y -qq python3.11 python3.11-venv >/dev/null 2>&1; then
  if final_311 "$(command -v python3.11)"; then
    PYTHON=$(command -v python3.11)
  else  # Ubuntu 22.04's python3.11 is 3.11.0rc1
    echo "setup: apt's python3.11 is $(python3.11 -V 2>&1), a release candidate: not used"
  fi
fi
if [ -z "$PYTHON" ]; then  # a standalone build, world-readable (the user sandbox runs it)
  UV="uv==@UV_VERSION@"
  command -v pip3 >/dev/null || apt-get install -y -qq python3-pip >/dev/null
  python3 -m pip install -q "$UV" || python3 -m pip install -q --break-system-packages "$UV"
  export UV_PYTHON_INSTALL_DIR=/opt/kit-python
  python3 -m uv python install 3.11
  PYTHON=$(python3 -m uv python find 3.11)
  chmod -R a+rX /opt/kit-python
fi
final_311 "$PYTHON" || { echo "setup: no final Python 3.11 could be installed" >&2; exit 1; }
echo "setup: $("$PYTHON" --version) from $PYTHON"
"$PYTHON" -m venv --clear "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -r "$SOURCE/requirements.txt"
"$VENV/bin/python" -m pip install -q --no-deps "$SOURCE"/wheels/*.whl
KIT_HOME=$SOURCE/kit "$VENV/bin/autograder" data --assignment @ASSIGNMENT@
"""
# Debian/Ubuntu packages of an assignment's data, tried before the kit's own download.
APT_DATA = {"KIT_FASHION_MNIST_DIR": "dataset-fashion-mnist"}
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
        "setup.sh": setup_script(name),
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


def setup_script(name: str) -> str:
    from autograder.catalog import kit_for

    packages = [APT_DATA[v] for v in kit_for(name).datasets if v in APT_DATA]
    return (
        SETUP.replace("@UV_VERSION@", UV_VERSION)
        .replace("@ASSIGNMENT@", name)
        .replace("@APT_DATA@", " ".join(packages))
        .replace("@APT_DATA_FIRST@", (packages or ["bubblewrap"])[0])
    )


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
