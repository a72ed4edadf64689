"""Some relationship kinds checked and written by a second process while the loader goes on.

A load is one Python process, so checking and transforming rows uses one core. Writing the bulk
import files has no server to wait for: that core is the whole bound; a ``GRAPH.BULK`` build
leaves the embedded server idle whenever the loader is still checking the next batch. Once the
node kinds that the largest relationship kind (officers: ≈ 36 % of the rows of a national build)
names are done — enterprises and persons — every key registry it reads is complete and no longer
changes, so it can be checked and written by a forked copy of the loader while this one goes on
with the other kinds (parks, events and the other relationships). The
child sends back its file counts, target counts, rejects and what it wrote; the parent adds them to
the load's summary, rejects file and outputs, so the result is the same as one process's (only the
rejects of those kinds come last in the rejects file).

Only a sink that can write a part of its own (:class:`PartSink`: the bulk-import files, which the
child writes into files of its own, and the ``GRAPH.BULK`` build, whose child sends the
relationships on a connection of its own) is split, and only where ``fork`` exists. Nothing else
runs while the child is forked: the sink's writer thread is held between two writes
(:meth:`PartSink.forking`), and the child never touches the parent's open files or sockets (it
leaves with ``os._exit``, as every ``multiprocessing`` child does; redis-py's pools open new
connections in a forked process).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import LoadError
from .rejects import Reject, RejectsWriter
from .worker import while_waiting

#: The kinds the second process takes: node-free, so they register no keys the others read.
KINDS = ("officers",)


class PartSink(Protocol):
    """A sink whose rows of some kinds another process can write into outputs of its own."""

    def forking(self) -> AbstractContextManager[None]:
        """Around the fork: no thread of the sink is in the middle of a write."""

    def part(self, name: str, targets: dict[str, Any]) -> Any:
        """A sink like this one that writes outputs of its own, named after ``name``."""

    def outputs(self) -> Any:
        """What this (part) sink wrote, picklable, for :meth:`adopt`."""

    def adopt(self, outputs: Any) -> None:
        """Take over what a part sink wrote."""


def can_split(sink: object) -> bool:
    return all(hasattr(sink, m) for m in ("forking", "part", "outputs", "adopt")) and (
        "fork" in multiprocessing.get_all_start_methods())


@dataclass
class PartResult:
    files: list[Any] = field(default_factory=list)
    targets: dict[str, Any] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    outputs: Any = None
    error: str | None = None


class _Collected(RejectsWriter):
    """Rejects kept for the parent, which writes them into the load's rejects file."""

    def __init__(self) -> None:
        super().__init__(None)
        self.rows: list[Reject] = []

    def write(self, rejects: Any) -> None:
        rows = list(rejects)
        self.rows.extend(rows)
        super().write(rows)


class SecondProcess:
    """Runs ``load(sink, rejects) -> file stats`` for :data:`KINDS` in a forked child."""

    def __init__(self, sink: PartSink,
                 load: Callable[[Any, RejectsWriter], list[Any]]) -> None:
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=self._child, args=(send, sink, load),
                                        name="chainscout-second-loader", daemon=True)
        with sink.forking():
            self._process.start()
        send.close()

    @staticmethod
    def _child(send: Any, sink: PartSink, load: Callable[[Any, RejectsWriter], list[Any]]
               ) -> None:
        result = PartResult()
        try:
            # The parent's pending first passes are the parent's: never step them here.
            with while_waiting(None):
                part = sink.part("part2", result.targets)
                rejects = _Collected()
                try:
                    result.files = load(part, rejects)
                finally:
                    part.close()
                result.rejects = rejects.rows
                result.outputs = part.outputs()
        except BaseException as exc:  # reported by the parent, which stops the load
            result = PartResult(error=str(exc) or type(exc).__name__)
        send.send(result)
        send.close()

    def join(self) -> PartResult:
        """The child's result; :class:`LoadError` if it failed or died."""
        try:
            result: PartResult = self._receive.recv()
        except EOFError:
            self._process.join()
            raise LoadError(None, "the second loader process ended without a result (exit code "
                            f"{self._process.exitcode}); run the load again") from None
        finally:
            self._receive.close()
        self._process.join()
        if result.error is not None:
            raise LoadError(None, result.error)
        return result

    def stop(self) -> None:
        """After a failure of the parent: end the child too."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
