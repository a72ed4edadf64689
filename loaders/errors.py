"""The one error the loaders raise for a file or setting they cannot use."""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """A file (or the mapping, or the load directory) cannot be loaded at all.

    The message names the file and says what is wrong and, where possible, how to fix it. The CLI
    prints it without a traceback. Row-level problems are never a ``LoadError``: they go to the
    rejects file and the load goes on.
    """

    def __init__(self, file: str | Path | None, problem: str) -> None:
        self.file = str(file) if file is not None else None
        self.problem = problem
        super().__init__(f"{self.file}: {problem}" if self.file else problem)
