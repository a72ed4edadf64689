"""Event expansion, warm introductions and the marketing map on both stores, with known answers."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from chainscout.graph.stores.base import GraphStore
from chainscout.queries import expansion, introductions
from chainscout.queries.expansion import ExpansionError, expand_event, expand_events
from tests.graph_builder import GraphSpec, build

AS_OF = dt.date(2024, 7, 31)  # 60 days after the bid: half of government_bid_won's base value
SIGNALS = ["guarantee", "credit", "supply_chain_finance", "settlement"]


def _event_graph() -> GraphSpec:
    g = GraphSpec()
    for key in ("S", "H", "C", "SUP", "BUY", "T", "O", "C2", "C3", "R2"):
        g.node("Enterprise", uscc=key, name=f"企业{key}", status="active")
    g.node("Enterprise", uscc="R", name="企业R", status="revoked")
    g.node("Park", park_id="P1", name="园区")
    g.node("Person", person_id="X", name="张三")
    g.node("Branch", branch_id="B1", name="支行", level="sub_branch")
    g.node("Event", event_id="EV1", type="government_bid_won", date="2024-06-01", title="中标")
    g.node("Event", event_id="EV2", type="registered_capital_increase", date="2024-06-01")
    g.node("Event", event_id="EV3", type="no_such_type", date="2024-06-01")
    g.rel("CONCERNS", "Event:EV1", "Enterprise:S")
    g.rel("CONCERNS", "Event:EV2", "Enterprise:BUY")
    g.rel("CONCERNS", "Event:EV3", "Enterprise:S")
    g.rel("HOLDS_SHARES", "Enterprise:H", "Enterprise:S", percentage=60.0)
    g.rel("CONTROLS", "Enterprise:S", "Enterprise:C", basis="majority_shares")
    g.rel("SUPPLIES", "Enterprise:SUP", "Enterprise:S")
    g.rel("SUPPLIES", "Enterprise:S", "Enterprise:BUY")
    g.rel("LOCATED_IN", "Enterprise:S", "Park:P1")
    g.rel("LOCATED_IN", "Enterprise:T", "Park:P1")
    g.rel("OFFICER_OF", "Person:X", "Enterprise:S", role="director")
    g.rel("OFFICER_OF", "Person:X", "Enterprise:S", role="legal_representative")
    g.rel("OFFICER_OF", "Person:X", "Enterprise:O", role="chairman")
    g.rel("SUPPLIES", "Enterprise:C", "Enterprise:C2")
    g.rel("SUPPLIES", "Enterprise:C2", "Enterprise:C3")
    g.rel("CONTROLS", "Enterprise:S", "Enterprise:R")
    g.rel("CONTROLS", "Enterprise:R", "Enterprise:R2")
    g.rel("CUSTOMER_OF", "Enterprise:BUY", "Branch:B1", products=SIGNALS, manager_id="M1")
    g.rel("CUSTOMER_OF", "Enterprise:SUP", "Branch:B1", products=["credit"], manager_id="M2")
    return g


# event_value 0.4 x 40 = 16; path_strength x 25; product_fit x 10; not_customer x 5
EXPECTED_TWO_HOPS = [
    ("C", 16 + 25 * 1.0 + 10 + 5),            # subsidiary (CONTROLS 1.0)
    ("R2", 16 + 25 * 0.6 + 10 + 5),           # via the revoked R: 1.0 x 1.0 x 0.6
    ("H", 16 + 25 * 0.54 + 10 + 5),           # 60 % shareholder: 0.9 x 0.6
    ("SUP", 16 + 25 * 0.8 + 10 * 0.75 + 0),   # supplier, customer holding credit
    ("C2", 16 + 25 * 0.48 + 10 + 5),          # subsidiary's buyer: 1.0 x 0.8 x 0.6
    ("O", 16 + 25 * 0.216 + 10 + 5),          # officer's company: 0.6 x 0.6·0.6 x 0.6·…
    ("BUY", 16 + 25 * 0.8 + 0 + 0),           # buyer, holds every signalled product
    ("T", 16 + 25 * 0.15 + 10 + 5),           # park co-tenant: 0.5 x 0.5 x 0.6
]


def test_single_event_ranks_neighbours_with_known_scores(store: GraphStore) -> None:
    build(store, _event_graph())
    result = expand_event(store, "EV1", max_hops=2, as_of=AS_OF, limit=50)
    assert result.event.subject == "S"
    assert result.event.value == pytest.approx(0.4)
    got = [(p.uscc, p.score.total) for p in result.page.items]
    assert [u for u, _ in got] == [u for u, _ in EXPECTED_TWO_HOPS]
    for (_, total), (_, expected) in zip(got, EXPECTED_TWO_HOPS, strict=True):
        assert total == pytest.approx(expected, abs=1e-4)
    assert result.page.total == len(EXPECTED_TWO_HOPS)  # R is revoked, S is the subject

    by_uscc = {p.uscc: p for p in result.page.items}
    sup = by_uscc["SUP"]
    assert sup.facts["offer"] == ["guarantee", "supply_chain_finance", "settlement"]
    assert sup.facts["is_customer"] is True
    officer_path = by_uscc["O"].paths[0]
    assert [n.ref for n in officer_path.nodes] == ["Enterprise:S", "Person:X", "Enterprise:O"]
    assert [(r.type, r.start, r.end, r.properties["role"]) for r in officer_path.relationships] == [
        ("OFFICER_OF", "Person:X", "Enterprise:S", "director"),
        ("OFFICER_OF", "Person:X", "Enterprise:O", "chairman"),
    ]
    assert officer_path.nodes[1].properties["name"] == "张三"
    shareholder = by_uscc["H"].paths[0].relationships[0]
    assert (shareholder.start, shareholder.end, shareholder.properties) == (
        "Enterprise:H", "Enterprise:S", {"percentage": 60.0})
    assert [n.ref for n in by_uscc["R2"].paths[0].nodes] == [
        "Enterprise:S", "Enterprise:R", "Enterprise:R2"]


def test_hops_and_families_bound_the_walk(store: GraphStore) -> None:
    build(store, _event_graph())
    three = expand_event(store, "EV1", max_hops=3, as_of=AS_OF, limit=50)
    c3 = next(p for p in three.page.items if p.uscc == "C3")
    assert c3.score.total == pytest.approx(16 + 25 * 0.2304 + 15, abs=1e-4)
    assert [r.type for r in c3.paths[0].relationships] == ["CONTROLS", "SUPPLIES", "SUPPLIES"]
    assert c3.facts["families"] == ["subsidiaries", "buyers", "buyers"]

    one = expand_event(store, "EV1", max_hops=1, as_of=AS_OF, families=["suppliers", "buyers"])
    assert [p.uscc for p in one.page.items] == ["SUP", "BUY"]

    paged = expand_event(store, "EV1", as_of=AS_OF, limit=3, offset=2)
    assert [p.uscc for p in paged.page.items] == ["H", "SUP", "C2"]
    assert paged.page.total == 8


def test_batch_keeps_top_k_per_event_and_ranks_together(store: GraphStore) -> None:
    build(store, _event_graph())
    batch = expand_events(store, ["EV1", "EV2", "EV3", "NOPE"], per_event_limit=2, as_of=AS_OF)
    assert [e.event_id for e in batch.events] == ["EV1", "EV2"]
    assert set(batch.skipped) == {"EV3", "NOPE"}
    per_event: dict[str, list[str]] = {}
    for hit in batch.hits:
        per_event.setdefault(hit.event_id, []).append(hit.uscc)
    assert per_event["EV1"] == ["C", "R2"]
    assert len(per_event["EV2"]) == 2
    totals = [h.total for h in batch.hits]
    assert totals == sorted(totals, reverse=True)

    by_date = expand_events(store, date_from="2024-06-01", per_event_limit=2, as_of=AS_OF)
    assert [h for h in by_date.hits] == [h for h in batch.hits]
    # events are walked and ranked a window at a time; the window does not change the result
    one_by_one = expand_events(store, ["EV1", "EV2"], per_event_limit=2, as_of=AS_OF, window=1)
    assert list(one_by_one.hits) == list(batch.hits)
    page = expansion.page(store, by_date, limit=4, offset=0)
    assert page.total == 4 and page.items[0].uscc == "C"
    assert page.items[0].facts["event_id"] == "EV1"
    # the light hits rank exactly like the drawn, explained scores
    assert [p.score.total for p in page.items] == [h.total for h in by_date.hits]
    assert [p.name for p in page.items[0].score.parts] == [
        "event_value", "path_strength", "product_fit", "not_customer"]
    assert "中标" in page.items[0].score.parts[0].explanation


def test_relation_types_come_only_from_the_allow_list(store: GraphStore) -> None:
    build(store, _event_graph())
    with pytest.raises(ValueError, match="unknown relation"):
        expand_event(store, "EV1", families=["HOLDS_SHARES]->() DETACH DELETE (n"])
    with pytest.raises(ValueError, match="not in the graph model"):
        expansion.families_for_types(["FOO"])
    assert expansion.families_for_types(["SUPPLIES"]) == ("suppliers", "buyers")
    with pytest.raises(ExpansionError):
        expand_event(store, "NOPE")


def _intro_graph() -> GraphSpec:
    """Prospect PR and five customers at known distances:
    C2 supplies PR (1 hop); C4 controls PR's buyer M (2 hops, strength 0.48) and holds 30 % of N,
    which supplies PR (2 hops, 0.1296); C3 shares officer X with PR (2 hops, 0.216); C1 sits in
    PR's park (2 hops, 0.15); C5 shares an association with M3, a buyer of M (4 hops)."""
    g = GraphSpec()
    for key in ("PR", "M", "N", "M3", "C1", "C2", "C3", "C4", "C5"):
        g.node("Enterprise", uscc=key, name=f"企业{key}")
    g.node("Park", park_id="P1", name="园区")
    g.node("Association", association_id="A1", name="商会")
    g.node("Person", person_id="X", name="李四")
    for branch in ("B1", "B2"):
        g.node("Branch", branch_id=branch, name=f"支行{branch}", level="sub_branch")
    g.rel("SUPPLIES", "Enterprise:C2", "Enterprise:PR")
    g.rel("SUPPLIES", "Enterprise:PR", "Enterprise:M")
    g.rel("CONTROLS", "Enterprise:C4", "Enterprise:M")
    g.rel("HOLDS_SHARES", "Enterprise:C4", "Enterprise:N", percentage=30.0)
    g.rel("SUPPLIES", "Enterprise:N", "Enterprise:PR")
    g.rel("OFFICER_OF", "Person:X", "Enterprise:PR", role="director")
    g.rel("OFFICER_OF", "Person:X", "Enterprise:C3", role="general_manager")
    g.rel("LOCATED_IN", "Enterprise:PR", "Park:P1")
    g.rel("LOCATED_IN", "Enterprise:C1", "Park:P1")
    g.rel("SUPPLIES", "Enterprise:M", "Enterprise:M3")
    g.rel("MEMBER_OF", "Enterprise:M3", "Association:A1")
    g.rel("MEMBER_OF", "Enterprise:C5", "Association:A1")
    for customer, branch in (("C1", "B1"), ("C2", "B1"), ("C3", "B2"), ("C4", "B2"),
                             ("C5", "B1")):
        g.rel("CUSTOMER_OF", f"Enterprise:{customer}", f"Branch:{branch}",
              manager_id=f"RM-{customer}", since="2020-01-01")
    g.rel("CUSTOMER_OF", "Enterprise:C4", "Branch:B1", manager_id="RM-C4b")
    return g


def test_warm_introductions_are_shortest_paths_from_customers(store: GraphStore) -> None:
    build(store, _intro_graph())
    result = introductions.warm_introductions(store, "PR", k=3)
    assert not result.prospect_is_customer
    assert [(i.customer.key, i.hops) for i in result.introductions] == [
        ("C2", 1), ("C4", 2), ("C3", 2)]
    assert [i.strength for i in result.introductions] == pytest.approx([0.8, 0.48, 0.216])
    c4 = result.introductions[1]
    assert [n.ref for n in c4.path.nodes] == ["Enterprise:C4", "Enterprise:M", "Enterprise:PR"]
    assert [(r.type, r.start, r.end) for r in c4.path.relationships] == [
        ("CONTROLS", "Enterprise:C4", "Enterprise:M"),
        ("SUPPLIES", "Enterprise:PR", "Enterprise:M"),
    ]
    assert c4.channels == ("ownership", "supply_chain")
    assert [(link.branch_id, link.manager_id) for link in c4.links] == [
        ("B1", "RM-C4b"), ("B2", "RM-C4")]
    assert c4.links[1].branch_name == "支行B2"

    two = introductions.warm_introductions(store, "PR", k=1, paths_per_customer=2,
                                           channels=["ownership", "supply_chain"], max_hops=2)
    assert [(i.customer.key, i.hops) for i in two.introductions] == [("C2", 1)]
    both = introductions.warm_introductions(store, "PR", k=5, paths_per_customer=2)
    c4_paths = [i for i in both.introductions if i.customer.key == "C4"]
    assert [[n.key for n in i.path.nodes] for i in c4_paths] == [["C4", "M", "PR"],
                                                                 ["C4", "N", "PR"]]
    assert c4_paths[1].strength == pytest.approx(0.8 * 0.27 * 0.6)

    far = introductions.warm_introductions(store, "PR", k=5, max_hops=4)
    assert [(i.customer.key, i.hops) for i in far.introductions] == [
        ("C2", 1), ("C4", 2), ("C3", 2), ("C1", 2), ("C5", 4)]
    assert [n.ref for n in far.introductions[-1].path.nodes] == [
        "Enterprise:C5", "Association:A1", "Enterprise:M3", "Enterprise:M", "Enterprise:PR"]
    near = introductions.warm_introductions(store, "PR", k=5, max_hops=3)
    assert [i.customer.key for i in near.introductions] == ["C2", "C4", "C3", "C1"]
    with pytest.raises(ValueError, match="unknown channel"):
        introductions.warm_introductions(store, "PR", channels=["CUSTOMER_OF"])


def _hub_graph() -> GraphSpec:
    """A hub park larger than max_fanout, a source in two parks, parallel officer roles, a second
    park with a member linked twice, an association and a natural-person shareholder."""
    g = GraphSpec()
    firms = [f"E{i:02d}" for i in range(15)] + ["S1", "S2"]
    for key in firms:
        g.node("Enterprise", uscc=key, name=f"企业{key}", status="active")
    for park in ("P1", "P2"):
        g.node("Park", park_id=park, name=f"园区{park}")
    g.node("Association", association_id="A1", name="商会")
    for person in ("X", "Y"):
        g.node("Person", person_id=person, name=f"人{person}")
    for key in [f"E{i:02d}" for i in range(12)] + ["S1", "S2"]:
        g.rel("LOCATED_IN", f"Enterprise:{key}", "Park:P1")
    for key in ("E03", "E12", "E13", "S2"):
        g.rel("LOCATED_IN", f"Enterprise:{key}", "Park:P2")
    for key in [f"E{i:02d}" for i in range(5, 15)] + ["S1"]:
        g.rel("MEMBER_OF", f"Enterprise:{key}", "Association:A1", role="member")
    g.rel("OFFICER_OF", "Person:X", "Enterprise:S1", role="director")
    g.rel("OFFICER_OF", "Person:X", "Enterprise:S1", role="legal_representative")
    for i, key in enumerate(["E00", "E01", "E02", "E04", "E06", "E08", "E10"]):
        g.rel("OFFICER_OF", "Person:X", f"Enterprise:{key}",
              role=("chairman", "director", "supervisor")[i % 3])
    g.rel("OFFICER_OF", "Person:X", "Enterprise:E02", role="cfo")
    for key, pct in (("S1", 30.0), ("E09", 60.0), ("E10", 10.0), ("E02", 80.0), ("E07", 5.0)):
        g.rel("HOLDS_SHARES", "Person:Y", f"Enterprise:{key}", percentage=pct)
    g.rel("SUPPLIES", "Enterprise:S1", "Enterprise:E00")
    g.rel("HOLDS_SHARES", "Enterprise:E01", "Enterprise:S1", percentage=40.0)
    g.rel("CONTROLS", "Enterprise:E01", "Enterprise:S1", basis="majority_shares")
    return g


FIRMS = [f"E{i:02d}" for i in range(15)] + ["S1", "S2"]


@pytest.mark.parametrize("max_fanout", [1, 3, 5, 50])
def test_per_via_expansion_equals_per_source_expansion(store: GraphStore, max_fanout: int) -> None:
    """Hub families expanded per via node (each park sorted once per batch) give exactly the
    neighbours, order and weights of the per-source step queries (lowest usccs per source)."""
    build(store, _hub_graph())
    # a member linked twice to one park: its sources take the general per-via join
    store.write("MATCH (e:Enterprise {uscc: 'E12'}), (p:Park {park_id: 'P2'}) "
                "CREATE (e)-[:LOCATED_IN]->(p)")
    weights = expansion.load_weights()
    families = expansion.DEFAULT_FAMILIES

    def walk(per_via: bool, workers: int = 1, batch_size: int = 5000) -> expansion._Walk:
        return expansion._Walk(store, families, weights, 50, max_fanout, batch_size,
                               workers=workers, per_via=per_via)

    reference = walk(per_via=False)
    reference._load(set(FIRMS))
    longest = max(len(e) for c in reference.adjacency.values() for _, e in c)
    assert longest == max_fanout or max_fanout == 50  # the hub park is cut
    for candidate in (walk(per_via=True), walk(per_via=True, workers=3, batch_size=4)):
        candidate._load(set(FIRMS))
        assert candidate.adjacency == reference.adjacency
        subjects = ["S1", "S2", "E00", "E12"]
        assert candidate.run(subjects, 3) == walk(per_via=False).run(subjects, 3)


def test_hub_park_keeps_lowest_usccs_per_source(store: GraphStore) -> None:
    build(store, _hub_graph())
    walk = expansion._Walk(store, ("park_cotenants",), expansion.load_weights(), 50, 3, 5000)
    walk._load({"E00", "E01", "S2"})
    dsts = {u: [(e.dst, e.via) for _, edges in walk.adjacency[u] for e in edges]
            for u in ("E00", "E01", "S2")}
    assert dsts["E00"] == [("E01", "P1"), ("E02", "P1"), ("E03", "P1")]  # itself dropped
    assert dsts["E01"] == [("E00", "P1"), ("E02", "P1"), ("E03", "P1")]
    assert dsts["S2"] == [("E00", "P1"), ("E01", "P1"), ("E02", "P1")]  # over both parks


def _random_graph(seed: int) -> GraphSpec:
    """Every family's shapes at once: a hub park larger than any fan-out, firms in two parks,
    parallel officer roles, natural-person and corporate shareholdings with percentages, control,
    supply and investment links (some both ways), customers holding some products, revoked firms,
    and events of several types."""
    rng = random.Random(seed)
    g = GraphSpec()
    firms = [f"F{i:03d}" for i in range(90)]
    for key in firms:
        g.node("Enterprise", uscc=key, name=f"企业{key}",
               status="revoked" if rng.random() < 0.06 else "active")
    for park in ("P1", "P2", "P3"):
        g.node("Park", park_id=park, name=f"园区{park}")
    for assoc in ("A1", "A2"):
        g.node("Association", association_id=assoc, name=f"协会{assoc}")
    persons = [f"X{i:02d}" for i in range(25)]
    for person in persons:
        g.node("Person", person_id=person, name=f"人{person}")
    g.node("Branch", branch_id="B1", name="支行", level="sub_branch")
    for key in firms:
        if rng.random() < 0.55:
            g.rel("LOCATED_IN", f"Enterprise:{key}", "Park:P1")
        if rng.random() < 0.15:
            g.rel("LOCATED_IN", f"Enterprise:{key}", f"Park:{rng.choice(['P2', 'P3'])}")
        if rng.random() < 0.3:
            g.rel("MEMBER_OF", f"Enterprise:{key}", f"Association:{rng.choice(['A1', 'A2'])}",
                  role="member")
        if rng.random() < 0.15:
            g.rel("CUSTOMER_OF", f"Enterprise:{key}", "Branch:B1", manager_id="M1",
                  products=rng.sample(["credit", "deposits", "settlement", "guarantee", "fx"],
                                      rng.randrange(0, 3)))
    for person in persons:
        for key in rng.sample(firms, rng.randrange(1, 5)):
            for role in rng.sample(["director", "chairman", "supervisor"], rng.randrange(1, 3)):
                g.rel("OFFICER_OF", f"Person:{person}", f"Enterprise:{key}", role=role)
        if rng.random() < 0.5:
            for key in rng.sample(firms, rng.randrange(1, 4)):
                g.rel("HOLDS_SHARES", f"Person:{person}", f"Enterprise:{key}",
                      percentage=float(rng.choice([5, 10, 30, 30, 60])))
    seen: set[tuple[str, str, str]] = set()
    for type_, count in (("HOLDS_SHARES", 70), ("CONTROLS", 25), ("SUPPLIES", 90),
                         ("INVESTS_IN", 20)):
        for _ in range(count):
            a, b = rng.sample(firms, 2)
            if (type_, a, b) in seen:
                continue
            seen.add((type_, a, b))
            props = {"percentage": float(rng.choice([10, 20, 51, 80]))} \
                if type_ == "HOLDS_SHARES" else {}
            g.rel(type_, f"Enterprise:{a}", f"Enterprise:{b}", **props)
    for i, type_ in enumerate(["government_bid_won", "registered_capital_increase",
                               "planned_project", "new_subsidiary"] * 6):
        g.node("Event", event_id=f"R{i:02d}", type=type_, date="2024-06-01")
        g.rel("CONCERNS", f"Event:R{i:02d}", f"Enterprise:{rng.choice(firms)}")
    return g


@pytest.mark.parametrize("seed", [1, 2])
def test_array_engine_equals_the_walk(store: GraphStore, seed: int) -> None:
    """The exported-arrays engine gives exactly the walk's hits (totals, strengths, facts and
    every step of the explaining path) over hubs cut by the fan-out, parallel links, two-park
    firms, revoked firms and customers, for every hop count, beam and fan-out."""
    build(store, _random_graph(seed))
    # parallel links the upserts merge: a firm linked to the hub park twice, a second holding
    store.write("MATCH (e:Enterprise {uscc: 'F001'}), (p:Park {park_id: 'P1'}) "
                "CREATE (e)-[:LOCATED_IN]->(p)")
    store.write("MATCH (a:Enterprise {uscc: 'F002'}), (b:Enterprise {uscc: 'F003'}) "
                "CREATE (a)-[:HOLDS_SHARES {percentage: 40.0}]->(b), "
                "(a)-[:HOLDS_SHARES {percentage: 70.0}]->(b)")
    for max_hops, beam, max_fanout, k in ((1, 50, 200, 5), (2, 50, 200, None), (2, 3, 5, 4),
                                          (3, 4, 20, 6), (2, 50, 1, 3)):
        options = dict(max_hops=max_hops, beam=beam, max_fanout=max_fanout, per_event_limit=k,
                       as_of=AS_OF)
        walked = expand_events(store, date_from="2024-06-01", engine="walk", **options)
        arrays = expand_events(store, date_from="2024-06-01", engine="arrays", window=7,
                               **options)
        assert len(walked.hits) > len(walked.events)
        assert list(arrays.hits) == list(walked.hits), (max_hops, beam, max_fanout, k)
        assert any(len(h.steps) == max_hops for h in arrays.hits)


def test_array_engine_on_the_known_graphs(store: GraphStore) -> None:
    build(store, _event_graph())
    for max_hops in (1, 2, 3):
        walked = expand_events(store, date_from="2024-06-01", max_hops=max_hops, as_of=AS_OF,
                               per_event_limit=None, engine="walk")
        arrays = expand_events(store, date_from="2024-06-01", max_hops=max_hops, as_of=AS_OF,
                               per_event_limit=None, engine="arrays")
        assert list(arrays.hits) == list(walked.hits)
    page = expansion.page(store, arrays, limit=50)
    assert [p.score.total for p in page.items] == [h.total for h in arrays.hits]


@pytest.mark.parametrize("max_fanout", [2, 20, 200])
def test_exported_neighbours_are_the_step_queries(store: GraphStore, max_fanout: int) -> None:
    """Per source and family, the exported graph's neighbour list (hub links expanded) is the
    frontier walk's: same neighbours, via nodes, relationship types, weights and order."""
    from chainscout.queries import expansion_graph

    build(store, _random_graph(3))
    store.write("MATCH (e:Enterprise {uscc: 'F001'}), (p:Park {park_id: 'P1'}) "
                "CREATE (e)-[:LOCATED_IN]->(p)")
    families = expansion.DEFAULT_FAMILIES
    weights = expansion.load_weights()
    graph = expansion_graph.build(
        store, families, {n: (expansion.FAMILIES[n].rel_types,
                              expansion.FAMILIES[n].via_label is not None) for n in families},
        weights, max_fanout, ["revoked"])
    walk = expansion._Walk(store, families, weights, 50, max_fanout, 5000)
    firms = list(graph.usccs)
    walk._load(set(firms))
    hubs = 0
    for i, uscc in enumerate(firms):
        exported = []
        for name in families:
            fam = graph.families[name]
            hubs += int(fam.hub_via[i] >= 0)
            edges = [(name, graph.usccs[d], fam.vias[v] if v >= 0 else None, fam.rel_types[t], raw)
                     for d, v, t, raw in fam.edges_of(i)]
            if edges:
                exported.append(edges)
        walked = [[(e.family, e.dst, e.via, e.rel_type, e.raw) for e in edges]
                  for _, edges in walk.adjacency[uscc]]
        assert exported == walked, uscc
    assert hubs > 0 or max_fanout < 16
