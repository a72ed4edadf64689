"""Stateful property-based run over the API (schemathesis 4): sequences of calls that feed one
response into the next request.

tests/api/test_schemathesis.py sends independent requests; most of its path parameters are random
and end in 404. Here schemathesis infers the links between operations from the schema — ``POST
/events`` → ``GET /events/{event_id}/prospects``, ``POST /leads/generate``, ``POST
/expansion/batch``; ``GET /leads/outbox`` → ``GET /leads`` — and chains them, so events that were
just ingested are expanded, turned into leads and read back. Every response must pass the
configured checks (no 5xx, documented status codes, conforming bodies). The admin key is used
(it may call every route).

Bounded: 15 scenarios of at most 6 steps (``CHAINSCOUT_RELIABILITY_FULL=1``: 100 of 10).
"""

from __future__ import annotations

import tempfile
from collections import Counter
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
from tests.reliability.support import record, sized

pytestmark = [pytest.mark.falkordb, pytest.mark.timeout(900)]

_DIR = Path(tempfile.mkdtemp(prefix="chainscout-stateful-"))
KEYS = make_keys(_DIR / "keys")
APP = create_app(Settings(data_dir=_DIR / "data", api_keys_file=KEYS.file))
CONFIG = schemathesis_config(KEYS.admin)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)
Workflow = schema.as_state_machine()
CALLS: Counter[tuple[str, int]] = Counter()


class CountingWorkflow(Workflow):  # type: ignore[misc,valid-type]
    def after_call(self, response: Any, case: Any) -> None:
        super().after_call(response, case)
        CALLS[(str(case.operation.label), int(response.status_code))] += 1


@pytest.fixture(scope="module")
def graph() -> Iterator[None]:
    holder = APP.state.store_holder
    store = holder.get()  # the embedded store in this module's own data directory
    build(store, api_graph())
    yield
    holder.close()
    store.close()


def test_inferred_links_chain_the_operations() -> None:
    transitions = [name for name in dir(Workflow) if "___" in name and "RANDOM" not in name]
    assert any("GET_events_event_id_prospects" in t for t in transitions), transitions
    assert any("POST_leads_generate" in t for t in transitions), transitions


def test_api_call_sequences_conform_to_the_schema(graph: None) -> None:
    CountingWorkflow.run(settings=settings(
        max_examples=sized(15, 100), stateful_step_count=sized(6, 10), deadline=None,
        derandomize=True, suppress_health_check=list(HealthCheck)))
    chained_ok = sum(n for (label, status), n in CALLS.items()
                     if status == 200 and label in ("GET /events/{event_id}/prospects",
                                                    "POST /leads/generate", "GET /leads"))
    record("test_api_call_sequences_conform_to_the_schema", scenarios=sized(15, 100),
           max_steps=sized(6, 10), calls=sum(CALLS.values()), chained_calls_answered_200=chained_ok,
           by_operation={f"{label} {status}": n for (label, status), n in sorted(CALLS.items())})
    assert chained_ok > 0, CALLS
