"""docker-compose.yml: structure checked with PyYAML, and `docker compose config` when available.

No Docker engine runs here, so the file is checked for what matters: Neo4j 5.26 with APOC, the
API and a one-shot loader; health checks and `depends_on` on health; secrets only from the
environment with no default password; every port bound to 127.0.0.1; named data volumes; the
Browser guide wired to the API route that serves it; only real settings in the environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from chainscout.docs_gen import env_name
from chainscout.queries.browser_guide import GUIDE_PATH
from chainscout.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
TEXT = COMPOSE.read_text(encoding="utf-8")
DOC: dict[str, Any] = yaml.safe_load(TEXT)
SERVICES: dict[str, dict[str, Any]] = DOC["services"]
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(:?[-?+])?([^}]*)\}")


def env(service: str) -> dict[str, Any]:
    value = SERVICES[service].get("environment") or {}
    assert isinstance(value, dict), f"{service}: use the mapping form of environment"
    return value


def test_services() -> None:
    assert set(SERVICES) == {"neo4j", "api", "loader"}
    assert DOC.get("name") == "chainscout"


def test_neo4j_526_with_apoc() -> None:
    neo4j = SERVICES["neo4j"]
    assert re.fullmatch(r"neo4j:5\.26(\.\d+)?(-community|-enterprise)?", neo4j["image"])
    assert "apoc" in yaml.safe_load(env("neo4j")["NEO4J_PLUGINS"])
    assert env("neo4j")["NEO4J_AUTH"].startswith("neo4j/${NEO4J_PASSWORD:?")


def test_healthchecks() -> None:
    neo4j = SERVICES["neo4j"]["healthcheck"]
    command = " ".join(neo4j["test"])
    assert neo4j["test"][0] in {"CMD", "CMD-SHELL"}
    assert "cypher-shell" in command and "'RETURN 1'" in command
    assert "$${NEO4J_AUTH#neo4j/}" in command  # password read inside the container, not baked in
    api = SERVICES["api"]["healthcheck"]
    assert "http://127.0.0.1:8000/health" in " ".join(api["test"])
    for name in ("neo4j", "api"):
        check = SERVICES[name]["healthcheck"]
        assert {"interval", "timeout", "retries"} <= set(check)


def test_depends_on_health() -> None:
    for name in ("api", "loader"):
        assert SERVICES[name]["depends_on"] == {"neo4j": {"condition": "service_healthy"}}


def test_loader_is_one_shot_and_opt_in() -> None:
    loader = SERVICES["loader"]
    assert loader["restart"] == "no"
    assert loader["profiles"] == ["load"]
    assert loader["command"][:2] == ["chainscout", "load"]
    assert any(v.endswith(":/input:ro") for v in loader["volumes"])


def test_chainscout_env_points_at_neo4j_and_names_only_real_settings() -> None:
    settings = {env_name(f) for f in Settings.model_fields}
    for name in ("api", "loader"):
        variables = env(name)
        assert variables["CHAINSCOUT_STORE"] == "neo4j"
        assert variables["CHAINSCOUT_NEO4J_URI"] == "bolt://neo4j:7687"
        unknown = {k for k in variables if k.startswith("CHAINSCOUT_")} - settings
        assert not unknown, f"{name}: not settings: {unknown}"
    assert env("api")["CHAINSCOUT_API_KEYS_FILE"].startswith("/home/chainscout/data/")


def test_no_default_password_and_secrets_only_from_the_environment() -> None:
    for match in INTERPOLATION.finditer(TEXT):
        var, op, _ = match.groups()
        if re.search(r"PASSWORD|SECRET|TOKEN|KEY", var):
            assert op == ":?", f"${{{var}}} must be required (:?), not defaulted"
    for service, spec in SERVICES.items():
        for key, value in (spec.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|AUTH", key):
                # a reference to the host environment, or passed through unset
                assert value is None or "${" in str(value), f"{service}.{key} is a literal"
    assert "chainscout-dev" not in TEXT
    assert env("api")["CHAINSCOUT_WEBHOOK_SECRET"] is None  # passed through only when set


def test_ports_bound_to_loopback() -> None:
    ports = [p for spec in SERVICES.values() for p in spec.get("ports", [])]
    assert ports
    for port in ports:
        assert str(port).startswith("127.0.0.1:"), port
    assert "127.0.0.1:7474:7474" in SERVICES["neo4j"]["ports"]
    assert "127.0.0.1:7687:7687" in SERVICES["neo4j"]["ports"]
    assert "127.0.0.1:8000:8000" in SERVICES["api"]["ports"]


def test_named_volumes_for_the_data() -> None:
    declared = set(DOC["volumes"])
    used: set[str] = set()
    for spec in SERVICES.values():
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith((".", "/", "$")):
                used.add(source)
    assert used == declared
    mounts = {v.split(":")[1] for v in SERVICES["neo4j"]["volumes"]}
    assert {"/data", "/logs", "/backups"} <= mounts
    assert any(v.startswith("api-data:") for v in SERVICES["api"]["volumes"])


def test_browser_guide_wiring() -> None:
    neo4j = env("neo4j")
    command = neo4j["NEO4J_browser_post__connect__cmd"]
    assert command == f"play http://127.0.0.1:8000{GUIDE_PATH}"
    allow = neo4j["NEO4J_browser_remote__content__hostname__allowlist"].split(",")
    assert "127.0.0.1" in allow


def test_hardening() -> None:
    for name in ("api", "loader"):
        assert SERVICES[name]["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in SERVICES[name]["security_opt"]


def _compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True,
                           check=False)
    return probe.returncode == 0


def test_docker_compose_config_validates(tmp_path: Path) -> None:
    if not _compose_available():
        pytest.skip("no docker compose client here (docker CLI without the compose plugin)")
    environment = {**os.environ, "NEO4J_PASSWORD": "compose-test-password",
                   "CHAINSCOUT_INPUT_DIR": str(tmp_path)}
    done = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
                          capture_output=True, text=True, env=environment, check=False)
    assert done.returncode == 0, done.stderr
    environment.pop("NEO4J_PASSWORD")
    missing = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
                             capture_output=True, text=True, env=environment, check=False)
    assert missing.returncode != 0 and "NEO4J_PASSWORD" in missing.stderr
