"""Child-process helpers shared by the store servers this package supervises.

A server started for a test run, a benchmark or an embedded store must not outlive the process
that started it, even when that process is SIGKILLed: Linux's ``PR_SET_PDEATHSIG`` sends the
child a signal when its parent dies. The "parent" is the *thread* that forked, so every such
child is forked from one long-lived thread (:func:`popen_tied`).
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1


def pid_alive(pid: int) -> bool:
    """True for a live, non-zombie process (a zombie still answers ``kill(pid, 0)``)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


class _SpawnerThread:
    """Runs callables on a single daemon thread that lives as long as the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid = -1

    def call(self, fn: Callable[[], T]) -> T:
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._jobs = queue.SimpleQueue()
                self._thread = threading.Thread(
                    target=self._run, args=(self._jobs,), name="server-spawner", daemon=True
                )
                self._pid = os.getpid()
                self._thread.start()
            jobs = self._jobs
            if threading.current_thread() is self._thread:
                return fn()
        fut: Future[T] = Future()
        jobs.put((fn, fut))
        return fut.result()

    @staticmethod
    def _run(jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]]) -> None:
        while True:
            fn, fut = jobs.get()
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn())
            except BaseException as exc:
                fut.set_exception(exc)


_spawner = _SpawnerThread()


def _stop_with_parent(parent_pid: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGTERM when its parent dies (Linux only;
    elsewhere None).

    Everything is resolved before fork: in the child only a ctypes call and getppid() run, no
    imports or locks. The getppid() check closes the race where the parent died before prctl.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    prctl = libc.prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    sigterm = int(signal.SIGTERM)

    def preexec() -> None:
        if prctl(_PR_SET_PDEATHSIG, sigterm, 0, 0, 0) != 0:
            os._exit(126)
        if os.getppid() != parent_pid:
            os._exit(0)

    return preexec


def popen_tied(args: list[str], **popen_kwargs: Any) -> subprocess.Popen[bytes]:
    """``subprocess.Popen`` from the spawner thread, the child stopped when this process dies."""
    parent_pid = os.getpid()

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(args, preexec_fn=_stop_with_parent(parent_pid), **popen_kwargs)

    return _spawner.call(start)
