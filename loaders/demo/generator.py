"""``generate()``: a realistic, seeded demo data set in the input-file contract.

The stages run in a fixed order, each on its own random stream derived from the seed, so the same
seed and size give the same files byte for byte. See docs/demo-data.md for every distribution.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chainscout.loaders.demo import bank, firms, relations
from chainscout.loaders.demo import catalog as cat_
from chainscout.loaders.demo.flagship import FLAGSHIP, FLAGSHIP_CROSS_HOLDING
from chainscout.loaders.demo.geography import load_geography
from chainscout.loaders.demo.sampling import (
    categorical,
    days_to_iso,
    iso_to_days,
    list_column,
    stage_rng,
)
from chainscout.loaders.demo.world import SIZES, STATUSES, TAGS, Firms, Parks, build_chain_table
from chainscout.loaders.demo.writer import FORMATS, KINDS, Format, write_kind
from chainscout.loaders.reference_data import load_chains, load_event_types, load_gbt4754

MIN_ENTERPRISES = 200
WRITE_THREADS = 2


@dataclass
class GenerationSummary:
    """What was generated: sizes per kind, files, timing and the demo's noteworthy cases."""

    out_dir: str
    enterprises: int
    seed: int
    fmt: str
    event_days: int
    as_of: str
    counts: dict[str, int] = field(default_factory=dict)
    file_bytes: dict[str, int] = field(default_factory=dict)
    events_per_type: dict[str, int] = field(default_factory=dict)
    highlights: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def describe(self) -> str:
        """Human-readable report for the CLI."""
        total = sum(self.file_bytes.values())
        lines = [
            f"demo data: {self.enterprises:,} enterprises, seed {self.seed}, format {self.fmt}, "
            f"{self.event_days} event days to {self.as_of}, in {self.seconds:.1f}s "
            f"({total / 1e6:.1f} MB) -> {self.out_dir}",
        ]
        for kind, count in self.counts.items():
            lines.append(f"  {kind:<20} {count:>10,}  {self.file_bytes.get(kind, 0) / 1e6:8.1f} MB")
        lines.append("noteworthy:")
        lines += [f"  - {h}" for h in self.highlights]
        return "\n".join(lines)


def _context(n: int, seed: int) -> firms.Context:
    chains = build_chain_table(load_chains())
    taken = chains.all_codes()
    divisions = list(cat_.GENERAL_DIVISIONS)
    if divisions != sorted(divisions):
        raise ValueError("GENERAL_DIVISIONS must be listed in ascending division order")
    row = {d: i for i, d in enumerate(divisions)}
    classes = sorted(c for c, e in load_gbt4754().items()
                     if e.level == 4 and c[:2] in row and c not in taken)
    division = np.array([row[c[:2]] for c in classes], dtype=np.int64)
    weight = np.array([cat_.GENERAL_DIVISIONS[d][0] for d in divisions])
    weight[np.bincount(division, minlength=len(divisions)) == 0] = 0.0
    return firms.Context(
        n=n, seed=seed, geo=load_geography(), chains=chains, as_of=iso_to_days(cat_.AS_OF),
        general_classes=np.array(classes, dtype="U4"), general_division=division,
        general_words=tuple(cat_.GENERAL_DIVISIONS[d][1] for d in divisions),
        general_weight=weight,
    )


def _enterprise_table(f: Firms, ctx: firms.Context) -> dict[str, Any]:
    return {
        "uscc": f.uscc, "name": f.name,
        "status": categorical(f.status, STATUSES),
        "registered_capital": f.capital, "established": days_to_iso(f.established),
        "industry_code": f.industry, "address": f.address,
        "district_code": ctx.geo.district_code.astype("S6")[f.district],
        "lat": f.lat, "lng": f.lng,
        "tags": list_column(f.tags, TAGS), "size": categorical(f.size, SIZES),
        "employees": f.employees, "legal_representative": f.legal_rep_name,
        "business_scope": f.scope,
    }


def _park_tables(f: Firms, ctx: firms.Context, parks: Parks, rng: np.random.Generator,
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    chain_ids = ctx.chains.chain_ids
    leading = [[chain_ids[c] for c in lead] for lead in parks.leading]
    park_table = {
        "park_id": parks.park_id, "name": parks.name, "level": parks.level,
        "district_code": ctx.geo.district_code[parks.district], "lat": parks.lat,
        "lng": parks.lng, "leading_industries": leading, "area_km2": parks.area_km2,
    }
    tenants = np.flatnonzero(f.park >= 0)
    at_start = rng.random(tenants.size) < 0.5
    span = np.maximum(ctx.as_of - f.established[tenants], 1)
    since = np.where(at_start, f.established[tenants],
                     f.established[tenants] + (rng.random(tenants.size) * span).astype(np.int64))
    members = {"uscc": f.uscc[tenants], "park_id": parks.park_id[f.park[tenants]],
               "since": days_to_iso(since)}
    return park_table, members


def _highlights(f: Firms, ctx: firms.Context, parks: Parks, roots: np.ndarray[Any, Any],
                cross: list[tuple[int, ...]], supply_pairs: np.ndarray[Any, Any],
                cu: bank.Customers, br: bank.Branches) -> list[str]:
    """The demo's noteworthy cases, named so a presenter can look them up."""
    out: list[str] = []
    flag_depth = int(f.depth[: len(FLAGSHIP)].max()) + 1
    holder, _, pct = FLAGSHIP_CROSS_HOLDING
    out.append(
        f"flagship group {f.name[0]} ({f.uscc[0].decode()}): {len(FLAGSHIP)} companies over "
        f"{flag_depth} levels in {len(set(m.district[:2] for m in FLAGSHIP))} provinces; "
        f"{f.name[holder]} holds {pct:g}% of the root (ownership cycle); only the root banks "
        f"with us (group penetration gap)")
    gap_park, gap_segment = cat_.GAP_PARK
    hit = np.flatnonzero(parks.park_id == gap_park)
    if hit.size:
        seg = ctx.chains.segment_row(gap_segment)
        tenants = np.flatnonzero(f.park == hit[0])
        chain = ctx.chains.seg_chain[seg]
        present = sorted({ctx.chains.seg_ids[s] for s in f.segment[tenants]
                          if s >= 0 and ctx.chains.seg_chain[s] == chain})
        out.append(
            f"chain gap: {parks.name[hit[0]]} leads in {ctx.chains.chain_names[chain]} with "
            f"{tenants.size} tenants (segments {', '.join(present) or 'none'}) but none in "
            f"{gap_segment}; {f.name[8]} sits in the same district outside the park")
    pairs = [c for c in cross if len(c) == 2]
    for case in pairs[:3] + [c for c in cross if len(c) == 3]:
        names = " -> ".join(str(f.name[i]) for i in (*case, case[0]))
        kind = "cross-holding" if len(case) == 2 else "three-way ownership cycle"
        out.append(f"{kind}: {names}")
    if len(pairs) > 3:
        out.append(f"... and {len(pairs) - 3} more cross-holding pairs between group roots")
    group_size = np.bincount(np.maximum(f.group, 0), minlength=roots.size)
    big = int(np.argmax(np.where(np.arange(roots.size) > 0, group_size, -1)))
    members = f.group == big
    out.append(f"largest random group: {f.name[roots[big]]} with {group_size[big]} companies "
               f"over {int(f.depth[members].max()) + 1} levels")
    if supply_pairs.size:
        suppliers = np.bincount(supply_pairs[:, 1], minlength=f.n)
        suppliers[cu.firm] = 0
        lead = int(np.argmax(suppliers))
        out.append(f"chain-leader prospect (not a customer): {f.name[lead]} "
                   f"({f.uscc[lead].decode()}) "
                   f"buys from {suppliers[lead]} suppliers")
    attr = cu.attrition_case
    row = int(np.flatnonzero(cu.firm == attr)[0])
    out.append(f"attrition risk: customer {f.name[attr]} at {br.name[cu.branch[row]]} has a loan "
               f"maturing {days_to_iso(np.array([cu.maturity[row]]))[0].decode()} and recent "
               f"deposit_outflow / other_bank_repayment signals")
    return out


def generate(
    out_dir: Path,
    enterprises: int,
    seed: int = 7,
    fmt: Format = "csv",
    event_days: int = 30,
) -> GenerationSummary:
    """Write a demo data set of ``enterprises`` enterprises into ``out_dir``.

    Deterministic for a seed: the same arguments give byte-identical files.
    """
    if enterprises < MIN_ENTERPRISES:
        raise ValueError(f"enterprises must be at least {MIN_ENTERPRISES}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if event_days < 1:
        raise ValueError("event_days must be at least 1")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = _context(enterprises, seed)
    f = Firms(enterprises)

    firms.assign_industry(f, ctx, stage_rng(seed, "industry"))
    firms.assign_size(f, stage_rng(seed, "size"))
    roots = firms.assign_groups(f, stage_rng(seed, "groups"))
    parks = firms.build_parks(ctx, stage_rng(seed, "parks"))
    firms.assign_places(f, ctx, parks, roots, stage_rng(seed, "places"))
    firms.assign_parks(f, ctx, parks, stage_rng(seed, "tenancy"))
    firms.assign_coordinates(f, ctx, parks, stage_rng(seed, "coordinates"))
    firms.assign_vitals(f, ctx, stage_rng(seed, "vitals"))
    firms.assign_tags(f, ctx, roots, stage_rng(seed, "tags"))
    firms.assign_names(f, ctx, roots, stage_rng(seed, "names"))
    class_names = {c: e.name for c, e in load_gbt4754().items() if e.level == 4}
    firms.assign_scopes(f, ctx, class_names, stage_rng(seed, "scopes"))
    firms.assign_codes(f, ctx)
    firms.assign_addresses(f, ctx, stage_rng(seed, "addresses"))

    # Each kind is handed to a writer as soon as it is complete, so big intermediate columns are
    # freed early. pyarrow releases the GIL while encoding: two writers use both cores, and a
    # file's bytes do not depend on the interleaving.
    counts: dict[str, int] = {}
    written: dict[str, Future[Path]] = {}
    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:

        def emit(kind: str, columns: dict[str, Any]) -> None:
            counts[kind] = len(next(iter(columns.values())))
            written[kind] = pool.submit(write_kind, out_dir, kind, columns, fmt)

        inv = relations.investments(f, ctx, stage_rng(seed, "investments"))
        emit("investments", relations.investment_rows(f, inv))
        emit("controls", relations.controls(f))
        own, cross = relations.ownership(f, ctx, roots, inv, stage_rng(seed, "ownership"))
        persons, person_shares, officers = relations.persons_and_roles(
            f, ctx, roots, own, stage_rng(seed, "persons"))
        emit("persons", persons)
        emit("officers", officers)
        ent_shares = relations.enterprise_shareholdings(f, own)
        emit("shareholdings", {k: np.concatenate([np.asarray(ent_shares[k]),
                                                  np.asarray(person_shares[k])])
                               for k in ent_shares})
        del persons, person_shares, officers, ent_shares, own
        emit("enterprises", _enterprise_table(f, ctx))  # tags are final after persons
        f.address = f.scope = np.empty(0, dtype=object)  # only the enterprises file needs them
        supply_pairs, supplies = relations.supplies(f, ctx, stage_rng(seed, "supplies"))
        emit("supplies", supplies)
        assoc, assoc_members = relations.associations(f, ctx, stage_rng(seed, "associations"))
        emit("associations", assoc)
        emit("association_members", assoc_members)
        types = load_event_types()
        br = bank.branches(f, ctx, stage_rng(seed, "branches"))
        emit("branches", br.table(ctx))
        cu = bank.customers(f, ctx, br, types, stage_rng(seed, "customers"))
        emit("customers", bank.customer_table(f, cu, br))
        investee = np.zeros(f.n, dtype=bool)
        investee[inv["investee"]] = True
        events, per_type = bank.events(f, ctx, types, cu, supply_pairs, investee, event_days,
                                       stage_rng(seed, "events"))
        emit("events", events)
        park_table, park_members = _park_tables(f, ctx, parks, stage_rng(seed, "park_members"))
        emit("parks", park_table)
        emit("park_members", park_members)
        summary = GenerationSummary(
            out_dir=str(out_dir), enterprises=enterprises, seed=seed, fmt=fmt,
            event_days=event_days, as_of=cat_.AS_OF, events_per_type=per_type,
            highlights=_highlights(f, ctx, parks, roots, cross, supply_pairs, cu, br),
        )
    for kind in KINDS:
        summary.counts[kind] = counts[kind]
        summary.file_bytes[kind] = written[kind].result().stat().st_size
    summary.seconds = time.perf_counter() - started
    return summary
