"""The held control graph (queries/group_index.py) on hand-built edges with known answers: which
parts are kept, node order, neighbour order, and the search's bounds and truncation. The
integration tests compare whole pages with the store search on both stores."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainscout.queries.group_index import ControlGraph, GroupBounds, search_group

#: holder, is person, held, is CONTROLS, percentage
EDGES: list[tuple[str, int, str, int, Any]] = [
    ("A", 0, "B", 0, 80.0),   # A holds 80 % of B
    ("A", 0, "B", 1, None),   # and controls it
    ("B", 0, "C", 0, 55.0),
    ("C", 0, "D", 0, 95.0),
    ("D", 0, "A", 0, 60.0),   # a cycle back to A
    ("P1", 1, "D", 0, 70.0),  # a person beside the chain
    ("P1", 1, "X", 0, 90.0),  # and in a firm of its own: X joins the group through P1
    ("P2", 1, "Y", 0, 99.0),  # a person with one firm: no group, not kept
    ("Z", 0, "Z", 0, 60.0),   # a firm holding itself: no group either
]


def _graph() -> ControlGraph:
    cols: dict[str, list[Any]] = {"holder": [], "person": [], "held": [], "controls": [],
                                  "percentage": []}
    for row in EDGES:
        for name, value in zip(cols, row, strict=True):
            cols[name].append(value)
    return ControlGraph.from_columns(cols)


def _reached(graph: ControlGraph, anchor: str, **bounds: Any) -> tuple[list[str], bool]:
    node = graph.node(anchor)
    assert node is not None
    search = search_group(graph, node, GroupBounds(**bounds))
    return [graph.ref(n) for n in search.parent], search.truncated


def test_only_parts_joining_two_enterprises_are_kept_in_store_ref_order() -> None:
    graph = _graph()
    assert graph.enterprises.tolist() == ["A", "B", "C", "D", "X"]
    assert graph.persons.tolist() == ["P1"]
    assert graph.node("Y") is None and graph.node("Z") is None
    assert len(set(graph.part.tolist())) == 1
    assert graph.part_enterprises(int(graph.part[0])) == ["A", "B", "C", "D", "X"]


def test_neighbours_are_ordered_by_node_then_controls_first() -> None:
    graph = _graph()
    a = graph.node("A")
    assert a is not None
    lo, hi = graph.start[a], graph.start[a + 1]
    others = [graph.ref(int(o)) for o in graph.other[lo:hi]]
    kinds = [bool(graph.controls[e]) for e in graph.edge[lo:hi]]
    assert others == ["Enterprise:B", "Enterprise:B", "Enterprise:D"]
    assert kinds == [True, False, False]


def test_search_levels_bounds_and_truncation() -> None:
    graph = _graph()
    reached, truncated = _reached(graph, "A")
    assert reached == ["Enterprise:B", "Enterprise:D", "Enterprise:C", "Person:P1",
                       "Enterprise:X"]
    assert not truncated
    assert _reached(graph, "A", max_depth=1) == (["Enterprise:B", "Enterprise:D"], True)
    assert _reached(graph, "A", max_members=3) == (["Enterprise:B", "Enterprise:D"], True)
    assert _reached(graph, "A", via_persons=False) == (["Enterprise:B", "Enterprise:D",
                                                        "Enterprise:C"], False)
    # above 80 %: only C -> D (95 %) and P1 -> X (90 %) besides CONTROLS A -> B
    assert _reached(graph, "A", majority=80.0) == (["Enterprise:B"], False)
    assert _reached(graph, "C", majority=80.0) == (["Enterprise:D"], False)


def test_every_edge_is_kept_with_its_percentage() -> None:
    graph = _graph()
    held = {(graph.ref(int(h)), graph.ref(int(d)), bool(c)): p
            for h, d, c, p in zip(graph.holder, graph.held, graph.controls, graph.percentage,
                                  strict=True)}
    assert len(held) == 7
    assert held[("Person:P1", "Enterprise:X", False)] == 90.0
    assert np.isnan(held[("Enterprise:A", "Enterprise:B", True)])
