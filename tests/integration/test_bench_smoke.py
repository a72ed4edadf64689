"""The benchmark harness still runs end to end at a tiny size (no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chainscout.bench.report import render

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.falkordb
def test_bench_harness_smoke(tmp_path: Path) -> None:
    env = {**os.environ, "CHAINSCOUT_BENCH_RESULTS": str(tmp_path / "results"),
           "CHAINSCOUT_BENCH_CACHE": str(tmp_path / "cache"),
           "CHAINSCOUT_BENCH_WATCHDOG_S": "120"}  # a hang shows its stacks in the captured output
    subprocess.run([sys.executable, "-m", "bench", "run", "--sizes", "500", "--store", "falkordb",
                    "--only", "loads,queries", "--runs", "2", "--no-report"],
                   cwd=ROOT, env=env, check=True, timeout=300)
    result = json.loads((tmp_path / "results" / "falkordb-500.json").read_text())
    assert result["finished"]
    loads = result["sections"]["loads"]
    assert loads["embedded GRAPH.BULK load"]["rows"] > 0
    assert "error" not in loads["embedded upsert load"]
    queries = result["sections"]["queries"]
    assert queries["peers park"]["n"] == 2
    assert all("error" not in q for q in queries.values())
    text = render([result])
    assert "| 500 | falkordb | embedded GRAPH.BULK load |" in text
    assert "python -m bench run --sizes 500 --store falkordb --only loads" in text


@pytest.mark.falkordb
def test_bench_api_load_smoke(tmp_path: Path) -> None:
    """The API load test's own client gets whole replies over kept-alive connections."""
    env = {**os.environ, "CHAINSCOUT_BENCH_RESULTS": str(tmp_path / "results"),
           "CHAINSCOUT_BENCH_CACHE": str(tmp_path / "cache"),
           "CHAINSCOUT_BENCH_WATCHDOG_S": "120"}
    subprocess.run([sys.executable, "-m", "bench", "run", "--sizes", "500", "--store", "falkordb",
                    "--only", "api", "--api-duration", "1", "--api-warmup", "0.5", "--api-concurrency", "4",
                    "--api-workers", "1", "--no-report"],
                   cwd=ROOT, env=env, check=True, timeout=300)
    api = json.loads((tmp_path / "results" / "falkordb-500.json").read_text())["sections"]["api"]
    assert set(api) == {"GET /enterprises/{uscc}/peers/park?limit=20",
                        "GET /enterprises/{uscc}/peers/park", "GET /events/{event_id}/prospects",
                        "GET /enterprises/{uscc}/peers/park?limit=20 (page rows not kept)"}
    for case in api.values():
        assert case["errors"] == {} and case["ok"] > 4 and case["ok"] == case["requests"]
        assert case["reply_bytes"] > 1000 and case["client_cpu_ms_per_request"] > 0
        assert case["api_cpu_ms_per_request"] > 0 and case["store_cpu_ms_per_request"] >= 0
        assert "api_cpu_percent" not in case  # one worker: chainscout serve itself
    assert api["GET /events/{event_id}/prospects"]["store_cpu_ms_per_request"] > 0
    assert api["GET /enterprises/{uscc}/peers/park?limit=20 (page rows not kept)"][
        "store_cpu_ms_per_request"] > 0  # every page read its rows
