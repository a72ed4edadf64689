"""``chainscout serve --workers N``: N API processes on one port, each with a socket of its own.

One Python process serves on one core. uvicorn's own workers share one listening socket, and an
asyncio server accepts every connection pending when it wakes up: a client that opens its
keep-alive connections at once (a load balancer, a CRM's connection pool, the benchmark's 16)
lands them all on one worker while the others idle (measured: one worker at 90 % of a core, the
other at 0 %). Here every worker binds the port with ``SO_REUSEPORT`` and the kernel spreads new
connections over the workers' sockets.

The parent starts the embedded store, when it is the configured one, so that the workers attach
to one server; it stops the workers on SIGTERM or SIGINT, stops them all when one of them exits,
and then stops the store.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
from types import FrameType

from chainscout.servers.falkordb_server import FalkorDBError
from chainscout.settings import Settings, get_settings

log = logging.getLogger("chainscout.api")

#: Seconds a worker has to finish its requests once it is told to stop.
STOP_GRACE_S = 30.0


def configure_logging(level: str) -> None:
    """The API's log format (with the process id: several workers write to one stream)."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s "
                        "[%(process)d] %(message)s")


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` that other processes may bind too."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


def serve_workers(settings: Settings, host: str, port: int, workers: int, log_level: str) -> int:
    """Run ``workers`` API processes until a signal or a worker's exit; the exit code."""
    from chainscout.stores import embedded_server

    server = embedded_server(settings) if settings.store == "falkordb" else None
    if server is not None:
        try:
            server.start()
        except FalkorDBError as exc:  # the workers answer 503 and retry, as one process would
            log.error("the embedded FalkorDB store could not start: %s", exc)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(host, port, log_level),
                                 name=f"chainscout-api-{i + 1}") for i in range(workers)]
    code = 0
    try:
        for process in processes:
            process.start()
        while not stop.wait(0.5):
            ended = next((p for p in processes if not p.is_alive()), None)
            if ended is not None:
                code = ended.exitcode or 1
                log.error("API worker %s exited with %s: stopping the others", ended.name,
                          ended.exitcode)
                break
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for process in processes:
            process.join(STOP_GRACE_S)
            if process.is_alive():
                process.kill()
                process.join()
        if server is not None:
            server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def _worker(host: str, port: int, log_level: str) -> None:
    import uvicorn

    from .app import create_app

    configure_logging(log_level)
    sock = listening_socket(host, port)
    config = uvicorn.Config(create_app(get_settings()), log_level=log_level, access_log=False,
                            proxy_headers=False)
    uvicorn.Server(config).run(sockets=[sock])
