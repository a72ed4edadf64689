"""A small HTTP load generator, run as its own process by tests/reliability/test_load.py.

    python -m tests.reliability.loadgen PLAN.json OUT.json

The plan names the base URL, the duration, the number of threads and the requests (method, path,
query, JSON body, API key, weight). Each thread keeps one HTTP connection and sends requests drawn
by weight from a seeded generator until the time is up; every request's start (seconds since the
run began), latency and status go to OUT.json.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx


def _worker(plan: dict[str, Any], index: int, started: float, deadline: float,
            out: list[tuple[float, float, int, str]]) -> None:
    rng = random.Random(1000 + index)
    requests = plan["requests"]
    weights = [r.get("weight", 1) for r in requests]
    with httpx.Client(base_url=plan["url"], timeout=plan.get("timeout_s", 30.0)) as client:
        while time.monotonic() < deadline:
            req = rng.choices(requests, weights)[0]
            t0 = time.monotonic()
            try:
                response = client.request(req["method"], req["path"], params=req.get("params"),
                                          json=req.get("json"),
                                          headers={"Authorization": f"Bearer {req['key']}"})
                status = response.status_code
            except httpx.HTTPError:
                status = -1
            t1 = time.monotonic()
            out.append((round(t0 - started, 4), round(t1 - t0, 5), status, req["name"]))


def run(plan: dict[str, Any]) -> list[tuple[float, float, int, str]]:
    results: list[tuple[float, float, int, str]] = []
    started = time.monotonic()
    deadline = started + float(plan["seconds"])
    threads = [threading.Thread(target=_worker, args=(plan, i, started, deadline, results))
               for i in range(int(plan["threads"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.sort()
    return results


def main(argv: list[str]) -> int:
    plan = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    results = run(plan)
    Path(argv[1]).write_text(json.dumps({"results": results}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
