#!/usr/bin/env bash
# One command for a fresh machine: system packages (as root), .venv with the pinned stack,
# the Jupyter kernel "keras-course-kit", and the datasets. Safe and quick to run again.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(dataset-fashion-mnist graphviz bubblewrap libseccomp2 util-linux chromium fonts-noto-cjk)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
else
  echo "setup: not root; install ${APT_PACKAGES[*]} yourself if 'autograder data' asks for them"
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.kit-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing the pinned stack into .venv (a few minutes the first time)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev,cluster]'
  echo "$want" > "$stamp"
fi

.venv/bin/python -m autograder.kernel
.venv/bin/autograder data
