"""TensorFlow's start-up lines are kept off the terminal; everything else passes, at once."""

from __future__ import annotations

import subprocess
import sys

NOISE = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796176413.306324   31911 port.cc:153] oneDNN custom operations are on. You "
    "may see slightly different numerical results due to floating-point round-off errors.",
    "I0000 00:00:1796176413.307020   31911 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used.",
    "E0000 00:00:1796176417.005365   31911 cuda_platform.cc:52] failed call to cuInit: "
    "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
]
KEPT = [
    "<string>:5: UserWarning: a real warning",
    "E0000 00:00:1.0   1 model.cc:10] an error TensorFlow really reports",
    "Warning: something else",
]


def test_the_filter_drops_exactly_the_start_up_lines():
    from autograder.quiet import is_noise

    assert all(is_noise(line) for line in NOISE)
    assert not any(is_noise(line) for line in KEPT)


def test_child_processes_are_filtered_and_a_progress_bar_is_not_held_back(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(
        "import sys\n"
        f"sys.stderr.write({chr(10).join(NOISE + KEPT)!r} + '\\n')\n"
        "sys.stderr.write('\\r 50%|#####     |')\n"
        "sys.stderr.flush()\n"
    )
    runner = (
        "import subprocess, sys\n"
        "from autograder.quiet import filtered_stderr\n"
        "with filtered_stderr():\n"
        f"    subprocess.run([sys.executable, {str(script)!r}])\n"
    )
    err = subprocess.run([sys.executable, "-c", runner], capture_output=True).stderr.decode()
    assert err.splitlines()[: len(KEPT)] == KEPT
    assert "\r 50%|#####     |" in err and "oneDNN" not in err and "cuInit" not in err
