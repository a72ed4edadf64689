"""Run a real Neo4j 5.26 LTS Community server on this machine without Docker.

Why: developers, CI and benchmarks need a genuine Neo4j (same planner, same storage, same Bolt
protocol as production) but the machines have no Docker and reach no download site except Maven
Central. Neo4j publishes the whole Community DBMS there, so we resolve the jars with Maven, lay out
a NEO4J_HOME and launch ``org.neo4j.server.CommunityEntryPoint`` directly on Java 17 (the official
Docker image uses the same entry point).

Layout:

* jars are cached per Neo4j version under ``~/.cache/chainscout/neo4j/<version>/{lib,plugins}``
  (``$CHAINSCOUT_NEO4J_CACHE_DIR`` overrides); Maven's own ``~/.m2`` caches the downloads too;
* the server home (``<repo>/.chainscout/neo4j`` by default) holds ``conf/``, ``data/`` (persistent),
  ``logs/`` (``console.log`` is the JVM's stdout/stderr), ``plugins/`` (APOC is symlinked in from
  the cache), ``import/`` and ``run/neo4j.pid``.

Auth is always on. The password comes from the caller or ``$CHAINSCOUT_NEO4J_PASSWORD``;
:data:`DEV_PASSWORD` is a development-only fallback and must never guard real data.

The Typer sub-app :data:`neo4j_app` at the end is mounted by ``chainscout.cli`` as
``chainscout neo4j start|stop|status|logs|install|latest``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Annotated, Any, Literal

import neo4j
import typer
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

from .processes import pid_alive, popen_tied

__all__ = [
    "DEFAULT_APOC_VERSION",
    "DEFAULT_BROWSER_VERSION",
    "DEFAULT_NEO4J_VERSION",
    "DEV_PASSWORD",
    "Neo4jLocal",
    "Neo4jLocalConfig",
    "Neo4jLocalError",
    "Neo4jRuntime",
    "Neo4jStatus",
    "StopOutcome",
    "default_home",
    "ensure_runtime",
    "neo4j_app",
    "resolve_newest_versions",
]

# Pinned versions. Found on Maven Central (Nov 2026) with `resolve_newest_versions()`:
# the newest 5.26.x of org.neo4j:neo4j, the newest neo4j-browser, the newest 5.26.x APOC core.
# Override with the CHAINSCOUT_NEO4J_*_VERSION variables or Neo4jLocalConfig fields.
DEFAULT_NEO4J_VERSION = "5.26.30"
DEFAULT_BROWSER_VERSION = "5.24.0"
DEFAULT_APOC_VERSION = "5.26.19"

#: Development-only fallback password. Anyone reading this file knows it: never use it for a
#: server that holds real data or listens beyond 127.0.0.1.
DEV_PASSWORD = "chainscout-dev"
NEO4J_USER = "neo4j"

# A pinned plugin version keeps resolution reproducible (Maven 3.8's default binding is 2.8).
_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
# APOC is split in two jars since 5.26.x stopped publishing the shaded `core` classifier on
# Maven Central (last one: 5.26.5): apoc-core holds the procedures, apoc-common their result types.
_APOC_ARTIFACTS = ("apoc-core", "apoc-common")
_MANIFEST = "manifest.json"

# Flags from the official image's neo4j.conf `server.jvm.additional` that matter on Java 17;
# the heap is passed separately because neo4j.conf's heap keys are only read by the launcher
# script, which we do not use.
_JVM_FLAGS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:+TrustFinalNonStaticFields",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)
_ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
_ADMIN_TOOL = "org.neo4j.cli.AdminTool"

StopOutcome = Literal["not-running", "stopped", "killed"]

log = logging.getLogger(__name__)


class Neo4jLocalError(RuntimeError):
    """Raised when the local server cannot be installed, started, stopped or used."""


# --------------------------------------------------------------------------------------------
# configuration


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise Neo4jLocalError(f"{name}={raw!r} is not an integer") from exc


def _env_optional_version(name: str, default: str) -> str | None:
    """An optional component's version; "none"/"off" disables the component."""
    value = _env(name, default)
    return None if value.lower() in {"none", "off", "false", "0"} else value


def _project_root(start: Path | None = None) -> Path:
    """The enclosing git checkout, so every shell in the repo shares one server home."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return here


def default_home() -> Path:
    """Where the server lives unless told otherwise.

    ``$CHAINSCOUT_NEO4J_HOME``, else ``$CHAINSCOUT_DATA_DIR/neo4j`` (the settings' data dir), else
    ``<repo or cwd>/.chainscout/neo4j`` (git-ignored), so every shell in a checkout shares one.
    """
    env = os.environ.get("CHAINSCOUT_NEO4J_HOME", "").strip()
    if env:
        return Path(env).expanduser().resolve()
    data_dir = os.environ.get("CHAINSCOUT_DATA_DIR", "").strip()
    if data_dir:
        return (Path(data_dir).expanduser() / "neo4j").resolve()
    return _project_root() / ".chainscout" / "neo4j"


def default_cache_dir() -> Path:
    """Shared jar cache, outside any checkout so that worktrees and CI runs reuse it."""
    env = os.environ.get("CHAINSCOUT_NEO4J_CACHE_DIR", "").strip()
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "chainscout" / "neo4j"


def _default_java() -> str:
    explicit = os.environ.get("CHAINSCOUT_JAVA", "").strip()
    if explicit:
        return explicit
    java_home = os.environ.get("JAVA_HOME", "").strip()
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    return "java"


@dataclass(frozen=True)
class Neo4jLocalConfig:
    """Everything that shapes one local server; unset fields fall back to environment variables.

    Memory strings use the JVM/Neo4j notation ("512m", "1g"); ``jvm_options`` are extra JVM
    flags. ``extra_conf`` is appended to the generated neo4j.conf, which is rewritten on every
    start so that the file always matches this object (Neo4j refuses unknown keys, so typos fail
    fast at start-up).
    """

    home: Path = field(default_factory=default_home)
    cache_dir: Path = field(default_factory=default_cache_dir)
    neo4j_version: str = field(
        default_factory=lambda: _env("CHAINSCOUT_NEO4J_VERSION", DEFAULT_NEO4J_VERSION)
    )
    browser_version: str | None = field(
        default_factory=lambda: _env_optional_version(
            "CHAINSCOUT_NEO4J_BROWSER_VERSION", DEFAULT_BROWSER_VERSION
        )
    )
    apoc_version: str | None = field(
        default_factory=lambda: _env_optional_version("CHAINSCOUT_NEO4J_APOC_VERSION", DEFAULT_APOC_VERSION)
    )
    host: str = "127.0.0.1"
    bolt_port: int = field(default_factory=lambda: _env_int("CHAINSCOUT_NEO4J_BOLT_PORT", 7687))
    http_port: int = field(default_factory=lambda: _env_int("CHAINSCOUT_NEO4J_HTTP_PORT", 7474))
    user: str = NEO4J_USER
    password: str = field(default_factory=lambda: _env("CHAINSCOUT_NEO4J_PASSWORD", DEV_PASSWORD))
    heap_initial: str = field(default_factory=lambda: _env("CHAINSCOUT_NEO4J_HEAP_INITIAL", "1g"))
    heap_max: str = field(default_factory=lambda: _env("CHAINSCOUT_NEO4J_HEAP_MAX", "2g"))
    pagecache: str = field(default_factory=lambda: _env("CHAINSCOUT_NEO4J_PAGECACHE", "1g"))
    transaction_timeout: str = "5m"
    java: str = field(default_factory=_default_java)
    mvn: str = field(default_factory=lambda: _env("CHAINSCOUT_MVN", "mvn"))
    jvm_options: tuple[str, ...] = ()
    extra_conf: Mapping[str, str] = field(default_factory=dict)
    #: True: the JVM gets SIGTERM when the Python process that started it dies, even by SIGKILL
    #: (Linux). For tests and benchmarks, whose servers must never be left behind; a server
    #: started by ``chainscout neo4j start`` is meant to outlive the command and keeps False.
    stop_with_parent: bool = False

    def __post_init__(self) -> None:
        # Normalise paths so pid-file ownership checks compare like with like.
        object.__setattr__(self, "home", Path(self.home).expanduser().resolve())
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser().resolve())
        if len(self.password) < 8:
            # Neo4j 5.26 rejects shorter initial passwords (auth_minimum_password_length).
            raise Neo4jLocalError("the Neo4j password must be at least 8 characters long")

    @property
    def uses_dev_password(self) -> bool:
        """True when the well-known development password is in use."""
        return self.password == DEV_PASSWORD

    @property
    def bolt_uri(self) -> str:
        return f"bolt://{self.host}:{self.bolt_port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def browser_url(self) -> str:
        return f"{self.http_url}/browser/"

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)


# --------------------------------------------------------------------------------------------
# jar resolution (Maven)


@dataclass(frozen=True)
class Neo4jRuntime:
    """The resolved jars for one Neo4j version: ``lib`` is the classpath, ``plugins`` APOC."""

    neo4j_version: str
    lib_dir: Path
    plugins_dir: Path
    browser_version: str | None
    apoc_version: str | None

    @property
    def plugin_jars(self) -> list[Path]:
        return sorted(self.plugins_dir.glob("*.jar"))

    def size_bytes(self) -> int:
        """Disk used by the cached jars (reported by `status`, useful for CI cache budgets)."""
        return sum(p.stat().st_size for d in (self.lib_dir, self.plugins_dir) for p in d.glob("*"))


def _dependency_xml(group: str, artifact: str, version: str, *, transitive: bool = True) -> str:
    exclusions = (
        ""
        if transitive
        else "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>"
    )
    return (
        f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{version}</version>{exclusions}</dependency>"
    )


def _pom(dependencies: Sequence[str]) -> str:
    """A throw-away pom whose only job is to let Maven mediate one consistent classpath."""
    deps = "\n    ".join(dependencies)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by chainscout.servers.neo4j_local; not a build file -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>chainscout.local</groupId>
  <artifactId>neo4j-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    {deps}
  </dependencies>
</project>
"""


_MAVEN_BOILERPLATE = ("-e switch", "-X switch", "For more information", "[ERROR] [Help 1]")


def _maven_errors(output: str, limit: int = 12) -> str:
    """Maven's meaningful [ERROR] lines, without colour codes and the generic help footer."""
    clean = re.sub(r"\x1b\[[0-9;]*m|\[[0-9;]*m(?=\[)", "", output)
    lines = [
        ln.strip().removesuffix(" -> [Help 1]")
        for ln in clean.splitlines()
        if "ERROR" in ln and ln.strip() != "[ERROR]" and not any(b in ln for b in _MAVEN_BOILERPLATE)
    ]
    return "\n".join((lines or clean.strip().splitlines())[:limit])


def _run_maven(mvn: str, workdir: Path, dependencies: Sequence[str], goal_args: Sequence[str]) -> str:
    """Run one quiet, non-interactive Maven goal against a generated pom; return its output."""
    if shutil.which(mvn) is None:
        raise Neo4jLocalError(f"Maven ({mvn!r}) is not on PATH; install it (apt-get install maven)")
    workdir.mkdir(parents=True, exist_ok=True)
    pom = workdir / "pom.xml"
    pom.write_text(_pom(dependencies), encoding="utf-8")
    cmd = [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(pom), *goal_args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=workdir)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise Neo4jLocalError(f"Maven failed (exit {proc.returncode}):\n{_maven_errors(output)}")
    return output


def _copy_dependencies(mvn: str, workdir: Path, dependencies: Sequence[str], out: Path) -> None:
    _run_maven(
        mvn,
        workdir,
        dependencies,
        [
            f"{_DEPENDENCY_PLUGIN}:copy-dependencies",
            f"-DoutputDirectory={out}",
            "-DincludeScope=runtime",
            "-Dmdep.overWriteIfNewer=true",
        ],
    )


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Inter-process lock, so parallel test workers neither download nor start twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_runtime(
    cache_dir: Path,
    neo4j_version: str = DEFAULT_NEO4J_VERSION,
    browser_version: str | None = DEFAULT_BROWSER_VERSION,
    apoc_version: str | None = DEFAULT_APOC_VERSION,
    *,
    mvn: str = "mvn",
    force: bool = False,
) -> Neo4jRuntime:
    """Return the cached jars for ``neo4j_version``, resolving them with Maven on first use.

    The Browser and APOC are optional: if either does not resolve, the server still runs without
    it (the manifest records what was found, so later starts do not retry Maven). Neo4j itself
    failing to resolve raises :class:`Neo4jLocalError` with Maven's error lines.
    """
    root = Path(cache_dir) / neo4j_version
    lib_dir, plugins_dir, manifest_path = root / "lib", root / "plugins", root / _MANIFEST
    requested = {"browser": browser_version, "apoc": apoc_version}
    with _file_lock(root / ".lock"):
        if not force and manifest_path.exists() and lib_dir.is_dir():
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if manifest.get("requested") == requested:
                return Neo4jRuntime(
                    neo4j_version,
                    lib_dir,
                    plugins_dir,
                    manifest.get("browser"),
                    manifest.get("apoc"),
                )

        core = [_dependency_xml("org.neo4j", "neo4j", neo4j_version)]
        optional: dict[str, list[str]] = {}
        if browser_version:
            optional["browser"] = [_dependency_xml("org.neo4j.client", "neo4j-browser", browser_version)]
        if apoc_version:
            optional["apoc"] = [
                _dependency_xml("org.neo4j.procedure", artifact, apoc_version) for artifact in _APOC_ARTIFACTS
            ]

        with tempfile.TemporaryDirectory(prefix=".staging-", dir=root) as tmp:
            staging = Path(tmp)
            resolved = _resolve_with_fallback(mvn, staging, core, optional)
            staged_lib = staging / "lib"
            staged_plugins = staging / "plugins"
            staged_plugins.mkdir()
            for jar in staged_lib.glob("apoc-*.jar"):
                if any(jar.name.startswith(f"{a}-") for a in _APOC_ARTIFACTS):
                    jar.rename(staged_plugins / jar.name)
            for target in (lib_dir, plugins_dir):
                if target.exists():
                    shutil.rmtree(target)
            staged_lib.rename(lib_dir)
            staged_plugins.rename(plugins_dir)

        manifest = {
            "neo4j": neo4j_version,
            "browser": browser_version if "browser" in resolved else None,
            "apoc": apoc_version if "apoc" in resolved else None,
            "requested": requested,
            "resolved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return Neo4jRuntime(neo4j_version, lib_dir, plugins_dir, manifest["browser"], manifest["apoc"])


def _resolve_with_fallback(
    mvn: str, staging: Path, core: list[str], optional: dict[str, list[str]]
) -> set[str]:
    """Copy core+optional jars into ``staging/lib``; drop optional parts that do not resolve."""
    out = staging / "lib"
    try:
        _copy_dependencies(mvn, staging / "pom", core + [d for v in optional.values() for d in v], out)
        return set(optional)
    except Neo4jLocalError:
        if not optional:
            raise
    # Something failed: find out what, one optional component at a time.
    shutil.rmtree(out, ignore_errors=True)
    _copy_dependencies(mvn, staging / "pom", core, out)  # raises if Neo4j itself is missing
    resolved: set[str] = set()
    for name, deps in optional.items():
        try:
            _copy_dependencies(mvn, staging / "pom", core + deps, out)
            resolved.add(name)
        except Neo4jLocalError as exc:
            log.warning("optional Neo4j component %r not resolved, skipping:\n%s", name, exc)
    return resolved


def resolve_newest_versions(mvn: str = "mvn", line: str = "5.26") -> dict[str, str]:
    """Ask Maven for the newest Neo4j ``line`` patch, Browser and matching APOC.

    Used to refresh the pinned DEFAULT_* constants; not called on the start path.
    """
    major, minor = (int(x) for x in line.split(".")[:2])
    rng = f"[{major}.{minor}.0,{major}.{minor + 1}.0)"
    coords = {
        "neo4j": ("org.neo4j", "neo4j", rng),
        "browser": ("org.neo4j.client", "neo4j-browser", "[5.0,)"),
        "apoc": ("org.neo4j.procedure", "apoc-core", rng),
    }
    deps = [_dependency_xml(g, a, v, transitive=False) for g, a, v in coords.values()]
    with tempfile.TemporaryDirectory(prefix="chainscout-neo4j-probe-") as tmp:
        listing = Path(tmp) / "list.txt"
        _run_maven(
            mvn,
            Path(tmp),
            deps,
            [f"{_DEPENDENCY_PLUGIN}:list", f"-DoutputFile={listing}", "-DexcludeTransitive=true"],
        )
        text = listing.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for name, (group, artifact, _) in coords.items():
        for line_text in text.splitlines():
            parts = line_text.strip().split(":")
            if len(parts) >= 4 and parts[0] == group and parts[1] == artifact:
                found[name] = parts[3]
    return found


# --------------------------------------------------------------------------------------------
# process helpers


def _port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def _tail(path: Path, lines: int) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 256 * 1024))
        data = handle.read().decode("utf-8", errors="replace")
    return "\n".join(data.splitlines()[-lines:])


@dataclass(frozen=True)
class Neo4jStatus:
    """A snapshot of the local server, as printed by ``chainscout neo4j status``."""

    home: Path
    pid: int | None
    running: bool
    bolt_ready: bool
    http_ready: bool
    bolt_uri: str
    http_url: str
    browser_url: str
    neo4j_version: str
    detail: str = ""
    reattached: bool = False
    startup_seconds: float | None = None

    @property
    def ready(self) -> bool:
        return self.running and self.bolt_ready and self.http_ready


# --------------------------------------------------------------------------------------------
# the server


class Neo4jLocal:
    """One Neo4j Community server rooted at ``config.home``; all methods are idempotent.

    The JVM runs in its own session/process group, so (unless ``config.stop_with_parent``) it
    outlives the Python process that started it; a later ``Neo4jLocal`` with the same home finds
    it through ``run/neo4j.pid``.
    """

    def __init__(self, config: Neo4jLocalConfig | None = None) -> None:
        self.config = config or Neo4jLocalConfig()
        self._proc: subprocess.Popen[bytes] | None = None

    # paths ---------------------------------------------------------------------------------
    @property
    def home(self) -> Path:
        return self.config.home

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def plugins_dir(self) -> Path:
        return self.home / "plugins"

    @property
    def import_dir(self) -> Path:
        return self.home / "import"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "neo4j.pid"

    @property
    def console_log(self) -> Path:
        return self.logs_dir / "console.log"

    def log_path(self, name: Literal["console", "neo4j", "debug", "query", "http"] = "console") -> Path:
        """Path of one of the server's log files."""
        return self.logs_dir / f"{name}.log"

    def tail_log(self, lines: int = 50, name: Literal["console", "neo4j", "debug"] = "console") -> str:
        """Last ``lines`` lines of a log (for error messages and `chainscout neo4j logs`)."""
        return _tail(self.log_path(name), lines)

    # install / layout ----------------------------------------------------------------------
    def install(self, *, force: bool = False) -> Neo4jRuntime:
        """Resolve (or reuse) the jars for the configured versions."""
        cfg = self.config
        return ensure_runtime(
            cfg.cache_dir,
            cfg.neo4j_version,
            cfg.browser_version,
            cfg.apoc_version,
            mvn=cfg.mvn,
            force=force,
        )

    def render_conf(self, runtime: Neo4jRuntime) -> str:
        """The neo4j.conf text for this config (loopback only, auth on, no HTTPS)."""
        cfg = self.config
        settings: dict[str, str] = {
            "server.default_listen_address": cfg.host,
            "server.default_advertised_address": cfg.host,
            "server.bolt.enabled": "true",
            "server.bolt.listen_address": f"{cfg.host}:{cfg.bolt_port}",
            "server.bolt.advertised_address": f"{cfg.host}:{cfg.bolt_port}",
            "server.bolt.tls_level": "DISABLED",
            "server.http.enabled": "true",
            "server.http.listen_address": f"{cfg.host}:{cfg.http_port}",
            "server.http.advertised_address": f"{cfg.host}:{cfg.http_port}",
            "server.https.enabled": "false",
            "dbms.security.auth_enabled": "true",
            "server.memory.pagecache.size": cfg.pagecache,
            "db.transaction.timeout": cfg.transaction_timeout,
            "db.tx_log.rotation.retention_policy": "1G size",
            "dbms.usage_report.enabled": "false",
            "server.directories.data": str(self.data_dir),
            "server.directories.logs": str(self.logs_dir),
            "server.directories.plugins": str(self.plugins_dir),
            "server.directories.import": str(self.import_dir),
            # Bolt waits 2 x 5 s for idle worker threads on shutdown by default; a local server
            # has nothing to drain, and slow stops make tests and `chainscout neo4j stop` sluggish.
            "internal.server.bolt.thread_pool_shutdown_wait_time": "1s",
            "internal.server.bolt.connection_shutdown_wait_time": "1s",
        }
        if runtime.apoc_version:
            settings["dbms.security.procedures.unrestricted"] = "apoc.*"
        settings.update(cfg.extra_conf)
        header = (
            "# Generated by chainscout.servers.neo4j_local on every start; edits are overwritten.\n"
            "# Put extra settings in Neo4jLocalConfig.extra_conf instead.\n"
        )
        return header + "".join(f"{k}={v}\n" for k, v in settings.items())

    def prepare_home(self, runtime: Neo4jRuntime | None = None) -> Neo4jRuntime:
        """Create the home layout, write conf/, and link the cached APOC jars into plugins/."""
        runtime = runtime or self.install()
        for d in (
            self.conf_dir,
            self.data_dir,
            self.logs_dir,
            self.plugins_dir,
            self.import_dir,
            self.pid_file.parent,
        ):
            d.mkdir(parents=True, exist_ok=True)
        (self.conf_dir / "neo4j.conf").write_text(self.render_conf(runtime), encoding="utf-8")
        apoc_conf = self.conf_dir / "apoc.conf"
        if runtime.apoc_version:
            apoc_conf.write_text(
                "# Generated by chainscout: file import/export stays inside the import dir.\n"
                "apoc.import.file.enabled=true\n"
                "apoc.export.file.enabled=true\n"
                "apoc.import.file.use_neo4j_config=true\n",
                encoding="utf-8",
            )
        elif apoc_conf.exists():
            apoc_conf.unlink()
        # Symlinks are ours (into the jar cache): refresh them; copied-in jars are left alone.
        for entry in self.plugins_dir.iterdir():
            if entry.is_symlink():
                entry.unlink()
        for jar in runtime.plugin_jars:
            (self.plugins_dir / jar.name).symlink_to(jar)
        return runtime

    def _java_cmd(self, runtime: Neo4jRuntime, main: str, *args: str, heap: bool = True) -> list[str]:
        cfg = self.config
        classpath = os.pathsep.join([f"{self.plugins_dir}/*", f"{runtime.lib_dir}/*"])
        memory = [f"-Xms{cfg.heap_initial}", f"-Xmx{cfg.heap_max}"] if heap else ["-Xmx1g"]
        return [cfg.java, *memory, *_JVM_FLAGS, *cfg.jvm_options, "-cp", classpath, main, *args]

    def _java_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["NEO4J_HOME"] = str(self.home)
        env["NEO4J_CONF"] = str(self.conf_dir)
        return env

    def _run_admin(self, runtime: Neo4jRuntime, *args: str, heap: bool = False) -> str:
        cmd = self._java_cmd(runtime, _ADMIN_TOOL, *args, heap=heap)
        proc = subprocess.run(
            cmd, capture_output=True, text=True, check=False, cwd=self.home, env=self._java_env()
        )
        output = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0:
            raise Neo4jLocalError(
                f"neo4j-admin {' '.join(args[:3])} failed (exit {proc.returncode}):\n{output}"
            )
        return output

    def _store_initialised(self) -> bool:
        """The system database exists once the server has started at least once."""
        return (self.data_dir / "databases" / "system").exists()

    # process bookkeeping ---------------------------------------------------------------------
    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _own_child(self, pid: int) -> subprocess.Popen[bytes] | None:
        """The Popen of ``pid`` if this object launched it (then poll() is the exit truth)."""
        return self._proc if self._proc is not None and self._proc.pid == pid else None

    def _process_state(self, pid: int) -> Literal["ours", "exited", "foreign"]:
        """Guard against PID reuse: only a Neo4j JVM for this very home counts as ours."""
        child = self._own_child(pid)
        if child is not None:
            return "ours" if child.poll() is None else "exited"
        if not pid_alive(pid):
            return "exited"
        cmdline = Path(f"/proc/{pid}/cmdline")
        if not cmdline.exists():
            return "ours"  # no procfs (macOS): trust the pid file
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            return "exited"
        if _ENTRY_POINT.encode() in args and f"--home-dir={self.home}".encode() in args:
            return "ours"
        return "foreign"

    def _is_our_server(self, pid: int) -> bool:
        return self._process_state(pid) == "ours"

    def _live_pid(self) -> int | None:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc.pid
        pid = self._read_pid()
        if pid is not None and self._is_our_server(pid):
            return pid
        return None

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.pid == pid:
                if self._proc.poll() is not None:
                    return True
            elif not pid_alive(pid):
                return True
            time.sleep(0.1)
        return False

    # probes ----------------------------------------------------------------------------------
    def driver(self, **kwargs: Any) -> neo4j.Driver:
        """A driver for this server (caller closes it); kwargs go to ``GraphDatabase.driver``."""
        return neo4j.GraphDatabase.driver(self.config.bolt_uri, auth=self.config.auth, **kwargs)

    def _bolt_ready(self, timeout: float = 3.0) -> tuple[bool, str]:
        """Bolt handshake + authentication; AuthError is re-raised (waiting will not fix it)."""
        try:
            with neo4j.GraphDatabase.driver(
                self.config.bolt_uri,
                auth=self.config.auth,
                connection_timeout=timeout,
                connection_acquisition_timeout=timeout,
                max_connection_pool_size=1,
            ) as drv:
                drv.verify_connectivity()
            return True, ""
        except AuthError:
            raise
        except (ServiceUnavailable, Neo4jError, OSError) as exc:
            return False, f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # the driver wraps some socket errors in its own types
            return False, f"{type(exc).__name__}: {exc}"

    def _http_ready(self, timeout: float = 3.0) -> bool:
        try:
            with urllib.request.urlopen(f"{self.config.http_url}/", timeout=timeout) as resp:
                return int(resp.status) == 200
        except (urllib.error.URLError, OSError):
            return False

    def status(self) -> Neo4jStatus:
        """Current state; does not start or change anything."""
        pid = self._live_pid()
        bolt_ok, http_ok, detail = False, False, ""
        if pid is not None:
            try:
                bolt_ok, detail = self._bolt_ready()
            except AuthError as exc:
                detail = f"Bolt answers but authentication failed: {exc}"
            http_ok = self._http_ready()
        elif self.pid_file.exists():
            detail = "stale pid file (process gone)"
        return self._status(pid, bolt_ok, http_ok, detail)

    def _status(
        self,
        pid: int | None,
        bolt_ok: bool,
        http_ok: bool,
        detail: str = "",
        *,
        reattached: bool = False,
        startup_seconds: float | None = None,
    ) -> Neo4jStatus:
        cfg = self.config
        return Neo4jStatus(
            home=self.home,
            pid=pid,
            running=pid is not None,
            bolt_ready=bolt_ok,
            http_ready=http_ok,
            bolt_uri=cfg.bolt_uri,
            http_url=cfg.http_url,
            browser_url=cfg.browser_url,
            neo4j_version=cfg.neo4j_version,
            detail=detail,
            reattached=reattached,
            startup_seconds=startup_seconds,
        )

    def is_running(self) -> bool:
        return self._live_pid() is not None

    # lifecycle -------------------------------------------------------------------------------
    def start(self, timeout: float = 120.0) -> Neo4jStatus:
        """Start the server (or reattach to the one already running for this home).

        Returns once Bolt authenticates and HTTP answers. On failure the JVM is stopped and the
        error carries the tail of ``logs/console.log``.
        """
        began = time.monotonic()
        with _file_lock(self.home / "run" / ".lock"):
            pid = self._live_pid()
            if pid is not None:
                self._wait_ready(pid, began + timeout)
                return self._status(pid, True, True, reattached=True)
            self.pid_file.unlink(missing_ok=True)

            runtime = self.prepare_home()
            for port in (self.config.bolt_port, self.config.http_port):
                if _port_open(self.config.host, port):
                    raise Neo4jLocalError(
                        f"{self.config.host}:{port} is already in use by another process; "
                        "stop it or choose other ports (CHAINSCOUT_NEO4J_BOLT_PORT/HTTP_PORT)"
                    )
            if not self._store_initialised():
                self._run_admin(runtime, "dbms", "set-initial-password", self.config.password)

            if self.console_log.exists():
                self.console_log.replace(self.logs_dir / "console.log.1")
            cmd = self._java_cmd(
                runtime,
                _ENTRY_POINT,
                f"--home-dir={self.home}",
                f"--config-dir={self.conf_dir}",
                "--console-mode",
            )
            popen = popen_tied if self.config.stop_with_parent else subprocess.Popen
            with self.console_log.open("ab") as log:
                self._proc = popen(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.home,
                    env=self._java_env(),
                    start_new_session=True,
                )
            pid = self._proc.pid
            self.pid_file.write_text(f"{pid}\n")
            try:
                self._wait_ready(pid, began + timeout)
            except BaseException:
                self.stop(timeout=30.0)
                raise
            return self._status(pid, True, True, startup_seconds=time.monotonic() - began)

    def _wait_ready(self, pid: int, deadline: float) -> None:
        detail = ""
        while time.monotonic() < deadline:
            state = self._process_state(pid)
            if state != "ours":
                child = self._own_child(pid)
                code = f" with exit code {child.returncode}" if child is not None else ""
                what = "exited" if state == "exited" else "was replaced by another process"
                raise Neo4jLocalError(
                    f"Neo4j (pid {pid}) {what}{code} during start-up; last lines of "
                    f"{self.console_log}:\n{self.tail_log(40) or '(empty)'}"
                )
            if _port_open(self.config.host, self.config.bolt_port):
                try:
                    bolt_ok, detail = self._bolt_ready()
                except AuthError as exc:
                    raise Neo4jLocalError(
                        f"Neo4j at {self.config.bolt_uri} rejected the password ({exc}). The "
                        "store was initialised with another password: use that one, or "
                        f"delete {self.data_dir} to start afresh."
                    ) from exc
                if bolt_ok and self._http_ready():
                    return
            time.sleep(0.5)
        raise Neo4jLocalError(
            f"Neo4j did not become ready in time ({detail or 'Bolt not answering'}); "
            f"last lines of {self.console_log}:\n{self.tail_log(40)}"
        )

    def stop(self, timeout: float = 60.0) -> StopOutcome:
        """SIGTERM (Neo4j checkpoints and shuts down cleanly), SIGKILL after ``timeout``."""
        pid = self._live_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return "not-running"
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        outcome: StopOutcome = "stopped"
        if not self._wait_exit(pid, timeout):
            self._signal_group(pid, signal.SIGKILL)
            self._wait_exit(pid, 15.0)
            outcome = "killed"
        self.pid_file.unlink(missing_ok=True)
        self._proc = None
        return outcome

    def kill(self) -> bool:
        """SIGKILL the server's process group (crash simulation); True if something was killed."""
        pid = self._live_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        self._signal_group(pid, signal.SIGKILL)
        self._wait_exit(pid, 15.0)
        self.pid_file.unlink(missing_ok=True)
        self._proc = None
        return True

    @staticmethod
    def _signal_group(pid: int, sig: signal.Signals) -> None:
        try:
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            pass

    def bulk_import(
        self,
        nodes: Sequence[Path | str],
        relationships: Sequence[Path | str] = (),
        database: str = "neo4j",
        overwrite: bool = True,
        extra_args: Sequence[str] = (),
    ) -> str:
        """Offline bulk load with ``neo4j-admin database import full``; returns the tool output.

        The server must be stopped. Each entry is passed as one ``--nodes=`` /
        ``--relationships=`` value: a ``Path`` (CSV with its own header row, labels/types from
        ``:LABEL``/``:TYPE`` columns) or a ``str`` in the tool's own syntax, e.g.
        ``"Company=header.csv,part1.csv"`` (header file first). ``overwrite`` replaces an
        existing database. Extra tool options (``--delimiter=;``, ``--skip-bad-relationships``,
        …) go in ``extra_args``.
        """
        if self.is_running():
            raise Neo4jLocalError("stop the server before a bulk import (neo4j-admin needs it)")
        if not nodes:
            raise Neo4jLocalError("bulk_import needs at least one node file")
        runtime = self.prepare_home()

        def arg(flag: str, item: Path | str) -> str:
            value = str(Path(item).resolve()) if isinstance(item, Path) else item
            return f"--{flag}={value}"

        # The database name goes first: --nodes/--relationships take 1..n values, so a trailing
        # positional would be swallowed as one more file name.
        args = [
            "database",
            "import",
            "full",
            database,
            f"--overwrite-destination={'true' if overwrite else 'false'}",
            f"--report-file={self.logs_dir / 'import.report'}",
            *(arg("nodes", n) for n in nodes),
            *(arg("relationships", r) for r in relationships),
            *extra_args,
        ]
        return self._run_admin(runtime, *args, heap=True)

    # context manager: `with Neo4jLocal(cfg) as server:` starts and stops -----------------------
    def __enter__(self) -> Neo4jLocal:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# `chainscout neo4j …` (mounted by chainscout.cli with app.add_typer(neo4j_app, name="neo4j"))

neo4j_app = typer.Typer(
    name="neo4j",
    help="Run a local Neo4j 5.26 Community server (jars from Maven Central, no Docker).",
    no_args_is_help=True,
)

HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Server home [env CHAINSCOUT_NEO4J_HOME, else <repo>/.chainscout/neo4j].",
        show_default=False,
    ),
]
BoltPortOpt = Annotated[
    int | None,
    typer.Option("--bolt-port", help="Bolt port [env CHAINSCOUT_NEO4J_BOLT_PORT, else 7687]."),
]
HttpPortOpt = Annotated[
    int | None,
    typer.Option("--http-port", help="HTTP port [env CHAINSCOUT_NEO4J_HTTP_PORT, else 7474]."),
]


def _server(
    home: Path | None = None,
    bolt_port: int | None = None,
    http_port: int | None = None,
    password: str | None = None,
    heap_max: str | None = None,
    pagecache: str | None = None,
) -> Neo4jLocal:
    """Build a server handle; only options given on the command line override the env/defaults."""
    overrides: dict[str, Any] = {}
    if home is not None:
        overrides["home"] = home
    if bolt_port is not None:
        overrides["bolt_port"] = bolt_port
    if http_port is not None:
        overrides["http_port"] = http_port
    if password is not None:
        overrides["password"] = password
    if heap_max is not None:
        overrides["heap_max"] = heap_max
    if pagecache is not None:
        overrides["pagecache"] = pagecache
    try:
        return Neo4jLocal(Neo4jLocalConfig(**overrides))
    except Neo4jLocalError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc


def _print_status(server: Neo4jLocal, st: Neo4jStatus) -> None:
    cfg = server.config
    if st.running:
        how = (
            "reattached to running server"
            if st.reattached
            else f"started in {st.startup_seconds:.1f} s"
            if st.startup_seconds is not None
            else "running"
        )
        state = "ready" if st.ready else "NOT ready"
        typer.secho(f"Neo4j {st.neo4j_version} Community: {how}, pid {st.pid} ({state})", bold=True)
    else:
        typer.secho("Neo4j is not running", bold=True)
    typer.echo(f"  bolt:     {st.bolt_uri}")
    typer.echo(f"  user:     {cfg.user}")
    if cfg.uses_dev_password:
        typer.echo(f"  password: {DEV_PASSWORD}  (dev-only default; set CHAINSCOUT_NEO4J_PASSWORD)")
    else:
        typer.echo("  password: (from --password / CHAINSCOUT_NEO4J_PASSWORD)")
    typer.echo(f"  browser:  {st.browser_url}")
    typer.echo(f"  home:     {st.home}")
    typer.echo(f"  logs:     {server.console_log}")
    if st.detail:
        typer.echo(f"  detail:   {st.detail}")


@neo4j_app.command()
def start(
    home: HomeOpt = None,
    bolt_port: BoltPortOpt = None,
    http_port: HttpPortOpt = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="CHAINSCOUT_NEO4J_PASSWORD",
            help=f"Password of user neo4j, set on first start (dev-only default {DEV_PASSWORD!r}).",
            show_default=False,
        ),
    ] = None,
    heap: Annotated[
        str | None,
        typer.Option("--heap", help="Max JVM heap, e.g. 2g [env CHAINSCOUT_NEO4J_HEAP_MAX]."),
    ] = None,
    pagecache: Annotated[
        str | None,
        typer.Option("--pagecache", help="Page cache size, e.g. 1g [env CHAINSCOUT_NEO4J_PAGECACHE]."),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for Bolt and HTTP.")] = 120.0,
) -> None:
    """Start the server in the background (or reattach) and print how to connect."""
    server = _server(home, bolt_port, http_port, password, heap, pagecache)
    try:
        st = server.start(timeout=timeout)
    except Neo4jLocalError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    _print_status(server, st)


@neo4j_app.command()
def stop(
    home: HomeOpt = None,
    timeout: Annotated[float, typer.Option(help="Seconds before SIGKILL.")] = 60.0,
) -> None:
    """Shut the server down cleanly (SIGTERM; SIGKILL after the timeout)."""
    server = _server(home)
    began = time.monotonic()
    outcome = server.stop(timeout=timeout)
    messages = {
        "not-running": "Neo4j was not running",
        "stopped": f"Neo4j stopped cleanly in {time.monotonic() - began:.1f} s",
        "killed": "Neo4j did not stop in time and was killed (SIGKILL)",
    }
    typer.echo(messages[outcome])


@neo4j_app.command()
def status(
    home: HomeOpt = None,
    bolt_port: BoltPortOpt = None,
    http_port: HttpPortOpt = None,
) -> None:
    """Show whether the server runs and answers; exit code 0 only when it is ready."""
    server = _server(home, bolt_port, http_port)
    st = server.status()
    _print_status(server, st)
    raise typer.Exit(0 if st.ready else 1)


@neo4j_app.command()
def logs(
    home: HomeOpt = None,
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines.")] = 50,
    which: Annotated[str, typer.Option("--file", help="console | neo4j | debug | query | http")] = "console",
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines.")] = False,
) -> None:
    """Print the end of a server log (console.log is the JVM's own output)."""
    names: dict[str, Literal["console", "neo4j", "debug", "query", "http"]] = {
        "console": "console",
        "neo4j": "neo4j",
        "debug": "debug",
        "query": "query",
        "http": "http",
    }
    if which not in names:
        typer.secho(f"error: unknown log {which!r}; choose from {', '.join(names)}", err=True)
        raise typer.Exit(2)
    path = _server(home).log_path(names[which])
    if not path.exists():
        typer.echo(f"(no {path} yet)")
        raise typer.Exit(1)
    with path.open("rb") as handle:
        tail = handle.read().decode("utf-8", errors="replace").splitlines()[-lines:]
        typer.echo("\n".join(tail))
        while follow:
            chunk = handle.read()
            if chunk:
                typer.echo(chunk.decode("utf-8", errors="replace"), nl=False)
            else:
                time.sleep(0.5)


@neo4j_app.command()
def install(
    force: Annotated[bool, typer.Option(help="Resolve again even if cached.")] = False,
) -> None:
    """Download (or check) the Neo4j, Browser and APOC jars without starting anything."""
    server = Neo4jLocal()
    try:
        runtime = server.install(force=force)
    except Neo4jLocalError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Neo4j {runtime.neo4j_version}: {runtime.lib_dir} ({runtime.size_bytes() / 1e6:.0f} MB)")
    typer.echo(f"Browser: {runtime.browser_version or 'not available'}")
    typer.echo(f"APOC:    {runtime.apoc_version or 'not available'}")


@neo4j_app.command("latest")
def latest(line: Annotated[str, typer.Option(help="Neo4j release line.")] = "5.26") -> None:
    """Ask Maven for the newest Neo4j/Browser/APOC versions (to refresh the pinned defaults)."""
    try:
        found = resolve_newest_versions(line=line)
    except Neo4jLocalError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    for name, version in found.items():
        typer.echo(f"{name}: {version}")
