"""API load test: uvicorn serves the app in a subprocess, a second process drives it on loopback.

The client (``python -m bench api-client``) runs ``--concurrency`` asyncio workers with one
keep-alive httpx client for ``--duration`` seconds over a list of paths and prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from .common import percentiles, rss_mb


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_key(path: Path) -> str:
    from chainscout.api.auth import Role, append_key, new_key

    path.unlink(missing_ok=True)
    key_id, key = new_key("bench")
    append_key(path, key_id, Role.analyst, None, key)
    return key


class ApiServer:
    """``uvicorn chainscout.api.app:create_app --factory`` on a free loopback port."""

    def __init__(self, env: dict[str, str], work: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = work / f"uvicorn-{self.port}.log"
        cmd = [sys.executable, "-m", "uvicorn", "chainscout.api.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers),
               "--no-access-log", "--log-level", "warning"]
        with self.log.open("wb") as fh:
            self.proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=fh, stderr=fh,
                                         start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("uvicorn did not answer /health in 120 s")

    def memory(self) -> dict[str, float]:
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
            pids += [int(p) for p in children.split()]
        except OSError:
            pass
        return {"api_rss_mb": round(sum(rss_mb(p)["rss_mb"] for p in pids), 1)}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def drive(url: str, key: str, paths: list[str], concurrency: int, duration: float
          ) -> dict[str, Any]:
    """Run the client in a second process and return its JSON summary."""
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-paths-{os.getpid()}.json"
    work.write_text(json.dumps(paths))
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench", "api-client", "--url", url, "--key", key,
             "--paths", str(work), "--concurrency", str(concurrency), "--duration", str(duration)],
            capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    finally:
        work.unlink(missing_ok=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


async def _client(url: str, key: str, paths: list[str], concurrency: int, duration: float
                  ) -> dict[str, Any]:
    times: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"},
                                 limits=limits, timeout=30.0) as client:
        for p in paths[:concurrency]:  # warm-up
            await client.get(p)
        stop_at = time.perf_counter() + duration
        counter = 0

        async def worker() -> None:
            nonlocal counter
            while time.perf_counter() < stop_at:
                path = paths[counter % len(paths)]
                counter += 1
                t = time.perf_counter()
                try:
                    r = await client.get(path)
                    status = r.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__  # type: ignore[assignment]
                elapsed = (time.perf_counter() - t) * 1000
                if status == 200:
                    times.append(elapsed)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    stats = percentiles(times)
    return {"requests": len(times) + sum(errors.values()), "ok": len(times), "errors": errors,
            "seconds": round(wall, 2), "req_per_s": round(len(times) / wall, 1),
            "p50": stats["p50"], "p95": stats["p95"], "p99": stats["p99"], "max": stats["max"],
            "concurrency": concurrency}


def client_main(url: str, key: str, paths_file: Path, concurrency: int, duration: float) -> None:
    paths = json.loads(paths_file.read_text())
    print(json.dumps(asyncio.run(_client(url, key, paths, concurrency, duration))), flush=True)
