"""A fork server: pay the imports once, then fork one fresh child per piece of work.

Runs inside a jail (the sandbox template, the verdict worker); the host side is
``autograder.grade.isolation.warm``. They talk over a ``SOCK_SEQPACKET`` socket, one JSON object
per packet:

    server -> host   {"ready": true}       imports done; nothing has run yet
    host   -> server {"work": {...}}       one piece of work
    child  -> host   {"child": true}       the kernel attaches the child's pid for the host
    host   -> child  {"go": true}          once the host has put the child in its cgroup
    server -> host   {"exit": CODE}        how the child ended (-N: killed by signal N)
    host   -> server {"stop": true}        (or the host closes its end)

The server itself never does the work, so nothing a child does (or a bad input does to it)
changes what the next child starts from. TensorFlow must not have run an operation in the
server before it forks: its thread pools do not survive a fork.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import traceback
from collections.abc import Callable

MAX_MESSAGE = 64 * 2**10
CRASHED = 70


def send(sock: socket.socket, message: dict) -> None:
    sock.send(json.dumps(message).encode())


def decode(data: bytes) -> dict:
    """One message's packet, checked to be a JSON object."""
    message = json.loads(data)
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    return message


def receive(sock: socket.socket) -> dict:
    data = sock.recv(MAX_MESSAGE)
    if not data:
        raise EOFError("the other end closed the channel")
    return decode(data)


def wait_for_go(sock: socket.socket) -> dict:
    """In a child: say hello (the host learns the pid) and wait until the host lets it run."""
    send(sock, {"child": True})
    message = receive(sock)
    if not message.get("go"):
        raise RuntimeError(f"expected go, got {sorted(message)}")
    return message


def flush_stdio() -> None:
    """Before ``os._exit``: what a child printed must reach the host (a closed or broken
    stream is no reason to fail)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def serve(sock: socket.socket, work: Callable[[dict, socket.socket], int]) -> None:
    """Fork one child per ``work`` message; report each child's end; return on stop or EOF."""
    send(sock, {"ready": True})
    while True:
        try:
            message = receive(sock)
        except (EOFError, OSError):
            return
        if message.get("stop") or not isinstance(message.get("work"), dict):
            return
        pid = os.fork()
        if pid == 0:
            code = CRASHED
            try:
                code = work(message["work"], sock)
            except BaseException:
                traceback.print_exc()
            finally:
                flush_stdio()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        send(sock, {"exit": os.waitstatus_to_exitcode(status)})
