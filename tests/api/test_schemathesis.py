"""Property-based run of the whole API against its own OpenAPI schema (schemathesis 4).

Every operation gets generated requests, valid and invalid, with an admin key (which may call
every route); the checks require no 5xx, documented status codes, content types and headers, and
responses that validate against the declared schemas.

The schema is loaded when the module is imported (``schemathesis.pytest.from_fixture`` does not
work with pytest 9: it sets ``Function._nodeid``), so the app is created here with its own data
directory and key file; its embedded store starts on the first request, after the module fixture
has written the keys and built the graph.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from chainscout.api.app import create_app
from chainscout.settings import Settings
from tests.api.conftest import make_keys, schemathesis_config
from tests.api.graph import api_graph
from tests.graph_builder import build

pytestmark = pytest.mark.slow

_DIR = Path(tempfile.mkdtemp(prefix="chainscout-fuzz-"))
KEYS = make_keys(_DIR / "keys")
APP = create_app(Settings(data_dir=_DIR / "data", api_keys_file=KEYS.file))
CONFIG = schemathesis_config(KEYS.admin)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@pytest.fixture(scope="module")
def fuzz_store() -> Iterator[None]:
    holder = APP.state.store_holder
    store = holder.get()  # starts the embedded store in the data directory
    build(store, api_graph())
    yield
    holder.close()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
def test_api_conforms_to_its_schema(case: Any, fuzz_store: None) -> None:
    case.call_and_validate()
