"""Auth on every route, generated from the app's routes: no key → 401, wrong role → 403."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chainscout.api.app import create_app
from chainscout.api.auth import (
    KeyRing,
    Role,
    append_key,
    hash_key,
    new_key,
    parse_key,
    read_key_file,
    verify_hash,
)
from chainscout.api.deps import RouteInfo, api_routes
from chainscout.settings import Settings
from tests.api.conftest import Clients, Keys, auth
from tests.api.graph import BRANCH, EVENT, E

PUBLIC = {"/health", "/"}

#: A valid value for every path parameter name the API uses.
PATH_VALUES = {"uscc": E[1], "kind": "park", "event_id": EVENT, "branch_id": BRANCH,
               "park_id": "P001", "association_id": "A001", "chain_id": "ic"}

#: A valid body for every route that takes one (by path).
BODIES: dict[str, Any] = {
    "/cypher": {"query": "RETURN 1 AS one"},
    # an unknown event type: accepted request, rejected record, shared graph left unchanged
    "/events": {"events": [{"event_id": "EV9001", "type": "no_such_type",
                            "date": "2026-11-01", "uscc": E[3]}], "generate_leads": False},
    "/expansion/batch": {"event_ids": [EVENT]},
    "/leads/generate": {"event_ids": [EVENT]},
}


#: Query parameters that make a route's request meaningful (by path).
QUERIES: dict[str, dict[str, Any]] = {
    "/enterprises/search": {"q": "上海"},
    "/parks/{park_id}/gaps": {"chain_id": "ic"},
    "/prospects/near": {"lat": 31.2, "lng": 121.6},
    "/strategies/industry-park": {"chain_id": "ic"},
    "/strategies/industry-association": {"chain_id": "ic"},
    "/coverage": {"park_id": "P001"},
}


def _routes() -> list[RouteInfo]:
    app = create_app(Settings(data_dir=Path("/tmp/chainscout-route-listing")))
    return [r for r in api_routes(app) if r.path not in PUBLIC]


def _url(route: RouteInfo) -> str:
    def value(match: re.Match[str]) -> str:
        name = match[1]
        assert name in PATH_VALUES, f"add a sample value for path parameter {name!r}"
        return PATH_VALUES[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, route.path)


def _call(client: TestClient, route: RouteInfo, headers: dict[str, str] | None = None) -> Any:
    method = sorted(route.methods)[0]
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    if route.path in QUERIES:
        kwargs["params"] = QUERIES[route.path]
    if method in {"POST", "PUT", "PATCH"}:
        assert route.path in BODIES, f"add a sample body for {method} {route.path}"
        kwargs["json"] = BODIES[route.path]
    return client.request(method, _url(route), **kwargs)


ROUTES = _routes()
IDS = [f"{sorted(r.methods)[0]} {r.path}" for r in ROUTES]


def test_every_route_but_health_has_a_role_guard() -> None:
    app = create_app(Settings(data_dir=Path("/tmp/chainscout-route-listing")))
    unguarded = {r.path for r in api_routes(app) if r.guard is None}
    assert unguarded == PUBLIC
    assert len(ROUTES) >= 15
    schema = app.openapi()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path not in PUBLIC:
                assert operation.get("x-roles"), f"{method} {path} documents no roles"
                assert operation.get("security"), f"{method} {path} documents no security"
                for status in ("401", "403", "422", "500", "503"):
                    assert status in operation["responses"], f"{method} {path} lacks {status}"


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_no_key_is_401(clients: Clients, route: RouteInfo) -> None:
    response = _call(clients.anon, route)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_unknown_or_malformed_key_is_401(clients: Clients, route: RouteInfo) -> None:
    key_id = parse_key(clients.keys.admin)
    for bad in [f"cs_{key_id}_{'A' * 43}", "cs_nosuchkey_" + "B" * 43, "garbage", ""]:
        response = _call(clients.anon, route, {"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, (bad, response.text)
    response = _call(clients.anon, route, {"Authorization": f"Basic {clients.keys.admin}"})
    assert response.status_code == 401


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_roles_outside_the_guard_are_403_and_inside_pass(clients: Clients, route: RouteInfo
                                                          ) -> None:
    assert route.guard is not None
    for role in Role:
        response = _call(clients.role(role.value), route)
        allowed = any(acts_as(role, r) for r in route.guard.roles)
        if allowed:
            assert response.status_code == 200, (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["error"]["code"] == "forbidden"


def acts_as(role: Role, needed: Role) -> bool:
    from chainscout.api.auth import IMPLIED

    return needed in IMPLIED[role]


def test_public_routes(clients: Clients) -> None:
    assert clients.anon.get("/health").json()["store_ok"] is True
    assert clients.anon.get("/openapi.json").status_code == 200
    assert clients.anon.get("/docs").status_code == 200
    page = clients.anon.get("/ui/")
    assert page.status_code == 200 and "chainscout" in page.text
    assert clients.anon.get("/ui/app.js").status_code == 200


def test_manager_sees_only_its_branch(clients: Clients) -> None:
    assert clients.manager.get("/leads", params={"branch_id": "B002"}).status_code == 403
    assert clients.manager.get("/leads", params={"branch_id": BRANCH}).status_code == 200
    assert clients.manager.get("/leads/export.csv",
                               params={"branch_id": "B002"}).status_code == 403


def test_me(clients: Clients) -> None:
    me = clients.manager.get("/me").json()
    assert me["role"] == "manager" and me["branch_id"] == BRANCH and me["masks_pii"] is True
    assert clients.analyst.get("/me").json()["masks_pii"] is False


# -- keys ----------------------------------------------------------------------------------------
def test_keys_are_stored_hashed_with_a_salt(tmp_path: Path) -> None:
    file = tmp_path / "keys.yaml"
    key_id, key = new_key()
    append_key(file, key_id, Role.analyst, None, key)
    text = file.read_text()
    assert key not in text and key.split("_", 2)[2] not in text
    entry = read_key_file(file)[key_id]
    assert entry.hash.startswith("scrypt$") and verify_hash(key, entry.hash)
    assert hash_key(key) != hash_key(key)  # per-key random salt
    assert not verify_hash(key + "x", entry.hash)
    assert file.stat().st_mode & 0o077 == 0


def test_json_key_file_and_salted_sha256(tmp_path: Path) -> None:
    import base64
    import hashlib
    import json

    key_id, key = new_key("legacy01")
    salt = b"0123456789abcdef"
    digest = hashlib.sha256(salt + key.encode()).digest()
    file = tmp_path / "keys.json"
    file.write_text(json.dumps([{"id": key_id, "role": "admin", "branch_id": None,
                                 "hash": f"sha256${base64.b64encode(salt).decode()}$"
                                         f"{base64.b64encode(digest).decode()}"}]))
    principal = KeyRing(file).authenticate(key)
    assert principal is not None and principal.role is Role.admin


def test_new_keys_work_without_restart_and_removed_ones_stop(tmp_path: Path) -> None:
    file = tmp_path / "keys.yaml"
    ring = KeyRing(file)
    key_id, key = new_key()
    assert ring.authenticate(key) is None
    append_key(file, key_id, Role.manager, "B009", key)
    principal = ring.authenticate(key)
    assert principal is not None and principal.branch_id == "B009"
    file.write_text("[]\n")
    assert ring.authenticate(key) is None


def test_manager_key_needs_a_branch(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="branch"):
        append_key(tmp_path / "k.yaml", "mgr01", Role.manager, None, new_key("mgr01")[1])


def test_cli_creates_a_key_once(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chainscout.api.cli import api_key_app

    file = tmp_path / "keys.yaml"
    result = CliRunner().invoke(api_key_app, ["create", "--role", "manager", "--branch",
                                              BRANCH, "--file", str(file)])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    principal = KeyRing(file).authenticate(key)
    assert principal is not None and principal.role is Role.manager
    assert key not in file.read_text()


def test_access_log_names_the_key_id_never_the_key(clients: Clients,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="chainscout.api.access"):
        clients.analyst.get("/me")
        clients.anon.get("/me")
    lines = [r.getMessage() for r in caplog.records if r.name == "chainscout.api.access"]
    key_id = parse_key(clients.keys.analyst)
    assert any(line.startswith(f"key={key_id} GET /me 200 ") for line in lines), lines
    assert any(line.startswith("key=- GET /me 401 ") for line in lines), lines
    assert all(clients.keys.analyst not in line for line in lines)


def test_body_size_limit(keys: Keys, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, api_keys_file=keys.file, api_max_body_bytes=2048)
    app = create_app(settings, store=None)
    with TestClient(app, headers=auth(keys.analyst), raise_server_exceptions=False) as client:
        big = {"query": "RETURN 1", "params": {"x": "y" * 5000}}
        response = client.post("/cypher", json=big)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"

        def chunks() -> Any:
            for _ in range(10):
                yield b"x" * 1024

        response = client.post("/cypher", content=chunks(),
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 413
