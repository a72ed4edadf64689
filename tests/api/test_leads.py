"""Event ingestion → leads → lists, CSV, the outbox feed and the signed webhook."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from chainscout.api.app import create_app
from chainscout.api.outbox import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    LeadOutbox,
    NewLead,
    WebhookDispatcher,
    backoff_s,
    sign,
    verify_signature,
)
from chainscout.graph.stores.base import GraphStore
from tests.api.conftest import Clients, Keys, auth, graph_fingerprint, make_settings
from tests.api.graph import BRANCH, EVENT, OTHER_BRANCH, PERSON_NAMES, E, api_graph, uscc
from tests.graph_builder import build

NEW_EVENT = {"event_id": "EV0002", "type": "large_contract", "date": "2026-11-01",
             "uscc": E[3], "counterparty_uscc": E[2], "counterparty_role": "counterparty",
             "title": "封测大单", "amount": 1200.0}


def test_ingest_validates_upserts_and_creates_leads_once(fresh_clients: Clients) -> None:
    c = fresh_clients
    body = {"events": [NEW_EVENT,
                       {**NEW_EVENT, "event_id": "EV0003", "type": "no_such_type"},
                       {**NEW_EVENT, "event_id": "EV0004", "uscc": uscc(99999)}]}
    first = c.admin.post("/events", json=body).json()
    assert first["received"] == 3 and first["accepted"] == 1 and first["created"] == 1
    assert [r["event_id"] for r in first["rejected"]] == ["EV0003", "EV0004"]
    assert first["new_leads"] > 0
    store_rows = c.analyst.post("/cypher", json={
        "query": "MATCH (ev:Event {event_id: 'EV0002'})-[r]->(x) RETURN type(r) AS t ORDER BY t"
    }).json()["rows"]
    assert [r["t"] for r in store_rows] == ["CONCERNS", "INVOLVES", "OF_TYPE"]
    again = c.admin.post("/events", json={"events": [NEW_EVENT]}).json()
    assert again["created"] == 0 and again["updated"] == 0 and again["new_leads"] == 0


def test_ingest_is_admin_only_and_validated(fresh_clients: Clients) -> None:
    c = fresh_clients
    assert c.analyst.post("/events", json={"events": [NEW_EVENT]}).status_code == 403
    for bad in [{**NEW_EVENT, "uscc": "not-a-uscc"}, {**NEW_EVENT, "date": "2026-13-01"},
                {**NEW_EVENT, "event_id": "x' OR 1=1 //"}, {**NEW_EVENT, "amount": -1},
                {**NEW_EVENT, "counterparty_role": "boss"}]:
        response = c.admin.post("/events", json={"events": [bad]})
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "validation_error"
    assert c.admin.post("/events", json={"events": []}).status_code == 422


def test_lead_lists_csv_and_masking(fresh_clients: Clients) -> None:
    c = fresh_clients
    c.admin.post("/events", json={"events": [NEW_EVENT]})
    assert c.admin.post("/leads/generate", json={"event_ids": [EVENT]}).json()["new_leads"] > 0
    mine = c.manager.get("/leads", params={"limit": 200}).json()
    everything = c.analyst.get("/leads", params={"limit": 200}).json()
    assert mine["total"] > 0 and everything["total"] > mine["total"]
    assert {lead["branch_id"] for lead in mine["items"]} == {BRANCH}
    assert OTHER_BRANCH in {lead["branch_id"] for lead in everything["items"]}
    scores = [(-lead["score"], lead["uscc"]) for lead in everything["items"]]
    assert scores == sorted(scores)
    for lead in mine["items"]:
        prospect = lead["prospect"]
        assert prospect["score"]["parts"] and prospect["paths"]
        assert prospect["paths"][0]["nodes"] and prospect["paths"][0]["relationships"]
    text = json.dumps(mine, ensure_ascii=False)
    assert PERSON_NAMES["P1"] not in text  # masked for managers
    assert "张**" in text
    assert PERSON_NAMES["P1"] in json.dumps(everything, ensure_ascii=False)
    by_manager = c.analyst.get("/leads", params={"manager_id": "M01"}).json()
    assert by_manager["total"] > 0
    assert {lead["manager_id"] for lead in by_manager["items"]} == {"M01"}

    response = c.manager.get("/leads/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) == mine["total"]
    assert rows[0]["uscc"] == mine["items"][0]["uscc"] and rows[0]["path"]
    assert "event_value=" in rows[0]["score_parts"]


def test_outbox_cursor_sees_every_lead_once_in_order(fresh_clients: Clients) -> None:
    c = fresh_clients
    c.admin.post("/leads/generate", json={"event_ids": [EVENT]})
    seen: list[int] = []
    cursor = "0"
    for _ in range(50):
        page = c.analyst.get("/leads/outbox", params={"cursor": cursor, "limit": 2}).json()
        seen += [lead["seq"] for lead in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == sorted(set(seen)) and len(seen) == c.analyst.get("/leads").json()["total"]
    c.admin.post("/events", json={"events": [NEW_EVENT]})
    newer = c.analyst.get("/leads/outbox", params={"cursor": cursor}).json()
    assert newer["items"] and all(lead["seq"] > int(cursor) for lead in newer["items"])
    assert all(lead["source_id"] == "EV0002" for lead in newer["items"])
    assert c.analyst.get("/leads/outbox", params={"cursor": "-1"}).status_code == 422


def test_outbox_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite"
    lead = NewLead("91310115MA1K00001X", "x", BRANCH, None, "event", "EV1", 1.0,
                   {"uscc": "91310115MA1K00001X"})
    assert len(LeadOutbox(path).record([lead])) == 1
    again = LeadOutbox(path)
    assert again.record([lead]) == []
    assert [item.uscc for item in again.after(0, 10)] == [lead.uscc]


# -- webhook -------------------------------------------------------------------------------------
SECRET = b"webhook-test-secret"


def test_signature_round_trip() -> None:
    body = b'{"a": 1}'
    header = sign(SECRET, int(time.time()), body)
    assert verify_signature(SECRET, header, body)
    assert not verify_signature(SECRET, header, body + b" ")
    assert not verify_signature(b"other", header, body)
    stale = sign(SECRET, int(time.time()) - 3600, body)
    assert not verify_signature(SECRET, stale, body)
    assert 1.8 <= backoff_s(1) <= 2.2 and backoff_s(20) <= 330


def _outbox_with_leads(tmp_path: Path, n: int) -> LeadOutbox:
    outbox = LeadOutbox(tmp_path / "leads.sqlite")
    outbox.record([NewLead(f"91310115MA1K{i:05d}X", f"企业{i}", BRANCH, None, "event", "EV1",
                           float(i), {"uscc": f"91310115MA1K{i:05d}X"}) for i in range(1, n + 1)])
    return outbox


def test_webhook_retries_with_backoff_then_delivers_signed_batches(tmp_path: Path) -> None:
    outbox = _outbox_with_leads(tmp_path, 3)
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503 if len(calls) <= 2 else 200)

    dispatcher = WebhookDispatcher(outbox, "https://crm.example/hook", SECRET, max_attempts=5,
                                   transport=httpx.MockTransport(handler), sleep_scale=0.001)

    async def run() -> int:
        async with httpx.AsyncClient(transport=dispatcher.transport) as client:
            return await dispatcher.deliver_once(client)

    assert asyncio.run(run()) == 3
    assert len(calls) == 3
    bodies = {c.content for c in calls}
    assert len(bodies) == 1  # the same batch is retried
    request = calls[-1]
    assert verify_signature(SECRET, request.headers[SIGNATURE_HEADER], request.content)
    payload = json.loads(request.content)
    assert payload["event"] == "leads.created"
    assert payload["delivery_id"] == request.headers[DELIVERY_HEADER]
    assert [lead["seq"] for lead in payload["leads"]] == [1, 2, 3]
    assert outbox.webhook_cursor() == 3
    assert asyncio.run(run()) == 0  # nothing new


def test_webhook_gives_up_to_a_dead_letter_and_moves_on(tmp_path: Path) -> None:
    outbox = _outbox_with_leads(tmp_path, 2)
    dispatcher = WebhookDispatcher(
        outbox, "https://crm.example/hook", SECRET, max_attempts=3, sleep_scale=0.001,
        transport=httpx.MockTransport(lambda request: httpx.Response(500)))

    async def run() -> int:
        async with httpx.AsyncClient(transport=dispatcher.transport) as client:
            return await dispatcher.deliver_once(client)

    assert asyncio.run(run()) == 2
    dead = outbox.dead_letters()
    assert len(dead) == 1 and dead[0]["attempts"] == 3 and dead[0]["last_error"] == "HTTP 500"
    assert outbox.webhook_cursor() == 2


def test_app_pushes_new_leads_to_the_webhook(falkordb_store: GraphStore, keys: Keys,
                                              tmp_path: Path) -> None:
    build(falkordb_store, api_graph())
    received: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert verify_signature(SECRET, request.headers[SIGNATURE_HEADER], request.content)
        received.append(json.loads(request.content))
        return httpx.Response(204)

    settings = make_settings(keys, tmp_path, webhook_url="https://crm.example/hook",
                             webhook_secret=SECRET.decode())
    app = create_app(settings, store=falkordb_store,
                     webhook_transport=httpx.MockTransport(handler))
    with TestClient(app, headers=auth(keys.admin)) as client:
        result = client.post("/events", json={"events": [NEW_EVENT]}).json()
        assert result["new_leads"] > 0
        deadline = time.monotonic() + 10
        while sum(len(r["leads"]) for r in received) < result["new_leads"]:
            assert time.monotonic() < deadline, "webhook not called"
            time.sleep(0.05)
    leads = [lead for batch in received for lead in batch["leads"]]
    assert {lead["source_id"] for lead in leads} == {"EV0002"}
    assert all(lead["prospect"]["paths"] for lead in leads)


@pytest.mark.parametrize("evil", ["x' OR 1=1 //", "}) DETACH DELETE n //"])
def test_generate_refuses_bad_ids(fresh_clients: Clients, evil: str) -> None:
    before = graph_fingerprint(fresh_clients.app.state.store_holder.get())
    response = fresh_clients.admin.post("/leads/generate", json={"event_ids": [evil]})
    assert response.status_code == 422
    assert graph_fingerprint(fresh_clients.app.state.store_holder.get()) == before
