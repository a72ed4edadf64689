"""The lead outbox: new leads persisted in SQLite, polled by cursor or pushed to a webhook.

Why SQLite in the data directory rather than nodes in the graph: the outbox is delivery state
(sequence numbers, webhook attempts, dead letters), not knowledge about enterprises. Keeping it out
of the graph means the same code works on both stores, analysts' Cypher and the loaders' stale-item
cleanup never see it, a demo rebuild that clears the graph keeps what downstream systems were
already sent, and SQLite gives a strictly increasing ``seq`` (the cursor; it may have gaps) in one
local transaction. The file is ``CHAINSCOUT_OUTBOX_FILE`` (default ``<data_dir>/leads.sqlite``).

The webhook contract (headers, signature, retries) is documented in docs/api.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger("chainscout.api.outbox")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS leads (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id TEXT NOT NULL UNIQUE,
    uscc TEXT NOT NULL,
    name TEXT,
    branch_id TEXT,
    manager_id TEXT,
    source TEXT NOT NULL,
    source_id TEXT,
    score REAL NOT NULL,
    prospect TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS leads_branch ON leads (branch_id, score DESC, uscc);
CREATE INDEX IF NOT EXISTS leads_manager ON leads (manager_id, score DESC, uscc);
CREATE TABLE IF NOT EXISTS webhook_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_dead_letters (
    delivery_id TEXT PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    failed_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class NewLead:
    uscc: str
    name: str | None
    branch_id: str | None
    manager_id: str | None
    source: str  # what produced it: "event", "strategy", ...
    source_id: str | None  # e.g. the event id
    score: float
    prospect: dict[str, Any]  # the prospect view (unmasked), paths included

    @property
    def lead_id(self) -> str:
        blob = "\x1f".join([self.uscc, self.branch_id or "", self.source, self.source_id or ""])
        return hashlib.blake2b(blob.encode(), digest_size=10).hexdigest()


@dataclass(frozen=True)
class StoredLead:
    seq: int
    lead_id: str
    uscc: str
    name: str | None
    branch_id: str | None
    manager_id: str | None
    source: str
    source_id: str | None
    score: float
    prospect: dict[str, Any]
    created_at: str

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "lead_id": self.lead_id, "uscc": self.uscc, "name": self.name,
            "branch_id": self.branch_id, "manager_id": self.manager_id, "source": self.source,
            "source_id": self.source_id, "score": self.score, "created_at": self.created_at,
            "prospect": self.prospect,
        }


# Fixed statements; optional filters are bound parameters (a null filter matches everything).
_COUNT = ("SELECT count(*) FROM leads WHERE (:branch IS NULL OR branch_id = :branch) "
          "AND (:manager IS NULL OR manager_id = :manager)")
_PAGE = ("SELECT seq, lead_id, uscc, name, branch_id, manager_id, source, source_id, score, "
         "prospect, created_at FROM leads WHERE (:branch IS NULL OR branch_id = :branch) "
         "AND (:manager IS NULL OR manager_id = :manager) "
         "ORDER BY score DESC, uscc, seq LIMIT :limit OFFSET :offset")
_AFTER = ("SELECT seq, lead_id, uscc, name, branch_id, manager_id, source, source_id, score, "
          "prospect, created_at FROM leads WHERE (:branch IS NULL OR branch_id = :branch) "
          "AND seq > :cursor ORDER BY seq LIMIT :limit")


def _lead(row: sqlite3.Row) -> StoredLead:
    return StoredLead(row["seq"], row["lead_id"], row["uscc"], row["name"], row["branch_id"],
                      row["manager_id"], row["source"], row["source_id"], float(row["score"]),
                      json.loads(row["prospect"]), row["created_at"])


class LeadOutbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.new_leads = threading.Event()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()

    # -- writing -----------------------------------------------------------------------------
    def record(self, leads: Sequence[NewLead]) -> list[StoredLead]:
        """Insert leads not seen before (same enterprise, branch and source); return the new ones."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        new: list[StoredLead] = []
        with self._lock, self._connect() as db:
            for lead in leads:
                cur = db.execute(
                    "INSERT OR IGNORE INTO leads (lead_id, uscc, name, branch_id, manager_id, "
                    "source, source_id, score, prospect, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (lead.lead_id, lead.uscc, lead.name, lead.branch_id, lead.manager_id,
                     lead.source, lead.source_id, lead.score,
                     json.dumps(lead.prospect, ensure_ascii=False, sort_keys=True), now),
                )
                if cur.rowcount:
                    new.append(StoredLead(int(cur.lastrowid or 0), lead.lead_id, lead.uscc,
                                          lead.name, lead.branch_id, lead.manager_id,
                                          lead.source, lead.source_id, lead.score,
                                          lead.prospect, now))
        if new:
            self.new_leads.set()
        return new

    # -- reading -----------------------------------------------------------------------------
    def page(self, *, branch_id: str | None = None, manager_id: str | None = None,
             limit: int = 50, offset: int = 0) -> tuple[list[StoredLead], int]:
        """Leads by score (desc), then USCC, then seq: deterministic pages."""
        args = {"branch": branch_id, "manager": manager_id, "limit": limit, "offset": offset}
        with self._connect() as db:
            total = int(db.execute(_COUNT, args).fetchone()[0])
            rows = db.execute(_PAGE, args).fetchall()
        return [_lead(r) for r in rows], total

    def after(self, cursor: int, limit: int, *, branch_id: str | None = None
              ) -> list[StoredLead]:
        """Leads with ``seq > cursor`` in seq order: the outbox feed."""
        args = {"branch": branch_id, "cursor": cursor, "limit": limit}
        with self._connect() as db:
            rows = db.execute(_AFTER, args).fetchall()
        return [_lead(r) for r in rows]

    def last_seq(self) -> int:
        with self._connect() as db:
            value = db.execute("SELECT max(seq) FROM leads").fetchone()[0]
        return int(value or 0)

    # -- webhook state -----------------------------------------------------------------------
    def webhook_cursor(self) -> int:
        with self._connect() as db:
            row = db.execute("SELECT cursor FROM webhook_state WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    def set_webhook_cursor(self, cursor: int) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO webhook_state (id, cursor) VALUES (1, ?) "
                       "ON CONFLICT (id) DO UPDATE SET cursor = excluded.cursor", (cursor,))

    def dead_letter(self, delivery_id: str, first: int, last: int, attempts: int,
                    error: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT OR REPLACE INTO webhook_dead_letters VALUES (?, ?, ?, ?, ?, ?)",
                       (delivery_id, first, last, attempts, error[:500],
                        datetime.now(UTC).isoformat(timespec="seconds")))

    def dead_letters(self) -> list[dict[str, Any]]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM webhook_dead_letters ORDER BY first_seq").fetchall()
        return [dict(r) for r in rows]


# -- webhook -------------------------------------------------------------------------------------
SIGNATURE_HEADER = "X-Chainscout-Signature"
DELIVERY_HEADER = "X-Chainscout-Delivery"
EVENT_HEADER = "X-Chainscout-Event"


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>``."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: bytes, header: str, body: bytes, *, tolerance_s: int = 300,
                     now: float | None = None) -> bool:
    """What a receiver does (also used by the tests)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def backoff_s(attempt: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Delay after failed attempt ``attempt`` (1-based): 2, 4, 8 … s, capped, ±10 % jitter."""
    delay: float = min(cap, base * 2 ** (attempt - 1))
    return delay * random.uniform(0.9, 1.1)


class WebhookDispatcher:
    """Pushes outbox leads past its cursor to the webhook in batches, in order, with retries."""

    def __init__(self, outbox: LeadOutbox, url: str, secret: bytes, *, max_attempts: int = 8,
                 batch_size: int = 100, poll_s: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep_scale: float = 1.0) -> None:
        self.outbox = outbox
        self.url = url
        self.secret = secret
        self.max_attempts = max_attempts
        self.batch_size = batch_size
        self.poll_s = poll_s
        self.transport = transport
        self.sleep_scale = sleep_scale  # tests shrink the backoff
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def _pause(self, seconds: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds * self.sleep_scale)

    async def run(self) -> None:
        async with httpx.AsyncClient(transport=self.transport, timeout=10.0) as client:
            while not self._stop.is_set():
                try:
                    sent = await self.deliver_once(client)
                except Exception:
                    log.exception("webhook dispatcher error")
                    sent = 0
                if sent == 0:
                    self.outbox.new_leads.clear()
                    for _ in range(int(max(1, self.poll_s * 10))):
                        if self._stop.is_set() or self.outbox.new_leads.is_set():
                            break
                        await asyncio.sleep(0.1)

    async def deliver_once(self, client: httpx.AsyncClient) -> int:
        """Deliver one batch (with its retries); return how many leads it carried."""
        cursor = await asyncio.to_thread(self.outbox.webhook_cursor)
        batch = await asyncio.to_thread(self.outbox.after, cursor, self.batch_size)
        if not batch:
            return 0
        delivery_id = str(uuid.uuid4())
        last = batch[-1].seq
        body = json.dumps({
            "delivery_id": delivery_id, "event": "leads.created", "cursor": str(last),
            "leads": [lead.as_json() for lead in batch],
        }, ensure_ascii=False, sort_keys=True).encode("utf-8")
        error = ""
        for attempt in range(1, self.max_attempts + 1):
            if self._stop.is_set():
                return 0
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                SIGNATURE_HEADER: sign(self.secret, int(time.time()), body),
                DELIVERY_HEADER: delivery_id,
                EVENT_HEADER: "leads.created",
                "User-Agent": "chainscout-webhook/1",
            }
            try:
                response = await client.post(self.url, content=body, headers=headers)
                if 200 <= response.status_code < 300:
                    await asyncio.to_thread(self.outbox.set_webhook_cursor, last)
                    log.info("webhook delivery %s: %d leads up to seq %d", delivery_id,
                             len(batch), last)
                    return len(batch)
                error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            log.warning("webhook delivery %s attempt %d/%d failed: %s", delivery_id, attempt,
                        self.max_attempts, error)
            if attempt < self.max_attempts:
                await self._pause(backoff_s(attempt))
        await asyncio.to_thread(self.outbox.dead_letter, delivery_id, batch[0].seq, last,
                                self.max_attempts, error)
        await asyncio.to_thread(self.outbox.set_webhook_cursor, last)
        log.error("webhook delivery %s given up after %d attempts (seq %d–%d); pollers still "
                  "see these leads", delivery_id, self.max_attempts, batch[0].seq, last)
        return len(batch)
