"""A small hand-made graph for the API tests: two parks, a chain, a group, customers, an event."""

from __future__ import annotations

from stdnum.cn import uscc as stdnum_uscc

from tests.graph_builder import GraphSpec


def uscc(i: int) -> str:
    """Valid USCCs (GB 32100-2015 check character): 91 + Pudong region + MA1K + serial."""
    base = f"91310115MA1K{i:05d}"
    return base + stdnum_uscc.calc_check_digit(base)


E = {i: uscc(i) for i in range(1, 13)}
PERSON_NAMES = {"P1": "张三丰", "P2": "李四", "P3": "王小五"}
BRANCH = "B001"
OTHER_BRANCH = "B002"
EVENT = "EV0001"


def api_graph() -> GraphSpec:
    g = GraphSpec()
    chain = g.node("IndustryChain", chain_id="ic", name="集成电路", name_en="Integrated circuits")
    seg_design = g.node("ChainSegment", segment_id="ic.design", name="芯片设计", chain_id="ic",
                        position="midstream", keywords=["设计"])
    seg_fab = g.node("ChainSegment", segment_id="ic.fab", name="晶圆制造", chain_id="ic",
                     position="midstream", keywords=["晶圆"])
    seg_pkg = g.node("ChainSegment", segment_id="ic.packaging_test", name="封装测试",
                     chain_id="ic", position="downstream", keywords=["封装"])
    for seg in (seg_design, seg_fab, seg_pkg):
        g.rel("PART_OF", seg, chain)
    g.rel("UPSTREAM_OF", seg_design, seg_fab)
    g.rel("UPSTREAM_OF", seg_fab, seg_pkg)
    ind_fab = g.node("Industry", code="3973", name="集成电路制造", level=4, section="C")
    ind_design = g.node("Industry", code="6520", name="集成电路设计", level=4, section="I")
    g.rel("MAPS_TO", seg_fab, ind_fab)
    g.rel("MAPS_TO", seg_design, ind_design)

    park1 = g.node("Park", park_id="P001", name="张江高科技园区", level="national",
                   district_code="310115", lat=31.2040, lng=121.5900,
                   leading_industries=["ic"])
    park2 = g.node("Park", park_id="P002", name="临港产业园", level="municipal",
                   district_code="310115", lat=30.9000, lng=121.9000,
                   leading_industries=["ic"])
    g.rel("FOCUSES_ON", park1, chain)
    g.rel("FOCUSES_ON", park2, chain)
    assoc = g.node("Association", association_id="A001", name="上海市集成电路行业协会",
                   district_code="310000", chain_ids=["ic"])
    branch = g.node("Branch", branch_id=BRANCH, name="张江支行", level="sub_branch",
                    district_code="310115", lat=31.2100, lng=121.5800)
    other = g.node("Branch", branch_id=OTHER_BRANCH, name="北京中关村支行", level="sub_branch",
                   district_code="110108", lat=39.9800, lng=116.3100)

    ents = {}
    layout = [  # i, name, industry, segment, park, lat, lng
        (1, "上海芯核设计有限公司", "6520", seg_design, park1, 31.2050, 121.5920),
        (2, "上海晶圆制造股份有限公司", "3973", seg_fab, park1, 31.2030, 121.5880),
        (3, "上海封测科技有限公司", "3973", seg_pkg, park1, 31.2060, 121.5950),
        (4, "上海芯片设计二号有限公司", "6520", seg_design, park1, 31.2070, 121.5860),
        (5, "临港晶圆有限公司", "3973", seg_fab, park2, 30.9010, 121.9010),
        (6, "临港设计有限公司", "6520", seg_design, park2, 30.9020, 121.9020),
        (7, "芯核集团控股有限公司", "6520", seg_design, None, 31.2300, 121.4700),
        (8, "张江芯片材料有限公司", "3973", seg_fab, park1, 31.2045, 121.5910),
    ]
    for i, name, industry, seg, park, lat, lng in layout:
        ref = g.node("Enterprise", uscc=E[i], name=name, status="active",
                     registered_capital=1000.0 * i, established="2015-06-01",
                     industry_code=industry, district_code="310115", lat=lat, lng=lng,
                     tags=["high_tech"], size="medium", employees=100 * i,
                     legal_representative=PERSON_NAMES["P1"] if i == 7 else "赵六")
        ents[i] = ref
        g.rel("IN_SEGMENT", ref, seg, basis="industry_code", confidence=0.9)
        g.rel("CLASSIFIED_AS", ref, ind_fab if industry == "3973" else ind_design)
        if park is not None:
            g.rel("LOCATED_IN", ref, park, since="2018-01-01")
    for i in (1, 2, 5):
        g.rel("MEMBER_OF", ents[i], assoc, role="member", since="2019-01-01")
    # A group: 7 controls 1 and 4; a person ultimately controls 7.
    g.rel("CONTROLS", ents[7], ents[1], basis="majority_shares")
    g.rel("CONTROLS", ents[7], ents[4], basis="majority_shares")
    g.rel("HOLDS_SHARES", ents[7], ents[1], percentage=60.0)
    g.rel("HOLDS_SHARES", ents[7], ents[4], percentage=51.0)
    persons = {pid: g.node("Person", person_id=pid, name=name, nationality="CN")
               for pid, name in PERSON_NAMES.items()}
    g.rel("HOLDS_SHARES", persons["P1"], ents[7], percentage=70.0)
    g.rel("HOLDS_SHARES", persons["P2"], ents[7], percentage=30.0)
    g.rel("OFFICER_OF", persons["P1"], ents[7], role="legal_representative")
    g.rel("OFFICER_OF", persons["P1"], ents[2], role="director")
    g.rel("OFFICER_OF", persons["P3"], ents[3], role="general_manager")
    g.rel("SUPPLIES", ents[1], ents[2], amount=500.0, since="2020-01-01")
    g.rel("SUPPLIES", ents[2], ents[3], amount=800.0, since="2020-01-01")
    g.rel("INVESTS_IN", ents[7], ents[6], amount=2000.0, date="2021-03-01", round="A")
    # Existing customers.
    g.rel("CUSTOMER_OF", ents[7], branch, manager_id="M01", since="2019-01-01",
          products=["deposits", "credit"])
    g.rel("CUSTOMER_OF", ents[2], branch, manager_id="M02", since="2020-01-01",
          products=["settlement"])
    g.rel("CUSTOMER_OF", ents[5], other, manager_id="M09", since="2020-01-01",
          products=["settlement"])
    g.rel("SUB_BRANCH_OF", branch, other)
    # An event on the customer's subsidiary.
    etype = g.node("EventType", code="equity_financing_round", name="股权融资",
                   name_en="Equity financing round", category="financing",
                   product_signals=["account_opening", "deposits", "cash_management"],
                   value_tier=4, base_value=80.0)
    g.node("EventType", code="large_contract", name="重大合同签订",
           name_en="Major contract signed", category="expansion",
           product_signals=["credit", "guarantee", "supply_chain_finance", "trade_finance"],
           value_tier=5, base_value=80.0)
    event = g.node("Event", event_id=EVENT, type="equity_financing_round", date="2026-10-01",
                   title="芯核设计完成B轮融资", amount=30000.0, source="test")
    g.rel("CONCERNS", event, ents[1])
    g.rel("OF_TYPE", event, etype)
    g.rel("INVOLVES", event, ents[7], role="counterparty")
    return g
