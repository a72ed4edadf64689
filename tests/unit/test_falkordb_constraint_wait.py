"""A FalkorDB unique constraint stuck pending is dropped and created again, as FalkorDB advises."""

from __future__ import annotations

from typing import Any

import pytest

from chainscout.graph.stores.base import StoreError
from chainscout.graph.stores.falkordb_store import FalkorDBStore


class _Fake:
    """The parts of FalkorDBStore that _await_constraints uses: db.constraints() and commands."""

    def __init__(self, settle_after_rebuild: bool) -> None:
        self.commands: list[tuple[str, ...]] = []
        self.settle = settle_after_rebuild

    def read(self, cypher: str, params: Any = None) -> list[dict[str, Any]]:
        rebuilt = any(c[1] == "CREATE" for c in self.commands)
        status = "OPERATIONAL" if rebuilt and self.settle else "UNDER CONSTRUCTION"
        return [{"type": "UNIQUE", "label": "Enterprise", "properties": ["uscc"],
                 "status": status},
                {"type": "UNIQUE", "label": "Park", "properties": ["park_id"],
                 "status": "OPERATIONAL"}]

    def _command(self, *args: str) -> None:
        self.commands.append(args)


def _store(fake: _Fake) -> FalkorDBStore:
    store = FalkorDBStore.__new__(FalkorDBStore)
    store.graph_name = "g"
    store.read = fake.read  # type: ignore[method-assign]
    store._command = fake._command  # type: ignore[method-assign]
    return store


def test_a_stuck_constraint_is_rebuilt_and_then_settles() -> None:
    fake = _Fake(settle_after_rebuild=True)
    _store(fake)._await_constraints(timeout_s=5, rebuild_after_s=0.1)
    assert fake.commands == [
        ("GRAPH.CONSTRAINT", "DROP", "g", "UNIQUE", "NODE", "Enterprise", "PROPERTIES", "1", "uscc"),
        ("GRAPH.CONSTRAINT", "CREATE", "g", "UNIQUE", "NODE", "Enterprise", "PROPERTIES", "1",
         "uscc"),
    ]


def test_a_constraint_that_never_settles_is_an_error_at_the_timeout() -> None:
    fake = _Fake(settle_after_rebuild=False)
    with pytest.raises(StoreError, match="still pending"):
        _store(fake)._await_constraints(timeout_s=0.5, rebuild_after_s=0.1)
    assert len(fake.commands) >= 4  # rebuilt again and again, never the operational one
    assert all("Park" not in c for c in fake.commands)
