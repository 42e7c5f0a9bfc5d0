"""TensorFlow's start-up noise kept off the terminal; every other line, real warnings included,
passes through.

TensorFlow's C++ side writes INFO and "no GPU" lines straight to file descriptor 2 before its
own log level applies (``TF_CPP_MIN_LOG_LEVEL`` does not reach them), from the kit's process and
from every process it starts. ``filtered_stderr`` puts a pipe on descriptor 2 for the duration
of a command and drops exactly those lines; partial lines (a progress bar's ``\\r`` updates)
are passed on at once.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading

NOISE = re.compile(
    r"^(?:WARNING: All log messages before absl::InitializeLog\(\) is called are written to "
    r"STDERR"
    r"|[IWE]\d{4} [\d:.]+\s+\d+ (?:port|cudart_stub|cuda_platform|cpu_feature_guard|cuda_dnn|"
    r"cuda_fft|cuda_blas|cuda_executor|gpu_device|cuda_diagnostics|dso_loader)\.cc:\d+\].*"
    r"|To enable the following instructions: .* rebuild TensorFlow with the appropriate "
    r"compiler flags\.)$"
)
MAYBE_NOISE = re.compile(  # the start of a line that may turn out to be noise: held back
    r"^(?:W|WA|WAR|WARN|WARNI|WARNIN|WARNING|WARNING:.*|[IWE]\d*|[IWE]\d{4} .*|T|To|To .*)$"
)


def is_noise(line: str) -> bool:
    return bool(NOISE.match(line.rstrip("\r\n")))


@contextlib.contextmanager
def filtered_stderr():
    """Descriptor 2 through a filter while the block runs (no-op where it cannot be set up)."""
    try:
        saved = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:
        yield
        return
    os.dup2(write_end, 2)
    os.close(write_end)
    thread = threading.Thread(target=_pump, args=(read_end, saved), daemon=True)
    thread.start()
    try:
        yield
    finally:
        import sys

        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(saved, 2)  # closes the pipe's last writer of ours: the pump sees the end
        thread.join(timeout=5)
        os.close(saved)


def _pump(read_end: int, target: int) -> None:
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""
    try:
        while chunk := os.read(read_end, 65536):
            lines = (pending + decoder.decode(chunk)).split("\n")
            pending = lines.pop()
            out = "".join(line + "\n" for line in lines if not is_noise(line))
            if pending and not MAYBE_NOISE.match(pending):
                out, pending = out + pending, ""
            if out:
                _write(target, out)
        if pending and not is_noise(pending):
            _write(target, pending)
    finally:
        os.close(read_end)


def _write(fd: int, text: str) -> None:
    data = text.encode("utf-8", "replace")
    while data:
        try:
            data = data[os.write(fd, data) :]
        except OSError:
            return
