"""Every endpoint on the small API graph: shapes, known answers, ordering, paging, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chainscout.api.routers.expansion import Family
from chainscout.api.routers.filters import Size, Tag
from chainscout.api.routers.introductions import Channel
from chainscout.graph.model import ENTERPRISE_TAGS
from chainscout.queries import expansion, introductions
from chainscout.queries.market import ENTERPRISE_SIZES
from tests.api.conftest import Clients
from tests.api.graph import BRANCH, EVENT, PERSON_NAMES, E


def assert_prospects(page: dict[str, Any], *, paths: bool = True) -> None:
    """Every prospect has a score with parts adding up, and (usually) a drawable path."""
    assert set(page) >= {"items", "total", "limit", "offset"}
    assert len(page["items"]) <= page["limit"]
    keys = [(-p["score"]["total"], p["uscc"]) for p in page["items"]]
    assert keys == sorted(keys), "not score desc, then uscc"
    for p in page["items"]:
        parts = p["score"]["parts"]
        assert parts and all(part["explanation"] for part in parts)
        assert abs(sum(part["contribution"] for part in parts) - p["score"]["total"]) < 1e-3
        assert p["enterprise"]["ref"] == f"Enterprise:{p['uscc']}"
        if paths:
            assert p["paths"], p["uscc"]
            for path in p["paths"]:
                refs = [n["ref"] for n in path["nodes"]]
                assert len(refs) == len(path["relationships"]) + 1
                for i, rel in enumerate(path["relationships"]):
                    assert {rel["start"], rel["end"]} == {refs[i], refs[i + 1]}


def test_enum_mirrors_match_the_query_modules() -> None:
    assert {f.value for f in Family} == set(expansion.FAMILIES)
    assert {c.value for c in Channel} == set(introductions.CHANNELS)
    assert {t.value for t in Tag} == set(ENTERPRISE_TAGS)
    assert {s.value for s in Size} == set(ENTERPRISE_SIZES)


def test_health(clients: Clients) -> None:
    body = clients.anon.get("/health").json()
    assert body == {"status": "ok", "store": "falkordb", "store_ok": True,
                    "version": body["version"]}


def test_enterprise_lookup_and_search(clients: Clients) -> None:
    c = clients.analyst
    profile = c.get(f"/enterprises/{E[1]}").json()
    assert profile["enterprise"]["properties"]["name"] == "上海芯核设计有限公司"
    assert profile["parks"] == ["P001"] and profile["associations"] == ["A001"]
    assert profile["segments"] == ["ic.design"] and profile["is_customer"] is False
    assert c.get(f"/enterprises/{E[7]}").json()["branches"] == [BRANCH]
    missing = c.get("/enterprises/91310115MA1K99999X")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert c.get("/enterprises/not-a-uscc").status_code == 422

    found = c.get("/enterprises/search", params={"q": "上海", "limit": 2}).json()
    assert found["total"] == 4 and len(found["items"]) == 2
    rest = c.get("/enterprises/search", params={"q": "上海", "limit": 2, "offset": 2}).json()
    names = [n["properties"]["name"] for n in found["items"] + rest["items"]]
    assert names == sorted(names)
    by_uscc = c.get("/enterprises/search", params={"q": E[2]}).json()
    assert [n["properties"]["uscc"] for n in by_uscc["items"]] == [E[2]]
    assert c.get("/enterprises/search", params={"q": ""}).status_code == 422
    assert c.get("/enterprises/search", params={"q": "上海", "limit": 201}).status_code == 422


@pytest.mark.parametrize("kind,expected", [
    ("park", {E[2], E[3], E[4], E[8]}),
    ("association", {E[2], E[5]}),
    ("group", {E[4], E[7]}),
])
def test_peers(clients: Clients, kind: str, expected: set[str]) -> None:
    page = clients.manager.get(f"/enterprises/{E[1]}/peers/{kind}",
                               params={"include_inactive": True}).json()
    assert {p["uscc"] for p in page["items"]} == expected
    assert_prospects(page)


def test_chain_peers_and_filters(clients: Clients) -> None:
    page = clients.manager.get(f"/enterprises/{E[1]}/peers/chain").json()
    assert page["total"] >= 5 and E[1] not in {p["uscc"] for p in page["items"]}
    assert_prospects(page)
    customers = clients.manager.get(f"/enterprises/{E[1]}/peers/chain",
                                    params={"customer": True}).json()
    assert {p["uscc"] for p in customers["items"]} <= {E[2], E[5], E[7]}
    none = clients.manager.get(f"/enterprises/{E[1]}/peers/park",
                               params={"tags": ["listed"]}).json()
    assert none["total"] == 0
    assert clients.manager.get(f"/enterprises/{E[1]}/peers/cousins").status_code == 422
    assert clients.manager.get(f"/enterprises/{E[1]}/peers/park",
                               params={"tags": ["nope"]}).status_code == 422
    unknown = clients.manager.get(f"/enterprises/{E[1]}/peers/park", params={"limt": 5})
    assert unknown.status_code == 422 and "limt" in unknown.json()["error"]["message"]


def test_paging_is_stable(clients: Clients) -> None:
    full = clients.analyst.get(f"/enterprises/{E[1]}/peers/chain", params={"limit": 200}).json()
    pieces: list[str] = []
    for offset in range(0, full["total"], 2):
        page = clients.analyst.get(f"/enterprises/{E[1]}/peers/chain",
                                   params={"limit": 2, "offset": offset}).json()
        assert page["total"] == full["total"]
        pieces += [p["uscc"] for p in page["items"]]
    assert pieces == [p["uscc"] for p in full["items"]]


def test_strategies(clients: Clients) -> None:
    park = clients.manager.get("/strategies/industry-park", params={"chain_id": "ic"}).json()
    assert park["parks"]["items"][0]["park"]["ref"] == "Park:P001"
    assert park["parks"]["items"][0]["score"]["parts"]
    assert_prospects(park["prospects"])
    assert all(not p["facts"].get("is_customer") for p in park["prospects"]["items"])
    assoc = clients.manager.get("/strategies/industry-association",
                                params={"segment_ids": ["ic.fab", "ic.design"]}).json()
    assert assoc["associations"]["items"][0]["association"]["ref"] == "Association:A001"
    assert_prospects(assoc["prospects"])
    assert clients.manager.get("/strategies/industry-park",
                               params={"chain_id": "nope"}).status_code == 404
    assert clients.manager.get("/strategies/industry-park").status_code == 400
    assert clients.manager.get("/strategies/industry-park",
                               params={"chain_id": "ic", "customer": True}).status_code == 422


def test_ownership_and_controllers(clients: Clients) -> None:
    c = clients.analyst
    up = c.get(f"/enterprises/{E[1]}/ownership").json()
    owners = {s["owner"]["ref"]: s["percentage"] for s in up["stakes"]["items"]}
    assert owners[f"Enterprise:{E[7]}"] == pytest.approx(60.0)
    assert owners["Person:P1"] == pytest.approx(42.0)  # 70 % of 60 %
    down = c.get(f"/enterprises/{E[7]}/ownership", params={"direction": "down"}).json()
    assert {s["held"]["ref"] for s in down["stakes"]["items"]} >= {f"Enterprise:{E[1]}"}
    bo = c.get(f"/enterprises/{E[1]}/beneficial-owners").json()
    assert [s["owner"]["ref"] for s in bo["stakes"]["items"]] == ["Person:P1"]
    assert bo["stakes"]["items"][0]["owner"]["properties"]["name"] == PERSON_NAMES["P1"]
    ctrl = c.get(f"/enterprises/{E[1]}/controller").json()
    assert ctrl["controller"]["controller"]["ref"] == "Person:P1"
    assert ctrl["controller"]["path"]["nodes"][-1]["ref"] == f"Enterprise:{E[1]}"
    assert c.get(f"/enterprises/{E[8]}/controller").json()["controller"] is None
    group = c.get(f"/enterprises/{E[4]}/group").json()
    assert group["group_id"] == "Person:P1"
    assert {m["controlled"]["ref"] for m in group["members"]["items"]} >= {
        f"Enterprise:{E[1]}", f"Enterprise:{E[4]}", f"Enterprise:{E[7]}"}
    masked = clients.manager.get(f"/enterprises/{E[1]}/controller").json()
    assert masked["controller"]["controller"]["properties"]["name"] == "张**"
    assert c.get("/enterprises/91310115MA1K99999X/group").status_code == 404


def test_introductions(clients: Clients) -> None:
    body = clients.manager.get(f"/enterprises/{E[3]}/introductions").json()
    assert body["prospect_is_customer"] is False
    first = body["introductions"][0]
    assert first["customer"]["ref"] == f"Enterprise:{E[2]}" and first["hops"] == 1
    assert first["links"][0]["branch_id"] == BRANCH and first["links"][0]["manager_id"] == "M02"
    assert first["path"]["nodes"][0]["ref"] == f"Enterprise:{E[2]}"
    assert first["path"]["nodes"][-1]["ref"] == f"Enterprise:{E[3]}"
    hops = [(i["hops"], -i["strength"]) for i in body["introductions"]]
    assert hops == sorted(hops)
    only_park = clients.manager.get(f"/enterprises/{E[3]}/introductions",
                                    params={"channels": ["park"], "max_hops": 2}).json()
    assert all(set(i["channels"]) == {"park"} for i in only_park["introductions"])


def test_event_expansion(clients: Clients) -> None:
    body = clients.manager.get(f"/events/{EVENT}/prospects").json()
    assert body["event"]["subject"] == E[1] and body["event"]["type"] == "equity_financing_round"
    assert_prospects(body["prospects"])
    assert body["prospects"]["items"][0]["paths"][0]["nodes"][0]["ref"] == f"Enterprise:{E[1]}"
    assert {part["name"] for part in body["prospects"]["items"][0]["score"]["parts"]} >= {
        "event_value", "path_strength"}
    narrow = clients.manager.get(f"/events/{EVENT}/prospects",
                                 params={"families": ["suppliers", "buyers"],
                                         "max_hops": 1}).json()
    assert {p["uscc"] for p in narrow["prospects"]["items"]} == {E[2]}
    assert clients.manager.get("/events/EV9999/prospects").status_code == 404
    assert clients.manager.get(f"/events/{EVENT}/prospects",
                               params={"max_hops": 9}).status_code == 422


def test_batch_expansion(clients: Clients) -> None:
    body = clients.analyst.post("/expansion/batch", json={"event_ids": [EVENT, "EV9999"]}).json()
    assert [e["event_id"] for e in body["events"]] == [EVENT]
    assert "EV9999" in body["skipped"]
    assert_prospects(body["prospects"])
    by_date = clients.analyst.post("/expansion/batch", json={
        "date_from": "2026-09-01", "date_to": "2026-12-31"}).json()
    assert [e["event_id"] for e in by_date["events"]] == [EVENT]
    for bad in [{}, {"event_ids": [EVENT], "date_from": "2026-01-01"},
                {"date_from": "2026-02-01", "date_to": "2026-01-01"}]:
        response = clients.analyst.post("/expansion/batch", json=bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "invalid_parameter"
    assert clients.analyst.post("/expansion/batch", json={"event_ids": []}).status_code == 422
    assert clients.manager.post("/expansion/batch", json={"event_ids": [EVENT]}
                                ).status_code == 403


def test_branch_map(clients: Clients) -> None:
    body = clients.manager.get(f"/branches/{BRANCH}/prospects", params={"radius_km": 10}).json()
    assert body["center"] == {"lat": 31.21, "lng": 121.58}
    assert body["branch"]["ref"] == f"Branch:{BRANCH}" and body["truncated"] is False
    page = body["prospects"]
    assert_prospects(page)
    assert {p["uscc"] for p in page["items"]} == {E[1], E[3], E[4], E[8]}
    for p in page["items"]:
        assert p["facts"]["distance_km"] <= 10 and p["facts"]["branch_id"] == BRANCH
        rel = p["paths"][0]["relationships"][0]
        assert rel["type"] == "NEAREST_BRANCH" and rel["properties"]["derived"] is True
        assert {part["name"] for part in p["score"]["parts"]} == {
            "proximity", "scale", "theme", "not_customer"}
    small = clients.manager.get(f"/branches/{BRANCH}/prospects", params={"radius_km": 1}).json()
    assert small["prospects"]["total"] < page["total"]
    with_customers = clients.analyst.get(f"/branches/{BRANCH}/prospects",
                                         params={"include_customers": True}).json()
    assert E[2] in {p["uscc"] for p in with_customers["prospects"]["items"]}
    assert clients.manager.get("/branches/B002/prospects").status_code == 403
    assert clients.analyst.get("/branches/B404/prospects").status_code == 404
    assert clients.analyst.get(f"/branches/{BRANCH}/prospects",
                               params={"radius_km": 0}).status_code == 422
    assert clients.analyst.get(f"/branches/{BRANCH}").json()["branch"]["properties"]["name"]


def test_prospects_near_a_point(clients: Clients) -> None:
    body = clients.analyst.get("/prospects/near", params={"lat": 30.9, "lng": 121.9,
                                                          "radius_km": 5}).json()
    page = body["prospects"]
    assert {p["uscc"] for p in page["items"]} == {E[6]}  # E5 is a customer
    assert page["items"][0]["facts"]["branch_id"] is None  # no branch within 30 km
    assert page["items"][0]["paths"][0]["relationships"] == []
    for lat, lng in [(91, 0), (0, 181), (-91, 0)]:
        assert clients.analyst.get("/prospects/near", params={"lat": lat, "lng": lng}
                                   ).status_code == 422


def test_gaps_and_coverage(clients: Clients) -> None:
    gaps = clients.manager.get("/parks/P002/gaps", params={"chain_id": "ic"}).json()
    status = {s["segment"]["ref"].split(":")[1]: s["status"] for s in gaps["segments"]}
    assert status["ic.packaging_test"] == "missing"
    assert gaps["gaps"][0] == "ic.packaging_test"
    assert_prospects(gaps["fillers"])
    assert E[3] in {p["uscc"] for p in gaps["fillers"]["items"]}
    assert clients.manager.get("/parks/P404/gaps", params={"chain_id": "ic"}).status_code == 404
    cov = clients.analyst.get("/coverage", params={"chain_id": "ic"}).json()
    assert cov["enterprises"] == 8 and cov["customers"] == 3
    assert cov["share"] == pytest.approx(0.375)
    park = clients.analyst.get("/coverage", params={"park_id": "P001", "chain_id": "ic"}).json()
    assert park["scope"] == "park:P001/chain:ic"
    assert clients.analyst.get("/coverage").status_code == 400
    assert clients.manager.get("/coverage", params={"chain_id": "ic"}).status_code == 403


def test_masking_covers_every_manager_response(clients: Clients) -> None:
    for path in [f"/enterprises/{E[7]}", f"/enterprises/{E[1]}/peers/group",
                 f"/enterprises/{E[1]}/ownership", f"/enterprises/{E[2]}/introductions",
                 f"/events/{EVENT}/prospects", f"/enterprises/{E[1]}/beneficial-owners"]:
        text = json.dumps(clients.manager.get(path).json(), ensure_ascii=False)
        assert all(name not in text for name in PERSON_NAMES.values()), path


def test_openapi_documents_every_route(clients: Clients) -> None:
    schema = clients.anon.get("/openapi.json").json()
    tags = {t["name"] for t in schema["tags"]}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path}"
            assert set(operation.get("tags", [])) <= tags and operation.get("tags")
    error = schema["components"]["schemas"]["ErrorResponse"]
    assert error["properties"]["error"]
