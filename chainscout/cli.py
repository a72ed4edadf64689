"""The ``chainscout`` command."""

from __future__ import annotations

import json
import signal
import threading
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from chainscout.api.cli import api_key_app, serve
from chainscout.graph.docs import model_markdown
from chainscout.graph.model import graph_model
from chainscout.graph.stores.base import StoreError
from chainscout.loaders.errors import LoadError
from chainscout.servers.falkordb_server import EmbeddedFalkorDB
from chainscout.servers.neo4j_local import neo4j_app
from chainscout.settings import get_settings
from chainscout.stores import embedded_server, open_store

app = typer.Typer(
    name="chainscout",
    help="Graph knowledge service for industry chains and industrial parks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
embedded_app = typer.Typer(help="The embedded FalkorDB store (the default store).",
                           no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j", rich_help_panel="Stores")
app.add_typer(embedded_app, name="embedded", rich_help_panel="Stores")
app.add_typer(api_key_app, name="api-key", rich_help_panel="API")
app.command(rich_help_panel="API")(serve)


class ModelFormat(StrEnum):
    markdown = "markdown"
    json = "json"


@app.command(rich_help_panel="Graph model")
def model(
    fmt: Annotated[ModelFormat, typer.Option("--format", help="Output format.")] = (
        ModelFormat.markdown
    ),
) -> None:
    """Print the graph model: labels, keys, properties, relationships and indexes."""
    graph = graph_model()
    if fmt is ModelFormat.json:
        typer.echo(json.dumps(asdict(graph), ensure_ascii=False, indent=2))
    else:
        typer.echo(model_markdown(graph))


@app.command(rich_help_panel="Graph model")
def schema() -> None:
    """Create the model's constraints and indexes in the configured store (idempotent)."""
    try:
        store = open_store()
    except StoreError as exc:
        raise typer.Exit(_fail(str(exc))) from exc
    try:
        created = store.apply_schema()
    finally:
        store.close()
    typer.echo(f"{store.name}: {len(created)} created" + (f": {', '.join(created)}"
                                                          if created else " (already in place)"))


@app.command(rich_help_panel="Graph model")
def derive() -> None:
    """Recompute the derived properties (customer flag, chain segments) on every enterprise.

    Loads do this themselves; run it after a neo4j-admin bulk import or after writing customer or
    segment links outside a load. Idempotent: a second run changes nothing."""
    from chainscout.loaders.derive import derive as derive_all

    try:
        store = open_store()
    except StoreError as exc:
        raise typer.Exit(_fail(str(exc))) from exc
    try:
        summary = derive_all(store)
    finally:
        store.close()
    assert summary is not None
    steps = ", ".join(f"{step} {n:,}" for step, n in summary.changed.items())
    typer.echo(f"{store.name}: {summary.changes:,} nodes changed in {summary.seconds:.1f}s ({steps})")


@embedded_app.command("run")
def embedded_run() -> None:
    """Run the embedded store in the foreground so other processes (notebooks, the API) attach."""
    settings = get_settings()
    server = embedded_server(settings)
    server.start()
    typer.echo(f"embedded FalkorDB {'started' if server.is_owner else 'already running'} "
               f"on unix socket {server.socket_path}; Ctrl-C stops it")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@embedded_app.command("status")
def embedded_status() -> None:
    """Say whether the embedded store runs, and where its data lives."""
    settings = get_settings()
    server = EmbeddedFalkorDB(settings.falkordb_dir, monitor=False)
    state = "running" if server.is_running() else "stopped"
    typer.echo(f"embedded FalkorDB: {state}; data in {server.data_dir}")


class DemoFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    jsonl = "jsonl"


@app.command(rich_help_panel="Data")
def demo(
    enterprises: Annotated[int, typer.Option(
        "--enterprises", "-n", min=200, help="Size of the demo data set.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Seed of the demo data set.")] = 7,
) -> None:
    """The main job: generate the demo data, load it into the configured store (the embedded one by
    default) and print ranked prospects for a chain's parks and for a day's events."""
    from chainscout.demo import run_demo  # pulls in the loaders and queries

    settings = get_settings()
    try:
        store = open_store(settings)
    except StoreError as exc:
        raise typer.Exit(_fail(str(exc))) from exc
    try:
        run_demo(store, settings.data_dir, enterprises=enterprises, seed=seed, echo=typer.echo)
    except (StoreError, LoadError) as exc:
        raise typer.Exit(_fail(str(exc))) from exc
    finally:
        store.close()


@app.command("demo-data", rich_help_panel="Data")
def demo_data(
    out_dir: Annotated[Path, typer.Argument(help="Directory for the files (created if missing).")],
    enterprises: Annotated[int, typer.Option(
        "--enterprises", "-n", min=200, help="Number of enterprises, 1k to 1M+.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Same seed and size give identical files.")] = 7,
    fmt: Annotated[DemoFormat, typer.Option("--format", help="File format.")] = DemoFormat.csv,
    event_days: Annotated[int, typer.Option(
        "--event-days", min=1, help="Days of events, ending at the fixed reference date.")] = 30,
) -> None:
    """Generate a realistic, seeded demo data set in the input-file format (docs/demo-data.md)."""
    from chainscout.loaders.demo import generate  # numpy-heavy: import only when used

    summary = generate(out_dir, enterprises, seed=seed, fmt=fmt.value, event_days=event_days)
    typer.echo(summary.describe())


@app.command(rich_help_panel="Data")
def load(
    directory: Annotated[Path, typer.Argument(
        help="Directory with the input files (docs/input-formats.md).")],
    mapping: Annotated[Path | None, typer.Option(
        help="Mapping file (YAML) for vendor exports and CRM extracts.")] = None,
    snapshot: Annotated[str | None, typer.Option(
        help="Snapshot id (default: a hash of the input files).")] = None,
    source: Annotated[str | None, typer.Option(
        help="Source name that tags what is loaded (default: the directory's name).")] = None,
    prune: Annotated[bool, typer.Option(
        "--prune", help="Remove what this source loaded before and the files no longer have.")
    ] = False,
    rejects: Annotated[Path | None, typer.Option(
        help="Rejects file (default: <data dir>/loads/<source>.rejects.csv).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only check the files and write the rejects file.")] = False,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Load a directory of input files into the configured store: checked, idempotent, resumable."""
    from chainscout.loaders.errors import LoadError
    from chainscout.loaders.pipeline import LoadOptions, load_directory

    settings = get_settings()
    options = LoadOptions(mapping=mapping, snapshot=snapshot, source=source, prune=prune,
                          rejects=rejects, dry_run=dry_run, progress=progress,
                          batch_size=settings.load_batch_size)
    try:
        store = None if dry_run else open_store()
    except StoreError as exc:
        raise typer.Exit(_fail(str(exc))) from exc
    try:
        summary = load_directory(store, directory, options)
    except LoadError as exc:
        raise typer.Exit(_fail(str(exc))) from exc
    except StoreError as exc:
        raise typer.Exit(_fail(f"the store failed during the load: {exc}; run the same "
                               "command again to resume")) from exc
    finally:
        if store is not None:
            store.close()
    typer.echo(summary.table())


@app.command(rich_help_panel="Data", add_help_option=False,
             context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(ctx: typer.Context) -> None:
    """Benchmarks and scale: the same as `python -m bench …` (see BENCHMARKS.md; --help)."""
    from chainscout.bench.harness import main as bench_main  # heavy imports only when used

    bench_main(list(ctx.args))


def _fail(message: str) -> int:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return 1


if __name__ == "__main__":  # pragma: no cover
    app()
