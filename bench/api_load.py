"""API load test: ``chainscout serve`` in a subprocess, a second process drives it on loopback.

The client (``python -m bench api-client``) runs ``--concurrency`` asyncio workers, each with
one keep-alive connection, for ``--duration`` seconds over a list of paths and prints one JSON
line (with its own CPU per request: it shares the machine with the server).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .common import cpu_s, percentiles, rss_mb


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
    """``chainscout serve --workers N`` (what users run) on a free loopback port."""

    def __init__(self, env: dict[str, str], work: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = work / f"serve-{self.port}.log"
        cmd = [sys.executable, "-m", "chainscout.cli", "serve", "--host", "127.0.0.1",
               "--port", str(self.port), "--workers", str(workers), "--log-level", "warning"]
        with self.log.open("wb") as fh:
            self.proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=fh, stderr=fh,
                                         start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chainscout serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError("chainscout serve did not answer /health in 120 s")

    def pids(self) -> list[int]:
        """``chainscout serve`` and its worker processes."""
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
            pids += [int(p) for p in children.split()]
        except OSError:
            pass
        return pids

    def memory(self) -> dict[str, float]:
        return {"api_rss_mb": round(sum(rss_mb(p)["rss_mb"] for p in self.pids()), 1)}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def drive(url: str, key: str, paths: list[str], concurrency: int, duration: float, *,
          warm_all: bool = False, warmup: float = 0.0,
          cpu_of: dict[str, list[int]] | None = None) -> dict[str, Any]:
    """Run the client in a second process and return its JSON summary; ``cpu_of`` names groups
    of processes (the API's, the store's) whose CPU per request in the timed window it adds."""
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-paths-{os.getpid()}.json"
    work.write_text(json.dumps(paths))
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench", "api-client", "--url", url, "--key", key,
             "--paths", str(work), "--concurrency", str(concurrency), "--duration", str(duration),
             "--warmup", str(warmup), *(["--warm-all"] if warm_all else []),
             *(f"--cpu-of={name}={','.join(map(str, pids))}" for name, pids in (cpu_of or {}).items())],
            capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    finally:
        work.unlink(missing_ok=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


class _Connection:
    """One keep-alive HTTP/1.1 connection, spoken directly: a GET is one write and two reads.

    An HTTP client library spent ≈ 1.2 ms of CPU per request here, a third of what the API itself
    needs, on the same two cores; the figure is about the server, so the client does no more than
    a load tool would (status line, ``Content-Length`` body read whole, not parsed)."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port = host, port
        self.headers = (f"Host: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
                        "Accept: application/json\r\n\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int]:
        """Status and body length of ``GET path``. A kept-alive connection the server closed
        while it sat idle (uvicorn: after 5 s) is opened again and the GET sent once more, as
        HTTP clients do for an idempotent request."""
        if self.writer is not None:
            try:
                return await self._get(path)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                    raise  # the reply had begun: a real failure
                await self.close()
        return await self._get(path)

    async def _get(self, path: str) -> tuple[int, int]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\n".encode() + self.headers)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        fields = head.lower()
        at = fields.find(b"\r\ncontent-length:")
        if at < 0:
            raise ValueError(f"reply without Content-Length (status {status})")
        length = int(fields[at + 17:fields.index(b"\r\n", at + 2)])
        await self.reader.readexactly(length)
        if b"\r\nconnection: close" in fields:
            await self.close()
        return status, length

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _client(url: str, key: str, paths: list[str], concurrency: int, duration: float,
                  warm_all: bool, warmup: float, cpu_of: dict[str, list[int]]) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    connections = [_Connection(host, port, key) for _ in range(concurrency)]
    # Warm-up: one request per connection, or every distinct path once (``warm_all``: the
    # figures are then a warm server's; the first read of a hub is timed apart, in the queries),
    # then ``warmup`` seconds of the load itself untimed (a JVM compiles its hot paths first).
    todo = list(dict.fromkeys(paths)) if warm_all else paths[:concurrency]

    async def warm(conn: _Connection) -> None:
        while todo:
            await conn.get(todo.pop())

    await asyncio.gather(*(warm(c) for c in connections))
    if warmup > 0:
        await _load(connections, paths, warmup)
    before = {pid: cpu_s([pid]) for pids in cpu_of.values() for pid in pids}
    figures = await _load(connections, paths, duration)
    for name, pids in cpu_of.items():
        spent = [cpu_s([pid]) - before[pid] for pid in pids]
        figures[f"{name}_cpu_ms_per_request"] = (
            round(sum(spent) / figures["requests"] * 1000, 3) if figures["requests"] else 0.0)
        if len(pids) > 1:  # how evenly the API's worker processes shared the load
            figures[f"{name}_cpu_percent"] = [round(s / figures["seconds"] * 100) for s in spent]
    for conn in connections:
        await conn.close()
    return {**figures, "concurrency": concurrency}


async def _load(connections: list[_Connection], paths: list[str], seconds: float
                ) -> dict[str, Any]:
    """Every connection sends the paths in turn for ``seconds``; latencies of the 200s."""
    times: list[float] = []
    errors: dict[str, int] = {}
    sizes: list[int] = []
    stop_at = time.perf_counter() + seconds
    counter = 0

    async def worker(conn: _Connection) -> None:
        nonlocal counter
        while time.perf_counter() < stop_at:
            path = paths[counter % len(paths)]
            counter += 1
            t = time.perf_counter()
            try:
                status, length = await conn.get(path)
            except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                status, length = type(exc).__name__, 0  # type: ignore[assignment]
                await conn.close()
            elapsed = (time.perf_counter() - t) * 1000
            if status == 200:
                times.append(elapsed)
                sizes.append(length)
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1

    started = time.perf_counter()
    cpu = time.process_time()
    await asyncio.gather(*(worker(c) for c in connections))
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    stats = percentiles(times)
    done = len(times) + sum(errors.values())
    return {"requests": done, "ok": len(times), "errors": errors,
            "seconds": round(wall, 2), "req_per_s": round(len(times) / wall, 1),
            "p50": stats["p50"], "p95": stats["p95"], "p99": stats["p99"], "max": stats["max"],
            "reply_bytes": round(sum(sizes) / len(sizes)) if sizes else 0,
            "client_cpu_ms_per_request": round(cpu / done * 1000, 3) if done else 0.0}


def client_main(url: str, key: str, paths_file: Path, concurrency: int, duration: float, *,
                warm_all: bool = False, warmup: float = 0.0, cpu_of: Sequence[str] = ()) -> None:
    paths = json.loads(paths_file.read_text())
    groups = {name: [int(p) for p in pids.split(",") if p]
              for name, _, pids in (spec.partition("=") for spec in cpu_of)}
    print(json.dumps(asyncio.run(_client(url, key, paths, concurrency, duration, warm_all,
                                         warmup, groups))), flush=True)
