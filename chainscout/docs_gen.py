"""Generated documents: docs/model.md, docs/settings.md and docs/browser-links.md.

``python -m chainscout.docs_gen --write`` regenerates them from the code (the graph model, the
``Settings`` fields and their descriptions, the local Neo4j runner's variables, the query catalog);
``--check`` exits 1 while a committed file is out of date, and the unit tests check the same.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from chainscout.graph.docs import model_markdown
from chainscout.graph.model import graph_model
from chainscout.servers import neo4j_local
from chainscout.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"
ENV_PREFIX = str(Settings.model_config.get("env_prefix", "CHAINSCOUT_"))

#: The local Neo4j runner (``chainscout neo4j …``, ``chainscout/servers/neo4j_local.py``) reads
#: these directly, not through ``Settings``; ``{…}`` names a default from that module.
RUNNER_VARIABLES: dict[str, tuple[str, str]] = {
    "CHAINSCOUT_NEO4J_HOME": (
        "`$CHAINSCOUT_DATA_DIR/neo4j`, else `<checkout>/.chainscout/neo4j`",
        "Server home: `conf/`, `data/` (the databases), `logs/`, `plugins/`, `import/`, "
        "`run/neo4j.pid`."),
    "CHAINSCOUT_NEO4J_CACHE_DIR": (
        "`$XDG_CACHE_HOME/chainscout/neo4j` or `~/.cache/chainscout/neo4j`",
        "Jar cache per Neo4j version (`<version>/lib`, `<version>/plugins`), shared by checkouts."),
    "CHAINSCOUT_NEO4J_VERSION": ("{DEFAULT_NEO4J_VERSION}", "Neo4j Community version to run."),
    "CHAINSCOUT_NEO4J_BROWSER_VERSION": (
        "{DEFAULT_BROWSER_VERSION}", "Neo4j Browser version served at `/browser/` (`none`: no "
        "Browser)."),
    "CHAINSCOUT_NEO4J_APOC_VERSION": (
        "{DEFAULT_APOC_VERSION}", "APOC core version installed as a plugin (`none`: no APOC)."),
    "CHAINSCOUT_NEO4J_BOLT_PORT": ("7687", "Bolt port on 127.0.0.1."),
    "CHAINSCOUT_NEO4J_HTTP_PORT": ("7474", "HTTP port on 127.0.0.1 (Browser, HTTP API)."),
    "CHAINSCOUT_NEO4J_PASSWORD": (
        "`{DEV_PASSWORD}` (development only)",
        "Initial password of the `neo4j` user of the local server (at least 8 characters). The "
        "same variable is the `neo4j_password` setting chainscout connects with."),
    "CHAINSCOUT_NEO4J_HEAP_INITIAL": ("1g", "Initial JVM heap (`-Xms`)."),
    "CHAINSCOUT_NEO4J_HEAP_MAX": ("2g", "Maximum JVM heap (`-Xmx`)."),
    "CHAINSCOUT_NEO4J_PAGECACHE": ("1g", "`server.memory.pagecache.size`."),
    "CHAINSCOUT_JAVA": ("`$JAVA_HOME/bin/java`, else `java`", "Java 17 executable."),
    "CHAINSCOUT_MVN": ("mvn", "Maven executable that resolves the jars from Maven Central."),
}

#: Other variables read outside ``Settings`` (module where, default, meaning).
OTHER_VARIABLES: dict[str, tuple[str, str, str]] = {
    "CHAINSCOUT_RANKING_FILE": (
        "queries/ranking.py", "packaged `queries/ranking.yaml`",
        "Ranking weights file (YAML, same shape as the packaged one); see docs/api.md."),
    "CHAINSCOUT_TEST_NEO4J_URI": (
        "tests/neo4j_fixture.py", "unset: the tests start their own local Neo4j",
        "Neo4j server the `-m neo4j` tests use instead of starting one; its database is "
        "cleared by the tests."),
    "CHAINSCOUT_TEST_NEO4J_USER": ("tests/neo4j_fixture.py", "neo4j",
                                   "User for `CHAINSCOUT_TEST_NEO4J_URI`."),
    "CHAINSCOUT_TEST_NEO4J_PASSWORD": ("tests/neo4j_fixture.py", "empty",
                                       "Password for `CHAINSCOUT_TEST_NEO4J_URI`."),
    "CHAINSCOUT_BENCH_RESULTS": ("bench/common.py", "bench/results",
                                 "Where `python -m bench run` writes its JSON results."),
    "CHAINSCOUT_BENCH_CACHE": ("bench/common.py", "~/.cache/chainscout/bench",
                               "Cache of generated benchmark data sets."),
    "CHAINSCOUT_BENCH_WATCHDOG_S": ("bench/harness.py", "unset",
                                    "Seconds after which a benchmark run prints every thread's "
                                    "stack (and again each period), to show where a hang waits."),
    "CHAINSCOUT_RELIABILITY_FULL": ("tests/reliability/support.py", "unset",
                                    "`1` runs the reliability tests at full size instead of the CI size."),
    "CHAINSCOUT_RELIABILITY_RESULTS": ("tests/reliability/support.py", "unset",
                                       "JSON-lines file the reliability tests append their measurements to."),
    "CHAINSCOUT_RELIABILITY_ENTERPRISES": ("tests/reliability", "CI size",
                                           "Demo data size of the fault-during-load tests."),
    "CHAINSCOUT_INPUT_DIR": ("docker-compose.yml", "./input",
                             "Host folder the compose `loader` service loads (mounted read-only)."),
    "CHAINSCOUT_CHROMIUM": ("tests/api/cdp.py", "/usr/bin/chromium",
                            "Chromium executable of the browser tests (`-m browser`)."),
}


def env_name(field: str) -> str:
    return f"{ENV_PREFIX}{field}".upper()


def _type_text(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if not hasattr(annotation, "__args__") else None
    text = text or str(annotation)
    text = text.replace("typing.", "").replace("pathlib.", "").replace("pydantic.types.", "")
    text = re.sub(r"<class '([\w.]+)'>", r"\1", text)
    return text.replace("SecretStr", "secret").replace("NoneType", "None")


def _default_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, SecretStr):
        return "(secret)"
    if isinstance(value, Path):
        return f"`{value}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _runner_default(template: str) -> str:
    return template.format(**{k: getattr(neo4j_local, k) for k in
                              ("DEFAULT_NEO4J_VERSION", "DEFAULT_BROWSER_VERSION",
                               "DEFAULT_APOC_VERSION", "DEV_PASSWORD")})


def settings_markdown() -> str:
    out = [
        "# Settings",
        "",
        "Generated from `chainscout/settings.py` (the `Settings` fields and their descriptions) "
        "and the local Neo4j runner by `python -m chainscout.docs_gen --write`; do not edit.",
        "",
        f"chainscout reads every setting from an environment variable `{ENV_PREFIX}<FIELD>` (or "
        "a `.env` file in the working directory; the environment wins). Secrets (passwords, "
        "keys) have no default: set them in the environment, docker-compose passes them through "
        "from the host's. Values are checked at start-up; a bad value stops the command with a "
        "message naming the variable.",
        "",
        "## chainscout (`Settings`)",
        "",
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default if field.default_factory is None else None
        out.append(f"| `{env_name(name)}` | {_cell(_type_text(field.annotation))} | "
                   f"{_default_text(default)} | {_cell(field.description or '')} |")
    out += [
        "",
        "## Local Neo4j runner (`chainscout neo4j start|stop|status|logs|install`)",
        "",
        "Read by `chainscout/servers/neo4j_local.py` when it lays out and starts the project's own "
        "Neo4j (development, tests, benchmarks; see README). chainscout itself connects with the "
        "`CHAINSCOUT_NEO4J_URI` / `_USER` / `_PASSWORD` / `_DATABASE` settings above.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for var, (default, meaning) in RUNNER_VARIABLES.items():
        out.append(f"| `{var}` | {_cell(_runner_default(default))} | {_cell(meaning)} |")
    out += [
        "",
        "## Other variables",
        "",
        "| variable | read by | default | meaning |",
        "|---|---|---|---|",
    ]
    for var, (where, default, meaning) in OTHER_VARIABLES.items():
        out.append(f"| `{var}` | `{where}` | {_cell(default)} | {_cell(meaning)} |")
    out += [
        "",
        "## docker-compose",
        "",
        "`docker-compose.yml` sets `CHAINSCOUT_STORE=neo4j` and the Neo4j URI for the API and the "
        "loader, and takes from the host's environment: `NEO4J_PASSWORD` (required, no default; "
        "it becomes both `NEO4J_AUTH` and `CHAINSCOUT_NEO4J_PASSWORD`), "
        "`CHAINSCOUT_WEBHOOK_URL`, `CHAINSCOUT_WEBHOOK_SECRET` and `CHAINSCOUT_MAP_TILE_URL` "
        "(optional, passed through only when set), `CHAINSCOUT_INPUT_DIR` (above) and "
        "`NEO4J_HEAP_MAX` / `NEO4J_PAGECACHE` (memory). See docs/operations.md.",
        "",
    ]
    return "\n".join(out)


def model_doc() -> str:
    """docs/model.md: exactly what ``chainscout model > docs/model.md`` writes."""
    return model_markdown(graph_model()) + "\n"


def _browser_links() -> str:
    from chainscout.queries.browser_guide import browser_links_markdown

    return browser_links_markdown()


def _input_formats() -> str:
    """docs/input-formats.md with its generated field tables (between the markers) refreshed."""
    import re

    from chainscout.loaders.formats import fields_markdown

    text = (DOCS / "input-formats.md").read_text(encoding="utf-8")
    return re.sub(r"(<!-- fields:begin.*?-->\n).*(<!-- fields:end -->)",
                  lambda m: m.group(1) + fields_markdown() + m.group(2), text, count=1, flags=re.S)


GENERATED: dict[str, Callable[[], str]] = {
    "model.md": model_doc,
    "input-formats.md": _input_formats,
    "settings.md": settings_markdown,
    "browser-links.md": _browser_links,
}


def env_names_in_code(paths: Iterable[Path]) -> set[str]:
    """``CHAINSCOUT_*`` names quoted in the given Python files (read by ``os.environ``)."""
    found: set[str] = set()
    for path in paths:
        found.update(re.findall(r"[\"'](CHAINSCOUT_[A-Z0-9_]+)[\"']",
                                path.read_text(encoding="utf-8")))
    return found


def documented_env_names() -> set[str]:
    return ({env_name(n) for n in Settings.model_fields} | set(RUNNER_VARIABLES)
            | set(OTHER_VARIABLES))


def stale(docs: Path = DOCS) -> list[str]:
    """Names of generated documents that differ from what the code generates now."""
    out = []
    for name, make in GENERATED.items():
        path = docs / name
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != make():
            out.append(name)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the generated documents")
    parser.add_argument("--check", action="store_true", help="exit 1 if one is out of date")
    parser.add_argument("--docs", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    if args.write:
        for name, make in GENERATED.items():
            (args.docs / name).write_text(make(), encoding="utf-8")
        return 0
    if args.check:
        out_of_date = stale(args.docs)
        for name in out_of_date:
            print(f"docs/{name} is out of date: run python -m chainscout.docs_gen --write",
                  file=sys.stderr)
        return 1 if out_of_date else 0
    parser.print_help()
    return 0


def package_python_files() -> list[Path]:
    """Every Python file of the installed ``chainscout`` package (through its symlinked folders)."""
    root = Path(str(resources.files("chainscout")))
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


if __name__ == "__main__":
    raise SystemExit(main())
