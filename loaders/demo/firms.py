"""Enterprise stages: industry, size, corporate groups, places, parks, dates, tags and names.

Each stage fills columns of :class:`~chainscout.loaders.demo.world.Firms` from its own random
stream. Order matters: groups come before geography (subsidiaries follow their parent's city),
parks before coordinates (tenants sit near the park centre), places and dates before codes (a
USCC embeds the district and its style depends on the registration year).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from chainscout.loaders.demo import catalog as cat_
from chainscout.loaders.demo.codes import make_usccs
from chainscout.loaders.demo.flagship import FLAGSHIP, FLAGSHIP_TRADE_NAME
from chainscout.loaders.demo.geography import LAT_RANGE, LNG_RANGE, Geography
from chainscout.loaders.demo.sampling import (
    BlockSampler,
    FloatArray,
    IntArray,
    ObjArray,
    cat,
    iso_to_days,
    round_sig,
    weighted_choice,
    weighted_sample_without_replacement,
)
from chainscout.loaders.demo.world import ChainTable, Firms, Parks

#: Share of enterprises in corporate groups (roots and members).
GROUP_SHARE = 0.15
#: Pareto tail index of group sizes: P(size > s) = (2 / s) ** GROUP_ALPHA.
GROUP_ALPHA = 1.5
#: Member j of a group hangs under member floor(j * u ** GROUP_TREE_SKEW), u uniform: a random
#: recursive tree skewed towards early (high) members, so most subsidiaries sit 1-3 levels down.
GROUP_TREE_SKEW = 3.0
#: Share of venture investors among enterprises.
VC_SHARE = 0.003

SIZE_P_CHAIN = (0.45, 0.38, 0.13, 0.04)
SIZE_P_GENERAL = (0.62, 0.29, 0.07, 0.02)
SIZE_P_INVESTOR = (0.30, 0.40, 0.20, 0.10)
#: Relative chance of each size class to head a group.
ROOT_WEIGHT = np.array([0.2, 1.0, 6.0, 30.0])
CAPITAL_MEDIAN = np.array([100.0, 500.0, 3000.0, 30000.0])  # CNY 10k by size class
EMPLOYEES = ((6.0, 0.6, 1, 19), (60.0, 0.6, 20, 299), (500.0, 0.35, 300, 999),
             (3000.0, 0.9, 1000, 200000))  # (median, sigma, min, max) by size class
STATUS_P = (0.93, 0.03, 0.025, 0.005, 0.01)
MAJORITY_PCTS = np.array([51, 55, 60, 65, 70, 75, 80, 85, 90, 95], dtype=np.float64)
REFORM_DAY = iso_to_days("2015-10-01")  # new-style (MA...) organisation codes from here
#: Park tenancy: a firm joins some park of its city with chance PARK_JOIN * its best affinity;
#: affinity is 1 for a park's primary chain, less for its other leading chains and the rest;
#: the park is then chosen with weight affinity**2 * sqrt(area).
PARK_JOIN = 0.5
PARK_PRIMARY = 1.0
PARK_SECONDARY = 0.12
PARK_OTHER_CHAIN = 0.02
PARK_GENERAL = 0.02
#: A park multiplies its city's weight for its primary chain by (1 + PARK_PULL).
PARK_PULL = 1.0


@dataclass(frozen=True)
class Context:
    """Everything the stages read but do not change."""

    n: int
    seed: int
    geo: Geography
    chains: ChainTable
    as_of: int  # days since epoch
    general_classes: npt.NDArray[np.str_]  # sorted 4-digit classes of general firms
    general_division: IntArray  # division row of each general class
    general_words: tuple[tuple[str, ...], ...]  # name words per division row
    general_weight: FloatArray  # weight per division row


def _split(keys: IntArray, n_keys: int) -> list[IntArray]:
    """Row indices grouped by key (0..n_keys-1); negative keys are dropped."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys[keys >= 0], minlength=n_keys)
    skip = int(np.count_nonzero(keys < 0))
    return np.split(order[skip:], np.cumsum(counts)[:-1])


# --------------------------------------------------------------------------------------------
# Industry and size
# --------------------------------------------------------------------------------------------


def assign_industry(f: Firms, ctx: Context, rng: np.random.Generator) -> None:
    """Chain membership, segment and GB/T class; investors and general firms elsewhere."""
    n, ch = f.n, ctx.chains
    n_flag = len(FLAGSHIP)
    f.pinned[:n_flag] = True
    n_vc = min(n - n_flag, max(8, round(VC_SHARE * n)))
    f.investor[n_flag + rng.choice(n - n_flag, n_vc, replace=False)] = True

    is_chain = (rng.random(n) < cat_.CHAIN_SHARE) & ~f.investor & ~f.pinned
    rows = np.flatnonzero(is_chain)
    f.chain[rows] = weighted_choice(rng, ch.chain_weight, rows.size)
    position_w = {"upstream": 1.0, "midstream": 1.3, "downstream": 0.9}
    for c, members in enumerate(_split(f.chain, len(ch.chain_ids))):
        segs = np.flatnonzero(ch.seg_chain == c)
        weights = [position_w[ch.seg_position[s]] for s in segs]
        f.segment[members] = segs[weighted_choice(rng, weights, members.size)]
    for m, member in enumerate(FLAGSHIP):
        f.segment[m] = ch.segment_row(member.segment)
        f.chain[m] = ch.seg_chain[f.segment[m]]

    for s, members in enumerate(_split(f.segment, ch.n_segments)):
        core, broad = ch.seg_core[s], ch.seg_broad[s]
        use_core = rng.random(members.size) < (0.7 if broad else 1.0)
        if not core:
            use_core[:] = False
        codes = np.where(
            use_core,
            np.asarray(core or broad, dtype=object)[rng.integers(0, len(core or broad),
                                                                  members.size)],
            np.asarray(broad or core, dtype=object)[rng.integers(0, len(broad or core),
                                                                  members.size)],
        )
        f.industry[members] = codes
    for m, member in enumerate(FLAGSHIP):
        s = ch.segment_row(member.segment)
        f.industry[m] = (ch.seg_core[s] or ch.seg_broad[s])[0]

    vc = np.flatnonzero(f.investor)
    f.industry[vc] = np.asarray(cat_.VC_CLASSES, dtype=object)[
        rng.integers(0, len(cat_.VC_CLASSES), vc.size)]

    general = np.flatnonzero((f.chain < 0) & ~f.investor & ~f.pinned)
    division = weighted_choice(rng, ctx.general_weight, general.size)
    counts = np.bincount(ctx.general_division, minlength=len(ctx.general_weight))
    starts = np.cumsum(counts) - counts
    pick = starts[division] + (rng.random(general.size) * counts[division]).astype(np.int64)
    f.industry[general] = ctx.general_classes[pick].astype(object)


def assign_size(f: Firms, rng: np.random.Generator) -> None:
    """Size class: chain firms skew larger than general ones, investors larger still."""
    for mask, probs in ((f.chain >= 0, SIZE_P_CHAIN), ((f.chain < 0) & ~f.investor,
                        SIZE_P_GENERAL), (f.investor, SIZE_P_INVESTOR)):
        rows = np.flatnonzero(mask & ~f.pinned)
        f.size[rows] = weighted_choice(rng, probs, rows.size)
    f.size[: len(FLAGSHIP)] = [m.size for m in FLAGSHIP]


# --------------------------------------------------------------------------------------------
# Corporate groups
# --------------------------------------------------------------------------------------------


def _control_terms(rng: np.random.Generator, k: int) -> tuple[FloatArray, ObjArray]:
    """Percent held by the controlling parent and the basis of control, per link."""
    pct = MAJORITY_PCTS[weighted_choice(rng, np.linspace(1.4, 0.6, MAJORITY_PCTS.size), k)]
    pct = np.where(rng.random(k) < 0.45, 100.0, pct)
    basis = np.full(k, "majority_shares", dtype=object)
    u = rng.random(k)
    agreement = u < 0.04
    basis[(u >= 0.04) & (u < 0.10)] = "consolidated"
    basis[agreement] = "agreement"
    pct[agreement] = np.array([20.0, 30.0, 35.0, 40.0, 45.0])[rng.integers(0, 5, k)][agreement]
    return pct, basis


def assign_groups(f: Firms, rng: np.random.Generator) -> IntArray:
    """Heavy-tailed groups as random recursive trees under a big root; returns group roots."""
    n = f.n
    for i, member in enumerate(FLAGSHIP):
        f.group[i] = 0
        f.parent[i] = member.parent
        f.control_pct[i] = member.pct if member.parent >= 0 else 0.0
        f.control_basis[i] = "majority_shares" if member.parent >= 0 else None

    target = int(GROUP_SHARE * n)
    max_size = max(30, n // 400)
    draws = np.floor(2.0 * (1.0 - rng.random(max(16, target))) ** (-1.0 / GROUP_ALPHA))
    sizes = np.minimum(draws.astype(np.int64), max_size)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), target)) + 1]
    sizes = np.sort(sizes)[::-1]

    eligible = ~f.investor & ~f.pinned
    roots = weighted_sample_without_replacement(rng, ROOT_WEIGHT[f.size] * eligible, sizes.size)
    sizes = sizes[: roots.size]
    roots = roots[np.argsort(-f.size[roots], kind="stable")]
    f.size[roots] = np.where(sizes >= 10, 3, np.where(sizes >= 4, np.maximum(f.size[roots], 2),
                                                      f.size[roots]))
    n_groups = roots.size
    f.group[roots] = np.arange(1, n_groups + 1)

    # Member slots: same chain as the root 60% of the time, any free firm otherwise.
    per_group = sizes - 1
    slot_group = np.repeat(np.arange(n_groups), per_group)
    slot_start = np.cumsum(per_group) - per_group
    slot_local = np.arange(slot_group.size) - slot_start[slot_group] + 1  # 1..size-1
    base = np.cumsum(sizes) - sizes
    root_chain = f.chain[roots][slot_group]
    want_chain = np.where((root_chain >= 0) & (rng.random(slot_group.size) < 0.6), root_chain, -1)
    free = eligible.copy()
    free[roots] = False
    members = np.full(slot_group.size, -1, dtype=np.int64)
    for c in range(int(f.chain.max()) + 1):
        slots = np.flatnonzero(want_chain == c)
        pool = rng.permutation(np.flatnonzero(free & (f.chain == c)))[: slots.size]
        members[slots[: pool.size]] = pool
        free[pool] = False
    rest = np.flatnonzero(members < 0)
    pool = rng.permutation(np.flatnonzero(free))[: rest.size]
    members[rest[: pool.size]] = pool
    keep = members >= 0
    members, slot_group, slot_local = members[keep], slot_group[keep], slot_local[keep]

    row_at = np.full(int(sizes.sum()), -1, dtype=np.int64)
    row_at[base] = roots
    row_at[base[slot_group] + slot_local] = members
    parent_local = np.floor(slot_local * rng.random(members.size) ** GROUP_TREE_SKEW
                            ).astype(np.int64)
    parents = row_at[base[slot_group] + parent_local]
    parents = np.where(parents >= 0, parents, roots[slot_group])
    f.group[members] = slot_group + 1
    f.parent[members] = parents
    pct, basis = _control_terms(rng, members.size)
    f.control_pct[members] = pct
    f.control_basis[members] = basis

    # Depth: walk every firm one level up per pass; passes = depth of the deepest group.
    pointer = f.parent.copy()
    while True:
        moving = pointer >= 0
        if not moving.any():
            break
        f.depth += moving
        pointer[moving] = f.parent[pointer[moving]]
    return np.concatenate([[0], roots])


def group_roots(f: Firms, roots: IntArray) -> IntArray:
    """Root enterprise of each firm's group (-1 outside groups)."""
    return np.where(f.group >= 0, roots[np.maximum(f.group, 0)], -1)


# --------------------------------------------------------------------------------------------
# Parks and places
# --------------------------------------------------------------------------------------------


def city_weights(geo: Geography, chains: ChainTable) -> FloatArray:
    """(n_chains + 1, n_cities) city weights: row 0 for general firms, row c+1 for chain c."""
    n_cities = geo.city_code.size
    base = np.zeros(n_cities)
    districts = np.bincount(geo.district_city, minlength=n_cities).astype(np.float64)
    focus = np.zeros(n_cities, dtype=bool)
    for code, (_, weight) in cat_.FOCUS_CITIES.items():
        row = geo.city_index(code)
        base[row], focus[row] = weight, True
    base[focus] *= cat_.FOCUS_SHARE / base[focus].sum()
    base[~focus] = districts[~focus] * (1 - cat_.FOCUS_SHARE) / districts[~focus].sum()
    out = np.tile(base, (len(chains.chain_ids) + 1, 1))
    short = {s: i for i, s in enumerate(geo.city_short) if focus[i]}
    for c, chain_id in enumerate(chains.chain_ids):
        for city, factor in cat_.CHAIN_CITY_AFFINITY.get(chain_id, {}).items():
            out[c + 1, short[city]] *= factor
    return out


def short_district(name: str) -> str:
    """浦东新区 -> 浦东, 昆山市 -> 昆山: the form used in park and branch names."""
    for suffix in ("新区", "区", "县", "市", "旗"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def build_parks(ctx: Context, rng: np.random.Generator) -> Parks:
    """A prefix of the real parks (more for bigger data sets) plus synthetic chain parks."""
    geo, ch, n = ctx.geo, ctx.chains, ctx.n
    n_real = min(len(cat_.PARKS), max(10, n // 100))
    real = [p for p in cat_.PARKS[:n_real]
            if all(c in ch.chain_ids for c in p.leading[:1])]
    ids = [p.park_id for p in real]
    names = [p.name for p in real]
    levels = [p.level for p in real]
    districts = [geo.district_index(p.district_code) for p in real]
    lat = [p.lat for p in real]
    lng = [p.lng for p in real]
    area = [p.area_km2 for p in real]
    leading = [tuple(ch.chain_row(c) for c in p.leading if c in ch.chain_ids) for p in real]

    n_synth = max(0, n // 2000 - len(real))
    if n_synth:
        weights = city_weights(geo, ch)
        sampler = BlockSampler(geo.district_city.astype(np.int64),
                               np.ones(geo.district_code.size), geo.city_code.size)
        chain = weighted_choice(rng, ch.chain_weight, n_synth)
        cities = np.array([weighted_choice(rng, weights[c + 1], 1)[0] for c in chain])
        dist = sampler.sample(rng, cities)
        second = rng.integers(0, len(ch.chain_ids), n_synth)
        level = np.array(["provincial", "municipal", "district"])[
            weighted_choice(rng, (0.3, 0.5, 0.2), n_synth)]
        suffix = rng.integers(0, len(cat_.SYNTHETIC_PARK_SUFFIXES), n_synth)
        areas = np.round(np.exp(rng.normal(np.log(8.0), 0.7, n_synth)), 1)
        jitter = rng.normal(0.0, 0.03, (n_synth, 2))
        seen = set(names)
        for i in range(n_synth):
            d = int(dist[i])
            name = (geo.city_short[cities[i]] + short_district(geo.district_name[d])
                    + ch.chain_names[chain[i]] + cat_.SYNTHETIC_PARK_SUFFIXES[suffix[i]])
            if name in seen:
                continue
            seen.add(name)
            ids.append(f"{geo.district_code[d]}-{ch.chain_ids[chain[i]]}-{i:04d}")
            names.append(name)
            levels.append(str(level[i]))
            districts.append(d)
            lat.append(float(np.clip(geo.district_lat[d] + jitter[i, 0], *LAT_RANGE)))
            lng.append(float(np.clip(geo.district_lng[d] + jitter[i, 1], *LNG_RANGE)))
            area.append(float(areas[i]))
            lead: tuple[int, ...] = (int(chain[i]),)
            if rng.random() < 0.4 and second[i] != chain[i]:
                lead += (int(second[i]),)
            leading.append(lead)
    district_arr = np.array(districts, dtype=np.int64)
    return Parks(
        park_id=np.array(ids, dtype=str),
        name=np.array(names, dtype=object),
        level=np.array(levels, dtype=object),
        district=district_arr,
        city=geo.district_city[district_arr].astype(np.int64),
        lat=np.round(np.array(lat), 6),
        lng=np.round(np.array(lng), 6),
        area_km2=np.array(area),
        leading=leading,
    )


def assign_places(f: Firms, ctx: Context, parks: Parks, roots: IntArray,
                  rng: np.random.Generator) -> None:
    """City (chain affinity, group locality), then district (park districts weigh more)."""
    geo, ch = ctx.geo, ctx.chains
    weights = city_weights(geo, ch)
    # Parks pull their primary chain into their city (clusters form around parks).
    for p, lead in enumerate(parks.leading):
        weights[lead[0] + 1, parks.city[p]] *= 1.0 + PARK_PULL
    for c in range(-1, len(ch.chain_ids)):
        rows = np.flatnonzero((f.chain == c) & ~f.investor & ~f.pinned)
        f.city[rows] = weighted_choice(rng, weights[c + 1], rows.size)
    vc_weight = np.zeros(geo.city_code.size)
    for i, short in enumerate(geo.city_short):
        vc_weight[i] = cat_.VC_CITIES.get(short, 0.0)
    vc = np.flatnonzero(f.investor)
    f.city[vc] = weighted_choice(rng, vc_weight, vc.size)

    root_of = group_roots(f, roots)
    follow = np.flatnonzero((f.parent >= 0) & ~f.pinned & (rng.random(f.n) < 0.55))
    f.city[follow] = f.city[root_of[follow]]

    district_w = np.where([str(n).endswith("县") for n in geo.district_name], 0.5, 1.0)
    district_w[parks.district] *= 3.0
    sampler = BlockSampler(geo.district_city.astype(np.int64), district_w, geo.city_code.size)
    free = np.flatnonzero(~f.pinned)
    f.district[free] = sampler.sample(rng, f.city[free])
    for m, member in enumerate(FLAGSHIP):
        f.district[m] = geo.district_index(member.district)
        f.city[m] = geo.district_city[f.district[m]]


def assign_parks(f: Firms, ctx: Context, parks: Parks, rng: np.random.Generator) -> None:
    """Park tenancy clustered by chain: a park draws mostly firms of its leading chains."""
    n_chains = len(ctx.chains.chain_ids)
    by_city = _split(f.city, ctx.geo.city_code.size)
    for city in np.unique(parks.city):
        rows = by_city[city]
        rows = rows[~f.pinned[rows]]
        local = np.flatnonzero(parks.city == city)
        if rows.size == 0:
            continue
        # Affinity of each park for each chain: its primary chain draws most tenants.
        affinity = np.full((local.size, n_chains + 1), PARK_OTHER_CHAIN)
        affinity[:, n_chains] = PARK_GENERAL  # column for firms outside chains (chain -1)
        for k, p in enumerate(local):
            lead = parks.leading[p]
            affinity[k, list(lead[1:])] = PARK_SECONDARY
            affinity[k, lead[0]] = PARK_PRIMARY
        chain = f.chain[rows]
        a = affinity[:, chain].T  # (rows, parks)
        a[f.investor[rows]] = PARK_GENERAL
        p_join = PARK_JOIN * a.max(axis=1)
        joins = rng.random(rows.size) < p_join
        # Among the city's parks, the one that leads the firm's chain wins by a wide margin.
        cw = np.cumsum(a * a * np.sqrt(parks.area_km2[local])[None, :], axis=1)
        pick = (cw < (rng.random(rows.size) * cw[:, -1])[:, None]).sum(axis=1)
        chosen = local[np.minimum(pick, local.size - 1)]
        f.park[rows[joins]] = chosen[joins]

    gap_park, gap_segment = cat_.GAP_PARK
    gap = np.flatnonzero(parks.park_id == gap_park)
    if gap.size and gap_segment in ctx.chains.seg_ids:
        out = (f.park == gap[0]) & (f.segment == ctx.chains.segment_row(gap_segment))
        f.park[out] = -1
    for m, member in enumerate(FLAGSHIP):
        hit = np.flatnonzero(parks.park_id == member.park) if member.park else np.zeros(0)
        f.park[m] = int(hit[0]) if hit.size else -1
    tenants = np.flatnonzero(f.park >= 0)
    f.district[tenants] = parks.district[f.park[tenants]]
    f.city[tenants] = parks.city[f.park[tenants]]


def assign_coordinates(f: Firms, ctx: Context, parks: Parks, rng: np.random.Generator) -> None:
    """District centroid plus ~4 km jitter; park tenants within the park's footprint."""
    geo = ctx.geo
    lat0 = geo.district_lat[f.district]
    lng0 = geo.district_lng[f.district]
    sigma = np.full(f.n, 0.04)
    tenants = f.park >= 0
    lat0 = np.where(tenants, parks.lat[np.maximum(f.park, 0)], lat0)
    lng0 = np.where(tenants, parks.lng[np.maximum(f.park, 0)], lng0)
    park_sigma = np.sqrt(parks.area_km2) / 4.0 / 111.0
    sigma = np.where(tenants, park_sigma[np.maximum(f.park, 0)], sigma)
    noise = np.clip(rng.normal(0.0, 1.0, (f.n, 2)), -3.0, 3.0) * sigma[:, None]
    f.lat = np.round(np.clip(lat0 + noise[:, 0], *LAT_RANGE), 6)
    f.lng = np.round(np.clip(lng0 + noise[:, 1] / np.cos(np.radians(lat0)), *LNG_RANGE), 6)


# --------------------------------------------------------------------------------------------
# Dates, status, capital, employees, tags
# --------------------------------------------------------------------------------------------


def assign_vitals(f: Firms, ctx: Context, rng: np.random.Generator) -> None:
    """Establishment dates (growing registrations, subsidiaries after parents), status, capital."""
    years = np.arange(1990, 2025)
    young = np.exp(0.10 * (years - 1990))
    old = np.exp(0.03 * (years - 1990))
    big = f.size >= 2
    year = np.where(big, years[weighted_choice(rng, old, f.n)],
                    years[weighted_choice(rng, young, f.n)])
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    est = start + rng.integers(0, 365, f.n)
    for d in range(1, int(f.depth.max()) + 1):
        rows = np.flatnonzero((f.depth == d) & ~f.pinned)
        est[rows] = np.maximum(est[rows], est[f.parent[rows]] + rng.integers(30, 1500, rows.size))
    for m, member in enumerate(FLAGSHIP):
        est[m] = iso_to_days(member.established)
    f.established = np.minimum(est, ctx.as_of - 30)

    status = weighted_choice(rng, STATUS_P, f.n)
    status = np.where((f.size >= 2) | (f.group >= 0) | f.investor | f.pinned, 0, status)
    f.status = status

    f.capital = round_sig(CAPITAL_MEDIAN[f.size] * np.exp(rng.normal(0.0, 0.9, f.n))
                          * np.where(f.investor, 5.0, 1.0))
    med = np.array([e[0] for e in EMPLOYEES])[f.size]
    sig = np.array([e[1] for e in EMPLOYEES])[f.size]
    lo = np.array([e[2] for e in EMPLOYEES])[f.size]
    hi = np.array([e[3] for e in EMPLOYEES])[f.size]
    emp = np.clip(np.round(med * np.exp(rng.normal(0.0, 1.0, f.n) * sig)), lo, hi)
    f.employees = np.where(f.status == 0, emp, 0).astype(np.int64)


def assign_tags(f: Firms, ctx: Context, roots: IntArray, rng: np.random.Generator) -> None:
    """Theme tags: listing and state ownership with size, high-tech and 专精特新 in chains."""
    n, u = f.n, rng.random((f.n, 6))
    size, chain = f.size, f.chain >= 0
    group_size = np.bincount(np.maximum(f.group, 0), minlength=roots.size)
    big_root = np.zeros(n, dtype=bool)
    big_root[roots[group_size >= 10]] = True
    listed = u[:, 0] < np.array([0.0, 0.002, 0.03, 0.25])[size]
    listed |= big_root & (u[:, 0] < 0.6)
    f.set_tag("listed", listed & f.active)
    f.set_tag("state_owned", u[:, 1] < np.array([0.01, 0.01, 0.05, 0.2])[size])
    root_of = group_roots(f, roots)
    members = np.flatnonzero(root_of >= 0)
    f.tags[members, 2] |= f.tags[root_of[members], 2]
    f.set_tag("high_tech", u[:, 2] < np.where(chain, 0.35 * (size >= 1) + 0.1, 0.04))
    f.set_tag("specialized", chain & (size >= 1) & (size <= 2) & (u[:, 3] < 0.08))
    green_chains = [ctx.chains.chain_row(c) for c in ("pv", "nev", "newmat")
                    if c in ctx.chains.chain_ids]
    f.set_tag("green", u[:, 4] < np.where(np.isin(f.chain, green_chains), 0.25, 0.02))
    f.set_tag("foreign", u[:, 5] < 0.02)
    big = np.flatnonzero((size == 3) & f.active)
    top = big[np.argsort(-f.capital[big], kind="stable")][: min(100, max(1, n // 100))]
    f.set_tag("top100", top)
    flagship = np.arange(len(FLAGSHIP))
    f.tags[flagship] = False
    f.set_tag("high_tech", flagship)
    f.set_tag("listed", np.array([0]))
    f.set_tag("top100", np.array([0]))


# --------------------------------------------------------------------------------------------
# Names, codes, addresses
# --------------------------------------------------------------------------------------------


def _trade_names(rng: np.random.Generator, k: int, length: int) -> ObjArray:
    chars = np.array(list(cat_.TRADE_NAME_CHARS), dtype=object)
    m = chars.size
    first = rng.integers(0, m, k)
    out = chars[first]
    used = first
    for _ in range(length - 1):
        nxt = (used + 1 + rng.integers(0, m - 1, k)) % m
        out = out + chars[nxt]
        used = nxt
    return np.asarray(out, dtype=object)


def assign_names(f: Firms, ctx: Context, roots: IntArray, rng: np.random.Generator) -> None:
    """城市 + 字号 + 行业词 + 组织形式, unique; subsidiaries share the group's 字号."""
    geo, ch, n = ctx.geo, ctx.chains, f.n
    f.trade_name = _trade_names(rng, n, 2)
    f.trade_name[: len(FLAGSHIP)] = FLAGSHIP_TRADE_NAME
    root_of = group_roots(f, roots)
    share = np.flatnonzero((f.parent >= 0) & (rng.random(n) < 0.6))
    f.trade_name[share] = f.trade_name[root_of[share]]

    phrase = np.full(n, "", dtype=object)
    seg_rows = np.flatnonzero(f.segment >= 0)
    seg = f.segment[seg_rows]
    lo, hi = ch.phrase_offsets[seg], ch.phrase_offsets[seg + 1]
    phrase[seg_rows] = ch.phrases[lo + (rng.random(seg_rows.size) * (hi - lo)).astype(np.int64)]
    general = np.flatnonzero((f.segment < 0) & ~f.investor)
    division = ctx.general_division[
        np.searchsorted(ctx.general_classes, f.industry[general].astype("U4"))]
    words = ctx.general_words
    counts = np.array([len(w) for w in words])
    flat = np.array([w for ws in words for w in ws], dtype=object)
    offs = np.cumsum(counts) - counts
    phrase[general] = flat[offs[division] + (rng.random(general.size)
                                             * counts[division]).astype(np.int64)]
    vc = np.flatnonzero(f.investor)
    phrase[vc] = np.asarray(cat_.VC_NAME_WORDS, dtype=object)[
        rng.integers(0, len(cat_.VC_NAME_WORDS), vc.size)]

    u = rng.random(n)
    joint_stock = f.tag("listed") | (u < np.array([0.0, 0.02, 0.15, 0.5])[f.size])
    form = np.where(joint_stock, "股份有限公司", "有限公司").astype(object)
    partnership = f.investor & (rng.random(n) < 0.4)
    form[partnership] = "合伙企业（有限合伙）"

    city_short = geo.city_short[f.city]
    root_city = np.where(root_of >= 0, f.city[np.maximum(root_of, 0)], -1)
    shared = (f.parent >= 0) & (f.trade_name == f.trade_name[np.maximum(root_of, 0)])
    away = shared & (f.city != root_city)
    names = cat(city_short, f.trade_name, phrase, form)
    names[away] = cat(f.trade_name[away], phrase[away], "（", city_short[away], "）", form[away])

    group_size = np.bincount(np.maximum(f.group, 0), minlength=roots.size)
    holding = roots[(group_size >= 5) & (np.arange(roots.size) > 0)]
    group_word = np.array(
        [cat_.CHAIN_GROUP_WORDS.get(ch.chain_ids[c], "实业") if c >= 0 else "实业"
         for c in f.chain[holding]], dtype=object)
    style = rng.random(holding.size) < 0.5
    names[holding] = np.where(
        style,
        cat(f.trade_name[holding], group_word, "控股集团", form[holding]),
        cat(city_short[holding], f.trade_name[holding], "集团", form[holding]),
    )
    for m, member in enumerate(FLAGSHIP):
        names[m] = member.name

    for attempt in range(8):
        dup = np.flatnonzero(pd.Series(names, dtype=object).duplicated().to_numpy())
        if dup.size == 0:
            break
        fresh = _trade_names(rng, dup.size, 3 if attempt < 4 else 4)
        f.trade_name[dup] = fresh
        names[dup] = cat(city_short[dup], fresh, phrase[dup], form[dup])
    f.name = names


_SCOPE_TAIL = "；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；货物进出口；技术进出口"
_VC_SCOPE = ("以私募基金从事股权投资、投资管理、资产管理等活动（须在中国证券投资基金业协会完成登记备案"
             "后方可从事经营活动）")


def assign_scopes(f: Firms, ctx: Context, class_names: dict[str, str],
                  rng: np.random.Generator) -> None:
    """Business scope (经营范围): segment keywords for chain firms, the class name otherwise."""
    ch = ctx.chains
    f.scope = cat("一般项目：", pd.Series(f.industry, dtype=object).map(class_names)
                  .to_numpy(dtype=object), _SCOPE_TAIL)
    rows = np.flatnonzero(f.segment >= 0)
    seg = f.segment[rows]
    lo, count = ch.keyword_offsets[seg], np.diff(ch.keyword_offsets)[seg]
    first = ch.keywords[lo + (rng.random(rows.size) * count).astype(np.int64)]
    second = ch.keywords[lo + (rng.random(rows.size) * count).astype(np.int64)]
    both = np.where(first == second, first, cat(first, "、", second))
    f.scope[rows] = cat("一般项目：", both, "的研发、生产和销售；", first, "相关", _SCOPE_TAIL[1:])
    f.scope[f.investor] = _VC_SCOPE


def assign_codes(f: Firms, ctx: Context) -> None:
    """USCCs in the firm's district; MA-style organisation codes after the 2015 reform."""
    f.uscc = make_usccs(f.district, ctx.geo.district_code, f.established >= REFORM_DAY,
                        ctx.seed)


def assign_addresses(f: Firms, ctx: Context, rng: np.random.Generator) -> None:
    """省 + 市 + 区 + 路 + 门牌号 (municipalities and province-direct counties named once)."""
    geo = ctx.geo
    city = geo.district_city[f.district]
    province = geo.province_name[city]
    city_name = geo.city_name[city]
    own = geo.city_code[city] == geo.district_code[f.district]
    prefix = np.where(geo.city_is_municipality[city], city_name,
                      np.where(own, province, province + city_name))
    district = np.where(own, city_name, geo.district_name[f.district])
    roads = np.asarray(cat_.ROADS, dtype=object)[rng.integers(0, len(cat_.ROADS), f.n)]
    numbers = np.array([f"{i}号" for i in range(1, 1000)], dtype=object)
    f.address = cat(prefix, district, roads, numbers[rng.integers(0, numbers.size, f.n)])
