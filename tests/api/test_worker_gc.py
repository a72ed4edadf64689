"""The API process collects young garbage less often while it serves, and puts Python's
setting back when it stops (tests and embedding applications run many apps in one process)."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from chainscout.api.app import create_app
from tests.api.conftest import Keys, make_settings
from tests.api.test_errors import BrokenStore


def test_the_young_generation_threshold_holds_while_the_app_runs(keys: Keys, tmp_path: Path
                                                                 ) -> None:
    before = gc.get_threshold()
    app = create_app(make_settings(keys, tmp_path, api_gc_threshold=12_345),
                     store=BrokenStore(RuntimeError("unused")))
    with TestClient(app):
        assert gc.get_threshold() == (12_345, *before[1:])
    assert gc.get_threshold() == before


def test_zero_keeps_pythons_setting(keys: Keys, tmp_path: Path) -> None:
    before = gc.get_threshold()
    app = create_app(make_settings(keys, tmp_path, api_gc_threshold=0),
                     store=BrokenStore(RuntimeError("unused")))
    with TestClient(app):
        assert gc.get_threshold() == before
