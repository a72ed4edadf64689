"""The bank's side: branches, existing customers, and the event stream.

Branches sit where the enterprises are (the focus cities with the most firms, sub-branches in
their busiest districts); customers skew to large and listed firms and are served by the nearest
sub-branch of their city. Events arrive per type at rates that depend on the catalogue category
and value tier, on subjects drawn from a per-type pool (listed firms for capital-market events,
customers for internal signals, small firms and revoked ones for risk...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from chainscout.loaders.demo import catalog as cat_
from chainscout.loaders.demo.firms import Context, short_district
from chainscout.loaders.demo.flagship import FLAGSHIP
from chainscout.loaders.demo.sampling import (
    BoolArray,
    FloatArray,
    IntArray,
    ObjArray,
    cat,
    categorical,
    days_to_iso,
    iso_to_days,
    list_column,
    masked,
)
from chainscout.loaders.demo.world import Firms
from chainscout.loaders.reference_data import EventType

Table = dict[str, Any]

#: Target share of enterprises that are already customers, and base odds by size class.
CUSTOMER_SHARE = 0.11
CUSTOMER_BASE = np.array([0.06, 0.14, 0.35, 0.6])
#: Customers per relationship manager.
CUSTOMERS_PER_MANAGER = 60
#: Internal-signal codes that may appear on a customer record, each with this probability.
SIGNAL_P = 0.04
SIZE_WEIGHT = np.array([1.0, 2.0, 5.0, 12.0])
#: Amount multiplier by the subject's size class.
AMOUNT_SIZE = np.array([0.3, 0.6, 1.5, 4.0])
HEAD_OFFICE = ("310115", 121.5057, 31.2397)  # 陆家嘴


@dataclass
class Branches:
    """Head office, city branches and sub-branches."""

    branch_id: ObjArray
    name: ObjArray
    level: ObjArray
    district: IntArray
    lat: FloatArray
    lng: FloatArray
    parent: ObjArray
    city: IntArray

    def table(self, ctx: Context) -> Table:
        return {"branch_id": self.branch_id, "name": self.name, "level": self.level,
                "district_code": ctx.geo.district_code[self.district].astype("S6"),
                "lat": self.lat, "lng": self.lng, "parent_id": self.parent}


def branches(f: Firms, ctx: Context, rng: np.random.Generator) -> Branches:
    """One branch per big focus city, 2-15 sub-branches in its busiest districts."""
    geo, n = ctx.geo, f.n
    bank = cat_.BANK_NAME
    city_firms = np.bincount(f.city, minlength=geo.city_code.size)
    district_firms = np.bincount(f.district, minlength=geo.district_code.size)
    focus = np.array([geo.city_index(c) for c in cat_.FOCUS_CITIES])
    focus = focus[np.argsort(-city_firms[focus], kind="stable")]
    threshold = max(10, int(0.002 * n))
    chosen = [int(c) for i, c in enumerate(focus[:24]) if i < 5 or city_firms[c] >= threshold]

    head = geo.district_index(HEAD_OFFICE[0])
    ids: list[str] = ["HO0001"]
    names = [f"{bank}总行"]
    levels = ["head"]
    districts = [head]
    lat = [HEAD_OFFICE[2]]
    lng = [HEAD_OFFICE[1]]
    parents: list[str | None] = [None]
    cities = [int(geo.district_city[head])]
    for city in chosen:
        in_city = np.flatnonzero(geo.district_city == city)
        ranked = in_city[np.argsort(-district_firms[in_city], kind="stable")]
        branch_id = f"BR{geo.city_code[city][:4]}"
        ids.append(branch_id)
        names.append(f"{bank}{geo.city_short[city]}分行")
        levels.append("branch")
        districts.append(int(ranked[0]))
        parents.append("HO0001")
        cities.append(city)
        k = int(np.clip(round(city_firms[city] / 1500), 1, 15))
        subs = [int(d) for d in ranked[:k] if district_firms[d] > 0] or [int(ranked[0])]
        for d in subs:
            ids.append(f"SB{geo.district_code[d]}")
            names.append(f"{bank}{geo.city_short[city]}{short_district(str(geo.district_name[d]))}支行")
            levels.append("sub_branch")
            districts.append(d)
            parents.append(branch_id)
            cities.append(city)
        lat += [float(geo.district_lat[d]) for d in [ranked[0], *subs]]
        lng += [float(geo.district_lng[d]) for d in [ranked[0], *subs]]
    jitter = rng.normal(0.0, 0.01, (len(ids), 2))
    jitter[0] = 0.0
    return Branches(
        branch_id=np.array(ids, dtype=object), name=np.array(names, dtype=object),
        level=np.array(levels, dtype=object), district=np.array(districts, dtype=np.int64),
        lat=np.round(np.array(lat) + jitter[:, 0], 6), lng=np.round(np.array(lng) + jitter[:, 1], 6),
        parent=np.array(parents, dtype=object), city=np.array(cities, dtype=np.int64),
    )


@dataclass
class Customers:
    """Who banks with us, where, and what they hold."""

    firm: IntArray
    branch: IntArray
    maturity: IntArray  # days since epoch, -1 without a loan
    products: BoolArray  # (k, len(CUSTOMER_PRODUCTS))
    signals: BoolArray  # (k, len(signal codes))
    signal_codes: tuple[str, ...]
    manager: ObjArray
    since: IntArray
    attrition_case: int  # firm index of the deliberate "maturing loan + outflow" customer

    def mask(self, n: int) -> BoolArray:
        out = np.zeros(n, dtype=bool)
        out[self.firm] = True
        return out


def customers(f: Firms, ctx: Context, br: Branches, types: dict[str, EventType],
              rng: np.random.Generator) -> Customers:
    """Existing customers (~11%), skewed to large/listed, on the nearest sub-branch of their city."""
    n = f.n
    served = np.isin(f.city, br.city[br.level == "sub_branch"]) & f.active
    p = CUSTOMER_BASE[f.size].copy()
    p = np.where(f.tag("listed"), np.maximum(p, 0.85), p)
    p = np.where(f.group >= 0, p * 1.3, p)
    p = np.minimum(0.95, p * CUSTOMER_SHARE * n / max(float(p[served].sum()), 1e-9))
    chosen = served & (rng.random(n) < p)
    chosen[: len(FLAGSHIP)] = False
    chosen[0] = True
    firm = np.flatnonzero(chosen)

    sub = np.flatnonzero(br.level == "sub_branch")
    branch = np.full(firm.size, -1, dtype=np.int64)
    for city in np.unique(br.city[sub]):
        local = sub[br.city[sub] == city]
        rows = np.flatnonzero(f.city[firm] == city)
        if rows.size == 0:
            continue
        dy = f.lat[firm[rows]][:, None] - br.lat[local][None, :]
        dx = (f.lng[firm[rows]][:, None] - br.lng[local][None, :]) * np.cos(
            np.radians(br.lat[local]))[None, :]
        branch[rows] = local[np.argmin(dx * dx + dy * dy, axis=1)]
    head_city = np.flatnonzero(branch < 0)
    branch[head_city] = 0

    size = f.size[firm]
    labels = tuple(cat_.CUSTOMER_PRODUCTS)
    prob = np.array([cat_.CUSTOMER_PRODUCTS[k] for k in labels]).T[size]  # (k, products)
    foreign = f.tag("foreign")[firm]
    for k in ("fx", "trade_finance"):
        col = labels.index(k)
        prob[:, col] = np.where(foreign, np.minimum(1.0, prob[:, col] * 2), prob[:, col])
    products = rng.random(prob.shape) < prob
    loans = products[:, [labels.index(k) for k in cat_.LOAN_PRODUCTS]].any(axis=1)
    soon = rng.random(firm.size) < 0.3
    offset = np.where(soon, rng.integers(0, 91, firm.size), rng.integers(91, 721, firm.size))
    maturity = np.where(loans, ctx.as_of + offset, -1)

    signal_codes = tuple(c for c in ("large_inflow", "deposit_outflow", "payroll_growth",
                                     "fx_receipts_rising", "credit_utilization_high",
                                     "other_bank_repayment", "settlement_volume_drop",
                                     "new_payee_concentration") if c in types)
    signals = rng.random((firm.size, len(signal_codes))) < SIGNAL_P

    # The deliberate attrition case: a big customer whose loan matures within weeks while money
    # leaves for another bank.
    big = np.flatnonzero((size >= 2) & (firm >= len(FLAGSHIP)))
    pick = int(big[0]) if big.size else int(np.flatnonzero(firm >= len(FLAGSHIP))[0])
    products[pick, labels.index("credit")] = True
    maturity[pick] = ctx.as_of + 21
    for code in ("deposit_outflow", "other_bank_repayment"):
        if code in signal_codes:
            signals[pick, signal_codes.index(code)] = True

    managers = np.ceil(np.bincount(branch, minlength=br.branch_id.size) / CUSTOMERS_PER_MANAGER)
    m_idx = (rng.random(firm.size) * np.maximum(managers[branch], 1)).astype(np.int64) + 1
    manager = cat("RM", br.branch_id[branch].astype(object).astype(str).astype(object),
                  np.char.zfill(m_idx.astype(str), 3).astype(object))
    start = np.maximum(f.established[firm], iso_to_days("2000-01-01"))
    since = start + (rng.random(firm.size) * np.maximum(ctx.as_of - 30 - start, 1)).astype(
        np.int64)
    return Customers(firm, branch, maturity, products, signals, signal_codes,
                     np.asarray(manager, dtype=object), since, int(firm[pick]))


def customer_table(f: Firms, cu: Customers, br: Branches) -> Table:
    """CUSTOMER_OF rows in input-format columns."""
    has_loan = cu.maturity >= 0
    return {
        "uscc": f.uscc[cu.firm], "branch_id": br.branch_id[cu.branch],
        "manager_id": cu.manager, "since": days_to_iso(cu.since),
        "products": list_column(cu.products, tuple(cat_.CUSTOMER_PRODUCTS)),
        "loan_maturity": masked(days_to_iso(np.maximum(cu.maturity, 0)), has_loan),
        "signals": list_column(cu.signals, cu.signal_codes),
    }


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------

_POOL_BY_CODE = {
    **dict.fromkeys(("listing_tutoring_filing", "ipo_application", "ipo_listing",
                     "neeq_listing"), "pre_ipo"),
    **dict.fromkeys(("equity_financing_round", "gazelle_unicorn", "strategic_investor_entry",
                     "government_fund_investment", "ip_pledge"), "startup"),
    **dict.fromkeys(("new_subsidiary", "outbound_investment", "merger_acquisition",
                     "regional_headquarters", "overseas_investment_filing",
                     "bank_credit_line_announced", "capacity_expansion", "planned_project",
                     "land_acquisition", "bond_issuance_plan", "bond_issued",
                     "bond_maturity_put", "large_contract", "chain_leader_designation",
                     "single_champion"), "large"),
    "drug_device_approval": "biomed",
    "mining_right_acquired": "mining",
    "construction_qualification_upgrade": "construction",
    "ppp_concession": "construction",
}
_POOL_BY_CATEGORY = {
    "expansion": "any", "financing": "any", "capital_market": "listed", "equity_change": "any",
    "governance": "any", "qualification": "chain", "innovation": "chain", "procurement": "any",
    "policy_support": "chain", "trade": "trade", "maturity": "borrowers", "risk": "risk",
    "internal": "customers",
}
_VC_COUNTERPARTY = ("equity_financing_round", "strategic_investor_entry",
                    "government_fund_investment")
_SOE_COUNTERPARTY = ("government_bid_won", "soe_procurement_won")
_INVESTEE_COUNTERPARTY = ("new_subsidiary", "outbound_investment")
_SUPPLY_COUNTERPARTY = ("large_contract", "supplier_qualification_core", "strategic_cooperation",
                        "chain_core_counterparty", "bill_received_large")


def event_rate(et: EventType) -> float:
    """Events per subject enterprise per year for one type (docs/demo-data.md)."""
    return (cat_.CATEGORY_RATE[et.category] * cat_.TIER_FACTOR[et.value_tier]
            * cat_.TYPE_RATE_FACTOR.get(et.code, 1.0))


def _pools(f: Firms, ctx: Context, customer: BoolArray, investee: BoolArray
           ) -> dict[str, FloatArray]:
    active = f.active & ~f.investor
    size_w = SIZE_WEIGHT[f.size]
    chain = f.chain >= 0
    division = f.industry.astype("U2")
    seg_ids = ctx.chains.seg_ids
    mining_segs = [seg_ids.index(s) for s in ("nev.minerals", "newmat.resources") if s in seg_ids]
    biomed = ctx.chains.chain_ids.index("biomed") if "biomed" in ctx.chains.chain_ids else -2
    manufacturing = (division >= "13") & (division <= "43")
    return {
        "any": active * size_w * np.where(chain, 1.5, 1.0),
        "large": active * (f.size >= 2) * size_w,
        "listed": active * f.tag("listed") * 1.0,
        "pre_ipo": active * ~f.tag("listed") * ((f.size >= 2) & chain | investee) * size_w,
        "startup": active * (investee | chain & f.tag("high_tech") & (f.size <= 2))
        * (1.0 + 2.0 * investee),
        "chain": active * chain * np.sqrt(size_w),
        "customers": customer * f.active * np.sqrt(size_w),
        "risk": ~f.investor * np.array([3.0, 2.0, 1.0, 0.5])[f.size]
        * np.where(f.active, 1.0, 5.0),
        "biomed": active * (f.chain == biomed) * size_w,
        "mining": active * (np.isin(f.segment, mining_segs)
                            | ((division >= "06") & (division <= "12"))) * size_w,
        "construction": active * ((division >= "47") & (division <= "50")) * size_w,
        "trade": active * size_w * np.where(f.tag("foreign"), 3.0, 1.0)
        * np.where(chain | manufacturing, 2.0, 1.0),
        "borrowers": active * (f.size >= 1) * size_w,
        "soe": active * f.tag("state_owned") * size_w,
    }


def events(f: Firms, ctx: Context, types: dict[str, EventType], cu: Customers,
           supply_pairs: IntArray, investee: BoolArray, days: int, rng: np.random.Generator,
           ) -> tuple[Table, dict[str, int]]:
    """The event stream over ``days`` days ending at the reference date."""
    customer = cu.mask(f.n)
    pools = _pools(f, ctx, customer, investee)
    cdfs = {k: np.cumsum(w) for k, w in pools.items()}
    counts_in_pool = {k: int(np.count_nonzero(w)) for k, w in pools.items()}
    first_customer = np.full(f.n, -1, dtype=np.int64)
    if supply_pairs.size:
        first_customer[supply_pairs[::-1, 0]] = supply_pairs[::-1, 1]
    vcs = np.flatnonzero(f.investor)
    subsidiary = np.full(f.n, -1, dtype=np.int64)  # one subsidiary per parent, if any
    children = np.flatnonzero(f.parent >= 0)
    subsidiary[f.parent[children[::-1]]] = children[::-1]

    def draw(pool: str, k: int) -> IntArray:
        cdf = cdfs[pool]
        if k == 0 or cdf[-1] <= 0:
            return np.zeros(0, dtype=np.int64)
        picks: IntArray = np.minimum(np.searchsorted(cdf, rng.random(k) * cdf[-1],
                                                     side="right"), f.n - 1).astype(np.int64)
        return picks

    code_list = list(types)
    subj: list[IntArray] = []
    kinds: list[IntArray] = []
    amounts: list[FloatArray] = []
    cps: list[IntArray] = []
    for t, (code, et) in enumerate(types.items()):
        pool = _POOL_BY_CODE.get(code, _POOL_BY_CATEGORY.get(et.category, "any"))
        lam = event_rate(et) * counts_in_pool[pool] * days / 365.0
        s = draw(pool, int(rng.poisson(lam)))
        if s.size == 0:
            continue
        amount = np.full(s.size, np.nan)
        if code in cat_.EVENT_AMOUNTS:
            median, sigma = cat_.EVENT_AMOUNTS[code]
            amount = np.round(median * AMOUNT_SIZE[f.size[s]] * np.exp(
                rng.normal(0, sigma, s.size)), 2)
        cp = np.full(s.size, -1, dtype=np.int64)
        if code in _VC_COUNTERPARTY and vcs.size:
            cp = vcs[np.minimum((vcs.size * rng.random(s.size) ** 2).astype(np.int64),
                                vcs.size - 1)]
        elif code in _SOE_COUNTERPARTY and counts_in_pool["soe"]:
            cp = draw("soe", s.size)
        elif code in _SUPPLY_COUNTERPARTY and counts_in_pool["large"]:
            cp = np.where(first_customer[s] >= 0, first_customer[s], draw("large", s.size))
        elif code in _INVESTEE_COUNTERPARTY:
            cp = np.where(subsidiary[s] >= 0, subsidiary[s], draw("any", s.size))
        elif code in cat_.COUNTERPARTY_ROLES:
            cp = draw("any", s.size)
        subj.append(s)
        kinds.append(np.full(s.size, t, dtype=np.int64))
        amounts.append(amount)
        cps.append(np.where(cp == s, -1, cp))

    # Pinned demo events: the flagship's big project, and the attrition case's outflows.
    pinned = [(0, "planned_project", 3, 500000.0), (0, "chain_leader_designation", 10, np.nan),
              (2, "capacity_expansion", 6, 300000.0), (8, "park_relocation", 12, np.nan),
              (cu.attrition_case, "deposit_outflow", 5, 8000.0),
              (cu.attrition_case, "other_bank_repayment", 2, 5000.0)]
    pinned = [p for p in pinned if p[1] in types and p[2] < days]
    subject = np.concatenate([*subj, np.array([p[0] for p in pinned], dtype=np.int64)])
    kind = np.concatenate([*kinds, np.array([code_list.index(p[1]) for p in pinned],
                                            dtype=np.int64)])
    amount_arr = np.concatenate([*amounts, np.array([p[3] for p in pinned], dtype=np.float64)])
    cp_arr = np.concatenate([*cps, np.full(len(pinned), -1, dtype=np.int64)])
    date = np.concatenate([ctx.as_of - rng.integers(0, days, subject.size - len(pinned)),
                           np.array([ctx.as_of - p[2] for p in pinned], dtype=np.int64)])

    code_rank = np.argsort(np.argsort(np.array(code_list)))  # alphabetical order of codes
    order = np.lexsort((f.uscc[subject], code_rank[kind], date))
    subject, kind, amount_arr, cp_arr, date = (
        subject[order], kind[order], amount_arr[order], cp_arr[order], date[order])
    iso = days_to_iso(date)
    seq = np.char.zfill(np.arange(1, subject.size + 1).astype("S7"), 7)
    event_id = np.char.add(np.char.add(b"EV", np.char.replace(iso, b"-", b"")), seq)
    type_name = np.array([types[c].name for c in code_list], dtype=object)[kind]
    title = cat(f.name[subject], "：", type_name)
    has_cp = cp_arr >= 0
    cp_safe = np.maximum(cp_arr, 0)
    title[has_cp] = cat(title[has_cp], "（", f.name[cp_safe[has_cp]], "）")
    roles = tuple(cat_.COUNTERPARTY_ROLES.get(c, "counterparty") for c in code_list)
    sources = tuple(cat_.CATEGORY_SOURCE.get(types[c].category, "news") for c in code_list)
    table = {
        "event_id": event_id,
        "type": categorical(kind, code_list),
        "date": iso,
        "uscc": f.uscc[subject],
        "title": title,
        "amount": amount_arr,
        "source": categorical(kind, sources),
        "counterparty_uscc": masked(f.uscc[cp_safe], has_cp),
        "counterparty_role": _masked_categorical(kind, roles, has_cp),
    }
    counts = np.bincount(kind, minlength=len(code_list))
    per_type = {c: int(counts[i]) for i, c in enumerate(code_list) if counts[i]}
    return table, per_type


def _masked_categorical(codes: IntArray, labels: tuple[str, ...], present: BoolArray) -> pa.Array:
    """Like :func:`categorical`, null where ``present`` is false."""
    indices = pa.array(np.asarray(codes, dtype=np.int32), mask=~present)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(labels), type=pa.string())).cast(
        pa.string())
