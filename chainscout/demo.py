"""The main job on the embedded store: build the demo graph and show what the product answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chainscout.graph.stores.base import GraphPath, GraphStore
from chainscout.loaders.demo import generate
from chainscout.loaders.demo.catalog import AS_OF
from chainscout.loaders.pipeline import LoadOptions, LoadSummary, load_directory
from chainscout.queries.expansion import expand_events, page
from chainscout.queries.results import Prospect
from chainscout.queries.strategies import park_strategy

_COMPLETE = ".complete"


@dataclass(frozen=True)
class DemoResult:
    data_dir: Path
    load: LoadSummary
    park_prospects: int
    event_prospects: int


def demo_data(root: Path, enterprises: int, seed: int) -> Path:
    """Generate the data set once per size and seed; a marker file makes a half-written set redo."""
    out = root / f"demo-{enterprises}-seed{seed}"
    if not (out / _COMPLETE).exists():
        generate(out, enterprises, seed=seed)
        (out / _COMPLETE).write_text("ok\n", encoding="utf-8")
    return out


def describe(path: GraphPath) -> str:
    """One line per path, readable in a terminal: name —TYPE→ name ←TYPE— name."""
    names = {n.ref: str(n.properties.get("name", n.key)) for n in path.nodes}
    parts = [names[path.nodes[0].ref]]
    previous = path.nodes[0].ref
    for rel in path.relationships:
        forward = rel.start == previous
        following = rel.end if forward else rel.start
        parts.append(f" —{rel.type}→ " if forward else f" ←{rel.type}— ")
        parts.append(names.get(following, following))
        previous = following
    return "".join(parts)


def _show(prospect: Prospect, rank: int, echo: Callable[[str], None]) -> None:
    node = prospect.enterprise
    echo(f"  {rank}. {node.properties.get('name')} ({node.key})  score {prospect.score.total:.1f}")
    parts = ", ".join(f"{p.name} {p.contribution:.1f}" for p in prospect.score.parts if p.weight)
    echo(f"     parts: {parts}")
    for path in prospect.paths[:2]:
        echo(f"     path: {describe(path)}")


def run_demo(store: GraphStore, data_root: Path, *, enterprises: int, seed: int,
             echo: Callable[[str], None]) -> DemoResult:
    directory = demo_data(data_root, enterprises, seed)
    echo(f"demo data: {directory}")
    summary = load_directory(store, directory, LoadOptions(source="demo"))
    echo(summary.table())

    as_of = dt.date.fromisoformat(AS_OF)
    since = (as_of - dt.timedelta(days=180)).isoformat()
    strategy = park_strategy(store, chain_id="ic", since=since, parks=3, limit=5)
    echo("\n“Industry + park”: where the integrated-circuit chain clusters, and whom to call there")
    for cluster in strategy.parks.items:
        echo(f"  park {cluster.park.properties.get('name')}: {cluster.members} chain members, "
             f"{cluster.segment_count} segments, score {cluster.score.total:.1f}")
    for rank, prospect in enumerate(strategy.prospects.items, 1):
        _show(prospect, rank, echo)

    batch = expand_events(store, date_from=AS_OF, date_to=AS_OF, as_of=as_of, per_event_limit=5)
    top = page(store, batch, limit=5)
    echo(f"\nEvent-triggered expansion: {len(batch.events)} events on {AS_OF}, "
         f"{len(batch.hits)} ranked prospects; the top five:")
    for rank, prospect in enumerate(top.items, 1):
        _show(prospect, rank, echo)
    echo("\nNext: `chainscout serve` for the API and the managers' page, or "
         "`chainscout neo4j start` and CHAINSCOUT_STORE=neo4j for Neo4j.")
    return DemoResult(directory, summary, strategy.prospects.total, len(batch.hits))
