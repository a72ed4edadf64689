"""How many statements a derive pass sends: one per step on FalkorDB (every run of a step scans all
its links, so batching there would make a from-scratch pass quadratic), batches on Neo4j."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from chainscout.loaders.derive import BATCH, SET_STEPS, STEPS, derive


class CountingStore:
    """Answers every derive statement as if it changed ``changed`` nodes; records the batches."""

    def __init__(self, name: str, changed: int) -> None:
        self.name = name
        self.changed = changed
        self.batches: list[int] = []

    def read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return [{"missing": False}]

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        assert params is not None
        self.batches.append(int(params["batch"]))
        done = min(self.changed, int(params["batch"]))
        self.changed -= done
        return [{"changed": done}]


def test_falkordb_derives_each_step_in_one_statement() -> None:
    store = CountingStore("falkordb", changed=3 * BATCH)
    summary = derive(store)  # type: ignore[arg-type]
    assert summary is not None
    assert len(store.batches) == len(STEPS)
    assert summary.changes == 3 * BATCH


def test_neo4j_derives_in_bounded_batches() -> None:
    store = CountingStore("neo4j", changed=3 * BATCH)
    summary = derive(store)  # type: ignore[arg-type]
    assert summary is not None
    assert set(store.batches) == {BATCH}
    assert len(store.batches) == 4 + len(STEPS) - 1  # 3 full runs and one short, then one each
    assert summary.changes == 3 * BATCH


@pytest.mark.parametrize("name", ["falkordb", "neo4j"])
def test_an_explicit_batch_wins(name: str) -> None:
    store = CountingStore(name, changed=5)
    derive(store, batch=2)  # type: ignore[arg-type]
    assert store.batches[:4] == [2, 2, 2, 2]


def test_a_graph_built_from_empty_runs_only_the_set_steps() -> None:
    store = CountingStore("falkordb", changed=10)
    summary = derive(store, fresh=True)  # type: ignore[arg-type]
    assert summary is not None
    assert len(store.batches) == len(SET_STEPS) < len(STEPS)
    assert set(summary.changed) == set(STEPS)  # the steps left out report 0
    assert summary.changes == 10
