"""FalkorDB, the embedded default: a supervised child process reached over a private socket."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol, TypeVar

import redis
from falkordb import FalkorDB

from ..model import GraphModel, graph_model
from .base import (
    QueryTimeout,
    ReadOnlyViolation,
    Row,
    StoreError,
    StoreUnavailable,
    contains_nul,
)
from .dialect import IndexSpec, falkordb_constraint_command, falkordb_index_statement, index_specs
from .falkordb_reply import ReplyDecoder

_WRITE_RETRIES = 3
_T = TypeVar("_T")

#: How long a command waits, at most, while the server answers ``BUSY``. FalkorDB answers that to
#: every command while it waits, past ``busy-reply-threshold``, to fork (an AOF rewrite or snapshot
#: with a long query in flight). The embedded server's threshold is set beyond any query, so this
#: is the fallback for a server configured otherwise. A refused command did not run, so sending it
#: again is always safe.
BUSY_WAIT_S = 60.0

#: The rule that starts an AOF rewrite once the file grew by this many percent.
_AOF_REWRITE_RULE = "auto-aof-rewrite-percentage"
#: The server settings that fork a background save (the AOF rewrite rule, RDB snapshots after so
#: many changes), and their values that turn them off.
_FORK_RULES = {_AOF_REWRITE_RULE: "0", "save": ""}


def _config_value(reply: Any) -> str | None:
    """The value in a ``CONFIG GET`` reply (a flat [name, value] list or a map)."""
    values = list(reply.values()) if isinstance(reply, dict) else list(reply or [])[1::2]
    if not values:
        return None
    return values[0].decode() if isinstance(values[0], bytes) else str(values[0])


class Supervisor(Protocol):
    """The part of the embedded server process the store needs: restart it when it died."""

    def ensure_alive(self) -> None: ...

    def stop(self) -> None: ...


class FalkorDBStore:
    name = "falkordb"

    def __init__(
        self,
        client: FalkorDB,
        graph: str = "chainscout",
        *,
        model: GraphModel | None = None,
        supervisor: Supervisor | None = None,
    ) -> None:
        self.model = model or graph_model()
        self.graph_name = graph
        self._client = client
        self._graph = client.select_graph(graph)
        self._decoder = ReplyDecoder(self._graph, self.model)
        self._supervisor = supervisor
        # A read on a graph that does not exist yet is an error in FalkorDB, not an empty result.
        self.write("RETURN 1")

    # -- queries -------------------------------------------------------------------------------
    def read(
        self, cypher: str, params: Mapping[str, Any] | None = None, *, timeout_s: float | None = None
    ) -> list[Row]:
        timeout_ms = max(1, int(timeout_s * 1000)) if timeout_s else None
        _refuse_nul(params)
        return self._retry_read(lambda: self._run("GRAPH.RO_QUERY", cypher, params, timeout_ms))

    def read_columns(self, cypher: str, params: Mapping[str, Any] | None = None, *,
                     kinds: Mapping[str, str]) -> dict[str, list[Any]]:
        """Scalar exports take the verbose reply: strings, integers and nulls arrive as themselves
        (the compact reply wraps every value in a ``[type, value]`` pair, and parsing those was
        most of an export's time) and doubles as the same text the compact reply carries."""
        _refuse_nul(params)
        verbose = set(kinds.values()) <= _VERBOSE_KINDS
        args = self._query_args("GRAPH.RO_QUERY", cypher, params, compact=not verbose)

        def export() -> dict[str, list[Any]]:
            reply = self._execute(args)
            return _verbose_columns(reply, kinds) if verbose else self._decoder.columns(reply)

        return self._retry_read(export)

    def _retry_read(self, read: Callable[[], _T]) -> _T:
        """A read that finds the server gone (killed, crashed) waits for the supervisor to bring it
        back and runs once more — reads are safe to repeat; if it cannot come back, 503."""
        for attempt in range(2):
            try:
                return read()
            except redis.ConnectionError as exc:
                if attempt or self._supervisor is None:
                    raise self._mapped(exc) from exc
                self._revive(exc)
            except Exception as exc:
                raise self._mapped(exc) from exc
        raise StoreUnavailable("FalkorDB read failed")  # pragma: no cover - loop always returns

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Writes here are idempotent upserts, so a retry after a lost connection is safe."""
        _refuse_nul(params)
        for attempt in range(_WRITE_RETRIES):
            try:
                return self._run("GRAPH.QUERY", cypher, params, None)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                if attempt == _WRITE_RETRIES - 1 or self._supervisor is None:
                    raise self._mapped(exc) from exc
                time.sleep(0.2 * (attempt + 1))
                self._revive(exc)
            except Exception as exc:
                raise self._mapped(exc) from exc
        raise StoreUnavailable("FalkorDB write failed")  # pragma: no cover - loop always returns

    def apply_schema(self) -> list[str]:
        existing = self._existing_indexes()
        constraints = self._existing_constraints()
        created: list[str] = []
        for spec in index_specs(self.model):
            if (spec.label, spec.prop) not in existing:
                self.write(falkordb_index_statement(spec))
                created.append(spec.name)
            if spec.unique and (spec.label, spec.prop) not in constraints:
                self._command(*falkordb_constraint_command(self.graph_name, spec))
                created.append(f"{spec.name}_constraint")
        self._await_constraints()
        return created

    def ping(self) -> None:
        try:
            self._client.connection.ping()
        except Exception as exc:
            raise self._mapped(exc) from exc

    def clear(self) -> None:
        while True:
            rows = self.write("MATCH (n) WITH n LIMIT 50000 DETACH DELETE n RETURN count(n) AS n")
            if not rows or int(rows[0]["n"]) == 0:
                return

    def close(self) -> None:
        self._client.connection.close()

    @contextlib.contextmanager
    def background_saves_paused(self) -> Iterator[None]:
        """Keep the server from forking for AOF rewrites and RDB snapshots while a load runs; the
        rules come back at the end, and one rewrite follows while nothing is writing.

        Every write lands in the AOF, so a load of a large graph would otherwise fork and dump the
        growing graph again and again (21 times, ≈ 150 CPU-s, during a 1M bulk build). It also
        keeps a fork from starting while one of the load's long statements runs: at 1M that
        aborted the server (FalkorDB's fork preparation yields inside Redis 8.2's cron, and a
        ``whileBlockedCron`` assertion fails). A server that refuses ``CONFIG`` (not ours) is
        left as it is.
        """
        restore: dict[str, str] = {}
        with contextlib.suppress(StoreError):
            for name, paused in _FORK_RULES.items():
                value = _config_value(self._command("CONFIG", "GET", name))
                if value is not None and value != paused:
                    self._command("CONFIG", "SET", name, paused)
                    restore[name] = value
        try:
            yield
        finally:
            # A server that died meanwhile restarted from falkordb.conf, rules and all.
            with contextlib.suppress(StoreError):
                for name, value in restore.items():
                    self._command("CONFIG", "SET", name, value)
                if _AOF_REWRITE_RULE in restore:
                    self._rewrite_aof_if_grown(int(restore[_AOF_REWRITE_RULE]))

    def _rewrite_aof_if_grown(self, percentage: int) -> None:
        """Start the rewrite the paused rule would have started, now rather than at the server's
        next cron tick: a process that stops the server right after a load then finds it running
        and waits for it (``EmbeddedFalkorDB.stop``) instead of leaving the whole load in the log
        to replay at the next start."""
        info = self._command("INFO", "persistence")
        if not isinstance(info, dict) or not info.get("aof_enabled"):
            return
        minimum = _config_value(self._command("CONFIG", "GET", "auto-aof-rewrite-min-size"))
        size, base = int(info.get("aof_current_size", 0)), int(info.get("aof_base_size", 0))
        if size >= int(minimum or 0) and size > base * (1 + percentage / 100):
            with contextlib.suppress(StoreError):  # one already running or scheduled
                self._command("BGREWRITEAOF")

    def drop_graph(self) -> None:
        """Delete the whole graph key (``GRAPH.BULK ... BEGIN`` needs it gone). Label, type and
        property ids start afresh in the next graph, so the names cached for them go too."""
        self._graph.schema.clear()
        with contextlib.suppress(StoreError):  # no such key yet
            self._command("GRAPH.DELETE", self.graph_name)

    # -- helpers -------------------------------------------------------------------------------
    def _query_args(self, command: str, cypher: str, params: Mapping[str, Any] | None, *,
                    compact: bool = True) -> list[Any]:
        query = self._graph._build_params_header(dict(params)) + cypher if params else cypher
        return [command, self.graph_name, query] + (["--compact"] if compact else [])

    def _run(self, command: str, cypher: str, params: Mapping[str, Any] | None,
             timeout_ms: int | None) -> list[Row]:
        args = self._query_args(command, cypher, params)
        if timeout_ms is not None:
            args += ["timeout", timeout_ms]
        busy_wait = BUSY_WAIT_S if timeout_ms is None else min(BUSY_WAIT_S, timeout_ms / 1000)
        return self._decoder.rows(self._execute(args, busy_wait))

    def _execute(self, args: list[Any], busy_wait: float = BUSY_WAIT_S) -> Any:
        """One command; while the server answers ``BUSY`` (it did not run the command), the
        same command again after a growing pause, for up to ``busy_wait`` seconds."""
        deadline: float | None = None
        pause = 0.02
        while True:
            try:
                return self._client.connection.execute_command(*args)
            except redis.ResponseError as exc:
                if not str(exc).startswith("BUSY"):
                    raise
                now = time.monotonic()
                deadline = now + busy_wait if deadline is None else deadline
                if now >= deadline:
                    raise
                time.sleep(min(pause, deadline - now))
                pause = min(pause * 2, 1.0)

    def _revive(self, cause: Exception) -> None:
        """Have the supervisor restart a dead server; its own failures (restart limit reached,
        server does not start) are this store being unavailable, not an unexpected error."""
        assert self._supervisor is not None
        try:
            self._supervisor.ensure_alive()
        except Exception as exc:
            raise StoreUnavailable(
                f"the embedded FalkorDB store is down and could not be restarted: {exc}"
            ) from cause

    def _command(self, *args: str) -> Any:
        try:
            return self._execute(list(args))
        except Exception as exc:
            raise self._mapped(exc) from exc

    def _existing_indexes(self) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for row in self.read("CALL db.indexes() YIELD label, properties, entitytype "
                             "RETURN label, properties, entitytype"):
            if row["entitytype"] == "NODE":
                found.update((row["label"], prop) for prop in row["properties"])
        return found

    def _existing_constraints(self) -> set[tuple[str, str]]:
        rows = self.read("CALL db.constraints() YIELD type, label, properties "
                         "RETURN type, label, properties")
        return {(r["label"], r["properties"][0]) for r in rows if r["type"] == "UNIQUE"}

    def _await_constraints(self, timeout_s: float = 300.0, rebuild_after_s: float = 20.0) -> None:
        """Constraint creation is asynchronous in FalkorDB: wait until none is pending.

        A constraint can stay pending ("under construction") when its background validation never
        gets the graph's write lock; FalkorDB's own remedy is to drop and create it again, which
        is done for every constraint still pending after ``rebuild_after_s`` (on an empty or
        small graph validation takes milliseconds)."""
        started = time.monotonic()
        deadline = started + timeout_s
        rebuild_at = started + rebuild_after_s
        while time.monotonic() < deadline:
            rows = self.read("CALL db.constraints() YIELD type, label, properties, status "
                             "RETURN type, label, properties, status")
            failed = [r for r in rows if r["status"] == "FAILED"]
            if failed:
                raise StoreError("a unique constraint failed to build: duplicate keys in the graph")
            pending = [r for r in rows if r["status"] != "OPERATIONAL"]
            if not pending:
                return
            if time.monotonic() >= rebuild_at:
                for row in pending:
                    self._rebuild_constraint(str(row["label"]), str(row["properties"][0]))
                rebuild_at = time.monotonic() + rebuild_after_s
            time.sleep(0.05)
        raise StoreError(f"unique constraints still pending after {timeout_s:.0f} s")

    def _rebuild_constraint(self, label: str, prop: str) -> None:
        command = falkordb_constraint_command(self.graph_name, IndexSpec(label, prop, unique=True))
        with contextlib.suppress(StoreError):  # gone already: create it anyway
            self._command(command[0], "DROP", *command[2:])
        with contextlib.suppress(StoreError):  # "already exists": it settled meanwhile
            self._command(*command)

    def _mapped(self, exc: Exception) -> StoreError:
        message = str(exc)
        if isinstance(exc, StoreError):
            return exc
        if isinstance(exc, redis.ConnectionError | redis.TimeoutError | ConnectionError):
            return StoreUnavailable(f"the embedded FalkorDB store is not reachable: {message}")
        if message.startswith("BUSY"):
            return StoreUnavailable(f"the embedded FalkorDB store stayed busy ({message}); "
                                    "try again shortly")
        if "read-only" in message or "RO_QUERY" in message:
            return ReadOnlyViolation(f"write refused in read-only mode: {message}")
        if "timed out" in message.lower() or "timeout" in message.lower():
            return QueryTimeout(f"query stopped at its time limit: {message}")
        return StoreError(message)


#: Column kinds the verbose reply carries without loss.
_VERBOSE_KINDS = frozenset({"string", "integer", "float"})


def _verbose_columns(reply: list[Any], kinds: Mapping[str, str]) -> dict[str, list[Any]]:
    if isinstance(reply[-1], redis.ResponseError):
        raise reply[-1]
    names = [str(n) for n in reply[0]] if len(reply) >= 3 else []
    if set(names) != set(kinds):
        raise StoreError(f"export columns {names} differ from the declared {sorted(kinds)}")
    rows = reply[1] if len(reply) >= 3 else []
    out: dict[str, list[Any]] = {}
    for i, name in enumerate(names):
        if kinds[name] == "float":
            out[name] = [None if row[i] is None else float(row[i]) for row in rows]
        else:
            out[name] = [row[i] for row in rows]
    return out


def _refuse_nul(params: Mapping[str, Any] | None) -> None:
    """FalkorDB gets parameters inside the query text, which its parser reads up to the first
    NUL: a NUL in a value would end the query there. Refuse it with a clear error instead."""
    if params and contains_nul(params):
        raise StoreError("a query parameter contains a NUL character (\\x00), which FalkorDB "
                         "cannot take")
