"""The managers' page in headless Chromium: search, peers, the map with its radius, the ranked
list with drawn paths; all from the app's own origin (no CDN). Saves a screenshot to artifacts/."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import uvicorn
from fastapi import FastAPI

from chainscout.api.app import create_app
from chainscout.graph.stores.base import GraphStore
from tests.api.cdp import CHROMIUM, Browser
from tests.api.conftest import Keys, make_settings
from tests.api.graph import BRANCH, E

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="module")
def live_app(api_store: GraphStore, keys: Keys, tmp_path_factory: pytest.TempPathFactory
             ) -> FastAPI:
    return create_app(make_settings(keys, tmp_path_factory.mktemp("live")), store=api_store)


@pytest.fixture(scope="module")
def live_url(live_app: FastAPI) -> Iterator[str]:
    app = live_app
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing")
    page = Browser()
    yield page
    page.close()


def count(browser: Browser, selector: str) -> int:
    return int(browser.evaluate(f"document.querySelectorAll({selector!r}).length"))


def test_manager_page_end_to_end(live_url: str, keys: Keys, browser: Browser) -> None:
    browser.navigate(f"{live_url}/ui/")
    assert browser.evaluate("document.getElementById('app').hidden") is True
    # the key goes where the page keeps it: sessionStorage
    browser.evaluate(f"sessionStorage.setItem('chainscout.apiKey', {keys.manager!r})")
    browser.navigate(f"{live_url}/ui/?q={quote('芯核设计')}&branch={BRANCH}&radius=3")
    assert browser.wait_for("document.body.dataset.ready") == "1", browser.errors()

    # who am I
    assert "manager" in browser.evaluate("document.getElementById('whoami').textContent")
    # search found the enterprise and opened it with its park peers
    assert browser.evaluate("document.getElementById('ent-name').textContent") == \
        "上海芯核设计有限公司"
    assert count(browser, "#peers > li") == 4
    assert count(browser, "#peers svg.path-svg") == 4
    # chain peers tab
    browser.evaluate("document.querySelector('.tabs button[data-by=chain]').click()")
    browser.wait_for("document.getElementById('peers-summary').textContent.includes('共 6')")
    # the map: radius circle, branch marker and prospect markers without any tiles
    assert count(browser, "#map circle.radius") == 1
    assert count(browser, "#map .branch") == 1
    assert count(browser, "#map image") == 0
    markers = count(browser, "#map circle.prospect")
    assert markers == 4
    radius_px = float(browser.evaluate("document.querySelector('#map circle.radius')"
                                       ".getAttribute('r')"))
    assert 100 < radius_px < 560 * 0.5
    # the ranked list, each with its drawn path, in score order
    assert count(browser, "#ranked > li") == markers
    assert count(browser, "#ranked svg.path-svg") == markers
    scores = browser.evaluate("[...document.querySelectorAll('#ranked .score')]"
                              ".map(e => Number(e.textContent))")
    assert scores == sorted(scores, reverse=True)
    assert browser.evaluate("document.querySelector('#ranked > li').dataset.uscc") in {
        E[1], E[3], E[4], E[8]}
    assert not browser.evaluate("document.getElementById('export-list').disabled")
    # person names masked for a manager
    assert "张三丰" not in browser.evaluate("document.body.innerText")

    path = browser.screenshot(ARTIFACTS / "manager-page.png")
    print(f"screenshot: {path}")

    # a smaller radius redraws with fewer prospects
    browser.evaluate("const r = document.getElementById('radius'); r.value = 1;"
                     "r.dispatchEvent(new Event('change'))")
    browser.wait_for(f"document.querySelectorAll('#map circle.prospect').length < {markers}")
    assert "半径 1 km" in browser.evaluate("document.getElementById('map-summary').textContent")

    # everything came from the app itself: no CDN, works offline
    hosts = {urlparse(u).hostname for u in browser.requested_urls()
             if urlparse(u).scheme in ("http", "https")}
    assert hosts <= {"127.0.0.1"}, hosts
    assert not browser.errors()


def test_wrong_key_shows_the_error_and_keeps_the_app_hidden(live_url: str,
                                                            browser: Browser) -> None:
    browser.navigate(f"{live_url}/ui/")
    browser.evaluate("document.getElementById('api-key').value = 'cs_nope1234_" + "x" * 40 + "';"
                     "document.querySelector('#key-form button[type=submit]').click()")
    message = browser.wait_for("document.getElementById('message').textContent"
                               ".includes('unknown') && "
                               "document.getElementById('message').textContent")
    assert "revoked" in message
    assert browser.evaluate("document.getElementById('app').hidden") is True
    assert browser.evaluate("sessionStorage.getItem('chainscout.apiKey')") is None


def test_map_tiles_come_from_the_configured_template(live_app: FastAPI, live_url: str,
                                                     keys: Keys, browser: Browser) -> None:
    settings = live_app.state.settings
    template = f"{live_url}/ui/tiles/{{z}}/{{x}}/{{y}}.png"  # served by nobody: 404 tiles
    live_app.state.settings = settings.model_copy(update={"map_tile_url": template})
    try:
        browser.navigate(f"{live_url}/ui/")
        browser.evaluate(f"sessionStorage.setItem('chainscout.apiKey', {keys.manager!r})")
        browser.navigate(f"{live_url}/ui/?branch={BRANCH}&radius=5")
        assert browser.wait_for("document.body.dataset.ready") == "1"
        hrefs = browser.evaluate("[...document.querySelectorAll('#map image')]"
                                 ".map(i => i.getAttribute('href'))")
        assert hrefs and all(h.startswith(f"{live_url}/ui/tiles/") for h in hrefs)
        # markers and the radius circle are drawn over the (missing) tiles all the same
        assert count(browser, "#map circle.radius") == 1
        assert count(browser, "#map circle.prospect") >= 1
    finally:
        live_app.state.settings = settings
