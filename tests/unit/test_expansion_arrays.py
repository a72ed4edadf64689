"""The array engine's building blocks against their plain-Python definitions."""

from __future__ import annotations

import random

import numpy as np
import pytest

from chainscout.queries import expansion_vector
from chainscout.queries.expansion_graph import FamilyGraph, _Ids


def test_round6_is_pythons_round_bit_for_bit() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([
        rng.random(200_000) * 100,
        rng.random(20_000),
        (rng.integers(0, 10**8, 20_000) + 0.5) / 1e6,  # half-way cases in decimal
        -rng.random(1_000) * 3,
        np.array([0.0, 1.0, 0.5e-6, 2.5e-6, 0.1 + 0.2, 99.9999995, 1e-7]),
    ])
    got = expansion_vector.round6(values)
    assert got.tolist() == [round(v, 6) for v in values.tolist()]
    assert expansion_vector.clamp6(np.array([-0.2, 1.3, 0.1234567])).tolist() == [
        0.0, 1.0, 0.123457]


def _hub(rng: random.Random, n: int, members: list[int], limit: int) -> FamilyGraph:
    empty = np.zeros(0, dtype=np.int64)
    hub_via = np.full(n, -1, dtype=np.int64)
    hub_pos = np.full(n, limit, dtype=np.int64)
    for pos, m in enumerate(members):
        hub_via[m] = 0
        if pos < limit:
            hub_pos[m] = pos
    head = np.array(members[:limit], dtype=np.int64)
    return FamilyGraph("park_cotenants", 2, ("LOCATED_IN",), np.zeros(n + 1, dtype=np.int64),
                       empty, empty, empty, np.zeros(0), ("P",), hub_via, hub_pos, 0.25,
                       np.array([0, head.size], dtype=np.int64), head)


@pytest.mark.parametrize("seed", range(40))
def test_hub_sources_kept_are_those_that_can_win_a_member(seed: int) -> None:
    """Per member, the winning (strongest, then earliest) source among all frontier rows is
    among the rows the hub expansion keeps, at the same position in its list."""
    rng = random.Random(seed)
    n = 60
    members = sorted(rng.sample(range(n), rng.randrange(3, 40)))
    max_fanout = rng.randrange(1, 12)
    fam = _hub(rng, n, members, max_fanout + 1)
    sources = rng.sample(members, rng.randrange(1, len(members) + 1))
    f_node = np.array(sources, dtype=np.int64)
    f_s = np.array([rng.choice([0.3, 0.5, 0.5, 0.8]) for _ in sources])
    f_pos = np.arange(len(sources), dtype=np.int64)
    f_ev = np.zeros(len(sources), dtype=np.int64)

    def listed(u: int) -> list[int]:
        return [m for m in members if m != u][:max_fanout]

    expected: dict[int, tuple[float, int, int]] = {}  # member -> (strength, frontier row, epos)
    for row in sorted(range(len(sources)), key=lambda r: (-f_s[r], r)):
        for epos, m in enumerate(listed(sources[row])):
            expected.setdefault(m, (float(f_s[row]), row, epos))

    rows, got_members, epos = expansion_vector._hub_candidates(fam, f_ev, f_node, f_s, f_pos,
                                                              max_fanout)
    got: dict[int, tuple[float, int, int]] = {}
    for row, m, e in sorted(zip(rows.tolist(), got_members.tolist(), epos.tolist(),
                                strict=True), key=lambda t: (-f_s[t[0]], t[0], t[2])):
        assert m in listed(sources[row]) and listed(sources[row]).index(m) == e
        got.setdefault(m, (float(f_s[row]), row, e))
    assert got == expected


def test_fit_table_is_the_walks_product_fit_part() -> None:
    from chainscout.queries import expansion

    rng = random.Random(3)
    products = ["credit", "deposits", "fx", "settlement", "guarantee", "custody"]
    sets = [()] + [tuple(sorted(rng.sample(products, rng.randrange(1, 5)))) for _ in range(30)]
    signals = [tuple(rng.sample([*products, "cash_management"], rng.randrange(0, 5)))
               for _ in range(12)] + [("credit", "credit", "fx")]  # repeated signal counts twice
    table = expansion._fit_parts(sets, signals, 10.0)
    for i, held in enumerate(sets):
        for j, listed in enumerate(signals):
            catalogue = {"t": type("T", (), {"product_signals": listed})()}
            event = type("E", (), {"type": "t"})()
            fit, _ = expansion._facts_parts(expansion._Facts(None, bool(held), held), event,
                                            catalogue, 10.0, 5.0)  # type: ignore[arg-type]
            assert table[i, j] == fit, (held, listed)


def test_node_ids_become_positions_in_uscc_order() -> None:
    """Exports name enterprises by node id; the enterprise table numbers them in uscc order, a
    subject outside the graph gets a position of its own, and an id the table lacks (a node
    deleted between two exports) is -1 so that its rows are dropped."""
    ids = _Ids()
    links = ids.add([30, 10, 99, 20])
    empty = ids.add([])
    table = {"id": [10, 20, 30], "uscc": ["C", "A", "B"]}
    usccs, columns, subjects = ids.finish(table, ["B", "0", "A"])
    assert usccs == ("0", "A", "B", "C")
    assert columns[links].tolist() == [2, 3, -1, 1]
    assert columns[empty].tolist() == []
    assert subjects.tolist() == [2, 0, 1]
    none = _Ids()
    col = none.add([5])
    assert none.finish({"id": [], "uscc": []}, [])[1][col].tolist() == [-1]
