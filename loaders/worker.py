"""One thread that runs jobs in order while the loading thread goes on.

The sinks hand their slow, GIL-releasing steps to it: a store write or a ``GRAPH.BULK`` command
waits on the server's socket, pyarrow's CSV writer formats and writes a table in C++. Batches stay
in order and at most ``depth`` wait, so memory stays bounded and the loader is only held up when
the thread falls behind. While it is held up, it can do other work of the same load instead of
waiting (:func:`while_waiting`).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator

from .errors import LoadError

_waiting = threading.local()


@contextlib.contextmanager
def while_waiting(step: Callable[[], bool] | None) -> Iterator[None]:
    """Whenever this thread would wait for a full worker queue, run ``step`` (one small piece of
    other work; it returns False once there is none left) until the queue has room. ``None``:
    just wait (a forked loader, which inherits the thread's step but not the work it belongs to)."""
    previous = getattr(_waiting, "step", None)
    _waiting.step = step
    try:
        yield
    finally:
        _waiting.step = previous


class OrderedWorker:
    """Runs jobs on one thread, in order, at most ``depth`` waiting. The first failure is raised
    on the caller's thread by the next ``submit`` or by ``close``; jobs queued after it are
    dropped."""

    def __init__(self, name: str, depth: int) -> None:
        self.name = name
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        #: Guards the two flags below: a job is running; no job may start (:meth:`paused`).
        self._hold = threading.Condition()
        self._busy = False
        self._paused = False

    def submit(self, job: Callable[[], None]) -> None:
        self._raise()
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()
        step = getattr(_waiting, "step", None)
        if step is not None and self._queue.full():
            _waiting.step = None  # the step's own work never waits for this queue
            try:
                while self._queue.full() and step():
                    pass
            finally:
                _waiting.step = step
        self._queue.put(job)  # the thread always drains, even after a failure

    def _loop(self) -> None:
        while (job := self._queue.get()) is not None:
            with self._hold:
                while self._paused:
                    self._hold.wait()
                self._busy = True
            try:
                if self._error is None:  # after a failure, drain without running
                    try:
                        job()
                    except BaseException as exc:
                        self._error = exc
            finally:
                with self._hold:
                    self._busy = False
                    self._hold.notify_all()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No job runs inside this block: the one in flight ends first, the queued ones wait.
        (A fork inside it copies no thread in the middle of a job, and no lock held.)"""
        with self._hold:
            self._paused = True
            while self._busy:
                self._hold.wait()
        try:
            yield
        finally:
            with self._hold:
                self._paused = False
                self._hold.notify_all()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Wait for every queued job; re-raise the first failure."""
        self._join()
        self._raise()

    def abort(self) -> None:
        """Drop what is queued; the job in flight finishes."""
        if self._error is None:
            self._error = LoadError(None, "load aborted")
        self._join()

    def _join(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
