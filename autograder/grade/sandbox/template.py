"""The sandbox template: imports what every notebook needs once, then forks one child per
submission (the warm path; ``--cold`` starts a fresh jailed Python per submission instead).

It runs as root inside a bubblewrap jail with the sandbox's allow-list file system and no
network, and never runs student code, reads a test, a reference or a solution: the jail does
not contain them. It imports numpy, TensorFlow with tf-keras, IPython, matplotlib and the
harness, but runs no TensorFlow operation (its thread pools would not survive the fork). Each
child is put in its own cgroup by the host, confines itself (``confine``), runs the harness on
exactly one submission and exits.

    python -m autograder.grade.sandbox.template CONTROL_FD SECCOMP_FD CONFIG_JSON
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import sys
import threading
from typing import Any

from autograder.grade import forkserve
from autograder.grade.sandbox import confine

# Imported once per job; anything else is imported by the notebook itself.
PRELOAD = ("numpy", "pandas", "matplotlib.pyplot", "IPython.core.interactiveshell",
           "tensorflow", "tf_keras", "tensorflow_hub", "nltk",
           "autograder.grade.sandbox.harness")  # fmt: skip


def preload() -> list[str]:
    """Import ``PRELOAD``; return what could not be imported."""
    missing = []
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:
            missing.append(name)
    from tensorflow import keras

    keras.layers.Dense, keras.datasets.fashion_mnist  # noqa: B018 (resolve the lazy modules)
    return missing


# Threads that may exist when the template forks: jemalloc's (pyarrow's allocator, imported by
# pandas and TensorFlow) stops and restarts itself around fork() in its own atfork handlers.
FORK_SAFE_THREADS = ("jemalloc_bg_thd",)


# keras.datasets loaders whose data the template reads once (keras's folder -> module name).
# Every child gets the very arrays the loader returns (read-only, as ``np.frombuffer`` makes
# them), as new views: the same values, dtypes and flags as a fresh call, without the unzip.
PRELOADED_DATASETS = {"fashion-mnist": "fashion_mnist"}


def preload_datasets(binds: list, home: str) -> list[str]:
    """Load each ``PRELOADED_DATASETS`` dataset bound into home with keras's own loader, and
    make every reference to that loader return it; the names of those preloaded."""
    import functools
    import tempfile

    from tensorflow import keras

    prefix = f"{home}/.keras/datasets/"
    staged = {inside[len(prefix) :]: source for source, inside, _ in binds
              if inside.startswith(prefix)}  # fmt: skip
    loaded = []
    for folder, module_name in PRELOADED_DATASETS.items():
        if folder not in staged:
            continue
        module = getattr(keras.datasets, module_name)
        original = module.load_data
        with tempfile.TemporaryDirectory() as fake_home:
            os.makedirs(f"{fake_home}/.keras/datasets")
            os.symlink(staged[folder], f"{fake_home}/.keras/datasets/{folder}")
            saved, os.environ["HOME"] = os.environ.get("HOME"), fake_home
            try:
                splits = original()
            finally:
                os.environ["HOME"] = saved or home
        if not all(not a.flags.writeable for pair in splits for a in pair):
            continue  # not what this code expects of the loader: leave it alone

        @functools.wraps(original)
        def load_data(cache_dir=None, _splits=splits, _original=original):
            if cache_dir is not None:
                return _original(cache_dir=cache_dir)
            return tuple(tuple(a.view() for a in pair) for pair in _splits)

        for loaded_module in list(sys.modules.values()):
            if getattr(loaded_module, "load_data", None) is original:
                loaded_module.load_data = load_data
        loaded.append(folder)
    return loaded


def unsafe_threads() -> list[str]:
    """Threads of this process other than the main one and ``FORK_SAFE_THREADS``, as the kernel
    lists them (TensorFlow's threads are not Python's)."""
    names = []
    for task in sorted(os.listdir("/proc/self/task"), key=int):
        if int(task) == os.getpid():
            continue
        try:
            with open(f"/proc/self/task/{task}/comm") as fh:
                name = fh.read().strip()
        except OSError:
            continue
        if name not in FORK_SAFE_THREADS:
            names.append(name)
    return names


def run_submission(config: dict[str, Any], seccomp_program: bytes, sock: socket.socket) -> int:
    """In the forked child: wait to be placed, enter new namespaces, fork the submission's
    pid 1, which confines itself and forks the harness as pid 2 (as bubblewrap's init does on
    the cold path); return how the harness ended."""
    forkserve.wait_for_go(sock)
    sock.close()
    confine.unshare_namespaces()
    pid = os.fork()
    if pid == 0:
        code = forkserve.CRASHED
        try:
            confine.confine(
                binds=[tuple(b) for b in config["binds"]],
                hide=config["hide"],
                workdir=config["workdir"],
                file_size_mb=config["file_size_mb"],
                open_files=config["open_files"],
                seccomp_program=seccomp_program,
            )
            code = _reap_while(_fork_harness(config["request"]))
        except BaseException as exc:
            print(f"kit template: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            forkserve.flush_stdio()
            os._exit(code)
    return _end_like(os.waitpid(pid, 0)[1])


def _fork_harness(request: str) -> int:
    """Fork the (already confined) harness; its pid."""
    pid = os.fork()
    if pid == 0:
        code = forkserve.CRASHED
        try:
            confine.make_dumpable()
            from autograder.grade.sandbox import harness

            code = harness.main(request)
        except BaseException as exc:
            print(f"kit harness: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            forkserve.flush_stdio()
            os._exit(code)
    return pid


def _reap_while(harness: int) -> int:
    """Pid 1 of the submission: reap every orphan (they would count against the process limit)
    until the harness ends; its exit code (128 + N if killed by signal N). Leaving ends every
    process still in the namespace."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return forkserve.CRASHED
        if pid == harness:
            code = os.waitstatus_to_exitcode(status)
            return 128 - code if code < 0 else code


def _end_like(status: int) -> int:
    """The exit code to pass on for pid 1's wait status. A harness killed by signal N (pid 1
    exits 128 + N: init cannot signal itself) or a pid 1 killed by it ends this process with
    the same signal, so the host sees ``-N`` as on the cold path."""
    code = os.waitstatus_to_exitcode(status)
    number = -code if code < 0 else code - 128 if code > 128 else 0
    if number and number not in (signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU):
        if number != signal.SIGKILL:
            signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)  # a signal whose default is to ignore: the code below
    return code


def main(control_fd: str, seccomp_fd: str, config_json: str) -> int:
    sock = socket.socket(fileno=int(control_fd))
    with open(int(seccomp_fd), "rb") as fh:
        seccomp_program = fh.read()
    config = json.loads(config_json)
    missing = preload()
    preload_datasets(config["binds"], config["workdir"])
    if missing:
        print(f"kit template: not preloaded: {', '.join(missing)}", file=sys.stderr)
    unsafe = unsafe_threads()
    if threading.active_count() != 1 or unsafe:
        print(f"kit template: threads before forking: {unsafe}", file=sys.stderr)
        return forkserve.CRASHED  # a fork would copy a lock some other thread holds

    def work(message: dict, channel: socket.socket) -> int:
        return run_submission({**config, **message}, seccomp_program, channel)

    forkserve.serve(sock, work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:4]))
