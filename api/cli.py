"""``chainscout serve`` and ``chainscout api-key …``, registered in ``chainscout.cli``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainscout.settings import get_settings

from .auth import KeyFileError, Role, append_key, new_key, read_key_file

api_key_app = typer.Typer(help="API keys of the HTTP API (stored hashed).", no_args_is_help=True)


def _keys_file(path: Path | None) -> Path:
    found = path or get_settings().api_keys_file
    if found is None:
        typer.secho("error: no key file: pass --file or set CHAINSCOUT_API_KEYS_FILE",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    return found


@api_key_app.command("create")
def api_key_create(
    role: Annotated[Role, typer.Option(help="manager, analyst or admin.")],
    branch: Annotated[str | None, typer.Option(
        help="Branch id (required for managers: the branch whose leads they see).")] = None,
    key_id: Annotated[str | None, typer.Option(
        "--id", help="Key id (4–32 lowercase letters/digits); random if omitted.")] = None,
    file: Annotated[Path | None, typer.Option(
        help="Key file (default: CHAINSCOUT_API_KEYS_FILE).")] = None,
) -> None:
    """Create a key, append its salted scrypt hash to the key file and print the key once."""
    path = _keys_file(file)
    try:
        key_id, key = new_key(key_id)
        append_key(path, key_id, role, branch, key)
    except (KeyFileError, ValueError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    typer.secho(f"created key {key_id} ({role.value}"
                + (f", branch {branch}" if branch else "") + f") in {path}", err=True)
    typer.secho("the key is shown only now; store it safely:", err=True)
    typer.echo(key)


@api_key_app.command("list")
def api_key_list(
    file: Annotated[Path | None, typer.Option(help="Key file.")] = None,
) -> None:
    """List key ids, roles and branches (never hashes)."""
    path = _keys_file(file)
    try:
        entries = read_key_file(path) if path.exists() else {}
    except (KeyFileError, ValueError) as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    for entry in entries.values():
        typer.echo(f"{entry.id}\t{entry.role.value}\t{entry.branch_id or '-'}")


def serve(
    host: Annotated[str | None, typer.Option(
        help="Listen address (default CHAINSCOUT_API_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(
        help="Port (default CHAINSCOUT_API_PORT, 8000).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    workers: Annotated[int | None, typer.Option(
        min=1, help="API processes (one per core), each with a socket of its own on the port "
        "(SO_REUSEPORT): the kernel spreads connections over them (default "
        "CHAINSCOUT_API_WORKERS, 1).")] = None,
) -> None:
    """Serve the HTTP API and the managers' web page (/ui/) on the configured store.

    The embedded FalkorDB by default, Neo4j with CHAINSCOUT_STORE=neo4j; see docs/api.md.
    """
    import uvicorn

    from .app import create_app
    from .workers import configure_logging, serve_workers

    settings = get_settings()
    configure_logging(log_level)
    host, port = host or settings.api_host, port or settings.api_port
    workers = workers or settings.api_workers
    typer.echo(f"chainscout API on http://{host}:{port}/ (store: {settings.store}, "
               f"{workers} worker{'s' if workers > 1 else ''}); web page at /ui/", err=True)
    if workers > 1:
        raise typer.Exit(serve_workers(settings, host, port, workers, log_level))
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level,
                access_log=False, proxy_headers=False)
