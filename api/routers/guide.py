"""The Neo4j Browser guide (public, like the docs): ``GET /guide/chainscout.html``.

Neo4j Browser fetches a remote guide from the user's browser (``:play <url>``, or
``browser.post_connect_cmd`` in docker-compose), so the page carries a CORS header allowing any
origin; the Neo4j server must also list this host in ``browser.remote_content_hostname_allowlist``.
The guide is generated from the graph model and the query catalog
(:mod:`chainscout.queries.browser_guide`) and holds no data: its parameter blocks look examples up
in the graph the Browser is connected to, with the Browser user's own rights.

A plain Starlette route rather than an API operation: it is not part of the JSON API (no schema
entry, no API key, no query parameters), the same as ``/docs``.
"""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from chainscout.queries.browser_guide import GUIDE_PATH, guide_html

router = APIRouter()

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Max-Age": "86400",
}


@cache
def _page() -> str:
    return guide_html()


def guide(request: Request) -> Response:
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=CORS_HEADERS)
    return HTMLResponse(_page(), headers={**CORS_HEADERS, "Cache-Control": "no-cache"})


router.add_route(GUIDE_PATH, guide, methods=["GET", "HEAD", "OPTIONS"], include_in_schema=False)
