"""Install the Jupyter kernel "keras-course-kit" whose environment runs the lecture's code.

``python -m autograder.kernel`` writes a kernelspec into this environment (``--sys-prefix``)
with TF_USE_LEGACY_KERAS=1, NLTK_DATA and the kit's dataset variables in its ``env``, so every
notebook on the kernel gets Keras 2 and offline data without a line of setup. Local data is
provisioned first (no downloads); an unchanged kernelspec is left alone, so re-runs are quick.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

from autograder.config import ConfigError, load_config
from autograder.data.environment import VARIABLES, notebook_environment
from autograder.data.errors import DataError

KERNEL_NAME = "keras-course-kit"
DISPLAY_NAME = "Python 3 (Keras course kit)"


def kernel_dir(prefix: str | None = None) -> Path:
    """Where the kernelspec lives: ``<prefix>/share/jupyter/kernels/keras-course-kit``."""
    return Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME


def _wanted_spec(env: dict[str, str]) -> dict:
    # What ipykernel.kernelspec.install writes for these arguments, to detect "unchanged".
    from ipykernel.kernelspec import get_kernel_dict

    python_arguments = (
        ["-Xfrozen_modules=off"] if platform.python_implementation() == "CPython" else None
    )
    spec = get_kernel_dict(None, python_arguments)
    # TensorFlow's C++ start-up lines (oneDNN, "no CUDA") go to the server's terminal, not into
    # the student's cells; Python warnings still show in the notebook
    spec["argv"] = [*spec["argv"], "--IPKernelApp.capture_fd_output=False"]
    spec.update(display_name=DISPLAY_NAME, env=env)
    return spec


def install(env: dict[str, str], *, prefix: str | None = None) -> tuple[Path, bool]:
    """Write the kernelspec unless an identical one exists; return (folder, changed)."""
    from ipykernel.kernelspec import install as ipykernel_install

    folder = kernel_dir(prefix)
    try:
        current = json.loads((folder / "kernel.json").read_text())
    except (OSError, ValueError):
        current = None
    if current == _wanted_spec(env):
        return folder, False
    ipykernel_install(
        kernel_name=KERNEL_NAME,
        display_name=DISPLAY_NAME,
        prefix=prefix or sys.prefix,
        env=dict(env),
    )
    (folder / "kernel.json").write_text(json.dumps(_wanted_spec(env), indent=1))
    return folder, True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.kernel", description=__doc__)
    parser.add_argument("--config", help="grading.toml to use (default: the repository's)")
    parser.add_argument("--prefix", help="install prefix (default: this environment, sys.prefix)")
    args = parser.parse_args(argv)
    try:
        env = notebook_environment(load_config(args.config))
    except (ConfigError, DataError) as exc:
        print(f"autograder.kernel: {exc}", file=sys.stderr)
        return 1
    folder, changed = install(env, prefix=args.prefix)
    print(f"kernel {KERNEL_NAME}: {'installed' if changed else 'unchanged'} at {folder}")
    for variable in ("TF_USE_LEGACY_KERAS", *VARIABLES):
        value = env.get(variable)
        print(f"  {variable}={value}" if value else f"  {variable} not set (run `autograder data`)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
