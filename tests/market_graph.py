"""A small hand-built market graph with known answers for the peers, strategy, gap, coverage and
enterprise-lookup queries (tests/integration/test_queries_market.py works the answers out).

Chain ``ic``: eda → design → fab → pkg → dist (UPSTREAM_OF), and fab → ai.chips across chains.
Parks P1 (31.2, 121.6), P2 (31.0, 121.6), P3 in Beijing. Branches B1, B2. Associations AS1–AS3.
Enterprises E01 (the usual anchor) … E25; person H1 controls E20 and E23.
"""

from __future__ import annotations

from typing import Any

from tests.graph_builder import GraphSpec


def _ent(spec: GraphSpec, uscc: str, name: str, **props: Any) -> str:
    props.setdefault("status", "active")
    return spec.node("Enterprise", uscc=uscc, name=name, **props)


def market_graph() -> GraphSpec:
    g = GraphSpec()
    ic = g.node("IndustryChain", chain_id="ic", name="集成电路")
    ai = g.node("IndustryChain", chain_id="ai", name="人工智能")
    segs = {}
    for sid, name, chain in [
        ("ic.eda", "EDA与IP核", ic), ("ic.design", "芯片设计", ic), ("ic.fab", "晶圆制造", ic),
        ("ic.pkg", "封装测试", ic), ("ic.dist", "芯片分销", ic),
        ("ai.chips", "智能芯片", ai), ("ai.apps", "智能应用", ai),
    ]:
        segs[sid] = g.node("ChainSegment", segment_id=sid, name=name,
                           chain_id=chain.split(":", 1)[1])
        g.rel("PART_OF", segs[sid], chain)
    for up, down in [("ic.eda", "ic.design"), ("ic.design", "ic.fab"), ("ic.fab", "ic.pkg"),
                     ("ic.pkg", "ic.dist"), ("ic.fab", "ai.chips"), ("ai.chips", "ai.apps")]:
        g.rel("UPSTREAM_OF", segs[up], segs[down])

    p1 = g.node("Park", park_id="P1", name="张江科学城", district_code="310115", lat=31.2, lng=121.6)
    p2 = g.node("Park", park_id="P2", name="临港新片区", district_code="310115", lat=31.0, lng=121.6)
    p3 = g.node("Park", park_id="P3", name="中关村", district_code="110108", lat=39.9, lng=116.4)
    b1 = g.node("Branch", branch_id="B1", name="浦东支行")
    b2 = g.node("Branch", branch_id="B2", name="临港支行")
    as1 = g.node("Association", association_id="AS1", name="集成电路行业协会", district_code="310000")
    as2 = g.node("Association", association_id="AS2", name="临港商会", district_code="310115")
    as3 = g.node("Association", association_id="AS3", name="北京半导体协会", district_code="110000")

    e = {}
    e["E01"] = _ent(g, "E01", "芯原设计", registered_capital=999.0, tags=["high_tech"],
                    district_code="310115", size="medium", lat=31.2, lng=121.6)
    e["E02"] = _ent(g, "E02", "芯原", registered_capital=99999.0, tags=["high_tech", "listed"],
                    district_code="310115", size="large", lat=31.2, lng=121.6)
    e["E03"] = _ent(g, "E03", "上海芯原制造", registered_capital=9.0, tags=[],
                    district_code="310115", size="small", lat=31.2, lng=121.6)
    e["E04"] = _ent(g, "E04", "智能应用科技", tags=["green"], district_code="310104",
                    size="micro", lat=31.2, lng=121.6)
    e["E05"] = _ent(g, "E05", "吊销芯片设计", registered_capital=0.0, status="revoked",
                    district_code="310115", size="small")
    e["E06"] = _ent(g, "E06", "临港芯片设计", registered_capital=999.0, district_code="310110",
                    size="medium", lat=31.0, lng=121.6)
    e["E07"] = _ent(g, "E07", "临港封测", registered_capital=99.0, district_code="310115",
                    size="medium", lat=31.4, lng=121.6)
    e["E08"] = _ent(g, "E08", "北京晶圆", registered_capital=9999.0, district_code="110108",
                    size="large", lat=39.9, lng=116.4)
    e["E09"] = _ent(g, "E09", "EDA软件", registered_capital=9.0, district_code="310115",
                    size="small", lat=31.3, lng=121.6)
    e["E10"] = _ent(g, "E10", "临港晶圆", registered_capital=99.0,
                    tags=["high_tech", "specialized"], district_code="310115", size="medium",
                    lat=31.0, lng=121.6)
    e["E11"] = _ent(g, "E11", "两园芯片", registered_capital=9.0, district_code="310115",
                    size="small", lat=31.1, lng=121.6)
    e["E20"] = _ent(g, "E20", "芯原集团", registered_capital=99999.0, district_code="310115",
                    size="large")
    e["E21"] = _ent(g, "E21", "芯原投资", registered_capital=9.0, size="small")
    e["E22"] = _ent(g, "E22", "参股企业", registered_capital=9.0, size="small")
    e["E23"] = _ent(g, "E23", "自然人控股企业", registered_capital=99.0, size="small")
    e["E24"] = _ent(g, "E24", "芯原制造子公司", registered_capital=999.0, size="medium",
                    lat=31.7, lng=121.6)
    e["E25"] = _ent(g, "E25", "孙公司", size="micro")
    h1 = g.node("Person", person_id="H1", name="张三")

    for uscc, park in [("E01", p1), ("E02", p1), ("E03", p1), ("E04", p1), ("E05", p1),
                       ("E06", p2), ("E07", p2), ("E10", p2), ("E11", p1), ("E11", p2),
                       ("E08", p3)]:
        g.rel("LOCATED_IN", e[uscc], park)
    for uscc, sid, conf in [
        ("E01", "ic.design", None), ("E02", "ic.design", None), ("E03", "ic.fab", None),
        ("E04", "ai.apps", None), ("E05", "ic.design", None), ("E06", "ic.design", 0.8),
        ("E07", "ic.pkg", None), ("E08", "ic.fab", None), ("E09", "ic.eda", None),
        ("E10", "ic.fab", 0.5), ("E11", "ic.design", None), ("E20", "ic.design", None),
        ("E24", "ic.fab", None), ("E24", "ic.dist", None),
    ]:
        g.rel("IN_SEGMENT", e[uscc], segs[sid], confidence=conf)
    g.rel("CUSTOMER_OF", e["E02"], b1)
    g.rel("CUSTOMER_OF", e["E07"], b2)
    g.rel("CUSTOMER_OF", e["E21"], b1)
    for uscc, assoc, role in [("E01", as1, "member"), ("E02", as1, "president"),
                              ("E03", as1, "member"), ("E09", as1, "member"),
                              ("E06", as2, "member"), ("E07", as2, "director"),
                              ("E10", as2, "member"), ("E08", as3, "member")]:
        g.rel("MEMBER_OF", e[uscc], assoc, role=role)

    g.rel("CONTROLS", e["E20"], e["E01"], basis="majority_shares")
    g.rel("CONTROLS", e["E01"], e["E24"], basis="consolidated")
    g.rel("HOLDS_SHARES", e["E20"], e["E21"], percentage=60.0)
    g.rel("HOLDS_SHARES", e["E21"], e["E22"], percentage=30.0)
    g.rel("HOLDS_SHARES", h1, e["E20"], percentage=70.0)
    g.rel("HOLDS_SHARES", h1, e["E23"], percentage=80.0)
    g.rel("HOLDS_SHARES", e["E23"], e["E25"], percentage=51.0)

    for event_id, uscc, day in [("V1", "E01", "2025-03-01"), ("V2", "E06", "2025-02-01"),
                                ("V3", "E06", "2024-05-01"), ("V4", "E07", "2025-06-01"),
                                ("V5", "E08", "2024-12-31")]:
        v = g.node("Event", event_id=event_id, type="capital_increase", date=day)
        g.rel("CONCERNS", v, e[uscc])
    return g
