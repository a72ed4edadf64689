"""Relationship stages: investments, ownership, persons and officers, supplies, associations.

Ownership is built holder by holder with a priority (control first, then cross-holdings, sister
companies, strategic and venture stakes) and clipped per company so registered percentages never
sum above 100; natural persons hold what is left. Person slots (legal representatives, extra
shareholders, officers) are filled in one draw: most are fresh people, the rest reuse existing
ones with a heavy tail, so a few people sit on many boards as in real registries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from chainscout.loaders.demo import catalog as cat_
from chainscout.loaders.demo.firms import Context, group_roots
from chainscout.loaders.demo.flagship import FLAGSHIP_CROSS_HOLDING
from chainscout.loaders.demo.sampling import (
    BlockSampler,
    FloatArray,
    IntArray,
    cat,
    categorical,
    days_to_iso,
    unique_ints,
    weighted_choice,
    weighted_sample_without_replacement,
)
from chainscout.loaders.demo.world import Firms

Table = dict[str, Any]
_HEX = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)

#: Share of chain firms that raised venture rounds.
INVESTEE_SHARE = 0.05
#: Rounds per investee: 1, 2, 3 or 4 with these probabilities.
ROUND_COUNT_P = (0.5, 0.3, 0.15, 0.05)
#: Exponent of the investor-popularity draw: investor rank = floor(n * u ** VC_POPULARITY).
VC_POPULARITY = 2.0
#: Exponent of the person-reuse draw (heavy tail of serial entrepreneurs / board members).
PERSON_REUSE = 1.3
#: Chance that a legal-representative slot / any other person slot gets a new person.
FRESH_REP = 0.8
FRESH_OTHER = 0.5
#: Officer roles of the graph model, in output order within a company.
OFFICER_ROLES = ("legal_representative", "chairman", "director", "supervisor", "general_manager",
                 "cfo")
#: Chance that a supervisor or director seat goes to one of the firm's co-owners.
OFFICER_IS_OWNER = 0.7
#: Share of firms with an outside strategic (minority) enterprise shareholder.
STRATEGIC_SHARE = 0.015
#: Share of non-wholly-owned subsidiaries in which a sister company also holds shares.
SISTER_SHARE = 0.2
#: Expected extra customers per supplier by supplier size class (plus one).
SUPPLY_FANOUT = np.array([0.3, 0.8, 1.5, 3.0])
#: Buyer attractiveness by size class: big OEMs buy from many suppliers.
BUYER_WEIGHT = np.array([1.0, 3.0, 12.0, 60.0])
SUPPLY_MEDIAN = np.array([50.0, 300.0, 2000.0, 10000.0])  # annual contract value, CNY 10k


@dataclass
class Ownership:
    """Enterprise-held stakes after clipping, plus each firm's share left for natural persons."""

    holder: IntArray
    held: IntArray
    pct: FloatArray
    since: IntArray
    person_share: FloatArray  # per firm


def _random_after(rng: np.random.Generator, start: IntArray, end: int) -> IntArray:
    """A day uniformly between ``start`` and ``end`` (inclusive of start)."""
    span = np.maximum(end - start, 1)
    return start + (rng.random(start.size) * span).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Venture investments
# --------------------------------------------------------------------------------------------


def investments(f: Firms, ctx: Context, rng: np.random.Generator) -> Table:
    """VC rounds into young chain firms; popular investors lead more deals."""
    chain_firms = f.chain >= 0
    cand = (chain_firms & f.active & ~f.investor & ~f.pinned & (f.parent < 0)
            & (f.established >= ctx.as_of - 20 * 365))
    weight = cand * (1.0 + 2.0 * f.tag("high_tech") + 2.0 * f.tag("specialized")
                     + (f.size == 1) + (f.size == 2))
    k = int(INVESTEE_SHARE * np.count_nonzero(chain_firms))
    investees = weighted_sample_without_replacement(rng, weight, k)
    rounds = weighted_choice(rng, ROUND_COUNT_P, investees.size) + 1
    r_firm = np.repeat(investees, rounds)
    r_index = np.arange(r_firm.size) - np.repeat(np.cumsum(rounds) - rounds, rounds)
    first_stage = rng.integers(0, 3, investees.size)
    stage = np.minimum(np.repeat(first_stage, rounds) + r_index + (rng.random(r_firm.size) < 0.3),
                       7)
    strategic = rng.random(r_firm.size) < 0.12
    stage = np.where(strategic, 8, stage)
    gap = (365 * (0.8 + 1.2 * rng.random(r_firm.size))).astype(np.int64)
    date = f.established[r_firm] + 300 + np.cumsum(gap) - np.repeat(
        np.cumsum(gap)[np.cumsum(rounds) - rounds] - gap[np.cumsum(rounds) - rounds], rounds)
    keep = date <= ctx.as_of
    r_firm, stage, date, strategic = r_firm[keep], stage[keep], date[keep], strategic[keep]
    total = np.asarray(cat_.ROUND_MEDIAN_AMOUNT)[stage] * np.exp(rng.normal(0, 0.6, r_firm.size))
    stake = rng.uniform(8.0, 20.0, r_firm.size)

    n_inv = 1 + rng.binomial(2, 0.4, r_firm.size)
    row_round = np.repeat(np.arange(r_firm.size), n_inv)
    vcs = np.flatnonzero(f.investor)
    rank = np.floor(vcs.size * rng.random(row_round.size) ** VC_POPULARITY).astype(np.int64)
    investor = vcs[np.minimum(rank, vcs.size - 1)]
    # Strategic rounds: a large firm of the investee's chain invests (corporate venture).
    big = (f.size == 3) & f.active & (f.chain >= 0) & ~f.investor
    sampler = BlockSampler(np.maximum(f.chain, 0), big.astype(np.float64),
                           len(ctx.chains.chain_ids))
    corp = sampler.sample(rng, np.maximum(f.chain[r_firm[row_round]], 0))
    use_corp = strategic[row_round] & (corp >= 0) & (corp != r_firm[row_round])
    investor = np.where(use_corp, corp, investor)
    # The model keeps one INVESTS_IN per investor and investee: keep an investor's first round.
    pair = investor.astype(np.int64) * (f.size.size + 1) + r_firm[row_round]
    first = np.sort(np.unique(pair, return_index=True)[1])
    investor, row_round = investor[first], row_round[first]
    return {
        "investor": investor,
        "investee": r_firm[row_round],
        "amount": np.round(total[row_round] / n_inv[row_round], 2),
        "date": date[row_round],
        "round": np.asarray(cat_.FINANCING_ROUNDS, dtype=object)[stage[row_round]],
        "stake": stake[row_round] / n_inv[row_round],
    }


# --------------------------------------------------------------------------------------------
# Ownership
# --------------------------------------------------------------------------------------------


def _cross_holdings(f: Firms, roots: IntArray, rng: np.random.Generator,
                    ) -> tuple[IntArray, IntArray, FloatArray, list[tuple[int, ...]]]:
    """Mutual stakes between group roots plus one three-way cycle; returns the cases too."""
    n_pairs = max(2, f.n // 50000)
    need = 2 * n_pairs + 3
    # Cross-holdings join big groups: weight roots by their group's size.
    group_size = np.bincount(np.maximum(f.group, 0), minlength=roots.size).astype(np.float64)
    group_size[0] = 0.0  # the flagship has its own cycle
    picked = weighted_sample_without_replacement(rng, group_size ** 1.5, need)
    if picked.size < need:
        return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), [])
    chosen = roots[picked]
    a, b = chosen[0:2 * n_pairs:2], chosen[1:2 * n_pairs:2]
    c1, c2, c3 = chosen[-3:]
    holder = np.concatenate([a, b, [c1, c2, c3]])
    held = np.concatenate([b, a, [c2, c3, c1]])
    pct = np.round(rng.uniform(3.0, 15.0, holder.size), 2)
    cases: list[tuple[int, ...]] = [(int(x), int(y)) for x, y in zip(a, b, strict=True)]
    cases.append((int(c1), int(c2), int(c3)))
    return holder, held, pct, cases


def ownership(f: Firms, ctx: Context, roots: IntArray, inv: Table, rng: np.random.Generator,
              ) -> tuple[Ownership, list[tuple[int, ...]]]:
    """Enterprise shareholders by priority, clipped so no company is owned beyond 100%."""
    n = f.n
    parts: list[tuple[IntArray, IntArray, FloatArray, int]] = []
    sub = np.flatnonzero(f.parent >= 0)
    parts.append((f.parent[sub], sub, f.control_pct[sub], 0))

    holder, held, pct, cases = _cross_holdings(f, roots, rng)
    h, d, p = FLAGSHIP_CROSS_HOLDING
    parts.append((np.append(holder, h), np.append(held, d), np.append(pct, p), 1))

    # Sister companies: another member of the same group takes a slice.
    partial = sub[(f.control_pct[sub] < 100) & (rng.random(sub.size) < SISTER_SHARE)]
    in_group = f.group >= 0
    sampler = BlockSampler(np.maximum(f.group, 0), in_group.astype(np.float64),
                           int(f.group.max()) + 1)
    sister = sampler.sample(rng, f.group[partial])
    ok = (sister >= 0) & (sister != partial) & (sister != f.parent[partial])
    parts.append((sister[ok], partial[ok], np.round(rng.uniform(5, 20, ok.sum()), 2), 2))

    # Strategic minority stakes from a larger firm of the same chain (or any, outside chains).
    targets = np.flatnonzero((rng.random(n) < STRATEGIC_SHARE) & ~f.pinned)
    strong = ((f.size >= 2) & f.active & ~f.investor).astype(np.float64)
    sampler = BlockSampler(f.chain + 1, strong, len(ctx.chains.chain_ids) + 1)
    backer = sampler.sample(rng, f.chain[targets] + 1)
    ok = (backer >= 0) & (backer != targets)
    parts.append((backer[ok], targets[ok], np.round(rng.uniform(5, 30, ok.sum()), 2), 3))

    parts.append((inv["investor"], inv["investee"], np.asarray(inv["stake"]), 4))

    frame = pd.DataFrame({
        "holder": np.concatenate([x[0] for x in parts]),
        "held": np.concatenate([x[1] for x in parts]),
        "pct": np.concatenate([x[2] for x in parts]),
        "priority": np.concatenate([np.full(x[0].size, x[3]) for x in parts]),
    })
    frame = frame[frame.holder != frame.held]
    frame = (frame.groupby(["held", "holder"], sort=False)
             .agg(pct=("pct", "sum"), priority=("priority", "min")).reset_index())
    frame = frame.sort_values(["held", "priority", "holder"], kind="stable")
    before = frame.groupby("held", sort=False)["pct"].cumsum() - frame["pct"]
    frame["pct"] = np.round(np.minimum(frame["pct"], 100.0 - before), 2)
    frame = frame[frame["pct"] >= 0.5]

    holder = frame["holder"].to_numpy(np.int64)
    held = frame["held"].to_numpy(np.int64)
    pct = frame["pct"].to_numpy(np.float64)
    taken = np.bincount(held, weights=pct, minlength=n)
    since = np.where(frame["priority"].to_numpy() == 0, f.established[held],
                     _random_after(rng, np.maximum(f.established[held], f.established[holder]),
                                   ctx.as_of))
    free = np.maximum(100.0 - taken, 0.0)
    free = np.where(f.tag("listed"), free * rng.uniform(0.45, 0.75, n), free)
    return Ownership(holder, held, pct, since, np.floor(free * 100) / 100), cases


# --------------------------------------------------------------------------------------------
# Persons, person shareholders and officers
# --------------------------------------------------------------------------------------------


def _person_ids(count: int, seed: int) -> np.ndarray[Any, np.dtype[np.bytes_]]:
    """Pseudonymous, stable ids: 'P' + 10 hex digits of an affine bijection of the index."""
    space = 16**10
    rng = np.random.default_rng([seed, 0x9E0])
    step = int(rng.integers(space // 3, space // 2)) | 1
    while np.gcd(step, space) != 1:
        step += 2
    codes = (np.arange(count, dtype=np.int64) * step + int(rng.integers(0, space))) % space
    out = np.empty((count, 11), dtype=np.uint8)
    out[:, 0] = ord("P")
    rest = codes.copy()
    for col in range(10, 0, -1):
        rest, out[:, col] = np.divmod(rest, 16)
    out[:, 1:] = _HEX[out[:, 1:]]
    return out.view("S11").ravel()


def persons_and_roles(f: Firms, ctx: Context, roots: IntArray, own: Ownership,
                      rng: np.random.Generator) -> tuple[Table, Table, Table]:
    """Legal representatives, natural-person shareholders and officers, and the persons table."""
    n = f.n
    size = f.size
    listed = f.tag("listed")
    # Number of natural-person holders per firm.
    k_holders = np.select(
        [listed, size == 3, size == 2, size == 1],
        [rng.integers(4, 9, n), rng.integers(3, 7, n), rng.integers(2, 5, n),
         weighted_choice(rng, (0.3, 0.4, 0.2, 0.1), n) + 1],
        weighted_choice(rng, (0.5, 0.4, 0.1), n) + 1,
    )
    k_holders = np.where(own.person_share >= 0.5, k_holders, 0)
    founder_is_rep = rng.random(n) < 0.75

    n_sup = np.select([size == 3, size == 2], [3, rng.integers(1, 3, n)], 1)
    n_dir = np.select([size == 3, size == 2], [rng.integers(4, 9, n), rng.integers(2, 5, n)], 0)
    gm_is_rep = rng.random(n) < np.where(size >= 2, 0.3, 0.7)
    has_cfo = (size == 3) | ((size == 2) & (rng.random(n) < 0.6))

    # "Other person" slots per firm, in this column order.
    holder_slots = np.where(k_holders > 0, k_holders - founder_is_rep, 0)
    per_firm = holder_slots + n_sup + n_dir + (~gm_is_rep) + has_cfo
    total = n + int(per_firm.sum())
    p_fresh = np.concatenate([np.full(n, FRESH_REP), np.full(total - n, FRESH_OTHER)])
    fresh = rng.random(total) < p_fresh
    fresh[0] = True
    n_fresh = int(fresh.sum())
    slot_person = np.empty(total, dtype=np.int64)
    slot_person[fresh] = np.arange(n_fresh)
    step = int(rng.integers(n_fresh // 3 + 1, n_fresh // 2 + 2)) | 1
    while np.gcd(step, n_fresh) != 1:
        step += 2
    rank = np.floor(n_fresh * rng.random(total - n_fresh) ** PERSON_REUSE).astype(np.int64)
    slot_person[~fresh] = (rank * step) % n_fresh

    rep = slot_person[:n].copy()
    root_of = group_roots(f, roots)
    shared = np.flatnonzero((f.parent >= 0) & (rng.random(n) < 0.4))
    rep[shared] = rep[root_of[shared]]
    f.legal_rep = rep

    other = slot_person[n:]
    firm_of_other = np.repeat(np.arange(n), per_firm)
    starts = np.cumsum(per_firm) - per_firm
    pos = np.arange(other.size) - starts[firm_of_other]

    def take(offset: IntArray, count: IntArray) -> tuple[IntArray, IntArray]:
        sel = (pos >= offset[firm_of_other]) & (pos < (offset + count)[firm_of_other])
        return firm_of_other[sel], other[sel]

    # Person shareholders: founder (maybe the rep) first, then others.
    h_firm, h_person = take(np.zeros(n, np.int64), holder_slots)
    founders = np.flatnonzero((k_holders > 0) & founder_is_rep)
    hold_firm = np.concatenate([founders, h_firm])
    hold_person = np.concatenate([rep[founders], h_person])
    order = np.argsort(hold_firm, kind="stable")
    hold_firm, hold_person = hold_firm[order], hold_person[order]
    col = np.arange(hold_firm.size) - (np.cumsum(k_holders) - k_holders)[hold_firm]
    w = rng.exponential(1.0, hold_firm.size) * np.where(col == 0, 2.5, 1.0)
    w_sum = np.bincount(hold_firm, weights=w, minlength=n)
    pct = np.floor(own.person_share[hold_firm] * w / w_sum[hold_firm] * 100) / 100
    keep = pct > 0
    # One row per (company, person): a person drawn twice for a company holds the sum.
    key = hold_firm[keep] * n_fresh + hold_person[keep]
    order = np.argsort(key, kind="stable")
    key, pct = key[order], pct[keep][order]
    first = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    share_pct = np.round(np.add.reduceat(pct, first), 2) if first.size else pct
    held, share_holder = key[first] // n_fresh, key[first] % n_fresh
    person_since = np.where(rng.random(held.size) < 0.7, f.established[held],
                            _random_after(rng, f.established[held], ctx.as_of))

    # Officers. Small firms' supervisor and many directors are co-owners, as in the registry.
    off = holder_slots
    co_owner = np.full(n, -1, dtype=np.int64)
    has_co = np.flatnonzero(holder_slots > 0)
    co_owner[has_co] = other[starts[has_co]]
    roles: list[tuple[IntArray, IntArray, str]] = [(np.arange(n), rep, "legal_representative")]

    sup_f, sup_p = take(off, n_sup)
    reuse = (co_owner[sup_f] >= 0) & (rng.random(sup_f.size) < OFFICER_IS_OWNER)
    sup_p = np.where(reuse, co_owner[sup_f], sup_p)
    roles.append((sup_f, sup_p, "supervisor"))
    dir_f, dir_p = take(off + n_sup, n_dir)
    d_pos = pos[(pos >= (off + n_sup)[firm_of_other])
                & (pos < (off + n_sup + n_dir)[firm_of_other])] - (off + n_sup)[dir_f]
    owner_slot = d_pos < holder_slots[dir_f]
    reuse = owner_slot & (rng.random(dir_f.size) < OFFICER_IS_OWNER)
    dir_p = np.where(reuse, other[starts[dir_f] + np.minimum(d_pos, np.maximum(
        holder_slots[dir_f] - 1, 0))], dir_p)
    roles.append((dir_f, dir_p, "director"))
    big = np.flatnonzero(size >= 2)
    roles.append((big, rep[big], "chairman"))
    roles.append((big, rep[big], "director"))
    gm_f, gm_p = take(off + n_sup + n_dir, (~gm_is_rep).astype(np.int64))
    gm_rep = np.flatnonzero(gm_is_rep)
    roles.append((np.concatenate([gm_f, gm_rep]), np.concatenate([gm_p, rep[gm_rep]]),
                  "general_manager"))
    cfo_f, cfo_p = take(off + n_sup + n_dir + (~gm_is_rep), has_cfo.astype(np.int64))
    roles.append((cfo_f, cfo_p, "cfo"))
    # One row per (company, role, person), ordered by company then role.
    n_roles = len(OFFICER_ROLES)
    key = unique_ints(np.concatenate([
        (r[0] * n_roles + OFFICER_ROLES.index(r[2])) * n_fresh + r[1] for r in roles]))
    o_firm = key // (n_roles * n_fresh)
    o_role = (key // n_fresh) % n_roles
    o_person = key % n_fresh
    at_founding = (o_role == 0) & (rng.random(o_firm.size) < 0.6)
    o_since = np.where(at_founding, f.established[o_firm],
                       _random_after(rng, f.established[o_firm], ctx.as_of))

    # Persons actually referenced, with names and nationalities.
    used = np.flatnonzero(np.bincount(np.concatenate([rep, share_holder, o_person]),
                                      minlength=n_fresh))
    ids = _person_ids(n_fresh, ctx.seed)
    surnames = np.array(list(cat_.SURNAMES), dtype=object)
    surname = surnames[weighted_choice(rng, list(cat_.SURNAMES.values()), n_fresh)]
    chars = np.array(list(cat_.GIVEN_NAME_CHARS), dtype=object)
    given = chars[rng.integers(0, chars.size, n_fresh)]
    two = rng.random(n_fresh) < 0.75
    given = np.where(two, given + chars[rng.integers(0, chars.size, n_fresh)], given)
    names = cat(surname, given)
    nat_codes = ["CN", *cat_.NATIONALITIES]
    nat_p = [1.0 - sum(cat_.NATIONALITIES.values()), *cat_.NATIONALITIES.values()]
    nationality = weighted_choice(rng, nat_p, n_fresh)
    # Foreign-funded firms: tag those whose legal representative is not a mainland citizen.
    f.tags[:, 3] |= nationality[rep] != 0
    f.legal_rep_name = names[rep]

    persons = {"person_id": ids[used], "name": names[used],
               "nationality": categorical(nationality[used], nat_codes)}
    shareholders = {
        "holder_type": np.full(held.size, "person", dtype=object),
        "holder_id": ids[share_holder],
        "held_uscc": f.uscc[held],
        "percentage": share_pct,
        "amount": np.round(share_pct / 100 * f.capital[held], 2),
        "since": days_to_iso(person_since),
    }
    officers = {
        "person_id": ids[o_person],
        "uscc": f.uscc[o_firm],
        "role": categorical(o_role, OFFICER_ROLES),
        "since": days_to_iso(o_since),
    }
    return persons, shareholders, officers


def enterprise_shareholdings(f: Firms, own: Ownership) -> Table:
    """Enterprise-held stakes in input-format columns."""
    return {
        "holder_type": np.full(own.holder.size, "enterprise", dtype=object),
        "holder_id": f.uscc[own.holder],
        "held_uscc": f.uscc[own.held],
        "percentage": own.pct,
        "amount": np.round(own.pct / 100 * f.capital[own.held], 2),
        "since": days_to_iso(own.since),
    }


def controls(f: Firms) -> Table:
    """CONTROLS rows: every parent link (majority shares, consolidation or agreement)."""
    sub = np.flatnonzero(f.parent >= 0)
    return {"parent_uscc": f.uscc[f.parent[sub]], "subsidiary_uscc": f.uscc[sub],
            "basis": f.control_basis[sub]}


def investment_rows(f: Firms, inv: Table) -> Table:
    """INVESTS_IN rows in input-format columns."""
    return {"investor_uscc": f.uscc[inv["investor"]], "investee_uscc": f.uscc[inv["investee"]],
            "amount": inv["amount"], "date": days_to_iso(inv["date"]), "round": inv["round"]}


# --------------------------------------------------------------------------------------------
# Supplies
# --------------------------------------------------------------------------------------------

#: Flagship captive supply links (materials, gases, tools into the fab; fab into packaging).
FLAGSHIP_SUPPLIES = ((7, 2), (10, 2), (4, 2), (2, 3), (3, 0))


def supplies(f: Firms, ctx: Context, rng: np.random.Generator) -> tuple[IntArray, Table]:
    """Supplier -> customer links along the chain's supply links, half of them within a city."""
    ch = ctx.chains
    n_seg, n_city = ch.n_segments, ctx.geo.city_code.size
    links = ch.supply_links[np.argsort(ch.supply_links[:, 0], kind="stable")]
    out_count = np.bincount(links[:, 0], minlength=n_seg)
    out_start = np.cumsum(out_count) - out_count
    ok = f.active & (f.segment >= 0)
    suppliers = np.flatnonzero(ok & (out_count[np.maximum(f.segment, 0)] > 0))
    fanout = 1 + rng.poisson(SUPPLY_FANOUT[f.size[suppliers]])
    src = np.repeat(suppliers, fanout)
    seg = f.segment[src]
    link = out_start[seg] + (rng.random(src.size) * out_count[seg]).astype(np.int64)
    target = links[link, 1]

    w = BUYER_WEIGHT[f.size] * ok
    block = np.maximum(f.segment, 0)
    global_ = BlockSampler(block, w, n_seg)
    local_ = BlockSampler(block * n_city + f.city, w, n_seg * n_city)
    local_block = target * n_city + f.city[src]
    use_local = (rng.random(src.size) < 0.5) & local_.has(local_block)
    dst = np.where(use_local, local_.sample(rng, local_block), global_.sample(rng, target))
    keep = (dst >= 0) & (dst != src)
    flag = np.array(FLAGSHIP_SUPPLIES, dtype=np.int64)
    key = unique_ints(np.concatenate([src[keep] * f.n + dst[keep], flag[:, 0] * f.n + flag[:, 1]]))
    s, d = key // f.n, key % f.n
    pairs = np.stack([s, d], axis=1)
    amount = np.round(SUPPLY_MEDIAN[f.size[s]] * np.exp(rng.normal(0, 1.0, s.size)), 2)
    since = _random_after(rng, np.maximum(f.established[s], f.established[d]), ctx.as_of)
    table = {"supplier_uscc": f.uscc[s], "customer_uscc": f.uscc[d], "amount": amount,
             "since": days_to_iso(since)}
    return pairs, table


# --------------------------------------------------------------------------------------------
# Associations
# --------------------------------------------------------------------------------------------

#: Joining probability by size class for chain associations and for chambers of commerce.
ASSOC_JOIN = np.array([0.05, 0.12, 0.35, 0.6])
CHAMBER_JOIN = np.array([0.005, 0.01, 0.03, 0.05])
#: Joining odds shrink in big clusters so an association keeps ~ASSOC_POOL * 14% members at most.
ASSOC_POOL = 1500.0


def associations(f: Firms, ctx: Context, rng: np.random.Generator) -> tuple[Table, Table]:
    """Chain associations (产业协会) in cities where a chain clusters, plus chambers (商会)."""
    geo, ch, n = ctx.geo, ctx.chains, f.n
    n_city = geo.city_code.size
    min_firms = min(30, max(5, int(0.0003 * n)))
    ids: list[str] = []
    names: list[str] = []
    districts: list[str] = []
    chain_ids: list[list[str]] = []
    m_firm: list[IntArray] = []
    m_assoc: list[IntArray] = []
    ok = f.active & ~f.investor
    counts = np.zeros((len(ch.chain_ids), n_city), dtype=np.int64)
    sel = ok & (f.chain >= 0)
    np.add.at(counts, (f.chain[sel], f.city[sel]), 1)
    join_u = rng.random(n)
    for c, chain_id in enumerate(ch.chain_ids):
        cities = np.flatnonzero(counts[c] >= min_firms)
        cities = cities[np.argsort(-counts[c, cities], kind="stable")][:15]
        for city in cities:
            scale = min(1.0, ASSOC_POOL / counts[c, city])
            members = np.flatnonzero(ok & (f.chain == c) & (f.city == city)
                                     & (join_u < ASSOC_JOIN[f.size] * scale))
            if members.size < 2:
                continue
            code = str(geo.city_code[city])
            ids.append(f"ASSOC-{code}-{chain_id}")
            city_name = geo.city_short[city]
            kind = "产业协会" if len(ids) % 3 else "产业联合会"
            names.append(f"{city_name}市{ch.chain_names[c]}{kind}")
            districts.append(str(geo.district_code[f.district[members[0]]]))
            chain_ids.append([chain_id])
            m_firm.append(members)
            m_assoc.append(np.full(members.size, len(ids) - 1))
    # Chambers of commerce: firms from other provinces' home towns, in the biggest cities.
    provinces = ("浙江", "福建", "广东", "江苏", "湖南", "四川")
    city_counts = np.bincount(f.city[ok], minlength=n_city)
    for city in np.argsort(-city_counts, kind="stable")[:8]:
        if city_counts[city] < min_firms:
            continue
        home = provinces[int(rng.integers(0, len(provinces)))]
        if home in str(geo.province_name[city]):
            continue
        members = np.flatnonzero(ok & (f.city == city)
                                 & (rng.random(n) < CHAMBER_JOIN[f.size] * 4))
        if members.size < 2:
            continue
        ids.append(f"CHAMBER-{geo.city_code[city]}-{len(ids):03d}")
        names.append(f"{geo.city_short[city]}市{home}商会")
        districts.append(str(geo.district_code[f.district[members[0]]]))
        chain_ids.append([])
        m_firm.append(members)
        m_assoc.append(np.full(members.size, len(ids) - 1))

    firm = np.concatenate(m_firm) if m_firm else np.zeros(0, np.int64)
    assoc = np.concatenate(m_assoc) if m_assoc else np.zeros(0, np.int64)
    # Roles: the largest member presides, the next few are vice presidents, then directors.
    order = np.lexsort((-f.capital[firm], assoc))
    firm, assoc = firm[order], assoc[order]
    sizes = np.bincount(assoc, minlength=len(ids))
    rank = np.arange(firm.size) - (np.cumsum(sizes) - sizes)[assoc]
    n_vp = np.clip(sizes // 8, 1, 5)[assoc]
    n_dir = np.maximum(sizes // 10, 1)[assoc]
    role = np.where(rank == 0, "president", np.where(
        rank <= n_vp, "vice_president", np.where(rank <= n_vp + n_dir, "director", "member")))
    founded = ctx.as_of - rng.integers(365 * 3, 365 * 20, len(ids))
    since = _random_after(rng, np.maximum(f.established[firm], founded[assoc]), ctx.as_of)
    assoc_ids = np.array(ids, dtype=object)
    table = {"association_id": assoc_ids, "name": np.array(names, dtype=object),
             "district_code": np.array(districts, dtype=object), "chain_ids": chain_ids}
    members_table = {"uscc": f.uscc[firm], "association_id": assoc_ids[assoc],
                     "role": role.astype(object), "since": days_to_iso(since)}
    return table, members_table

