"""The API load test's HTTP client: whole replies over kept-alive connections, and a connection
the server dropped while idle opened again instead of counted as a failed request."""

from __future__ import annotations

import asyncio

from bench.api_load import _Connection


async def _serve_once_per_connection(reader: asyncio.StreamReader,
                                     writer: asyncio.StreamWriter) -> None:
    """Answer one GET, then drop the connection without saying so (an idle keep-alive timeout)."""
    head = await reader.readuntil(b"\r\n\r\n")
    body = head.split(b" ")[1] * 3
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    writer.close()


def test_a_connection_dropped_while_idle_is_opened_again() -> None:
    async def run() -> list[tuple[int, int]]:
        server = await asyncio.start_server(_serve_once_per_connection, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        conn = _Connection("127.0.0.1", port, "key")
        try:
            replies = []
            for path in ("/a", "/bb", "/ccc"):
                replies.append(await conn.get(path))
                await asyncio.sleep(0.05)  # the server has closed by now
            return replies
        finally:
            await conn.close()
            server.close()
            await server.wait_closed()

    assert asyncio.run(run()) == [(200, 6), (200, 9), (200, 12)]
