"""Checkpoints of a load: which chunks of which file are written, so a crashed load resumes.

The checkpoint sits next to the rejects file (``<rejects>.checkpoint.json``) and is written
atomically after every chunk whose batches are all committed. A rerun of the same load (same inputs,
snapshot and source) reads, checks and transforms every chunk again — that rebuilds the duplicate and
reference state and the rejects file — but skips the store writes of the chunks already done. Since
the upserts are idempotent, replaying a chunk that was half-written is harmless. The file is removed
when the load completes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERSION = 1


@dataclass
class Checkpoint:
    path: Path
    fingerprint: str
    done: dict[str, int] = field(default_factory=dict)  # source key -> chunks written
    targets: dict[str, dict[str, int]] = field(default_factory=dict)  # counts so far

    @classmethod
    def open(cls, path: Path, fingerprint: str, *, resume: bool) -> tuple[Checkpoint, bool]:
        """The checkpoint to continue from (and True), or a fresh one."""
        if resume and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = None
            if (isinstance(data, dict) and data.get("version") == VERSION
                    and data.get("fingerprint") == fingerprint):
                done = {str(k): int(v) for k, v in data.get("done", {}).items()}
                targets = {str(k): {str(a): int(b) for a, b in v.items()}
                           for k, v in data.get("targets", {}).items()}
                return cls(path, fingerprint, done, targets), True
        return cls(path, fingerprint), False

    def chunks_done(self, key: str) -> int:
        return self.done.get(key, 0)

    def save(self, key: str, chunks: int, targets: dict[str, dict[str, int]]) -> None:
        self.done[key] = chunks
        self.targets = targets
        payload: dict[str, Any] = {
            "version": VERSION,
            "fingerprint": self.fingerprint,
            "done": self.done,
            "targets": self.targets,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(payload, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
