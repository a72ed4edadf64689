"""Containers the generator stages fill in: the chain table, parks and the enterprise columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from chainscout.loaders.demo.catalog import (
    CHAIN_NAME_SUFFIXES,
    CHAIN_WEIGHTS,
    DEFAULT_NAME_SUFFIXES,
)
from chainscout.loaders.demo.sampling import BoolArray, FloatArray, IntArray, ObjArray
from chainscout.loaders.reference_data import Chain

SIZES = ("micro", "small", "medium", "large")
STATUSES = ("active", "revoked", "cancelled", "moved", "liquidating")
TAGS = ("listed", "high_tech", "state_owned", "foreign", "top100", "green", "specialized")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")
_GENERIC_TAILS = ("科技", "技术")


@dataclass(frozen=True)
class ChainTable:
    """Chains and segments as arrays: what the samplers need from chains.yaml."""

    chain_ids: tuple[str, ...]
    chain_names: tuple[str, ...]
    chain_weight: FloatArray
    seg_ids: tuple[str, ...]
    seg_chain: IntArray
    seg_position: tuple[str, ...]
    seg_core: tuple[tuple[str, ...], ...]
    seg_broad: tuple[tuple[str, ...], ...]
    phrase_offsets: IntArray  # per segment, into phrases
    phrases: ObjArray  # "keyword + name word" business phrases for company names
    keyword_offsets: IntArray  # per segment, into keywords
    keywords: ObjArray  # the segments' Chinese keywords, for business scopes
    supply_links: IntArray  # (m, 2) source/target segment rows of "supplies" links

    @property
    def n_segments(self) -> int:
        return len(self.seg_ids)

    def segment_row(self, segment_id: str) -> int:
        return self.seg_ids.index(segment_id)

    def chain_row(self, chain_id: str) -> int:
        return self.chain_ids.index(chain_id)

    def all_codes(self) -> set[str]:
        """Every GB/T class any segment uses (core or broad)."""
        return {c for codes in (*self.seg_core, *self.seg_broad) for c in codes}


def _phrases(keywords: tuple[str, ...], suffixes: tuple[str, ...], fallback: str) -> list[str]:
    """Name phrases for a segment: each Chinese keyword with 科技, bare, or a chain word."""
    cjk = [k for k in keywords if _CJK.match(k)] or [fallback]
    out: list[str] = []
    for kw in cjk:
        tail_free = not kw.endswith(_GENERIC_TAILS)
        if tail_free:
            out += [kw + "科技"] * 2
        if len(kw) >= 3:
            out.append(kw)
        out += [kw + s for s in suffixes if s not in kw and not kw.endswith(s[:2]) and tail_free]
    return out


def build_chain_table(chains: list[Chain]) -> ChainTable:
    """Flatten chains.yaml into the arrays the generator samples from."""
    chain_ids = tuple(c.id for c in chains)
    segs = [s for c in chains for s in c.segments]
    seg_ids = tuple(s.id for s in segs)
    row = {sid: i for i, sid in enumerate(seg_ids)}
    phrases: list[str] = []
    offsets = [0]
    keywords: list[str] = []
    kw_offsets = [0]
    for seg in segs:
        suffixes = CHAIN_NAME_SUFFIXES.get(seg.chain_id, DEFAULT_NAME_SUFFIXES)
        phrases += _phrases(seg.keywords, suffixes, seg.name)
        offsets.append(len(phrases))
        keywords += [k for k in seg.keywords if _CJK.match(k)] or [seg.name]
        kw_offsets.append(len(keywords))
    links = [(row[link.source], row[link.target]) for c in chains for link in c.links
             if link.kind == "supplies"]
    return ChainTable(
        chain_ids=chain_ids,
        chain_names=tuple(c.name for c in chains),
        chain_weight=np.array([CHAIN_WEIGHTS.get(c, 1.0) for c in chain_ids], dtype=np.float64),
        seg_ids=seg_ids,
        seg_chain=np.array([chain_ids.index(s.chain_id) for s in segs], dtype=np.int64),
        seg_position=tuple(s.position for s in segs),
        seg_core=tuple(s.gbt_codes for s in segs),
        seg_broad=tuple(s.gbt_codes_broad for s in segs),
        phrase_offsets=np.array(offsets, dtype=np.int64),
        phrases=np.array(phrases, dtype=object),
        keyword_offsets=np.array(kw_offsets, dtype=np.int64),
        keywords=np.array(keywords, dtype=object),
        supply_links=np.array(links, dtype=np.int64).reshape(-1, 2),
    )


@dataclass
class Parks:
    """The parks of this data set (a prefix of the real list plus synthetic ones)."""

    park_id: npt.NDArray[np.str_]
    name: ObjArray
    level: ObjArray
    district: IntArray  # row in the geography's district table
    city: IntArray
    lat: FloatArray
    lng: FloatArray
    area_km2: FloatArray
    leading: list[tuple[int, ...]]  # chain rows

    @property
    def n(self) -> int:
        return int(self.park_id.size)


def _ints(n: int, fill: int = -1) -> IntArray:
    return np.full(n, fill, dtype=np.int64)


def _bools(n: int) -> BoolArray:
    return np.zeros(n, dtype=bool)


@dataclass
class Firms:
    """One column per enterprise attribute; row i is enterprise i. Filled stage by stage."""

    n: int
    chain: IntArray = field(init=False)
    segment: IntArray = field(init=False)
    industry: ObjArray = field(init=False)
    size: IntArray = field(init=False)
    investor: BoolArray = field(init=False)
    group: IntArray = field(init=False)
    parent: IntArray = field(init=False)
    control_pct: FloatArray = field(init=False)
    control_basis: ObjArray = field(init=False)
    depth: IntArray = field(init=False)
    city: IntArray = field(init=False)
    district: IntArray = field(init=False)
    park: IntArray = field(init=False)
    lat: FloatArray = field(init=False)
    lng: FloatArray = field(init=False)
    established: IntArray = field(init=False)  # days since epoch
    status: IntArray = field(init=False)
    capital: FloatArray = field(init=False)
    employees: IntArray = field(init=False)
    tags: BoolArray = field(init=False)  # (n, len(TAGS))
    name: ObjArray = field(init=False)
    trade_name: ObjArray = field(init=False)
    uscc: npt.NDArray[np.bytes_] = field(init=False)  # ASCII: cheap to index and write
    address: ObjArray = field(init=False)
    scope: ObjArray = field(init=False)  # business scope (经营范围)
    legal_rep: IntArray = field(init=False)  # person index
    legal_rep_name: ObjArray = field(init=False)
    pinned: BoolArray = field(init=False)  # hand-made flagship rows: samplers leave them alone

    def __post_init__(self) -> None:
        n = self.n
        self.chain = _ints(n)
        self.segment = _ints(n)
        self.industry = np.full(n, "", dtype=object)
        self.size = _ints(n, 0)
        self.investor = _bools(n)
        self.group = _ints(n)
        self.parent = _ints(n)
        self.control_pct = np.zeros(n)
        self.control_basis = np.full(n, None, dtype=object)
        self.depth = _ints(n, 0)
        self.city = _ints(n)
        self.district = _ints(n)
        self.park = _ints(n)
        self.lat = np.zeros(n)
        self.lng = np.zeros(n)
        self.established = _ints(n, 0)
        self.status = _ints(n, 0)
        self.capital = np.zeros(n)
        self.employees = _ints(n, 0)
        self.tags = np.zeros((n, len(TAGS)), dtype=bool)
        self.name = np.full(n, "", dtype=object)
        self.trade_name = np.full(n, "", dtype=object)
        self.uscc = np.full(n, b"", dtype="S18")
        self.address = np.full(n, "", dtype=object)
        self.scope = np.full(n, "", dtype=object)
        self.legal_rep = _ints(n)
        self.legal_rep_name = np.full(n, "", dtype=object)
        self.pinned = _bools(n)

    def tag(self, name: str) -> BoolArray:
        """Column of one theme tag."""
        return np.asarray(self.tags[:, TAGS.index(name)])

    def set_tag(self, name: str, rows: BoolArray | IntArray, value: bool = True) -> None:
        self.tags[rows, TAGS.index(name)] = value

    @property
    def active(self) -> BoolArray:
        return np.asarray(self.status == 0)
